"""DatabasePipeline, ArticleStore and export-db on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from newsarchive.archive.db import MIGRATIONS, ArticleStore, redact_url
from newsarchive.archive.spool import Spool
from newsarchive.commands.export_db import export
from newsarchive.items import Article, Origin
from newsarchive.mirror import MirrorServer
from newsarchive.settings_helpers import project_defaults
from pipelines.database import DatabasePipeline
from tests import pg
from tests.crawl import run_crawl
from tests.pg import PASSWORD, free_port, start_cluster

# the PostgreSQL fixtures (tests/pg.py), made visible to this module
postgres_url = pg.postgres_url
pg_database = pg.pg_database
db_url = pg.db_url

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schema/article.schema.json").read_text())


def hash_of(n: int, version: int = 0) -> str:
    return f"sha256:{(n * 1000 + version):064x}"


def article(n: int, **changes: Any) -> Article:
    item = Article(
        url=f"https://icma.az/news/xeber-{n}", article_id=str(n), kind="news", lang="az",
        title=f"Başlıq {n}", body=f"Mətn {n}: ə ş ğ ı ö ü ç", author="Müəllif", views=10 * n, comments=n % 3,
        published_at="2025-03-01T10:00:00+04:00", published_at_raw="01.03.2025 10:00", source_name="Report.az",
        source_url="https://report.az/", origin_url=f"https://report.az/xeber/{n}",
        origin=Origin(url=f"https://report.az/xeber/{n}", title=f"Başlıq {n}", body="Orijinal", site="report.az",
                      published_at="2025-03-01T09:55:00+04:00", published_at_raw="01 mart 2025, 09:55"),
        origin_status="ok", origin_method="link", origin_similarity=0.93,
        fetched_at="2025-03-01T08:00:00Z", content_hash=hash_of(n),
        warc_record_id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
    )
    return replace(item, **changes)


def make_pipeline(url: str, tmp_path: Path, batch: int = 100) -> DatabasePipeline:
    crawler = get_crawler(Spider, {
        **project_defaults(),
        "NEWSARCHIVE_DATABASE_URL": url,
        "NEWSARCHIVE_DATABASE_BATCH_SIZE": batch,
        "NEWSARCHIVE_DATABASE_SPOOL": str(tmp_path / "spool" / "archive.jsonl"),
    })
    return DatabasePipeline.from_crawler(crawler)


def run(pipeline: DatabasePipeline, items: list[Any]) -> dict[str, Any]:
    pipeline.open_spider()
    for item in items:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    assert pipeline.stats is not None
    return {k.removeprefix("newsarchive/db/"): v for k, v in pipeline.stats.get_stats().items()
            if k.startswith("newsarchive/db/")}


@pytest.fixture
def store_of() -> Iterator[Any]:
    opened: list[ArticleStore] = []

    def open_store(url: str) -> ArticleStore:
        store = ArticleStore.from_url(url)
        store.open()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


# -- upserts, revisions, export ---------------------------------------------------------


def wid(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def test_new_unchanged_updated(db_url: str, tmp_path: Path, store_of: Any) -> None:
    assert run(make_pipeline(db_url, tmp_path), [article(1), article(2), article(3)]) == {"new": 3}
    later = {"fetched_at": "2025-03-02T08:00:00.250000Z"}
    again = [article(1, views=99, comments=7, warc_record_id=wid(101), **later),
             article(2, body="Düzəliş edilmiş mətn", content_hash=hash_of(2, 1), warc_record_id=wid(102), **later),
             article(3, origin_status="unreachable", origin=None, origin_method=None, origin_similarity=None,
                     warc_record_id=wid(103), **later)]
    assert run(make_pipeline(db_url, tmp_path), again) == {"unchanged": 2, "updated": 1}
    store = store_of(db_url)
    one = store.article_row(article(1).url)
    assert (one["views"], one["comments"], one["last_seen_at"]) == (99, 7, "2025-03-02T08:00:00.250000Z")
    # every value of the row comes from the latest capture (issue 12: views from the new capture,
    # fetched_at and warc_record_id from the first was the old, inconsistent row)
    assert (one["fetched_at"], one["warc_record_id"]) == ("2025-03-02T08:00:00.250000Z", wid(101))
    assert (one["first_seen_at"], one["revision_count"]) == ("2025-03-01T08:00:00Z", 1)
    assert [(o["views"], o["warc_record_id"]) for o in store.observations(article(1).url)] == [
        (10, article(1).warc_record_id), (99, wid(101))]
    two = store.article_row(article(2).url)
    assert (two["body"], two["revision_count"], two["content_hash"]) == ("Düzəliş edilmiş mətn", 2, hash_of(2, 1))
    revisions = store.revisions(article(2).url)
    assert [r["body"] for r in revisions] == [article(2).body, "Düzəliş edilmiş mətn"]
    # each revision keeps its own capture
    assert [(r["fetched_at"], r["warc_record_id"], r["previous_hash"]) for r in revisions] == [
        ("2025-03-01T08:00:00Z", article(2).warc_record_id, None),
        ("2025-03-02T08:00:00.250000Z", wid(102), hash_of(2))]
    assert len(store.revisions(article(3).url)) == 1  # same text: no new revision
    exported = {r["url"]: r for r in store.iter_articles()}
    # never downgrade: the site being down later does not take the archived original away
    assert exported[article(3).url]["origin"] == asdict(article(3).origin)
    assert exported[article(3).url]["origin_status"] == "ok"
    origin = store.origin_row(article(3).url)
    assert (origin["last_status"], origin["last_attempt_at"]) == ("unreachable", "2025-03-02T08:00:00.250000Z")


def test_export_round_trip_validates(db_url: str, tmp_path: Path) -> None:
    items = [article(n) for n in range(1, 8)] + [
        article(8, origin=None, origin_url=None, origin_status="not_found", origin_method=None,
                origin_similarity=None, views=None, comments=None, author=None)]
    run(make_pipeline(db_url, tmp_path, batch=3), items)
    out = tmp_path / "export.jsonl"
    assert export(db_url, str(out)) == len(items)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "ə" in lines[0] and "\\u0259" not in lines[0]
    records = [json.loads(line) for line in lines]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        assert not list(validator.iter_errors(record)), record["url"]
        assert list(record) == [f.name for f in fields(Article)]
        assert list(record["origin"] or {}) == ([f.name for f in fields(Origin)] if record["origin"] else [])
    assert sorted(records, key=lambda r: r["url"]) == sorted((asdict(i) for i in items), key=lambda r: r["url"])


def test_export_since(db_url: str, tmp_path: Path) -> None:
    run(make_pipeline(db_url, tmp_path), [article(1), article(2, fetched_at="2025-03-05T01:00:00Z")])
    run(make_pipeline(db_url, tmp_path), [article(1, fetched_at="2025-03-04T23:59:59Z",
                                                  warc_record_id=wid(201))])  # seen again
    out = tmp_path / "since.jsonl"
    assert export(db_url, str(out), since="2025-03-04") == 2
    assert export(db_url, str(out), since="2025-03-05") == 1
    assert json.loads(out.read_text())["url"] == article(2).url
    # publication time (Baku): 2025-03-01T10:00:00+04:00 and 2025-03-02T00:30:00+04:00 (2025-03-01 in UTC)
    run(make_pipeline(db_url, tmp_path), [article(3, published_at="2025-03-02T00:30:00+04:00")])
    assert export(db_url, str(out), published_since="2025-03-02") == 1
    assert json.loads(out.read_text())["url"] == article(3).url
    assert export(db_url, str(out), published_since="2025-03-01") == 3
    assert export(db_url, str(out), published_since="2025-03-03") == 0


def test_batches_commit_every_n_and_a_killed_run_leaves_whole_batches(db_url: str, tmp_path: Path,
                                                                      store_of: Any) -> None:
    pipeline = make_pipeline(db_url, tmp_path, batch=2)
    pipeline.open_spider()
    reader = store_of(db_url)
    for n in range(1, 4):
        pipeline.process_item(article(n))
    assert reader.count() == 2  # the first batch is committed, the third record is not
    assert pipeline.stats is not None and pipeline.stats.get_value("newsarchive/db/new") == 2
    # "kill" the run: the connection goes away without a commit
    assert pipeline.store.conn is not None
    pipeline.store.conn.close()
    pipeline.store.conn = None
    assert reader.count() == 2
    assert {r["url"] for r in reader.iter_articles()} == {article(1).url, article(2).url}
    assert len(reader.revisions(article(3).url)) == 0


def test_schema_versioned_and_indexed(db_url: str, store_of: Any) -> None:
    store_of(db_url).close()
    store = store_of(db_url)  # a second open migrates nothing
    conn = store.conn
    assert conn.execute("SELECT COUNT(*), MAX(version) FROM schema_version").fetchone() == (
        len(MIGRATIONS), len(MIGRATIONS))
    if db_url.startswith("sqlite"):
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()}
    else:
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes").fetchall()}
    assert {"articles_published_at", "articles_source_name", "articles_content_hash",
            "articles_last_seen_at"} <= names


def test_other_items_pass_through(db_url: str, tmp_path: Path) -> None:
    origin = Origin(url="https://report.az/x", title="x")
    assert run(make_pipeline(db_url, tmp_path), [origin, {"url": "https://report.az/y"}]) == {}


def test_export_db_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    run(make_pipeline(url, tmp_path), [article(1), article(2)])
    (tmp_path / "cmd_settings.py").write_text(
        "from newsarchive.settings import *  # noqa\nCOMMANDS_MODULE = 'newsarchive.commands'\n"
        f"NEWSARCHIVE_DATABASE_URL = {url!r}\nNEWSARCHIVE_DATABASE_SPOOL = {str(tmp_path / 'none.jsonl')!r}\n")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "cmd_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "--since", "2025-03-01", "-O", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()] == [article(1).url, article(2).url]
    history = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "--history", "-O", str(out)],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert history.returncode == 0, history.stderr
    assert sorted(json.loads(line)["type"] for line in out.read_text().splitlines()) == [
        "observation", "observation", "origin_attempt", "origin_attempt", "revision", "revision"]
    bad = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "--since", "yesterday", "-O", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--since" in bad.stderr
    down = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "-O", str(out), "--database",
                           f"sqlite:///{tmp_path}"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert down.returncode == 2 and "export-db:" in down.stderr  # a folder is no database: bad input


# -- nothing lost --------------------------------------------------------------------------


def test_sqlite_unavailable_spools_then_drains(tmp_path: Path, store_of: Any,
                                               caplog: pytest.LogCaptureFixture) -> None:
    broken = f"sqlite:///{tmp_path}"  # a directory: cannot be opened as a database
    items = [article(n) for n in range(1, 6)]
    with caplog.at_level(logging.ERROR):
        stats = run(make_pipeline(broken, tmp_path, batch=2), items)
    assert stats["spooled"] == 5 and stats["failed"] is True
    spool = Spool(tmp_path / "spool" / "archive.jsonl")
    assert spool.count() == 5 and str(spool.path) in caplog.text
    good = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    stats = run(make_pipeline(good, tmp_path), [article(6)])
    assert stats == {"drained": 5, "new": 1}
    assert not spool.path.exists()
    assert store_of(good).count() == 6


@pytest.mark.postgres
def test_postgres_refusing_connections_spools_then_drains(postgres_url: str, pg_database: str, tmp_path: Path,
                                                          store_of: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/archive"
    items = [article(n) for n in range(1, 8)]
    with caplog.at_level(logging.INFO):
        stats = run(make_pipeline(refused, tmp_path, batch=3), items)
    assert stats["spooled"] == 7 and stats["failed"] is True
    assert PASSWORD not in caplog.text and "postgres:***@127.0.0.1" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        stats = run(make_pipeline(pg_database, tmp_path), [
            article(1, views=1000, fetched_at="2025-03-02T08:00:00Z", warc_record_id=wid(301)), article(8)])
    assert stats == {"drained": 7, "unchanged": 1, "new": 1}
    assert PASSWORD not in caplog.text
    assert not (tmp_path / "spool" / "archive.jsonl").exists()
    store = store_of(pg_database)
    assert store.count() == 8 and store.article_row(article(1).url)["views"] == 1000


@pytest.mark.postgres
def test_postgres_stopped_mid_run_loses_nothing(tmp_path: Path, store_of: Any) -> None:
    pytest.importorskip("psycopg")
    cluster = start_cluster()
    try:
        url = cluster.url()
        pipeline = make_pipeline(url, tmp_path, batch=4)
        pipeline.open_spider()
        for n in range(1, 7):  # one committed batch of 4, two uncommitted records
            pipeline.process_item(article(n))
        cluster.stop()
        for n in range(7, 12):
            pipeline.process_item(article(n))
        pipeline.close_spider()
        stats = pipeline.stats.get_stats() if pipeline.stats else {}
        assert stats["newsarchive/db/new"] == 4
        assert stats["newsarchive/db/spooled"] == 7 and stats["newsarchive/db/failed"] is True
        cluster.start()
        assert run(make_pipeline(url, tmp_path), []) == {"drained": 7}
        store = store_of(url)
        assert {r["url"] for r in store.iter_articles()} == {article(n).url for n in range(1, 12)}
        assert all(len(store.revisions(article(n).url)) == 1 for n in range(1, 12))
    finally:
        cluster.destroy()


@pytest.mark.postgres
def test_postgres_refused_record_is_spooled_alone(pg_database: str, tmp_path: Path, store_of: Any) -> None:
    items = [article(1), article(2, views="very many"), article(3)]
    stats = run(make_pipeline(pg_database, tmp_path, batch=10), items)
    assert stats == {"new": 2, "errors": 1, "spooled": 1, "failed": True}
    assert store_of(pg_database).count() == 2
    records, bad = Spool(tmp_path / "spool" / "archive.jsonl").read()
    assert [r["url"] for r in records] == [article(2).url] and not bad


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://archiver:hunter2@db.example:5432/news", "postgresql://archiver:***@db.example:5432/news"),
    ("postgresql://archiver@db.example/news", "postgresql://archiver@db.example/news"),
    ("postgresql://db.example/news?user=a&password=hunter2", "postgresql://db.example/news?user=a&password=***"),
    ("sqlite:///data/newsarchive.sqlite3", "sqlite:///data/newsarchive.sqlite3"),
])
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_unknown_scheme_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unsupported scheme 'mysql'.*mysql://u:\*\*\*@h/db"):
        make_pipeline("mysql://u:pw@h/db", tmp_path)


def test_missing_psycopg_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ImportError, match=r"newsarchive\[postgres\]"):
        make_pipeline("postgresql://u:pw@h/db", tmp_path)


def test_default_spool_is_named_after_the_database(tmp_path: Path) -> None:
    # the data folder explicit: the defaults' own follows NEWSARCHIVE_DATA_DIR in the environment
    # when newsarchive.settings was first imported (tests/conftest.py sets it for the session)
    crawler = get_crawler(Spider, {**project_defaults(), "NEWSARCHIVE_DATA_DIR": str(tmp_path / "data"),
                                   "NEWSARCHIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'news.sqlite3'}"})
    pipeline = DatabasePipeline.from_crawler(crawler)
    assert pipeline.spool.path == tmp_path / "data/spool/news.jsonl"


def test_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    run(make_pipeline(url, tmp_path), [article(1)])
    with sqlite3.connect(tmp_path / "wal.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_mirror_crawl_database_equals_the_feed(mirror: MirrorServer, tmp_path: Path) -> None:
    pipelines = {"pipelines.normalize.NormalizePipeline": 300, "pipelines.database.DatabasePipeline": 900}
    result = run_crawl(mirror, tmp_path, settings={
        "ITEM_PIPELINES": json.dumps(pipelines),
        "NEWSARCHIVE_DATABASE_SPOOL": str(tmp_path / "spool.jsonl"),
        "NEWSARCHIVE_DATABASE_BATCH_SIZE": 7,
    })
    assert result.returncode == 0, result.log[-3000:]
    assert result.items
    out = tmp_path / "export.jsonl"
    assert export(f"sqlite:///{tmp_path / 'archive.sqlite3'}", str(out)) == len(result.items)
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert exported == sorted(result.items, key=lambda r: r["url"])
    assert not (tmp_path / "spool.jsonl").exists()
