"""The origin page object for any cited site: URL + HTML in, :class:`~newsarchive.items.Origin` out.

Pure (parsel, lxml, trafilatura; never ``scrapy``, never the network). Every
field is a small method, layered from the most to the least explicit source:

- **title**: JSON-LD ``headline`` → ``og:title`` / ``twitter:title`` → microdata
  ``itemprop=headline`` → the page's only ``<h1>`` → trafilatura's title.
- **body**: trafilatura's main text (``favor_precision``, no comments, no
  tables), paragraph by paragraph, joined by a blank line → JSON-LD
  ``articleBody`` → microdata ``articleBody``.
- **author**: JSON-LD ``author`` (persons, not organisations) → ``<meta
  name=author>`` / ``article:author`` (not a URL) → microdata ``author`` →
  ``rel=author`` link → trafilatura's author; byline labels (``Müəllif:``) dropped.
- **published_at_raw** (the string exactly as found; parsing is the
  normalisation pipeline's job, so ``published_at`` stays ``None``): JSON-LD
  ``datePublished`` → ``<meta>`` (``article:published_time`` and kin) →
  microdata ``datePublished`` attribute → ``<time datetime>`` → visible date
  text after the headline, outside header/nav/aside/footer chrome (where sites
  print the crawl-time clock and other articles' dates) → trafilatura's date.

Site profiles (:mod:`newsarchive.pages.sites`) subclass this and override only
the fields the generic layers get wrong for their site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import lxml.html
import trafilatura
import trafilatura.utils
from lxml import etree
from parsel import Selector
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Extractor
from trafilatura.utils import load_html
from w3lib.encoding import html_to_unicode

from newsarchive.items import Origin
from newsarchive.urls import host_of

# trafilatura parses with its module's HTML_PARSER; the same parser with ``huge_tree``: libxml2 otherwise
# drops everything nested deeper than 256 elements, and a broken page (a ``<div>`` per paragraph, never
# closed) loses its text. Set once, for the whole process (this package is trafilatura's only user).
trafilatura.utils.HTML_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                                     remove_comments=True, remove_pis=True, huge_tree=True)

#: Main text this long from trafilatura's fast mode is kept; shorter, the full extraction runs.
FAST_ENOUGH_CHARS = 200

# --------------------------------------------------------------------------- data

#: schema.org types that describe an article.
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report",
})
#: ``<meta>`` keys (``property`` or ``name``, lower-case) per field, best first.
META_TITLE = ("og:title", "twitter:title", "title", "dc.title")
META_AUTHOR = ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author")
META_DATE = ("article:published_time", "og:published_time", "og:article:published_time", "datepublished",
             "pubdate", "publishdate", "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created",
             "sailthru.date", "parsely-pub-date")
#: Elements whose content is page chrome, never the article's own date or text.
CHROME = "ancestor-or-self::*[self::header or self::nav or self::footer or self::aside]"
#: Labels that lead a byline (``Müəllif: Əli Hüseynov``); matched case-insensitively.
BYLINE_LABELS = ("müəllif", "müəllifi", "автор", "author", "by", "yazar", "hazırladı")
_MONTHS = (r"(?:yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr|"
           r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|"
           r"октябр[ья]|ноябр[ья]|декабр[ья]|january|february|march|april|june|july|august|"
           r"september|october|november|december)")
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
#: Shapes of a visible date with a year (SITE_NOTES), tried in order on each text node.
DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]{_TIME}(?:Z|[+-]\d{{2}}:?\d{{2}})?)?",
    rf"\d{{1,2}}\.\d{{1,2}}\.\d{{4}}(?:\s*[,/\[]?\s*{_TIME}\]?)?",
    rf"{_TIME}\s*[/,|]?\s*\d{{1,2}}[-./]\d{{1,2}}[-./]\d{{4}}",
    rf"\d{{4}}\.\d{{1,2}}\.\d{{1,2}}(?:\s*/?\s*{_TIME})?",
    rf"\d{{1,2}}\s+{_MONTHS}\s*,?\s+\d{{4}}(?:\s*-?c[iıuü]\s+il)?(?:\s*[,/]?\s*(?:saat\s+)?{_TIME})?",
))

_WS_RE = re.compile(r"\s+")
_BYLINE_RE = re.compile(r"^\s*(?:" + "|".join(BYLINE_LABELS) + r")\b\s*[:\-–—]?\s*", re.IGNORECASE)


def clean(value: object) -> str | None:
    """One line of text: whitespace runs collapsed, ``None`` when empty or not a string."""
    if not isinstance(value, str):
        return None
    value = _WS_RE.sub(" ", value).strip()
    return value or None


def strip_byline_label(value: str | None) -> str | None:
    return clean(_BYLINE_RE.sub("", value)) if value else None


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def iter_jsonld(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every object of a JSON-LD document: lists and ``@graph`` flattened."""
    if isinstance(value, list):
        for entry in value:
            yield from iter_jsonld(entry)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from iter_jsonld(value["@graph"])


def jsonld_person(value: Any) -> str | None:
    """Names of the persons in a JSON-LD ``author`` value (organisations are not bylines)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        names = [n for n in (jsonld_person(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict) and not (_types(value) & {"Organization", "NewsMediaOrganization"}):
        return clean(value.get("name"))
    return None


# --------------------------------------------------------------------------- page


@dataclass
class GenericArticlePage:
    """An article page of a cited site (see the module docstring for the layers)."""

    url: str
    """The page's final URL (after redirects), as the spider canonicalised it."""
    html: str | bytes
    headers: Mapping[str, str] | None = None
    """Response headers; only ``Content-Type`` is read, to decode *html* given as bytes."""

    # -- parsed inputs (each computed once) ------------------------------------------
    @cached_property
    def text(self) -> str:
        if isinstance(self.html, str):
            return self.html
        content_type = None
        for name, value in (self.headers or {}).items():
            if name.lower() == "content-type":
                content_type = value
        return html_to_unicode(content_type, self.html)[1]

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text or "<html></html>")

    @cached_property
    def jsonld(self) -> Mapping[str, Any]:
        """The first JSON-LD object typed as an article, or ``{}``."""
        for raw in self.selector.xpath("//script[@type='application/ld+json']/text()").getall():
            try:
                data = json.loads(raw, strict=False)
            except ValueError:
                continue
            for node in iter_jsonld(data):
                if _types(node) & ARTICLE_TYPES:
                    return node
        return {}

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` contents by lower-case ``property``/``name``; the first occurrence wins."""
        found: dict[str, str] = {}
        for node in self.selector.xpath("//meta[@content]"):
            key = (node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop") or "")
            if key:
                found.setdefault(key.strip().lower(), node.attrib["content"])
        return found

    def microdata(self, prop: str) -> Selector | None:
        """The first element with ``itemprop=<prop>`` outside page chrome."""
        nodes = self.selector.xpath(f"//*[@itemprop='{prop}'][not({CHROME})]")
        return nodes[0] if nodes else None

    @cached_property
    def extracted(self) -> Any:
        """trafilatura's document (main text tree), or ``None``.

        Its metadata (title, author, date) is :attr:`extracted_metadata`, computed only when
        a field falls back that far: it cost a third of the extraction on every page.
        """
        try:
            # trafilatura's fast mode (no readability/jusText fallback) costs half; the full
            # extraction runs only when the fast one finds (almost) no text.
            fast = trafilatura.bare_extraction(self.text, options=self._extractor(with_metadata=False, fast=True))
            if fast is not None and len(getattr(fast, "text", None) or "") >= FAST_ENOUGH_CHARS:
                return fast
            return trafilatura.bare_extraction(self.text, options=self._extractor(with_metadata=False))
        except (ValueError, etree.LxmlError):
            return None

    @cached_property
    def extracted_metadata(self) -> Any:
        """trafilatura's metadata of the page (``title``, ``author``, ``date``), as ``bare_extraction(...,
        with_metadata=True)`` finds it; ``None`` when the main text extraction failed, as there."""
        if self.extracted is None:
            return None
        options = self._extractor(with_metadata=True)
        try:
            tree = load_html(self.text, options.max_file_size)
            if tree is None:
                return None
            return extract_metadata(tree, options.url, options.date_params, options.fast, options.author_blacklist)
        except (TypeError, ValueError, AssertionError, etree.LxmlError):  # htmldate's drop_tree of the root
            return None

    def _extractor(self, *, with_metadata: bool, fast: bool = False) -> Extractor:
        return Extractor(output_format="python", precision=True, comments=False, tables=False,
                         with_metadata=with_metadata, url=self.url, fast=fast)

    # -- fields ------------------------------------------------------------------------
    def title(self) -> str | None:
        value = clean(self.jsonld.get("headline")) or self._first_meta(META_TITLE)
        if value:
            return value
        node = self.microdata("headline")
        if node is not None and (value := clean(" ".join(node.xpath(".//text()").getall()))):
            return value
        h1 = self.selector.xpath(f"//h1[not({CHROME})]")
        if len(h1) == 1 and (value := clean(" ".join(h1.xpath(".//text()").getall()))):
            return value
        return clean(getattr(self.extracted_metadata, "title", None))

    def paragraphs(self) -> list[str]:
        """Main-text paragraphs as trafilatura finds them (the headline itself left out)."""
        body = getattr(self.extracted, "body", None)
        if body is None:
            return []
        title = self.title()
        out = []
        for node in body:
            if node.tag == "list":
                out += [t for item in node.iter("item") if (t := clean(" ".join(item.itertext())))]
                continue
            text = clean(" ".join(node.itertext()))
            if text and not (node.tag == "head" and text == title):
                out.append(text)
        return out

    def body(self) -> str | None:
        paragraphs = self.paragraphs()
        if paragraphs:
            return "\n\n".join(paragraphs)
        body = self.jsonld.get("articleBody")
        if isinstance(body, str) and body.strip():
            return body.strip()
        node = self.microdata("articleBody")
        if node is not None:
            return "\n\n".join(t for p in node.xpath(".//p") if (t := clean(" ".join(p.xpath(".//text()").getall()))))
        return None

    def author(self) -> str | None:
        name = jsonld_person(self.jsonld.get("author"))
        if name:
            return name
        for key in META_AUTHOR:
            value = clean(self.meta.get(key))
            if value and "://" not in value:
                return strip_byline_label(value)
        node = self.microdata("author")
        if node is not None:
            texts = node.xpath(".//*[@itemprop='name']//text()").getall() or node.xpath(".//text()").getall()
            return strip_byline_label(" ".join(texts))
        link = self.selector.xpath(f"//a[@rel='author'][not({CHROME})]//text()").getall()
        if link:
            return strip_byline_label(" ".join(link))
        return strip_byline_label(getattr(self.extracted_metadata, "author", None))

    def published_at_raw(self) -> str | None:
        return (
            clean(self.jsonld.get("datePublished"))
            or self._first_meta(META_DATE)
            or self._microdata_date()
            or clean(self.selector.xpath(f"//time[@datetime][not({CHROME})]/@datetime").get())
            or self.visible_date()
            or clean(getattr(self.extracted_metadata, "date", None))
        )

    def site(self) -> str:
        return host_of(self.url)

    def to_item(self) -> Origin:
        return Origin(url=self.url, title=self.title(), body=self.body(), author=self.author(),
                      published_at=None, published_at_raw=self.published_at_raw(), site=self.site())

    # -- helpers -----------------------------------------------------------------------
    def _first_meta(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = clean(self.meta.get(key))
            if value:
                return value
        return None

    def _microdata_date(self) -> str | None:
        node = self.microdata("datePublished")
        if node is None:
            return None
        return clean(node.attrib.get("content") or node.attrib.get("datetime"))

    def visible_date(self, scope: str = "") -> str | None:
        """The first date-shaped text under *scope* (a profile's date element, an XPath), else
        under microdata ``datePublished``, else after the headline (anywhere without one), outside chrome.
        """
        for where in (scope, f"(//*[@itemprop='datePublished'][not({CHROME})])[1]"):
            if where and (found := find_date(self.selector.xpath(f"{where}//text()").getall())):
                return found
        after_h1 = "[preceding::h1]" if self.selector.xpath(f"//h1[not({CHROME})]") else ""
        return find_date(self.selector.xpath(
            f"//body//text()[not(ancestor::script or ancestor::style)][not({CHROME})]{after_h1}").getall())


def find_date(texts: list[str]) -> str | None:
    """The first match of :data:`DATE_PATTERNS` in *texts* (in order), or ``None``."""
    for text in texts:
        for pattern in DATE_PATTERNS:
            match = pattern.search(text)
            if match:
                return clean(match.group(0))
    return None
