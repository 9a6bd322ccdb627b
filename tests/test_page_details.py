"""Page objects on details of real pages: relative citation links, abbreviated counters, very deep pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.pages.aggregator import AggregatorPage
from newsarchive.pages.generic import GenericArticlePage

PAGE = (Path(__file__).parent / "fixtures" / "aggregator" / "attr_hyphen_suffix" / "page.html").read_text(
    encoding="utf-8")
URL = "https://icma.az/news/test-xeberi-attr-hyphen-suffix-1250001"
CITED = '<a href="https://apa.az/az/xeber/siyaset/x-880001">https://apa.az/az/xeber/siyaset/x-880001</a>'


def test_fixture_reads_as_expected() -> None:  # the baseline the variations below start from
    page = AggregatorPage(url=URL, html=PAGE)
    assert (page.views(), page.comments(), page.source_url()) == (108, 8, "https://apa.az/az/xeber/siyaset/x-880001")


@pytest.mark.parametrize(("href", "expected"), [
    ("/az/xeber/siyaset/x-880001", "https://icma.az/az/xeber/siyaset/x-880001"),
    ("x-880001", "https://icma.az/news/x-880001"),
    ("//apa.az/az/xeber/x-880001", "https://apa.az/az/xeber/x-880001"),
    ("https://apa.az/az/xeber/x-880001", "https://apa.az/az/xeber/x-880001"),
])
def test_relative_source_href_is_resolved_against_the_page(href: str, expected: str) -> None:
    html = PAGE.replace(CITED, f'<a href="{href}">Apa.az</a>')
    assert AggregatorPage(url=URL, html=html).source_url() == expected


@pytest.mark.parametrize(("views", "comments", "expected"), [
    ("1.2K", "8 Şərh", (1200, 8)),
    ("1,2K", "1,2K Şərh", (1200, 1200)),
    ("1.2 min", "2.5k Şərh", (1200, 2500)),
    ("3,4 mln", "1.5M Şərh", (3_400_000, 1_500_000)),
    ("12", "8 Şərh", (12, 8)),
    ("1 234", "1 234 Şərh", (1234, 1234)),
    ("2.345", "8 Şərh", (2345, 8)),
])
def test_abbreviated_counters(views: str, comments: str, expected: tuple[int, int]) -> None:
    html = PAGE.replace("Baxış sayı:108", f"Baxış sayı:{views}").replace("8 Şərh", comments)
    page = AggregatorPage(url=URL, html=html)
    assert (page.views(), page.comments()) == expected


def _nested(html: str, depth: int, at: str) -> str:
    """*html* with the element starting at *at* wrapped in *depth* ``<div>`` s."""
    i = html.index(at)
    close = html.index("</body>")
    return html[:i] + "<div>" * depth + html[i:close] + "</div>" * depth + html[close:]


@pytest.mark.parametrize("depth", [300, 1500])
def test_aggregator_page_deeper_than_libxml2_default_keeps_its_text(depth: int) -> None:
    shallow = AggregatorPage(url=URL, html=PAGE).to_item()
    deep = AggregatorPage(url=URL, html=_nested(PAGE, depth, "<main")).to_item()
    assert shallow.body and shallow.views == 108
    assert (deep.title, deep.body, deep.views, deep.source_url) == (
        shallow.title, shallow.body, shallow.views, shallow.source_url)


@pytest.mark.parametrize("depth", [300, 1500])
def test_generic_page_deeper_than_libxml2_default_keeps_its_text(depth: int) -> None:
    paragraphs = "".join(f"<p>Paraqraf {i}: Azərbaycan və Qazaxıstan arasında əməkdaşlıq genişlənir, "
                         f"yeni layihələr müzakirə olunur.</p>" for i in range(8))
    html = f"<html><head><title>Başlıq</title></head><body><article>{paragraphs}</article></body></html>"
    url = "https://apa.az/az/xeber/siyaset/x-880001"
    shallow = GenericArticlePage(url=url, html=html).to_item()
    deep = GenericArticlePage(url=url, html=_nested(html, depth, "<article")).to_item()
    assert shallow.body and "Paraqraf 7" in shallow.body
    assert deep.body == shallow.body
