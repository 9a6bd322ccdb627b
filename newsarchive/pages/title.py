"""The headline of a cited article: the on-page headline, not the SEO title.

:func:`choose_title` gets the structured candidates (JSON-LD ``headline``,
``og:title``/``twitter:title``, microdata) and the page's own ``<h1>`` elements
and ``<title>``, entities already decoded, and returns ``(title, method, flag)``:

- an ``<h1>`` that agrees with the structured title (shares most of its words)
  is the headline (``visible``), unless it is the same text (then the structured
  source is named);
- otherwise the structured title, with site names and section labels cut off
  (:func:`strip_site`): segments around `` | `` `` - `` `` – `` `` — `` `` :: ``
  `` » `` that are the site's name (``og:site_name``, the JSON-LD publisher, the
  host's label, what ``<title>`` adds around the ``<h1>``: :func:`title_site_names`,
  what the ``<title>`` of the site's other pages share: :mod:`~newsarchive.pages.site_names`)
  or that the ``<h1>`` does not contain;
- flag ``title_h1_unrelated`` when the page has one ``<h1>`` that shares almost
  nothing with the structured title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsarchive.pages.extract_helpers import clean, words

#: Separators between a headline and the site name or a section label.
SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·|•|/)\s+|\s*\|\s*")
#: Share of the structured title's words an ``<h1>`` must contain to be the same headline …
AGREE = 0.6
#: … and share of the ``<h1>``'s words the structured title must contain.
AGREE_H1 = 0.6
#: An ``<h1>`` of this many words or more whose words all stand in the structured title is its headline.
SEO_MIN_WORDS = 3
#: Below this share of common words, the ``<h1>`` and the structured title are unrelated.
UNRELATED = 0.2


def overlap(a: str, b: str) -> float:
    """Share of the words of the shorter of *a* and *b* found in the other."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def agrees(h1: str, title: str) -> bool:
    """*h1* and *title* are the same headline (one may carry a site name or a few more words)."""
    wh, wt = words(h1), words(title)
    if not wh or not wt:
        return False
    common = len(wh & wt)
    if common == len(wh) >= SEO_MIN_WORDS:
        return True  # every word of a real headline inside a longer SEO title
    return common / len(wt) >= AGREE and common / len(wh) >= AGREE_H1


_HOST_DECORATION = re.compile(r"^the|(?:com|net|org|az|ru|co|uk|tv|online|news)+$")


def _fold(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _is_site(segment: str, site_names: Sequence[str], exact_names: Sequence[str] = ()) -> bool:
    """*segment* is a site name: one of *site_names*, or contains one with a few more letters
    (``The Orbit Review`` for ``orbitreview``), or is one of *exact_names* (host labels, learned names) itself."""
    folded = _fold(segment)
    if not folded:
        return True
    bare = _HOST_DECORATION.sub("", folded)  # "The Orbit Review", "ESPN.com" → the host's label
    if any(folded == _fold(name) or bare == _fold(name) for name in exact_names):
        return True
    for name in site_names:
        key = _fold(name)
        if key and (folded == key or (len(key) >= 4 and key in folded and len(folded) <= len(key) + 12)):
            return True
    return False


def strip_site(title: str, site_names: Sequence[str], h1: str | None = None,
               exact_names: Sequence[str] = ()) -> str:
    """*title* without leading/trailing segments naming the site or a section."""
    parts = [p for p in SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    keep = list(parts)
    while len(keep) > 1 and _is_site(keep[-1], site_names, exact_names):
        keep.pop()
    while len(keep) > 1 and _is_site(keep[0], site_names, exact_names):
        keep.pop(0)
    if h1 and len(keep) > 1:
        inside = [p for p in keep if overlap(p, h1) >= AGREE_H1]
        if inside and len(inside) < len(keep):
            keep = [p for p in keep if p in inside]
    if keep == parts:
        return title
    # the kept segments stand together in the original: cut the title at their ends
    start = title.find(keep[0])
    end = title.rfind(keep[-1]) + len(keep[-1])
    return clean(title[start:end]) or title


def choose_title(structured: Sequence[tuple[str, str]], h1s: Sequence[str], site_names: Sequence[str],
                 page_title: str | None = None,
                 exact_names: Sequence[str] = ()) -> tuple[str | None, str | None, str | None]:
    """``(title, method, flag)`` from ``(method, value)`` candidates best first, the page's ``<h1>`` texts,
    the site's names and the ``<title>`` (see the module docstring)."""
    flag = None
    best = structured[0] if structured else None
    if best is not None:
        method, value = best
        for h1 in h1s:
            if h1 == value:
                return value, method, None
        for h1 in h1s:
            if agrees(h1, value):
                return h1, "visible", None
        if len(h1s) == 1 and overlap(h1s[0], value) < UNRELATED:
            flag = "title_h1_unrelated"
        return strip_site(value, site_names, h1s[0] if len(h1s) == 1 else None, exact_names), method, flag
    if len(h1s) == 1:
        return h1s[0], "visible", None
    if page_title:
        return strip_site(page_title, site_names, None, exact_names), "meta", None
    return None, None, None


def title_site_names(page_title: str | None, h1s: Sequence[str]) -> list[str]:
    """The parts of ``<title>`` around the headline (``Headline | Sport | ESPN`` with ``<h1>Headline``):
    what the site adds to every page's title."""
    if not page_title or not h1s:
        return []
    parts = [p for p in SEPARATORS.split(page_title) if p.strip()]
    if len(parts) < 2 or not any(agrees(h1s[0], p) for p in parts):
        return []
    return [p.strip() for p in parts if overlap(p, h1s[0]) < UNRELATED and len(p.split()) <= 5]
