"""Distributed mode with Redis going away mid-run: the worker retries for a bounded time, then stops.

A real ``redis-server`` (:mod:`tests.redis_server`) is stopped, or frozen with
SIGSTOP, while a worker crawls the mirror. The worker must not hang: it keeps
retrying for ``NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT`` seconds, then closes with
finish reason ``redis_unavailable`` and exit status 1, and acknowledges nothing
it did not finish, so another worker picks its requests up.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer
from tests.redis_server import RedisServer, redis_available
from tests.test_distributed import Worker, start_worker, truth

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not redis_available(), reason="needs a redis-server binary")]

OUTAGE = {"NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT": 3, "DOWNLOAD_DELAY": 0.1, "CONCURRENT_REQUESTS": 2,
          # a frozen server: client calls time out after 1 s instead of scrapy-redis' 30 s
          "REDIS_PARAMS": json.dumps({"socket_timeout": 1, "socket_connect_timeout": 1})}


@pytest.fixture
def mirror() -> Iterator[MirrorServer]:
    with MirrorServer(articles=200) as server:
        yield server


def wait_until_crawling(worker: Worker, articles: int = 20, timeout: float = 120) -> None:
    """Until the worker has committed *articles* articles (distributed workers commit every record)."""
    deadline = time.monotonic() + timeout
    while True:
        assert worker.proc.poll() is None, worker.log[-3000:]
        assert time.monotonic() < deadline, "the worker did not start crawling"
        try:
            with sqlite3.connect(worker.out_dir / "archive.sqlite3") as conn:
                if conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= articles:
                    return
        except sqlite3.Error:
            pass  # not created yet
        time.sleep(0.2)


def assert_stopped_for_redis(worker: Worker, started: float) -> None:
    assert time.monotonic() - started < 60, "the worker took too long to give up"
    assert worker.proc.returncode == 1, worker.log[-3000:]
    assert "Redis has been unreachable" in worker.log
    assert "Exit status 1" in worker.log and "Redis was unreachable" in worker.log
    assert worker.stats["newsarchive/distributed/redis_unavailable"] >= 3
    report = json.loads(run_files(worker.out_dir / "runs")[-1].read_text(encoding="utf-8"))
    assert report["finish_reason"] == "redis_unavailable"


def test_a_stopped_redis_stops_the_worker_with_exit_status_1(tmp_path: Path, mirror: MirrorServer) -> None:
    with RedisServer() as redis:
        worker = start_worker(mirror, redis.url, tmp_path / "w1", "w1", settings=OUTAGE)
        try:
            wait_until_crawling(worker)
            assert redis.proc is not None
            redis.proc.terminate()
            redis.proc.wait(timeout=10)
            started = time.monotonic()
            worker.wait(timeout=120)
        finally:
            if worker.proc.poll() is None:
                worker.proc.kill()
    assert_stopped_for_redis(worker, started)


def test_work_a_worker_left_in_an_outage_is_finished_by_another(tmp_path: Path, mirror: MirrorServer) -> None:
    with RedisServer() as redis:
        assert redis.proc is not None
        first = start_worker(mirror, redis.url, tmp_path / "w1", "w1", settings=OUTAGE)
        try:
            wait_until_crawling(first)
            os.kill(redis.proc.pid, signal.SIGSTOP)  # frozen: every call times out
            started = time.monotonic()
            try:
                first.wait(timeout=120)
            finally:
                os.kill(redis.proc.pid, signal.SIGCONT)
        finally:
            if first.proc.poll() is None:
                first.proc.kill()
        assert_stopped_for_redis(first, started)
        held = redis.client().zcard("newsarchive:icma:processing:w1")
        assert held > 0, "the stopped worker acknowledged or handed back work it had not finished"
        second = start_worker(mirror, redis.url, tmp_path / "w2", "w2",
                              settings={"NEWSARCHIVE_REDIS_WORKER_TIMEOUT": 3}).wait()
    assert second.proc.returncode == 0, second.log[-3000:]
    assert second.stats.get("newsarchive/distributed/reclaimed", 0) > 0
    archived = set()
    for worker in (first, second):
        with sqlite3.connect(worker.out_dir / "archive.sqlite3") as conn:
            archived |= {row[0] for row in conn.execute("SELECT url FROM articles")}
    missing = truth(mirror) - archived
    assert not missing, diagnosis(missing, (first, second))
    assert archived == truth(mirror)


def diagnosis(missing: set[str], workers: tuple[Any, ...]) -> str:
    """For a lost article: which worker fetched it (its WARC index) and the frontier's own counts."""
    lines = [f"{len(missing)} article(s) archived by no worker"]
    for worker in workers:
        index = "".join(path.read_text(encoding="utf-8") for path in (worker.out_dir / "warc").glob("*.cdxj"))
        fetched = sorted(url for url in missing if url in index)
        counts = {k: v for k, v in worker.stats.items() if k.startswith("newsarchive/distributed/")}
        lines.append(f"{worker.out_dir.name}: fetched {fetched}; {counts}")
    return "\n".join(lines)
