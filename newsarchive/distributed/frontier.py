"""The shared frontier's Redis layout and its atomic operations (Lua scripts).

Keys, all under one prefix (``NEWSARCHIVE_REDIS_PREFIX``, ``%(spider)s`` filled in):

``<prefix>:requests``
    sorted set, the shared queue: member = serialized request, score = ``-priority``.
``<prefix>:dupefilter``
    set of request fingerprints ever queued in this run.
``<prefix>:workers``
    set of the ids of registered workers.
``<prefix>:alive:<worker>``
    heartbeat, a string with a TTL (``NEWSARCHIVE_REDIS_WORKER_TIMEOUT``); gone = the worker is dead.
``<prefix>:busy:<worker>``
    present (same TTL) while the worker has process-local requests pending or in flight.
``<prefix>:processing:<worker>``
    sorted set of the shared requests the worker has popped and not finished (reliable-queue
    pattern): popping moves a request here atomically, finishing removes it, and when the
    worker's heartbeat expires any survivor moves them back to the queue (:meth:`Frontier.reclaim_dead`).

Every request popped is therefore either in the queue, in a live worker's processing set or
finished: a killed worker loses nothing, at the price of re-fetching what it had in hand.
Two guards keep that true when a frozen server runs, after it resumes, the calls a worker
that has since given up sent during the freeze (each timed out, in any order): a worker pops
only while it is registered, and it leaves the registry only with an empty processing set
(otherwise it just ends its heartbeat, and the survivors reclaim the set).
The scripts build the per-worker key names themselves, so this needs a single Redis server
(not Redis Cluster).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from redis import Redis

# KEYS: dupefilter, queue. ARGV: fingerprint ("" = do not filter), score, data. Returns 1 if queued.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, processing, workers. ARGV: n, me. Moves the n best requests to processing; returns
# [data, score, ...]. Nothing for a worker that is not registered (reclaimed, or gone): its processing
# set would be seen by no one.
POP = """
if redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 0 then return {} end
local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
if #items == 0 then return items end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #items / 2 - 1)
for i = 1, #items, 2 do redis.call('ZADD', KEYS[2], items[i + 1], items[i]) end
return items
"""

# KEYS: processing, queue. ARGV: data... Moves the given members back to the queue.
REQUEUE = """
local n = 0
for _, data in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], data)
  if score then
    redis.call('ZADD', KEYS[2], score, data)
    redis.call('ZREM', KEYS[1], data)
    n = n + 1
  end
end
return n
"""

# KEYS: workers, queue. ARGV: prefix, me. Reclaims the processing sets of workers whose heartbeat
# expired; returns the number of requests moved back to the queue.
RECLAIM = """
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if w ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. ':alive:' .. w) == 0 then
    local pkey = ARGV[1] .. ':processing:' .. w
    local items = redis.call('ZRANGE', pkey, 0, -1, 'WITHSCORES')
    for i = 1, #items, 2 do redis.call('ZADD', KEYS[2], items[i + 1], items[i]) end
    moved = moved + #items / 2
    redis.call('DEL', pkey, ARGV[1] .. ':busy:' .. w)
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
"""

# KEYS: workers, alive, busy, processing. ARGV: me. Ends the heartbeat; leaves the registry (returns 1)
# only with nothing left in the processing set, which the survivors reclaim otherwise.
UNREGISTER = """
redis.call('DEL', KEYS[2], KEYS[3])
if redis.call('ZCARD', KEYS[4]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
"""

# KEYS: workers, queue. ARGV: prefix, me. Returns {queued, other workers holding work, dead workers}.
STATE = """
local queued = redis.call('ZCARD', KEYS[2])
local busy, dead = 0, 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if w ~= ARGV[2] then
    if redis.call('EXISTS', ARGV[1] .. ':alive:' .. w) == 0 then dead = dead + 1 end
    if redis.call('ZCARD', ARGV[1] .. ':processing:' .. w) > 0
       or redis.call('EXISTS', ARGV[1] .. ':busy:' .. w) == 1 then busy = busy + 1 end
  end
end
return {queued, busy, dead}
"""


class Frontier:
    """One run's frontier in Redis, seen from one worker."""

    def __init__(self, server: Redis, prefix: str, worker: str, ttl: float = 10.0) -> None:
        if not worker:
            raise ValueError("worker id must not be empty")
        self.server = server
        self.prefix = prefix
        self.worker = worker
        self.ttl_ms = max(1, int(ttl * 1000))
        self.queue_key = f"{prefix}:requests"
        self.dupefilter_key = f"{prefix}:dupefilter"
        self.workers_key = f"{prefix}:workers"
        self.alive_key = f"{prefix}:alive:{worker}"
        self.busy_key = f"{prefix}:busy:{worker}"
        self.processing_key = f"{prefix}:processing:{worker}"
        self._push = server.register_script(PUSH)
        self._pop = server.register_script(POP)
        self._requeue = server.register_script(REQUEUE)
        self._reclaim = server.register_script(RECLAIM)
        self._state = server.register_script(STATE)
        self._unregister = server.register_script(UNREGISTER)

    # -- membership -----------------------------------------------------------------------
    def register(self) -> None:
        pipe = self.server.pipeline()
        pipe.set(self.alive_key, "1", px=self.ttl_ms)
        pipe.sadd(self.workers_key, self.worker)
        pipe.execute()

    def beat(self, busy: bool) -> bool:
        """Refresh the heartbeat; ``False`` if it had expired (survivors may have re-queued our requests)."""
        pipe = self.server.pipeline()
        pipe.set(self.alive_key, "1", px=self.ttl_ms, get=True)
        pipe.sadd(self.workers_key, self.worker)
        if busy:
            pipe.set(self.busy_key, "1", px=self.ttl_ms)
        else:
            pipe.delete(self.busy_key)
        previous = pipe.execute()[0]
        return previous is not None

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.server.set(self.busy_key, "1", px=self.ttl_ms)
        else:
            self.server.delete(self.busy_key)

    def unregister(self) -> bool:
        """End the heartbeat and leave the registry; ``False`` if requests were left in the processing set."""
        keys = [self.workers_key, self.alive_key, self.busy_key, self.processing_key]
        return bool(self._unregister(keys=keys, args=[self.worker]))

    # -- requests ------------------------------------------------------------------------
    def push(self, data: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue *data* unless *fingerprint* was seen before in this run (``None``: never filtered)."""
        return bool(self._push(keys=[self.dupefilter_key, self.queue_key], args=[fingerprint or "", score, data]))

    def pop(self, n: int, acks: Iterable[bytes] = ()) -> list[tuple[bytes, float]]:
        """Move up to *n* requests to this worker's processing set (after acknowledging *acks*)."""
        pipe = self.server.pipeline(transaction=False)
        acks = list(acks)
        if acks:
            pipe.zrem(self.processing_key, *acks)
        self._pop(keys=[self.queue_key, self.processing_key, self.workers_key], args=[n, self.worker], client=pipe)
        flat = pipe.execute()[-1]
        return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]

    def sync(self, pushes: list[tuple[bytes, float, str | None]], acks: list[bytes],
             pop: int = 0) -> tuple[list[bool], list[tuple[bytes, float]]]:
        """One round trip: queue *pushes* ``(data, score, fingerprint)``, then acknowledge *acks*, then pop.

        The order matters: what a finished request discovered reaches the queue before the
        request leaves this worker's processing set, so "queue and processing sets all
        empty" really means the crawl is over. Returns whether each push was new, and what
        was popped.
        """
        pipe = self.server.pipeline(transaction=False)
        for data, score, fp in pushes:
            self._push(keys=[self.dupefilter_key, self.queue_key], args=[fp or "", score, data], client=pipe)
        if acks:
            pipe.zrem(self.processing_key, *acks)
        if pop:
            self._pop(keys=[self.queue_key, self.processing_key, self.workers_key], args=[pop, self.worker],
                      client=pipe)
        if not pushes and not acks and not pop:
            return [], []
        results = pipe.execute()
        queued = [bool(r) for r in results[: len(pushes)]]
        flat = results[-1] if pop else []
        return queued, [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]

    def ack(self, acks: Iterable[bytes]) -> None:
        acks = list(acks)
        if acks:
            self.server.zrem(self.processing_key, *acks)

    def requeue(self, datas: Iterable[bytes]) -> int:
        """Give requests this worker popped but did not start back to the shared queue."""
        datas = list(datas)
        if not datas:
            return 0
        return int(self._requeue(keys=[self.processing_key, self.queue_key], args=datas))

    def reclaim_dead(self) -> int:
        """Re-queue what dead workers (heartbeat expired) held; returns how many requests."""
        return int(self._reclaim(keys=[self.workers_key, self.queue_key], args=[self.prefix, self.worker]))

    def state(self) -> tuple[int, int, int]:
        """``(queued, other workers holding work, dead workers not yet reclaimed)`` in one atomic read."""
        queued, busy, dead = self._state(keys=[self.workers_key, self.queue_key], args=[self.prefix, self.worker])
        return int(queued), int(busy), int(dead)

    def queued(self) -> int:
        return int(self.server.zcard(self.queue_key))

    def workers(self) -> set[str]:
        return {w.decode() if isinstance(w, bytes) else str(w) for w in self.server.smembers(self.workers_key)}

    def clear(self) -> None:
        """Delete the run: queue, dupefilter, registry and every worker's leftovers."""
        keys: list[Any] = [self.queue_key, self.dupefilter_key, self.workers_key]
        for kind in ("alive", "busy", "processing"):
            keys += self.server.scan_iter(match=f"{self.prefix}:{kind}:*", count=500)
        self.server.delete(*keys)
