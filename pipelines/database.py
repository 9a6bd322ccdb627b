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
anything else. A single record the database refuses (bad data) is spooled alone
and the batch goes on. At close, if anything is left in the spool, an ERROR
names the file and the stat ``newsarchive/db/failed`` is ``True``.

Stats: ``newsarchive/db/{new,updated,unchanged,gone,ignored}`` (counted at commit; ``ignored``: a
404/410 of a URL the archive never held),
``newsarchive/db/spooled``, ``newsarchive/db/errors``, ``newsarchive/db/drained``,
``newsarchive/db/failed``. The URL is logged with its password redacted.

Settings: ``NEWSARCHIVE_DATABASE_ENABLED``, ``NEWSARCHIVE_DATABASE_URL``,
``NEWSARCHIVE_DATABASE_BATCH_SIZE``, ``NEWSARCHIVE_DATABASE_SPOOL``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.archive.db import ArticleStore, RecordError, StoreError
from newsarchive.archive.spool import Spool, default_spool_path, drain
from newsarchive.items import ArticleGone
from newsarchive.signals import records_durable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/newsarchive.sqlite3"
STAT = "newsarchive/db/"


class DatabasePipeline:
    """Batched upserts into the article database, with a spool when it is unavailable."""

    def __init__(self, store: ArticleStore, spool: Spool, batch_size: int = 100,
                 stats: StatsCollector | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"NEWSARCHIVE_DATABASE_BATCH_SIZE must be at least 1, got {batch_size}")
        self.store = store
        self.spool = spool
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
        if not settings.getbool("NEWSARCHIVE_DATABASE_ENABLED", True):
            raise NotConfigured("NEWSARCHIVE_DATABASE_ENABLED is off")
        url = settings.get("NEWSARCHIVE_DATABASE_URL", DEFAULT_URL)
        if not url:
            raise NotConfigured("NEWSARCHIVE_DATABASE_URL is empty")
        store = ArticleStore.from_url(url)  # ValueError / ImportError: a misconfiguration stops the run
        spool_path = settings.get("NEWSARCHIVE_DATABASE_SPOOL") or default_spool_path(
            store.backend.name, settings.get("NEWSARCHIVE_DATA_DIR") or "data")
        pipeline = cls(store, Spool(spool_path), settings.getint("NEWSARCHIVE_DATABASE_BATCH_SIZE", 100),
                       crawler.stats)
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
                result = drain(self.spool, self.store)
            except StoreError as exc:
                self._degrade(exc, f"cannot drain the spool {self.spool.path}")
                return
            self._inc("drained", result.written)
            self._inc("errors", result.rejected)

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
            except RecordError as exc:
                self.batch.pop()
                self._inc("errors")
                logger.error("Database refused %(url)s (spooled): %(error)s",
                             {"url": record.get("url"), "error": exc})
                self._spool([record])
            except StoreError as exc:
                self._degrade(exc, "write failed")
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
