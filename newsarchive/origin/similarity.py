"""How much of the aggregator's body is the original's text.

Both texts become folded word sequences (:func:`~newsarchive.normalize.text.normalize_text`
first, so zero-width characters, soft hyphens and decomposed letters inside words
do not split them; then punctuation to spaces and
:func:`~newsarchive.normalize.text.fold_key`: case, Azerbaijani letters,
look-alikes and Cyrillic do not matter). The score is the share of the
aggregator's word *n*-grams (shingles) that also occur in the original: a cut
tail or dropped paragraphs do not move it and two lines glued together (split
again at the punctuation) barely do. Shingles are long (eight words) because
the aggregator copies verbatim while unrelated news texts of one language share
stock phrases and whole formula sentences ("Qeyd edək ki, ...") that shorter
shingles would count as shared text. Sets of strings, linear time.
"""

from __future__ import annotations

import re

from newsarchive.normalize.text import fold_key, normalize_text

#: Words per shingle.
SHINGLE = 8
_PUNCT_RE = re.compile(r"[^\w\s]+")


def words(text: str) -> list[str]:
    """The folded words of *text*."""
    return fold_key(_PUNCT_RE.sub(" ", normalize_text(text))).split()


def shingles(tokens: list[str], n: int = SHINGLE) -> set[str]:
    """The word *n*-grams of *tokens* (the whole sequence when it is shorter than *n*)."""
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def origin_similarity(aggregator_body: str, origin_body: str) -> float:
    """Share (0..1) of the aggregator body's shingles found in the original body (0 when either is empty)."""
    tokens = words(aggregator_body or "")
    if not tokens:
        return 0.0
    n = min(SHINGLE, len(tokens))  # a body shorter than a shingle is one shingle of its own length
    mine = shingles(tokens, n)
    theirs = shingles(words(origin_body or ""), n)
    return len(mine & theirs) / len(mine)
