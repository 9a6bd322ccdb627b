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

Every record that enters :meth:`OriginFollower.follow` is *parked* until it is
emitted, exactly once, whatever happens to its requests: an errback, an
exception in a callback (``origin_note = "callback_error"``), a request that a
spider middleware drops (:mod:`newsarchive.middlewares.records`), one the
scheduler drops (``request_dropped``), or the run going idle with records still
waiting (``spider_idle``: ``run_ended``). Every non-``ok`` record carries an
``origin_note`` (:mod:`newsarchive.origin.notes`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro

from newsarchive.discovery import canonical_url
from newsarchive.extract_pool import ExtractionPool, OriginResult, extract_origin
from newsarchive.middlewares.records import PARKED_META
from newsarchive.netpolicy import BlockedURLError, NetPolicy
from newsarchive.normalize.dates import parse_datetime
from newsarchive.origin import notes
from newsarchive.origin.listing import Candidate, parse_feed, parse_listing_html, parse_sitemap
from newsarchive.origin.match import best_match
from newsarchive.pages.dates import apply_feed_date
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
#: Notes of records released because their request was lost (``newsarchive/origin/released/<note>``).
RELEASED_NOTES = frozenset({notes.DROPPED_DEPTH, notes.DROPPED_URL_LENGTH, notes.DROPPED_FILTER,
                            notes.DROPPED_SCHEDULER, notes.CALLBACK_ERROR, notes.RUN_ENDED})


@dataclass
class SiteLists:
    """What is known about one source site's lists during this run."""

    candidates: list[Candidate] = field(default_factory=list)
    pending: list[Article] = field(default_factory=list)
    requested: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    outstanding: int = 0
    lists: int = 0
    """Feeds and sitemaps found on the site and requested (capped by NEWSARCHIVE_ORIGIN_MAX_SITEMAPS)."""
    capped: bool = False
    """A list request was refused by the per-domain cap."""
    done: bool = False


class OriginFollower:
    def __init__(self, crawler: Crawler, extractor: ExtractionPool | None = None) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.extractor = extractor or ExtractionPool(0, 1)  # in-process unless the spider shares its pool
        self.policy = NetPolicy.from_settings(settings)
        self.max_per_domain = settings.getint("NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN")
        self.match_threshold = settings.getfloat("NEWSARCHIVE_ORIGIN_MATCH_THRESHOLD")
        self.match_window = timedelta(hours=settings.getfloat("NEWSARCHIVE_ORIGIN_MATCH_WINDOW_HOURS"))
        self.max_sitemaps = settings.getint("NEWSARCHIVE_ORIGIN_MAX_SITEMAPS")
        self.max_sitemap_depth = settings.getint("NEWSARCHIVE_ORIGIN_MAX_SITEMAP_DEPTH")
        self.url_length_limit = settings.getint("URLLENGTH_LIMIT")
        self.depth_limit = settings.getint("DEPTH_LIMIT")
        self.sites: dict[str, SiteLists] = {}
        self.requests_per_domain: dict[str, int] = {}
        self.parked: dict[int, Article] = {}
        """Records between :meth:`follow` and their emission (id → record; the dict keeps them alive)."""
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler, extractor: ExtractionPool | None = None) -> OriginFollower:
        return cls(crawler, extractor)

    @property
    def stats(self) -> StatsCollector:
        # the spider builds this before the crawler's stats exist
        assert self.crawler.stats is not None
        return self.crawler.stats

    # -- entry points -------------------------------------------------------------------
    def follow(self, item: Article) -> Iterator[Any]:
        """Requests that resolve *item*'s origin, or *item* itself when there is nothing to fetch."""
        self.parked[id(item)] = item
        yield from self._guard(self._follow(item), lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR),
                               "follow", item.url)

    def skip(self, item: Article, note: str) -> Iterator[Article]:
        """Emit *item* without following its citation (``not_attempted``, with *note*)."""
        self.parked[id(item)] = item
        yield from self._settle(item, "not_attempted", note)

    def _follow(self, item: Article) -> Iterator[Any]:
        url = (item.source_url or "").strip()
        if not url:
            yield from self._settle(item, "not_attempted", notes.NO_CITATION)
            return
        reason = self.policy.check_url(url)
        if reason is not None:
            logger.info("Citation not fetched (%(reason)s): %(url)s", {"reason": reason, "url": url})
            yield from self._settle(item, "blocked", notes.POLICY)
            return
        host = host_of(url)
        if urlsplit(url).path.strip("/") == "" and not urlsplit(url).query:
            yield from self._match_on_site(item, host, url)
            return
        if not self._budget(host):
            yield from self._settle(item, "not_attempted", notes.DOMAIN_CAP)
            return
        yield self._origin_request(url, item, method="link")

    # -- deep links ---------------------------------------------------------------------
    def _origin_request(self, url: str, item: Article, *, method: str, score: float | None = None,
                        feed_date: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_origin, errback=self.origin_failed, dont_filter=True, priority=10,
            cb_kwargs={"item": item, "method": method, "score": score, "feed_date": feed_date},
            meta={"handle_httpstatus_list": list(NOT_FOUND_CODES), "newsarchive_origin": True, PARKED_META: True},
        )

    def parse_origin(self, response: Response, item: Article, method: str, score: float | None,
                     feed_date: str | None = None) -> Iterator[Article] | AsyncIterator[Article]:
        """A cited page: the record with its origin (:func:`newsarchive.extract_pool.extract_origin`).

        With ``NEWSARCHIVE_EXTRACT_WORKERS`` the page object runs in a worker process (then an async
        generator that awaits it); what it raises is raised again inside ``_guard``: the same
        ``callback_error`` record as an in-process failure.
        """
        if self.extractor.workers:
            return self._parse_origin_pooled(response, item, method, score, feed_date)
        return self._guard(self._parse_origin(response, item, method, score, feed_date, None),
                           lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR),
                           "parse_origin", response.url)

    async def _parse_origin_pooled(self, response: Response, item: Article, method: str, score: float | None,
                                   feed_date: str | None) -> AsyncIterator[Article]:
        html: str | None = None
        extracted: OriginResult | BaseException | None = None
        try:
            html = response_text(response, self.stats)
            if response.status not in NOT_FOUND_CODES and html:
                extracted = await self.extractor.run(extract_origin, *self._origin_job(response, item, html))
        except Exception as exc:
            extracted = exc
        for output in self._guard(self._parse_origin(response, item, method, score, feed_date, (html, extracted)),
                                  lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR),
                                  "parse_origin", response.url):
            yield output

    @staticmethod
    def _origin_job(response: Response, item: Article, html: str) -> tuple[str, str, str | None, str]:
        # the capture's profile version (fetched_at), and the aggregator body to compare with
        return canonical_url(response.url), html, response.meta.get("newsarchive_fetched_at"), item.body or ""

    def _parse_origin(self, response: Response, item: Article, method: str, score: float | None,
                      feed_date: str | None, pooled: tuple[str | None, OriginResult | BaseException | None] | None,
                      ) -> Iterator[Article]:
        html: str | None
        extracted: OriginResult | BaseException | None
        if pooled is None:  # in-process
            html = response_text(response, self.stats)
            ok = response.status not in NOT_FOUND_CODES and bool(html)
            extracted = extract_origin(*self._origin_job(response, item, html)) if ok and html else None
        else:
            html, extracted = pooled
            if isinstance(extracted, BaseException):
                raise extracted
        if response.status in NOT_FOUND_CODES or not html or extracted is None:
            yield from self._settle(item, "not_found", f"http_{response.status}" if html else notes.EMPTY_PAGE)
            return
        final_url = canonical_url(response.url)
        origin = extracted.origin
        apply_feed_date(origin, feed_date)  # a matched citation: the feed item's time when the page has none
        for name, how in origin.field_methods.items():  # the run report's share of each method, overall and per site
            self.stats.inc_value(f"newsarchive/origin/method/{name}/{how}")
            self.stats.inc_value(f"newsarchive/origin/method_by_site/{origin.site}/{name}/{how}")
        for flag in origin.flags:
            self.stats.inc_value(f"newsarchive/origin/flag/{flag}")
        if not (origin.title or origin.body):
            self.stats.inc_value("newsarchive/origin/empty_page")
            yield from self._settle(item, "not_found", notes.EMPTY_PAGE)
            return
        item.origin = origin
        item.origin_url = final_url
        item.origin_method = method  # type: ignore[assignment]
        item.origin_similarity = extracted.similarity
        if score is not None:
            self.stats.max_value("newsarchive/origin/match_score_max", score)
        yield from self._settle(item, "ok", None)

    def origin_failed(self, failure: Any) -> Iterator[Article]:  # a twisted Failure
        item: Article = failure.request.cb_kwargs["item"]
        yield from self._guard(self._origin_failed(failure, item),
                               lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR),
                               "origin_failed", failure.request.url)

    def _origin_failed(self, failure: Any, item: Article) -> Iterator[Article]:
        note = notes.failure_note(failure)
        if failure.check(BlockedURLError):
            status, note = "blocked", notes.POLICY
        elif failure.check(ReplayMissError):  # a replay: the runs never fetched it (over the cap, ...)
            status, note = "not_attempted", notes.NOT_IN_ARCHIVE
        elif failure.check(HttpError) and failure.value.response.status in NOT_FOUND_CODES:
            status = "not_found"
        else:
            status = "unreachable"
        logger.info("Origin %(status)s for %(url)s: %(error)s",
                    {"status": status, "url": failure.request.url, "error": failure.getErrorMessage()})
        yield from self._settle(item, status, note)

    # -- home-page-only citations -------------------------------------------------------
    def _match_on_site(self, item: Article, host: str, home: str) -> Iterator[Any]:
        site = self.sites.get(host)
        if site is None:
            site = self.sites[host] = SiteLists()
            base = f"{urlsplit(home).scheme or 'https'}://{urlsplit(home).netloc}"
            site.pending.append(item)
            for path, callback in (("/", self.parse_home), ("/robots.txt", self.parse_robots),
                                   *((p, self.parse_list) for p in LISTING_GUESSES)):
                request = self._list_request(site, host, base + path, callback)
                if request is not None:
                    yield request
            if site.outstanding == 0:  # every list refused by the per-domain cap
                yield from self._lists_finished(site, host)
            return
        if not site.done:
            site.pending.append(item)
            return
        yield from self._resolve(item, site, host)

    def _list_request(self, site: SiteLists, host: str, url: str, callback: Any,
                      depth: int = 0) -> scrapy.Request | None:
        site.requested.add(url)
        if not self._budget(host):
            site.capped = True
            return None
        site.outstanding += 1
        self.stats.inc_value("newsarchive/origin/list_requests")
        cb_kwargs: dict[str, Any] = {"host": host}
        if callback == self.parse_list:
            cb_kwargs["depth"] = depth
        return scrapy.Request(url, callback=callback, errback=self.list_failed, dont_filter=True, priority=20,
                              cb_kwargs=cb_kwargs, meta={"newsarchive_origin": True, PARKED_META: True})

    def parse_home(self, response: Response, host: str) -> Iterator[Any]:
        yield from self._guard(self._parse_home(response, host), lambda: self._list_done(host, response.request),
                               "parse_home", response.url)

    def _parse_home(self, response: Response, host: str) -> Iterator[Any]:
        site = self.sites[host]
        html = response_text(response, self.stats)
        if html:
            site.candidates += parse_listing_html(html, response.url, host)
            for link in response.xpath("//link[@rel='alternate'][@href]"):
                if (link.attrib.get("type") or "").lower() in FEED_TYPES:
                    yield from self._more(site, host, urljoin(response.url, link.attrib["href"]), self.parse_list, 0)
        yield from self._list_done(host, response.request)

    def parse_robots(self, response: Response, host: str) -> Iterator[Any]:
        yield from self._guard(self._parse_robots(response, host), lambda: self._list_done(host, response.request),
                               "parse_robots", response.url)

    def _parse_robots(self, response: Response, host: str) -> Iterator[Any]:
        site = self.sites[host]
        for line in response.body.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield from self._more(site, host, value.strip(), self.parse_list, 0)
        yield from self._list_done(host, response.request)

    def parse_list(self, response: Response, host: str, depth: int = 0) -> Iterator[Any]:
        yield from self._guard(self._parse_list(response, host, depth),
                               lambda: self._list_done(host, response.request), "parse_list", response.url)

    def _parse_list(self, response: Response, host: str, depth: int) -> Iterator[Any]:
        site = self.sites[host]
        body = response.body
        head = body[:500].lstrip().lower()
        if b"<rss" in head or b"<feed" in head:
            site.candidates += parse_feed(body, response.url)
        elif b"<urlset" in head or b"<sitemapindex" in head or b"<?xml" in head:
            candidates, children = parse_sitemap(body)
            site.candidates += candidates
            if children and depth + 1 > self.max_sitemap_depth:
                self.stats.inc_value("newsarchive/origin/sitemap_depth_capped")
                children = []
            for child in children:
                yield from self._more(site, host, child, self.parse_list, depth + 1)
        yield from self._list_done(host, response.request)

    def list_failed(self, failure: Any) -> Iterator[Any]:
        host = failure.request.cb_kwargs["host"]
        self.stats.inc_value("newsarchive/origin/list_failed")
        if failure.check(ReplayMissError) and host in self.sites:
            self.sites[host].capped = True  # a replay: the runs never fetched this list (their cap refused it)
        yield from self._guard(self._list_done(host, failure.request),
                               lambda: iter(()), "list_failed", failure.request.url)

    def _more(self, site: SiteLists, host: str, url: str, callback: Any, depth: int) -> Iterator[scrapy.Request]:
        if url in site.requested or host_of(url) != host:
            return
        if site.lists >= self.max_sitemaps:
            self.stats.inc_value("newsarchive/origin/sitemaps_capped")
            return
        site.lists += 1
        request = self._list_request(site, host, url, callback, depth)
        if request is not None:
            yield request

    def _list_done(self, host: str, request: scrapy.Request | None) -> Iterator[Any]:
        """One list request of *host* has been answered (or failed, or was dropped)."""
        site = self.sites[host]
        # the URL it was requested as: two lists may redirect to the same page
        key = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else ""
        if key in site.answered:
            return  # already counted (a callback that raised after finishing)
        site.answered.add(key)
        site.outstanding -= 1
        if site.outstanding > 0 or site.done:
            return
        yield from self._lists_finished(site, host)

    def _lists_finished(self, site: SiteLists, host: str) -> Iterator[Any]:
        site.done = True
        site.candidates = _unique(site.candidates)
        self.stats.set_value(f"newsarchive/origin/candidates/{host}", len(site.candidates))
        while site.pending:
            yield from self._resolve(site.pending.pop(0), site, host)

    def _resolve(self, item: Article, site: SiteLists, host: str) -> Iterator[Any]:
        yield from self._guard(self._match(item, site, host),
                               lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR), "match", item.url)

    def _match(self, item: Article, site: SiteLists, host: str) -> Iterator[Any]:
        # the same reading of the date as NormalizePipeline's: against the page's fetch time
        fetched = parse_datetime(item.fetched_at or "")
        reference = fetched if isinstance(fetched, datetime) else None
        published = parse_datetime(item.published_at_raw or "", reference=reference, lang=item.lang)
        when = published if isinstance(published, datetime) else None
        candidate, score = best_match(item.title or "", when, site.candidates,
                                      threshold=self.match_threshold, window=self.match_window)
        if candidate is None:
            self.stats.inc_value("newsarchive/origin/unmatched")
            if site.capped:  # the lists the cap refused might have held it
                yield from self._settle(item, "not_attempted", notes.DOMAIN_CAP)
            else:
                yield from self._settle(item, "not_found", notes.NO_MATCH)
            return
        if not self._budget(host):
            yield from self._settle(item, "not_attempted", notes.DOMAIN_CAP)
            return
        yield self._origin_request(candidate.url, item, method="matched", score=score, feed_date=candidate.published)

    # -- records whose requests were lost ---------------------------------------------------
    def dropped(self, request: scrapy.Request, note: str) -> Iterator[Any]:
        """What a parked request that will never reach its callback or errback releases."""
        self.stats.inc_value(f"newsarchive/origin/dropped/{note}")
        logger.warning("Origin request dropped (%(note)s): %(url)s", {"note": note, "url": request.url[:300]})
        item = request.cb_kwargs.get("item")
        if item is not None:
            yield from self._settle(item, "not_attempted", note)
        elif request.cb_kwargs.get("host") in self.sites:
            yield from self._list_done(request.cb_kwargs["host"], request)

    def drop_note(self, request: scrapy.Request, response: Response | None) -> str:
        """Why a spider middleware dropped *request* (checked against the limits Scrapy applies)."""
        if self.url_length_limit and len(request.url) > self.url_length_limit:
            return notes.DROPPED_URL_LENGTH
        depth = (response.meta.get("depth", 0) if response is not None else 0) + 1
        if self.depth_limit and depth > self.depth_limit:
            return notes.DROPPED_DEPTH
        return notes.DROPPED_FILTER

    def request_dropped(self, request: scrapy.Request) -> None:
        if request.meta.get(PARKED_META):
            self.emit_now(self.dropped(request, notes.DROPPED_SCHEDULER))

    def spider_idle(self) -> None:
        """A record still parked when nothing is left to do: its request was lost. Emit it now."""
        if not self.parked:
            return
        lost = list(self.parked.values())
        logger.warning("%(n)d record(s) still waited for their origin when the run went idle; emitting them",
                       {"n": len(lost)})
        for site in self.sites.values():
            site.pending.clear()
            site.done = True
        outputs: list[Any] = []
        for item in lost:
            outputs += self._settle(item, "not_attempted", notes.RUN_ENDED)
        self.emit_now(outputs)
        raise DontCloseSpider

    def emit_now(self, outputs: Iterable[Any]) -> None:
        """Hand records and requests to the engine outside a callback (signal handlers)."""
        engine = self.crawler.engine
        assert engine is not None
        for output in outputs:
            if isinstance(output, scrapy.Request):
                engine.crawl(output)
            else:
                deferred_from_coro(engine.scraper.start_itemproc_async(output, response=None))

    # -- bookkeeping --------------------------------------------------------------------
    def _guard(self, outputs: Iterator[Any], on_error: Callable[[], Iterator[Any]], what: str,
               url: str) -> Iterator[Any]:
        """*outputs*; if producing them raises, log it, count it and yield *on_error*'s outputs instead."""
        try:
            yield from outputs
        except Exception:
            self.stats.inc_value("newsarchive/origin/callback_error")
            logger.exception("Origin step %(what)s failed on %(url)s; its records are released",
                             {"what": what, "url": url[:300]})
            yield from on_error()

    def _budget(self, host: str) -> bool:
        used = self.requests_per_domain.get(host, 0)
        if used >= self.max_per_domain:
            self.stats.inc_value("newsarchive/origin/over_domain_cap")
            return False
        self.requests_per_domain[host] = used + 1
        return True

    def _settle(self, item: Article, status: str, note: str | None) -> Iterator[Article]:
        """Emit *item* with its final origin status, once (a second settle of a record emits nothing)."""
        if self.parked.pop(id(item), None) is not item:
            self.stats.inc_value("newsarchive/origin/settled_twice")
            return
        item.origin_status = status  # type: ignore[assignment]
        item.origin_note = None if status == "ok" else note
        if status != "ok":
            item.origin = None
            item.origin_url = None
            item.origin_method = None
            item.origin_similarity = None
            self.stats.inc_value(f"newsarchive/origin/note/{note}")
        if note in RELEASED_NOTES:
            self.stats.inc_value(f"newsarchive/origin/released/{note}")
        self.stats.inc_value(f"newsarchive/origin/status/{status}")
        yield item


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for c in candidates:
        seen.setdefault(canonical_url(c.url), c)
    return list(seen.values())
