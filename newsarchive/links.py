"""The links of an HTML page with the text around them (pure, no Scrapy)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector


@dataclass(frozen=True)
class ListedLink:
    url: str
    text: str
    date_text: str | None
    """Text near the link that may hold its date: its list item's or card's remaining text, or in a
    longer container (a list without an element per item) the short text up to the next link;
    ``None`` in an article body or a menu."""


#: Elements whose text is a link's context (the nearest one around the link).
CONTAINER_TAGS = frozenset(("li", "article", "div"))

#: Longest container text that is a link's list item or card: a headline, its date and view count
#: take under 250 characters. A longer container is a body, a menu or a list without an element per
#: item, whose other dates are not the link's (a body's "the agreement of 23 October" would date a
#: link it holds).
CONTEXT_MAX_CHARS = 400

#: In a longer container, the text between a link and the next one is its item's date and view
#: count when it is at most this long (a list without an element per item); longer, it is prose.
TRAILING_MAX_CHARS = 80


def html_links(html: str, base_url: str, root: Any = None) -> Iterator[ListedLink]:
    """Every ``<a href>`` of a page with its text and the text of its list item / card.

    One walk of the tree: the text of a container shared by many links (a list) is read once
    per page, not once per link, and no further than :data:`CONTEXT_MAX_CHARS`; past that, a
    link's text up to the next link (:data:`TRAILING_MAX_CHARS`). *root*: the
    page's tree when it is parsed already (an aggregator page object's
    :meth:`~newsarchive.pages.aggregator.AggregatorPage.tree`).
    """
    root = Selector(text=html).root if root is None else root
    contexts: dict[Any, str | None] = {}
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
        date_text = None
        if container is not None:
            if container in contexts:
                context = contexts[container]
            else:
                context = contexts[container] = _short_text(container, CONTEXT_MAX_CHARS)
            if context is not None:
                date_text = context.replace(text, " ", 1).strip() or None
            else:
                date_text = (_trailing_text(a, container, TRAILING_MAX_CHARS) or "").strip() or None
        yield ListedLink(url, text, date_text)


def _texts(element: Any) -> list[str]:
    """The text nodes under *element*, in document order, as XPath ``.//text()`` gives them."""
    return [t for t in element.itertext() if t]


def _short_text(element: Any, limit: int) -> str | None:
    """``" ".join(_texts(element))``, or ``None`` as soon as it is longer than *limit* characters."""
    parts = []
    size = -1
    for t in element.itertext():
        if t:
            size += len(t) + 1
            if size > limit:
                return None
            parts.append(t)
    return " ".join(parts)


def _trailing_text(a: Any, container: Any, limit: int) -> str | None:
    """The text after link *a* up to the next link inside *container* (``<a>T1</a> 21 Yanvar 13:23
    <a>T2</a> …``: a list without an element per item), or ``None`` when it runs over *limit* characters."""
    parts: list[str] = []
    size = 0
    for text in _texts_to_next_link(a, container):
        size += len(text)
        if size > limit:
            return None
        parts.append(text)
    return " ".join(parts)


def _texts_to_next_link(a: Any, container: Any) -> Iterator[str]:
    """The text nodes after link *a* in document order, up to the next link or the end of *container*."""
    node = a
    while node is not None and node is not container:
        if node.tail:
            yield node.tail
        for sibling in node.itersiblings():
            if isinstance(sibling.tag, str):
                if sibling.tag == "a" or next(sibling.iter("a"), None) is not None:
                    return  # the next item's link
                yield from (t for t in sibling.itertext() if t)
            if sibling.tail:
                yield sibling.tail
        node = node.getparent()


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
