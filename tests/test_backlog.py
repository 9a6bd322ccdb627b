"""The origin backlog: citations a run could not resolve are resolved by later runs.

Unit tests drive :class:`~newsarchive.origin.backlog.Backlog` over the real
state store (SQLite, and Redis with a throwaway server) with an explicit clock;
crawl tests run the mirror with a per-domain cap of 3, or with a cited site
down, then ordinary runs, and check that every original the mirror serves ends
up archived.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from newsarchive.items import Article
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.origin.backlog import Backlog, RedisBacklog, SqliteBacklog, record_from_json, record_json
from newsarchive.state import StateStore
from tests.crawl import CrawlResult, run_crawl
from tests.redis_server import RedisServer, redis_available

ARTICLES = 60
SITE = MirrorSite(MirrorConfig(articles=ARTICLES))
EXPECTED_OK = {a.url for a in SITE.articles() if a.expected_origin_status == "ok"}
T0 = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)


class Stats(dict[str, Any]):
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def settings(**overrides: Any) -> Settings:
    s = Settings()
    s.setmodule("newsarchive.settings")
    s.update(overrides)
    return s


def article(n: int, status: str, note: str | None, site: str = "apa.az") -> Article:
    return Article(url=f"https://icma.az/news/x-{n}", title=f"Title {n}", source_url=f"https://{site}/xeber/{n}",
                   origin_status=status, origin_note=note)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        state = StateStore(tmp_path / "state.sqlite3").open()
        yield SqliteBacklog(state.conn)
        state.close()
        return
    if not redis_available():
        pytest.skip("redis-server is not installed")
    with RedisServer() as redis:
        yield RedisBacklog(redis.client(), "test:icma")


def backlog(store: Any, clock: Clock, **overrides: Any) -> tuple[Backlog, Stats]:
    stats = Stats()
    return Backlog(store, settings(**overrides), lambda: stats, clock=clock), stats  # type: ignore[arg-type,return-value]


def test_record_round_trip() -> None:
    item = article(1, "unreachable", "http_503")
    assert record_from_json(record_json(item)) == item


def test_a_passing_failure_waits_and_ok_resolves_it(store: Any) -> None:
    clock = Clock()
    log, stats = backlog(store, clock, NEWSARCHIVE_BACKLOG_BACKOFF_HOURS=1)
    log.observe(article(1, "unreachable", "timeout"))
    log.observe(article(2, "not_attempted", "domain_cap", site="report.az"))
    assert stats["newsarchive/backlog/added"] == 2
    # apa.az failed: it waits an hour; report.az was only capped and is due at once
    assert [e.url for e in log.drain()] == ["https://icma.az/news/x-2"]
    assert stats["newsarchive/backlog/deferred"] == 1
    log.observe(article(2, "not_attempted", "domain_cap", site="report.az"))  # capped again in that run
    clock.now += timedelta(hours=1)
    assert [e.url for e in log.drain()] == ["https://icma.az/news/x-1", "https://icma.az/news/x-2"]
    log.observe(article(1, "ok", None))
    assert stats["newsarchive/backlog/resolved"] == 1
    assert store.size()[0] == 1


def test_entries_come_oldest_first(store: Any) -> None:
    clock = Clock()
    log, _ = backlog(store, clock)
    for n in (3, 1, 2):
        log.observe(article(n, "not_attempted", "follow_origins_off"))
        clock.now += timedelta(minutes=1)
    limited, _ = backlog(store, clock, NEWSARCHIVE_BACKLOG_MAX_PER_RUN=2)
    assert [e.url[-1] for e in limited.drain()] == ["3", "1"]
    assert [e.url[-1] for e in log.drain()] == (["2"] if isinstance(store, RedisBacklog) else ["3", "1", "2"])


def test_not_found_twice_a_day_apart_leaves(store: Any) -> None:
    clock = Clock()
    log, stats = backlog(store, clock)
    log.observe(article(1, "not_found", "http_404"))
    clock.now += timedelta(hours=5)
    log.observe(article(1, "not_found", "http_404"))  # the same day: it stays
    assert store.get("https://icma.az/news/x-1") is not None
    clock.now += timedelta(hours=20)
    log.observe(article(1, "not_found", "http_404"))
    assert store.get("https://icma.az/news/x-1") is None
    assert stats["newsarchive/backlog/left_not_found"] == 1


def test_blocked_leaves_and_no_citation_never_enters(store: Any) -> None:
    clock = Clock()
    log, stats = backlog(store, clock)
    log.observe(article(1, "unreachable", "dns"))
    log.observe(article(1, "blocked", "policy"))
    story = Article(url="https://icma.az/story/y-1", origin_status="not_attempted", origin_note="no_citation")
    log.observe(story)
    assert store.size()[0] == 0
    assert stats["newsarchive/backlog/left_blocked"] == 1


def test_attempts_are_bounded_and_backoff_grows_once_per_run(store: Any) -> None:
    clock = Clock()
    log, stats = backlog(store, clock, NEWSARCHIVE_BACKLOG_MAX_ATTEMPTS=3, NEWSARCHIVE_BACKLOG_BACKOFF_HOURS=1)
    log.observe(article(1, "not_attempted", "domain_cap"))  # not an attempt
    for _ in range(2):
        log.observe(article(1, "unreachable", "http_503"))
        log.observe(article(2, "unreachable", "http_503"))
    entry = store.get("https://icma.az/news/x-1")
    assert entry.attempts == 2
    assert list(log.drain()) == []
    clock.now += timedelta(minutes=61)  # one failing run: backoff 1 h, not 2 h for two records
    assert len(list(log.drain())) == 2
    log.failed_sites.clear()  # a new run
    log.observe(article(1, "unreachable", "http_503"))
    assert store.get("https://icma.az/news/x-1") is None
    assert stats["newsarchive/backlog/gave_up"] == 1


# -- real crawls --------------------------------------------------------------------------------

def latest(*runs: CrawlResult) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for run in runs:
        records.update(run.by_url())
    return records


ORDINARY = {"NEWSARCHIVE_REVISIT_DAYS": 0, "NEWSARCHIVE_BACKLOG_BACKOFF_HOURS": 0}


@pytest.mark.slow
def test_originals_over_the_domain_cap_are_archived_by_later_runs(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(articles=ARTICLES) as mirror:
        capped = run_crawl(mirror, out, settings={**ORDINARY, "NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": 3})
        assert capped.returncode == 0, capped.log[-3000:]
        missing = {u for u, r in capped.by_url().items() if u in EXPECTED_OK and r["origin_status"] != "ok"}
        assert len(missing) > 20
        assert {capped.by_url()[u]["origin_note"] for u in missing} == {"domain_cap"}
        assert capped.stats["newsarchive/backlog/size"] >= len(missing)
        second = run_crawl(mirror, out, settings=ORDINARY)
        third = run_crawl(mirror, out, settings=ORDINARY)
    assert second.returncode == 0, second.log[-3000:]
    records = latest(capped, second, third)
    assert {u for u in EXPECTED_OK if records[u]["origin_status"] != "ok"} == set()
    assert second.stats["newsarchive/backlog/resolved"] == len(missing)
    assert second.stats["newsarchive/backlog/drained"] >= len(missing)
    for url in missing:  # the re-emitted record is the whole aggregator record, with its origin now
        assert records[url]["title"] == capped.by_url()[url]["title"]
        assert records[url]["origin"]["body"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_a_site_down_then_up_is_resolved_by_the_backlog_alone(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    apa = {a.url for a in SITE.articles() if a.url in EXPECTED_OK and a.origin is not None
           and a.origin.url.startswith("https://apa.az/")}
    with MirrorServer(articles=ARTICLES) as mirror:
        down = {**mirror.host_map, "apa.az": f"http://127.0.0.1:{closed_port()}"}
        first = run_crawl(mirror, out, settings={**ORDINARY, "NEWSARCHIVE_HOST_MAP": json.dumps(down)})
        assert {first.by_url()[u]["origin_status"] for u in apa} == {"unreachable"}
        assert {first.by_url()[u]["origin_note"] for u in apa} == {"connection_refused"}
        drained = run_crawl(mirror, tmp_path / "drain", "-a", "backlog=1", spider="sources",
                            settings={**ORDINARY, "NEWSARCHIVE_STATE_PATH": str(out / "state.sqlite3")})
    assert drained.returncode == 0, drained.log[-3000:]
    got = drained.by_url()
    assert set(got) >= apa
    assert {got[u]["origin_status"] for u in apa} == {"ok"}
    assert drained.stats["newsarchive/backlog/resolved"] >= len(apa)
    assert "https://icma.az/" not in drained.log  # the aggregator was not fetched again
