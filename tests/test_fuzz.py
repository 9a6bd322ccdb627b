"""Fuzzing the pure parsers: page objects, normalisers and list readers never raise.

Inputs are random text, random bytes and random HTML/XML built from an alphabet of
tags, attributes and the real labels of icma.az pages (``Baxış sayı:``, ``Mənbə:``,
``mənbədən arxivləşdirilmişdir``, ``Şərh``...), so the generated pages reach the
label-driven code paths, not only the "no article here" exit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newsarchive.charset import page_text
from newsarchive.links import html_links
from newsarchive.normalize.dates import _parse, _reference, parse_datetime
from newsarchive.normalize.text import normalize_text
from newsarchive.origin.listing import parse_feed, parse_listing_html, parse_sitemap
from newsarchive.pages.aggregator import AggregatorPage
from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.registry import page_for
from newsarchive.sitemaps import sitemap_locs
from tests.test_normalize_properties import check_parser_result

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFERENCE = datetime(2025, 10, 2, 2, 44, tzinfo=UTC)

LABELS = [
    "Baxış sayı:", "Baxış sayı: 1 234", "Mənbə:", "Mənbə:https://apa.az/az/xeber/a-1", "Bu xəbər 1 Oktyabr 2025 09:09 "
    "mənbədən arxivləşdirilmişdir", "mənbədən arxivləşdirilmişdir", "5 Şərh", "Şərh", "Просмотров:", "Источник:",
    "Icma.az", "Icma.az xəbər yayır.", "Bakivaxti portalına istinadən məlumat yayır.", "Icma.az saytını izləyin.",
    "Günün ən çox oxunanları", "Son xəbərlər", "see", "embed", "archive", "Əli Hüseynov", "1 Oktyabr 2025 09:09",
    "01.10.2025 09:09", "2 saat əvvəl", "Bu gün, 14:05", "вчера", "12 октября 2025", "\u00a0", "\u200b", "ǝ", "і",
    "&amp;", "&lt;b&gt;", "&#601;", "<!--", "]]>", "\ufffd",
]
TAGS = ["p", "div", "span", "a", "b", "i", "h1", "h4", "br", "li", "ul", "article", "script", "style", "meta",
        "title", "head", "body", "html", "time", "strong", "footer", "table", "td", "noscript", "svg"]
ATTRS = [
    "", ' class="news-title"', ' class="news-text"', ' href="https://apa.az/az/xeber/a-1"', ' href="javascript:x"',
    ' href="/news/a-1"', ' href="//bad host/"', ' href="http://[::1"', ' property="og:title" content="Başlıq"',
    ' type="application/ld+json"', ' datetime="2025-10-01T09:09:00+04:00"', ' style="display:none"',
    ' itemprop="author"', ' rel="next"', ' charset="windows-1251"',
]
JSONLD = st.sampled_from([
    '{"@type": "NewsArticle", "headline": "Başlıq", "datePublished": "2025-10-01T09:09:00+04:00"}',
    '{"@graph": [{"@type": ["NewsArticle"], "author": [{"name": 5}], "headline": null}]}',
    "[1, 2, {", '{"@type": "NewsArticle", "datePublished": "31.02.2025 25:61", "author": {"@id": []}}', "null",
])


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 5 if depth < 3 else 2))
        if kind == 0:
            parts.append(draw(st.sampled_from(LABELS)))
        elif kind == 1:
            parts.append(draw(st.text(max_size=30)))
        elif kind == 2:
            parts.append(draw(st.sampled_from(["<", ">", "</p>", "</div>", "<br>", "<p", "&", "&#", "\x00"])))
        elif kind == 3:
            parts.append(f'<script type="application/ld+json">{draw(JSONLD)}</script>')
        else:
            tag = draw(st.sampled_from(TAGS))
            inner = draw(html_fragments(depth + 1))
            close = f"</{tag}>" if draw(st.booleans()) else ""
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>{inner}{close}")
    return "".join(parts)


PAGES = st.one_of(html_fragments(), html_fragments().map(lambda body: f"<html><body>{body}</body></html>"),
                  st.text(max_size=300))
URLS = st.one_of(
    st.sampled_from([
        "https://icma.az/news/a-1", "https://icma.az/ru/news/b-2", "https://icma.az/story/x-apa-3",
        "https://apa.az/az/xeber/a-1", "https://report.az/x/", "https://azertag.az/xeber/1", "https://mia.az/w/1",
        "https://bakivaxti.az/news/1", "http://[::1", "https://icma.az:99999/news/a-1", "", "icma.az/news/a-1",
    ]),
    st.text(max_size=40),
)


def _check_aggregator(url: str, html: str) -> None:
    page = AggregatorPage(url=url, html=html)
    item = page.to_item()
    assert isinstance(page.is_article(), bool)
    assert isinstance(page.missing_fields(), list)
    assert item.url is not None


@FUZZ
@given(url=URLS, html=PAGES)
def test_aggregator_page_never_raises(url: str, html: str) -> None:
    _check_aggregator(url, html)


@FUZZ
@given(data=st.binary(max_size=400))
def test_aggregator_page_on_random_bytes(data: bytes) -> None:
    _check_aggregator("https://icma.az/news/a-1", data.decode("utf-8", errors="replace"))
    text, encoding = page_text(data, "utf-8")
    assert isinstance(text, str) and encoding


@FUZZ
@given(url=URLS, html=PAGES, as_bytes=st.booleans(),
       content_type=st.sampled_from([None, "text/html", "text/html; charset=windows-1251", "text/html; charset=x"]))
def test_generic_and_registry_pages_never_raise(url: str, html: str, as_bytes: bool, content_type: str | None) -> None:
    try:
        urlsplit(url)
    except ValueError:
        assume(False)  # both raise on these: see test_malformed_url_escapes_from_origin_pages
    page_cls = page_for(url)
    assert issubclass(page_cls, GenericArticlePage)
    headers = {"Content-Type": content_type} if content_type else None
    page = page_cls(url=url, html=html.encode("utf-8", errors="surrogatepass") if as_bytes else html,
                    headers=headers)
    page.to_item()


@pytest.mark.parametrize("call", ["page_for", "to_item"])
def test_malformed_url_does_not_escape_from_origin_pages(call: str) -> None:
    if call == "page_for":
        page_for("http://[::1")
    else:
        GenericArticlePage(url="http://[::1", html="<p>x</p>").to_item()


@FUZZ
@given(text=st.one_of(st.text(max_size=300), html_fragments(), st.lists(st.sampled_from(LABELS)).map(" ".join)))
def test_normalize_text_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@FUZZ
@given(text=st.one_of(st.text(max_size=80), st.lists(st.sampled_from([*LABELS, "2025", "31", "13", ":", "-", "."]),
                                                     max_size=6).map(" ".join)),
       lang=st.sampled_from([None, "az", "ru", "en"]))
def test_date_parser_never_raises(text: str, lang: str | None) -> None:
    # the inner parser (parse_datetime catches everything, so fuzzing it could not fail)
    ref = _reference(REFERENCE)
    check_parser_result(_parse(text, ref), ref)
    value = parse_datetime(text, reference=REFERENCE, lang=lang)
    assert value == _parse(text, ref)


NUMBERS = ["0", "1", "9", "12", "31", "99", "2025", "0001", "9999", "740000", "99999999", "1761197520"]
DATE_PARTS = [" ", ":", "-", ".", "/", "T", "Z", "+14:00", "-2400", "+9999", " UTC+14", " GMT-12", "yanvar",
              "mayında", "sentyabrından", "okt.", "октября", " gün əvvəl", " saat əvvəl", " həftə əvvəl", " назад",
              "dünən", "вчера", " PM", "-ci il", "9999-12-31T23:59:59", "0001-01-01T00:00"]


@FUZZ
@given(parts=st.lists(st.sampled_from(NUMBERS + DATE_PARTS), max_size=10),
       reference=st.one_of(st.none(), st.datetimes()))
def test_date_parser_on_extreme_numbers(parts: list[str], reference: datetime | None) -> None:
    # overflows (year 1 or 9999, "740000 gün əvvəl", offsets of a day) were swallowed by parse_datetime
    ref = _reference(reference)
    check_parser_result(_parse("".join(parts), ref), ref)


XML_PARTS = ["<?xml version='1.0'?>", "<urlset>", "</urlset>", "<sitemapindex>", "<url>", "</url>", "<loc>",
             "</loc>", "<lastmod>", "</lastmod>", "<rss>", "<channel>", "<item>", "<title>", "</title>", "<link>",
             "</link>", "<pubDate>", "<feed>", "<entry>", '<link href="https://apa.az/a-1"/>',
             "https://apa.az/az/xeber/a-1", "2025-10-01T09:09:00+04:00", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", "&a;",
             "<![CDATA[x]]>", "&", "<", "\x00", "\ufeff"]
XML = st.one_of(st.binary(max_size=300),
                st.lists(st.one_of(st.sampled_from(XML_PARTS), st.text(max_size=10)), max_size=20)
                .map(lambda parts: "".join(parts).encode("utf-8", errors="surrogatepass")))


@FUZZ
@given(body=XML)
def test_sitemap_and_feed_readers_never_raise(body: bytes) -> None:
    locs, is_index = sitemap_locs(body)
    assert isinstance(locs, list) and isinstance(is_index, bool)
    parse_sitemap(body)
    parse_feed(body, "https://apa.az/rss")


@FUZZ
@given(html=PAGES, url=URLS)
def test_listing_readers_never_raise(html: str, url: str) -> None:
    list(html_links(html, url or "https://icma.az/"))
    parse_listing_html(html, url or "https://apa.az/", "apa.az")


def test_malformed_link_does_not_lose_the_listing() -> None:
    page = ('<a href="http://[::1">Birinci xəbər başlığı</a>'
            '<a href="/az/xeber/siyaset/basliq-2-880001">İkinci xəbərin uzun başlığı</a>')
    found = parse_listing_html(page, "https://apa.az/", "apa.az")
    assert [c.url for c in found] == ["https://apa.az/az/xeber/siyaset/basliq-2-880001"]
