"""The article database: schema, migrations, upsert under the never-downgrade rule, history, export.

:class:`ArticleStore` speaks to SQLite (:mod:`~newsarchive.archive.db_sqlite`,
the default) or PostgreSQL (:mod:`~newsarchive.archive.db_postgres`, needs the
``postgres`` extra; imported only for ``postgresql://`` URLs) with the same SQL.

Tables (a *capture* is one download of an article page, one record of the crawl):

- ``articles``: one row per article, keyed by ``url``, the archive key: the canonical URL
  (:func:`newsarchive.urls.canonical_url`: tracking parameters and fragment removed,
  ``https`` for icma.az). Every value of the row comes from **one** capture, the latest
  *complete* one (``fetched_at``, ``warc_record_id``, ``views``, ``comments``, title, body …),
  plus ``first_seen_at``, ``last_seen_at`` (latest capture of any kind), ``revision_count``,
  ``gone_at``/``gone_status`` (the page answered 404/410 after it was archived; the row is
  never deleted), ``schema_version`` (of the record) and ``published_at_iso``/``fetched_at_iso``
  (the record's exact strings, see Timestamps);
- ``observations``: one row per capture, ``(article_url, fetched_at, status, views, comments,
  content_hash, warc_record_id)`` plus ``http_status`` and ``recorded_at``: the time series of
  the counters; ``status`` is ``ok`` (a complete capture), ``partial`` (title or body missing,
  or, under the same title, a body that stops inside the archived one's text: recorded, not
  applied) or ``gone``
  (404/410);
- ``revisions``: one row per distinct content (``content_hash``) of an article, with the
  title, body, ``fetched_at`` and ``warc_record_id`` of the capture that first showed it and
  ``previous_hash`` (the content it replaced): ``scrapy export-db --history`` computes the
  diff from the previous revision;
- ``origins``: one row per article (``article_url``): the archived original (``cited_url``,
  ``status``, ``note``, ``method``, ``similarity`` and the fields of the record's ``origin``,
  ``origin.key`` as ``origin_key``: the original's identity, one for all its URLs, indexed, so
  ``SELECT article_url FROM origins WHERE origin_key = ?`` lists every article citing one
  original; ``fetched_at``: the capture that stored it) and the latest attempt (``last_status``,
  ``last_note``, ``last_attempt_at``), which may differ (an ``ok`` origin stays when a later
  attempt finds the site down);
- ``origin_attempts``: one row per capture's origin outcome (``attempted_at``, ``status``,
  ``note``, ``cited_url``, ``method``, ``similarity``, ``url``, ``origin_key``, ``content_hash``, ``stored``:
  whether it became the archived origin); the origin's text (``title``, ``body``, ``author``,
  ``published_at_iso``, ``published_at_raw``, ``site``) only when an ``ok`` capture brought a
  new text: the origin's revisions;
- ``aliases``: ``alias_url`` -> ``article_url``: other URLs of the same article (another slug
  with the same icma id, edition and kind; the newer slug is the key).

The never-downgrade rule, per field (what a later capture may change):

=============================  ==============================================================
field                          rule
=============================  ==============================================================
articles.url                   the newest slug of the article; older ones go to ``aliases``
title, body, author,           replaced only by a newer *complete* capture; a changed
content_hash, published_at*,   ``content_hash`` adds a revision. A partial capture (no title,
source_*, article_id, kind,    no body, or the same title with a body cut off inside the
lang, schema_version           archived text) or an older one (a replay of old WARCs) never
                               replaces them
views, comments, fetched_at,   from the latest complete capture, all four together (the row
warc_record_id                 names the capture its values come from)
first_seen_at                  the first capture; never changes
last_seen_at                   the latest capture of any kind (complete, partial, gone)
gone_at, gone_status           set by the first 404/410 of the article's URL (not an alias)
                               newer than the archived capture; cleared by a newer complete
                               capture (the page came back)
origins (the archived origin)  an ``ok`` origin is replaced only by a newer ``ok`` one with a
                               body (or when it had none); ``not_found``/``unreachable``/
                               ``blocked`` replace each other (newest wins) and
                               ``not_attempted``; ``not_attempted`` replaces nothing
                               (a capture already archived, replayed, replaces only with ``ok``)
origins.last_*                 the latest attempt, whatever its outcome
observations, origin_attempts  append-only, one row per capture (a capture already recorded,
                               same ``warc_record_id``, is not recorded again; its re-extraction
                               applies as a capture of the same time: replay is idempotent)
revisions                      append-only; an older capture with content never seen adds its
                               revision with its own ``fetched_at``
aliases                        append-only
=============================  ==============================================================

:meth:`ArticleStore.upsert` returns ``"new"``, ``"updated"`` (the archived content, an
archived field or the archived origin changed), ``"unchanged"`` (only the capture's counters
and pointers moved, or nothing did), or for an :class:`~newsarchive.items.ArticleGone` event
(written as ``{"gone": status, "url": …, "fetched_at": …, "warc_record_id": …}``) ``"gone"``
(the article is now marked gone), ``"unchanged"`` or ``"ignored"`` (a URL never archived).
Each record runs in a savepoint of the caller's transaction: a record the database refuses
raises :class:`RecordError` and leaves the transaction usable; a lost connection raises
:class:`StoreError`. Nothing is written until :meth:`ArticleStore.commit`.

Timestamps: ISO 8601 text in SQLite, ``timestamptz`` in PostgreSQL (migration 2 converts the
text of older archives). A ``timestamptz`` keeps the instant, not the offset or precision the
record was written with (``+04:00``, a bare date), so the record's own strings are also kept
in ``published_at_iso``/``fetched_at_iso`` and an export gives back exactly what was archived.
Other timestamps come back as UTC ``…Z`` (microseconds when there are any).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsarchive.archive.search import SEARCH_MIGRATION
from newsarchive.discovery import article_identity
from newsarchive.items import Article, Origin
from newsarchive.origin.identity import origin_key
from newsarchive.urls import canonical_url

logger = logging.getLogger(__name__)

UpsertResult = Literal["new", "updated", "unchanged", "gone", "ignored"]

ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
ORIGIN_FIELDS = tuple(f.name for f in fields(Origin))
#: Record fields stored in ``articles`` (``url`` is the key).
ARTICLE_COLUMNS = ("article_id", "kind", "lang", "title", "body", "author", "views", "comments", "published_at",
                   "published_at_raw", "source_name", "source_url", "fetched_at", "content_hash", "warc_record_id",
                   "schema_version")
#: Record timestamps whose exact string is also kept in a ``<name>_iso`` column (see the module docs).
ISO_COLUMNS = ("published_at", "fetched_at")
#: Record field -> ``origins`` column.
CITATION_COLUMNS = {"origin_url": "cited_url", "origin_status": "status", "origin_method": "method",
                    "origin_similarity": "similarity", "origin_note": "note"}
#: Origin field -> ``origins`` column: the same name, but ``key`` is ``origin_key``.
ORIGIN_FIELD_COLUMNS = {name: "origin_key" if name == "key" else name for name in ORIGIN_FIELDS}
ORIGIN_COLUMNS = tuple(CITATION_COLUMNS.values()) + tuple(ORIGIN_FIELD_COLUMNS.values())
#: Origin fields that are lists or objects, stored as JSON text.
ORIGIN_JSON_FIELDS = frozenset({"authors", "field_methods", "flags"})
#: Fields that change on every visit without making a new state of the article.
VOLATILE = frozenset({"views", "comments", "fetched_at", "warc_record_id"})
#: Columns not compared to tell an "updated" article (timestamps compare by their ``*_iso`` string; a
#: newer record shape is not a change of the article).
UNCOMPARED = VOLATILE | {"published_at", "schema_version"}
#: What an archived origin status may be replaced by (besides ``ok``, see :func:`origin_replaces`).
OUTCOMES = frozenset({"not_found", "unreachable", "blocked"})
#: ``schema_version`` of records written before records carried one.
FIRST_SCHEMA_VERSION = "1.0"
BAKU = ZoneInfo("Asia/Baku")

#: Migrations in order; ``schema_version`` holds how many have been applied.
#: ``{id}``, ``{float}`` and ``{ts}`` (a timestamp column) are filled in by the backend. A statement
#: starting with ``-- only postgresql`` (or ``-- only sqlite``) runs on that database alone.
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
    # 2: history (observations, origin attempts, aliases, revision links), gone articles, record schema
    # versions, exact record timestamps; PostgreSQL timestamps become timestamptz.
    [
        "ALTER TABLE articles ADD COLUMN published_at_iso TEXT",
        "ALTER TABLE articles ADD COLUMN fetched_at_iso TEXT",
        "ALTER TABLE articles ADD COLUMN gone_at {ts}",
        "ALTER TABLE articles ADD COLUMN gone_status INTEGER",
        "ALTER TABLE articles ADD COLUMN schema_version TEXT",
        "UPDATE articles SET published_at_iso = published_at, fetched_at_iso = fetched_at, "
        f"schema_version = '{FIRST_SCHEMA_VERSION}'",
        "CREATE INDEX articles_identity ON articles (article_id, kind)",
        "ALTER TABLE origins ADD COLUMN note TEXT",
        "ALTER TABLE origins ADD COLUMN published_at_iso TEXT",
        "ALTER TABLE origins ADD COLUMN fetched_at {ts}",
        "ALTER TABLE origins ADD COLUMN last_status TEXT",
        "ALTER TABLE origins ADD COLUMN last_note TEXT",
        "ALTER TABLE origins ADD COLUMN last_attempt_at {ts}",
        "UPDATE origins SET published_at_iso = published_at, last_status = status",
        # PostgreSQL: text timestamps become timestamptz (what cannot be read becomes NULL; the
        # exact strings of the records stay in the *_iso columns); a string without an offset is Baku time
        "-- only postgresql\nSET LOCAL TIME ZONE 'Asia/Baku'",
        """-- only postgresql
        CREATE FUNCTION pg_temp.newsarchive_ts(value text) RETURNS timestamptz AS $$
        BEGIN
            RETURN value::timestamptz;
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        """-- only postgresql
        ALTER TABLE articles
            ALTER COLUMN published_at TYPE timestamptz USING pg_temp.newsarchive_ts(published_at),
            ALTER COLUMN fetched_at TYPE timestamptz USING pg_temp.newsarchive_ts(fetched_at),
            ALTER COLUMN first_seen_at TYPE timestamptz USING pg_temp.newsarchive_ts(first_seen_at),
            ALTER COLUMN last_seen_at TYPE timestamptz USING pg_temp.newsarchive_ts(last_seen_at)""",
        """-- only postgresql
        ALTER TABLE origins ALTER COLUMN published_at TYPE timestamptz USING pg_temp.newsarchive_ts(published_at)""",
        """-- only postgresql
        ALTER TABLE revisions
            ALTER COLUMN fetched_at TYPE timestamptz USING pg_temp.newsarchive_ts(fetched_at),
            ALTER COLUMN recorded_at TYPE timestamptz USING pg_temp.newsarchive_ts(recorded_at)""",
        "-- only postgresql\nDROP FUNCTION pg_temp.newsarchive_ts(text)",
        "UPDATE origins SET fetched_at = (SELECT a.fetched_at FROM articles a WHERE a.url = origins.article_url)",
        "ALTER TABLE revisions ADD COLUMN previous_hash TEXT",
        "ALTER TABLE revisions ADD COLUMN warc_record_id TEXT",
        """UPDATE revisions SET
            previous_hash = (SELECT r.content_hash FROM revisions r
                             WHERE r.article_url = revisions.article_url AND r.id < revisions.id
                             ORDER BY r.id DESC LIMIT 1),
            warc_record_id = (SELECT a.warc_record_id FROM articles a
                              WHERE a.url = revisions.article_url AND a.fetched_at = revisions.fetched_at)""",
        """CREATE TABLE observations (
            id {id},
            article_url TEXT NOT NULL REFERENCES articles(url) ON DELETE CASCADE,
            fetched_at {ts}, status TEXT NOT NULL, views INTEGER, comments INTEGER, content_hash TEXT,
            warc_record_id TEXT, http_status INTEGER, recorded_at {ts} NOT NULL)""",
        "CREATE INDEX observations_article ON observations (article_url, fetched_at)",
        "CREATE INDEX observations_warc_record_id ON observations (warc_record_id)",
        # what 1.0 archives knew of their captures: the capture of each revision, and the last visit's counters
        """INSERT INTO observations (article_url, fetched_at, status, content_hash, warc_record_id, recorded_at)
            SELECT article_url, fetched_at, 'ok', content_hash, warc_record_id, recorded_at FROM revisions""",
        """UPDATE observations SET
            views = (SELECT a.views FROM articles a WHERE a.url = observations.article_url),
            comments = (SELECT a.comments FROM articles a WHERE a.url = observations.article_url)
            WHERE fetched_at = (SELECT a.last_seen_at FROM articles a WHERE a.url = observations.article_url)""",
        """INSERT INTO observations (article_url, fetched_at, status, views, comments, recorded_at)
            SELECT url, last_seen_at, 'ok', views, comments, last_seen_at FROM articles a
            WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.article_url = a.url
                              AND o.fetched_at = a.last_seen_at)""",
        """CREATE TABLE origin_attempts (
            id {id},
            article_url TEXT NOT NULL REFERENCES articles(url) ON DELETE CASCADE,
            attempted_at {ts}, status TEXT NOT NULL, note TEXT, cited_url TEXT, method TEXT, similarity {float},
            url TEXT, content_hash TEXT, stored INTEGER NOT NULL,
            title TEXT, body TEXT, author TEXT, published_at_iso TEXT, published_at_raw TEXT, site TEXT,
            recorded_at {ts} NOT NULL)""",
        "CREATE INDEX origin_attempts_article ON origin_attempts (article_url, attempted_at)",
        """INSERT INTO origin_attempts (article_url, attempted_at, status, note, cited_url, method, similarity, url,
                                        stored, title, body, author, published_at_iso, published_at_raw, site,
                                        recorded_at)
            SELECT o.article_url, a.fetched_at, o.status, NULL, o.cited_url, o.method, o.similarity, o.url, 1,
                   o.title, o.body, o.author, o.published_at_iso, o.published_at_raw, o.site, a.last_seen_at
            FROM origins o JOIN articles a ON a.url = o.article_url""",
        """CREATE TABLE aliases (
            alias_url TEXT PRIMARY KEY,
            article_url TEXT NOT NULL REFERENCES articles(url) ON DELETE CASCADE,
            first_seen_at {ts} NOT NULL)""",
        "CREATE INDEX aliases_article_url ON aliases (article_url)",
    ],
    # 3: origin: person names, publisher, modified_at, where each field came from (JSON text columns)
    [
        "ALTER TABLE origins ADD COLUMN authors TEXT",
        "ALTER TABLE origins ADD COLUMN publisher TEXT",
        "ALTER TABLE origins ADD COLUMN modified_at TEXT",
        "ALTER TABLE origins ADD COLUMN field_methods TEXT",
        "ALTER TABLE origins ADD COLUMN flags TEXT",
    ],
    # 4: full-text search with Azerbaijani folding, kept in step by the database (newsarchive.archive.search)
    SEARCH_MIGRATION,
    # 5: the cited original's identity (origin.key, newsarchive.origin.identity), indexed: every article
    # citing one original is one query; filled in for archived origins by MIGRATION_STEPS[5]
    [
        "ALTER TABLE origins ADD COLUMN origin_key TEXT",
        "ALTER TABLE origin_attempts ADD COLUMN origin_key TEXT",
        "CREATE INDEX origins_origin_key ON origins (origin_key)",
        "CREATE INDEX origin_attempts_origin_key ON origin_attempts (origin_key)",
    ],
]


def _fill_origin_keys(conn: Connection, sql: Callable[[str], str]) -> None:
    """Migration 5: the identity of every archived original, from its URL (the page's own canonical URL,
    which a crawl also reads, is not archived: such an original keeps its URL's key until a capture)."""
    for table, key in (("origins", "article_url"), ("origin_attempts", "id")):
        rows = conn.execute(f"SELECT {key}, url FROM {table} WHERE url IS NOT NULL AND origin_key IS NULL").fetchall()
        for row_key, url in rows:
            conn.execute(sql(f"UPDATE {table} SET origin_key = ? WHERE {key} = ?"), (origin_key(str(url)), row_key))


#: Steps of a migration that SQL alone cannot do, run after its statements: number -> step.
MIGRATION_STEPS: dict[int, Callable[[Connection, Callable[[str], str]], None]] = {5: _fill_origin_keys}


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
    """``id``, ``float`` and ``ts`` (timestamp) column types for the migrations."""
    dialect: str
    """``sqlite`` or ``postgresql``: which ``-- only <dialect>`` migration statements run."""

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


def parse_ts(value: object) -> datetime | None:
    """An ISO 8601 string (or a datetime) as an aware datetime; a bare date or a time without an
    offset is Baku time; ``None`` when it cannot be read."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BAKU)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=BAKU)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BAKU)


def format_ts(value: object) -> str | None:
    """A database timestamp as ISO 8601: a ``timestamptz`` as UTC ``…Z`` (microseconds only when there
    are any); a string (SQLite) as it is."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def later(a: object, b: object) -> bool:
    """Whether timestamp *a* is at or after *b* (an unreadable or missing *b* counts as earlier)."""
    ta, tb = parse_ts(a), parse_ts(b)
    if tb is None:
        return True
    return ta is not None and ta >= tb


def text_hash(*parts: str | None) -> str:
    return "sha256:" + hashlib.sha256("\n\n".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def is_complete(title: object, body: object, archived_title: object = None, archived_body: object = None) -> bool:
    """A capture that may replace the archived content: a title and a body, and not, under the same
    title, a body cut off inside the archived one (a truncated download: the archived body goes on
    after it in the same paragraph; an edit that drops whole paragraphs is complete)."""
    if not (isinstance(title, str) and title.strip() and isinstance(body, str) and body.strip()):
        return False
    if isinstance(archived_body, str) and title == archived_title:
        new, old = body.strip(), archived_body.strip()
        if len(new) < len(old) and old.startswith(new) and not old[len(new):].startswith("\n\n"):
            return False
    return True


def origin_replaces(old: dict[str, Any] | None, new: dict[str, Any], newer: bool) -> bool:
    """Whether the origin outcome *new* replaces the archived *old* (the never-downgrade rule)."""
    if old is None:
        return True
    before, after = old.get("status") or "not_attempted", new.get("status") or "not_attempted"
    if after == "not_attempted":
        return False
    if after == "ok":
        if before != "ok":
            return True
        return newer and (bool(new.get("body")) or not old.get("body"))
    if before == "ok":
        return False
    return before == "not_attempted" or newer  # not_found / unreachable / blocked: the newest known outcome


class ArticleStore:
    """Articles, their history, origins and aliases in SQLite or PostgreSQL (see the module docs)."""

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

    @property
    def typed_timestamps(self) -> bool:
        """Whether timestamp columns are ``timestamptz`` (PostgreSQL) rather than ISO text (SQLite)."""
        return self.backend.ddl.get("ts", "TEXT").upper() != "TEXT"

    def ts(self, value: object) -> Any:
        """*value* (a record's ISO string) as a parameter of a timestamp column."""
        if not self.typed_timestamps:
            return value
        return parse_ts(value)

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
                    if for_dialect(statement, self.backend.dialect):
                        conn.execute(statement.format(**self.backend.ddl))
                if number in MIGRATION_STEPS:
                    MIGRATION_STEPS[number](conn, self.backend.sql)
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
        """Insert or update one record (or apply one ``gone`` event) inside the current transaction
        (begun if needed), under the never-downgrade rule of the module docs."""
        if "gone" in record:
            url = record.get("url")
            if not isinstance(url, str) or not url:
                raise RecordError(f"gone event without a url: {sorted(record)[:8]}")
            url = canonical_url(url)
        else:
            article, citation = split_record(record)
            url = article["url"]
        self._begin()
        conn = self._conn()
        try:
            conn.execute("SAVEPOINT article")
            if "gone" in record:
                result: UpsertResult = self._gone(conn, url, record)
            else:
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

    def _select_article(self, conn: Connection, url: str) -> dict[str, Any] | None:
        names = ("url", *ARTICLE_COLUMNS, "published_at_iso", "fetched_at_iso", "last_seen_at", "gone_at")
        row = conn.execute(self.backend.sql(f"SELECT {', '.join(names)} FROM articles WHERE url = ?"),
                           (url,)).fetchone()
        return None if row is None else dict(zip(names, row, strict=True))

    def _resolve(self, conn: Connection, url: str, *, same_id: bool = True) -> str | None:
        """The archived row's url for *url*: itself, an alias's article, or (*same_id*) the row of
        another URL of the same icma article (same host, edition, kind and id)."""
        sql = self.backend.sql
        if conn.execute(sql("SELECT 1 FROM articles WHERE url = ?"), (url,)).fetchone():
            return url
        row = conn.execute(sql("SELECT article_url FROM aliases WHERE alias_url = ?"), (url,)).fetchone()
        if row is not None:
            return str(row[0])
        identity = article_identity(url) if same_id else None
        if identity is None:
            return None
        rows = conn.execute(sql("SELECT url FROM articles WHERE article_id = ? AND kind = ?"),
                            (identity[3], identity[2])).fetchall()
        same = sorted(str(r[0]) for r in rows if article_identity(str(r[0])) == identity)
        return same[0] if same else None

    def _upsert(self, conn: Connection, url: str, article: dict[str, Any], citation: dict[str, Any]) -> UpsertResult:
        sql = self.backend.sql
        seen = article.get("fetched_at") or now_iso()
        target = self._resolve(conn, url)
        if target is None:
            names = ("url", *ARTICLE_COLUMNS, *(f"{c}_iso" for c in ISO_COLUMNS),
                     "first_seen_at", "last_seen_at", "revision_count")
            values = (url, *(self._column_value(c, article.get(c)) for c in ARTICLE_COLUMNS),
                      *(article.get(c) for c in ISO_COLUMNS), self.ts(seen), self.ts(seen), 1)
            conn.execute(sql(f"INSERT INTO articles ({', '.join(names)}) VALUES ({_marks(len(names))})"), values)
            self._observe(conn, url, seen, "ok", article)
            self._add_revision(conn, url, article, None)
            self._apply_origin(conn, url, citation, seen, newer=True)
            return "new"
        wid = article.get("warc_record_id")
        # a capture archived already (a replay of the same WARC, maybe by a better extractor): the rules
        # apply as for a capture of the same time, but it is not observed (or attempted) twice
        again = bool(wid) and conn.execute(sql(
            "SELECT 1 FROM observations WHERE article_url = ? AND warc_record_id = ?"), (target, wid)).fetchone() \
            is not None
        old = self._select_article(conn, target)
        assert old is not None
        newer = later(seen, old["fetched_at_iso"])
        complete = is_complete(article.get("title"), article.get("body"), old["title"], old["body"])
        if not again:
            self._observe(conn, target, seen, "ok" if complete else "partial", article)
        if target != url and newer and complete:
            self._rename(conn, target, url, seen)  # the newer slug wins
            target = url
        elif target != url:
            self._alias(conn, url, target, seen)
        origin_changed = self._apply_origin(conn, target, citation, seen, newer=newer, attempt=not again)
        known = {str(r[0]) for r in conn.execute(sql("SELECT content_hash FROM revisions WHERE article_url = ?"),
                                                 (target,)).fetchall()}
        new_content = complete and old["content_hash"] != article.get("content_hash")
        if not (newer and complete):
            if complete and article.get("content_hash") not in known:
                self._add_revision(conn, target, article, None)  # an older capture's content: history only
            if later(seen, old["last_seen_at"]):
                conn.execute(sql("UPDATE articles SET last_seen_at = ? WHERE url = ?"), (self.ts(seen), target))
            return "updated" if origin_changed else "unchanged"
        changed = new_content or origin_changed or old["gone_at"] is not None or any(
            old[c] != article.get(c) for c in ARTICLE_COLUMNS if c not in UNCOMPARED) or (
            old["published_at_iso"] != article.get("published_at"))
        row_values = [self._column_value(c, article.get(c)) for c in ARTICLE_COLUMNS]
        assignments = ", ".join(f"{c} = ?" for c in ARTICLE_COLUMNS)
        conn.execute(sql(f"UPDATE articles SET {assignments}, published_at_iso = ?, fetched_at_iso = ?, "
                         "last_seen_at = ?, gone_at = NULL, gone_status = NULL, "
                         "revision_count = revision_count + ? WHERE url = ?"),
                     (*row_values, article.get("published_at"), article.get("fetched_at"), self.ts(seen),
                      int(new_content), target))
        if new_content:
            self._add_revision(conn, target, article, old["content_hash"])
        return "updated" if changed else "unchanged"

    def _column_value(self, column: str, value: Any) -> Any:
        if column in ISO_COLUMNS:
            return self.ts(value)
        if column == "schema_version":
            return value or FIRST_SCHEMA_VERSION
        return value

    def _observe(self, conn: Connection, url: str, seen: str, status: str, article: dict[str, Any],
                 http_status: int | None = 200) -> None:
        conn.execute(self.backend.sql(
            "INSERT INTO observations (article_url, fetched_at, status, views, comments, content_hash, "
            "warc_record_id, http_status, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (url, self.ts(seen), status, article.get("views"), article.get("comments"), article.get("content_hash"),
             article.get("warc_record_id"), http_status, self.ts(now_iso())))

    def _add_revision(self, conn: Connection, url: str, article: dict[str, Any], previous: str | None) -> None:
        conn.execute(self.backend.sql(
            "INSERT INTO revisions (article_url, content_hash, previous_hash, title, body, fetched_at, "
            "warc_record_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            (url, article.get("content_hash"), previous, article.get("title"), article.get("body"),
             self.ts(article.get("fetched_at")), article.get("warc_record_id"), self.ts(now_iso())))

    def _alias(self, conn: Connection, alias: str, url: str, seen: str) -> None:
        sql = self.backend.sql
        conn.execute(sql("DELETE FROM aliases WHERE alias_url = ?"), (alias,))
        conn.execute(sql("INSERT INTO aliases (alias_url, article_url, first_seen_at) VALUES (?, ?, ?)"),
                     (alias, url, self.ts(seen)))

    def _rename(self, conn: Connection, old: str, new: str, seen: str) -> None:
        """Re-key article *old* as *new* (its history follows); *old* becomes an alias."""
        sql = self.backend.sql
        cols = [c for c in self._columns(conn, "articles") if c != "url"]
        conn.execute(sql(f"INSERT INTO articles (url, {', '.join(cols)}) SELECT ?, {', '.join(cols)} "
                         "FROM articles WHERE url = ?"), (new, old))
        for table in ("observations", "revisions", "origins", "origin_attempts", "aliases"):
            conn.execute(sql(f"UPDATE {table} SET article_url = ? WHERE article_url = ?"), (new, old))
        conn.execute(sql("DELETE FROM articles WHERE url = ?"), (old,))
        conn.execute(sql("DELETE FROM aliases WHERE alias_url = ?"), (new,))
        self._alias(conn, old, new, seen)

    def _columns(self, conn: Connection, table: str) -> list[str]:
        cursor = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        return [d[0] for d in cursor.description]

    def _apply_origin(self, conn: Connection, url: str, citation: dict[str, Any], seen: str, *,
                      newer: bool, attempt: bool = True) -> bool:
        """Record the origin attempt (unless not *attempt*: a capture seen before); store it as the
        archived origin if the rule allows. Whether the archived origin changed."""
        sql = self.backend.sql
        names = ("status", "body", "title", "author", "published_at_iso", "published_at_raw", "site", "url",
                 "cited_url", "method", "similarity", "note", "last_attempt_at")
        row = conn.execute(sql(f"SELECT {', '.join(names)} FROM origins WHERE article_url = ?"), (url,)).fetchone()
        old = None if row is None else dict(zip(names, row, strict=True))
        ok = citation["status"] == "ok"
        new_hash = text_hash(citation.get("title"), citation.get("body")) if ok else None
        old_hash = text_hash(old.get("title"), old.get("body")) if old and old["status"] == "ok" else None
        # a capture seen before (a replay) knows nothing new of the cited site: its failures replace nothing
        store = origin_replaces(old, citation, newer and (attempt or ok))
        latest = attempt and (old is None or later(seen, old["last_attempt_at"]))
        new_text = store and ok and new_hash != old_hash
        if attempt:
            self._attempt(conn, url, citation, seen, new_hash, store, new_text)
        if store:
            values = [self.ts(citation[c]) if c == "published_at" else citation[c] for c in ORIGIN_COLUMNS]
            columns = (*ORIGIN_COLUMNS, "published_at_iso", "fetched_at")
            values += [citation.get("published_at"), self.ts(seen)]
            if latest:
                columns += ("last_status", "last_note", "last_attempt_at")
                values += [citation["status"], citation.get("note"), self.ts(seen)]
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
            conn.execute(sql(f"INSERT INTO origins (article_url, {', '.join(columns)}) "
                             f"VALUES ({_marks(len(columns) + 1)}) "
                             f"ON CONFLICT (article_url) DO UPDATE SET {updates}"), (url, *values))
        elif latest:
            conn.execute(sql("UPDATE origins SET last_status = ?, last_note = ?, last_attempt_at = ? "
                             "WHERE article_url = ?"), (citation["status"], citation.get("note"), self.ts(seen), url))
        if not store or old is None:
            return store and old is not None
        before = {**{c: old.get(c) for c in ("status", "cited_url", "method", "similarity", "note")},
                  "hash": old_hash, "url": old.get("url")}
        after = {**{c: citation.get(c) for c in ("status", "cited_url", "method", "similarity", "note")},
                 "hash": new_hash, "url": citation.get("url")}
        return before != after

    def _attempt(self, conn: Connection, url: str, citation: dict[str, Any], seen: str, new_hash: str | None,
                 store: bool, new_text: bool) -> None:
        conn.execute(self.backend.sql(
            "INSERT INTO origin_attempts (article_url, attempted_at, status, note, cited_url, method, similarity, "
            "url, origin_key, content_hash, stored, title, body, author, published_at_iso, published_at_raw, site, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (url, self.ts(seen), citation["status"], citation.get("note"), citation.get("cited_url"),
             citation.get("method"), citation.get("similarity"), citation.get("url"), citation.get("origin_key"),
             new_hash, int(store),
             *((citation.get(c) for c in ("title", "body", "author", "published_at", "published_at_raw", "site"))
               if new_text else (None,) * 6), self.ts(now_iso())))

    def _gone(self, conn: Connection, url: str, event: dict[str, Any]) -> UpsertResult:
        """An archived article's page answered 404/410: mark it gone (never delete it)."""
        sql = self.backend.sql
        # a URL never archived (another slug of an archived id included) says nothing of an article
        target = self._resolve(conn, url, same_id=False)
        if target is None:
            return "ignored"
        wid = event.get("warc_record_id")
        if wid and conn.execute(sql("SELECT 1 FROM observations WHERE article_url = ? AND warc_record_id = ?"),
                                (target, wid)).fetchone():
            return "unchanged"
        seen = event.get("fetched_at") or now_iso()
        status = event.get("gone")
        http_status = status if isinstance(status, int) else None
        self._observe(conn, target, seen, "gone", {"warc_record_id": wid}, http_status=http_status)
        old = self._select_article(conn, target)
        assert old is not None
        if later(seen, old["last_seen_at"]):
            conn.execute(sql("UPDATE articles SET last_seen_at = ? WHERE url = ?"), (self.ts(seen), target))
        # an old alias answering 404 says nothing of the article under its current URL
        if target == url and old["gone_at"] is None and later(seen, old["fetched_at_iso"]):
            conn.execute(sql("UPDATE articles SET gone_at = ?, gone_status = ? WHERE url = ?"),
                         (self.ts(seen), http_status, target))
            return "gone"
        return "unchanged"

    # -- reading -----------------------------------------------------------------

    def iter_articles(self, since: str | None = None, page_size: int = 500, *,
                      published_since: str | None = None) -> Iterator[dict[str, Any]]:
        """Records (``items.Article`` field order, ``origin`` nested), in ``url`` order: the archived state
        of every article. *since* (a date, UTC) keeps articles captured on or after it (``last_seen_at``),
        *published_since* (a date, Baku time) articles published on or after it (``published_at``)."""
        sql = self.backend.sql
        cols = ", ".join(f"a.{c}" for c in ("url", *ARTICLE_COLUMNS)) + ", " + ", ".join(
            f"o.{c}" for c in ORIGIN_COLUMNS) + ", a.published_at_iso, a.fetched_at_iso, o.published_at_iso"
        where, params = ["a.url > ?"], []
        if since:
            where.append("a.last_seen_at >= ?")
            params.append(self._date_param(since, UTC))
        if published_since:
            if self.typed_timestamps:
                where.append("a.published_at >= ?")
                params.append(self._date_param(published_since, BAKU))
            else:  # ISO text with the Baku offset: its first ten characters are the Baku date
                where.append("substr(a.published_at_iso, 1, 10) >= ?")
                params.append(published_since)
        query = sql(f"SELECT {cols} FROM articles a LEFT JOIN origins o ON o.article_url = a.url "
                    f"WHERE {' AND '.join(where)} ORDER BY a.url LIMIT {int(page_size)}")
        after = ""
        while True:
            rows = self._conn().execute(query, (after, *params)).fetchall()
            for row in rows:
                yield join_record(row)
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    def _date_param(self, day: str, zone: Any) -> Any:
        if not self.typed_timestamps:
            return day
        value = date.fromisoformat(day)
        return datetime(value.year, value.month, value.day, tzinfo=zone)

    def iter_history(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        """The history as events, article by article (``url`` order) then in time order: ``observation``,
        ``revision`` (with ``previous_hash``) and ``origin_attempt`` rows, each a dict with ``type``.
        *since* (a date, UTC) keeps events captured on or after it."""
        sql = self.backend.sql
        tables = {
            "observation": ("observations", "fetched_at",
                            ("fetched_at", "status", "http_status", "views", "comments", "content_hash",
                             "warc_record_id")),
            "revision": ("revisions", "fetched_at",
                         ("fetched_at", "content_hash", "previous_hash", "title", "body", "warc_record_id")),
            "origin_attempt": ("origin_attempts", "attempted_at",
                               ("attempted_at", "status", "note", "cited_url", "method", "similarity", "url",
                                "origin_key", "content_hash", "stored", "title", "body", "author", "published_at_iso",
                                "published_at_raw", "site")),
        }
        urls = [str(r[0]) for r in self._conn().execute("SELECT url FROM articles ORDER BY url").fetchall()]
        for url in urls:
            events: list[tuple[str, int, dict[str, Any]]] = []
            for order, (kind, (table, when, names)) in enumerate(tables.items()):
                where = "article_url = ?" + (f" AND {when} >= ?" if since else "")
                params = (url, self._date_param(since, UTC)) if since else (url,)
                for row in self._conn().execute(sql(f"SELECT {', '.join(names)} FROM {table} WHERE {where} "
                                                    "ORDER BY id"), params).fetchall():
                    event = {"type": kind, "article_url": url, **dict(zip(names, row, strict=True))}
                    event[when] = format_ts(event[when])
                    if kind == "origin_attempt":
                        event["stored"] = bool(event["stored"])
                    events.append((str(event[when] or ""), order, event))
            for _, _, event in sorted(events, key=lambda e: (parse_ts(e[0]) or datetime.min.replace(tzinfo=UTC),
                                                             e[1])):
                yield event

    def revisions(self, url: str) -> list[dict[str, Any]]:
        names = ("content_hash", "previous_hash", "title", "body", "fetched_at", "warc_record_id")
        rows = self._conn().execute(self.backend.sql(
            f"SELECT {', '.join(names)} FROM revisions WHERE article_url = ? ORDER BY id"), (url,)).fetchall()
        out = [dict(zip(names, row, strict=True)) for row in rows]
        for revision in out:
            revision["fetched_at"] = format_ts(revision["fetched_at"])
        return out

    def observations(self, url: str) -> list[dict[str, Any]]:
        names = ("fetched_at", "status", "http_status", "views", "comments", "content_hash", "warc_record_id")
        rows = self._conn().execute(self.backend.sql(
            f"SELECT {', '.join(names)} FROM observations WHERE article_url = ? ORDER BY id"), (url,)).fetchall()
        out = [dict(zip(names, row, strict=True)) for row in rows]
        for observation in out:
            observation["fetched_at"] = format_ts(observation["fetched_at"])
        return out

    def origin_row(self, url: str) -> dict[str, Any] | None:
        names = (*ORIGIN_COLUMNS, "published_at_iso", "fetched_at", "last_status", "last_note", "last_attempt_at")
        row = self._conn().execute(self.backend.sql(f"SELECT {', '.join(names)} FROM origins WHERE article_url = ?"),
                                   (url,)).fetchone()
        if row is None:
            return None
        out = dict(zip(names, row, strict=True))
        out["published_at"] = out.pop("published_at_iso")
        for name in ("fetched_at", "last_attempt_at"):
            out[name] = format_ts(out[name])
        return out

    def aliases(self, url: str) -> list[str]:
        rows = self._conn().execute(self.backend.sql(
            "SELECT alias_url FROM aliases WHERE article_url = ? ORDER BY alias_url"), (url,)).fetchall()
        return [str(r[0]) for r in rows]

    def article_row(self, url: str) -> dict[str, Any] | None:
        names = ("url", *ARTICLE_COLUMNS, "first_seen_at", "last_seen_at", "revision_count", "gone_at",
                 "gone_status", "published_at_iso", "fetched_at_iso")
        row = self._conn().execute(self.backend.sql(f"SELECT {', '.join(names)} FROM articles WHERE url = ?"),
                                   (url,)).fetchone()
        if row is None:
            return None
        out = dict(zip(names, row, strict=True))
        for name in ISO_COLUMNS:
            out[name] = out.pop(f"{name}_iso")
        for name in ("first_seen_at", "last_seen_at", "gone_at"):
            out[name] = format_ts(out[name])
        return out

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
    """``(article fields incl. url, origins columns)`` of a record; :class:`RecordError` if it has no url.
    The url is the archive key (:func:`~newsarchive.urls.canonical_url`)."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        raise RecordError(f"record without a url: {sorted(record)[:8]}")
    url = canonical_url(url)
    article = {"url": url, **{c: record.get(c) for c in ARTICLE_COLUMNS}}
    citation: dict[str, Any] = {column: record.get(name) for name, column in CITATION_COLUMNS.items()}
    citation["status"] = citation["status"] or "not_attempted"
    origin = record.get("origin")
    if origin is not None and not isinstance(origin, dict):
        raise RecordError(f"{url}: origin is not an object: {type(origin).__name__}")
    for name, column in ORIGIN_FIELD_COLUMNS.items():
        citation[column] = (origin or {}).get(name)
        if name in ORIGIN_JSON_FIELDS and citation[column] is not None:
            citation[column] = json.dumps(citation[column], ensure_ascii=False, sort_keys=True)
    return article, citation


def join_record(row: Sequence[Any]) -> dict[str, Any]:
    """A record in ``items.Article`` field order from an ``articles`` + ``origins`` row (+ the three
    ``*_iso`` columns)."""
    head = 1 + len(ARTICLE_COLUMNS)
    article = dict(zip(("url", *ARTICLE_COLUMNS), row[:head], strict=True))
    tail = head + len(ORIGIN_COLUMNS)
    citation = dict(zip(ORIGIN_COLUMNS, row[head:tail], strict=True))
    article_published, article_fetched, origin_published = row[tail:tail + 3]
    article["published_at"] = article_published if article_published is not None else format_ts(
        article["published_at"])
    article["fetched_at"] = article_fetched if article_fetched is not None else format_ts(article["fetched_at"])
    citation["published_at"] = origin_published if origin_published is not None else format_ts(
        citation["published_at"])
    flat = {**article, **{name: citation[column] for name, column in CITATION_COLUMNS.items()}}
    flat["origin_status"] = flat["origin_status"] or "not_attempted"
    flat["schema_version"] = flat["schema_version"] or FIRST_SCHEMA_VERSION
    # origin.url is required in the record: no url, no extracted origin
    flat["origin"] = {name: (json.loads(citation[column]) if name in ORIGIN_JSON_FIELDS and citation[column] else
                             citation[column]) for name, column in ORIGIN_FIELD_COLUMNS.items()
                      } if citation["url"] is not None else None
    return {name: flat.get(name) for name in ARTICLE_FIELDS}


def for_dialect(statement: str, dialect: str) -> bool:
    """Whether a migration *statement* runs on *dialect* (all do, but those starting ``-- only <other>``)."""
    first = statement.lstrip().partition("\n")[0].split()
    return first[:2] != ["--", "only"] or first[2:3] == [dialect]


def _marks(n: int) -> str:
    return ", ".join("?" * n)
