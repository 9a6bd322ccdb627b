"""Bylines → a list of person names, organisations kept apart.

:func:`split_byline` takes one byline string (or the text nodes of a byline
element, so names printed in separate elements never run together) and returns
``(persons, organisations)``:

- labels dropped: ``By``, ``Written by``, ``View all posts by``, ``Posted by``,
  ``Autor``, ``Müəllif``, ``Автор``, ``Link Copied``, ``Published``, ``Updated``…;
- split on the page's separators: ``,`` ``;`` ``|`` ``/`` ``&`` ``and`` ``və``
  ``и`` ``ve`` ``und`` ``y`` and on names glued without a space (``SmithJane``);
- e-mail addresses, URLs, handles (``@x``), numeric ids and usernames (one
  token with digits or underscores, or all lower case) dropped;
- organisations (the site's own name, agency/newspaper vocabulary, all-capital
  acronyms, ``USA TODAY``) returned apart, for ``publisher``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsarchive.pages.extract_helpers import clean, decode

#: Labels around a byline; matched case-insensitively as whole words at either end.
LABELS = (
    r"view all posts by", r"all posts by", r"posts by", r"more stories by", r"more from", r"articles by",
    r"written by", r"posted by", r"reported by", r"story by", r"words by", r"text by", r"edited by",
    r"by", r"from", r"author", r"authors", r"autor", r"autorin", r"auteur", r"yazar", r"müəllif", r"müəllifi",
    r"hazırladı", r"автор", r"авторы", r"текст", r"link copied", r"copied", r"published", r"updated",
    r"share", r"follow", r"email", r"e-mail", r"contact", r"staff writer", r"contributor", r"columnist",
    r"correspondent", r"reporter", r"editor", r"senior writer", r"twitter", r"facebook",
)
_LABEL_RE = re.compile(r"^(?:\s*(?:" + "|".join(LABELS) + r")\b\s*[:\-–—|,.]*\s*)+", re.IGNORECASE)
_TRAIL_RE = re.compile(r"(?:\s*[:\-–—|,.]*\s*\b(?:" + "|".join(LABELS) + r"))+\s*[:\-–—|,.]*\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[,;|/•·&\n]|\band\b|\bvə\b|\bи\b|\bve\b|\bund\b|\by\b|\bet\b)\s*", re.IGNORECASE)
_GLUED = re.compile(r"(?<=[a-zà-ÿəığüşöçа-я]{3})(?=[A-ZƏİĞÜŞÖÇА-Я][a-zà-ÿəığüşöçа-я])")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DATEISH = re.compile(r"\d{1,4}[./:-]\d{1,2}|\b\d{4}\b")
#: Words that make a byline string an organisation, not a person.
ORGANISATION_WORDS = re.compile(
    r"\b(?:news|press|agency|agentliyi|agentlik|associated|reuters|afp|ap|dpa|tass|interfax|staff|desk|"
    r"team|editorial|editors|media|magazine|times|post|tribune|journal|herald|gazette|daily|today|online|"
    r"network|channel|tv|radio|service|group|inc|ltd|llc|corp|company|newsroom|redaksiya|xəbər|"
    r"редакция|агентство|служба|новости|haber|ajansı|contributors|wire|bureau)\b",
    re.IGNORECASE,
)


def _is_handle(name: str) -> bool:
    if "@" in name or _URL.search(name) or _EMAIL.search(name):
        return True
    if re.search(r"\d", name) or "_" in name:
        return True
    return " " not in name and (name.islower() or len(name) < 3)


def is_organisation(name: str, site_names: Iterable[str] = ()) -> bool:
    folded = name.casefold()
    for site in site_names:
        if site and (folded == site.casefold() or folded.replace(" ", "") == site.casefold().replace(" ", "")):
            return True
    if ORGANISATION_WORDS.search(name):
        return True
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)  # ``USA TODAY``, ``AFP``


def _strip_labels(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LABEL_RE.sub("", text)
        text = _TRAIL_RE.sub("", text).strip(" :-–—|,.")
    return text


def split_byline(parts: str | Iterable[str], site_names: Iterable[str] = (), *,
                 persons_only: bool = False) -> tuple[list[str], list[str]]:
    """``(persons, organisations)`` named in a byline (see the module docstring).

    *persons_only*: the source says these are persons (JSON-LD ``Person``): only the
    site's own name is taken for an organisation, not the vocabulary.
    """
    texts = [parts] if isinstance(parts, str) else list(parts)
    sites = [s for s in site_names if s]
    persons: list[str] = []
    orgs: list[str] = []
    for raw in texts:
        text = decode(raw)
        if not text:
            continue
        text = _EMAIL.sub(" , ", _URL.sub(" , ", text))
        text = _GLUED.sub(", ", text)
        for piece in _SEPARATORS.split(text):
            name = clean(_strip_labels(piece.strip()))
            if not name or len(name) > 60 or _DATEISH.search(name):
                continue
            own_site = name.casefold() in {x.casefold() for x in sites}
            if own_site or (not persons_only and is_organisation(name, sites)):
                orgs.append(name)
            elif not _is_handle(name) and len(name.split()) <= 5:
                persons.append(name)
    return list(dict.fromkeys(persons)), list(dict.fromkeys(orgs))
