"""Distributed mode: an article request is acknowledged only once its record is in the archive.

An icma article's callback does not yield its record: it parks it in the origin follower
(:mod:`spiders.origins`) and yields the citation's request, which stays in the worker's
process. The article request is finished for the engine at that point. Acknowledged then,
it left the worker's processing set while its record waited in memory, its fingerprint
already in the run-wide duplicate filter: a worker that died (or stopped for a Redis outage)
before the origin answered took the record with it, and no other worker would fetch the
article again. Lost for the run.

The fault is put at that exact point: the first request for an apa.az deep link
(``/az/xeber/...``) hangs in the mirror, so one record waits for its origin while the
worker goes on; the worker is killed with SIGKILL once it has archived more articles
after that one, and a second worker must finish the run with every article archived.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsarchive.mirror import MirrorServer
from tests.redis_server import RedisServer, redis_available
from tests.test_distributed import Worker, start_worker, truth

pytestmark = [pytest.mark.redis, pytest.mark.slow,
              pytest.mark.skipif(not redis_available(), reason="needs a redis-server binary")]

HANG = "/az/xeber/"  # apa.az's Azerbaijani deep links; icma's own pages are /news, /ru/news, /story
FAST_DEATH = {"NEWSARCHIVE_REDIS_HEARTBEAT": 0.3, "NEWSARCHIVE_REDIS_WORKER_TIMEOUT": 2.0}
CRAWLED = re.compile(r"Crawled \(200\) <GET (https://icma\.az/\S+)>")


def archived(worker: Worker) -> set[str]:
    try:
        return worker.archived()
    except sqlite3.Error:  # not created yet
        return set()


def test_a_record_waiting_for_its_origin_is_not_lost_with_its_worker(tmp_path: Path) -> None:
    # The first /az/xeber/ request hangs (60 s, longer than the test waits); every later one is served.
    with MirrorServer(articles=120, faults={HANG: {"delay": 60, "times": 1}}) as mirror, RedisServer() as redis:
        cites_hang = {art.url for art in mirror.site.articles()
                      if art.source_url and urlsplit(art.source_url).path.startswith(HANG)}
        assert cites_hang, "the mirror has no article citing an apa.az deep link"
        victim = start_worker(mirror, redis.url, tmp_path / "victim", "victim",
                              settings={**FAST_DEATH, "LOG_LEVEL": "DEBUG", "DOWNLOAD_TIMEOUT": 120})
        try:
            deadline = time.monotonic() + 120
            seen_at: int | None = None  # articles archived when the first article citing /az/xeber/ was fetched
            while True:
                assert victim.proc.poll() is None, "the victim finished before the kill: " + victim.log[-2000:]
                assert time.monotonic() < deadline, "the victim never reached the fault: " + victim.log[-2000:]
                done = archived(victim)
                fetched = set(CRAWLED.findall(victim.log)) & cites_hang
                if seen_at is None and fetched:
                    seen_at = len(done)
                # killed once it has gone well past the article (its request finished, acks sent),
                # while that article's record still waits for the hanging origin
                if seen_at is not None and len(done) >= seen_at + 15 and fetched - done:
                    waiting = fetched - done
                    break
                time.sleep(0.1)
            victim.proc.send_signal(signal.SIGKILL)
        finally:
            if victim.proc.poll() is None:
                victim.proc.kill()
        victim.wait()
        by_victim = archived(victim)
        assert waiting - by_victim, "every record reached the archive before the kill: no record was waiting"
        survivor = start_worker(mirror, redis.url, tmp_path / "survivor", "survivor", settings=FAST_DEATH).wait()
        assert survivor.proc.returncode == 0, survivor.log[-3000:]
        by_survivor = archived(survivor)
        lost = waiting - by_victim
        assert lost <= by_survivor, "the record that waited for its origin was lost with its worker"
        # re-fetched, it followed its citation again (an origin request is never in the shared filter)
        expected = {art.url: art.expected_origin_status for art in mirror.site.articles()}
        records = {item["url"]: item for item in survivor.items}
        assert {url: records[url]["origin_status"] for url in lost} == {url: expected[url] for url in lost}
        assert truth(mirror) == by_victim | by_survivor
        assert survivor.stats["newsarchive/distributed/reclaimed"] > 0
