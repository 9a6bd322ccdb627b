"""Versioned site profiles: the page class is chosen by host and capture date (newsarchive.pages.registry)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsarchive.pages import registry
from newsarchive.pages.aggregator import AggregatorPage
from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.registry import aggregator_page_for, capture_day, page_for, version_at
from newsarchive.pages.sites.azertag_az import AzertagArticlePage


class Redesign2026(GenericArticlePage):
    pass


class IcmaRedesign(AggregatorPage):
    pass


REDESIGN = date(2026, 3, 1)


@pytest.fixture
def redesigned(monkeypatch: pytest.MonkeyPatch) -> None:
    """azertag.az and icma.az each got a new layout on 2026-03-01 (listed out of order on purpose)."""
    monkeypatch.setitem(registry.PROFILES, "azertag.az",
                        [(REDESIGN, Redesign2026), (registry.EPOCH, AzertagArticlePage)])
    monkeypatch.setitem(registry.AGGREGATOR_PROFILES, "icma.az", [(registry.EPOCH, AggregatorPage),
                                                                  (REDESIGN, IcmaRedesign)])


def test_today_profiles() -> None:
    assert page_for("https://azertag.az/xeber/x-1") is AzertagArticlePage
    assert page_for("https://www.en.azertag.az/xeber/x-1") is AzertagArticlePage  # parent domain, www. ignored
    assert page_for("https://report.az/x/") is GenericArticlePage
    assert aggregator_page_for("https://icma.az/news/x-1250001") is AggregatorPage
    assert aggregator_page_for("https://example.org/news/x-1") is AggregatorPage


@pytest.mark.usefixtures("redesigned")
@pytest.mark.parametrize(("at", "want"), [
    ("2026-02-28T23:59:59Z", AzertagArticlePage),  # WARC-Date of the last capture before the redesign
    ("2026-03-01T00:00:00Z", Redesign2026),  # the redesign day itself
    ("2026-03-01T02:30:00+04:00", AzertagArticlePage),  # Baku morning of 1 March is still 28 Feb in UTC
    (datetime(2025, 6, 1, tzinfo=UTC), AzertagArticlePage),
    (date(2027, 1, 1), Redesign2026),
    (None, Redesign2026),  # a live fetch: the newest version
    ("", Redesign2026),
    ("not a date", Redesign2026),
])
def test_capture_date_chooses_the_version(at: object, want: type) -> None:
    assert page_for("https://azertag.az/xeber/x-1", at) is want  # type: ignore[arg-type]
    assert page_for("https://report.az/x/", at) is GenericArticlePage  # hosts without a profile are unaffected


@pytest.mark.usefixtures("redesigned")
def test_aggregator_versions() -> None:
    url = "https://icma.az/news/x-1250001"
    assert aggregator_page_for(url, "2025-11-05T14:05:00Z") is AggregatorPage
    assert aggregator_page_for(url, "2026-03-02T09:00:00Z") is IcmaRedesign
    assert aggregator_page_for(url) is IcmaRedesign


def test_before_the_first_version_the_oldest_applies() -> None:
    versions = [(date(2020, 1, 1), AzertagArticlePage), (date(2024, 1, 1), Redesign2026)]
    assert version_at(versions, date(2010, 5, 5)) is AzertagArticlePage
    assert version_at(versions, date(2023, 12, 31)) is AzertagArticlePage
    assert version_at(versions, date(2024, 1, 1)) is Redesign2026


def test_capture_day() -> None:
    assert capture_day("2025-11-05T23:30:00-02:00") == date(2025, 11, 6)
    assert capture_day(datetime(2025, 11, 5, 23, 30, tzinfo=timezone(timedelta(hours=-2)))) == date(2025, 11, 6)
    assert capture_day("2025-11-05") == date(2025, 11, 5)
    assert capture_day(None) is None
