"""Small pure helpers shared by the origin page object and its field modules.

Text cleaning, JSON-LD walking and the XPath of page chrome; no field logic.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import lxml.html
import trafilatura.utils
from trafilatura.metadata import check_authors, examine_meta, extract_author, extract_meta_json
from trafilatura.settings import Extractor
from w3lib.html import replace_entities

# trafilatura parses with its module's HTML_PARSER; the same parser with ``huge_tree``: libxml2 otherwise
# drops everything nested deeper than 256 elements, and a broken page (a ``<div>`` per paragraph, never
# closed) loses its text. Set once, for the whole process (this package is trafilatura's only user).
trafilatura.utils.HTML_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                                     remove_comments=True, remove_pis=True, huge_tree=True)

#: schema.org types that describe an article.
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report",
})
#: schema.org types of organisations (publishers, never bylines).
ORGANISATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "EducationalOrganization",
                                "GovernmentOrganization", "NGO", "OnlineBusiness"})
#: Elements whose content is page chrome, never the article's own date or text.
CHROME = "ancestor-or-self::*[self::header or self::nav or self::footer or self::aside]"

_WS_RE = re.compile(r"\s+")
_TAG_RE = re.compile(r"<[^<>]{1,200}>")


@functools.cache
def _extractor_template(**options: Any) -> Extractor:
    return Extractor(**options)


def extractor_options(url: str | None, **options: Any) -> Extractor:
    """``trafilatura.settings.Extractor(url=url, **options)`` without reading trafilatura's configuration
    again for every page: a copy of one instance per set of *options* (trafilatura shares and copies its
    options the same way), with the page's ``url`` and ``source`` set as the constructor sets them."""
    extractor = copy.copy(_extractor_template(**options))
    extractor.url = url
    extractor.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return extractor


def clean(value: object) -> str | None:
    """One line of text: whitespace runs collapsed, ``None`` when empty or not a string."""
    if not isinstance(value, str):
        return None
    value = _WS_RE.sub(" ", value).strip()
    return value or None


def decode(value: object) -> str | None:
    """:func:`clean` after HTML entities (``&#39;``, ``&amp;#8216;``) and stray tags are undone.

    Structured data (JSON-LD, ``<meta content>``) often carries a headline or a name
    HTML-escaped once or twice.
    """
    text = clean(value)
    if text is None:
        return None
    for _ in range(2):
        if "&" not in text:
            break
        text = replace_entities(text)
    return clean(_TAG_RE.sub(" ", text)) if "<" in text else clean(text)


def types_of(node: Mapping[str, Any]) -> set[str]:
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
        main = value.get("mainEntity")
        if isinstance(main, dict | list):
            yield from iter_jsonld(main)


def words(text: str) -> set[str]:
    """Lower-case word set (for comparing a title with a headline)."""
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 1 or w.isdigit()}


def trafilatura_author(tree: Any, author_blacklist: set[str] | None = None) -> str | None:
    """``trafilatura.metadata.extract_metadata(tree, ...).author``, without the other fields.

    The same steps in the same order (``<meta>``, then JSON-LD, the blacklist, then the byline
    XPaths, the blacklist again, trimmed), minus what a byline fallback does not read: the date
    search through htmldate, the site name, categories, tags and licence (about 40 % of the call).
    ``tests/test_pages_origin.py`` checks it against ``extract_metadata``.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # as trafilatura guards its JSON-LD reader
        metadata = extract_meta_json(tree, metadata)
    if metadata.author and author_blacklist:
        metadata.author = check_authors(metadata.author, author_blacklist)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if metadata.author and author_blacklist:
        metadata.author = check_authors(metadata.author, author_blacklist)
    metadata.clean_and_trim()
    return metadata.author
