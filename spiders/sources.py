"""The sources spider: archive original articles directly, without the aggregator.

``scrapy crawl sources -a urls=https://apa.az/az/xeber/...,https://report.az/...``
or ``-a file=urls.txt`` (one URL per line, ``#`` comments). Each page goes
through the same origin page objects as the icma spider's citations
(:func:`newsarchive.pages.registry.page_for`) and is yielded as an
:class:`~newsarchive.items.Origin` record; links the network policy refuses are
logged and counted, never fetched.

``scrapy crawl sources -a backlog=1`` instead works through the icma spider's
origin backlog (:mod:`newsarchive.origin.backlog`): the citations earlier runs
could not resolve, oldest first, each emitted as its updated aggregator record
(:class:`~newsarchive.items.Article`, through the normal pipelines), without
fetching icma.az at all.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals

from newsarchive.netpolicy import NetPolicy
from newsarchive.origin.backlog import Backlog, open_backlog_store
from newsarchive.pages.registry import page_for
from newsarchive.responses import response_text
from newsarchive.state import open_state_store
from newsarchive.urls import canonical_url, host_of
from spiders.origins import OriginFollower, SiteNameMemory

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from newsarchive.items import Origin

logger = logging.getLogger(__name__)

#: The aggregator's hosts: its pages belong to the icma spider (``NEWSARCHIVE_AGGREGATOR_HOSTS``).
AGGREGATOR_HOSTS = frozenset({"icma.az"})


def read_urls(urls: str | None, file: str | None) -> list[str]:
    found = [u.strip() for u in (urls or "").split(",") if u.strip()]
    if file:
        for line in Path(file).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                found.append(line)
    return list(dict.fromkeys(found))


class SourcesSpider(scrapy.Spider):
    name = "sources"
    site_names: SiteNameMemory
    """Site names learned from the <title> of the pages this run fetched (the follower's in backlog mode)."""

    def __init__(self, urls: str | None = None, file: str | None = None, backlog: str = "0",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = read_urls(urls, file)  # none: scrapy parse / scrapy check give their own URLs
        self.drain_backlog = str(backlog).lower() in ("1", "true", "yes", "on")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.drain_backlog:
            spider.setup_backlog(crawler)
            spider.site_names = spider.origins.site_names
        else:
            spider.site_names = SiteNameMemory(crawler)
        return spider

    def setup_backlog(self, crawler: Crawler) -> None:
        """The icma spider's state store and origin backlog, and a follower for its citations."""
        self.origins = OriginFollower.from_crawler(crawler)
        self.state_store = open_state_store(crawler.settings, "icma")
        self.origins.site_names.attach(self.state_store, "icma")
        store = open_backlog_store(self.state_store, crawler.settings, "icma")
        if store is None:
            raise ValueError("the state store has no origin backlog")
        self.backlog = Backlog.for_crawler(crawler, store)
        crawler.signals.connect(self._close_state, signal=signals.spider_closed)

    def _close_state(self) -> None:
        self.backlog.finish()
        try:
            self.state_store.close()  # commits the backlog's changes
        except Exception as exc:
            self.crawler.stats.inc_value("newsarchive/state/failed")
            logger.error("Origin backlog could not be saved: %(error)s", {"error": exc})

    @classmethod
    def handles_request(cls, request: scrapy.Request) -> bool:
        """``scrapy parse <url>`` picks this spider for a cited page (any web host but the aggregator's)."""
        host = host_of(request.url)
        return bool(host) and request.url.startswith(("http://", "https://")) and host not in AGGREGATOR_HOSTS

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Origin]:
        """The default callback (``scrapy parse <cited url>``): the original article as an Origin record.

        The contract runs against the offline mirror (README, "Scrapy's tools").

        @url https://apa.az/az/xeber/siyaset/iqtisadi-emekdasligin-genislendirilmesi-reqemler-ne-deyir-75-yenilik-880001
        @returns items 1 1
        @returns requests 0 0
        @scrapes url title body published_at_raw site
        """
        return self.parse_origin(response)

    async def start(self) -> AsyncIterator[Any]:
        if not self.urls and not self.drain_backlog:
            raise ValueError("give origin URLs with -a urls=URL,URL or -a file=PATH, or -a backlog=1")
        if self.drain_backlog:
            for item in self.backlog.drain():
                for output in self.origins.follow(item):
                    yield output
        policy = NetPolicy.from_settings(self.settings)
        for url in self.urls:
            reason = policy.check_url(url)
            if reason is not None:
                self.crawler.stats.inc_value("newsarchive/sources/blocked")
                logger.warning("Not fetched (%(reason)s): %(url)s", {"reason": reason, "url": url})
                continue
            yield scrapy.Request(url, callback=self.parse_origin, errback=self.failed)

    def parse_origin(self, response: Response) -> Iterator[Origin]:
        html = response_text(response, self.crawler.stats)
        if not html:
            self.crawler.stats.inc_value("newsarchive/sources/not_html")
            return
        url = canonical_url(response.url)
        page_cls = page_for(url, response.meta.get("newsarchive_fetched_at"))
        origin = page_cls(url=url, html=html, known_site_names=self.site_names.names_for(url, html)).to_item()
        if not (origin.title or origin.body):
            self.crawler.stats.inc_value("newsarchive/sources/empty")
            logger.warning("No article found on %(url)s", {"url": response.url})
            return
        self.crawler.stats.inc_value("newsarchive/sources/articles")
        yield origin

    def failed(self, failure: Any) -> None:  # a twisted Failure
        self.crawler.stats.inc_value("newsarchive/sources/failed")
        logger.error("Download failed: %(url)s (%(error)s)",
                     {"url": failure.request.url, "error": failure.getErrorMessage()})
