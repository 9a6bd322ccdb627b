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

**One original, one download per run.** Each cited original has an identity key
(:func:`newsarchive.origin.identity.origin_key`: tracking parameters, scheme and ``www.``
do not count, nor the slug where the site's article id is known). The first record
citing an original sends the request; a record citing the same original under
another URL waits for that request (or takes its outcome when it is already in)
instead of downloading it again: it gets its own copy of the origin, its own
``origin_method`` and ``origin_similarity``, the same ``origin.key``, ``origin_url``
and, when the download failed, the same status and note. After the download the
page's own canonical URL (``<link rel=canonical>``/``og:url`` on the same site) is
a key of the original too. In a replay, a request the runs never made (they
fetched another URL of the same original) hands over to the next waiting URL,
else to an archived URL of its key (from the URL, or from what the archived page
names itself).

Every record that enters :meth:`OriginFollower.follow` is *parked* until it is
emitted, exactly once, whatever happens to its requests: an errback, an
exception in a callback (``origin_note = "callback_error"``), a request that a
spider middleware drops (:mod:`newsarchive.middlewares.records`), one the
scheduler drops (``request_dropped``), or the run going idle with records still
waiting (``spider_idle``: ``run_ended``). Every non-``ok`` record carries an
``origin_note`` (:mod:`newsarchive.origin.notes`).
"""

from __future__ import annotations

import copy
import logging
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro

from newsarchive.engine import waking
from newsarchive.extract_pool import ExtractionPool, OriginResult, extract_origin
from newsarchive.middlewares.records import PARKED_META
from newsarchive.netpolicy import BlockedURLError, NetPolicy
from newsarchive.normalize.dates import parse_datetime
from newsarchive.origin import notes
from newsarchive.origin.identity import origin_key
from newsarchive.origin.listing import Candidate, parse_feed, parse_listing_html, parse_sitemap
from newsarchive.origin.match import CandidatePool, best_match
from newsarchive.origin.similarity import origin_similarity
from newsarchive.origin.spill import SpilledOutcomes
from newsarchive.pages.dates import apply_feed_date
from newsarchive.pages.site_names import SiteNameLearner, page_title
from newsarchive.replay import ReplayMissError, archived_titles, declared_aliases, replayed_entries, replayed_urls
from newsarchive.responses import response_text
from newsarchive.state import SiteNameStore, open_site_names
from newsarchive.urls import canonical_url, host_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    from newsarchive.items import Article, Origin
    from newsarchive.replay import Entry

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
    pool: CandidatePool | None = None
    """The candidates keyed and filed by day, once the lists are read (:meth:`OriginFollower._lists_finished`)."""
    pending: deque[Article] = field(default_factory=deque)
    requested: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    outstanding: int = 0
    lists: int = 0
    """Feeds and sitemaps found on the site and requested (capped by NEWSARCHIVE_ORIGIN_MAX_SITEMAPS)."""
    capped: bool = False
    """A list request was refused by the per-domain cap."""
    done: bool = False


class SiteNameMemory:
    """The run's site names learned from cited pages' ``<title>`` (:mod:`newsarchive.pages.site_names`),
    per host, in the order pages are parsed; with a state store (:meth:`attach`) they start from what
    earlier runs learned and every change is written through (committed with the state store).
    A replay (``NEWSARCHIVE_REPLAY_WARC``) has no state store: before its first cited page it learns
    from the archive's own titles (:func:`newsarchive.replay.archived_titles`, the last few per host in
    capture order) and learns nothing more, so every worker of a sharded replay cuts the same names.

    Stats ``newsarchive/site_names/<metric>``: ``loaded`` (hosts from the state store), ``pages_with_names``
    (pages extracted with learned names), ``failed`` (store errors; the run goes on without the store).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.learner = SiteNameLearner(crawler.settings.getint("NEWSARCHIVE_SITE_NAMES_TITLES"),
                                       crawler.settings.getint("NEWSARCHIVE_SITE_NAMES_HOSTS"))
        self.store: SiteNameStore | None = None
        self.loaded = 0
        self.replay = bool(crawler.settings.get("NEWSARCHIVE_REPLAY_WARC"))
        self.primed = False
        self.early_failures = 0  # before the crawl starts there are no stats yet
        crawler.signals.connect(self._opened, signal=signals.spider_opened)

    def _opened(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("newsarchive/site_names/loaded", self.loaded)
        if self.early_failures:
            self.crawler.stats.inc_value("newsarchive/site_names/failed", self.early_failures)

    def attach(self, state: Any, spider_name: str) -> None:
        """Start from the names kept beside the state store *state*, and keep new ones there."""
        store = open_site_names(state, self.crawler.settings, spider_name)
        if store is None:
            return
        try:
            loaded = store.load(self.learner.max_hosts)
        except Exception as exc:  # sqlite3 / redis errors: learn from scratch, never stop the run
            self._failed(exc, early=True)
            return
        for host, titles in loaded:
            self.learner.restore(host, titles)
        self.loaded = len(loaded)
        self.store = store

    def names_for(self, url: str, html: str) -> tuple[str, ...]:
        """Record the ``<title>`` of the page at *url*; the names its host's titles teach, this one included
        (in a replay: the names the archive's titles of its host teach)."""
        host = host_of(url)
        if self.replay:
            if not self.primed:
                self._prime()
            names = self.learner.names(host)
            if names:
                self.stats.inc_value("newsarchive/site_names/pages_with_names")
            return names
        before = self.learner.titles(host)
        names = self.learner.add(host, page_title(html))
        titles = self.learner.titles(host)
        if self.store is not None and titles != before:
            try:
                self.store.save(host, titles, names)
            except Exception as exc:
                self._failed(exc)
        if names:
            self.stats.inc_value("newsarchive/site_names/pages_with_names")
        return names

    def _prime(self) -> None:
        """A replay: start from the archive's titles (read once, at the first cited page)."""
        self.primed = True
        aggregator = frozenset(getattr(self.crawler.spidercls, "aggregator_hosts", ()))  # no cited pages there
        loaded = archived_titles(replayed_entries(self.crawler), self.learner.titles_per_host, aggregator)
        for host, titles in loaded:
            self.learner.restore(host, titles)
        self.loaded = len(loaded)
        self.stats.set_value("newsarchive/site_names/loaded", self.loaded)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def _failed(self, exc: Exception, *, early: bool = False) -> None:
        self.store = None
        if early:
            self.early_failures += 1
        else:
            self.stats.inc_value("newsarchive/site_names/failed")
        logger.error("Learned site names not kept in the state store: %(error)s", {"error": exc})


@dataclass
class Citation:
    """One record waiting for a cited original, and how it cites it."""

    item: Article
    url: str
    method: str
    score: float | None = None
    feed_date: str | None = None


@dataclass
class Outcome:
    """What fetching an original gave: the status, and for ``ok`` the page's origin (before a feed date)."""

    status: str
    note: str | None = None
    origin: Origin | None = None
    url: str | None = None
    """The final URL, canonicalised (``origin_url``)."""


@dataclass
class Original:
    """One cited original in this run: its request, the records waiting for it, what it gave."""

    key: str
    waiting: list[Citation] = field(default_factory=list)
    """Records citing it besides the one whose request is out."""
    keys: list[str] = field(default_factory=list)
    """The identity keys it was filed under (some may name another original since: a hand-over)."""
    tried: set[str] = field(default_factory=set)
    """URLs requested for it, as requested (a replay answers exact URLs), so a hand-over never repeats one."""
    outcome: Outcome | None = None
    in_flight: bool = False
    """A request for it is out. Not in flight and no outcome: a replay found none of the URLs tried
    in the archive; its records wait for a citation under another URL (or the end of the replay)."""


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
        self.site_names = SiteNameMemory(crawler)
        self.originals: dict[str, Original] = {}
        """Identity key → the original fetched (or being fetched) in this run, unless moved to ``spilled``."""
        self.settled: dict[int, Original] = {}
        """The originals in ``originals`` with an outcome, oldest first (by id: each is settled once)."""
        self.outcomes_in_memory = settings.getint("NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY")
        self.spilled = SpilledOutcomes()
        """Outcomes of the originals settled before the newest ``outcomes_in_memory``."""
        self.archived: dict[str, list[str]] | None = None
        """A replay: identity key → the archived URLs of that key (built at the first miss)."""
        self.aliases_read: set[str] = set()
        """A replay: hosts whose archived pages were read for the URLs they name themselves."""
        self.archived_by_host: dict[str, list[Entry]] | None = None
        """A replay: host → the archive's records of it (built at the first host read for aliases)."""
        self.parked: dict[int, Article] = {}
        """Records between :meth:`follow` and their emission (id → record; the dict keeps them alive)."""
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spilled.close, signal=signals.spider_closed)

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
        yield from self._fetch(Citation(item, url, "link"), host)

    # -- deep links ---------------------------------------------------------------------
    def _fetch(self, citation: Citation, host: str) -> Iterator[Any]:
        """Request the original *citation* names, unless this run has it already or is fetching it."""
        key = origin_key(citation.url)
        original = self._known(key)
        if original is not None and original.outcome is None and not original.in_flight \
                and citation.url not in original.tried:
            yield self._origin_request(citation, original)  # a replay: this URL may be the one the runs fetched
            return
        if original is not None:
            self.stats.inc_value("newsarchive/origin/identity/shared")
            if original.outcome is not None:
                if key not in self.originals:
                    self.stats.inc_value("newsarchive/origin/outcomes/reloaded")
                yield from self._apply(original.outcome, citation)
            else:
                original.waiting.append(citation)
            return
        if not self._budget(host):
            yield from self._settle(citation.item, "not_attempted", notes.DOMAIN_CAP)
            return
        original = Original(key)
        self._file(key, original)
        yield self._origin_request(citation, original)

    def _origin_request(self, citation: Citation, original: Original) -> scrapy.Request:
        original.tried.add(citation.url)
        original.in_flight = True
        self.stats.inc_value("newsarchive/origin/identity/requested")
        return scrapy.Request(
            citation.url, callback=self.parse_origin, errback=self.origin_failed, dont_filter=True, priority=10,
            cb_kwargs={"item": citation.item, "method": citation.method, "score": citation.score,
                       "feed_date": citation.feed_date},
            meta={"handle_httpstatus_list": list(NOT_FOUND_CODES), "newsarchive_origin": True, PARKED_META: True,
                  "newsarchive_origin_key": original.key},
        )

    def _original_of(self, request: scrapy.Request) -> Original:
        """The original a request fetches (a fresh one for a request made before the key was known)."""
        key = request.meta.get("newsarchive_origin_key") or origin_key(request.url)
        original = self.originals.get(key)
        if original is None:
            original = Original(key)
            self._file(key, original)
        return original

    def _file(self, key: str, original: Original) -> None:
        self.originals[key] = original
        original.keys.append(key)

    def _names(self, original: Original) -> list[str]:
        """The keys that still file *original* (a hand-over may have filed some of them to another since)."""
        return [key for key in original.keys if self.originals.get(key) is original]

    def _known(self, key: str) -> Original | None:
        """The original filed under *key*: in memory, else settled and moved to disk (a copy, not filed again)."""
        original = self.originals.get(key)
        if original is None:
            outcome = self.spilled.get(key)
            if outcome is not None:
                original = Original(key, outcome=outcome)
        return original

    def _keep(self, original: Original) -> None:
        """*original* is settled: it stays in memory among the newest ``outcomes_in_memory``; the oldest
        beyond them go to disk under every key that still names them."""
        self.settled[id(original)] = original
        while len(self.settled) > self.outcomes_in_memory:
            oldest = self.settled[next(iter(self.settled))]
            names = self._names(oldest)
            if not self.spilled.put(names, oldest.outcome):  # logged: every outcome stays in memory from now on
                self.stats.inc_value("newsarchive/origin/outcomes/spill_failed")
                self.outcomes_in_memory = sys.maxsize
                return
            del self.settled[id(oldest)]
            for key in names:
                del self.originals[key]
            self.stats.inc_value("newsarchive/origin/outcomes/spilled")

    def _leader(self, request: scrapy.Request) -> Citation:
        kwargs = request.cb_kwargs
        return Citation(kwargs["item"], request.url, kwargs.get("method") or "link", kwargs.get("score"),
                        kwargs.get("feed_date"))

    def _archived_url(self, original: Original, host: str) -> str | None:
        """A replay: an archived URL with the key of *original* that was not asked for yet, if any.

        The runs fetched an original once, under the URL of the first record citing it; a record
        citing it under another URL shared that download. A worker of a sharded replay may hold
        the second record without the first: it finds the download by key, from the archived URLs,
        else from what the archived pages of *host* name themselves (:func:`declared_aliases`, read
        once per host, at its first such miss: the runs may have learned the key from a canonical link).
        """
        if self.archived is None:
            self.archived = {}
            for url in replayed_urls(self.crawler):
                self.archived.setdefault(origin_key(url), []).append(url)
        archived = self.archived

        def untried() -> str | None:
            return next((url for url in archived.get(original.key, ()) if url not in original.tried), None)

        if untried() is None and host not in self.aliases_read:
            self.aliases_read.add(host)
            self.stats.inc_value("newsarchive/origin/identity/declared_hosts_read")
            if self.archived_by_host is None:
                self.archived_by_host = {}
                for entry in replayed_entries(self.crawler):
                    self.archived_by_host.setdefault(host_of(entry.url), []).append(entry)
            for key, urls in declared_aliases(self.archived_by_host.get(host, ())).items():
                archived.setdefault(key, []).extend(urls)
        return untried()

    def _finish(self, original: Original, leader: Citation, outcome: Outcome | None,
                leader_similarity: float | None = None) -> Iterator[Any]:
        """Emit the records waiting for *original* with *outcome*; kept for later citations unless ``None``
        (an outcome of this request only: a callback error, a dropped request)."""
        waiting, original.waiting = [leader, *original.waiting], []
        original.in_flight = False
        if outcome is None:
            for key in self._names(original):
                del self.originals[key]
            return
        original.outcome = outcome
        self._keep(original)
        for citation in waiting:
            yield from self._apply(outcome, citation, leader_similarity if citation is leader else None)

    def _release(self, original: Original, leader: Citation, status: str, note: str) -> Iterator[Any]:
        """The request of *original* came to nothing of its own: its records go with *status*/*note*."""
        waiting = [leader, *original.waiting]
        yield from self._finish(original, leader, None)
        for citation in waiting:
            yield from self._settle(citation.item, status, note)

    def _apply(self, outcome: Outcome, citation: Citation, similarity: float | None = None) -> Iterator[Article]:
        """Settle the record of *citation* with *outcome*; *similarity*: its origin similarity when known
        (the leading record's, computed with the extraction), else computed here."""
        item = citation.item
        if outcome.status == "ok" and outcome.origin is not None:
            origin = copy.deepcopy(outcome.origin)  # each record its own (the pipelines normalise in place)
            apply_feed_date(origin, citation.feed_date)  # matched: the feed item's time when the page has none
            item.origin = origin
            item.origin_url = outcome.url
            item.origin_method = citation.method  # type: ignore[assignment]
            item.origin_similarity = similarity if similarity is not None \
                else round(origin_similarity(item.body or "", origin.body or ""), 4)
            if citation.score is not None:
                self.stats.max_value("newsarchive/origin/match_score_max", citation.score)
        yield from self._settle(item, outcome.status, outcome.note)

    def parse_origin(self, response: Response, item: Article, method: str, score: float | None,
                     feed_date: str | None = None) -> Iterator[Any] | AsyncIterator[Any]:
        """A cited page: the records citing it with its origin (:func:`newsarchive.extract_pool.extract_origin`).

        With ``NEWSARCHIVE_EXTRACT_WORKERS`` the page object runs in a worker process (then an async
        generator that awaits it); what it raises is raised again inside ``_guard``: the same
        ``callback_error`` records as an in-process failure.
        """
        request = response.request
        assert request is not None
        original, leader = self._original_of(request), self._leader(request)
        if self.extractor.workers:
            return self._parse_origin_pooled(response, original, leader)
        return self._guard(self._parse_origin(response, original, leader, None),
                           lambda: self._release(original, leader, "not_attempted", notes.CALLBACK_ERROR),
                           "parse_origin", response.url)

    async def _parse_origin_pooled(self, response: Response, original: Original,
                                   leader: Citation) -> AsyncIterator[Any]:
        html: str | None = None
        extracted: OriginResult | BaseException | None = None
        try:
            html = response_text(response, self.stats)
            if response.status not in NOT_FOUND_CODES and html:
                extracted = await self.extractor.run(extract_origin, *self._origin_job(response, leader, html))
        except Exception as exc:
            extracted = exc
        for output in self._guard(self._parse_origin(response, original, leader, (html, extracted)),
                                  lambda: self._release(original, leader, "not_attempted", notes.CALLBACK_ERROR),
                                  "parse_origin", response.url):
            yield output

    def _origin_job(self, response: Response, leader: Citation,
                    html: str) -> tuple[str, str, str | None, tuple[str, ...], str]:
        """The arguments of :func:`extract_origin`: the final URL, the capture's profile version
        (fetched_at), the site names learned so far (this page's ``<title>`` included) and the leading
        record's body to compare with."""
        final_url = canonical_url(response.url)
        names = self.site_names.names_for(final_url, html)
        return final_url, html, response.meta.get("newsarchive_fetched_at"), names, leader.item.body or ""

    def _parse_origin(self, response: Response, original: Original, leader: Citation,
                      pooled: tuple[str | None, OriginResult | BaseException | None] | None) -> Iterator[Any]:
        html: str | None
        extracted: OriginResult | BaseException | None
        if pooled is None:  # in-process
            html = response_text(response, self.stats)
            ok = response.status not in NOT_FOUND_CODES and bool(html)
            extracted = extract_origin(*self._origin_job(response, leader, html)) if ok and html else None
        else:
            html, extracted = pooled
            if isinstance(extracted, BaseException):
                raise extracted
        if response.status in NOT_FOUND_CODES or not html or extracted is None:
            yield from self._finish(original, leader, Outcome(
                "not_found", f"http_{response.status}" if html else notes.EMPTY_PAGE))
            return
        final_url = canonical_url(response.url)
        found = extracted.origin
        for key in (found.key or origin_key(final_url), origin_key(final_url)):  # what the page says it is names it too
            self._learn_key(key, original)
        origin = copy.deepcopy(found)
        apply_feed_date(origin, leader.feed_date)  # counted as the leading record has it
        for name, how in origin.field_methods.items():  # the run report's share of each method, overall and per site
            self.stats.inc_value(f"newsarchive/origin/method/{name}/{how}")
            self.stats.inc_value(f"newsarchive/origin/method_by_site/{origin.site}/{name}/{how}")
        for flag in origin.flags:
            self.stats.inc_value(f"newsarchive/origin/flag/{flag}")
        if not (origin.title or origin.body):
            self.stats.inc_value("newsarchive/origin/empty_page")
            yield from self._finish(original, leader, Outcome("not_found", notes.EMPTY_PAGE))
            return
        yield from self._finish(original, leader, Outcome("ok", None, found, final_url), extracted.similarity)

    def _learn_key(self, key: str, original: Original) -> None:
        """*key* names *original* too (its page's canonical URL). A replay may hold records already waiting
        under that key: the runs never fetched the canonical URL a record cites, because another citation
        of the page taught them its key first. Those records now wait for this download."""
        known = self._known(key)
        if known is None:
            self._file(key, original)
            return
        if known is original or known.outcome is not None or known.in_flight:
            return
        original.waiting += known.waiting
        original.tried |= known.tried
        known.waiting = []
        for name in self._names(known):  # every key it had names this one
            self._file(name, original)
        self.stats.inc_value("newsarchive/origin/identity/canonical_handover")

    def origin_failed(self, failure: Any) -> Iterator[Any]:  # a twisted Failure
        original, leader = self._original_of(failure.request), self._leader(failure.request)
        yield from self._guard(self._origin_failed(failure, original, leader),
                               lambda: self._release(original, leader, "not_attempted", notes.CALLBACK_ERROR),
                               "origin_failed", failure.request.url)

    def _origin_failed(self, failure: Any, original: Original, leader: Citation) -> Iterator[Any]:
        note = notes.failure_note(failure)
        if failure.check(BlockedURLError):
            status, note = "blocked", notes.POLICY
        elif failure.check(ReplayMissError):  # a replay: the runs never fetched it (over the cap, ...)
            untried = [c for c in original.waiting if c.url not in original.tried]
            if untried:  # the runs fetched this original under another URL a record cites: ask for that one
                original.waiting.remove(untried[0])
                original.waiting.append(leader)
                yield self._origin_request(untried[0], original)
                return
            archived = self._archived_url(original, host_of(leader.url))
            if archived is not None:  # the runs fetched it for a record this process does not replay
                self.stats.inc_value("newsarchive/origin/identity/archived_alias")
                yield self._origin_request(replace(leader, url=archived), original)
                return
            original.in_flight = False  # none of its URLs so far: wait for another citation of it
            original.waiting.append(leader)
            return
        elif failure.check(HttpError) and failure.value.response.status in NOT_FOUND_CODES:
            status = "not_found"
        else:
            status = "unreachable"
        logger.info("Origin %(status)s for %(url)s: %(error)s",
                    {"status": status, "url": failure.request.url, "error": failure.getErrorMessage()})
        yield from self._finish(original, leader, Outcome(status, note))

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
        site.pool = CandidatePool(site.candidates)
        self.stats.set_value(f"newsarchive/origin/candidates/{host}", len(site.candidates))
        while site.pending:
            yield from self._resolve(site.pending.popleft(), site, host)

    def _resolve(self, item: Article, site: SiteLists, host: str) -> Iterator[Any]:
        yield from self._guard(self._match(item, site, host),
                               lambda: self._settle(item, "not_attempted", notes.CALLBACK_ERROR), "match", item.url)

    def _match(self, item: Article, site: SiteLists, host: str) -> Iterator[Any]:
        # the same reading of the date as NormalizePipeline's: against the page's fetch time
        fetched = parse_datetime(item.fetched_at or "")
        reference = fetched if isinstance(fetched, datetime) else None
        published = parse_datetime(item.published_at_raw or "", reference=reference, lang=item.lang)
        when = published if isinstance(published, datetime) else None
        candidate, score = best_match(item.title or "", when, site.pool or site.candidates,
                                      threshold=self.match_threshold, window=self.match_window)
        if candidate is None:
            self.stats.inc_value("newsarchive/origin/unmatched")
            if site.capped:  # the lists the cap refused might have held it
                yield from self._settle(item, "not_attempted", notes.DOMAIN_CAP)
            else:
                yield from self._settle(item, "not_found", notes.NO_MATCH)
            return
        yield from self._fetch(Citation(item, candidate.url, "matched", score, candidate.published), host)

    # -- records whose requests were lost ---------------------------------------------------
    def dropped(self, request: scrapy.Request, note: str) -> Iterator[Any]:
        """What a parked request that will never reach its callback or errback releases."""
        self.stats.inc_value(f"newsarchive/origin/dropped/{note}")
        logger.warning("Origin request dropped (%(note)s): %(url)s", {"note": note, "url": request.url[:300]})
        item = request.cb_kwargs.get("item")
        if item is not None and request.meta.get("newsarchive_origin_key"):
            yield from self._release(self._original_of(request), self._leader(request), "not_attempted", note)
        elif item is not None:
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
        for site in self.sites.values():
            site.pending.clear()
            site.done = True
        unarchived: list[Any] = []
        for key in [k for k, original in self.originals.items() if original.outcome is None]:
            original = self.originals.pop(key)
            for citation in original.waiting if not original.in_flight else ():  # a replay: in no capture
                unarchived += self._settle(citation.item, "not_attempted", notes.NOT_IN_ARCHIVE)
            original.waiting.clear()  # the others are released below, with every parked record
        if unarchived:  # ordinary in a replay: the runs did not fetch every page cited (the per-site cap, ...)
            logger.info("%(n)d record(s) cite pages the replayed runs never fetched (origin_note %(note)s)",
                        {"n": len(unarchived), "note": notes.NOT_IN_ARCHIVE})
        ended = [output for item in lost if id(item) in self.parked
                 for output in self._settle(item, "not_attempted", notes.RUN_ENDED)]
        if ended:
            logger.warning("%(n)d record(s) still waited for their origin when the run went idle (a lost request); "
                           "emitting them", {"n": len(ended)})
        self.emit_now([*unarchived, *ended])
        raise DontCloseSpider

    def emit_now(self, outputs: Iterable[Any]) -> None:
        """Hand records and requests to the engine outside a callback (signal handlers)."""
        engine = self.crawler.engine
        assert engine is not None
        for output in outputs:
            if isinstance(output, scrapy.Request):
                engine.crawl(output)
            else:
                # the engine only looks for its end after a download: told when the record is through
                deferred_from_coro(engine.scraper.start_itemproc_async(output, response=None)).addBoth(
                    waking(self.crawler))

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
