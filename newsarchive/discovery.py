"""Which icma.az URLs are articles, which are navigation, and how to read listings.

URL patterns are data (:data:`ARTICLE_PATH`, :data:`NAV_PATHS`) so they can be
corrected against the live site without touching the spider.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from w3lib.url import canonicalize_url

from newsarchive.safexml import parse_xml
from newsarchive.urls import fixed_scheme, strip_tracking

#: Article pages: ``/news/<slug>-<id>``, ``/story/<slug>-<source>-<id>``, RU under ``/ru``.
ARTICLE_PATH = re.compile(r"^(?:/ru)?/(?:news|story)/[^/?#]+-\d+/?$")
#: Navigation worth following: home pages, latest-news listings, category pages.
NAV_PATHS = (
    re.compile(r"^/(?:ru/?)?$"),
    re.compile(r"^/(?:son-xeberler|ru/poslednie-novosti)/?$"),
    re.compile(r"^/(?:ru/)?kateqoriya/[\w-]+/?$"),
)
#: Listing links to the next page: ``rel=next`` or a pager link with ``page=``.
PAGE_PARAM = re.compile(r"[?&]page=(\d+)")
#: What an icma.az or cited page is written in when its charset label is missing or wrong.
FALLBACK_ENCODINGS = ("utf-8", "cp1254", "cp1251", "cp1252")
STATIC_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".css", ".js", ".pdf", ".mp4", ".ico")


@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """One spelling per page, the archive's key: sorted query without tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, … :data:`newsarchive.urls.TRACKING_PARAMS`), no fragment,
    lower-case host, no ``www.``, ``https`` for hosts that serve only that
    (:data:`newsarchive.urls.HTTPS_HOSTS`: ``icma.az``).

    Memoised (bounded): the same sidebar and menu links come back on every article page.
    """
    url = canonicalize_url(strip_tracking(url), keep_fragments=False)
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return fixed_scheme(parts._replace(netloc=netloc).geturl())


#: The trailing numeric id of an article path (``/news/<slug>-<id>``, ``/story/<slug>-<source>-<id>``).
ARTICLE_ID = re.compile(r"^(?P<ru>/ru)?/(?P<kind>news|story)/[^/?#]*-(?P<id>\d+)/?$")


def article_identity(url: str) -> tuple[str, str, str, str] | None:
    """``(host, edition, kind, id)`` of an icma article URL: two URLs with the same identity (another
    slug, the same id) are one article. ``None`` for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    match = ARTICLE_ID.match(parts.path)
    if match is None:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    return host, "ru" if match["ru"] else "az", match["kind"], match["id"]


def is_article_url(url: str, hosts: frozenset[str]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "").removeprefix("www.") in hosts and bool(ARTICLE_PATH.match(parts.path))


def is_nav_url(url: str, hosts: frozenset[str]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if (parts.hostname or "").removeprefix("www.") not in hosts:
        return False
    if parts.path.lower().endswith(STATIC_SUFFIXES):
        return False
    return any(p.match(parts.path) for p in NAV_PATHS)


def edition_of(url: str) -> str:
    return "ru" if urlsplit(url).path.startswith("/ru") else "az"


@dataclass(frozen=True)
class ListedLink:
    url: str
    text: str
    date_text: str | None
    """Text near the link that may hold its date (the list item's remaining text)."""


#: Elements whose text is a link's context (the nearest one around the link).
CONTAINER_TAGS = frozenset(("li", "article", "div"))


def html_links(html: str, base_url: str, root: Any = None) -> Iterator[ListedLink]:
    """Every ``<a href>`` of a page with its text and the text of its list item / card.

    One walk of the tree: the text of a container shared by many links (a menu ``<div>``)
    is joined once per page, not once per link. *root*: the page's tree when it is parsed
    already (an aggregator page object's :meth:`~newsarchive.pages.aggregator.AggregatorPage.tree`).
    """
    root = Selector(text=html).root if root is None else root
    contexts: dict[Any, str] = {}
    try:
        base = urlsplit(base_url)
        site = f"{base.scheme}://{base.netloc}/" if base.scheme and base.netloc else ""
    except ValueError:
        site = ""
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        # the same menu and sidebar links on every page: resolved once when the page's path cannot matter
        url = _valid_url(site, href) if site and _path_free(href) else _valid_url(base_url, href)
        if url is None:
            continue  # a malformed link ("http://[::1", a bad port) is skipped, not a crash of the page
        text = " ".join(_texts(a)).strip()
        container = next((e for e in a.iterancestors() if e.tag in CONTAINER_TAGS), None)
        context = ""
        if container is not None:
            known = contexts.get(container)
            context = contexts[container] = " ".join(_texts(container)) if known is None else known
        date_text = context.replace(text, " ", 1).strip() or None
        yield ListedLink(url, text, date_text)


def _texts(element: Any) -> list[str]:
    """The text nodes under *element*, in document order, as XPath ``.//text()`` gives them."""
    return [t for t in element.itertext() if t]


def _path_free(href: str) -> bool:
    """Whether *href* resolves the same against any page of a site (absolute URL or absolute path)."""
    return href.startswith(("http://", "https://")) or (href.startswith("/") and not href.startswith("//"))


@lru_cache(maxsize=16384)
def _valid_url(base_url: str, href: str) -> str | None:
    """*href* resolved against *base_url*, or ``None`` when it is not a well-formed URL."""
    try:
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        _ = parts.hostname, parts.port
    except ValueError:
        return None
    return url


def _localname(tag: object) -> str:
    """``{ns}name`` -> ``name``; lenient, unlike ``etree.QName`` (which raises on what ``recover`` lets through)."""
    return str(tag).rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def sitemap_locs(body: bytes) -> tuple[list[tuple[str, str | None]], bool]:
    """``(loc, lastmod)`` pairs of a sitemap or sitemap index, and whether it is an index.

    A Google News sitemap's ``<news:publication_date>`` stands in for a missing ``<lastmod>``.

    Parsed by :func:`newsarchive.safexml.parse_xml` (no entity expansion, no network; a
    document declaring entities is refused).
    """
    root = parse_xml(body)
    if root is None:
        return [], False
    is_index = _localname(root.tag) == "sitemapindex"
    out: list[tuple[str, str | None]] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = lastmod = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = _localname(child.tag)
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = (child.text or "").strip() or None
            elif name == "news" and lastmod is None:  # Google News sitemap: its publication date
                for sub in child:
                    if isinstance(sub.tag, str) and _localname(sub.tag) == "publication_date":
                        lastmod = (sub.text or "").strip() or None
        if loc:
            out.append((loc, lastmod))
    return out, is_index


_WORD = re.compile(r"[^\W\d_]+")
_AZ_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzəçğıöşüâîû")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ch < "\u0250" or ch in "əƏ"


def _script_score(text: str) -> int:
    """How much *text* reads like Azerbaijani, Russian or English: letters of words in one alphabet.

    Words wholly in the Azerbaijani Latin or in the Cyrillic alphabet count for, words mixing
    Latin and Cyrillic letters (what a wrong single-byte code page makes of them) against;
    other Latin words (``þ``, ``ð``: Turkish letters read as Latin-1) count for nothing.
    """
    score = 0
    for word in _WORD.findall(text):
        low = word.lower()
        if all(c in _AZ_LATIN for c in low) or all(_is_cyrillic(c) for c in low):
            score += len(word)
        elif not all(_is_latin(c) for c in low):
            score -= len(word)
    return score


def page_text(body: bytes, declared: str | None) -> tuple[str, str]:
    """The text of an HTML page and the encoding it was read with, even when its charset label lies.

    A page that decodes as its *declared* encoding (Scrapy's choice: header, ``<meta>``, BOM or
    guess) and is UTF-8 is taken as it is. Otherwise each of the declared encoding and
    :data:`FALLBACK_ENCODINGS` that decodes the bytes strictly is scored by :func:`_script_score`,
    the declared one winning ties: a Windows-1251/1254 page labelled UTF-8 or Windows-1252, or not
    labelled at all, is read right.
    """
    try:
        enc = codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:
        enc = "utf-8"
    if enc == "utf-8":
        try:
            return body.decode("utf-8"), enc
        except UnicodeDecodeError:
            pass
    best: tuple[int, str, str] | None = None
    for candidate in dict.fromkeys((enc, *FALLBACK_ENCODINGS)):
        try:
            text = body.decode(candidate)
        except UnicodeDecodeError:
            continue
        score = _script_score(text)
        if best is None or score > best[0]:
            best = (score, text, candidate)
    if best is None:
        return body.decode(enc, errors="replace"), enc
    return best[1], best[2]
