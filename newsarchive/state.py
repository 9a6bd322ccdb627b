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
