"""Archives outlive releases: an archive made by release 8d32d38 (tests/fixtures/archive-v1) opens under
this code, migrates, keeps every record, and takes more scheduled runs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive.db import ArticleStore
from newsarchive.archive.warc import iter_records
from newsarchive.commands.export_db import export
from newsarchive.items import SCHEMA_VERSION, Article, Origin
from newsarchive.mirror import MirrorServer
from newsarchive.origin.identity import origin_key
from newsarchive.state import StateStore
from tests import pg
from tests.crawl import run_crawl
from tests.pg import pg_bin

postgres_url = pg.postgres_url
pg_database = pg.pg_database

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "archive-v1"
V1_ARTICLE = ("url", "article_id", "kind", "lang", "title", "body", "author", "views", "comments", "published_at",
              "published_at_raw", "source_name", "source_url", "fetched_at", "content_hash", "warc_record_id")
V1_ORIGIN = ("cited_url", "status", "method", "similarity", "url", "title", "body", "author", "published_at",
             "published_at_raw", "site")


def v1_records() -> dict[str, dict[str, Any]]:
    """What the 1.0 database holds, read with plain SQL (no code of this project), as records."""
    with sqlite3.connect(FIXTURE / "archive.sqlite3") as db:
        assert db.execute("SELECT MAX(version) FROM schema_version").fetchone() == (1,)
        rows = db.execute(f"SELECT {', '.join('a.' + c for c in V1_ARTICLE)}, "
                          f"{', '.join('o.' + c for c in V1_ORIGIN)} "
                          "FROM articles a LEFT JOIN origins o ON o.article_url = a.url").fetchall()
    records = {}
    for row in rows:
        record = dict(zip(V1_ARTICLE, row[:len(V1_ARTICLE)], strict=True))
        origin = dict(zip(V1_ORIGIN, row[len(V1_ARTICLE):], strict=True))
        record.update(origin_url=origin.pop("cited_url"), origin_status=origin.pop("status"),
                      origin_method=origin.pop("method"), origin_similarity=origin.pop("similarity"),
                      origin=origin if origin["url"] is not None else None, schema_version="1.0")
        records[record["url"]] = record
    return records


def v1_revisions() -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(FIXTURE / "archive.sqlite3") as db:
        return sorted(db.execute("SELECT article_url, content_hash, title, body FROM revisions").fetchall())


def check_upgraded(url: str, tmp_path: Path) -> list[dict[str, Any]]:
    """Open the migrated archive at *url*, check everything of 1.0 is there; return the export."""
    out = tmp_path / "export.jsonl"
    expected = v1_records()
    assert export(url, str(out), drain_spool=False) == len(expected) == 17
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for record in exported:
        assert list(record) == [f.name for f in Article.__dataclass_fields__.values()]
        if record["origin"] is not None:
            assert list(record["origin"]) == list(Origin.__dataclass_fields__)
        # every field of every record as 1.0 archived it (new fields: null or their 1.0 value)
        got = {k: v for k, v in record.items() if k in expected[record["url"]]}
        if got["origin"] is not None:
            new_fields = {k: v for k, v in got["origin"].items() if k not in V1_ORIGIN and k != "key"}
            assert not any(new_fields.values()), new_fields  # origin fields 1.0 did not have: empty
            assert got["origin"]["key"] == origin_key(got["origin"]["url"])  # but its identity (migration 5)
            got["origin"] = {k: v for k, v in got["origin"].items() if k in V1_ORIGIN}
        assert got == expected[record["url"]]
    store = ArticleStore.from_url(url)
    store.open()
    try:
        revisions = []
        for record in exported:
            revs = store.revisions(record["url"])
            revisions += [(record["url"], r["content_hash"], r["title"], r["body"]) for r in revs]
            # the capture of each revision is in the history, and the last visit's counters
            observations = store.observations(record["url"])
            assert {r["content_hash"] for r in revs} <= {o["content_hash"] for o in observations}
            assert record["views"] in {o["views"] for o in observations}
            origin = store.origin_row(record["url"])
            assert origin is not None and origin["last_status"] == record["origin_status"]
        assert sorted(revisions) == v1_revisions()
    finally:
        store.close()
    return exported


def test_sqlite_archive_of_release_1_upgrades_and_takes_more_runs(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(FIXTURE, archive)
    url = f"sqlite:///{archive / 'archive.sqlite3'}"
    before = check_upgraded(url, tmp_path)
    with sqlite3.connect(archive / "archive.sqlite3") as db:
        assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] >= 2
    # the state store and the WARC files of 1.0 are read as they are
    state = StateStore(archive / "state.sqlite3").open()
    try:
        assert len(state) == 17
        assert all(state.get(record["url"]) is not None for record in before)
    finally:
        state.close()
    warc_ids = {r.record_id for r in iter_records(archive / "warc")}
    assert {r["warc_record_id"] for r in before} <= warc_ids

    # a third scheduled run (the mirror's next epoch: 5 new articles) into the upgraded archive
    with MirrorServer(articles=12, epoch=2) as mirror:
        result = run_crawl(mirror, archive, settings={"NEWSARCHIVE_REVISIT_DAYS": 1})
        site = mirror.site
    assert result.returncode == 0, result.log[-3000:]
    store = ArticleStore.from_url(url)
    store.open()
    try:
        assert store.count() == len(site) == 22
        for record in result.items:
            row = store.article_row(record["url"])
            assert row is not None and row["warc_record_id"] == record["warc_record_id"]
            assert row["schema_version"] == SCHEMA_VERSION
        # an ok origin of 1.0 is still ok (never downgraded by the new run)
        for old in before:
            if old["origin_status"] == "ok":
                origin = store.origin_row(old["url"])
                assert origin is not None and origin["status"] == "ok" and origin["body"] == old["origin"]["body"]
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_archive_of_release_1_upgrades(pg_database: str, tmp_path: Path) -> None:
    psql = pg_bin("psql")
    if psql is None:
        pytest.skip("no psql to load the dump")
    subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_database, "-f", str(FIXTURE / "postgres.sql")],
                   check=True, capture_output=True, timeout=120)
    exported = check_upgraded(pg_database, tmp_path)
    import psycopg

    with psycopg.connect(pg_database) as conn:
        types = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE column_name IN ('published_at', 'fetched_at', 'first_seen_at', 'last_seen_at', 'recorded_at', "
            "'gone_at', 'attempted_at')").fetchall())
        assert set(types.values()) == {"timestamp with time zone"}, types
        assert {"articles.published_at", "articles.fetched_at", "observations.fetched_at",
                "revisions.fetched_at", "origins.published_at"} <= set(types)
        # the query of issue 12 works on the migrated archive
        newest = max(r["published_at"] for r in exported if r["published_at"])
        n = conn.execute("SELECT count(*) FROM articles WHERE published_at > %s::timestamptz - interval '1 day'",
                         (newest,)).fetchone()
        assert n is not None and 0 < n[0] <= len(exported)
