"""Distributed crawling: several ``scrapy crawl`` processes share one frontier in Redis.

Switch: :class:`newsarchive.addons.DistributedAddon` (always in ``ADDONS``) does nothing until
``NEWSARCHIVE_REDIS_URL`` is set; then every worker started with the same URL and
``NEWSARCHIVE_REDIS_PREFIX`` shares one queue and one duplicate filter, and never fetches a URL
twice (except after a crash, see below). Spiders do not change.

Why not plain scrapy-redis 0.9.1 (measured with Scrapy 2.19 on the mirror, ``bench/distributed.py``):

- ``SCHEDULER_IDLE_BEFORE_CLOSE`` makes ``pop`` a ``BRPOP`` on the reactor thread: each time the
  queue is momentarily empty the whole process freezes for that long (FIFO queue, 2 s: 630 s for
  a crawl that takes 8 s).
- A worker closes as soon as its own view is idle: a second worker whose start requests are all
  duplicates finds the queue empty while the first one still fetches the home page, and stops
  after 5 ms with no share of the work. With ``SCHEDULER_PERSIST = False`` (the default) the
  first worker to close also deletes the queue *and* the duplicate filter under the others.
- A request is removed from Redis when popped: a worker killed mid-crawl loses everything it
  held. Requests whose callbacks are not spider methods (the origin follower's) cannot be
  serialized at all and fail at ``enqueue``.
- Two round trips per discovered request (``SADD``, then ``ZADD``) and one per pop; on a 2-core
  machine each one is a context switch to ``redis-server`` while the worker waits.

What :mod:`~newsarchive.distributed.scheduler` does instead: non-blocking batched pops
(``NEWSARCHIVE_REDIS_BATCH``); pushes, acknowledgements and the next pop in one pipelined round
trip; a local cache of fingerprints already seen; idle workers kept alive (``DontCloseSpider``)
while the queue has requests or another worker holds some, polling every
``NEWSARCHIVE_REDIS_IDLE_POLL`` seconds; per-worker processing sets with a heartbeat
(reliable-queue pattern, :mod:`~newsarchive.distributed.frontier`) so a dead worker's requests are
re-queued after ``NEWSARCHIVE_REDIS_WORKER_TIMEOUT``; process-local requests for what cannot or
must not travel; and the run cleared only by the last worker of a finished run.

Delivery: every request is fetched at least once. Without crashes, exactly once. After a
``kill -9``, the requests the dead worker had finished but not yet acknowledged (acks go out
with the next round trip, ~20 ms) are fetched again; the archive database upserts by URL, so
that makes no duplicate record. Process-local requests (origin follow-ups) die with their
worker, but not the records they carry: the article request that parked a record is acknowledged
only once that record has passed the item pipelines, so a survivor fetches the article again.

Scheduled runs: with ``SCHEDULER_PERSIST = False`` (default) a finished run leaves nothing in
Redis, so the next run starts afresh (skipping known articles is the state store's job, not the
duplicate filter's). A run that did not finish keeps its frontier so restarted workers resume
it; ``python -m newsarchive.distributed flush`` clears it by hand, or give each run its own
``NEWSARCHIVE_REDIS_PREFIX`` (e.g. ``newsarchive:%(spider)s:2025-06-01``).
"""
