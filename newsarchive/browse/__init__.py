"""Browse and search the archive in a browser: a Datasette plugin.

``python -m newsarchive.browse data/newsarchive.sqlite3`` (``make browse`` for
the demo archive) serves the SQLite archive read-only with Datasette. This
package is the plugin (also registered as the ``datasette`` entry point
``newsarchive``, so ``datasette serve -i archive.sqlite3`` loads it once the
package is installed with the ``browse`` extra):

- ``prepare_connection`` registers the search functions of
  :mod:`newsarchive.archive.search` (``newsarchive_match(q)`` folds a query);
- ``get_metadata`` gives titles, descriptions, column docs and facets
  (:mod:`newsarchive.browse.metadata`);
- ``canned_queries`` adds the search and the reports (``gone_from_site`` only
  where ``articles.gone_at`` exists);
- ``render_cell`` links every aggregator ``url`` of a query or the
  ``article_list`` view to the article page;
- ``register_routes`` serves the article page ``/-/article/<database>?url=…``
  (:mod:`newsarchive.browse.article`, template ``templates/newsarchive_article.html``).

Plugin configuration (``plugins.newsarchive`` in Datasette's metadata):
``pywb``, the replay base URL with its collection (default
``http://localhost:8080/newsarchive``).

Datasette is imported only inside the hooks, so importing this package needs
nothing but Jinja's ``markupsafe``.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from pluggy import HookimplMarker

from newsarchive.archive.search import register_sqlite_functions
from newsarchive.browse import metadata as archive_metadata
from newsarchive.browse.article import load_rows, page_context

hookimpl = HookimplMarker("datasette")

PLUGIN = "newsarchive"
DEFAULT_PYWB = "http://localhost:8080/newsarchive"
#: Columns holding an aggregator article URL, by table (None: canned and custom queries).
_ARTICLE_URL_COLUMNS = {None: {"url"}, "article_list": {"url"}, "origins": {"article_url"},
                        "revisions": {"article_url"}, "observations": {"article_url"}}


def article_path(database: str, url: str) -> str:
    return f"/-/article/{quote(database, safe='')}?url={quote(url, safe='')}"


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_sqlite_functions(conn)


@hookimpl
def get_metadata(datasette: Any) -> dict[str, Any]:
    return archive_metadata.metadata(list(datasette.databases))


@hookimpl
def canned_queries(datasette: Any, database: str) -> Any:
    async def inner() -> dict[str, Any]:
        db = datasette.get_database(database)
        if not await db.table_exists("articles_fts") or "article_list" not in await db.view_names():
            return {}
        queries = dict(archive_metadata.QUERIES)
        if "gone_at" in await db.table_columns("articles"):
            queries["gone_from_site"] = archive_metadata.GONE_QUERY
        return queries

    return inner


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    if not isinstance(value, str) or column not in _ARTICLE_URL_COLUMNS.get(table, set()):
        return None
    if not value.startswith(("http://", "https://")):
        return None
    href = datasette.urls.path(article_path(database, value))
    return Markup('<a href="{}" class="na-article-link">{}</a>').format(href, value)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/article/(?P<database>[^/]+)$", article_view)]


async def article_view(datasette: Any, request: Any) -> Any:
    from datasette.utils.asgi import NotFound, Response

    database = request.url_vars["database"]
    url = request.args.get("url") or ""
    try:
        db = datasette.get_database(database)
    except KeyError as exc:
        raise NotFound(f"Database not found: {database}") from exc
    await datasette.ensure_permissions(request.actor, [("view-table", (database, "articles")),
                                                        ("view-database", database), "view-instance"])
    rows = await load_rows(db, url) if url else None
    if rows is None:
        raise NotFound(f"No archived article with url {url!r}")
    config = datasette.plugin_config(PLUGIN) or {}
    context = page_context(*rows, pywb=config.get("pywb") or DEFAULT_PYWB)
    context.update(database=database, search_path=datasette.urls.path(f"/{quote(database)}/search"))
    html = await datasette.render_template("newsarchive_article.html", context, request=request)
    return Response.html(html)
