"""Follow an aggregator record's citation to the original article.

The record travels with the request (``cb_kwargs``) and is yielded exactly once:
after the origin is extracted, or with ``origin_status`` saying why not. All
requests go through Scrapy, so robots.txt, throttling, retries, the WARC capture,
the host map and the network policy apply.

Deep links (``Mənbə:https://apa.az/az/xeber/...``) are fetched directly
(``origin_method = "link"``). Home-page-only citations (``Mənbə:https://bakivaxti.az``)
are resolved against the site's own lists — robots.txt sitemaps, ``/sitemap.xml``,
RSS/Atom feeds and the home page — fetched once per site and run; records wait
for those lists (never longer than their download timeouts) and are then matched
by title within a time window (``origin_method = "matched"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from newsarchive.discovery import canonical_url
from newsarchive.netpolicy import BlockedURLError, NetPolicy
from newsarchive.normalize.dates import parse_datetime
from newsarchive.origin.listing import Candidate, parse_feed, parse_listing_html, parse_sitemap
from newsarchive.origin.match import best_match
from newsarchive.origin.similarity import origin_similarity
from newsarchive.pages.dates import apply_feed_date
from newsarchive.pages.registry import page_for
from newsarchive.replay import ReplayMissError
from newsarchive.responses import response_text
from newsarchive.urls import host_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    from newsarchive.items import Article

logger = logging.getLogger(__name__)

NOT_FOUND_CODES = (404, 410)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
LISTING_GUESSES = ("/sitemap.xml", "/rss", "/feed")


@dataclass
class SiteLists:
    """What is known about one source site's lists during this run."""

    candidates: list[Candidate] = field(default_factory=list)
    pending: list[Article] = field(default_factory=list)
    requested: set[str] = field(default_factory=set)
    outstanding: int = 0
    done: bool = False


class OriginFollower:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.policy = NetPolicy.from_settings(settings)
        self.max_per_domain = settings.getint("NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN", 2000)
        self.match_threshold = settings.getfloat("NEWSARCHIVE_ORIGIN_MATCH_THRESHOLD", 0.85)
        self.match_window = timedelta(hours=settings.getfloat("NEWSARCHIVE_ORIGIN_MATCH_WINDOW_HOURS", 72))
        self.max_sitemaps = settings.getint("NEWSARCHIVE_ORIGIN_MAX_SITEMAPS", 20)
        self.sites: dict[str, SiteLists] = {}
        self.requests_per_domain: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OriginFollower:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        # the spider builds this before the crawler's stats exist
        assert self.crawler.stats is not None
        return self.crawler.stats

    # -- entry point --------------------------------------------------------------------
    def follow(self, item: Article) -> Iterator[Any]:
        """Requests that resolve *item*'s origin, or *item* itself when there is nothing to fetch."""
        url = (item.source_url or "").strip()
        if not url:
            yield self._finish(item, "not_attempted")
            return
        reason = self.policy.check_url(url)
        if reason is not None:
            logger.info("Citation not fetched (%(reason)s): %(url)s", {"reason": reason, "url": url})
            yield self._finish(item, "blocked")
            return
        host = host_of(url)
        if urlsplit(url).path.strip("/") == "" and not urlsplit(url).query:
            yield from self._match_on_site(item, host, url)
            return
        if not self._budget(host):
            yield self._finish(item, "not_attempted")
            return
        yield self._origin_request(url, item, method="link")

    # -- deep links ---------------------------------------------------------------------
    def _origin_request(self, url: str, item: Article, *, method: str, score: float | None = None,
                        feed_date: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_origin, errback=self.origin_failed, dont_filter=True, priority=10,
            cb_kwargs={"item": item, "method": method, "score": score, "feed_date": feed_date},
            meta={"handle_httpstatus_list": list(NOT_FOUND_CODES), "newsarchive_origin": True},
        )

    def parse_origin(self, response: Response, item: Article, method: str, score: float | None,
                     feed_date: str | None = None) -> Iterator[Article]:
        html = response_text(response, self.stats)
        if response.status in NOT_FOUND_CODES or not html:
            yield self._finish(item, "not_found")
            return
        final_url = canonical_url(response.url)
        page_cls = page_for(final_url)
        origin = page_cls(url=final_url, html=html).to_item()
        apply_feed_date(origin, feed_date)  # a matched citation: the feed item's time when the page has none
        for name, how in origin.field_methods.items():  # the run report's share of each method, overall and per site
            self.stats.inc_value(f"newsarchive/origin/method/{name}/{how}")
            self.stats.inc_value(f"newsarchive/origin/method_by_site/{origin.site}/{name}/{how}")
        for flag in origin.flags:
            self.stats.inc_value(f"newsarchive/origin/flag/{flag}")
        if not (origin.title or origin.body):
            self.stats.inc_value("newsarchive/origin/empty_page")
            yield self._finish(item, "not_found")
            return
        item.origin = origin
        item.origin_url = final_url
        item.origin_method = method  # type: ignore[assignment]
        item.origin_similarity = round(origin_similarity(item.body or "", origin.body or ""), 4)
        if score is not None:
            self.stats.max_value("newsarchive/origin/match_score_max", score)
        yield self._finish(item, "ok")

    def origin_failed(self, failure: Any) -> Iterator[Article]:  # a twisted Failure
        item: Article = failure.request.cb_kwargs["item"]
        if failure.check(BlockedURLError):
            status = "blocked"
        elif failure.check(ReplayMissError):  # a replay: the runs never fetched it (over the cap, ...)
            status = "not_found" if failure.request.cb_kwargs.get("method") == "matched" else "not_attempted"
        elif failure.check(HttpError) and failure.value.response.status in NOT_FOUND_CODES:
            status = "not_found"
        else:
            status = "unreachable"
        logger.info("Origin %(status)s for %(url)s: %(error)s",
                    {"status": status, "url": failure.request.url, "error": failure.getErrorMessage()})
        yield self._finish(item, status)

    # -- home-page-only citations -------------------------------------------------------
    def _match_on_site(self, item: Article, host: str, home: str) -> Iterator[Any]:
        site = self.sites.get(host)
        if site is None:
            site = self.sites[host] = SiteLists()
            base = f"{urlsplit(home).scheme or 'https'}://{urlsplit(home).netloc}"
            site.pending.append(item)
            yield self._list_request(site, host, f"{base}/", self.parse_home)
            yield self._list_request(site, host, f"{base}/robots.txt", self.parse_robots)
            for path in LISTING_GUESSES:
                yield self._list_request(site, host, base + path, self.parse_list)
            return
        if not site.done:
            site.pending.append(item)
            return
        yield from self._resolve(item, site, host)

    def _list_request(self, site: SiteLists, host: str, url: str, callback: Any) -> scrapy.Request:
        site.requested.add(url)
        site.outstanding += 1
        self.stats.inc_value("newsarchive/origin/list_requests")
        return scrapy.Request(url, callback=callback, errback=self.list_failed, dont_filter=True, priority=20,
                              cb_kwargs={"host": host}, meta={"newsarchive_origin": True})

    def parse_home(self, response: Response, host: str) -> Iterator[Any]:
        site = self.sites[host]
        html = response_text(response, self.stats)
        if html:
            site.candidates += parse_listing_html(html, response.url, host)
            for link in response.xpath("//link[@rel='alternate'][@href]"):
                if (link.attrib.get("type") or "").lower() in FEED_TYPES:
                    yield from self._more(site, host, urljoin(response.url, link.attrib["href"]), self.parse_list)
        yield from self._list_done(site, host)

    def parse_robots(self, response: Response, host: str) -> Iterator[Any]:
        site = self.sites[host]
        for line in response.body.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield from self._more(site, host, value.strip(), self.parse_list)
        yield from self._list_done(site, host)

    def parse_list(self, response: Response, host: str) -> Iterator[Any]:
        site = self.sites[host]
        body = response.body
        head = body[:500].lstrip().lower()
        if b"<rss" in head or b"<feed" in head:
            site.candidates += parse_feed(body, response.url)
        elif b"<urlset" in head or b"<sitemapindex" in head or b"<?xml" in head:
            candidates, children = parse_sitemap(body)
            site.candidates += candidates
            for child in children[: self.max_sitemaps]:
                yield from self._more(site, host, child, self.parse_list)
        yield from self._list_done(site, host)

    def list_failed(self, failure: Any) -> Iterator[Any]:
        host = failure.request.cb_kwargs["host"]
        self.stats.inc_value("newsarchive/origin/list_failed")
        yield from self._list_done(self.sites[host], host)

    def _more(self, site: SiteLists, host: str, url: str, callback: Any) -> Iterator[scrapy.Request]:
        if url not in site.requested and host_of(url) == host:
            yield self._list_request(site, host, url, callback)

    def _list_done(self, site: SiteLists, host: str) -> Iterator[Any]:
        site.outstanding -= 1
        if site.outstanding > 0:
            return
        site.done = True
        site.candidates = _unique(site.candidates)
        self.stats.set_value(f"newsarchive/origin/candidates/{host}", len(site.candidates))
        pending, site.pending = site.pending, []
        for item in pending:
            yield from self._resolve(item, site, host)

    def _resolve(self, item: Article, site: SiteLists, host: str) -> Iterator[Any]:
        # the same reading of the date as NormalizePipeline's: against the page's fetch time
        fetched = parse_datetime(item.fetched_at or "")
        reference = fetched if isinstance(fetched, datetime) else None
        published = parse_datetime(item.published_at_raw or "", reference=reference, lang=item.lang)
        when = published if isinstance(published, datetime) else None
        candidate, score = best_match(item.title or "", when, site.candidates,
                                      threshold=self.match_threshold, window=self.match_window)
        if candidate is None or not self._budget(host):
            self.stats.inc_value("newsarchive/origin/unmatched")
            yield self._finish(item, "not_found")
            return
        yield self._origin_request(candidate.url, item, method="matched", score=score, feed_date=candidate.published)

    # -- bookkeeping --------------------------------------------------------------------
    def _budget(self, host: str) -> bool:
        used = self.requests_per_domain.get(host, 0)
        if used >= self.max_per_domain:
            self.stats.inc_value("newsarchive/origin/over_domain_cap")
            return False
        self.requests_per_domain[host] = used + 1
        return True

    def _finish(self, item: Article, status: str) -> Article:
        item.origin_status = status  # type: ignore[assignment]
        if status != "ok":
            item.origin = None
            item.origin_url = None
            item.origin_method = None
            item.origin_similarity = None
        self.stats.inc_value(f"newsarchive/origin/status/{status}")
        return item


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for c in candidates:
        seen.setdefault(canonical_url(c.url), c)
    return list(seen.values())
