"""Candidate articles from a source site's own lists: feeds, sitemaps, HTML listing pages.

XML goes through :func:`newsarchive.safexml.parse_xml` (no entity expansion, DTD
loading, network access or huge trees; gzip inflated up to a cap; documents that
declare entities refused), so a hostile feed cannot blow up memory or reach out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector
from w3lib.html import remove_tags, replace_entities

from newsarchive.pages.dates import find_date
from newsarchive.pages.extract_helpers import CHROME, clean
from newsarchive.safexml import parse_xml
from newsarchive.urls import host_of

#: Largest decompressed feed/sitemap accepted (the sitemap protocol allows 50 MB).
#: Paths that are never single articles.
NOT_ARTICLE = re.compile(
    r"/(?:tag|tags|author|authors|category|categories|kateqoriya|kategoriya|rubric|page|search|axtar\w*|"
    r"login|register|about|haqqimizda|elaqe|contact|reklam|rss|feed)(?:/|$)|\.(?:jpe?g|png|gif|pdf|xml|css|js)$",
    re.IGNORECASE,
)
#: Paths that look like articles: a numeric id, or a slug of three or more words.
ARTICLE_HINTS = (
    re.compile(r"\d{4,}(?:\.html?)?/?$"),
    re.compile(r"/[^/]*\w-\w[^/]*-\w[^/]*-\w[^/]*/?$"),
    re.compile(r"/(?:news|xeber|xəbər|posts?|detail|article|story|novosti|w\d+)/", re.IGNORECASE),
)
#: Fewest words an anchor text needs to count as a headline.
MIN_TITLE_WORDS = 3


@dataclass(frozen=True)
class Candidate:
    """One article a source site lists."""

    url: str
    title: str
    """Headline as listed (may be ``""`` when the list gives none, e.g. a plain sitemap)."""
    published: str | None = None
    """Publication date string as listed, unparsed."""


def _text(node: etree._Element, name: str) -> str | None:
    """Text of the first descendant called *name* (any namespace), tags and entities removed."""
    found = node.xpath(f".//*[local-name()='{name}'][1]")
    if not found:
        return None
    raw = "".join(found[0].itertext())
    return clean(replace_entities(remove_tags(raw)))


def parse_feed(xml: bytes, base_url: str) -> list[Candidate]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order."""
    root = parse_xml(xml)
    if root is None:
        return []
    out = []
    for entry in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = None
        for node in entry.xpath("./*[local-name()='link']"):
            rel = node.get("rel", "alternate")
            href = node.get("href") or (node.text or "").strip()
            if href and rel == "alternate":
                link = href
                break
        if not link:
            guid = entry.xpath("./*[local-name()='guid'][not(@isPermaLink='false')]/text()")
            link = guid[0].strip() if guid else None
        if not link:
            continue
        published = (_text(entry, "pubDate") or _text(entry, "published") or _text(entry, "date")
                     or _text(entry, "updated"))
        out.append(Candidate(urljoin(base_url, link), _text(entry, "title") or "", published))
    return out


def parse_sitemap(xml: bytes) -> tuple[list[Candidate], list[str]]:
    """``(articles, child sitemaps)`` of a sitemap or sitemap index.

    Google News entries give the title and ``publication_date``; plain entries
    give only the URL (title ``""``) and no date (``lastmod`` is when the page
    changed, not when it was published).
    """
    root = parse_xml(xml)
    if root is None:
        return [], []
    children = [loc.strip() for loc in root.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()")
                if loc.strip()]
    out = []
    for entry in root.xpath("//*[local-name()='url']"):
        loc = _text(entry, "loc")
        if not loc:
            continue
        out.append(Candidate(loc, _text(entry, "title") or "", _text(entry, "publication_date")))
    return out, children


def looks_like_article(url: str, host: str) -> bool:
    """Whether *url* is on *host* (or a subdomain) and its path looks like a single article."""
    netloc = host_of(url)
    host = host.lower().removeprefix("www.")
    if not netloc or not (netloc == host or netloc.endswith("." + host)):
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    path = parts.path
    if NOT_ARTICLE.search(path):
        return False
    return any(p.search(path) for p in ARTICLE_HINTS)


def parse_listing_html(html: str, base_url: str, host: str) -> list[Candidate]:
    """Links of a home or listing page that look like articles, with their anchor text.

    A date printed next to the link (same list item or parent) becomes
    ``published``. Links in header, navigation, footer and aside chrome are
    skipped; when several anchors point to one URL the longest text wins.
    """
    selector = Selector(text=html or "<html></html>")
    found: dict[str, Candidate] = {}
    for anchor in selector.xpath(f"//a[@href][not({CHROME})]"):
        try:
            url = urljoin(base_url, anchor.attrib["href"].strip()).split("#", 1)[0]
        except ValueError:  # a malformed href (http://[::1) costs that link only
            continue
        title = clean(" ".join(anchor.xpath(".//text()").getall())) or clean(anchor.attrib.get("title"))
        if not title or len(title.split()) < MIN_TITLE_WORDS or not looks_like_article(url, host):
            continue
        published = find_date(anchor.xpath("../text() | ../*[not(self::a)]//text()").getall())
        known = found.get(url)
        if known is None or len(title) > len(known.title):
            found[url] = Candidate(url, title, published or (known.published if known else None))
    return list(found.values())
