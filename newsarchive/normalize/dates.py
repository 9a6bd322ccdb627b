"""Timestamps of icma.az and its sources → Asia/Baku time.

:func:`parse_datetime` is our own parser: compiled regexes and month tables,
no general-purpose library on the hot path. It works on a folded copy of the
string (lower case, ``I İ ı → i``, odd spaces → space) and looks, in order, for

1. an ISO 8601 timestamp (JSON-LD, ``<time datetime>``), handed to
   :meth:`datetime.fromisoformat`;
2. a numeric date (``yyyy-mm-dd``, ``yyyy.mm.dd``, ``dd.mm.yyyy``, ``dd-mm-yyyy``,
   ``d/m/yyyy``, ``dd.mm.yy``; day first when ambiguous);
3. a date with a month name in Azerbaijani, Russian or English, day first
   (``23 Oktyabr 2025``, ``23 октября 2025 г.``) or month first (``noyabrın
   25-də``, ``October 23, 2025``), the year optional (then the year that puts the
   date closest to *reference* is taken);
4. a relative day (``bu gün``, ``dünən``, ``вчера``) or an offset back in time
   (``2 saat əvvəl``, ``15 dəqiqə öncə``, ``2 часа назад``);

then, in what is left of the string, a time (``09:32``, ``9:32 PM``) and an
explicit offset (``Z``, ``+0400``, ``(UTC+04:00)``, ``GMT``).

Results: an aware :class:`~datetime.datetime` in Asia/Baku when there is a
time, a :class:`~datetime.date` when there is only a date, ``None`` otherwise.
Local times follow Baku's history (summer time, +05:00, until 2015); an
explicit offset keeps the instant, expressed in Baku time. Ambiguous local
times (the hour repeated on 2015-10-25) take the first (summer) reading.
Relative offsets of a day or more (``3 gün əvvəl``) give a date; shorter ones a
datetime.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["BAKU", "parse_datetime", "to_iso", "utc_now_iso"]

BAKU = ZoneInfo("Asia/Baku")

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- tables
# Keys are folded: lower case, ``ı``/``I``/``İ`` → ``i``.

#: Full month names; inflected forms (``noyabrın``, ``aprelin``) start with one.
MONTH_NAMES: dict[str, int] = {
    # Azerbaijani
    "yanvar": 1, "fevral": 2, "mart": 3, "aprel": 4, "may": 5, "iyun": 6,
    "iyul": 7, "avqust": 8, "sentyabr": 9, "oktyabr": 10, "noyabr": 11, "dekabr": 12,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # Russian stems (the ending varies: января, январь, январе)
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip

#: Abbreviations and forms that are not a full name plus an ending.
MONTH_ABBREVIATIONS: dict[str, int] = {
    "yan": 1, "fev": 2, "mar": 3, "apr": 4, "iyn": 6, "iyl": 7, "avq": 8,
    "sen": 9, "sent": 9, "okt": 10, "noy": 11, "dek": 12,
    "jan": 1, "feb": 2, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5,
    "авг": 8, "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip

#: Longest ending accepted after a full month name (``noyabrın``, ``октября``; ``мартовский`` no).
MAX_MONTH_ENDING = 3

#: Azerbaijani month names, which also take the longer case endings of :data:`AZ_CASE_ENDING_RE`.
AZ_MONTHS = frozenset({"yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr",
                       "oktyabr", "noyabr", "dekabr"})

#: Case endings of an Azerbaijani month name, folded (``ı`` → ``i``): genitive or possessive
#: (``mayın``, ``iyunun``, ``yanvarı``) followed by a locative, ablative or dative ending
#: (``mayında``, ``yanvarından``, ``sentyabrına``, ``martadək``, ``mayındakı``), or one of
#: those alone (``mayda``, ``yanvardan``).
AZ_CASE_ENDING_RE = re.compile(r"(?:[iuü]n?)?(?:d[aə](?:n|ki)?|[aə](?:d[aə]k)?)?")

#: Years a result may fall in. Before 1924 Baku kept local mean time (+03:19:24), an offset ISO 8601
#: cannot write in minutes; no news page of ours was published then.
MIN_YEAR, MAX_YEAR = 1925, 2100

#: How far ahead of the reference a year-less date may be (announcements); a
#: later one is taken as last year's (``11 aprel`` read in October is past April).
MAX_DAYS_AHEAD = 31

#: Relative days.
RELATIVE_DAYS: dict[str, int] = {
    "bu gün": 0, "bugün": 0, "bu gun": 0, "bugun": 0, "bu gündür": 0,
    "сегодня": 0, "today": 0,
    "dünən": -1, "dunen": -1, "вчера": -1, "yesterday": -1,
    "srağagün": -2, "sragagun": -2, "позавчера": -2,
    "завтра": 1, "tomorrow": 1,
}  # fmt: skip

#: Units of "N <unit> ago", by prefix of the folded word.
RELATIVE_UNITS: dict[str, timedelta] = {
    "saniy": timedelta(seconds=1), "san": timedelta(seconds=1),
    "dəqiq": timedelta(minutes=1), "deqiq": timedelta(minutes=1),
    "saat": timedelta(hours=1), "gün": timedelta(days=1), "gun": timedelta(days=1),
    "həftə": timedelta(weeks=1), "hefte": timedelta(weeks=1),
    "секунд": timedelta(seconds=1), "сек": timedelta(seconds=1),
    "минут": timedelta(minutes=1), "мин": timedelta(minutes=1),
    "час": timedelta(hours=1), "ден": timedelta(days=1), "дн": timedelta(days=1),
    "недел": timedelta(weeks=1),
    "second": timedelta(seconds=1), "sec": timedelta(seconds=1),
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1),
    "hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1),
}  # fmt: skip

#: Number words in "bir saat əvvəl", "два часа назад".
NUMBER_WORDS: dict[str, int] = {
    "bir": 1, "iki": 2, "üç": 3, "uc": 3, "dörd": 4, "dord": 4, "beş": 5, "bes": 5,
    "altı": 6, "alti": 6, "yeddi": 7, "səkkiz": 8, "doqquz": 9, "on": 10,
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "полчаса": 30,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3,
}  # fmt: skip

#: Words meaning "ago".
AGO_WORDS = ("əvvəl", "evvel", "öncə", "once", "назад", "ago")
#: "Just now".
NOW_WORDS = ("indicə", "indice", "az əvvəl", "только что", "just now")

_FOLD_TABLE = str.maketrans(
    {
        "I": "i", "İ": "i", "ı": "i", "\u0307": None,
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ",
        "\n": " ", "\r": " ", "\u200b": None, "\ufeff": None, "\u00ad": None,
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "ǝ": "ə", "Ǝ": "ə",
    }
)  # fmt: skip

# --------------------------------------------------------------------------- regexes

_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:z|[+-]\d{2}(?::?\d{2})?)?")
_YMD_RE = re.compile(r"(?<!\d)(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?!\d)")
_YEAR_FIRST_HINT_RE = re.compile(r"\d{4}[-./]\d")
_DMY_RE = re.compile(r"(?<![\d.])(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?![\d:])")
_WORD = r"[^\W\d_]"
#: Every month word starts with the first three letters of a name or abbreviation: a cheap
#: look-ahead that keeps the named-date regexes off all other words.
_MONTH_PREFIXES = "|".join(sorted({k[:3] for k in (*MONTH_NAMES, *MONTH_ABBREVIATIONS)}))
_MONTH_START = f"(?={_MONTH_PREFIXES})"
_MONTH_HINT_RE = re.compile(_MONTH_PREFIXES)  # no look-behind: sre scans for the literals fast
_DAY_MONTH_RE = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?!\d)(?:-{_WORD}{{1,3}}(?!{_WORD}))?[\s.,/-]*({_MONTH_START}{_WORD}{{3,}})\.?"
    rf"(?:[\s.,/-]*(\d{{4}})(?!\d))?"
)
_MONTH_DAY_RE = re.compile(
    rf"(?<!{_WORD})({_MONTH_START}{_WORD}{{3,}})\.?[\s,]*(?<!\d)(\d{{1,2}})(?!\d)(?:-?{_WORD}{{1,3}}\b)?"
    rf"(?:,?\s*(\d{{4}})(?!\d))?"
)
_TIME_RE = re.compile(
    r"(?<![\d:])([01]?\d|2[0-3])[:.]([0-5]\d)(?::([0-5]\d)(?:[.,]\d{1,9})?)?(?![\d])"
    r"(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z]))?"
)
_OFFSET_AFTER_TIME_RE = re.compile(r"\s*(?:(z)\b|([+-])(\d{2}):?(\d{2})\b|(gmt|utc)\b(?!\s*[+-]))")
_UTC_OFFSET_RE = re.compile(r"\b(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
_AGO_RE = re.compile(
    rf"(?<!{_WORD})(?:(\d+)\s*|({_WORD}+)\s+)?({_WORD}+)\s+(?:{'|'.join(AGO_WORDS)})(?!{_WORD})"
)
_RELDAY_RE = re.compile(
    rf"(?<!{_WORD})(?:{'|'.join(sorted(map(re.escape, RELATIVE_DAYS), key=len, reverse=True))})"
    rf"(?!{_WORD})"
)
_NOW_RE = re.compile(rf"(?<!{_WORD})(?:{'|'.join(NOW_WORDS)})(?!{_WORD})")
#: The words each of the three regexes above needs, as plain alternations (no look-behind, so sre
#: scans for them fast): a regex runs only when its words are in the string.
_RELDAY_HINT_RE, _NOW_HINT_RE, _AGO_HINT_RE = (re.compile("|".join(map(re.escape, words)))
                                               for words in (RELATIVE_DAYS, NOW_WORDS, AGO_WORDS))
_LONE_YEAR_RE = re.compile(r"(?<![\d:.])(19\d\d|20\d\d)(?![\d:])")

# --------------------------------------------------------------------------- helpers


#: The characters :data:`_FOLD_TABLE` changes. Most date strings have none (Russian ones, and
#: Azerbaijani ones without ``ı``): a scan for them is cheaper than ``str.translate``.
_FOLD_CHARS_RE = re.compile("[" + re.escape("".join(map(chr, _FOLD_TABLE))) + "]")


def _fold(s: str) -> str:
    s = s.lower()  # "İ" becomes "i" + U+0307, dropped by the table
    return s if s.isascii() or not _FOLD_CHARS_RE.search(s) else s.translate(_FOLD_TABLE)


_MONTH_BASES = sorted(MONTH_NAMES, key=len, reverse=True)


@lru_cache(maxsize=4096)
def month_number(word: str) -> int | None:
    """Month (1–12) named by a folded *word*, or ``None``.

    Accepts a full name with an ending of up to :data:`MAX_MONTH_ENDING` letters
    (``noyabrın``, ``октября``), an Azerbaijani name with a case ending of any
    length (``yanvarından``, ``mayında``, :data:`AZ_CASE_ENDING_RE`), a prefix of a
    full name of 3+ letters (``avq``, ``sentyab``) and the listed abbreviations
    (``iyn``, ``мая``).
    """
    if word in MONTH_ABBREVIATIONS:
        return MONTH_ABBREVIATIONS[word]
    for base in _MONTH_BASES:
        if word.startswith(base):
            ending = len(word) - len(base)
            if ending <= MAX_MONTH_ENDING or (base in AZ_MONTHS and AZ_CASE_ENDING_RE.fullmatch(word, len(base))):
                return MONTH_NAMES[base]
            return None
        if len(word) >= 4 and base.startswith(word):
            return MONTH_NAMES[base]
    return None


def _steady_from(zone: ZoneInfo) -> int:
    """A year from which *zone* keeps one offset all year up to :data:`MAX_YEAR` (per its tzdata)."""
    final = zone.utcoffset(datetime(MAX_YEAR, 1, 1))
    year = MAX_YEAR
    while year > 1970 and zone.utcoffset(datetime(year - 1, 1, 1)) == final == zone.utcoffset(datetime(year - 1, 7, 1)):
        year -= 1
    return year + 1  # one year of margin: a change late in the year before


#: Baku has kept +04:00 all year since 2016: a wall time from then on needs no gap check.
_STEADY_FROM = _steady_from(BAKU)


def _local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """Baku wall time → aware datetime (a skipped hour is moved forward)."""
    naive = datetime(y, mo, d, h, mi, s, tzinfo=BAKU)
    if y >= _STEADY_FROM:
        return naive
    return naive.astimezone(UTC).astimezone(BAKU)


def _as_baku(value: datetime) -> datetime:
    if value.tzinfo is None:
        return _local(value.year, value.month, value.day, value.hour, value.minute, value.second)
    return value.astimezone(BAKU)


def _reference(reference: datetime | None) -> datetime:
    if reference is None:
        return datetime.now(BAKU)
    return _given_reference(reference)


@lru_cache(maxsize=64)
def _given_reference(reference: datetime) -> datetime:
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return reference.astimezone(BAKU)


def _year(two_or_four: str) -> int:
    year = int(two_or_four)
    if len(two_or_four) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _closest_year(month: int, day: int, ref: date) -> date | None:
    """The year for a year-less date: closest to *ref*, at most :data:`MAX_DAYS_AHEAD` ahead."""
    best: date | None = None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate - ref).days > MAX_DAYS_AHEAD:
            continue
        if best is None or abs(candidate - ref) < abs(best - ref):
            best = candidate
    return best


class _Unreadable(ValueError):
    """A date-shaped string that is no valid date."""


class _Found:
    """A date found in the string, and the span it took."""

    __slots__ = ("day", "span")

    def __init__(self, day: date, span: tuple[int, int]) -> None:
        self.day = day
        self.span = span


def _lone_year(text: str, span: tuple[int, int]) -> str | None:
    """A year standing elsewhere in the string (``2025-ci il, 23 oktyabr``)."""
    m = _LONE_YEAR_RE.search(_blank(text, span))
    return m[1] if m else None


def _numeric_date(text: str) -> _Found | None:
    if "." not in text and "-" not in text and "/" not in text:
        return None
    m = _YMD_RE.search(text) if _YEAR_FIRST_HINT_RE.search(text) else None
    if m:
        y, mo, d = int(m[1]), int(m[3]), int(m[4])
    else:
        m = _DMY_RE.search(text)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[3]), _year(m[4])
        if mo > 12 >= d:  # clearly month first (US order)
            d, mo = mo, d
    try:
        return _Found(date(y, mo, d), m.span())
    except ValueError:
        raise _Unreadable(m.group()) from None  # "31.02.2025" is no time either


def _named_date(text: str, ref: date) -> _Found | None:
    if not _MONTH_HINT_RE.search(text):
        return None
    for regex, day_group, month_group in _NAMED_DATE_FORMS:
        for m in regex.finditer(text):
            month = month_number(m[month_group])
            if month is None:
                continue
            day = int(m[day_group])
            year = m[3] or _lone_year(text, m.span())
            try:
                found = date(int(year), month, day) if year else _closest_year(month, day, ref)
            except ValueError:
                found = None
            if found is not None:
                return _Found(found, m.span())
    return None


_NAMED_DATE_FORMS = ((_DAY_MONTH_RE, 1, 2), (_MONTH_DAY_RE, 2, 1))


def _relative(text: str, ref: datetime) -> tuple[date | datetime, tuple[int, int]] | None:
    m = _RELDAY_RE.search(text) if _RELDAY_HINT_RE.search(text) else None
    if m:
        return ref.date() + timedelta(days=RELATIVE_DAYS[m.group()]), m.span()
    m = _NOW_RE.search(text) if _NOW_HINT_RE.search(text) else None
    if m:
        return ref.replace(microsecond=0), m.span()
    for m in _AGO_RE.finditer(text) if _AGO_HINT_RE.search(text) else ():
        unit = _unit(m[3])
        count = int(m[1]) if m[1] else NUMBER_WORDS.get(m[2] or "", 1 if not m[2] else 0)
        if m[3] == "полчаса":
            unit, count = timedelta(minutes=30), 1
        if unit is None or not count:
            continue
        try:
            when = ref.replace(microsecond=0) - unit * count
        except OverflowError:  # "740000 gün əvvəl"
            return None
        if unit >= timedelta(days=1):
            return when.date(), m.span()
        return when.replace(second=0) if unit >= timedelta(minutes=1) else when, m.span()
    return None


_UNIT_PREFIXES = sorted(RELATIVE_UNITS, key=len, reverse=True)


@lru_cache(maxsize=1024)
def _unit(word: str) -> timedelta | None:
    """The unit a (folded) word before "ago" names, by its longest listed prefix (``saatdan`` → an hour)."""
    return next((RELATIVE_UNITS[p] for p in _UNIT_PREFIXES if word.startswith(p)), None)


def _time(text: str) -> tuple[int, int, int, tzinfo | None] | None:
    m = _TIME_RE.search(text) if ":" in text or "." in text else None
    if not m:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if m[4].startswith("p") else 0)
    zone: tzinfo | None = None
    after = _OFFSET_AFTER_TIME_RE.match(text, m.end())
    if after:
        if after[1] or after[5]:
            zone = UTC
        else:
            sign = -1 if after[2] == "-" else 1
            offset = timedelta(hours=int(after[3]), minutes=int(after[4]))
            if offset < timedelta(hours=15):  # real offsets: -12:00 .. +14:00
                zone = timezone(sign * offset)
    elif "utc" in text or "gmt" in text:
        utc = _UTC_OFFSET_RE.search(text)
        if utc:
            sign = -1 if utc[1] == "-" else 1
            offset = timedelta(hours=int(utc[2]), minutes=int(utc[3] or 0))
            if offset < timedelta(hours=15):
                zone = timezone(sign * offset)
    return hour, minute, second, zone


def _combine(day: date, clock: tuple[int, int, int, tzinfo | None]) -> datetime:
    hour, minute, second, zone = clock
    if zone is None:
        return _local(day.year, day.month, day.day, hour, minute, second)
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone).astimezone(
        BAKU
    )


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def _iso(text: str) -> datetime | None:
    if ":" not in text or "-" not in text:
        return None
    m = _ISO_RE.search(text)
    if not m:
        return None
    value = m.group().upper().replace(",", ".")
    if not MIN_YEAR <= int(value[:4]) <= MAX_YEAR:
        return None
    try:
        return _as_baku(datetime.fromisoformat(value))
    except ValueError:
        return None


def _parse(s: str, ref: datetime) -> datetime | date | None:
    """The parser itself (*ref*: aware, in Baku). Raises only on a bug: ``tests/test_fuzz.py`` fuzzes it."""
    try:
        value = _parse_folded(_fold(s).strip(), ref)
    except _Unreadable:
        return None
    return value if value is None or MIN_YEAR <= value.year <= MAX_YEAR else None


def _parse_folded(text: str, ref: datetime) -> datetime | date | None:
    if not text:
        return None
    iso = _iso(text)
    if iso is not None:
        return iso
    found = _numeric_date(text) or _named_date(text, ref.date())
    day: date | None = found.day if found else None
    if found:
        text = _blank(text, found.span)
    else:
        relative = _relative(text, ref)
        if relative is not None:
            value, span = relative
            if isinstance(value, datetime):
                return value
            day, text = value, _blank(text, span)
    if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    clock = _time(text)
    if clock is None:
        return day
    if day is None:
        if clock[3] is not None:  # a time with its own zone: that day in that zone
            local_day = ref.astimezone(clock[3]).date()
            return _combine(local_day, clock)
        day = ref.date()
    return _combine(day, clock)


def _fallback(s: str, ref: datetime, lang: str | None) -> datetime | date | None:
    import dateparser  # dev dependency; optional

    languages = [lang] if lang else ["az", "ru", "en"]
    settings: Any = {
        "RELATIVE_BASE": ref.replace(tzinfo=None),
        "TIMEZONE": "Asia/Baku",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "DMY",
    }
    value = dateparser.parse(s, languages=languages, settings=settings)
    return None if value is None else _as_baku(value)


# --------------------------------------------------------------------------- API


def parse_datetime(
    s: str | None,
    *,
    reference: datetime | None = None,
    lang: str | None = None,
    fallback: bool = False,
) -> datetime | date | None:
    """Parse a date string as shown by icma.az or a cited site.

    :param s: the raw string; anything that is not a non-empty ``str`` gives ``None``.
    :param reference: "now" for relative forms, year-less dates and a bare time
        (naive = UTC; default: the current time).
    :param lang: ``"az"``/``"ru"``/``"en"``; the tables are merged, so it only
        narrows the languages of the optional fallback.
    :param fallback: when our parser finds nothing, try ``dateparser`` (slow,
        a dev dependency, imported only then).
    :returns: an aware datetime in Asia/Baku, a date, or ``None``. Never raises: an
        exception of the parser (a bug) is logged with its traceback and gives ``None``,
        which the normalise pipeline counts in ``newsarchive/dates/unparsed``.
    """
    if not isinstance(s, str) or not s or len(s) > 500:
        return None
    try:
        ref = _reference(reference)
        result = _parse(s, ref)
        if result is None and fallback:
            result = _fallback(s, ref, lang)
        return result
    except Exception:  # never raise on input from the wild; but say so: it is a bug of ours
        logger.warning("parse_datetime failed on %(raw)r (the record counts in newsarchive/dates/unparsed)",
                       {"raw": s[:200]}, exc_info=True)
        return None


def to_iso(value: datetime | date) -> str:
    """ISO 8601 with offset and seconds (``2025-10-23T09:32:00+04:00``); a date as ``YYYY-MM-DD``.

    A naive datetime is taken as Baku wall time.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = _as_baku(value)
        return value.replace(microsecond=0).isoformat(timespec="seconds")
    return value.isoformat()


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC with ``Z`` (``2025-10-23T05:32:00Z``), for ``fetched_at``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
