"""Dates of a cited article: find the article's own date string and read it, keeping its offset.

- :func:`find_date`: the first date-shaped text (:data:`DATE_PATTERNS`) in a list
  of text nodes — the visible date line near the headline;
- :func:`read_date`: a date string → ISO 8601, read with our own
  :func:`~newsarchive.normalize.dates.parse_datetime` (Azerbaijani and Russian
  forms keep their time), **in the offset the string states** (an instant is an
  instant; ``+03:00`` stays ``+03:00``); Asia/Baku only for strings without one.
  ``None`` when the reading depends on the day it is read (a year-less dateline,
  ``2 saat əvvəl``): the normalisation pipeline reads those against the fetch time;
- :func:`feed_date_applies` / :func:`apply_feed_date`: whether a matched feed
  item's ``pubDate`` stands in for the page's date (the page shows no time, or
  nothing at all), and putting it in.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from newsarchive.items import Origin
from newsarchive.normalize.dates import parse_datetime, to_iso
from newsarchive.pages.extract_helpers import clean

_MONTHS = (r"(?:yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr|"
           r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|"
           r"октябр[ья]|ноябр[ья]|декабр[ья]|january|february|march|april|june|july|august|"
           r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?")
_TIME = (r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
         r"(?:\s*\(?(?:GMT|UTC)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?\)?|\s*[+-]\d{2}:?\d{2}(?!\d))?")
#: What may stand between a date and its time: ``, ``  ``/``  ``|``  ``[``  ``saat``  ``at``  ``в``.
_SEP = r"\s*[,/|\[(•·-]?\s*(?:saat|at|в|um|à)?\s*"
#: Shapes of a visible date with a year (SITE_NOTES), tried in order on each text node.
DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]{_TIME}(?:Z|[+-]\d{{2}}:?\d{{2}})?)?",
    rf"\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}}(?:{_SEP}{_TIME}[\])]?)?",
    rf"{_TIME}\s*[/,|]?\s*\d{{1,2}}[-./]\d{{1,2}}[-./]\d{{4}}",
    rf"\d{{4}}\.\d{{1,2}}\.\d{{1,2}}(?:\s*/?\s*{_TIME})?",
    rf"\d{{1,2}}\s+{_MONTHS}\s*,?\s+\d{{4}}(?:\s*-?c[iıuü]\s+il)?(?:{_SEP}{_TIME}[\])]?)?",
    rf"{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}(?:{_SEP}{_TIME}(?:\s*[A-Z]{{2,4}}\b)?)?",
    rf"{_TIME}\s*[,|/]?\s*\d{{1,2}}\s+{_MONTHS}\s*,?\s+\d{{4}}",
))
#: An offset the string states: ``Z``, ``+04:00``, ``+0300``, ``GMT+3``, ``UTC``.
_OFFSET_RE = re.compile(
    r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2})\s*$|\b(?:GMT|UTC)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?",
    re.IGNORECASE)
#: A second reference far from the first, to tell readings that depend on "now".
_OTHER_REFERENCE = datetime(2001, 6, 15, 12, 0, tzinfo=UTC)


def find_date(texts: list[str]) -> str | None:
    """The first match of :data:`DATE_PATTERNS` in *texts* (in order), or ``None``."""
    for text in texts:
        found = [m for pattern in DATE_PATTERNS if (m := pattern.search(text))]
        if found:
            best = min(found, key=lambda m: (m.start(), -len(m.group(0))))
            return clean(best.group(0).rstrip("[(•·-| "))
    return None


def stated_offset(raw: str) -> timezone | None:
    """The UTC offset *raw* states, or ``None``."""
    match = _OFFSET_RE.search(raw.strip())
    if match is None:
        return None
    if match.group(1):
        token = match.group(1).upper()
        if token == "Z":
            return UTC
        sign = -1 if token[0] == "-" else 1
        digits = token[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
    if match.group(2):
        sign = -1 if match.group(2) == "-" else 1
        hours, minutes = int(match.group(3)), int(match.group(4) or 0)
        if hours > 14:
            return None
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return UTC


def parse_stated(raw: str | None) -> datetime | date | None:
    """*raw* read independently of today (else ``None``), in the offset it states (else Baku)."""
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None or value != parse_datetime(raw, reference=_OTHER_REFERENCE):
        return None
    if isinstance(value, datetime):
        zone = stated_offset(raw)
        if zone is not None:
            value = value.astimezone(zone)
    return value


def read_date(raw: str | None) -> str | None:
    """ISO 8601 of :func:`parse_stated` (``YYYY-MM-DD`` for a bare date), or ``None``."""
    value = parse_stated(raw)
    return None if value is None else to_iso(value)


def has_time(raw: str | None) -> bool:
    return isinstance(parse_stated(raw), datetime)


def days_apart(a: str | None, b: str | None) -> float | None:
    """How many days lie between the readings of *a* and *b* (dates as midnight), or ``None``."""
    x, y = parse_stated(a), parse_stated(b)
    if x is None or y is None:
        return None
    if isinstance(x, datetime) and isinstance(y, datetime):
        return abs((x - y).total_seconds()) / 86400
    dx = x.date() if isinstance(x, datetime) else x
    dy = y.date() if isinstance(y, datetime) else y
    return float(abs((dx - dy).days))


def feed_date_applies(page_raw: str | None, feed_raw: str | None) -> bool:
    """Use the feed item's date: it has a time, and the page has no date, or only a day (the same one)."""
    feed = parse_stated(feed_raw)
    if not isinstance(feed, datetime):
        return False
    page = parse_stated(page_raw)
    if page_raw and page is None:
        return False  # the page's own string, read later against the fetch time
    if isinstance(page, datetime):
        return False
    if page is None:
        return True
    return abs((feed.date() - page).days) <= 1


def apply_feed_date(origin: Origin, feed_raw: str | None) -> bool:
    """Put a matched feed item's ``pubDate`` into *origin* when :func:`feed_date_applies`
    (``field_methods["published_at"] = "feed"``); whether it did."""
    if not feed_date_applies(origin.published_at_raw, feed_raw):
        return False
    origin.published_at_raw = clean(feed_raw)
    origin.published_at = read_date(feed_raw)
    origin.field_methods["published_at"] = "feed"
    return True
