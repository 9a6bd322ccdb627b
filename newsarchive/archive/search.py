"""Full-text search over the archive that understands Azerbaijani (and Russian).

Text and queries are compared in the *search fold* of :func:`search_fold`: the
project's :func:`~newsarchive.normalize.text.fold_key` (look-alikes fixed,
``ə→e ı→i ş→s ç→c ğ→g ö→o ü→u``, lower case, Cyrillic transliterated, accents
stripped) applied after punctuation is turned into spaces, so ``Qarabağ``,
``QARABAĞ`` and ``Qarabag`` are all the token ``qarabag`` and ``14-də`` is
``14 de``. A query matches an article when every one of its words begins a word
of the aggregator or origin title or body (``seçki`` finds ``SEÇKİLƏR``).

The index lives in the database and is kept in step by the database itself, so
neither the pipeline nor any other writer needs code for it:

- **SQLite**: the FTS5 table ``articles_fts`` (``title``, ``body``,
  ``origin_title``, ``origin_body``, all folded), keyed through
  ``articles_fts_keys`` (``id`` = the FTS rowid, ``url``), filled by triggers on
  ``articles`` and ``origins`` that call the SQL function ``newsarchive_fold``.
  Every connection that writes articles must have the functions of
  :func:`register_sqlite_functions` (the SQLite back end registers them on
  connect; a plain ``sqlite3`` shell can read the archive but not change
  ``articles``). ``newsarchive_match(q)`` turns a user query into an FTS5
  ``MATCH`` expression. The view ``article_list`` (one row per article with its
  origin status and the publication day in Baku time) is what the browser facets.
- **PostgreSQL**: the SQL functions ``newsarchive_fold(text)`` (generated from
  :func:`search_fold`, character by character) and
  ``newsarchive_search_vector(title, body)`` (a ``simple`` tsvector of the
  folded text), with GIN expression indexes on ``articles`` and ``origins``.
  Queries are folded in Python; each word runs as a prefix ``tsquery``
  against both indexes (so, as in SQLite, one word may be in the aggregator copy
  and another in the origin).

The statements are :data:`SEARCH_MIGRATION`, an entry of
:data:`newsarchive.archive.db.MIGRATIONS`; a statement whose first line is
``-- only <dialect>`` runs on that back end alone. The index holds the fold of
the code that wrote each row: after a change to the folding, re-fill it
(SQLite: empty ``articles_fts`` and ``articles_fts_keys`` and run the
migration's two ``INSERT`` statements again; PostgreSQL: replace
``newsarchive_fold``, then ``REINDEX`` the two indexes).
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
import unicodedata
from typing import TYPE_CHECKING, Any

from newsarchive.normalize.text import fix_lookalikes, fold_key

if TYPE_CHECKING:
    from newsarchive.archive.db import ArticleStore

logger = logging.getLogger(__name__)

_WORD_RE = re.compile(r"[^\W_]+")
#: Distinct words folded once per process (a news vocabulary repeats; the triggers fold every stored text).
_fold_word = functools.lru_cache(maxsize=1 << 16)(fold_key)


def search_fold(text: str) -> str:
    """The search form of *text*: :func:`fold_key` with punctuation as word breaks.

    >>> search_fold("Azərbaycan-Qazaxıstan: SEÇKİ 14-də")
    'azerbaycan qazaxistan secki 14 de'

    Look-alikes are fixed over the whole text (a word of look-alikes only
    follows its text's script), then each word is folded on its own (cached).
    """
    words = _WORD_RE.findall(fix_lookalikes(unicodedata.normalize("NFC", text)))
    return " ".join(filter(None, map(_fold_word, words)))  # no Python-level loop: the triggers fold every stored text


def query_terms(query: str) -> list[str]:
    """The folded words of a user query (``[a-z0-9]+`` each, so safe in FTS5 and tsquery syntax)."""
    return search_fold(query).split()


def fts5_match(query: str) -> str:
    """An FTS5 ``MATCH`` expression: every folded word as a prefix (``"qarabag"* "secki"*``).

    A query without words gives ``""``, which matches nothing.
    """
    terms = query_terms(query)
    return " ".join(f'"{term}"*' for term in terms) if terms else '""'


def _fold_sql(text: Any) -> str | None:
    """``newsarchive_fold``: never raises, so a text the fold cannot handle costs its index entry, not the record."""
    if text is None:
        return None
    try:
        return search_fold(str(text))
    except Exception:
        logger.warning("Search index: cannot fold %(text)r", {"text": str(text)[:80]}, exc_info=True)
        return ""


def _match_sql(query: str | None) -> str:
    return fts5_match(query or "")


def register_sqlite_functions(conn: sqlite3.Connection) -> None:
    """Register ``newsarchive_fold(text)`` and ``newsarchive_match(query)`` on *conn*."""
    conn.create_function("newsarchive_fold", 1, _fold_sql, deterministic=True)
    conn.create_function("newsarchive_match", 1, _match_sql, deterministic=True)


# -- PostgreSQL: the fold as SQL ----------------------------------------------------

#: Characters the PostgreSQL fold maps one by one (everything else outside ``[a-z0-9]`` is a word break).
_PG_FOLD_RANGES = ((0x00C0, 0x02AF), (0x0400, 0x04FF), (0x1E00, 0x1EFF))


def _pg_fold_tables() -> tuple[dict[str, str], dict[str, str], str]:
    """``(one-to-one, one-to-many, deleted)`` characters, each folded by :func:`search_fold` itself."""
    single: dict[str, str] = {}
    multi: dict[str, str] = {}
    deleted = ""
    for low, high in _PG_FOLD_RANGES:
        for code in range(low, high + 1):
            ch = chr(code)
            if unicodedata.category(ch)[0] != "L":
                continue
            folded = search_fold(ch).replace(" ", "")
            if len(folded) == 1:
                single[ch] = folded
            elif folded:
                multi[ch] = folded
            else:
                deleted += ch
    return single, multi, deleted


def _pg_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def pg_fold_function() -> str:
    """``CREATE FUNCTION newsarchive_fold(text)``: :func:`search_fold` for NFC text, in SQL.

    Independent of the database's locale (``lower`` only has to fold ASCII):
    every letter of Latin-1, Latin Extended A/B/Additional and Cyrillic is
    mapped by a table built with :func:`search_fold`; other characters that are
    not ``[a-z0-9]`` become word breaks.
    """
    single, multi, deleted = _pg_fold_tables()
    expr = "lower(s)"
    for ch, folded in sorted(multi.items()):
        expr = f"replace({expr}, {_pg_literal(ch)}, {_pg_literal(folded)})"
    source = "".join(single) + deleted
    target = "".join(single.values())
    expr = f"translate({expr}, {_pg_literal(source)}, {_pg_literal(target)})"
    return ("-- only postgresql\n"
            "CREATE OR REPLACE FUNCTION newsarchive_fold(s text) RETURNS text\n"
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fold$\n"
            f"SELECT btrim(regexp_replace({expr}, '[^a-z0-9]+', ' ', 'g'))\n"
            "$fold$")


# -- the migration ----------------------------------------------------------------------

_SQLITE = "-- only sqlite\n"
_PG = "-- only postgresql\n"
_KEY = "(SELECT id FROM articles_fts_keys WHERE url = {row}.{column})"


def _key(row: str, column: str = "url") -> str:
    return _KEY.replace("{row}", row).replace("{column}", column)


#: Statements of the search migration (SQLite and PostgreSQL; see the module docs).
#: No braces: :meth:`ArticleStore._migrate` passes every statement through ``str.format``.
SEARCH_MIGRATION: list[str] = [
    _SQLITE + "CREATE TABLE articles_fts_keys (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE)",
    _SQLITE + "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, origin_title, origin_body, "
              "tokenize = 'unicode61')",
    _SQLITE + "INSERT INTO articles_fts_keys (url) SELECT url FROM articles ORDER BY url",
    _SQLITE + """INSERT INTO articles_fts (rowid, title, body, origin_title, origin_body)
        SELECT k.id, newsarchive_fold(a.title), newsarchive_fold(a.body), newsarchive_fold(o.title),
               newsarchive_fold(o.body)
        FROM articles_fts_keys k JOIN articles a ON a.url = k.url LEFT JOIN origins o ON o.article_url = a.url""",
    _SQLITE + f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts_keys (url) VALUES (new.url);
        INSERT INTO articles_fts (rowid, title, body)
            VALUES ({_key("new")}, newsarchive_fold(new.title), newsarchive_fold(new.body));
        END""",
    _SQLITE + f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF url, title, body ON articles
        WHEN old.url IS NOT new.url OR old.title IS NOT new.title OR old.body IS NOT new.body BEGIN
        UPDATE articles_fts_keys SET url = new.url WHERE url = old.url;
        UPDATE articles_fts SET title = newsarchive_fold(new.title), body = newsarchive_fold(new.body)
            WHERE rowid = {_key("new")};
        END""",
    _SQLITE + f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = {_key("old")};
        DELETE FROM articles_fts_keys WHERE url = old.url;
        END""",
    _SQLITE + f"""CREATE TRIGGER origins_fts_insert AFTER INSERT ON origins
        WHEN new.title IS NOT NULL OR new.body IS NOT NULL BEGIN
        UPDATE articles_fts SET origin_title = newsarchive_fold(new.title), origin_body = newsarchive_fold(new.body)
            WHERE rowid = {_key("new", "article_url")};
        END""",
    _SQLITE + f"""CREATE TRIGGER origins_fts_update AFTER UPDATE OF article_url, title, body ON origins
        WHEN old.article_url IS NOT new.article_url OR old.title IS NOT new.title OR old.body IS NOT new.body BEGIN
        UPDATE articles_fts SET origin_title = NULL, origin_body = NULL
            WHERE old.article_url IS NOT new.article_url AND rowid = {_key("old", "article_url")};
        UPDATE articles_fts SET origin_title = newsarchive_fold(new.title), origin_body = newsarchive_fold(new.body)
            WHERE rowid = {_key("new", "article_url")};
        END""",
    _SQLITE + f"""CREATE TRIGGER origins_fts_delete AFTER DELETE ON origins BEGIN
        UPDATE articles_fts SET origin_title = NULL, origin_body = NULL WHERE rowid = {_key("old", "article_url")};
        END""",
    _SQLITE + """CREATE VIEW article_list AS
        SELECT a.url, a.title, a.kind, a.lang, a.source_name, substr(a.published_at, 1, 10) AS published_day,
               a.published_at, o.status AS origin_status, o.method AS origin_method,
               o.similarity AS origin_similarity, o.site AS origin_site, a.views, a.comments, a.revision_count
        FROM articles a LEFT JOIN origins o ON o.article_url = a.url""",
    pg_fold_function(),
    _PG + """CREATE OR REPLACE FUNCTION newsarchive_search_vector(title text, body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $vector$
        SELECT to_tsvector('simple'::regconfig, newsarchive_fold(coalesce(title, '') || ' ' || coalesce(body, '')))
        $vector$""",
    _PG + "CREATE INDEX articles_search ON articles USING GIN (newsarchive_search_vector(title, body))",
    _PG + "CREATE INDEX origins_search ON origins USING GIN (newsarchive_search_vector(title, body))",
]

#: Copies the index of an attached database ``part`` (same schema) into ``main``, keys renumbered:
#: what a merge runs with the triggers dropped, so that no text is folded twice (SQLite only).
SQLITE_INDEX_COPY: tuple[str, ...] = (
    "INSERT INTO main.articles_fts_keys (url) SELECT url FROM part.articles_fts_keys ORDER BY id",
    """INSERT INTO main.articles_fts (rowid, title, body, origin_title, origin_body)
        SELECT mk.id, f.title, f.body, f.origin_title, f.origin_body
        FROM part.articles_fts f JOIN part.articles_fts_keys pk ON pk.id = f.rowid
        JOIN main.articles_fts_keys mk ON mk.url = pk.url ORDER BY mk.id""",
)

#: ``SELECT url …`` of the articles matching a query, best first (SQLite: bm25 rank; PostgreSQL: newest first).
SQLITE_SEARCH = """SELECT a.url FROM articles_fts f
    JOIN articles_fts_keys k ON k.id = f.rowid JOIN articles a ON a.url = k.url
    WHERE articles_fts MATCH ? ORDER BY f.rank, a.url LIMIT ?"""
#: One word of a PostgreSQL query: the articles whose aggregator or origin text has it.
POSTGRES_TERM = """SELECT url FROM articles WHERE newsarchive_search_vector(title, body) @@ to_tsquery('simple', %s)
    UNION SELECT article_url FROM origins WHERE newsarchive_search_vector(title, body) @@ to_tsquery('simple', %s)"""


def postgres_search(terms: int) -> str:
    """The PostgreSQL search for *terms* words (each found in the aggregator copy or the origin), newest first."""
    matching = "\n    INTERSECT\n    ".join(f"({POSTGRES_TERM})" for _ in range(terms))
    return (f"SELECT a.url FROM articles a WHERE a.url IN (\n    {matching})\n"
            "ORDER BY a.published_at DESC, a.url LIMIT %s")


def search(store: ArticleStore, query: str, limit: int = 100) -> list[str]:
    """URLs of the archived articles matching *query* (see the module docs), at most *limit*."""
    conn: Any = store.conn
    if conn is None:
        raise RuntimeError("search on a closed store")
    if store.backend.dialect == "sqlite":
        rows = conn.execute(SQLITE_SEARCH, (fts5_match(query), limit)).fetchall()
    else:
        terms = [f"{term}:*" for term in query_terms(query)]
        if not terms:
            return []
        params = [term for term in terms for _ in range(2)]
        rows = conn.execute(postgres_search(len(terms)), (*params, limit)).fetchall()
    return [row[0] for row in rows]
