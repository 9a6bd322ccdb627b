"""Every mirror article, rendered in every article template, extracts to the same record and to the truth.

The templates differ in tags, nesting, class names, attribute order, structured
data and how labels are split across elements; the page object must not care.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import lxml.html
import pytest

from newsarchive.mirror.content import (
    AZ_ATTRIBUTIONS,
    AZ_CLOSINGS,
    RU_ATTRIBUTIONS,
    RU_CLOSINGS,
    MirrorArticle,
    MirrorConfig,
    MirrorSite,
)
from newsarchive.mirror.icma_pages import LABELS, TEMPLATES, render_article, sidebar_title
from newsarchive.normalize.text import normalize_text
from newsarchive.pages.aggregator import AggregatorPage

SITE = MirrorSite(MirrorConfig(articles=120))
ARTICLES = SITE.articles()
TEMPLATE_IDS = range(len(TEMPLATES))
FIELDS = ("url", "article_id", "kind", "lang", "title", "body", "author", "views", "comments", "source_name",
          "source_url", "published_at_raw")
NORMALISED = frozenset({"title", "body"})


def truth(art: MirrorArticle) -> dict[str, Any]:
    """What the page shows: story pages have no counters block (views, source, archive, comments)."""
    news = art.kind == "news"
    return {
        "url": art.url, "article_id": art.article_id, "kind": art.kind, "lang": art.lang, "title": art.title,
        "body": art.body, "author": art.author, "views": art.views if news else None,
        "comments": art.comments if news else None, "source_name": art.source_name, "source_url": art.source_url,
        "published_at_raw": art.published_at_raw,
    }


@cache
def extracted(k: int, template: int) -> tuple[dict[str, Any], bool, tuple[str, ...]]:
    page = AggregatorPage(url=SITE.article(k).url, html=render_article(SITE.article(k), SITE, template))
    item = page.to_item()
    return {f: getattr(item, f) for f in FIELDS}, page.is_article(), tuple(page.missing_fields())


def comparable(field: str, value: Any) -> Any:
    return normalize_text(value) if field in NORMALISED and isinstance(value, str) else value


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("template", TEMPLATE_IDS)
def test_field_equals_ground_truth(template: int, field: str) -> None:
    wrong = {}
    for art in ARTICLES:
        got = comparable(field, extracted(art.k, template)[0][field])
        want = truth(art)[field]
        if got != want:
            wrong[art.k] = (got, want)
    assert not wrong, f"template {template}: {len(wrong)} wrong, e.g. k={next(iter(wrong.items()))}"


@pytest.mark.parametrize("template", TEMPLATE_IDS)
def test_every_page_is_an_article_with_nothing_missing(template: int) -> None:
    for art in ARTICLES:
        _, is_article, missing = extracted(art.k, template)
        assert is_article, art.k
        assert missing == (), (art.k, missing)


def test_templates_give_identical_records() -> None:
    """Raw records (before normalisation) are identical, not just equal after cleanup."""
    for art in ARTICLES:
        records = [extracted(art.k, t)[0] for t in TEMPLATE_IDS]
        assert all(r == records[0] for r in records[1:]), art.k


def test_mirror_covers_editions_kinds_and_wordings() -> None:
    """The 120 articles above hold every case the templates must get right."""
    assert {(a.lang, a.kind) for a in ARTICLES} == {("az", "news"), ("ru", "news"), ("az", "story")}
    assert {a.author is None for a in ARTICLES} == {True, False}
    used = {a.attribution.replace(a.source_name, "{name}") for a in ARTICLES}
    assert set(AZ_ATTRIBUTIONS) | set(RU_ATTRIBUTIONS) <= used
    assert set(AZ_CLOSINGS) | set(RU_CLOSINGS) <= {a.closing for a in ARTICLES}
    assert any(" " in a.source_name or "." in a.source_name for a in ARTICLES)
    assert {a.template for a in ARTICLES} == {0, 1, 2}


def visible_text(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    texts = root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)"
                       " and not(ancestor::*[@hidden]) and not(ancestor::*[contains(@style, 'none')])]")
    return re.sub(r"[ \t\n\r]+", " ", " ".join(texts))


@pytest.mark.parametrize("template", TEMPLATE_IDS)
def test_templates_show_the_same_article_text(template: int) -> None:
    for art in ARTICLES[:40]:
        text = visible_text(render_article(art, SITE, template))
        squeezed = text.replace(" ", "")
        lab = LABELS[art.lang]
        assert text.count(art.title) >= 2, art.k
        assert art.attribution in text and art.closing in text
        if art.author:
            assert art.author in text
        news_only = [lab["views"].replace(" ", "") + str(art.views), lab["source"] + (art.source_url or ""),
                     lab["archive"].format(date=art.published_at_raw).replace(" ", ""),
                     lab["comments"].format(n=art.comments).replace(" ", "")]
        for piece in news_only:
            assert (piece.replace(" ", "") in squeezed) == (art.kind == "news"), (art.k, piece)
        assert lab["most_read"] in text and lab["latest"] in text


def test_templates_differ_in_markup() -> None:
    art = next(a for a in ARTICLES if a.kind == "news" and a.lang == "az" and a.author)
    html = [render_article(art, SITE, t) for t in TEMPLATE_IDS]
    has_jsonld = ["application/ld+json" in h for h in html]
    has_og = ['property="og:title"' in h for h in html]
    assert has_jsonld == [True, False, False, True] and has_og == [True, True, False, False]
    classes = [set(re.findall(r'class="([^"]+)"', h)) for h in html]
    assert not classes[0] & classes[1] and not classes[2] and not classes[3]
    assert f"<span>{LABELS['az']['views']}</span><b" in html[1]  # label split across elements
    assert html[1].count("<br><br>") >= len(art.paragraphs)  # body as one <div> of <br><br>-separated text
    menu_end = html[1].index("</nav>")
    assert sum(sidebar_title(SITE.article(k).title) in html[1][:menu_end] for k in range(len(SITE))) >= 15
    assert "&#" in html[2] and "<dt>" in html[2] and "<time" in html[2]
    assert "@graph" in html[3] and "<table" in html[3]


def test_render_article_picks_the_article_template_by_default() -> None:
    for art in ARTICLES[:6]:
        assert render_article(art, SITE) == render_article(art, SITE, art.template)
