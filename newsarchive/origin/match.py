"""Find the aggregator's article among a source site's candidates, by title and time.

For home-page-only citations (``Mənbə:https://bakivaxti.az``): the headline is
compared with every listed headline as a folded key (lower case, Azerbaijani
letters folded to ASCII, Cyrillic transliterated, punctuation dropped, see
:func:`newsarchive.normalize.text.fold_key`) with rapidfuzz's ``ratio``; a
candidate listed without a title (plain sitemap) is compared through its URL
slug. Numbers must agree: headlines that differ only in a figure (``— 57 yenilik``
/ ``— 59 yenilik``, ``5 nəfər`` / ``7 nəfər``) are different stories, however
close the strings. When both sides have a date, candidates outside the time window are
ignored. Ties go to the candidate closest in time, then to the smaller URL, so
the answer never depends on list order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz, process

from newsarchive.normalize.dates import parse_datetime
from newsarchive.normalize.text import fold_key, normalize_text
from newsarchive.origin.listing import Candidate

#: Listed titles ending like this were cut by the site; compare with the same-length head of the headline.
TRUNCATION_MARKS = ("...", "…")
#: Shortest cut title still compared by its head (shorter ones are too ambiguous).
MIN_TRUNCATED_KEY = 25
_PUNCT_RE = re.compile(r"[^\w\s]+")
_NUMBER_RE = re.compile(r"\b\d+\b")
_YEAR_RE = re.compile(r"\d{4}")
_SLUG_ID_RE = re.compile(r"(?:[-_]\d{4,}|[-_]\d{4}-\d{2}-\d{2}(?:-\d{6})?)+(?:\.html?)?$")


@lru_cache(maxsize=65536)
def title_key(text: str) -> str:
    """The comparison key of a headline: :func:`normalize_text`, punctuation to spaces, :func:`fold_key`."""
    return fold_key(_PUNCT_RE.sub(" ", normalize_text(text)))


@lru_cache(maxsize=65536)
def slug_key(url: str) -> str:
    """The key of a URL's last path segment, numeric ids and date stamps dropped."""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return title_key(_SLUG_ID_RE.sub("", segment).replace("-", " ").replace("_", " "))


@lru_cache(maxsize=65536)
def candidate_key(candidate: Candidate) -> tuple[str, bool]:
    """``(key, truncated)``: the key of the listed title (of the URL slug without one), and
    whether the site cut the title short."""
    title = candidate.title.strip()
    if not title:
        return slug_key(candidate.url), False
    if title.endswith(TRUNCATION_MARKS):
        return title_key(title.rstrip(".…").strip()), True
    return title_key(title), False


@lru_cache(maxsize=65536)
def _when(raw: str, reference: datetime | None) -> datetime | date | None:
    return parse_datetime(raw, reference=reference)


def candidate_time(candidate: Candidate, reference: datetime | None) -> datetime | date | None:
    if not candidate.published:
        return None
    # only year-less strings depend on the reference: keep the cache keyed on the string alone otherwise
    ref = None if _YEAR_RE.search(candidate.published) else reference
    return _when(candidate.published, ref)


def distance(a: datetime, b: datetime | date) -> timedelta:
    """Time between *a* and *b*; a bare date is the whole day (in *a*'s zone)."""
    if isinstance(b, datetime):
        return abs(a - b)
    start = datetime.combine(b, time(0), tzinfo=a.tzinfo)
    end = start + timedelta(days=1)
    if a < start:
        return start - a
    return a - end if a >= end else timedelta(0)


def numbers(key: str) -> list[str]:
    """The figures of a key, in order (``"12 5 milyon 2025"`` → ``["12", "5", "2025"]``)."""
    return _NUMBER_RE.findall(key)


def _score(query: str, key: str, truncated: bool) -> float:
    if truncated:
        if len(key) < MIN_TRUNCATED_KEY:
            return 0.0
        head = query[: len(key)]
        figures = numbers(key)
        if figures != numbers(query)[: len(figures)]:
            return 0.0
        return fuzz.ratio(head, key) / 100
    if numbers(query) != numbers(key):
        return 0.0
    return fuzz.ratio(query, key) / 100


class CandidatePool:
    """A site's candidates made ready for many :func:`best_match` calls: each one keyed once, and
    those with a dated listing (a date with its year, which needs no reference) filed by day, so
    that a dated headline is compared only with the candidates of the days its window can reach
    (plus every undated one). A site lists thousands of articles (its sitemap); a replay of the
    archive matches every home-page-only citation of the site against them.
    """

    def __init__(self, candidates: Sequence[Candidate], *, by_day: bool = True) -> None:
        """*by_day* ``False``: no filing (every candidate is compared), for a single call."""
        self.candidates = tuple(candidates)
        self.keyed = [candidate_key(c) for c in self.candidates]
        self.floating: list[int] = []  # undated, year-less or unreadable: compared with every headline
        self.by_day: dict[int, list[int]] = {}
        for i, candidate in enumerate(self.candidates):
            published = candidate.published if by_day else None
            # only a date with its year reads the same without a reference (as in candidate_time)
            when = _when(published, None) if published and _YEAR_RE.search(published) else None
            if when is None:
                self.floating.append(i)
            else:
                self.by_day.setdefault(when.toordinal(), []).append(i)

    def __len__(self) -> int:
        return len(self.candidates)

    def near(self, published_at: datetime | None, window: timedelta) -> list[int]:
        """Indexes of the candidates that can be within *window* of *published_at* (all without it)."""
        if published_at is None or not self.by_day:
            return list(range(len(self.candidates)))
        try:  # a day either side: a candidate's own day and its distance's day (in *published_at*'s zone)
            first, last = (published_at - window).toordinal() - 1, (published_at + window).toordinal() + 1
        except OverflowError:
            return list(range(len(self.candidates)))
        if last - first > len(self.by_day):
            days: list[int] = [d for d in self.by_day if first <= d <= last]
        else:
            days = [d for d in range(first, last + 1) if d in self.by_day]
        return sorted(self.floating + [i for d in days for i in self.by_day[d]])


def best_match(
    title: str,
    published_at: datetime | None,
    candidates: Sequence[Candidate] | CandidatePool,
    *,
    threshold: float = 0.85,
    window: timedelta = timedelta(days=3),
) -> tuple[Candidate | None, float]:
    """The candidate whose title matches *title*, and its score (0..1).

    :param published_at: when the aggregator published the item (aware); with a
        candidate date, only candidates within *window* of it count.
    :param candidates: a list, or a :class:`CandidatePool` of it for many calls.
    :returns: ``(candidate, score)``; ``(None, score)`` when no candidate in the
        window reaches *threshold* (the best score looked at, ``0.0`` when none came close).
    """
    query = title_key(title)
    if not query or not candidates:
        return None, 0.0
    pool = candidates if isinstance(candidates, CandidatePool) else CandidatePool(candidates, by_day=False)
    keyed = pool.keyed
    near = pool.near(published_at, window)
    keys = [keyed[i][0] for i in near]
    # rapidfuzz's C loop finds the whole titles that can reach the threshold; cut titles are scored below
    hits = process.extract(query, keys, scorer=fuzz.ratio, score_cutoff=threshold * 100 - 1e-9, limit=None)
    indexes = sorted({near[j] for _, _, j in hits} | {i for i in near if keyed[i][1]})
    best: tuple[float, timedelta, str] | None = None
    chosen: Candidate | None = None
    best_seen = 0.0
    for i in indexes:
        candidate = pool.candidates[i]
        when = candidate_time(candidate, published_at) if published_at is not None else None
        gap = distance(published_at, when) if published_at is not None and when is not None else None
        if gap is not None and gap > window:
            continue
        score = _score(query, *keyed[i])
        best_seen = max(best_seen, score)
        if score < threshold:
            continue
        rank = (-score, gap if gap is not None else timedelta.max, candidate.url)
        if best is None or rank < best:
            best, chosen = rank, candidate
    if chosen is None or best is None:
        return None, round(best_seen, 4)
    return chosen, round(-best[0], 4)
