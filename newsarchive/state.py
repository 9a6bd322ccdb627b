"""What earlier runs archived: the incremental state across scheduled runs.

One SQLite file (``NEWSARCHIVE_STATE_PATH``, default ``data/state.sqlite3``,
beside the database) with a row per archived article URL: its content hash,
HTTP validators (ETag / Last-Modified) for conditional requests, its published
time and when it was first and last seen. It is not ``JOBDIR``: JOBDIR resumes
one interrupted job, this store makes the *next* job skip what is done.

A store that cannot be read is an error, never silently recreated: the run
stops with :class:`StateStoreError` naming the file, and the operator decides
(restore it, or delete it to re-crawl everything).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
        return now - when <= timedelta(days=days)


class StateStore:
    def __init__(self, path: str | Path, *, batch_size: int = 200) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self._pending = 0
        self._conn: sqlite3.Connection | None = None

    def open(self) -> StateStore:
        existed = self.path.exists() and self.path.stat().st_size > 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
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
