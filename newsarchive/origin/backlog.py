"""The origin backlog: citations a run could not resolve, retried by later runs until they are.

A record whose origin ended in a state that can pass — the per-run cap
(``domain_cap``), ``follow_origins=0``, an unreachable site, a 5xx answer, a
timeout, a request lost or the run ending, ``not_found`` once — is kept here
with its whole record (JSON), so a later run resolves its citation without
re-fetching the aggregator page. Every icma run works through the backlog first
(oldest first, through the same follower, caps and politeness as new citations;
``scrapy crawl sources -a backlog=1`` does only that) and emits the updated
record, which goes through the normal pipelines.

An entry leaves the backlog when its origin is ``ok`` (``resolved``), ``blocked``
(``left_blocked``), still ``not_found`` ``NEWSARCHIVE_BACKLOG_NOT_FOUND_HOURS``
after the first time (``left_not_found``), or after
``NEWSARCHIVE_BACKLOG_MAX_ATTEMPTS`` real attempts (``gave_up``). A site that
failed (``unreachable``) is left alone for ``NEWSARCHIVE_BACKLOG_BACKOFF_HOURS``,
doubled per further failing run, at most ``NEWSARCHIVE_BACKLOG_BACKOFF_MAX_HOURS``.

Storage: two tables of the state store's SQLite file (``origin_backlog``,
``origin_backlog_sites``), written through the state store's own connection
so they commit together with it; in distributed mode two Redis hashes
(``<prefix>:backlog``, ``<prefix>:backlog:sites``), an entry being claimed by one
worker at a time (``<prefix>:backlog:claim:<url>``, freed when the entry is
updated, expiring after an hour if its worker dies).

Stats ``newsarchive/backlog/<name>``: ``size_at_start``, ``size`` and
``oldest_age_hours`` (at the end), ``drained`` (entries taken this run),
``deferred`` (due entries of sites in backoff), ``added``, ``resolved``,
``left_blocked``, ``left_not_found``, ``gave_up``, ``failed`` (store errors).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from itemadapter import ItemAdapter
from scrapy import signals

from newsarchive.items import Article, Origin
from newsarchive.origin import notes
from newsarchive.urls import host_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS origin_backlog (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    record TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    not_found_since TEXT
);
CREATE INDEX IF NOT EXISTS origin_backlog_added ON origin_backlog (added_at);
CREATE TABLE IF NOT EXISTS origin_backlog_sites (
    site TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    retry_after TEXT NOT NULL
);
"""

#: Notes that say no request reached the site: they do not count as attempts.
NOT_TRIED = frozenset({notes.DOMAIN_CAP, notes.FOLLOW_ORIGINS_OFF})


@dataclass
class Entry:
    """One backlog entry (a row of ``origin_backlog``)."""

    url: str
    site: str
    record: str
    status: str
    note: str | None
    attempts: int
    added_at: str
    last_seen_at: str
    not_found_since: str | None = None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def record_json(item: Any) -> str:
    return json.dumps(ItemAdapter(item).asdict(), ensure_ascii=False, sort_keys=True)


def record_from_json(text: str) -> Article:
    """The stored record as an :class:`Article` (fields this code does not know are left out)."""
    data = json.loads(text)
    names = {f.name for f in fields(Article)}
    item = Article(**{k: v for k, v in data.items() if k in names})
    if isinstance(item.origin, dict):
        item.origin = Origin(**item.origin)
    return item


class BacklogStore(Protocol):
    def get(self, url: str) -> Entry | None: ...
    def put(self, entry: Entry) -> None: ...
    def delete(self, url: str) -> None: ...
    def due(self, now: str, limit: int) -> tuple[list[Entry], int]: ...
    def site_failed(self, site: str, now: datetime, base_hours: float, max_hours: float) -> None: ...
    def site_ok(self, site: str) -> None: ...
    def size(self) -> tuple[int, str | None]: ...


class SqliteBacklog:
    """The backlog tables, on the state store's connection (same file, same transactions)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        for statement in (s.strip() for s in SCHEMA.split(";")):
            if statement:
                conn.execute(statement)  # not executescript: it would commit the state store's open transaction

    def get(self, url: str) -> Entry | None:
        row = self.conn.execute(
            "SELECT url, site, record, status, note, attempts, added_at, last_seen_at, not_found_since "
            "FROM origin_backlog WHERE url = ?", (url,)).fetchone()
        return Entry(*row) if row else None

    def put(self, entry: Entry) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO origin_backlog (url, site, record, status, note, attempts, added_at, "
            "last_seen_at, not_found_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.url, entry.site, entry.record, entry.status, entry.note, entry.attempts, entry.added_at,
             entry.last_seen_at, entry.not_found_since))

    def delete(self, url: str) -> None:
        self.conn.execute("DELETE FROM origin_backlog WHERE url = ?", (url,))

    def due(self, now: str, limit: int) -> tuple[list[Entry], int]:
        """Entries to retry now, oldest first, and how many more wait for their site's backoff."""
        rows = self.conn.execute(
            "SELECT b.url, b.site, b.record, b.status, b.note, b.attempts, b.added_at, b.last_seen_at, "
            "b.not_found_since FROM origin_backlog b LEFT JOIN origin_backlog_sites s ON s.site = b.site "
            "WHERE s.retry_after IS NULL OR s.retry_after <= ? ORDER BY b.added_at, b.url"
            + (" LIMIT ?" if limit > 0 else ""), (now, limit) if limit > 0 else (now,)).fetchall()
        deferred = self.conn.execute(
            "SELECT count(*) FROM origin_backlog b JOIN origin_backlog_sites s ON s.site = b.site "
            "WHERE s.retry_after > ?", (now,)).fetchone()[0]
        return [Entry(*row) for row in rows], int(deferred)

    def site_failed(self, site: str, now: datetime, base_hours: float, max_hours: float) -> None:
        row = self.conn.execute("SELECT failures FROM origin_backlog_sites WHERE site = ?", (site,)).fetchone()
        failures = (row[0] if row else 0) + 1
        wait = min(base_hours * 2 ** (failures - 1), max_hours)
        self.conn.execute("INSERT OR REPLACE INTO origin_backlog_sites VALUES (?, ?, ?)",
                          (site, failures, _iso(now + timedelta(hours=wait))))

    def site_ok(self, site: str) -> None:
        self.conn.execute("DELETE FROM origin_backlog_sites WHERE site = ?", (site,))

    def size(self) -> tuple[int, str | None]:
        count, oldest = self.conn.execute("SELECT count(*), min(added_at) FROM origin_backlog").fetchone()
        return int(count), oldest


class RedisBacklog:
    """The same backlog as Redis hashes shared by every worker; an entry is drained by one worker per run."""

    def __init__(self, server: Any, prefix: str, claim_seconds: int = 3600) -> None:
        self.server = server
        self.key = f"{prefix}:backlog"
        self.sites_key = f"{prefix}:backlog:sites"
        self.claim_prefix = f"{prefix}:backlog:claim:"
        self.claim_seconds = claim_seconds

    def get(self, url: str) -> Entry | None:
        raw = self.server.hget(self.key, url)
        return Entry(**json.loads(raw)) if raw else None

    def put(self, entry: Entry) -> None:
        with self.server.pipeline() as pipe:
            pipe.hset(self.key, entry.url, json.dumps(asdict(entry), ensure_ascii=False))
            pipe.delete(self.claim_prefix + entry.url)  # tried: free for the next run
            pipe.execute()

    def delete(self, url: str) -> None:
        with self.server.pipeline() as pipe:
            pipe.hdel(self.key, url)
            pipe.delete(self.claim_prefix + url)
            pipe.execute()

    def due(self, now: str, limit: int) -> tuple[list[Entry], int]:
        sites = {k.decode() if isinstance(k, bytes) else k: json.loads(v)
                 for k, v in self.server.hgetall(self.sites_key).items()}
        entries = sorted((Entry(**json.loads(v)) for v in self.server.hvals(self.key)),
                         key=lambda e: (e.added_at, e.url))
        ready: list[Entry] = []
        deferred = 0
        for entry in entries:
            if entry.site in sites and sites[entry.site]["retry_after"] > now:
                deferred += 1
            elif (limit <= 0 or len(ready) < limit) and \
                    self.server.set(self.claim_prefix + entry.url, "1", nx=True, ex=self.claim_seconds):
                ready.append(entry)
        return ready, deferred

    def site_failed(self, site: str, now: datetime, base_hours: float, max_hours: float) -> None:
        raw = self.server.hget(self.sites_key, site)
        failures = (json.loads(raw)["failures"] if raw else 0) + 1
        wait = min(base_hours * 2 ** (failures - 1), max_hours)
        self.server.hset(self.sites_key, site, json.dumps(
            {"failures": failures, "retry_after": _iso(now + timedelta(hours=wait))}))

    def site_ok(self, site: str) -> None:
        self.server.hdel(self.sites_key, site)

    def size(self) -> tuple[int, str | None]:
        entries = [json.loads(v) for v in self.server.hvals(self.key)]
        return len(entries), min((e["added_at"] for e in entries), default=None)


class Backlog:
    """Feeds the backlog from every emitted record and hands due entries back to the follower."""

    def __init__(self, store: BacklogStore, settings: BaseSettings, stats: Callable[[], StatsCollector],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self._stats = stats
        self.clock = clock or (lambda: datetime.now(UTC))
        self.backoff_hours = settings.getfloat("NEWSARCHIVE_BACKLOG_BACKOFF_HOURS")
        self.backoff_max_hours = settings.getfloat("NEWSARCHIVE_BACKLOG_BACKOFF_MAX_HOURS")
        self.max_attempts = settings.getint("NEWSARCHIVE_BACKLOG_MAX_ATTEMPTS")
        self.max_per_run = settings.getint("NEWSARCHIVE_BACKLOG_MAX_PER_RUN")
        self.not_found_hours = settings.getfloat("NEWSARCHIVE_BACKLOG_NOT_FOUND_HOURS")
        self.failed_sites: set[str] = set()  # sites whose backoff grew this run (once per run)
        self.broken = False  # a write failed: no more writes this run

    @classmethod
    def for_crawler(cls, crawler: Crawler, store: BacklogStore) -> Backlog:
        def stats() -> StatsCollector:
            assert crawler.stats is not None
            return crawler.stats

        backlog = cls(store, crawler.settings, stats)
        crawler.signals.connect(backlog.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(backlog.item_scraped, signal=signals.item_scraped)
        return backlog

    @property
    def stats(self) -> StatsCollector:
        return self._stats()

    def spider_opened(self) -> None:
        size, _ = self.store.size()
        self.stats.set_value("newsarchive/backlog/size_at_start", size)

    # -- draining -----------------------------------------------------------------------------
    def drain(self) -> Iterator[Article]:
        """The records of the entries due now, oldest first (at most NEWSARCHIVE_BACKLOG_MAX_PER_RUN)."""
        entries, deferred = self.store.due(_iso(self.clock()), self.max_per_run)
        self.stats.set_value("newsarchive/backlog/deferred", deferred)
        if entries:
            logger.info("Origin backlog: retrying %(n)d citation(s), %(d)d wait for their site's backoff",
                        {"n": len(entries), "d": deferred})
        for entry in entries:
            try:
                item = record_from_json(entry.record)
            except (ValueError, TypeError) as exc:
                logger.warning("Unreadable backlog entry %(url)s dropped: %(error)s", {"url": entry.url, "error": exc})
                self.store.delete(entry.url)
                self.stats.inc_value("newsarchive/backlog/unreadable")
                continue
            self.stats.inc_value("newsarchive/backlog/drained")
            yield item

    # -- feeding --------------------------------------------------------------------------------
    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, Article):
            return
        if self.broken:
            self.stats.inc_value("newsarchive/backlog/failed")  # not written again in this run
            return
        try:
            self.observe(item)
        except Exception:  # a store error must not be swallowed: counted, and the run exits non-zero
            self.broken = True
            self.stats.inc_value("newsarchive/backlog/failed")
            self.stats.inc_value("newsarchive/state/failed")
            logger.exception("Origin backlog write failed for %(url)s; this run records nothing more in it",
                             {"url": item.url})

    def observe(self, item: Article) -> None:
        """Update the backlog with an emitted record's origin outcome."""
        status, note = item.origin_status, item.origin_note
        site = _site(item.source_url)
        old = self.store.get(item.url)
        now = self.clock()
        if status == "ok":
            if site:
                self.store.site_ok(site)
            self._leave(old, "resolved")
            return
        if status == "blocked" or note == notes.NO_CITATION or site is None:
            self._leave(old, "left_blocked" if status == "blocked" else "left")
            return
        tried = note not in NOT_TRIED
        if status == "unreachable" and site not in self.failed_sites:
            self.failed_sites.add(site)
            self.store.site_failed(site, now, self.backoff_hours, self.backoff_max_hours)
        attempts = (old.attempts if old else 0) + tried
        not_found_since = None
        if status == "not_found":
            not_found_since = (old.not_found_since if old else None) or _iso(now)
            if now - _parse(not_found_since) >= timedelta(hours=self.not_found_hours):
                self._leave(old, "left_not_found")
                return
        if attempts >= self.max_attempts:
            self._leave(old, "gave_up")
            return
        if old is None:
            self.stats.inc_value("newsarchive/backlog/added")
        self.store.put(Entry(url=item.url, site=site, record=record_json(item), status=status, note=note,
                             attempts=attempts, added_at=old.added_at if old else _iso(now),
                             last_seen_at=_iso(now), not_found_since=not_found_since))

    def _leave(self, old: Entry | None, why: str) -> None:
        if old is not None:
            self.store.delete(old.url)
            self.stats.inc_value(f"newsarchive/backlog/{why}")

    def finish(self) -> None:
        """Size and age stats at the end of the run (call before the state store closes)."""
        try:
            size, oldest = self.store.size()
        except Exception:
            self.stats.inc_value("newsarchive/state/failed")
            logger.exception("Origin backlog could not be read at the end of the run")
            return
        self.stats.set_value("newsarchive/backlog/size", size)
        age = (self.clock() - _parse(oldest)).total_seconds() / 3600 if oldest else 0.0
        self.stats.set_value("newsarchive/backlog/oldest_age_hours", round(age, 2))


def _site(url: str | None) -> str | None:
    try:
        return (host_of(url) or None) if url else None
    except ValueError:
        return None


def open_backlog_store(state: Any, settings: BaseSettings, spider_name: str) -> BacklogStore | None:
    """The backlog beside the state store *state* (SQLite or Redis), or ``None`` when it has neither."""
    conn = getattr(state, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return SqliteBacklog(conn)
    server = getattr(state, "server", None)
    if server is not None:
        prefix = (settings.get("NEWSARCHIVE_REDIS_PREFIX") or "newsarchive:%(spider)s") % {"spider": spider_name}
        return RedisBacklog(server, prefix)
    return None
