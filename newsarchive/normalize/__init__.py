"""Normalisation of text and timestamps for the archive.

:mod:`.text` cleans Azerbaijani/Russian text (entities, mojibake, look-alike
letters, spaces) and builds keys, slugs and content hashes; :mod:`.dates` parses
the date strings of icma.az and its sources into Asia/Baku time.
"""

from __future__ import annotations

from newsarchive.normalize.text import (
    az_casefold,
    az_lower,
    az_upper,
    content_hash,
    fold_key,
    normalize_text,
    slugify,
)

__all__ = [
    "az_casefold",
    "az_lower",
    "az_upper",
    "content_hash",
    "fold_key",
    "normalize_text",
    "slugify",
]
