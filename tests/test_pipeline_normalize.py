"""Tests for :class:`pipelines.normalize.NormalizePipeline`."""

from __future__ import annotations

import logging

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from newsarchive.items import Article, Origin
from newsarchive.normalize.text import content_hash
from pipelines.normalize import STAT_PARSED, STAT_UNPARSED, NormalizePipeline


class _Spider(scrapy.Spider):
    name = "normalize-test"


@pytest.fixture
def crawler():
    crawler = get_crawler(_Spider)
    crawler.stats.open_spider()
    return crawler


@pytest.fixture
def pipeline(crawler) -> NormalizePipeline:
    return NormalizePipeline.from_crawler(crawler)


def _article(**kwargs) -> Article:
    base = {
        "url": "https://icma.az/news/turk-dunyasinda-guc-birliyi-1314617",
        "lang": "az",
        "fetched_at": "2025-10-23T06:00:00Z",
    }
    base.update(kwargs)
    return Article(**base)


def test_text_fields_are_normalised(pipeline: NormalizePipeline) -> None:
    item = _article(
        title="  Türk dünyasında güc birliyi:\u00a0Azәrbaycan &quot;Qazaxıstan&quot;  ",
        body="Birinci abzas.\n\n\n\nİkinci\u200b abzas.  ",
        author="Əli Hüseynov\u00a0",
        source_name="Bakivaxti ",
    )
    out = pipeline.process_item(item)
    assert out is item
    assert item.title == 'Türk dünyasında güc birliyi: Azərbaycan "Qazaxıstan"'
    assert item.body == "Birinci abzas.\n\nİkinci abzas."
    assert item.author == "Əli Hüseynov"
    assert item.source_name == "Bakivaxti"


def test_urls_are_not_touched(pipeline: NormalizePipeline) -> None:
    odd = "https://mia.az/w123/slug-nbsp-quot-&amp;x  "
    item = _article(source_url=odd, origin_url=odd, origin=Origin(url=odd, title="Başlıq "))
    pipeline.process_item(item)
    assert item.source_url == odd
    assert item.origin_url == odd
    assert item.origin is not None
    assert item.origin.url == odd
    assert item.origin.title == "Başlıq"


def test_published_at_from_raw(pipeline: NormalizePipeline, crawler) -> None:
    item = _article(published_at_raw="23 Oktyabr 2025 09:32")
    pipeline.process_item(item)
    assert item.published_at == "2025-10-23T09:32:00+04:00"
    assert crawler.stats.get_value(STAT_PARSED) == 1
    assert crawler.stats.get_value(STAT_UNPARSED) is None


def test_reference_is_fetched_at(pipeline: NormalizePipeline) -> None:
    item = _article(published_at_raw="Bakı, 30 dekabr, AZƏRTAC", fetched_at="2026-01-02T08:00:00Z")
    pipeline.process_item(item)
    assert item.published_at == "2025-12-30"
    item = _article(published_at_raw="dünən 14:30", fetched_at="2014-07-01T10:00:00Z")
    pipeline.process_item(item)
    assert item.published_at == "2014-06-30T14:30:00+05:00"


def test_structured_published_at_is_kept(pipeline: NormalizePipeline) -> None:
    item = _article(published_at="2025-10-23T09:30:00+04:00", published_at_raw="dünən 14:30")
    pipeline.process_item(item)
    assert item.published_at == "2025-10-23T09:30:00+04:00"


def test_unparsed_dates_are_counted_and_logged(
    pipeline: NormalizePipeline, crawler, caplog: pytest.LogCaptureFixture
) -> None:
    item = _article(
        published_at_raw="Baxış sayı: 49",
        origin=Origin(url="https://apa.az/x", published_at_raw="tezliklə"),
    )
    with caplog.at_level(logging.DEBUG, logger="pipelines.normalize"):
        pipeline.process_item(item)
    assert item.published_at is None
    assert item.origin is not None
    assert item.origin.published_at is None
    assert crawler.stats.get_value(STAT_UNPARSED) == 2
    assert "Baxış sayı: 49" in caplog.text
    assert "tezliklə" in caplog.text


def test_origin_is_normalised(pipeline: NormalizePipeline) -> None:
    origin = Origin(
        url="https://report.az/x/",
        title="Ã‡ox gÃ¶zÉ™l",
        body="<p>Mətn</p><p>Davamı</p>",
        author=" ",
        published_at_raw="2025-10-23T05:32:00Z",
    )
    item = _article(origin=origin, lang="az")
    pipeline.process_item(item)
    assert origin.title == "Çox gözəl"
    assert origin.body == "Mətn\n\nDavamı"
    assert origin.author is None
    assert origin.published_at == "2025-10-23T09:32:00+04:00"


def test_lang_ru_dates(pipeline: NormalizePipeline) -> None:
    item = _article(lang="ru", published_at_raw="вчера в 14:30")
    pipeline.process_item(item)
    assert item.published_at == "2025-10-22T14:30:00+04:00"


def test_content_hash(pipeline: NormalizePipeline) -> None:
    a = _article(title="Başlıq", body="Mətn.")
    b = _article(title=" Başlıq\u00a0", body="Mətn.\n\n\n", content_hash="sha256:stale")
    pipeline.process_item(a)
    pipeline.process_item(b)
    assert a.content_hash == b.content_hash == content_hash("Başlıq", "Mətn.")
    c = _article(title="Başlıq", body="Başqa mətn.")
    pipeline.process_item(c)
    assert c.content_hash != a.content_hash


def test_dict_items_work_too(pipeline: NormalizePipeline) -> None:
    item = {"url": "https://icma.az/news/x-1", "title": "Bаkı ", "published_at_raw": "23.10.2025"}
    out = pipeline.process_item(item)
    assert out["title"] == "Bakı"
    assert out["published_at"] == "2025-10-23"
    assert out["content_hash"].startswith("sha256:")


def test_without_stats() -> None:
    item = _article(published_at_raw="???")
    NormalizePipeline().process_item(item)
    assert item.published_at is None
