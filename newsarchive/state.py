"""What earlier runs archived: the incremental state across scheduled runs.

One SQLite file (``NEWSARCHIVE_STATE_PATH``, default ``data/state.sqlite3``,
beside the database) — or, in distributed mode (``NEWSARCHIVE_REDIS_URL`` set),
one Redis hash shared by every worker (:class:`RedisStateStore`) — with an entry
per archived article URL: its content hash,
HTTP validators (ETag / Last-Modified) for conditional requests, its published
time and when it was first and last seen. It is not ``JOBDIR``: JOBDIR resumes
one interrupted job, this store makes the *next* job skip what is done.

A store that cannot be read is an error, never silently recreated: the run
stops with :class:`StateStoreError` naming the file, and the operator decides
(restore it, or delete it to re-crawl everything).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.settings import BaseSettings

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    url TEXT PRIMARY KEY,
    content_hash TEXT,
    etag TEXT,
    last_modified TEXT,
    published_at TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StateStoreError(RuntimeError):
    """The state store exists but cannot be used."""


@dataclass(frozen=True)
class SeenEntry:
    url: str
    content_hash: str | None
    etag: str | None
    last_modified: str | None
    published_at: str | None
    first_seen_at: str
    last_seen_at: str

    def is_recent(self, now: datetime, days: float) -> bool:
        """Whether the article is young enough to be re-visited (views, comments, edits)."""
        stamp = self.published_at or self.first_seen_at
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return True
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if len(stamp) == 10:  # a day without a time (a listing's date): recent while any part of it is
            when += timedelta(days=1)
        return now - when <= timedelta(days=days)


class StateStore:
    def __init__(self, path: str | Path, *, batch_size: int = 200, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.timeout = timeout  # seconds a write waits for another connection's lock
        self._pending = 0
        self._conn: sqlite3.Connection | None = None

    def open(self) -> StateStore:
        existed = self.path.exists() and self.path.stat().st_size > 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.timeout)
            if existed:
                check = conn.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {check}")
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "seen" not in tables:
                    raise sqlite3.DatabaseError("no 'seen' table: not a newsarchive state store")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            conn.execute("INSERT OR IGNORE INTO state_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise _unreadable(self.path, exc) from exc
            raise StateStoreError(f"incremental state store {self.path} is locked by another run ({exc}); "
                                  "run one crawl per data folder at a time (e.g. under flock)") from exc
        except sqlite3.DatabaseError as exc:
            raise StateStoreError(
                f"incremental state store {self.path} is unreadable ({exc}); restore it from a backup, "
                "or delete it to re-crawl everything"
            ) from exc
        conn.execute("BEGIN")
        self._conn = conn
        return self

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StateStoreError("state store is not open")
        return self._conn

    def get(self, url: str) -> SeenEntry | None:
        row = self.conn.execute(
            "SELECT url, content_hash, etag, last_modified, published_at, first_seen_at, last_seen_at "
            "FROM seen WHERE url = ?", (url,)).fetchone()
        return SeenEntry(*row) if row else None

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM seen").fetchone()[0])

    def record(self, url: str, *, content_hash: str | None, etag: str | None = None,
               last_modified: str | None = None, published_at: str | None = None,
               seen_at: str | None = None) -> None:
        """Note that *url* was archived (or confirmed unchanged) now."""
        now = seen_at or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.conn.execute(
            """INSERT INTO seen (url, content_hash, etag, last_modified, published_at, first_seen_at, last_seen_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET
                 content_hash = coalesce(excluded.content_hash, seen.content_hash),
                 etag = coalesce(excluded.etag, seen.etag),
                 last_modified = coalesce(excluded.last_modified, seen.last_modified),
                 published_at = coalesce(excluded.published_at, seen.published_at),
                 last_seen_at = excluded.last_seen_at""",
            (url, content_hash, etag, last_modified, published_at, now, now),
        )
        self._pending += 1
        if self._pending >= self.batch_size:
            self.commit()

    def commit(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            self._conn.execute("COMMIT")
            self._conn.execute("BEGIN")
        self._pending = 0

    def close(self) -> None:
        if self._conn is not None:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
            self._conn.close()
            self._conn = None


def _unreadable(path: Path, exc: Exception) -> StateStoreError:
    return StateStoreError(f"incremental state store {path} is unreadable ({exc}); restore it from a backup, "
                           "or delete it to re-crawl everything")


class SeenStore(Protocol):
    def get(self, url: str) -> SeenEntry | None: ...
    def record(self, url: str, *, content_hash: str | None, etag: str | None = None,
               last_modified: str | None = None, published_at: str | None = None,
               seen_at: str | None = None) -> None: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...


class RedisStateStore:
    """The same store as one Redis hash (``<prefix>:seen``: URL → JSON entry), shared by workers."""

    def __init__(self, server: Any, key: str) -> None:
        self.server = server
        self.key = key
        self._pending: dict[str, SeenEntry] = {}

    def open(self) -> RedisStateStore:
        try:
            kind = self.server.type(self.key)
        except Exception as exc:  # redis.ConnectionError and friends: a clear error, not a silent full re-crawl
            raise StateStoreError(f"incremental state store redis key {self.key} is unreachable ({exc})") from exc
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind not in ("hash", "none"):
            raise StateStoreError(f"incremental state store redis key {self.key} is a {kind}, not a hash; "
                                  "fix or delete it to re-crawl everything")
        return self

    def get(self, url: str) -> SeenEntry | None:
        if url in self._pending:
            return self._pending[url]
        raw = self.server.hget(self.key, url)
        if raw is None:
            return None
        try:
            return SeenEntry(**json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise StateStoreError(f"unreadable entry for {url} in redis key {self.key}: {exc}") from exc

    def __len__(self) -> int:
        return int(self.server.hlen(self.key))

    def record(self, url: str, *, content_hash: str | None, etag: str | None = None,
               last_modified: str | None = None, published_at: str | None = None,
               seen_at: str | None = None) -> None:
        now = seen_at or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        old = self.get(url)
        self._pending[url] = SeenEntry(
            url=url,
            content_hash=content_hash or (old.content_hash if old else None),
            etag=etag or (old.etag if old else None),
            last_modified=last_modified or (old.last_modified if old else None),
            published_at=published_at or (old.published_at if old else None),
            first_seen_at=old.first_seen_at if old else now,
            last_seen_at=now,
        )

    def commit(self) -> None:
        if self._pending:
            self.server.hset(self.key, mapping={u: json.dumps(asdict(e)) for u, e in self._pending.items()})
            self._pending.clear()

    def close(self) -> None:
        self.commit()


def open_state_store(settings: BaseSettings, spider_name: str) -> SeenStore:
    """The SQLite store, or the Redis one when the crawl runs on a shared frontier."""
    redis_url = settings.get("NEWSARCHIVE_REDIS_URL")
    if redis_url:
        from newsarchive.distributed.connection import redis_from_settings

        prefix = (settings.get("NEWSARCHIVE_REDIS_PREFIX") or "newsarchive:%(spider)s") % {"spider": spider_name}
        return RedisStateStore(redis_from_settings(settings), f"{prefix}:seen").open()
    return StateStore(settings.get("NEWSARCHIVE_STATE_PATH")).open()


# --------------------------------------------------------------------------- learned site names

SITE_NAMES_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_names (
    host TEXT PRIMARY KEY,
    titles TEXT NOT NULL,
    names TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


class SiteNameStore(Protocol):
    """Per source host, the last ``<title>`` strings of its pages and the names they taught
    (:mod:`newsarchive.pages.site_names`), so the next run starts with them."""

    def load(self, limit: int) -> list[tuple[str, list[str]]]: ...
    def save(self, host: str, titles: Sequence[str], names: Sequence[str]) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class SqliteSiteNames:
    """The ``site_names`` table of the state store's SQLite file, on its connection (same transactions)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute(SITE_NAMES_SCHEMA)  # not executescript: it would commit the state store's open transaction

    def load(self, limit: int) -> list[tuple[str, list[str]]]:
        """The *limit* most recently updated hosts and their titles, least recent first."""
        # INSERT OR REPLACE gives a replaced row a new, higher rowid: rowid order is update order
        rows = self.conn.execute("SELECT host, titles FROM site_names ORDER BY rowid DESC LIMIT ?",
                                 (limit,)).fetchall()
        return [(host, _titles(raw)) for host, raw in reversed(rows)]

    def save(self, host: str, titles: Sequence[str], names: Sequence[str]) -> None:
        self.conn.execute("INSERT OR REPLACE INTO site_names (host, titles, names, updated_at) VALUES (?, ?, ?, ?)",
                          (host, json.dumps(list(titles), ensure_ascii=False),
                           json.dumps(list(names), ensure_ascii=False), _now()))


class RedisSiteNames:
    """The same as one Redis hash ``<prefix>:site_names`` (host → JSON), shared by workers (last write wins)."""

    def __init__(self, server: Any, key: str) -> None:
        self.server = server
        self.key = key

    def load(self, limit: int) -> list[tuple[str, list[str]]]:
        entries = []
        for host, raw in (self.server.hgetall(self.key) or {}).items():
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if isinstance(data, dict):
                name = host.decode() if isinstance(host, bytes) else str(host)
                titles = data.get("titles")
                entries.append((str(data.get("updated_at", "")), name,
                                [t for t in titles if isinstance(t, str)] if isinstance(titles, list) else []))
        entries.sort(key=lambda e: (e[0], e[1]))
        return [(host, titles) for _, host, titles in entries[-limit:]] if limit > 0 else []

    def save(self, host: str, titles: Sequence[str], names: Sequence[str]) -> None:
        self.server.hset(self.key, host, json.dumps({"titles": list(titles), "names": list(names),
                                                      "updated_at": _now()}, ensure_ascii=False))


def _titles(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def open_site_names(state: Any, settings: BaseSettings, spider_name: str) -> SiteNameStore | None:
    """The learned site names beside the state store *state* (SQLite or Redis); ``None`` without one."""
    conn = getattr(state, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return SqliteSiteNames(conn)
    server = getattr(state, "server", None)
    if server is not None:
        prefix = (settings.get("NEWSARCHIVE_REDIS_PREFIX") or "newsarchive:%(spider)s") % {"spider": spider_name}
        return RedisSiteNames(server, f"{prefix}:site_names")
    return None
