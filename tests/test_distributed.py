"""Distributed mode: several ``scrapy crawl icma`` workers share one Redis frontier.

Real ``redis-server`` (see :mod:`tests.redis_server`), real crawls of the mirror in
child processes, exactly as ``scrapy crawl`` runs on several machines.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.settings import Settings

from newsarchive.addons import DistributedAddon
from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings, output_settings
from tests.redis_server import RedisServer, redis_available

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent

needs_redis = pytest.mark.skipif(not redis_available(),
                                 reason="needs a redis-server binary (apt-get install redis-server) "
                                        "or NEWSARCHIVE_TEST_REDIS_URL")


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if not redis_available():
        pytest.skip("needs a redis-server binary (apt-get install redis-server) or NEWSARCHIVE_TEST_REDIS_URL")
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def mirror150() -> Iterator[MirrorServer]:
    with MirrorServer(articles=150) as server:
        yield server


# -- a small runner: workers are child processes, like on separate machines --------------------
@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[str]
    out_dir: Path
    log_file: Any
    items: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def log(self) -> str:
        return (self.out_dir / "crawl.log").read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = 240) -> Worker:
        self.proc.wait(timeout=timeout)
        self.log_file.close()
        feed = self.out_dir / "items.jsonl"
        if feed.exists():
            self.items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
        runs = run_files(self.out_dir / "runs")
        if runs:
            self.stats = json.loads(runs[-1].read_text(encoding="utf-8")).get("stats", {})
        return self

    def archived(self) -> set[str]:
        """URLs committed to this worker's archive database (readable even after SIGKILL)."""
        with sqlite3.connect(self.out_dir / "archive.sqlite3") as conn:
            return {row[0] for row in conn.execute("SELECT url FROM articles")}


def start_worker(mirror: MirrorServer, redis_url: str, out_dir: Path, name: str, *args: str,
                 settings: dict[str, Any] | None = None) -> Worker:
    out_dir.mkdir(parents=True, exist_ok=True)
    merged: dict[str, Any] = {
        **offline_settings(mirror.url, mirror.site.now),
        **output_settings(out_dir),
        "NEWSARCHIVE_PROGRESS": "off",
        "LOG_LEVEL": "INFO",
        "NEWSARCHIVE_REDIS_URL": redis_url,
        "NEWSARCHIVE_REDIS_WORKER_ID": name,
        **(settings or {}),
    }
    cmd = crawl_argv("icma", merged, "-O", str(out_dir / "items.jsonl"), *args)
    log = (out_dir / "crawl.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    return Worker(name, proc, out_dir, log)


def truth(mirror: MirrorServer) -> set[str]:
    return {art.url for art in mirror.site.articles()}


# -- the add-on ----------------------------------------------------------------------------------
def test_addon_is_a_no_op_without_a_redis_url() -> None:
    settings = Settings()
    before = (settings["SCHEDULER"], settings["DUPEFILTER_CLASS"])
    DistributedAddon().update_settings(settings)
    assert (settings["SCHEDULER"], settings["DUPEFILTER_CLASS"]) == before
    assert not settings.get("REDIS_URL")


def test_addon_switches_scheduler_and_dupefilter() -> None:
    settings = Settings({"NEWSARCHIVE_REDIS_URL": "redis://example:6379/3"})
    DistributedAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "newsarchive.distributed.scheduler.DistributedScheduler"
    assert settings["DUPEFILTER_CLASS"] == "newsarchive.distributed.scheduler.SharedDupeFilter"
    assert settings["REDIS_URL"] == "redis://example:6379/3"


def test_a_command_line_scheduler_still_wins() -> None:
    settings = Settings({"NEWSARCHIVE_REDIS_URL": "redis://x/0"})
    settings.set("SCHEDULER", "my.Scheduler", priority="cmdline")
    DistributedAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "my.Scheduler"


def test_the_engine_still_has_the_two_private_hooks_we_use() -> None:
    """``_Slot.inprogress`` (finished = acknowledged) and ``_Slot.nextcall`` (wake the engine)."""
    from scrapy.core import engine

    source = inspect.getsource(engine._Slot)
    assert "self.inprogress: set[Request]" in source
    assert "self.nextcall: CallLaterOnce[None]" in source
    assert "_slot" in inspect.getsource(engine.ExecutionEngine.__init__)


# -- the frontier's Redis operations ---------------------------------------------------------------
@pytest.mark.redis
@needs_redis
def test_frontier_is_a_reliable_queue(redis_server: RedisServer) -> None:
    from newsarchive.distributed.frontier import Frontier

    client = redis_server.client()
    a = Frontier(client, "t:reliable", "a", ttl=0.3)
    b = Frontier(client, "t:reliable", "b", ttl=30)
    a.register()
    b.register()
    assert a.push(b"r1", -5, "fp1") and a.push(b"r2", 0, "fp2")
    assert not b.push(b"r1-again", -5, "fp1"), "a fingerprint is queued once per run"
    assert a.push(b"retry", 0, None), "no fingerprint: never filtered"
    popped = a.pop(2)
    assert [data for data, _ in popped] == [b"r1", b"r2"], "highest priority first"
    assert a.state() == (1, 0, 0) and b.state() == (1, 1, 0), "a holds two requests: b must wait"
    a.ack([b"r1"])
    time.sleep(0.4)  # a's heartbeat expires with r2 in hand
    assert b.state() == (1, 1, 1)
    assert b.reclaim_dead() == 1
    assert b.state() == (2, 0, 0) and b.workers() == {"b"}
    assert {data for data, _ in b.pop(10)} == {b"r2", b"retry"}
    assert b.requeue([b"r2"]) == 1 and b.queued() == 1
    b.clear()
    assert not list(client.scan_iter(match="t:reliable:*"))


# -- real crawls ----------------------------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.slow
@needs_redis
def test_two_workers_archive_every_article_exactly_once_and_both_work(
        redis_server: RedisServer, mirror150: MirrorServer, tmp_path: Path) -> None:
    prefix = {"NEWSARCHIVE_REDIS_PREFIX": "test-share:%(spider)s"}
    workers = [start_worker(mirror150, redis_server.url, tmp_path / name, name, settings=prefix)
               for name in ("w1", "w2")]
    for worker in workers:
        worker.wait()
        assert worker.proc.returncode == 0, worker.log[-3000:]
    urls = [item["url"] for worker in workers for item in worker.items]
    twice = sorted(url for url, n in Counter(urls).items() if n > 1)
    assert len(urls) == len(set(urls)), "an article was archived by both workers: " + "; ".join(
        twice[:5] + [f"{w.name}: {({k: v for k, v in w.stats.items() if k.startswith('newsarchive/distributed/')})}"
                     for w in workers])
    assert set(urls) == truth(mirror150)
    for worker in workers:
        share = len(worker.items) / len(urls)
        assert share > 0.10, f"{worker.name} did {share:.0%} of the work"
        assert worker.stats["newsarchive/distributed/popped"] > 0
    left = {key.decode() for key in redis_server.client().scan_iter(match="test-share:*")}
    # the incremental state and the origin backlog (newsarchive/origin/backlog.py) stay across runs
    stays = {"test-share:icma:seen", "test-share:icma:backlog", "test-share:icma:backlog:sites",
             "test-share:icma:sitemap_validators", "test-share:icma:run_marks",  # newsarchive/validators.py
             "test-share:icma:site_names"}  # site names learned from cited pages' <title> (newsarchive/state.py)
    assert "test-share:icma:seen" in left and left <= stays, "the finished run was cleared; only the state stays"


@pytest.mark.redis
@pytest.mark.slow
@needs_redis
def test_a_killed_worker_loses_no_article(redis_server: RedisServer, mirror150: MirrorServer,
                                          tmp_path: Path) -> None:
    """SIGKILL one worker mid-crawl: the survivor re-queues what it held and finishes the crawl.

    The archive is each worker's database, committed per record, so what the killed worker
    archived before dying is there; a request it had finished but not yet acknowledged may
    be fetched again (at-least-once; the archive upserts by URL), never lost.
    """
    client = redis_server.client()
    settings = {"NEWSARCHIVE_REDIS_PREFIX": "test-kill:%(spider)s", "NEWSARCHIVE_REDIS_HEARTBEAT": 0.3,
                "NEWSARCHIVE_REDIS_WORKER_TIMEOUT": 2.0, "NEWSARCHIVE_DATABASE_BATCH_SIZE": 1}
    victim = start_worker(mirror150, redis_server.url, tmp_path / "victim", "victim", "-a", "follow_origins=0",
                          settings=settings)
    deadline = time.monotonic() + 60
    while True:  # kill it while it holds requests, once it has archived some
        held = client.zcard("test-kill:icma:processing:victim")
        try:
            archived = len(victim.archived())
        except sqlite3.Error:
            archived = 0
        if held and archived >= 40:
            break
        assert victim.proc.poll() is None, "the victim finished before it could be killed: " + victim.log[-2000:]
        assert time.monotonic() < deadline, "the victim never got going: " + victim.log[-2000:]
        time.sleep(0.02)
    survivor = start_worker(mirror150, redis_server.url, tmp_path / "survivor", "survivor",
                            "-a", "follow_origins=0", settings=settings)
    victim.proc.send_signal(signal.SIGKILL)
    victim.wait()
    survivor.wait()
    assert survivor.proc.returncode == 0, survivor.log[-3000:]
    by_victim = victim.archived()
    by_survivor = {item["url"] for item in survivor.items}
    assert by_victim, "the victim archived nothing before it died"
    assert truth(mirror150) - (by_victim | by_survivor) == set(), "articles were lost with the killed worker"
    assert survivor.stats["newsarchive/distributed/reclaimed"] >= held
    # Fetched by both: finished by the victim but not yet acknowledged when it died (acks go out
    # with the next round trip, ~20 ms or one burst of callbacks later). Only what it held.
    twice = by_victim & by_survivor
    assert len(twice) <= survivor.stats["newsarchive/distributed/reclaimed"]


@pytest.mark.redis
@needs_redis
def test_flush_command_clears_a_run_but_not_while_a_worker_is_alive(
        redis_server: RedisServer, capsys: pytest.CaptureFixture[str]) -> None:
    from newsarchive.distributed.__main__ import main
    from newsarchive.distributed.frontier import Frontier

    client = redis_server.client()
    worker = Frontier(client, "t:cli:icma", "w", ttl=30)
    worker.register()
    worker.push(b"r", 0, "fp")
    args = ["--redis-url", redis_server.url, "--prefix", "t:cli:icma"]
    assert main(["status", *args]) == 0
    assert "1 queued, 1 fingerprints seen" in capsys.readouterr().out
    assert main(["flush", *args]) == 1, "a live worker protects its run"
    worker.unregister()
    assert main(["flush", *args]) == 0
    assert not list(client.scan_iter(match="t:cli:icma:*"))
