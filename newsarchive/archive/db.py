"""The article database: schema, migrations, upsert with revisions, export.

:class:`ArticleStore` speaks to SQLite (:mod:`~newsarchive.archive.db_sqlite`,
the default) or PostgreSQL (:mod:`~newsarchive.archive.db_postgres`, needs the
``postgres`` extra; imported only for ``postgresql://`` URLs) with the same SQL.

Tables:

- ``articles``: one row per aggregator ``url`` with the record's own fields,
  ``first_seen_at``, ``last_seen_at`` and ``revision_count``;
- ``origins``: one row per article (``article_url``): ``cited_url``
  (the record's ``origin_url``), ``status``, ``method``, ``similarity`` and the
  fields of the nested ``origin`` (all null when no origin was extracted);
- ``revisions``: one row per distinct ``content_hash`` of an article, with the
  title and body of that revision.

:meth:`ArticleStore.upsert` returns ``"new"``, ``"updated"`` (the content hash
or another archived field changed; a changed hash adds a revision) or
``"unchanged"`` (only ``views``, ``comments`` and ``last_seen_at`` are
refreshed; ``fetched_at`` and ``warc_record_id`` keep pointing at the capture
where this state was first seen). Each record runs in a savepoint of the
caller's transaction: a record the database refuses raises :class:`RecordError`
and leaves the transaction usable; a lost connection raises :class:`StoreError`.
Nothing is written until :meth:`ArticleStore.commit`.

Timestamps are stored as the record's ISO 8601 strings (``TEXT``), so an export
gives back exactly what was archived.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from newsarchive.items import Article, Origin

logger = logging.getLogger(__name__)

UpsertResult = Literal["new", "updated", "unchanged"]

ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
ORIGIN_FIELDS = tuple(f.name for f in fields(Origin))
#: Record fields stored in ``articles`` (``url`` is the key).
ARTICLE_COLUMNS = ("article_id", "kind", "lang", "title", "body", "author", "views", "comments", "published_at",
                   "published_at_raw", "source_name", "source_url", "fetched_at", "content_hash", "warc_record_id")
#: Record field -> ``origins`` column.
CITATION_COLUMNS = {"origin_url": "cited_url", "origin_status": "status", "origin_method": "method",
                    "origin_similarity": "similarity"}
ORIGIN_COLUMNS = tuple(CITATION_COLUMNS.values()) + ORIGIN_FIELDS
#: Fields that change on every visit without making a new state of the article.
VOLATILE = frozenset({"views", "comments", "fetched_at", "warc_record_id"})

#: Migrations in order; ``schema_version`` holds how many have been applied.
#: ``{id}`` and ``{float}`` are filled in by the backend.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE articles (
            url TEXT PRIMARY KEY,
            article_id TEXT, kind TEXT, lang TEXT, title TEXT, body TEXT, author TEXT,
            views INTEGER, comments INTEGER, published_at TEXT, published_at_raw TEXT,
            source_name TEXT, source_url TEXT, fetched_at TEXT, content_hash TEXT, warc_record_id TEXT,
            first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, revision_count INTEGER NOT NULL DEFAULT 1)""",
        """CREATE TABLE origins (
            article_url TEXT PRIMARY KEY REFERENCES articles(url) ON DELETE CASCADE,
            cited_url TEXT, status TEXT NOT NULL, method TEXT, similarity {float},
            url TEXT, title TEXT, body TEXT, author TEXT, published_at TEXT, published_at_raw TEXT, site TEXT)""",
        """CREATE TABLE revisions (
            id {id},
            article_url TEXT NOT NULL REFERENCES articles(url) ON DELETE CASCADE,
            content_hash TEXT, title TEXT, body TEXT, fetched_at TEXT, recorded_at TEXT NOT NULL)""",
        "CREATE INDEX articles_published_at ON articles (published_at)",
        "CREATE INDEX articles_source_name ON articles (source_name)",
        "CREATE INDEX articles_content_hash ON articles (content_hash)",
        "CREATE INDEX articles_last_seen_at ON articles (last_seen_at)",
        "CREATE INDEX origins_site ON origins (site)",
        "CREATE INDEX revisions_article_url ON revisions (article_url, id)",
    ],
]


class StoreError(Exception):
    """The database is unreachable or failed at the transaction level; nothing of the batch is written."""


class RecordError(Exception):
    """The database (or the record's shape) refused one record; the transaction goes on without it."""


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any: ...

    def close(self) -> None: ...


class Backend(Protocol):
    """What :class:`ArticleStore` needs from a database driver."""

    name: str
    """Database name (file stem or PostgreSQL database), for the default spool file."""
    display_url: str
    """The URL with any password replaced by ``***``."""
    error: type[Exception]
    """The driver's base exception class."""
    begin: str
    ddl: dict[str, str]

    def connect(self) -> Connection: ...

    def sql(self, statement: str) -> str:
        """*statement* (``?`` placeholders) in the driver's paramstyle."""
        ...

    def lock_schema(self, conn: Connection) -> None: ...


def redact_url(url: str) -> str:
    """*url* with the password (however written: URL, ``password=`` parameter, DSN) replaced by ``***``."""
    from newsarchive import secrets

    secrets.register(url)  # its password is now redacted from every log line and message too
    return secrets.redact_url(url)


def backend_for(url: str) -> Backend:
    """The backend for a ``NEWSARCHIVE_DATABASE_URL``; ``ValueError`` for an unknown scheme."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from newsarchive.archive.db_sqlite import SqliteBackend

        return SqliteBackend.from_url(url)
    if scheme in ("postgresql", "postgres"):
        from newsarchive.archive.db_postgres import PostgresBackend

        return PostgresBackend.from_url(url)
    raise ValueError(f"NEWSARCHIVE_DATABASE_URL: unsupported scheme {scheme!r} in {redact_url(url)!r} "
                     "(use sqlite:///path or postgresql://user:password@host/db)")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ArticleStore:
    """Articles, origins and revisions in SQLite or PostgreSQL (see the module docs)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.conn: Connection | None = None
        self._in_transaction = False

    @classmethod
    def from_url(cls, url: str) -> ArticleStore:
        return cls(backend_for(url))

    @property
    def display_url(self) -> str:
        return self.backend.display_url

    # -- connection and schema ---------------------------------------------------

    def open(self) -> None:
        """Connect and bring the schema up to date; :class:`StoreError` if the database is unusable."""
        try:
            self.conn = self.backend.connect()
            self._migrate()
        except self.backend.error as exc:
            self.close()
            raise StoreError(f"{self.display_url}: {exc}") from exc

    def _migrate(self) -> None:
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        conn.execute(self.backend.begin)
        try:
            self.backend.lock_schema(conn)
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = int(row[0] or 0)
            for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in statements:
                    conn.execute(statement.format(**self.backend.ddl))
                conn.execute(self.backend.sql("INSERT INTO schema_version (version) VALUES (?)"), (number,))
                logger.info("Database %(url)s: schema migrated to version %(v)d",
                            {"url": self.display_url, "v": number})
            conn.execute("COMMIT")
        except BaseException:
            self._quiet("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back."""
        conn, self.conn = self.conn, None
        self._in_transaction = False
        if conn is not None:
            try:
                conn.close()
            except self.backend.error:
                logger.debug("Error closing %(url)s", {"url": self.display_url}, exc_info=True)

    # -- writing -----------------------------------------------------------------

    def upsert(self, record: dict[str, Any]) -> UpsertResult:
        """Insert or update one record inside the current transaction (begun if needed)."""
        article, citation = split_record(record)
        url = article["url"]
        self._begin()
        conn = self._conn()
        try:
            conn.execute("SAVEPOINT article")
            result = self._upsert(conn, url, article, citation)
            conn.execute("RELEASE SAVEPOINT article")
            return result
        except Exception as exc:  # the driver's error, or text it cannot encode: the savepoint covers both
            try:
                conn.execute("ROLLBACK TO SAVEPOINT article")
                conn.execute("RELEASE SAVEPOINT article")
            except self.backend.error:
                self._in_transaction = False
                raise StoreError(f"{self.display_url}: {exc}") from exc
            raise RecordError(f"{url}: {exc}") from exc

    def commit(self) -> None:
        """Commit the current transaction; :class:`StoreError` (and nothing written) if that fails."""
        if not self._in_transaction:
            return
        self._in_transaction = False
        try:
            self._conn().execute("COMMIT")
        except self.backend.error as exc:
            self._quiet("ROLLBACK")
            raise StoreError(f"{self.display_url}: commit failed: {exc}") from exc

    def rollback(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            self._quiet("ROLLBACK")

    def _upsert(self, conn: Connection, url: str, article: dict[str, Any], citation: dict[str, Any]) -> UpsertResult:
        sql = self.backend.sql
        seen = article.get("fetched_at") or now_iso()
        cols = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS) + ", " + ", ".join(f"o.{c}" for c in ORIGIN_COLUMNS)
        row = conn.execute(sql(f"SELECT {cols} FROM articles a LEFT JOIN origins o ON o.article_url = a.url "
                               "WHERE a.url = ?"), (url,)).fetchone()
        if row is None:
            names = ("url", *ARTICLE_COLUMNS, "first_seen_at", "last_seen_at", "revision_count")
            values = (url, *(article.get(c) for c in ARTICLE_COLUMNS), seen, seen, 1)
            conn.execute(sql(f"INSERT INTO articles ({', '.join(names)}) VALUES ({_marks(len(names))})"), values)
            self._write_origin(conn, url, citation)
            self._add_revision(conn, url, article)
            return "new"
        old_article = dict(zip(ARTICLE_COLUMNS, row[: len(ARTICLE_COLUMNS)], strict=True))
        old_citation = dict(zip(ORIGIN_COLUMNS, row[len(ARTICLE_COLUMNS):], strict=True))
        new_content = old_article["content_hash"] != article.get("content_hash")
        changed = new_content or old_citation != citation or any(
            old_article[c] != article.get(c) for c in ARTICLE_COLUMNS if c not in VOLATILE)
        if not changed:
            conn.execute(sql("UPDATE articles SET views = ?, comments = ?, last_seen_at = ? WHERE url = ?"),
                         (article.get("views"), article.get("comments"), seen, url))
            return "unchanged"
        assignments = ", ".join(f"{c} = ?" for c in ARTICLE_COLUMNS)
        conn.execute(sql(f"UPDATE articles SET {assignments}, last_seen_at = ?, "
                         "revision_count = revision_count + ? WHERE url = ?"),
                     (*(article.get(c) for c in ARTICLE_COLUMNS), seen, int(new_content), url))
        self._write_origin(conn, url, citation)
        if new_content:
            self._add_revision(conn, url, article)
        return "updated"

    def _write_origin(self, conn: Connection, url: str, citation: dict[str, Any]) -> None:
        sql = self.backend.sql
        names = ("article_url", *ORIGIN_COLUMNS)
        values = (url, *(citation[c] for c in ORIGIN_COLUMNS))
        updates = ", ".join(f"{c} = excluded.{c}" for c in ORIGIN_COLUMNS)
        conn.execute(sql(f"INSERT INTO origins ({', '.join(names)}) VALUES ({_marks(len(names))}) "
                         f"ON CONFLICT (article_url) DO UPDATE SET {updates}"), values)

    def _add_revision(self, conn: Connection, url: str, article: dict[str, Any]) -> None:
        conn.execute(self.backend.sql(
            "INSERT INTO revisions (article_url, content_hash, title, body, fetched_at, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)"),
            (url, article.get("content_hash"), article.get("title"), article.get("body"),
             article.get("fetched_at"), now_iso()))

    # -- reading -----------------------------------------------------------------

    def iter_articles(self, since: str | None = None, page_size: int = 500) -> Iterator[dict[str, Any]]:
        """Records (``items.Article`` field order, ``origin`` nested) seen on or after *since*
        (an ISO 8601 date or UTC time compared with ``last_seen_at``), in ``url`` order."""
        sql = self.backend.sql
        cols = ", ".join(f"a.{c}" for c in ("url", *ARTICLE_COLUMNS)) + ", " + ", ".join(
            f"o.{c}" for c in ORIGIN_COLUMNS)
        where = "a.url > ?" + (" AND a.last_seen_at >= ?" if since else "")
        query = sql(f"SELECT {cols} FROM articles a LEFT JOIN origins o ON o.article_url = a.url "
                    f"WHERE {where} ORDER BY a.url LIMIT {int(page_size)}")
        after = ""
        while True:
            rows = self._conn().execute(query, (after, since) if since else (after,)).fetchall()
            for row in rows:
                yield join_record(row)
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    def revisions(self, url: str) -> list[dict[str, Any]]:
        rows = self._conn().execute(self.backend.sql(
            "SELECT content_hash, title, body, fetched_at FROM revisions WHERE article_url = ? ORDER BY id"),
            (url,)).fetchall()
        return [dict(zip(("content_hash", "title", "body", "fetched_at"), row, strict=True)) for row in rows]

    def article_row(self, url: str) -> dict[str, Any] | None:
        names = ("url", *ARTICLE_COLUMNS, "first_seen_at", "last_seen_at", "revision_count")
        row = self._conn().execute(self.backend.sql(f"SELECT {', '.join(names)} FROM articles WHERE url = ?"),
                                   (url,)).fetchone()
        return None if row is None else dict(zip(names, row, strict=True))

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # -- helpers -----------------------------------------------------------------

    def _conn(self) -> Connection:
        if self.conn is None:
            raise StoreError(f"{self.display_url}: not open")
        return self.conn

    def _begin(self) -> None:
        if not self._in_transaction:
            try:
                self._conn().execute(self.backend.begin)
            except self.backend.error as exc:
                raise StoreError(f"{self.display_url}: {exc}") from exc
            self._in_transaction = True

    def _quiet(self, statement: str) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(statement)
        except self.backend.error:
            logger.debug("%(sql)s failed on %(url)s", {"sql": statement, "url": self.display_url}, exc_info=True)


def split_record(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(article fields incl. url, origins columns)`` of a record; :class:`RecordError` if it has no url."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        raise RecordError(f"record without a url: {sorted(record)[:8]}")
    article = {"url": url, **{c: record.get(c) for c in ARTICLE_COLUMNS}}
    citation: dict[str, Any] = {column: record.get(name) for name, column in CITATION_COLUMNS.items()}
    citation["status"] = citation["status"] or "not_attempted"
    origin = record.get("origin")
    if origin is not None and not isinstance(origin, dict):
        raise RecordError(f"{url}: origin is not an object: {type(origin).__name__}")
    for name in ORIGIN_FIELDS:
        citation[name] = (origin or {}).get(name)
    return article, citation


def join_record(row: Sequence[Any]) -> dict[str, Any]:
    """A record in ``items.Article`` field order from an ``articles`` + ``origins`` row."""
    head = 1 + len(ARTICLE_COLUMNS)
    article = dict(zip(("url", *ARTICLE_COLUMNS), row[:head], strict=True))
    citation = dict(zip(ORIGIN_COLUMNS, row[head:], strict=True))
    flat = {**article, **{name: citation[column] for name, column in CITATION_COLUMNS.items()}}
    flat["origin_status"] = flat["origin_status"] or "not_attempted"
    # origin.url is required in the record: no url, no extracted origin
    flat["origin"] = {name: citation[name] for name in ORIGIN_FIELDS} if citation["url"] is not None else None
    return {name: flat.get(name) for name in ARTICLE_FIELDS}


def _marks(n: int) -> str:
    return ", ".join("?" * n)
