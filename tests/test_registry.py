"""Versioned site profiles: the page class is chosen by host and capture date (newsarchive.pages.registry)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsarchive.items import Article
from newsarchive.pages import registry
from newsarchive.pages.aggregator import AggregatorPage
from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.registry import aggregator_page_for, capture_day, page_for, version_at
from newsarchive.pages.sites.azertag_az import AzertagArticlePage
from newsarchive.settings_helpers import project_defaults


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


# -- the spider reads a capture with the version of its date ------------------------------------
class MarkedIcma(AggregatorPage):
    def author(self) -> str | None:
        return "read by the 2026 profile"


def _parse(at: str | None) -> list[str | None]:
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from newsarchive.mirror.content import MirrorConfig, MirrorSite
    from newsarchive.mirror.icma_pages import render_article
    from spiders.icma import IcmaSpider

    site = MirrorSite(MirrorConfig(seed=2025, articles=60))
    art = next(a for a in site.articles() if a.kind == "news" and a.author)
    crawler = get_crawler(IcmaSpider, {**project_defaults(), "NEWSARCHIVE_INCREMENTAL": False, "ITEM_PIPELINES": {}})
    spider = IcmaSpider.from_crawler(crawler, follow_origins="0")
    meta = {} if at is None else {"newsarchive_fetched_at": at}
    request = Request(art.url, meta=meta)
    response = HtmlResponse(art.url, body=render_article(art, site).encode(), encoding="utf-8", request=request)
    items = [x for x in spider.parse_article(response) if isinstance(x, Article)]
    assert items, "the article gave no record"
    return [x.author for x in items]


def test_the_spider_reads_a_capture_with_the_profile_of_its_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.AGGREGATOR_PROFILES, "icma.az", [(registry.EPOCH, AggregatorPage),
                                                                  (REDESIGN, MarkedIcma)])
    assert "read by the 2026 profile" not in _parse("2025-11-05T14:05:00Z")  # a replayed 2025 capture
    assert _parse("2026-04-01T08:00:00Z") == ["read by the 2026 profile"]
    assert _parse(None) == ["read by the 2026 profile"]  # live
