"""Distributed mode: calls a frozen Redis runs after it resumes cannot orphan requests.

While ``redis-server`` is frozen (SIGSTOP, a stalled host), every call of a worker times out
on the client's side, but the server still has the bytes: once it resumes it runs them all,
in any order across the worker's connections, after the worker has given up and exited
(``tests/test_redis_outage.py``). Two of them could leave popped requests where no worker
would ever look, their fingerprints already in the run-wide filter, so no worker would fetch
them again:

- the worker's ``unregister`` at close (its processing set must still be reclaimed), and
- a ``POP`` run after the worker has left the registry (the requests would move into the
  processing set of a worker nobody reclaims).

These run each call in that order against a real ``redis-server``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from newsarchive.distributed.frontier import Frontier
from tests.redis_server import RedisServer, redis_available

pytestmark = [pytest.mark.redis, pytest.mark.skipif(not redis_available(), reason="needs a redis-server binary")]


def registered(client: Any, *workers: tuple[str, float]) -> list[Frontier]:
    """A frontier per (worker id, heartbeat ttl) on one run's keys, each registered."""
    frontiers = [Frontier(client, "t:late", worker, ttl=ttl) for worker, ttl in workers]
    for frontier in frontiers:
        frontier.register()
    return frontiers


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def test_a_worker_leaving_with_requests_in_hand_is_still_reclaimed(redis: RedisServer) -> None:
    client = redis.client()
    gone, survivor = registered(client, ("gone", 30), ("survivor", 30))
    assert gone.push(b"article", 0, "fp-article")
    assert [data for data, _ in gone.pop(4)] == [b"article"]
    assert gone.unregister() is False, "a worker holding requests must not leave the registry"
    assert survivor.state() == (0, 1, 1), "its heartbeat ends at once: dead, holding one request"
    assert survivor.reclaim_dead() == 1
    assert [data for data, _ in survivor.pop(4)] == [b"article"]
    assert not survivor.push(b"article", 0, "fp-article"), "still filtered: fetched once"


def test_a_pop_run_after_the_worker_left_takes_nothing(redis: RedisServer) -> None:
    client = redis.client()
    gone, survivor = registered(client, ("gone", 30), ("survivor", 30))
    assert gone.push(b"article", 0, "fp-article")
    assert gone.unregister() is True, "nothing in hand: it leaves"
    assert gone.pop(4) == [], "a worker out of the registry pops nothing"
    assert client.zcard("t:late:processing:gone") == 0
    assert [data for data, _ in survivor.pop(4)] == [b"article"]


def test_a_reclaimed_worker_pops_again_once_its_heartbeat_registers_it(redis: RedisServer) -> None:
    """A slow (not dead) worker whose lease expired: reclaimed, then back with its next heartbeat."""
    client = redis.client()
    slow, survivor = registered(client, ("slow", 0.2), ("survivor", 30))
    assert slow.push(b"a", 0, "fp-a") and slow.push(b"b", 0, "fp-b")
    assert len(slow.pop(1)) == 1
    time.sleep(0.3)
    assert survivor.reclaim_dead() == 1
    assert slow.pop(4) == [], "reclaimed: out of the registry until its next heartbeat"
    assert slow.beat(busy=False) is False, "the heartbeat says the lease was lost"
    assert len(slow.pop(4)) == 2
