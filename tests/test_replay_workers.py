"""``scrapy replay --workers 2``: the archive's articles sharded over two processes give the same
JSON lines and the same database records as a single-process replay of the same WARCs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.mirror import MirrorServer
from newsarchive.replay import parse_shard, shard_of
from tests.crawl import ROOT, CrawlResult, run_crawl
from tests.test_replay_history import export_db, into, read_jsonl, run_replay

ARTICLES = 40


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    out = tmp_path_factory.mktemp("sharded") / "archive"
    with MirrorServer(articles=ARTICLES) as mirror:
        result = run_crawl(mirror, out, settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 0})
    assert result.returncode == 0, result.log[-3000:]
    return result


def run_reports(folder: Path) -> list[dict[str, object]]:
    return [json.loads(path.read_text(encoding="utf-8"))["stats"] for path in sorted(folder.rglob("*.json"))]


def test_two_workers_give_the_records_of_one(archive: CrawlResult, tmp_path: Path) -> None:
    warc = archive.out_dir / "warc"
    single = run_replay(warc, tmp_path, "-O", str(tmp_path / "single.jsonl"), settings=into(tmp_path / "single"))
    assert single.returncode == 0, single.stderr[-3000:]
    sharded = run_replay(warc, tmp_path, "--workers", "2", "--output-dir", str(tmp_path / "sharded-out"),
                         "-O", str(tmp_path / "sharded.jsonl"), settings=into(tmp_path / "sharded"))
    assert sharded.returncode == 0, sharded.stderr[-3000:]

    lines = (tmp_path / "sharded.jsonl").read_text(encoding="utf-8").splitlines()
    one = read_jsonl(tmp_path / "single.jsonl")
    assert len(one) == len(archive.items) >= ARTICLES
    assert len(lines) == len(one)  # each article once: no worker wrote another's
    assert {r["url"]: r for r in map(json.loads, lines)} == one

    # both workers did a share of the articles, and only their own
    reports = run_reports(tmp_path / "sharded" / "runs")
    assert len(reports) == 2
    own = [stats.get("newsarchive/replay/shard/own", 0) for stats in reports]
    assert all(n > 0 for n in own) and sum(own) == len(one)
    assert [stats.get("newsarchive/replay/shard/links_only", 0) for stats in reports] == own[::-1]

    a = export_db(tmp_path / "single" / "newsarchive.sqlite3", tmp_path / "single-db.jsonl")
    b = export_db(tmp_path / "sharded" / "newsarchive.sqlite3", tmp_path / "sharded-db.jsonl")
    assert a.keys() == one.keys()
    assert b == a
    with sqlite3.connect(tmp_path / "single" / "newsarchive.sqlite3") as left, \
            sqlite3.connect(tmp_path / "sharded" / "newsarchive.sqlite3") as right:
        for table in ("articles", "origins", "revisions", "observations", "origin_attempts", "aliases"):
            query = f"SELECT count(*) FROM {table}"
            assert left.execute(query).fetchone() == right.execute(query).fetchone(), table


def test_shards_are_stable_and_cover_every_url() -> None:
    assert parse_shard("1/2") == (1, 2)
    for bad in ("2/2", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(ValueError, match="k/N"):
            parse_shard(bad)
    urls = [f"https://icma.az/az/news/{n}.html" for n in range(200)]
    shards = [shard_of(url, 2) for url in urls]
    assert set(shards) == {0, 1} and 60 < shards.count(0) < 140
    # every worker process must agree: no per-process salt (Python's own hash() of a str has one)
    script = f"from newsarchive.replay import shard_of; print([shard_of(u, 2) for u in {urls!r}])"
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        assert json.loads(proc.stdout) == shards
