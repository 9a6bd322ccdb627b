"""Datasette metadata of the archive: titles, descriptions and column docs taken from the code.

Column descriptions come from the attribute docstrings of
:mod:`newsarchive.items` (the record's contract), table descriptions from the
table list in the docstring of :mod:`newsarchive.archive.db`, the database
description from ``schema/article.schema.json``'s title; columns that exist
only in the database are described here. Facets, sort orders and the canned
queries are the browser's own.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import json
import re
from pathlib import Path
from typing import Any

from newsarchive import items
from newsarchive.archive import db

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "article.schema.json"
_CODE_RE = re.compile(r"``([^`]*)``")
_ROLE_RE = re.compile(r":\w+:`~?([^`]+)`")
_TABLE_RE = re.compile(r"^- ``(\w+)``: (.+?)(?=^- |^\S|\Z)", re.MULTILINE | re.DOTALL)

#: Columns that exist only in the database (not in the record).
DATABASE_COLUMNS: dict[str, str] = {
    "first_seen_at": "When the archive first saw this URL (the record's fetched_at then), ISO 8601 UTC.",
    "last_seen_at": "When the archive last saw this URL, ISO 8601 UTC.",
    "revision_count": "How many distinct contents (content_hash values) the archive holds for this URL.",
    "gone_at": "When the aggregator page was first found gone from the site (404/410), or null.",
    "article_url": "The aggregator article (articles.url).",
    "recorded_at": "When the archive wrote this row, ISO 8601 UTC.",
    "id": "Row number.",
    "published_day": "Day of published_at as the aggregator shows it (Baku time), YYYY-MM-DD.",
    "origin_site": "Host name of the source site of the original.",
    "status": "HTTP status of the capture.",
}


def _plain(doc: str) -> str:
    text = _ROLE_RE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], inspect.cleandoc(doc))  # :func:`a.b.c` -> c
    return " ".join(_CODE_RE.sub(r"\1", text).split())


@functools.cache
def field_docs(cls_name: str) -> dict[str, str]:
    """Attribute docstrings of the dataclass *cls_name* of :mod:`newsarchive.items`, as plain text."""
    tree = ast.parse(inspect.getsource(items))
    docs: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls_name:
            body = node.body
            for assign, doc in itertools.pairwise(body):
                if (isinstance(assign, ast.AnnAssign) and isinstance(assign.target, ast.Name)
                        and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
                        and isinstance(doc.value.value, str)):
                    docs[assign.target.id] = _plain(doc.value.value)
    return docs


@functools.cache
def table_docs() -> dict[str, str]:
    """``table -> description`` from the table list in :mod:`newsarchive.archive.db`'s docstring."""
    docs = {}
    for name, text in _TABLE_RE.findall(db.__doc__ or ""):
        plain = _plain(text).rstrip(";.")
        docs[name] = plain[:1].upper() + plain[1:] + "."
    return docs


@functools.cache
def record_description() -> str:
    """The JSON Schema's description of the record (empty outside a checkout, where the schema is not installed)."""
    try:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(schema.get("description", ""))


def _columns(names: dict[str, str]) -> dict[str, str]:
    """``column -> description`` for ``column -> doc key`` (``Article.x``, ``Origin.x`` or a database column)."""
    out = {}
    for column, key in names.items():
        cls, _, attr = key.rpartition(".")
        text = field_docs(cls).get(attr) if cls else DATABASE_COLUMNS.get(attr)
        if text:
            out[column] = text
    return out


def _article_columns() -> dict[str, str]:
    names = {"url": "Article.url", **{c: f"Article.{c}" for c in db.ARTICLE_COLUMNS}}
    names.update({c: c for c in ("first_seen_at", "last_seen_at", "revision_count", "gone_at")})
    return _columns(names)


def _origin_columns() -> dict[str, str]:
    names = {"article_url": "article_url"}
    names.update({column: f"Article.{field}" for field, column in db.CITATION_COLUMNS.items()})
    names.update({column: f"Origin.{name}" for name, column in db.ORIGIN_FIELD_COLUMNS.items()})
    return _columns(names)


def _list_columns() -> dict[str, str]:
    names = {c: f"Article.{c}" for c in ("url", "title", "kind", "lang", "source_name", "published_at", "views",
                                         "comments", "origin_status", "origin_method", "origin_similarity")}
    names.update({c: c for c in ("published_day", "origin_site", "revision_count")})
    return _columns(names)


def _observation_columns() -> dict[str, str]:
    names = {"article_url": "article_url", "fetched_at": "Article.fetched_at", "status": "status",
             "views": "Article.views", "comments": "Article.comments", "content_hash": "Article.content_hash",
             "warc_record_id": "Article.warc_record_id"}
    return _columns(names)


#: Canned queries (SQLite); ``gone_from_site`` is added only where ``articles.gone_at`` exists.
QUERIES: dict[str, dict[str, Any]] = {
    "search": {
        "title": "Search titles and bodies (aggregator copy and origin)",
        "description": "Azerbaijani-aware: ə/e, ı/i/İ, ş/s, ç/c, ğ/g, ö/o, ü/u, case and Cyrillic look-alikes "
                       "do not matter, Russian is transliterated; every word must begin a word of the article "
                       "(Qarabag finds Qarabağda).",
        "sql": """SELECT l.url, l.title, l.source_name, l.lang, l.kind, l.published_at, l.origin_status
FROM articles_fts f JOIN articles_fts_keys k ON k.id = f.rowid JOIN article_list l ON l.url = k.url
WHERE articles_fts MATCH newsarchive_match(:q)
ORDER BY f.rank LIMIT 200""",
    },
    "latest_articles": {
        "title": "Latest articles",
        "sql": """SELECT url, title, source_name, lang, kind, published_at, origin_status, views, comments
FROM article_list ORDER BY published_at DESC LIMIT 100""",
    },
    "articles_per_source_per_day": {
        "title": "Articles per source per day",
        "sql": """SELECT published_day, source_name, COUNT(*) AS articles FROM article_list
WHERE published_day IS NOT NULL GROUP BY published_day, source_name
ORDER BY published_day DESC, articles DESC, source_name""",
    },
    "origin_differs_most": {
        "title": "Articles whose original differs most from the aggregator copy",
        "description": "Lowest origin_similarity first: the share of the aggregator body found in the original.",
        "sql": """SELECT url, title, source_name, origin_site, origin_method, ROUND(origin_similarity, 3) AS similarity
FROM article_list WHERE origin_status = 'ok' AND origin_similarity IS NOT NULL
ORDER BY origin_similarity, url LIMIT 100""",
    },
    "edited_articles": {
        "title": "Edited articles (more than one revision)",
        "sql": """SELECT url, title, source_name, revision_count, published_at FROM article_list
WHERE revision_count > 1 ORDER BY revision_count DESC, published_at DESC""",
    },
}

GONE_QUERY: dict[str, Any] = {
    "title": "Articles gone from the site",
    "sql": """SELECT url, title, source_name, published_at, gone_at FROM articles
WHERE gone_at IS NOT NULL ORDER BY gone_at DESC""",
}


def database_metadata() -> dict[str, Any]:
    """Metadata of one archive database (tables, column docs, facets)."""
    list_facets = ["source_name", "kind", "lang", "origin_status", "published_day"]
    return {
        "description": "One row per icma.az article with its cited original, revisions and captures. "
                       "Start with the article_list view (facets) or the search query.",
        "tables": {
            "articles": {"description": " ".join(filter(None, (table_docs().get("articles"), record_description()))),
                         "columns": _article_columns(),
                         "facets": ["source_name", "kind", "lang"], "sort_desc": "published_at",
                         "label_column": "title"},
            "origins": {"description": table_docs().get("origins"), "columns": _origin_columns(),
                        "facets": ["status", "method", "site"]},
            "revisions": {"description": table_docs().get("revisions"),
                          "columns": _columns({"id": "id", "article_url": "article_url",
                                               "content_hash": "Article.content_hash", "title": "Article.title",
                                               "body": "Article.body", "fetched_at": "Article.fetched_at",
                                               "recorded_at": "recorded_at"})},
            "article_list": {"description": "Articles with their origin status and publication day, for faceting.",
                             "columns": _list_columns(), "facets": list_facets, "sort_desc": "published_at",
                             "label_column": "title"},
            "observations": {"description": table_docs().get(
                                 "observations", "One row per visit of an article (views, comments, status)."),
                             "columns": _observation_columns()},
            "articles_fts_keys": {"hidden": True},
        },
    }


def metadata(database_names: list[str]) -> dict[str, Any]:
    """Instance metadata for the archive databases among *database_names*."""
    return {
        "title": "icma.az news archive",
        "description": "Articles of the Azerbaijani news aggregator icma.az and the originals it cites "
                       "(read-only). Search understands Azerbaijani and Russian spelling variants.",
        "databases": {name: database_metadata() for name in database_names if not name.startswith("_")},
    }
