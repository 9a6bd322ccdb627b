"""A site's name learned from the ``<title>`` pattern across its pages.

A page object sees one page; a site's ``<title>`` template shows across several:
``Qarabağda yeni kompleks | Report.az`` and ``Bakıda tıxac | Report.az`` share the
segment ``Report.az`` at the same end, ``Baz | İdman | Xəbər Mərkəzi`` and
``Qux | İdman | Xəbər Mərkəzi`` also the section label ``İdman`` before it.

:func:`learn_site_names` (pure) reads a few ``<title>`` strings of one host, split on
the separators of :mod:`newsarchive.pages.title`, and returns the segments that
recur at the same place counted from one end — the last (first) segment, then the
one before (after) it while every segment further out is learned too — on at least
:data:`MIN_PAGES` pages with different titles and at least :data:`MIN_SHARE` of the
titles that reach that place, never a title's only remaining segment. A headline
that merely contains `` - `` is left alone unless its parts recur on other pages
(a label that starts many headlines, ``Oxucu məktubu — …``, is learned and cut);
a site whose titles carry no suffix learns nothing.

:class:`SiteNameLearner` keeps the last few titles per host
(``NEWSARCHIVE_SITE_NAMES_TITLES``) for the most recently seen hosts
(``NEWSARCHIVE_SITE_NAMES_HOSTS``, least recently used dropped): bounded memory,
deterministic in the order titles are added. The page object gets the host's
names as a plain tuple of strings (``known_site_names``, picklable), and
:func:`newsarchive.pages.title.strip_site` cuts them like the host's own label.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from newsarchive.pages.extract_helpers import decode
from newsarchive.pages.title import SEPARATORS

#: A segment must recur on this many pages (with different titles) to be a site name.
MIN_PAGES = 2
#: … and on at least this share of the titles that reach that place (two headlines that happen to end
#: alike, ``… — FOTO``, among eight of a site are not its template).
MIN_SHARE = 0.5
#: Segments learned per end of the title (site name, section label, …).
MAX_DEPTH = 3
#: A learned segment has at most this many words (a headline is not a site name).
MAX_WORDS = 6

#: Where ``<title>`` is looked for (the head of any real page), and its longest text: one search for the
#: first opening tag, one for its end within that many characters (a hostile page costs no more).
TITLE_SEARCH_CHARS = 256_000
TITLE_MAX_CHARS = 2_000
_TITLE_OPEN = re.compile(r"<title\b[^<>]{0,200}>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)


def page_title(html: str) -> str | None:
    """The text of the page's first ``<title>``, entities decoded (no parse of the whole page)."""
    opening = _TITLE_OPEN.search(html, 0, TITLE_SEARCH_CHARS)
    if opening is None:
        return None
    closing = _TITLE_CLOSE.search(html, opening.end(), opening.end() + TITLE_MAX_CHARS)
    return decode(html[opening.end() : closing.start()]) if closing else None


def _fold(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def segments(title: str) -> list[str]:
    """*title* split on the headline/site separators, empty parts dropped."""
    return [p.strip() for p in SEPARATORS.split(title) if p.strip()]


def learn_site_names(titles: Iterable[str]) -> tuple[str, ...]:
    """The site names and section labels that *titles* (one host's) share at their ends (module docstring)."""
    split = [parts for title in dict.fromkeys(t for t in titles if t) if len(parts := segments(title)) >= 2]
    learned: dict[str, str] = {}  # folded → first spelling seen
    for from_end in (True, False):
        reached = [0] * len(split)  # per title: how many segments of this end are learned so far
        for depth in range(MAX_DEPTH):
            counts: dict[str, list[int]] = {}
            eligible = 0
            for i, parts in enumerate(split):
                if len(parts) - depth < 2 or reached[i] < depth:  # keep a headline; the outer ones learned
                    continue
                eligible += 1
                segment = parts[-1 - depth] if from_end else parts[depth]
                key = _fold(segment)
                if key and len(segment.split()) <= MAX_WORDS:
                    counts.setdefault(key, []).append(i)
            found = False
            for key, pages in counts.items():
                if len(pages) < max(MIN_PAGES, MIN_SHARE * eligible):
                    continue
                found = True
                for i in pages:
                    reached[i] = depth + 1
                    parts = split[i]
                    learned.setdefault(key, parts[-1 - depth] if from_end else parts[depth])
            if not found:
                break
    return tuple(learned.values())


class SiteNameLearner:
    """Per host, the last *titles_per_host* ``<title>`` strings and what they teach; at most *max_hosts* hosts."""

    def __init__(self, titles_per_host: int = 8, max_hosts: int = 2000) -> None:
        self.titles_per_host = max(MIN_PAGES, titles_per_host)
        self.max_hosts = max(1, max_hosts)
        self._titles: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._names: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._titles)

    def hosts(self) -> list[str]:
        """Known hosts, least recently used first."""
        return list(self._titles)

    def titles(self, host: str) -> tuple[str, ...]:
        return self._titles.get(host, ())

    def names(self, host: str) -> tuple[str, ...]:
        """What *host*'s titles teach (empty for an unknown host)."""
        return self._names.get(host, ())

    def restore(self, host: str, titles: Sequence[str]) -> None:
        """Set *host*'s titles (from the state store), oldest first."""
        self._set(host, tuple(dict.fromkeys(t for t in titles if t))[-self.titles_per_host:])

    def add(self, host: str, title: str | None) -> tuple[str, ...]:
        """Record *host*'s page title; its names, this page included."""
        if not host:
            return ()
        known = self._titles.get(host, ())
        if title and title not in known:
            self._set(host, (*known, title)[-self.titles_per_host:])
        elif host in self._titles:
            self._titles.move_to_end(host)
        return self.names(host)

    def _set(self, host: str, titles: tuple[str, ...]) -> None:
        self._titles[host] = titles
        self._titles.move_to_end(host)
        self._names[host] = learn_site_names(titles)
        while len(self._titles) > self.max_hosts:
            old, _ = self._titles.popitem(last=False)
            self._names.pop(old, None)
