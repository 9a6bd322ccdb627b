"""One mirror crawl: JSON lines, WARC files and database agree, and replaying the WARC reproduces the records."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive.warc import iter_records
from newsarchive.mirror import MirrorServer
from tests.crawl import ROOT, CrawlResult, run_crawl


@pytest.fixture(scope="module")
def archived(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    result = run_crawl(mirror, tmp_path_factory.mktemp("archive"))
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_database_matches_the_json_lines(archived: CrawlResult) -> None:
    with sqlite3.connect(archived.out_dir / "archive.sqlite3") as db:
        rows = dict(db.execute("SELECT url, content_hash FROM articles").fetchall())
    assert rows == {item["url"]: item["content_hash"] for item in archived.items}


def test_every_warc_record_id_resolves_to_the_served_page(archived: CrawlResult, mirror: MirrorServer) -> None:
    responses = {r.record_id: r for r in iter_records(archived.out_dir / "warc") if r.rec_type == "response"}
    for item in archived.items:
        record = responses.get(item["warc_record_id"])
        assert record is not None, item["url"]
        assert record.url == item["url"] and record.status == 200
        art = mirror.site.find(item["url"].removeprefix("https://icma.az"))
        assert art is not None
        assert art.title.encode() in record.body or b"&#" in record.body  # template 2 writes references


def test_replaying_the_warc_reproduces_the_records(archived: CrawlResult, tmp_path: Path) -> None:
    out = tmp_path / "replayed.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "replay", str(archived.out_dir / "warc"), "-O", str(out),
           "-s", f"NEWSARCHIVE_RUNS_DIR={tmp_path / 'runs'}",
           "-s", f"NEWSARCHIVE_DATABASE_URL=sqlite:///{tmp_path / 'replay.sqlite3'}",
           "-s", f"NEWSARCHIVE_START_URLS={json.dumps(['https://icma.az/', 'https://icma.az/sitemap.xml'])}",
           "-s", "NEWSARCHIVE_PROGRESS=off"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    replayed = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    original = archived.by_url()
    assert replayed.keys() == original.keys()
    for url, record in original.items():
        again: dict[str, Any] = replayed[url]
        assert again == record, url
    assert not list((tmp_path / "warc").glob("*")) if (tmp_path / "warc").exists() else True


def test_feeds_preset_writes_gzipped_json_lines(mirror: MirrorServer, tmp_path: Path) -> None:
    import gzip

    from tests.crawl import crawl_command

    cmd, env, _ = crawl_command(mirror, tmp_path, "-a", "follow_origins=0", output=False)
    proc = subprocess.run(cmd, cwd=ROOT, env={**env, "NEWSARCHIVE_FEED_GZIP": "1"}, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (feed,) = tmp_path.glob("icma-*.jsonl.gz")
    records = [json.loads(line) for line in gzip.decompress(feed.read_bytes()).decode("utf-8").splitlines()]
    assert {r["url"] for r in records} == {art.url for art in mirror.site.articles()}
