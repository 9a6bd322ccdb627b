"""Which icma.az URLs are articles and which are navigation.

URL patterns are data (:data:`ARTICLE_PATH`, :data:`NAV_PATHS`) so they can be
corrected against the live site without touching the spider. Reading listings lives beside it:
links in :mod:`newsarchive.links`, sitemaps in :mod:`newsarchive.sitemaps`, canonical URLs in
:mod:`newsarchive.urls`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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
STATIC_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".css", ".js", ".pdf", ".mp4", ".ico")


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


