"""Reading sitemaps and sitemap indexes (pure, no Scrapy)."""

from __future__ import annotations

from newsarchive.safexml import parse_xml


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
