"""scrapy-redis, fixed for several workers sharing one frontier.

:class:`DistributedScheduler` subclasses :class:`scrapy_redis.scheduler.Scheduler`;
:class:`LeasedPriorityQueue` and :class:`SharedDupeFilter` subclass its queue and
duplicate filter. What changes (see :mod:`newsarchive.distributed` for the why):

- **No blocking call on the reactor thread.** Pops never use ``BRPOP``
  (``SCHEDULER_IDLE_BEFORE_CLOSE`` is ignored); an idle worker waits for work through
  ``spider_idle`` + ``DontCloseSpider`` and a short timer that wakes the engine.
- **Fewer round trips.** One script call per new request (dupefilter ``SADD`` and
  queue ``ZADD`` together; requests this worker already saw are refused without asking
  Redis), and requests are popped ``NEWSARCHIVE_REDIS_BATCH`` at a time, with the
  acknowledgements of finished requests in the same round trip.
- **Workers stay until the crawl is over.** A worker whose local view is empty keeps
  running while the shared queue has requests or another worker still holds some
  (those may discover more), instead of closing at once.
- **Nothing held by a dead worker is lost.** Popped requests sit in the worker's
  processing set until the engine is done with them (callback and item pipelines
  finished) *and* every record parked while they were in flight (an article's record
  waiting in the origin follower for its citation, :mod:`spiders.origins`) has passed
  the item pipelines; a survivor re-queues them when the dead worker's heartbeat expires.
- **Closing never wipes the others' work.** A worker that closes hands back what it
  popped but did not start; only the last worker of a *finished* run clears the run's
  keys, and only with ``SCHEDULER_PERSIST = False``.
- **Process-local requests.** Requests that cannot be serialized (callbacks that are
  not spider methods) or carry one of ``NEWSARCHIVE_REDIS_LOCAL_META`` stay in this
  process: they depend on its memory (e.g. the origin follower's pending records).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import pickle
import socket
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import call_later, create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from newsarchive.distributed.connection import redis_from_settings
from newsarchive.distributed.frontier import Frontier
from newsarchive.engine import engine_inprogress, wake_engine
from newsarchive.settings_helpers import load_json_setting

if TYPE_CHECKING:
    from typing import Self

    from redis import Redis
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from scrapy.utils.asyncio import CallLaterResult

logger = logging.getLogger(__name__)

STAT = "newsarchive/distributed/"
#: Set (to the seconds waited) when the worker stopped because Redis stayed unreachable; the crawl exits 1.
STAT_REDIS_UNAVAILABLE = "newsarchive/distributed/redis_unavailable"
#: What an unreachable (stopped, restarting, partitioned) Redis raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
DEFAULT_PREFIX = "newsarchive:%(spider)s"
UNSERIALIZABLE = (ValueError, TypeError, AttributeError, pickle.PicklingError)


@dataclass
class Held:
    """A finished shared request whose acknowledgement waits for records it may have produced.

    *records*: the records (id → record) parked in the origin follower while the request was
    in flight and still unfinished (not yet through the item pipelines) when it finished;
    *requests*: the process-local requests in flight then (one of them may be carrying such
    a record through the pipelines already).
    """

    data: bytes
    records: dict[int, object] = field(default_factory=dict)
    requests: set[Request] = field(default_factory=set)


class LeasedPriorityQueue(PriorityQueue):  # type: ignore[misc]  # scrapy-redis has no type hints
    """The shared priority queue, popped in batches into this worker's processing set."""

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None,
                 frontier: Frontier | None = None) -> None:
        super().__init__(server, spider, key, serializer)
        if frontier is None:
            raise ValueError("LeasedPriorityQueue needs a Frontier")
        self.frontier = frontier

    def encode(self, request: Request) -> bytes:
        data: bytes = self._encode_request(request)
        return data

    def decode(self, data: bytes) -> Request:
        request: Request = self._decode_request(data)
        return request

    def push(self, request: Request) -> None:
        self.frontier.push(self.encode(request), -request.priority, None)

    def pop_batch(self, n: int, acks: list[bytes]) -> list[tuple[bytes, Request]]:
        return [(data, self.decode(data)) for data, _ in self.frontier.pop(n, acks)]

    def pop(self, timeout: int = 0) -> Request | None:
        """One request, never blocking (*timeout* is ignored on purpose)."""
        batch = self.pop_batch(1, [])
        return batch[0][1] if batch else None


class SharedDupeFilter(RFPDupeFilter):  # type: ignore[misc]  # scrapy-redis has no type hints
    """scrapy-redis' Redis set of fingerprints, with Scrapy's request fingerprints and a local cache.

    The cache holds fingerprints this worker already queued or saw refused: asking Redis
    again could only answer "seen".
    """

    def __init__(self, server: Redis, key: str, debug: bool = False, crawler: Crawler | None = None) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = crawler.request_fingerprinter if crawler is not None else None
        self.local: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        prefix = settings.get("NEWSARCHIVE_REDIS_PREFIX") or DEFAULT_PREFIX
        name = crawler.spidercls.name if crawler.spidercls else "spider"
        key = f"{prefix % {'spider': name}}:dupefilter"
        return cls(redis_from_settings(settings), key, settings.getbool("DUPEFILTER_DEBUG"), crawler)

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:
            fingerprint: str = super().request_fingerprint(request)
            return fingerprint
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        fp = self.request_fingerprint(request)
        if fp in self.local:
            return True
        self.local.add(fp)
        return bool(self.server.sadd(self.key, fp) == 0)

    def close(self, reason: str = "") -> None:
        """Keep the shared set: other workers may still be using it (the scheduler clears it)."""


class DistributedScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis has no type hints
    """A scrapy-redis scheduler that several workers can share safely and quickly."""

    def __init__(self, server: Redis, crawler: Crawler, *, prefix: str = DEFAULT_PREFIX, persist: bool = False,
                 batch: int = 16, heartbeat: float = 1.0, worker_timeout: float = 10.0, idle_poll: float = 0.1,
                 push_delay: float = 0.02, local_meta: list[str] | None = None, worker_id: str = "",
                 filter_dont_filter: bool = True, serializer: Any = None, outage_timeout: float = 30.0) -> None:
        if batch < 1:
            raise ValueError(f"NEWSARCHIVE_REDIS_BATCH must be at least 1, got {batch}")
        if worker_timeout <= 2 * heartbeat:
            raise ValueError("NEWSARCHIVE_REDIS_WORKER_TIMEOUT must be more than twice NEWSARCHIVE_REDIS_HEARTBEAT")
        super().__init__(server, persist=persist, queue_key=f"{prefix}:requests",
                         queue_cls=f"{__name__}.LeasedPriorityQueue", dupefilter_key=f"{prefix}:dupefilter",
                         dupefilter_cls=f"{__name__}.SharedDupeFilter", serializer=serializer or picklecompat)
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.prefix_template = prefix
        self.batch = batch
        self.heartbeat_interval = heartbeat
        self.worker_timeout = worker_timeout
        self.idle_poll = idle_poll
        self.local_meta = tuple(local_meta or ())
        self.filter_dont_filter = filter_dont_filter
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.buffer: deque[tuple[bytes, Request]] = deque()  # popped, not yet handed to the engine
        self.inflight: dict[Request, bytes] = {}  # handed to the engine, not finished
        self.parked_before: dict[Request, frozenset[int]] = {}  # the follower's parked records at hand-over
        self.held: list[Held] = []  # finished, acknowledged once their records are archived
        self.waiting_on: dict[int, list[Held]] = {}  # id of a parked record → the held requests it holds
        self.acks: list[bytes] = []  # finished, not yet removed from the processing set
        self.pushes: list[tuple[bytes, float, str | None]] = []  # discovered, not yet sent
        self.max_pushes = 256
        self.push_delay = push_delay
        self._push_timer: CallLaterResult | None = None
        self.local: list[tuple[int, int, Request]] = []  # heap of process-local requests
        self.local_inflight: set[Request] = set()
        self._local_busy = False
        self._seq = itertools.count()
        self._timer: CallLaterResult | None = None
        self._heartbeat: Any = None
        self._lease_ok = True
        self.outage_timeout = outage_timeout
        self._down_since: float | None = None  # monotonic time of the first failure of the current outage
        self._given_up = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getint("SCHEDULER_IDLE_BEFORE_CLOSE"):
            logger.warning("SCHEDULER_IDLE_BEFORE_CLOSE is ignored: a blocking pop would stall the reactor "
                           "(idle workers wait for work without blocking)")
        server = redis_from_settings(settings)
        server.ping()
        scheduler = cls(
            server, crawler,
            prefix=settings.get("NEWSARCHIVE_REDIS_PREFIX") or DEFAULT_PREFIX,
            persist=settings.getbool("SCHEDULER_PERSIST"),
            batch=settings.getint("NEWSARCHIVE_REDIS_BATCH"),
            heartbeat=settings.getfloat("NEWSARCHIVE_REDIS_HEARTBEAT"),
            worker_timeout=settings.getfloat("NEWSARCHIVE_REDIS_WORKER_TIMEOUT"),
            idle_poll=settings.getfloat("NEWSARCHIVE_REDIS_IDLE_POLL"),
            local_meta=list(load_json_setting(settings, "NEWSARCHIVE_REDIS_LOCAL_META")),
            worker_id=settings.get("NEWSARCHIVE_REDIS_WORKER_ID") or "",
            filter_dont_filter=settings.getbool("NEWSARCHIVE_REDIS_FILTER_DONT_FILTER"),
            outage_timeout=settings.getfloat("NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT"),
        )
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(scheduler.record_done, signal=signal)
        return scheduler

    # -- life cycle ------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        prefix = self.prefix_template % {"spider": spider.name}
        self.frontier = Frontier(self.server, prefix, self.worker_id, ttl=self.worker_timeout)
        self.queue = LeasedPriorityQueue(self.server, spider, self.queue_key % {"spider": spider.name},
                                         self.serializer, frontier=self.frontier)
        self.df = SharedDupeFilter(self.server, self.frontier.dupefilter_key,
                                   spider.settings.getbool("DUPEFILTER_DEBUG"), self.crawler)
        self.frontier.register()
        self.stats.set_value(f"{STAT}worker", self.worker_id)
        queued, busy, _ = self.frontier.state()
        logger.info("Distributed frontier %(prefix)s: worker %(worker)s, %(queued)d requests queued, "
                    "%(busy)d other workers busy", {"prefix": prefix, "worker": self.worker_id,
                                                     "queued": queued, "busy": busy})
        self._heartbeat = create_looping_call(self._beat)
        self._heartbeat.start(self.heartbeat_interval, now=False)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self._cancel_timers()
        try:
            self._close(reason)
        except REDIS_DOWN as exc:
            # Nothing is acknowledged: the requests this worker held stay in its processing set, and
            # the other workers re-queue them once its heartbeat is older than NEWSARCHIVE_REDIS_WORKER_TIMEOUT.
            logger.error("Redis is unreachable while closing (%(error)s): this worker's unacknowledged requests "
                         "are left to the other workers", {"error": exc})

    def _close(self, reason: str) -> None:
        self._collect_finished()
        for request in list(self.inflight):  # the engine has drained its slot: all finished
            self._finished(request)
        self.local_inflight.clear()
        self._release_held(schedule=False)
        self.waiting_on.clear()
        # Records that never reached the archive (the run was cut short): their requests go back
        # to the queue, for another worker or the resumed run.
        unarchived, self.held = self.held, []
        self._sync()
        handed_back = self.frontier.requeue([entry.data for entry in unarchived] + [data for data, _ in self.buffer])
        self.buffer.clear()
        if unarchived:
            self.stats.inc_value(f"{STAT}held/handed_back", len(unarchived))
            logger.warning("%(n)d finished requests whose records were never archived go back to the queue "
                           "(closing: %(reason)s)", {"n": len(unarchived), "reason": reason})
        if handed_back:
            self.stats.inc_value(f"{STAT}requeued_on_close", handed_back)
        if self.local:
            self.stats.inc_value(f"{STAT}local/dropped", len(self.local))
            logger.warning("%(n)d process-local requests were not processed (closing: %(reason)s)",
                           {"n": len(self.local), "reason": reason})
        if not self.frontier.unregister():
            self.stats.inc_value(f"{STAT}left_in_processing")
            logger.warning("Requests were left in the processing set of worker %(worker)s: the other workers "
                           "re-queue them", {"worker": self.worker_id})
        if reason == "finished" and not self.persist:
            queued, busy, dead = self.frontier.state()
            if not queued and not busy and not dead and not self.frontier.workers():
                self.frontier.clear()
                logger.info("Last worker of a finished run: frontier %(prefix)s cleared",
                            {"prefix": self.frontier.prefix})

    def flush(self) -> None:
        self.frontier.clear()

    # -- scheduler interface ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.buffer) + len(self.local) + len(self.pushes) + self.frontier.queued()

    def has_pending_requests(self) -> bool:
        if self.buffer or self.local:
            return True
        try:
            self._sync()
            queued = self.frontier.queued()
        except REDIS_DOWN as exc:
            return self._redis_down(exc)  # keep the engine waiting while Redis may come back
        self._redis_up()
        if queued:
            self._wake_soon(0.0)  # another worker may pop it first: ask the engine to try now
            return True
        return False

    def enqueue_request(self, request: Request) -> bool:
        """Queue *request*; a duplicate only another worker knows is counted when the batch is sent.

        Such a request returns ``True`` here (no ``request_dropped`` signal): the answer
        would cost a round trip per request.
        """
        try:
            return self._enqueue(request)
        except REDIS_DOWN as exc:
            self._redis_down(exc)
            return True  # kept (in self.pushes or self.local) until Redis answers again

    def _enqueue(self, request: Request) -> bool:
        if self._is_local(request):
            return self._enqueue_local(request)
        try:
            data = self.queue.encode(request)
        except UNSERIALIZABLE:
            self.stats.inc_value(f"{STAT}local/unserializable")
            return self._enqueue_local(request)
        fp = None
        if self._filtered_in_run(request):
            fp = self.df.request_fingerprint(request)
            if fp in self.df.local:
                return self._filtered(request, "local")
            self.df.local.add(fp)
        self.pushes.append((data, -request.priority, fp))
        if len(self.pushes) >= self.max_pushes:
            self._sync()
        elif self._push_timer is None:
            self._push_timer = call_later(self.push_delay, self._flush_pushes)
        return True

    def next_request(self) -> Request | None:
        try:
            self._collect_finished()
            if not self.buffer and not self.local:
                self._sync(pop=self.batch)
                self._redis_up()
        except REDIS_DOWN as exc:
            self._redis_down(exc)
        local_best = -self.local[0][0] if self.local else None
        if self.local and (not self.buffer or local_best >= self.buffer[0][1].priority):  # type: ignore[operator]
            _, _, request = heapq.heappop(self.local)
            self.local_inflight.add(request)
            return request
        if not self.buffer:
            return None
        data, request = self.buffer.popleft()
        self.inflight[request] = data
        parked = _parked_records(self.spider)
        if parked is not None:
            self.parked_before[request] = frozenset(parked)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # -- idle: wait while others may still discover work -------------------------------------
    def spider_idle(self, spider: Spider) -> None:
        try:
            self._collect_finished()
            self._sync()
            self._sync_busy()
            reclaimed = self.frontier.reclaim_dead()
            if reclaimed:
                self._reclaimed(reclaimed)
            queued, busy, dead = self.frontier.state()
        except REDIS_DOWN as exc:
            if self._redis_down(exc):
                self._wake_soon(1.0)
                raise DontCloseSpider from None
            return
        self._redis_up()
        if queued or busy or dead:
            self.stats.inc_value(f"{STAT}idle_waits")
            self._wake_soon(0.0 if queued else self.idle_poll)
            raise DontCloseSpider

    # -- internals ---------------------------------------------------------------------------
    def _sync(self, pop: int = 0) -> None:
        """Send buffered pushes and acknowledgements (and pop up to *pop* requests) in one round trip."""
        if self._push_timer is not None:
            self._push_timer.cancel()
            self._push_timer = None
        pushes, self.pushes = self.pushes, []
        acks, self.acks = self.acks, []
        if not (pushes or acks or pop):
            return
        try:
            queued, popped = self.frontier.sync(pushes, acks, pop)
        except REDIS_DOWN:
            self.pushes[:0] = pushes  # sent again with the next sync
            self.acks[:0] = acks
            raise
        logger.debug("Frontier sync: %(pushes)d pushed, %(acks)d acknowledged, %(popped)d popped",
                     {"pushes": len(pushes), "acks": len(acks), "popped": len(popped)})
        self.stats.inc_value(f"{STAT}round_trips")
        new = sum(queued)
        if new:
            self.stats.inc_value("scheduler/enqueued/redis", new)
        if len(queued) > new:
            self.stats.inc_value("dupefilter/filtered", len(queued) - new)
            self.stats.inc_value(f"{STAT}filtered/shared", len(queued) - new)
        if acks:
            self.stats.inc_value(f"{STAT}acked", len(acks))
        if pop:
            self.stats.inc_value(f"{STAT}pops")
            if popped:
                self.buffer.extend((data, self.queue.decode(data)) for data, _ in popped)
                self.stats.inc_value(f"{STAT}popped", len(popped))
            else:
                self.stats.inc_value(f"{STAT}empty_pops")

    def _flush_pushes(self) -> None:
        self._push_timer = None
        try:
            self._sync()
        except REDIS_DOWN as exc:
            self._redis_down(exc)
        except Exception:
            logger.exception("Could not send queued requests to Redis (retrying with the next batch)")

    def _filtered_in_run(self, request: Request) -> bool:
        """Whether the run-wide filter applies: also to ``dont_filter`` requests, except retries.

        Spiders mark requests ``dont_filter`` so that a resumed JOBDIR run re-fetches what a
        killed run lost (the icma spider's start pages and articles); the shared frontier
        re-queues a dead worker's requests itself, so there each URL is fetched once per run.
        ``NEWSARCHIVE_REDIS_FILTER_DONT_FILTER = False`` restores Scrapy's meaning.
        """
        if not request.dont_filter:
            return True
        return self.filter_dont_filter and "retry_times" not in request.meta

    def _is_local(self, request: Request) -> bool:
        return any(request.meta.get(key) for key in self.local_meta)

    def _enqueue_local(self, request: Request) -> bool:
        if not request.dont_filter:
            fp = self.df.request_fingerprint(request)
            if fp in self.df.local:
                return self._filtered(request, "local")
            self.df.local.add(fp)
            if self.server.sadd(self.df.key, fp) == 0:
                return self._filtered(request, "shared")
        heapq.heappush(self.local, (-request.priority, next(self._seq), request))
        self.stats.inc_value(f"{STAT}local/enqueued")
        if not self._local_busy:
            self._sync_busy()
        return True

    def _filtered(self, request: Request, where: str) -> bool:
        self.df.log(request, self.spider)
        self.stats.inc_value("dupefilter/filtered")
        self.stats.inc_value(f"{STAT}filtered/{where}")
        return False

    def _collect_finished(self) -> None:
        """Move requests the engine is done with (downloaded, called back, items processed) to the acks."""
        inprogress = engine_inprogress(self.crawler)
        if inprogress is None:  # unknown engine: acknowledge on hand-over (no re-queue after a crash)
            self.acks += self.inflight.values()
            self.inflight.clear()
            self.parked_before.clear()
            self.local_inflight.clear()
            return
        done = [request for request in self.inflight if request not in inprogress]
        acks = len(self.acks)
        for request in done:
            self._finished(request)
        self.local_inflight.intersection_update(inprogress)
        if self.held:
            self._release_held(schedule=False)
        if len(self.acks) > acks and self._push_timer is None:  # acknowledge promptly: fewer re-fetches after a crash
            self._push_timer = call_later(self.push_delay, self._flush_pushes)
        if self._local_busy and not self.local and not self.local_inflight:
            self._sync_busy()

    def _finished(self, request: Request) -> None:
        """*request* is done in the engine: acknowledge it, or hold it while records it may have produced wait.

        An article's callback parks its record in the origin follower and yields the citation's
        request, which stays in this process: the article request is finished while its record is
        not archived yet. Acknowledged now, a worker that dies (or stops for a Redis outage) before
        the origin answers would lose the record with no other worker to fetch the article again
        (its fingerprint is in the run-wide filter). So it waits for the records parked while it
        was in flight (by it, or by a request alongside: at worst waiting a little longer) to pass
        the item pipelines (:meth:`record_done`), and for the process-local requests in flight now
        (one of them may be carrying such a record through the pipelines already).
        """
        data = self.inflight.pop(request)
        before = self.parked_before.pop(request, None)
        parked = _parked_records(self.spider)
        if before is None or parked is None:
            self.acks.append(data)
            return
        records = {key: record for key, record in parked.items() if key not in before}
        requests = set(self.local_inflight)
        if not records and not requests:
            self.acks.append(data)
            return
        entry = Held(data, records, requests)
        self.held.append(entry)
        for key in records:
            self.waiting_on.setdefault(key, []).append(entry)
        self.stats.inc_value(f"{STAT}held")

    def record_done(self, item: Any) -> None:
        """``item_scraped``/``item_dropped``/``item_error``: *item* is through the item pipelines."""
        entries = self.waiting_on.pop(id(item), None)
        if not entries:
            return
        for entry in entries:
            if entry.records.get(id(item)) is item:
                del entry.records[id(item)]
        self._release_held()

    def _release_held(self, schedule: bool = True) -> None:
        """Acknowledge the held requests whose records are archived and whose local companions finished."""
        still: list[Held] = []
        for entry in self.held:
            entry.requests &= self.local_inflight
            if entry.records or entry.requests:
                still.append(entry)
            else:
                self.acks.append(entry.data)
        if len(still) == len(self.held):
            return
        self.held = still
        if schedule and self._push_timer is None:
            self._push_timer = call_later(self.push_delay, self._flush_pushes)

    def _sync_busy(self) -> None:
        busy = bool(self.local or self.local_inflight)
        if busy != self._local_busy:
            if not busy:
                self._sync()  # what local requests discovered is queued before we say we are done
            self.frontier.set_busy(busy)
            self._local_busy = busy

    def _beat(self) -> None:
        try:
            self._beat_once()
            self._redis_up()
        except REDIS_DOWN as exc:
            self._redis_down(exc)
        except Exception:  # a Redis hiccup must not stop the heartbeat for good
            self.stats.inc_value(f"{STAT}heartbeat_errors")
            logger.exception("Heartbeat of worker %(worker)s failed", {"worker": self.worker_id})

    def _beat_once(self) -> None:
        self._collect_finished()
        self._sync()
        alive = self.frontier.beat(self._local_busy)
        if not alive and self._lease_ok:
            self.stats.inc_value(f"{STAT}lease_lost")
            logger.warning("Worker %(worker)s missed its heartbeat for over %(ttl).1fs; others may have re-queued "
                           "its requests (they will be fetched twice)",
                           {"worker": self.worker_id, "ttl": self.worker_timeout})
        self._lease_ok = alive
        reclaimed = self.frontier.reclaim_dead()
        if reclaimed:
            self._reclaimed(reclaimed)

    # -- Redis outages: retried for NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT seconds, then the worker stops ----------
    def _redis_down(self, exc: BaseException) -> bool:
        """Note a failed Redis call; ``True`` while the outage may still pass, ``False`` once given up."""
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            self.stats.inc_value(f"{STAT}redis_outages")
            logger.warning("Redis is unreachable (%(error)s); retrying for up to %(timeout).0fs",
                           {"error": exc, "timeout": self.outage_timeout})
        waited = now - self._down_since
        if waited <= self.outage_timeout:
            return True
        if not self._given_up:
            self._given_up = True
            self.stats.set_value(STAT_REDIS_UNAVAILABLE, round(waited, 1))
            logger.error("Redis has been unreachable for %(waited).0fs (NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT): "
                         "stopping this worker; the requests it had not finished stay with the other workers",
                         {"waited": waited})
            engine = self.crawler.engine
            if hasattr(engine, "close_spider_async"):
                deferred_from_coro(engine.close_spider_async(reason="redis_unavailable"))
            else:  # Scrapy < 2.14
                engine.close_spider(self.spider, "redis_unavailable")
        return False

    def _redis_up(self) -> None:
        if self._down_since is not None and not self._given_up:
            logger.warning("Redis answers again after %(s).1fs", {"s": time.monotonic() - self._down_since})
            self._down_since = None

    def _reclaimed(self, n: int) -> None:
        self.stats.inc_value(f"{STAT}reclaimed", n)
        logger.warning("Re-queued %(n)d requests held by dead workers", {"n": n})
        self._wake_soon(0.0)

    def _wake_soon(self, delay: float) -> None:
        if self._timer is not None:
            return
        self._timer = call_later(delay, self._wake)

    def _wake(self) -> None:
        self._timer = None
        wake_engine(self.crawler)

    def _cancel_timers(self) -> None:
        for timer in (self._timer, self._push_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._push_timer = None


def _parked_records(spider: Spider | None) -> dict[int, object] | None:
    """The records the spider's origin follower holds (``spider.origins.parked``, :mod:`spiders.origins`)."""
    parked = getattr(getattr(spider, "origins", None), "parked", None)
    return parked if isinstance(parked, dict) else None


