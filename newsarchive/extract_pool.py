"""Extraction off the reactor thread: page objects in a pool of worker processes.

Page objects are pure (URL + HTML in, item out), so the CPU-heavy part of a response's
callback can run in another process while the reactor thread goes on downloading,
writing the WARC and running the pipelines. The two jobs here are the pure functions
the spiders call per response:

- :func:`extract_aggregator`: an icma.az page's record, its missing fields and its links
  (one parse: the link walk reads the page object's tree);
- :func:`extract_origin`: a cited page's :class:`~newsarchive.items.Origin` and the
  aggregator body's similarity to it.

:class:`ExtractionPool` runs them: in the crawl's own process with
``NEWSARCHIVE_EXTRACT_WORKERS = 0``, else in that many worker processes started once per
crawl (a ``forkserver`` that has imported this module and the page objects), with at most
``NEWSARCHIVE_EXTRACT_MAX_PENDING`` jobs in flight: a callback past that waits, holding its
response in Scrapy's scraper slot, which stops the downloader from taking more
(back-pressure). An exception raised by a page object reaches the awaiting callback as
in-process (the same failure record); a worker that dies (``BrokenProcessPool``) sends the
rest of the run, and the job that saw it, back in-process: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from newsarchive.items import Article, Origin
from newsarchive.links import ListedLink, html_links
from newsarchive.origin.identity import page_key
from newsarchive.origin.similarity import origin_similarity
from newsarchive.pages.registry import aggregator_page_for, page_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

T = TypeVar("T")


# -- the jobs (pure; run in a worker or in-process) -------------------------------------------
@dataclass
class AggregatorResult:
    """What the icma spider needs of an aggregator page."""

    links: list[ListedLink]
    item: Article | None = None
    """``None`` when the page is not an article."""
    missing: list[str] = field(default_factory=list)


def extract_aggregator(url: str, html: str, fetched_at: str | None) -> AggregatorResult:
    """The record (with the page's profile version at *fetched_at*), missing fields and links of an icma.az page."""
    page = aggregator_page_for(url, fetched_at)(url=url, html=html)
    links = list(html_links(html, url, root=page.tree())) if html else []
    if not page.is_article():
        return AggregatorResult(links)
    return AggregatorResult(links, page.to_item(), page.missing_fields())


@dataclass
class OriginResult:
    origin: Origin
    similarity: float | None
    """Share of the aggregator body found in the origin's (:func:`origin_similarity`); ``None`` for an empty page."""


def extract_origin(url: str, html: str, fetched_at: str | None, known_site_names: tuple[str, ...],
                   aggregator_body: str) -> OriginResult:
    """A cited page's :class:`Origin` (its site's profile version at *fetched_at*, the site names learned
    so far), its identity key (:func:`~newsarchive.origin.identity.origin_key`, the page's own canonical
    link included) and its similarity to *aggregator_body*."""
    page = page_for(url, fetched_at)(url=url, html=html, known_site_names=known_site_names)
    origin = page.to_item()
    origin.key = page_key(url, page.selector)  # the page's parsed document, not parsed again
    if not (origin.title or origin.body):
        return OriginResult(origin, None)
    return OriginResult(origin, round(origin_similarity(aggregator_body, origin.body or ""), 4))


def _ready() -> int:
    """A no-op job: starts a worker at the opening of the crawl rather than at its first page."""
    return 0


# -- the pool ------------------------------------------------------------------------------
class ExtractionPool:
    """Runs extraction jobs in-process (0 workers) or in worker processes, with bounded jobs in flight."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self.workers = max(0, workers)
        self.max_pending = max(1, max_pending)
        self.executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        from scrapy import signals

        settings = crawler.settings
        workers = settings.getint("NEWSARCHIVE_EXTRACT_WORKERS")
        pool = cls(workers, settings.getint("NEWSARCHIVE_EXTRACT_MAX_PENDING") or 4 * max(1, workers))
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def open(self) -> None:
        """Start the workers (``spider_opened``); without the asyncio reactor, extraction stays in-process."""
        if self.workers == 0 or self.executor is not None:
            return
        from scrapy.utils.reactor import is_asyncio_reactor_installed

        if not is_asyncio_reactor_installed():
            logger.warning("NEWSARCHIVE_EXTRACT_WORKERS=%(n)d needs the asyncio reactor; extracting in-process",
                           {"n": self.workers})
            self.workers = 0
            return
        self.start()

    def start(self) -> None:
        """Start the worker processes (their futures are awaited on the running asyncio loop)."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        for _ in range(self.workers):
            self.executor.submit(_ready)

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """*job*(\\*args) in a worker (or here, with no workers); its exception is raised here."""
        if self.executor is None:
            return job(*args)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_pending)
        async with self._slots:
            executor = self.executor
            if executor is None:  # a worker died while this job waited for a slot
                return job(*args)
            try:
                return await asyncio.wrap_future(executor.submit(job, *args))
            except BrokenProcessPool as exc:
                self._broken(exc)
                return job(*args)

    def _broken(self, exc: BaseException) -> None:
        if self.executor is None:
            return
        logger.error("An extraction worker died (%(error)s); extracting in-process for the rest of the run",
                     {"error": exc})
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None

    def close(self) -> None:
        """Stop the workers (``spider_closed``: every callback has finished)."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
