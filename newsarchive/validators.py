"""Sitemap validators and run marks: what lets a scheduled run fetch only what changed.

Kept beside the incremental state (:mod:`newsarchive.state`): in its SQLite file (tables
``sitemap_validators`` and ``run_marks``) or, in distributed mode, in two Redis hashes
(``<prefix>:sitemap_validators``, ``<prefix>:run_marks``).

- a sitemap's ``ETag`` / ``Last-Modified`` (for ``If-None-Match`` / ``If-Modified-Since``), the index
  that listed it and the ``<lastmod>`` it had there (so an index answering ``304`` still names its
  children);
- the marks ``complete`` (start of the last run that finished normally) and ``sweep`` (start of the
  last such run that read every sitemap).

Nothing is written during a run: :meth:`SitemapState.flush` writes it all at the end of a run that
finished normally, so a killed or failed run never leaves a validator that would hide a sitemap
whose articles it did not archive.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

SCHEMA = """
CREATE TABLE IF NOT EXISTS sitemap_validators (
    url TEXT PRIMARY KEY,
    parent TEXT,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT,
    checked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sitemap_validators_parent ON sitemap_validators (parent);
CREATE TABLE IF NOT EXISTS run_marks (spider TEXT NOT NULL, name TEXT NOT NULL, at TEXT NOT NULL,
                                      PRIMARY KEY (spider, name));
"""
COMPLETE = "complete"
SWEEP = "sweep"


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    parent: str | None = None
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checked_at: str = ""


class SitemapState:
    """Validators and marks read at the start of a run, changes kept in memory until :meth:`flush`."""

    def __init__(self, spider: str) -> None:
        self.spider = spider
        self._entries: dict[str, SitemapEntry] = {}
        self._marks: dict[str, str] = {}
        self._loaded = False
        self._changed: dict[str, SitemapEntry] = {}

    # -- back end -------------------------------------------------------------------------
    def _load(self) -> tuple[list[SitemapEntry], dict[str, str]]:
        raise NotImplementedError

    def _write(self, entries: list[SitemapEntry], marks: dict[str, str]) -> None:
        raise NotImplementedError

    # -- reading ----------------------------------------------------------------------------
    def load(self) -> SitemapState:
        entries, self._marks = self._load()
        self._entries = {e.url: e for e in entries}
        self._loaded = True
        return self

    def get(self, url: str) -> SitemapEntry | None:
        return self._entries.get(url)

    def children(self, parent: str) -> list[SitemapEntry]:
        """The sitemaps *parent* (an index) listed when it was last read in full."""
        return sorted((e for e in self._entries.values() if e.parent == parent), key=lambda e: e.url)

    def mark(self, name: str) -> datetime | None:
        raw = self._marks.get(name)
        return parse_time(raw) if raw else None

    # -- changes (in memory until flush) ---------------------------------------------------------
    def listed(self, url: str, parent: str, lastmod: str | None) -> None:
        """*url* appears in index *parent* with *lastmod*."""
        old = self._changed.get(url) or self._entries.get(url) or SitemapEntry(url)
        self._changed[url] = SitemapEntry(url, parent, lastmod, old.etag, old.last_modified, old.checked_at)

    def fetched(self, url: str, etag: str | None, last_modified: str | None, at: datetime) -> None:
        """*url* was read in full (``200``) with these validators."""
        old = self._changed.get(url) or self._entries.get(url) or SitemapEntry(url)
        self._changed[url] = SitemapEntry(url, old.parent, old.lastmod, etag, last_modified, iso(at))

    def flush(self, started: datetime, *, swept: bool) -> None:
        """A run that started at *started* finished normally: write its validators and marks."""
        marks = {COMPLETE: iso(started)}
        if swept:
            marks[SWEEP] = iso(started)
        self._write(list(self._changed.values()), marks)
        self._changed.clear()


class SqliteSitemapState(SitemapState):
    """The tables in the state store's SQLite file, on its connection (its transaction, its commits)."""

    def __init__(self, conn: sqlite3.Connection, spider: str) -> None:
        super().__init__(spider)
        self.conn = conn
        for statement in (s.strip() for s in SCHEMA.split(";")):
            if statement:
                conn.execute(statement)  # not executescript: it would commit the state store's open transaction

    def _load(self) -> tuple[list[SitemapEntry], dict[str, str]]:
        rows = self.conn.execute(
            "SELECT url, parent, lastmod, etag, last_modified, checked_at FROM sitemap_validators").fetchall()
        marks = dict(self.conn.execute("SELECT name, at FROM run_marks WHERE spider = ?", (self.spider,)).fetchall())
        return [SitemapEntry(*row) for row in rows], marks

    def _write(self, entries: list[SitemapEntry], marks: dict[str, str]) -> None:
        self.conn.executemany(
            """INSERT INTO sitemap_validators (url, parent, lastmod, etag, last_modified, checked_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET parent = excluded.parent, lastmod = excluded.lastmod,
                 etag = excluded.etag, last_modified = excluded.last_modified, checked_at = excluded.checked_at""",
            [(e.url, e.parent, e.lastmod, e.etag, e.last_modified, e.checked_at) for e in entries])
        self.conn.executemany("INSERT OR REPLACE INTO run_marks (spider, name, at) VALUES (?, ?, ?)",
                              [(self.spider, name, at) for name, at in marks.items()])


class RedisSitemapState(SitemapState):
    """The same as two Redis hashes beside the shared state (distributed mode)."""

    def __init__(self, server: Any, prefix: str, spider: str) -> None:
        super().__init__(spider)
        self.server = server
        self.validators_key = f"{prefix}:sitemap_validators"
        self.marks_key = f"{prefix}:run_marks"

    def _load(self) -> tuple[list[SitemapEntry], dict[str, str]]:
        raw = self.server.hgetall(self.validators_key) or {}
        entries = [SitemapEntry(**json.loads(value)) for value in raw.values()]
        marks = {_text(k): _text(v) for k, v in (self.server.hgetall(self.marks_key) or {}).items()}
        return entries, marks

    def _write(self, entries: list[SitemapEntry], marks: dict[str, str]) -> None:
        if entries:
            self.server.hset(self.validators_key, mapping={e.url: json.dumps(asdict(e)) for e in entries})
        self.server.hset(self.marks_key, mapping=marks)


def open_sitemap_state(state: Any, settings: BaseSettings, spider_name: str) -> SitemapState | None:
    """The sitemap state beside the state store *state* (SQLite or Redis), loaded; ``None`` without one."""
    conn = getattr(state, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return SqliteSitemapState(conn, spider_name).load()
    server = getattr(state, "server", None)
    if server is not None:
        prefix = (settings.get("NEWSARCHIVE_REDIS_PREFIX") or "newsarchive:%(spider)s") % {"spider": spider_name}
        return RedisSitemapState(server, prefix, spider_name).load()
    return None


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time or date (a sitemap's ``<lastmod>``) as an aware datetime; ``None`` if unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
