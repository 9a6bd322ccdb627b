"""Table-driven tests for :func:`newsarchive.normalize.dates.parse_datetime`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsarchive.normalize.dates import BAKU, parse_datetime, to_iso, utc_now_iso
from tests.data.normalize_dates_cases import CASES, REFERENCE


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else to_iso(value)


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[repr(c[0])[:60] for c in CASES])
def test_parse_table(raw: str, expected: str | None) -> None:
    assert _iso(parse_datetime(raw, reference=REFERENCE)) == expected


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize(("raw", "expected"), [c for c in CASES if c[1] and "T" in c[1]][:40])
def test_datetimes_are_aware_and_in_baku(raw: str, expected: str) -> None:
    value = parse_datetime(raw, reference=REFERENCE)
    assert isinstance(value, datetime)
    assert value.tzinfo is BAKU


@pytest.mark.parametrize(
    ("raw", "reference", "expected"),
    [
        # year-less datelines across the new year
        ("Bakı, 30 dekabr, AZƏRTAC", datetime(2026, 1, 2, 8, tzinfo=UTC), "2025-12-30"),
        ("Bakı, 2 yanvar, AZƏRTAC", datetime(2025, 12, 30, 8, tzinfo=UTC), "2026-01-02"),
        ("Bakı, 29 fevral, AZƏRTAC", datetime(2024, 3, 5, 8, tzinfo=UTC), "2024-02-29"),
        # a naive reference is UTC: 22:30 UTC is already tomorrow in Baku
        ("bu gün, 08:00", datetime(2025, 10, 22, 22, 30), "2025-10-23T08:00:00+04:00"),
        ("• 16:16", datetime(2025, 10, 22, 22, 30), "2025-10-23T16:16:00+04:00"),
        # an aware reference in another zone
        ("dünən", datetime(2025, 10, 23, 1, 0, tzinfo=timezone(timedelta(hours=-5))), "2025-10-22"),
        # relative forms in the summer-time era keep Baku's offset of the day
        ("2 saat əvvəl", datetime(2014, 7, 1, 10, tzinfo=UTC), "2014-07-01T13:00:00+05:00"),
        ("bu gün, 19:25", datetime(2014, 7, 1, 10, tzinfo=UTC), "2014-07-01T19:25:00+05:00"),
    ],
)
def test_reference(raw: str, reference: datetime, expected: str) -> None:
    assert _iso(parse_datetime(raw, reference=reference)) == expected


def test_default_reference_is_now() -> None:
    value = parse_datetime("bu gün, 00:00")
    assert isinstance(value, datetime)
    assert value.date() == datetime.now(BAKU).date()


def test_result_types() -> None:
    assert type(parse_datetime("23.10.2025", reference=REFERENCE)) is date
    assert isinstance(parse_datetime("23.10.2025 09:32", reference=REFERENCE), datetime)


def test_explicit_offset_keeps_the_instant() -> None:
    value = parse_datetime("2025-10-23T05:32:00Z")
    assert isinstance(value, datetime)
    assert value == datetime(2025, 10, 23, 5, 32, tzinfo=UTC)
    assert value.utcoffset() == timedelta(hours=4)


@pytest.mark.parametrize("bad", [None, 42, b"23.10.2025", object(), "x" * 10_000, "\x00\ud800"])
def test_never_raises(bad: object) -> None:
    assert parse_datetime(bad, reference=REFERENCE) is None  # type: ignore[arg-type]


def test_lang_is_accepted() -> None:
    assert _iso(parse_datetime("23 октября 2025", lang="ru")) == "2025-10-23"


def test_fallback_is_off_by_default_and_optional() -> None:
    raw = "23 de octubre de 2025"  # Spanish: not in our tables
    assert parse_datetime(raw, reference=REFERENCE) is None
    pytest.importorskip("dateparser")
    value = parse_datetime(raw, reference=REFERENCE, fallback=True, lang="es")
    assert isinstance(value, datetime)
    assert value.date() == date(2025, 10, 23)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2025, 10, 23, 9, 32, tzinfo=BAKU), "2025-10-23T09:32:00+04:00"),
        (datetime(2025, 10, 23, 9, 32, 7, 999, tzinfo=BAKU), "2025-10-23T09:32:07+04:00"),
        (datetime(2014, 9, 11, 9, 9), "2014-09-11T09:09:00+05:00"),
        (datetime(2025, 10, 23, 5, 32, tzinfo=UTC), "2025-10-23T05:32:00+00:00"),
        (date(2025, 10, 23), "2025-10-23"),
    ],
)
def test_to_iso(value: datetime | date, expected: str) -> None:
    assert to_iso(value) == expected


def test_utc_now_iso() -> None:
    stamp = utc_now_iso()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    parsed = parse_datetime(stamp)
    assert isinstance(parsed, datetime)
    assert abs(parsed - datetime.now(UTC)) < timedelta(minutes=1)
