"""``scrapy replay --workers 2``: the archive's articles sharded over two processes give the same
JSON lines and the same database records as a single-process replay of the same WARCs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive.warc import warc_paths
from newsarchive.discovery import is_article_url
from newsarchive.mirror import MirrorServer
from newsarchive.replay import ReplayIndex, ReplayShare, split_shares
from spiders.icma import IcmaSpider
from tests.crawl import CrawlResult, run_crawl
from tests.test_replay_history import export_db, into, read_jsonl, run_replay

ARTICLES = 40


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    out = tmp_path_factory.mktemp("sharded") / "archive"
    with MirrorServer(articles=ARTICLES) as mirror:
        result = run_crawl(mirror, out, settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 0})
    assert result.returncode == 0, result.log[-3000:]
    return result


def run_reports(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8"))["stats"] for path in sorted(folder.rglob("*.json"))]


#: Columns that hold the time of the database write (the clock), not anything replayed; ``id``: insertion order.
CLOCK_COLUMNS = frozenset({"id", "recorded_at"})
TABLES = ("articles", "origins", "revisions", "observations", "origin_attempts", "aliases")


def table_rows(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every archive table, all columns but :data:`CLOCK_COLUMNS`, in a fixed order."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    with sqlite3.connect(database) as db:
        for table in TABLES:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] not in CLOCK_COLUMNS]
            found = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            rows[table] = sorted(found, key=repr)
    return rows


def search_index(database: Path) -> tuple[list[tuple[object, ...]], list[str]]:
    """The search index's rows (article URL and its four folded texts) and the database's triggers."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT k.url, f.title, f.body, f.origin_title, f.origin_body FROM articles_fts f "
                          "JOIN articles_fts_keys k ON k.id = f.rowid").fetchall()
        triggers = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    return sorted(rows, key=repr), sorted(sql for (sql,) in triggers)


def replay_single_and_sharded(warc: Path, tmp_path: Path) -> None:
    """Replay *warc* in one process (into `single`, `single.jsonl`) and with two workers (`sharded`)."""
    single = run_replay(warc, tmp_path, "-O", str(tmp_path / "single.jsonl"), settings=into(tmp_path / "single"))
    assert single.returncode == 0, single.stderr[-3000:]
    sharded = run_replay(warc, tmp_path, "--workers", "2", "--output-dir", str(tmp_path / "sharded-out"),
                         "-O", str(tmp_path / "sharded.jsonl"), settings=into(tmp_path / "sharded"))
    assert sharded.returncode == 0, sharded.stderr[-3000:]


def test_two_workers_give_the_records_of_one(archive: CrawlResult, tmp_path: Path) -> None:
    replay_single_and_sharded(archive.out_dir / "warc", tmp_path)

    lines = (tmp_path / "sharded.jsonl").read_text(encoding="utf-8").splitlines()
    one = read_jsonl(tmp_path / "single.jsonl")
    assert len(one) == len(archive.items) >= ARTICLES
    assert len(lines) == len(one)  # each article once: no worker wrote another's
    assert {r["url"]: r for r in map(json.loads, lines)} == one  # every field of every record

    # the work was divided, not repeated: each worker replayed its own articles and read no list
    (alone,) = run_reports(tmp_path / "single" / "runs")
    reports = run_reports(tmp_path / "sharded" / "runs")
    assert len(reports) == 2
    own = [stats.get("newsarchive/replay/shard/own", 0) for stats in reports]
    assert all(n > 0 for n in own) and abs(own[0] - own[1]) <= 1 and sum(own) == len(one)
    assert [stats.get("newsarchive/extract/articles", 0) for stats in reports] == own
    assert all(not stats.get("newsarchive/sitemap/read") for stats in reports)
    assert alone.get("newsarchive/sitemap/read", 0) > 0
    responses = [int(stats["downloader/response_count"]) for stats in reports]
    assert sum(responses) < int(alone["downloader/response_count"])
    workers = json.loads((tmp_path / "sharded-out" / "workers" / "workers.json").read_text(encoding="utf-8"))
    assert [w["exit"] for w in workers["workers"]] == [0, 0]
    assert workers["merged"] is True  # a new database: the first worker wrote it, the second its own, merged in
    assert all(w["cpu_seconds"] > 0 for w in workers["workers"])

    a = export_db(tmp_path / "single" / "newsarchive.sqlite3", tmp_path / "single-db.jsonl")
    b = export_db(tmp_path / "sharded" / "newsarchive.sqlite3", tmp_path / "sharded-db.jsonl")
    assert a.keys() == one.keys()
    assert b == a
    left = table_rows(tmp_path / "single" / "newsarchive.sqlite3")
    right = table_rows(tmp_path / "sharded" / "newsarchive.sqlite3")
    assert all(left[table] for table in ("articles", "origins", "revisions", "observations", "origin_attempts"))
    for table in TABLES:
        assert right[table] == left[table], table
    # the merge copies the search index the workers' triggers folded, and puts the triggers back
    index, triggers = search_index(tmp_path / "single" / "newsarchive.sqlite3")
    assert len(index) == len(one) and sum(1 for row in index if row[3]) > 0 and len(triggers) == 6
    assert search_index(tmp_path / "sharded" / "newsarchive.sqlite3") == (index, triggers)


def test_workers_refuse_list_dependent_limits(archive: CrawlResult, tmp_path: Path) -> None:
    proc = run_replay(archive.out_dir / "warc", tmp_path, "--workers", "2", "-a", "since=2024-01-01",
                      "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "-a since needs a single process" in proc.stderr
    assert not (tmp_path / "out" / "workers").exists()


def test_shares_divide_the_articles(archive: CrawlResult, tmp_path: Path) -> None:
    index = ReplayIndex.build(warc_paths(archive.out_dir / "warc"), repair_indexes=False)
    shares = split_shares(index, lambda url: is_article_url(url, IcmaSpider.aggregator_hosts), 3)
    articles = [url for url in index.by_url if is_article_url(url, IcmaSpider.aggregator_hosts)]
    assert sorted(url for share in shares for url in share.articles) == sorted(articles)
    sizes = sorted(len(share.articles) for share in shares)
    assert sizes[-1] - sizes[0] <= 1
    cited = [url for url in index.by_url if not is_article_url(url, IcmaSpider.aggregator_hosts)]
    assert cited
    for share in shares:
        others = set(articles) - set(share.articles)
        assert not others & share.choices.keys()  # no other worker's article page to read
        assert all(share.choose(url) == index.choose(url) for url in [*share.articles, *cited])
        path = tmp_path / f"share-{share.shard}.pickle"
        share.write(path)
        assert ReplayShare.read(path) == share


def test_workers_into_the_live_database_write_what_one_writes(archive: CrawlResult, tmp_path: Path) -> None:
    """Into an archive that has rows (here the live one) the workers write through the upsert, not a merge."""
    rows: dict[str, dict[str, list[tuple[object, ...]]]] = {}
    for mode, args in (("single", ()), ("sharded", ("--workers", "2"))):
        data_dir = tmp_path / mode
        data_dir.mkdir()
        live = data_dir / "newsarchive.sqlite3"
        live.write_bytes((archive.out_dir / "archive.sqlite3").read_bytes())
        proc = run_replay(archive.out_dir / "warc", tmp_path, *args, "--into-live-database",
                          "--output-dir", str(tmp_path / f"{mode}-out"), env={"NEWSARCHIVE_DATA_DIR": str(data_dir)})
        assert proc.returncode == 0, proc.stderr[-3000:]
        rows[mode] = table_rows(live)
    workers = json.loads((tmp_path / "sharded-out" / "workers" / "workers.json").read_text(encoding="utf-8"))
    assert workers["merged"] is False
    assert not list((tmp_path / "sharded-out" / "workers").glob("*/newsarchive.sqlite3"))
    assert len(rows["single"]["articles"]) == len(archive.items)
    for table in TABLES:
        assert rows["sharded"][table] == rows["single"][table], table


def test_workers_find_an_original_that_another_worker_s_record_fetched(tmp_path: Path) -> None:
    """The variants mirror (see tests/test_origin_identity.py): one apa.az original cited by five icma
    articles under five URLs, fetched once by the run (under the first citing record's URL). The
    articles are dealt round robin, so a worker holds records citing it under URLs the run never
    requested; it finds the archived URL by the original's key and gives them the single replay's
    records, not ``not_in_archive``."""
    with MirrorServer(articles=ARTICLES, variants=True) as mirror:
        crawl = run_crawl(mirror, tmp_path / "archive", settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 0})
        apa = [mirror.site.article(k).url for k in (1, 6, 15, 21, 26)]
    assert crawl.returncode == 0, crawl.log[-3000:]
    live = crawl.by_url()
    assert {live[url]["origin_status"] for url in apa} == {"ok"}
    replay_single_and_sharded(crawl.out_dir / "warc", tmp_path)
    one = read_jsonl(tmp_path / "single.jsonl")
    assert {one[url]["origin_status"] for url in apa} == {"ok"}
    assert read_jsonl(tmp_path / "sharded.jsonl") == one  # every field of every record
    aliases = [stats.get("newsarchive/origin/identity/archived_alias", 0)
               for stats in run_reports(tmp_path / "sharded" / "runs")]
    assert sum(aliases) > 0  # the case happened: a worker asked for the URL the run fetched
