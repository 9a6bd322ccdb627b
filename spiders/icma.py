"""The icma spider: discover every article of icma.az, extract it, follow its citation.

``scrapy crawl icma [-a lang=az|ru|all] [-a since=YYYY-MM-DD] [-a max_articles=N]
[-a follow_origins=0]``

Discovery: the start URLs (``NEWSARCHIVE_START_URLS``: home page and sitemap by
default), the latest-news listing with its pagination, category pages, sitemaps,
and the "most read"/"latest" sidebars of every article page. Only ``/news/`` and
``/story/`` URLs are articles (:mod:`newsarchive.discovery`); each is requested
once per run (canonical URL).

Extraction is :class:`newsarchive.pages.aggregator.AggregatorPage` (pure); the
record then travels with the request for its cited original
(:class:`spiders.origins.OriginFollower`) and is emitted exactly once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest

from newsarchive.discovery import PAGE_PARAM, edition_of, is_article_url, is_nav_url
from newsarchive.extract_pool import AggregatorResult, ExtractionPool, extract_aggregator
from newsarchive.items import Article as ArticleItem
from newsarchive.items import ArticleGone
from newsarchive.links import html_links
from newsarchive.netpolicy import BlockedURLError
from newsarchive.normalize.dates import parse_datetime, utc_now_iso
from newsarchive.origin import notes
from newsarchive.origin.backlog import Backlog, open_backlog_store
from newsarchive.responses import response_text
from newsarchive.settings_helpers import load_json_setting
from newsarchive.signals import records_durable
from newsarchive.sitemaps import sitemap_locs
from newsarchive.state import SeenEntry, SeenStore, open_state_store
from newsarchive.urls import canonical_url, host_of
from newsarchive.validators import SitemapState, open_sitemap_state, parse_time
from spiders.origins import OriginFollower

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

LANGS = {"az": ("az",), "ru": ("ru",), "all": ("az", "ru")}
RU_HOME = "https://icma.az/ru/"


class IcmaSpider(scrapy.Spider):
    name = "icma"
    aggregator_hosts = frozenset({"icma.az"})

    def __init__(self, lang: str = "all", since: str | None = None, max_articles: str | int | None = None,
                 follow_origins: str | bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if lang not in LANGS:
            raise ValueError(f"-a lang must be one of {', '.join(LANGS)}, got {lang!r}")
        self.langs = LANGS[lang]
        self.since: date | None = None
        if since:
            try:
                self.since = date.fromisoformat(since)
            except ValueError as exc:
                raise ValueError(f"-a since must be YYYY-MM-DD, got {since!r}") from exc
        self.max_articles = int(max_articles) if max_articles not in (None, "") else None
        self.follow_origins = str(follow_origins).lower() not in ("0", "false", "no", "off")
        self.scheduled: set[str] = set()
        # not `self.state`: Scrapy's SpiderState extension owns that name under JOBDIR
        self.seen_store: SeenStore | None = None
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.known_streak: dict[str, int] = {}
        self.listing_shown: dict[str, set[str]] = {}  # listing path -> articles its pages showed
        self.listed_dates: dict[str, str] = {}  # listing/sitemap date: the only date of a story page
        self.pending_state: dict[str, dict[str, Any]] = {}  # emitted, not yet durable in the archive
        self.durable_early: set[str] = set()  # durable before item_scraped reached _remember
        self.wait_for_database = False
        self.state_broken = False  # a state write failed: no more writes this run
        self.state_unreadable = False  # a state read failed: no more reads this run
        self.backlog: Backlog | None = None
        self.drained: set[str] = set()  # articles whose record came from the origin backlog this run
        # backlog records of articles this run re-visits anyway: a changed page brings its own citation,
        # a 304 (or no visit at all) brings this record back
        self.backlog_waiting: dict[str, ArticleItem] = {}
        self.sitemaps: SitemapState | None = None
        self.full_sweep = True  # read every sitemap in full (no state, or the sweep is due)
        self.last_complete: datetime | None = None  # start of the last run that finished normally
        self.sitemap_failed = False  # a sitemap could not be read: this run is not complete
        self.limited = bool(self.since or self.max_articles is not None or lang != "all")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup(crawler)
        return spider

    def setup(self, crawler: Crawler) -> None:
        """Resources that must exist before the crawl starts (a failure here stops the run)."""
        settings = crawler.settings
        self.extractor = ExtractionPool.from_crawler(crawler)
        self.origins = OriginFollower.from_crawler(crawler, self.extractor)
        # With a shared (Redis) frontier its duplicate filter is what keeps workers from fetching a URL twice.
        self.own_dedupe = not settings.get("NEWSARCHIVE_REDIS_URL")
        self.now = reference_time(settings)
        self.revisit_days = settings.getfloat("NEWSARCHIVE_REVISIT_DAYS")
        self.overlap_pages = settings.getint("NEWSARCHIVE_INCREMENTAL_OVERLAP_PAGES")
        self.max_listing_pages = settings.getint("NEWSARCHIVE_MAX_LISTING_PAGES")
        # ArticleGone events only where the database pipeline consumes them (never into a feed)
        self.archive_gone = bool(settings.getdict("ITEM_PIPELINES").get("pipelines.database.DatabasePipeline")) \
            and settings.getbool("NEWSARCHIVE_DATABASE_ENABLED")
        if settings.getbool("NEWSARCHIVE_INCREMENTAL"):
            self.seen_store = open_state_store(settings, self.name)
            self.origins.site_names.attach(self.seen_store, self.name)
            self.known_at_start = len(self.seen_store)
            crawler.signals.connect(self._remember, signal=signals.item_scraped)
            crawler.signals.connect(self._durable, signal=records_durable)
            pipelines = settings.getdict("ITEM_PIPELINES")
            self.wait_for_database = bool(pipelines.get("pipelines.database.DatabasePipeline")) and \
                settings.getbool("NEWSARCHIVE_DATABASE_ENABLED")
            crawler.signals.connect(self._close_state, signal=signals.spider_closed)
            store = open_backlog_store(self.seen_store, settings, self.name)
            if store is not None and settings.getbool("NEWSARCHIVE_BACKLOG_ENABLED"):
                self.backlog = Backlog.for_crawler(crawler, store)
                crawler.signals.connect(self._backlog_idle, signal=signals.spider_idle)
            self.sitemaps = open_sitemap_state(self.seen_store, settings, self.name)
        if self.sitemaps is not None:
            # schedule decisions on the reference time, so tests can move the clock
            self.last_complete = self.sitemaps.mark("complete")
            last_sweep = self.sitemaps.mark("sweep")
            hours = settings.getfloat("NEWSARCHIVE_SITEMAP_FULL_SWEEP_HOURS")
            self.full_sweep = self.last_complete is None or last_sweep is None or \
                (self.now - last_sweep).total_seconds() >= hours * 3600

    async def start(self) -> AsyncIterator[Any]:
        if self.seen_store is not None:
            self.crawler.stats.set_value("newsarchive/incremental/known_at_start", self.known_at_start)
        self.crawler.stats.set_value("newsarchive/sitemap/full_sweep", int(self.full_sweep))
        if self.backlog is not None and self.follow_origins:
            # citations earlier runs could not resolve, before new work (newsarchive/origin/backlog.py)
            for item in self.backlog.drain():
                entry = self._state_get(item.url)
                if entry is not None and entry.is_recent(self.now, self.revisit_days):
                    self.backlog_waiting[item.url] = item  # re-visited below: its edits must not wait a run
                    continue
                self.drained.add(item.url)
                for output in self.origins.follow(item):
                    yield output
        urls = list(load_json_setting(self.settings, "NEWSARCHIVE_START_URLS"))
        if "ru" in self.langs and not any(edition_of(u) == "ru" for u in urls):
            urls.append(RU_HOME)
        # Start pages are fetched on every (also resumed, JOBDIR) run: they re-discover what a
        # killed run had taken off its queue but not archived.
        for url in urls:
            if url.endswith(".xml"):
                yield self._sitemap_request(url, dont_filter=self.own_dedupe)
            elif is_article_url(url, self.aggregator_hosts):
                for request in self._article_request(url):
                    yield request
            else:
                yield scrapy.Request(url, callback=self.parse_nav, dont_filter=self.own_dedupe)

    # -- scrapy parse / scrapy check --------------------------------------------------------
    @classmethod
    def handles_request(cls, request: scrapy.Request) -> bool:
        """``scrapy parse <url>`` picks this spider for icma.az URLs (the sources spider takes cited ones)."""
        return host_of(request.url) in cls.aggregator_hosts

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any] | AsyncIterator[Any]:
        """The default callback: route by URL as the crawl does (``scrapy parse <icma.az url>``).

        An article gives its record after its citation (``-d 2``; ``-a follow_origins=0``: at once).
        The contract runs against the offline mirror (README, "Scrapy's tools").

        @url https://icma.az/
        @returns requests 20
        @returns items 0 0
        """
        url = response.url
        if is_article_url(url, self.aggregator_hosts):
            return self.parse_article(response)
        if urlsplit(url).path.endswith((".xml", ".xml.gz")):
            return self.parse_sitemap(response)
        return self.parse_nav(response)

    # -- discovery ----------------------------------------------------------------------
    def parse_nav(self, response: Response) -> Iterator[scrapy.Request]:
        """Home, listings, categories: queue articles and the next navigation pages."""
        html = response_text(response, self.crawler.stats)
        if not html:
            return
        oldest_seen: date | None = None
        nav: list[str] = []
        articles = known = 0
        listed: set[str] = set()
        for link in html_links(html, response.url):
            if is_article_url(link.url, self.aggregator_hosts):
                when = self._listed_time(link.date_text)
                if when is not None:
                    day = _day(when)
                    oldest_seen = day if oldest_seen is None else min(oldest_seen, day)
                articles += 1
                known += self._is_known(link.url)
                listed.add(canonical_url(link.url))
                yield from self._listed_article(link.url, when)
            elif is_nav_url(link.url, self.aggregator_hosts) and edition_of(link.url) in self.langs:
                nav.append(link.url)
        listing = urlsplit(response.url).path
        self.known_streak[listing] = self.known_streak.get(listing, 0) + 1 if articles and known == articles else 0
        shown = self.listing_shown.setdefault(listing, set())
        # a next page that is empty or shows only what earlier pages of this listing showed
        nothing_new = listed <= shown and self._is_next_page(response.url)
        shown |= listed
        for url in nav:
            if self._is_next_page(url):
                if self.since and oldest_seen and oldest_seen < self.since:
                    continue  # this listing has reached items older than -a since
                if self.known_streak[listing] >= self.overlap_pages > 0:
                    self.crawler.stats.inc_value("newsarchive/incremental/stopped_paging")
                    continue  # known territory
                if nothing_new or self._page_number(url) > self.max_listing_pages:
                    # a pagination trap (endless empty or repeating pages) or a runaway listing
                    self.crawler.stats.inc_value("newsarchive/discovery/pagination_stopped")
                    logger.warning("Pagination stopped at %(url)s: %(why)s", {
                        "url": response.url,
                        "why": "the page shows no article its listing has not shown"
                        if nothing_new else f"over NEWSARCHIVE_MAX_LISTING_PAGES ({self.max_listing_pages})"})
                    continue
            yield response.follow(url, callback=self.parse_nav)

    def _sitemap_request(self, url: str, *, dont_filter: bool = False) -> scrapy.Request:
        """A sitemap request; between full sweeps a conditional one (the validators of the last complete run)."""
        headers: dict[str, str] = {}
        entry = self.sitemaps.get(url) if self.sitemaps is not None else None
        if entry is not None and not self.full_sweep:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        self.crawler.stats.inc_value("newsarchive/sitemap/requests")
        if headers:
            self.crawler.stats.inc_value("newsarchive/sitemap/conditional")
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed_back, headers=headers,
                              meta={"handle_httpstatus_list": [304]}, dont_filter=dont_filter)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value("newsarchive/sitemap/not_modified")
            if self.sitemaps is not None:  # an unchanged index still names its children
                known = self.sitemaps.children(response.url)
                yield from self._children(response.url, [(e.url, e.lastmod) for e in known])
            return
        locs, is_index = sitemap_locs(response.body)
        if not locs:
            stats.inc_value("newsarchive/discovery/bad_sitemap")
            logger.warning("No URLs in sitemap %(url)s", {"url": response.url})
        stats.inc_value("newsarchive/sitemap/read")
        if self.sitemaps is not None:
            self.sitemaps.fetched(response.url, _header(response, b"ETag"), _header(response, b"Last-Modified"),
                                  self.now)
        if is_index:
            yield from self._children(response.url, locs)
            return
        for loc, lastmod in locs:
            yield from self._listed_article(loc, self._listed_time(lastmod))

    def _children(self, index: str, children: list[tuple[str, str | None]]) -> Iterator[scrapy.Request]:
        """The children of a sitemap index: all in a full sweep, else those changed since the last complete run."""
        for loc, lastmod in children:
            if self.sitemaps is not None:
                self.sitemaps.listed(loc, index, lastmod)
            when = parse_time(lastmod)
            if not self.full_sweep and self.last_complete is not None and when is not None \
                    and when < self.last_complete:
                self.crawler.stats.inc_value("newsarchive/sitemap/skipped_unchanged")
                continue
            yield self._sitemap_request(loc)

    def sitemap_failed_back(self, failure: Any) -> None:
        """A sitemap that could not be read: logged, and this run does not count as complete."""
        self.sitemap_failed = True
        self.crawler.stats.inc_value("newsarchive/sitemap/failed")
        logger.error("Sitemap download failed (%(kind)s): %(url)s (%(error)s)",
                     {"kind": failure_kind(failure), "url": failure.request.url, "error": failure.getErrorMessage()})

    def _listed_article(self, url: str, when: date | None) -> Iterator[scrapy.Request]:
        """Queue an article found in a list, unless its listed date is before ``-a since``.

        *when* keeps its time of day when the list gives one (a story page's only date, which
        decides whether it is recent enough to re-visit: a bare date would read as midnight UTC).
        """
        if self.since and when is not None and _day(when) < self.since:
            self.crawler.stats.inc_value("newsarchive/discovery/skipped_since")
            return
        if when is not None:
            self.listed_dates.setdefault(canonical_url(url), when.isoformat())
        yield from self._article_request(url)

    def _is_known(self, url: str) -> bool:
        """Archived by an earlier run and too old to re-visit."""
        entry = self._state_get(canonical_url(url))
        return entry is not None and not entry.is_recent(self.now, self.revisit_days)

    def _article_request(self, url: str) -> Iterator[scrapy.Request]:
        url = canonical_url(url)
        if url in self.scheduled or url in self.drained or edition_of(url) not in self.langs:
            return
        if self.max_articles is not None and len(self.scheduled) >= self.max_articles:
            self.crawler.stats.inc_value("newsarchive/discovery/over_max_articles")
            return
        self.scheduled.add(url)
        headers: dict[str, str] = {}
        entry = self._state_get(url)
        if entry is not None:
            if not entry.is_recent(self.now, self.revisit_days):
                self.crawler.stats.inc_value("newsarchive/incremental/skipped_known")
                return
            self.crawler.stats.inc_value("newsarchive/incremental/revisits")
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        self.crawler.stats.inc_value("newsarchive/discovery/articles")
        # Alone, articles are deduplicated by self.scheduled in a run and by the state store across
        # runs: a persisted (JOBDIR) duplicate filter would hide one a killed run lost.
        yield scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, priority=5,
                             headers=headers, meta={"handle_httpstatus_list": [304]},
                             dont_filter=self.own_dedupe)

    def _listed_time(self, text: str | None) -> date | None:
        """The date or time *text* gives (a ``datetime`` when it has a time of day)."""
        return parse_datetime(text, reference=self.now) if text else None

    def _listed_date(self, text: str | None) -> date | None:
        when = self._listed_time(text)
        return None if when is None else _day(when)

    @staticmethod
    def _is_next_page(url: str) -> bool:
        match = PAGE_PARAM.search(url)
        return bool(match and int(match.group(1)) > 1)

    @staticmethod
    def _page_number(url: str) -> int:
        match = PAGE_PARAM.search(url)
        return int(match.group(1)) if match else 1

    # -- articles -----------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any] | AsyncIterator[Any]:
        """An article page: its record (which then follows its citation) and the articles it links to.

        The page object and the link walk on its tree are :func:`newsarchive.extract_pool.extract_aggregator`:
        here, or with ``NEWSARCHIVE_EXTRACT_WORKERS`` in a worker process (then an async generator that
        awaits it; a plain generator otherwise: Scrapy's async output path costs more per response).
        """
        waiting = self.backlog_waiting.pop(canonical_url(response.url), None)
        if response.status == 304:
            return self._not_modified(response, waiting)
        html = response_text(response, self.crawler.stats)
        # the profile version of the capture's date (a replay passes the WARC date; live: the newest)
        job = (response.url, html, response.meta.get("newsarchive_fetched_at"))
        if self.extractor.workers:
            return self._parse_article_pooled(response, job)
        return self._article_outputs(response, extract_aggregator(*job))

    async def _parse_article_pooled(self, response: Response, job: tuple[str, str, str | None]) -> AsyncIterator[Any]:
        result = await self.extractor.run(extract_aggregator, *job)
        for output in self._article_outputs(response, result):
            yield output

    def _not_modified(self, response: Response, waiting: ArticleItem | None) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsarchive/incremental/not_modified")
        if self.seen_store is not None:
            self._state_write(self.seen_store.record, canonical_url(response.url), content_hash=None)
        if waiting is not None:  # unchanged: the backlog's record follows its citation again
            yield from self.origins.follow(waiting)

    def _article_outputs(self, response: Response, result: AggregatorResult) -> Iterator[Any]:
        stats = self.crawler.stats
        for link in result.links:
            if is_article_url(link.url, self.aggregator_hosts):
                yield from self._listed_article(link.url, self._listed_time(link.date_text))
        if result.item is None:
            stats.inc_value("newsarchive/extract/not_article")
            logger.warning("Not an article page (kept raw in the WARC): %(url)s (HTTP %(status)d, %(size)d bytes)",
                           {"url": response.url, "status": response.status, "size": len(response.body)})
            return
        item = result.item
        shown = self._listed_date(item.published_at_raw)
        if self.since and shown is not None and shown < self.since:
            stats.inc_value("newsarchive/discovery/skipped_since")
            return  # reached through an undated link (a menu), but older than -a since
        self.validators[item.url] = (_header(response, b"ETag"), _header(response, b"Last-Modified"))
        item.fetched_at = response.meta.get("newsarchive_fetched_at") or utc_now_iso()
        item.warc_record_id = response.meta.get("warc_record_id")
        for name in result.missing:
            stats.inc_value(f"newsarchive/extract/missing/{name}")
        stats.inc_value("newsarchive/extract/articles")
        if self.follow_origins:
            yield from self.origins.follow(item)
        else:
            yield from self.origins.skip(item, notes.FOLLOW_ORIGINS_OFF if item.source_url else notes.NO_CITATION)

    def article_failed(self, failure: Any) -> Iterator[ArticleGone]:
        request = failure.request
        kind = failure_kind(failure)
        self.crawler.stats.inc_value("newsarchive/extract/failed")
        self.crawler.stats.inc_value(f"newsarchive/extract/failed/{kind}")
        gone = kind in ("http_404", "http_410")
        # an article taken down is ordinary life (the archive marks it gone); any other failure is an error
        logger.log(logging.WARNING if gone else logging.ERROR,
                   "Article download failed (%(kind)s): %(url)s (%(error)s)",
                   {"kind": kind, "url": request.url, "error": failure.getErrorMessage()})
        if self.archive_gone and gone:
            # the database marks an archived article gone (never deletes it)
            response = failure.value.response
            yield ArticleGone(url=canonical_url(request.url), status=response.status,
                              fetched_at=response.meta.get("newsarchive_fetched_at") or utc_now_iso(),
                              warc_record_id=response.meta.get("warc_record_id"))

    # -- incremental state ------------------------------------------------------------------
    def _backlog_idle(self) -> None:
        """Backlog records whose article was to be re-visited but was not (not listed, failed): follow them now."""
        if not self.backlog_waiting:
            return
        waiting, self.backlog_waiting = list(self.backlog_waiting.values()), {}
        self.drained.update(item.url for item in waiting)
        self.origins.emit_now([output for item in waiting for output in self.origins.follow(item)])
        raise DontCloseSpider

    def _state_get(self, url: str) -> SeenEntry | None:
        """The state entry of *url*; after a failed read (Redis down) none, for the rest of the run."""
        if self.seen_store is None or self.state_unreadable:
            return None
        try:
            return self.seen_store.get(url)
        except Exception as exc:
            self.state_unreadable = True
            self.crawler.stats.inc_value("newsarchive/state/failed")
            logger.error("Incremental state store read failed: %(error)s; this run treats every article as new",
                         {"error": exc})
            return None

    def _state_write(self, write: Any, *args: Any, **kwargs: Any) -> None:
        """A write to the state store; a failure (``database is locked``, Redis down) is counted, never swallowed.

        ``newsarchive/state/failed`` makes ``scrapy crawl`` exit 1 (:mod:`newsarchive.commands.crawl`).
        """
        stats = self.crawler.stats
        if self.state_broken:
            # after a failure the store is not written again in this run (each write to a locked
            # SQLite file would wait its timeout); the next run redoes what this one did not record
            stats.inc_value("newsarchive/state/failed")
            return
        try:
            write(*args, **kwargs)
        except Exception as exc:
            self.state_broken = True
            stats.inc_value("newsarchive/state/failed")
            logger.error("Incremental state store write failed: %(error)s; this run records nothing more in it, "
                         "the next run will redo this work", {"error": exc},
                         exc_info=not isinstance(exc, (sqlite3.Error, OSError)))

    def _remember(self, item: Any, response: Response, spider: scrapy.Spider) -> None:
        """Note an emitted article; it enters the state once the archive holds it (``records_durable``)."""
        if self.seen_store is None or not isinstance(item, ArticleItem):
            return
        etag, last_modified = self.validators.pop(item.url, (None, None))
        self.pending_state[item.url] = {
            "content_hash": item.content_hash, "etag": etag, "last_modified": last_modified,
            "published_at": item.published_at or self.listed_dates.get(item.url),
        }
        if not self.wait_for_database or item.url in self.durable_early:
            self.durable_early.discard(item.url)
            self._durable([item.url])

    def _durable(self, urls: list[str]) -> None:
        assert self.seen_store is not None
        for url in urls:
            entry = self.pending_state.pop(url, None)
            if entry is None:
                self.durable_early.add(url)  # committed in the same item's pipeline pass
            else:
                self._state_write(self.seen_store.record, url, **entry)
        self._state_write(self.seen_store.commit)

    def _close_state(self, spider: scrapy.Spider, reason: str = "finished") -> None:
        if self.backlog is not None:
            self.backlog.finish()
        if self.sitemaps is not None:
            self._finish_sitemaps(reason)
        if self.seen_store is not None:
            self._state_write(self.seen_store.close)


    def _finish_sitemaps(self, reason: str) -> None:
        """Record the sitemap validators and the run marks, only for a run that finished normally and whole.

        Not for a run stopped early, limited (``-a since``, ``max_articles``, one edition), with a
        sitemap it could not read, a state write that failed, or records not durable at the end: its
        validators could hide a sitemap whose articles it did not archive.
        """
        assert self.sitemaps is not None
        why = ("the run ended with " + reason if reason != "finished" else
               "-a since, max_articles or lang limited it" if self.limited else
               "a sitemap could not be read" if self.sitemap_failed else
               "the state store failed" if self.state_broken or self.state_unreadable else
               "records were not durable" if self.pending_state else "")
        if why:
            self.crawler.stats.set_value("newsarchive/sitemap/complete", 0)
            logger.info("Not recorded as a complete run (%(why)s): the next run reads sitemaps changed since "
                        "the last complete one", {"why": why})
            return
        self._state_write(self.sitemaps.flush, self.now, swept=self.full_sweep)
        self.crawler.stats.set_value("newsarchive/sitemap/complete", 1)


def failure_kind(failure: Any) -> str:
    """A short name for why a download failed (``newsarchive/extract/failed/<kind>``): the origin note
    (:func:`newsarchive.origin.notes.failure_note`), told apart further where the run report needs it."""
    exc = failure.value
    if isinstance(exc, BlockedURLError):
        return "blocked"
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc):
        return "too_large_decompressed"  # a gzip bomb, refused while decompressing
    kind = notes.failure_note(failure)
    name = type(exc).__name__
    return name if kind == "connection_failed" and name != "DownloadFailedError" else kind


def _day(value: date) -> date:
    """The calendar date of a date or datetime (a ``datetime`` does not compare with a ``date``)."""
    return value.date() if isinstance(value, datetime) else value


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def reference_time(settings: Any) -> datetime:
    """``NEWSARCHIVE_REFERENCE_TIME`` (ISO 8601) or now: the "now" for re-visits and relative dates."""
    raw = settings.get("NEWSARCHIVE_REFERENCE_TIME")
    if not raw:
        return datetime.now(UTC)
    value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
