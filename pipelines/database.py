"""Archive every record in the database; never lose one when the database is down.

``DatabasePipeline`` is the last pipeline. It upserts each article record
through :class:`~newsarchive.archive.db.ArticleStore` (SQLite by default,
PostgreSQL for ``postgresql://`` URLs) in batches: one transaction per
``NEWSARCHIVE_DATABASE_BATCH_SIZE`` records, committed then and at close, so a
killed run leaves whole batches or nothing. Records of other shapes (the
sources spider's ``Origin`` items) pass through untouched.
:class:`~newsarchive.items.ArticleGone` events (an archived article's page
answered 404/410) mark the article gone in the database (spooled like records
when it is down) and are dropped here: they are not records of the feed.

If the database cannot be opened, or a batch fails to write or commit, the
uncommitted batch and every later record of the run go to the spool
(``NEWSARCHIVE_DATABASE_SPOOL``, default ``data/spool/<db-name>.jsonl``; see
:mod:`newsarchive.archive.spool`), which the next successful open drains before
anything else. A single record the database refuses (bad data, or any other
exception while writing it: the record's savepoint is rolled back, so nothing of
it stays half-written) is spooled alone, the batch goes on, and the record still
goes on to the feed and the state. A record refused
``NEWSARCHIVE_DATABASE_MAX_ATTEMPTS`` times (this run and the drains of later
runs) goes to the dead-letter file (``NEWSARCHIVE_DATABASE_DEAD_LETTER``, default
``<data dir>/dead-letter/<db-name>.jsonl``) with the reason; the run that moves it
there counts it in ``newsarchive/db/dead_lettered``, names it in
``newsarchive/db/dead_lettered_urls`` and exits 1 (once: later runs no longer
see it). At close, if anything is left in the spool, an ERROR names the file and
the stat ``newsarchive/db/failed`` is ``True``.

Stats: ``newsarchive/db/{new,updated,unchanged,gone,ignored}`` (counted at commit; ``ignored``: a
404/410 of a URL the archive never held),
``newsarchive/db/spooled``, ``newsarchive/db/errors``, ``newsarchive/db/drained``,
``newsarchive/db/failed``, ``newsarchive/db/dead_lettered`` (+ ``_urls``,
``newsarchive/db/dead_letter_path``). The URL is logged with its password redacted;
the spool's file name is never made from the URL (:func:`~newsarchive.archive.spool.spool_name`).

Settings: ``NEWSARCHIVE_DATABASE_ENABLED``, ``NEWSARCHIVE_DATABASE_URL``,
``NEWSARCHIVE_DATABASE_BATCH_SIZE``, ``NEWSARCHIVE_DATABASE_SPOOL``,
``NEWSARCHIVE_DATABASE_MAX_ATTEMPTS``, ``NEWSARCHIVE_DATABASE_DEAD_LETTER``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.archive.db import ArticleStore, RecordError, StoreError
from newsarchive.archive.spool import (
    DEFAULT_MAX_ATTEMPTS,
    DeadLetters,
    Spool,
    default_dead_letter_path,
    default_spool_path,
    drain,
    spool_name,
)
from newsarchive.items import ArticleGone
from newsarchive.signals import records_durable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

STAT = "newsarchive/db/"


class DatabasePipeline:
    """Batched upserts into the article database, with a spool when it is unavailable."""

    def __init__(self, store: ArticleStore, spool: Spool, batch_size: int = 100,
                 stats: StatsCollector | None = None, *, dead_letters: DeadLetters | None = None,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        if batch_size < 1:
            raise ValueError(f"NEWSARCHIVE_DATABASE_BATCH_SIZE must be at least 1, got {batch_size}")
        if max_attempts < 1:
            raise ValueError(f"NEWSARCHIVE_DATABASE_MAX_ATTEMPTS must be at least 1, got {max_attempts}")
        self.store = store
        self.spool = spool
        self.dead_letters = dead_letters or DeadLetters(spool.path.with_name(spool.path.stem + ".dead.jsonl"),
                                                        store.display_url)
        self.max_attempts = max_attempts
        self.dead_lettered: list[str] = []
        self.batch_size = batch_size
        self.stats = stats
        self.batch: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()
        self.degraded = False
        self.spooled = 0
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_DATABASE_ENABLED"):
            raise NotConfigured("NEWSARCHIVE_DATABASE_ENABLED is off")
        url = settings.get("NEWSARCHIVE_DATABASE_URL")
        if not url:
            raise NotConfigured("NEWSARCHIVE_DATABASE_URL is empty")
        store = ArticleStore.from_url(url)  # ValueError / ImportError: a misconfiguration stops the run
        data_dir = settings.get("NEWSARCHIVE_DATA_DIR") or "data"
        name = spool_name(url)
        spool_path = settings.get("NEWSARCHIVE_DATABASE_SPOOL") or default_spool_path(name, data_dir)
        dead_path = settings.get("NEWSARCHIVE_DATABASE_DEAD_LETTER") or default_dead_letter_path(name, data_dir)
        pipeline = cls(store, Spool(spool_path), settings.getint("NEWSARCHIVE_DATABASE_BATCH_SIZE"),
                       crawler.stats, dead_letters=DeadLetters(dead_path, store.display_url),
                       max_attempts=settings.getint("NEWSARCHIVE_DATABASE_MAX_ATTEMPTS"))
        pipeline.crawler = crawler
        return pipeline

    # -- pipeline ------------------------------------------------------------------

    def open_spider(self) -> None:
        try:
            self.store.open()
        except StoreError as exc:
            self._degrade(exc, "cannot open the database")
            return
        logger.info("Archiving records in %(url)s", {"url": self.store.display_url})
        if self.spool.path.exists():
            try:
                result = drain(self.spool, self.store, max_attempts=self.max_attempts,
                               dead_letters=self.dead_letters)
            except StoreError as exc:
                self._degrade(exc, f"cannot drain the spool {self.spool.path}")
                return
            self._inc("drained", result.written)
            self._inc("errors", result.rejected)
            self._dead_lettered(result.dead_lettered)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleGone):
            self._write({"gone": item.status, "url": item.url, "fetched_at": item.fetched_at,
                         "warc_record_id": item.warc_record_id})
            raise DropItem(f"gone ({item.status}), archived as such: {item.url}", log_level="DEBUG")
        adapter = ItemAdapter(item)
        if "origin_status" not in adapter.field_names():
            return item  # not an article record (e.g. a sources-spider Origin)
        self._write(adapter.asdict())
        return item

    def _write(self, record: dict[str, Any]) -> None:
        self.batch.append(record)
        if not self.degraded:
            try:
                self.outcomes[self.store.upsert(record)] += 1
            except StoreError as exc:
                self._degrade(exc, "write failed")
            except Exception as exc:  # RecordError, or anything else: this record only, never the run
                self.batch.pop()
                self._refused(record, exc)
        if len(self.batch) >= self.batch_size:
            self._flush()

    def close_spider(self) -> None:
        self._flush()
        self.store.close()
        left = self.spool.count()
        if self.spooled or left:
            if self.stats is not None:
                self.stats.set_value(STAT + "failed", True)
            logger.error("Database %(url)s: %(n)d records of this run spooled; %(left)d records wait in %(spool)s "
                         "and are written on the next successful run (or by `scrapy export-db`)",
                         {"url": self.store.display_url, "n": self.spooled, "left": left, "spool": self.spool.path})

    # -- helpers -------------------------------------------------------------------

    def _refused(self, record: dict[str, Any], exc: Exception) -> None:
        """One record the database would not take: spool it (or dead-letter it at the last attempt)."""
        self._inc("errors")
        reason = str(exc) if isinstance(exc, RecordError) else f"{type(exc).__name__}: {exc}"
        attempts = self.spool.refused(record, reason)
        if attempts >= self.max_attempts:
            self.dead_letters.add(record, reason, attempts)
            self._durable([record])
            logger.error("Database refused %(url)s (%(n)d attempts), moved to the dead-letter file %(dead)s: "
                         "%(error)s", {"url": record.get("url"), "n": attempts, "dead": self.dead_letters.path,
                                       "error": reason})
            self._dead_lettered([str(record.get("url"))])
            return
        logger.error("Database refused %(url)s (spooled, attempt %(n)d of %(max)d): %(error)s",
                     {"url": record.get("url"), "n": attempts, "max": self.max_attempts, "error": reason})
        self._spool([record])

    def _dead_lettered(self, keys: list[str]) -> None:
        if not keys:
            return
        self.dead_lettered += keys
        self._inc("dead_lettered", len(keys))
        if self.stats is not None:
            self.stats.set_value(STAT + "dead_lettered_urls", self.dead_lettered[:100])
            self.stats.set_value(STAT + "dead_letter_path", str(self.dead_letters.path))

    def _flush(self) -> None:
        """Commit the batch, or spool it when the database is (or has just become) unavailable."""
        if not self.batch:
            return
        if not self.degraded:
            try:
                self.store.commit()
            except StoreError as exc:
                self._degrade(exc, "commit failed")
            else:
                for outcome, n in self.outcomes.items():
                    self._inc(outcome, n)
                self._durable(self.batch)
                self.batch.clear()
                self.outcomes.clear()
                return
        self._spool(self.batch)
        self.batch.clear()
        self.outcomes.clear()

    def _durable(self, records: list[dict[str, Any]]) -> None:
        urls = [r.get("url") for r in records if "gone" not in r]  # gone events are not records of the state
        if self.crawler is not None and urls:
            self.crawler.signals.send_catch_log(signal=records_durable, urls=urls)

    def _degrade(self, exc: Exception, what: str) -> None:
        """From now on, spool instead of writing (the uncommitted batch included)."""
        self.degraded = True
        self.store.rollback()
        self.store.close()
        self._inc("errors")
        logger.error("Database %(url)s: %(what)s: %(error)s; spooling records to %(spool)s",
                     {"url": self.store.display_url, "what": what, "error": exc, "spool": self.spool.path})

    def _spool(self, records: list[dict[str, Any]]) -> None:
        written = self.spool.append(records)
        self._durable(records)
        self.spooled += written
        self._inc("spooled", written)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(STAT + key, n)
