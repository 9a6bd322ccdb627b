"""Never downgrade, one article one record, and the history (observations, revisions, origin attempts,
gone articles), on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import DropItem
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from newsarchive.commands.export_db import export
from newsarchive.discovery import article_identity
from newsarchive.items import ArticleGone, Origin
from newsarchive.mirror import MirrorServer
from newsarchive.urls import canonical_url, host_of
from tests import pg
from tests.crawl import ROOT, run_crawl
from tests.test_database import article, db_url, hash_of, make_pipeline, run, store_of, wid

postgres_url = pg.postgres_url
pg_database = pg.pg_database
__all__ = ["db_url", "store_of"]  # fixtures, used by name

DAY2 = "2025-03-02T08:00:00Z"
DAY3 = "2025-03-03T08:00:00Z"


def capture(n: int, when: str, w: int, **changes: Any) -> Any:
    """Article *n* captured again at *when* (a new WARC record *w*)."""
    return article(n, fetched_at=when, warc_record_id=wid(w), **changes)


# -- never downgrade (issue 11.1) ------------------------------------------------------------


@pytest.mark.parametrize("status", ["unreachable", "not_found", "blocked", "not_attempted"])
def test_a_failed_origin_attempt_keeps_the_archived_origin(db_url: str, tmp_path: Path, store_of: Any,
                                                           status: str) -> None:
    first = article(1)
    run(make_pipeline(db_url, tmp_path), [first])
    failed = capture(1, DAY2, 11, origin=None, origin_status=status, origin_method=None, origin_similarity=None)
    record = asdict(failed) | {"origin_note": f"{status}: test"}
    assert run(make_pipeline(db_url, tmp_path), [record]) == {"unchanged": 1}
    store = store_of(db_url)
    exported = next(store.iter_articles())
    assert exported["origin"] == asdict(first.origin) and exported["origin_status"] == "ok"
    assert exported["origin_similarity"] == first.origin_similarity
    origin = store.origin_row(first.url)
    assert (origin["status"], origin["last_status"], origin["last_note"], origin["last_attempt_at"]) == (
        "ok", status, f"{status}: test", DAY2)
    attempts = list(e for e in store.iter_history() if e["type"] == "origin_attempt")
    assert [(a["status"], a["stored"]) for a in attempts] == [("ok", True), (status, False)]
    assert attempts[0]["body"] == "Orijinal" and attempts[1]["body"] is None


def test_ok_replaces_ok_only_when_newer_and_with_text(db_url: str, tmp_path: Path, store_of: Any) -> None:
    run(make_pipeline(db_url, tmp_path), [article(1)])
    edited = Origin(url="https://report.az/xeber/1", title="Başlıq 1", body="Orijinal, düzəldilib", site="report.az")
    empty = Origin(url="https://report.az/xeber/1", title="Başlıq 1", body=None, site="report.az")
    older = Origin(url="https://report.az/xeber/1", title="Köhnə", body="Köhnə mətn", site="report.az")
    run(make_pipeline(db_url, tmp_path), [
        capture(1, DAY2, 11, origin=edited),
        capture(1, DAY3, 12, origin=empty),  # an ok capture without text does not erase the text
        capture(1, "2025-02-28T08:00:00Z", 13, origin=older),  # a replayed older capture
    ])
    store = store_of(db_url)
    assert store.origin_row(article(1).url)["body"] == "Orijinal, düzəldilib"
    texts = [(a["stored"], a["body"]) for a in store.iter_history() if a["type"] == "origin_attempt"]
    # the origin's revisions: text kept where an ok capture brought a new text that was stored
    assert sorted(texts, key=str) == sorted([(True, "Orijinal"), (True, "Orijinal, düzəldilib"), (False, None),
                                             (False, None)], key=str)


def test_an_outcome_replaces_an_outcome_but_not_attempted_replaces_nothing(db_url: str, tmp_path: Path,
                                                                           store_of: Any) -> None:
    down = {"origin": None, "origin_method": None, "origin_similarity": None}
    run(make_pipeline(db_url, tmp_path), [article(1, origin_status="unreachable", **down)])
    run(make_pipeline(db_url, tmp_path), [capture(1, DAY2, 11, origin_status="not_found", **down),
                                          capture(1, DAY3, 12, origin_status="not_attempted", **down)])
    origin = store_of(db_url).origin_row(article(1).url)
    assert (origin["status"], origin["last_status"]) == ("not_found", "not_attempted")
    run(make_pipeline(db_url, tmp_path), [capture(1, "2025-03-04T08:00:00Z", 13)])  # the site is back
    assert store_of(db_url).origin_row(article(1).url)["status"] == "ok"


def test_a_partial_capture_never_replaces_the_archived_text(db_url: str, tmp_path: Path, store_of: Any) -> None:
    first = article(1, body="Birinci abzas tam.\n\nİkinci abzas da tamdır.")
    run(make_pipeline(db_url, tmp_path), [first])
    run(make_pipeline(db_url, tmp_path), [
        capture(1, DAY2, 11, body=None, content_hash=hash_of(1, 1), views=50),
        capture(1, DAY3, 12, body="Birinci abzas tam.\n\nİkinci ab", content_hash=hash_of(1, 2), views=60),
    ])
    store = store_of(db_url)
    row = store.article_row(first.url)
    assert (row["body"], row["content_hash"], row["views"], row["warc_record_id"]) == (
        first.body, first.content_hash, first.views, first.warc_record_id)
    assert row["last_seen_at"] == DAY3 and row["revision_count"] == 1
    assert [(o["status"], o["views"]) for o in store.observations(first.url)] == [
        ("ok", 10), ("partial", 50), ("partial", 60)]
    # an edit that drops a whole paragraph is an edit, not a truncation
    run(make_pipeline(db_url, tmp_path), [
        capture(1, "2025-03-04T08:00:00Z", 13, body="Birinci abzas tam.", content_hash=hash_of(1, 3))])
    assert store.article_row(first.url)["body"] == "Birinci abzas tam."


def test_replaying_old_captures_into_the_archive_changes_nothing_current(db_url: str, tmp_path: Path,
                                                                         store_of: Any) -> None:
    newest = capture(1, DAY3, 13, body="Yeni mətn", content_hash=hash_of(1, 2), views=300)
    run(make_pipeline(db_url, tmp_path), [newest])
    old = [article(1), capture(1, DAY2, 12, body="Orta mətn", content_hash=hash_of(1, 1), views=200)]
    run(make_pipeline(db_url, tmp_path), old)
    run(make_pipeline(db_url, tmp_path), [*old, newest])  # the same captures again: nothing new
    store = store_of(db_url)
    row = store.article_row(article(1).url)
    assert (row["body"], row["views"], row["fetched_at"], row["warc_record_id"]) == ("Yeni mətn", 300, DAY3, wid(13))
    assert sorted((r["fetched_at"], r["body"]) for r in store.revisions(article(1).url)) == [
        ("2025-03-01T08:00:00Z", article(1).body), (DAY2, "Orta mətn"), (DAY3, "Yeni mətn")]
    assert sorted(o["views"] for o in store.observations(article(1).url)) == [10, 200, 300]


# -- one article, one record (issue 12.3) ------------------------------------------------------


@pytest.mark.parametrize(("variant", "key"), [
    ("https://icma.az/news/xeber-1?utm_source=facebook&utm_medium=social", "https://icma.az/news/xeber-1"),
    ("http://icma.az/news/xeber-1", "https://icma.az/news/xeber-1"),
    ("https://www.icma.az/news/xeber-1?fbclid=IwAR0abc#comments", "https://icma.az/news/xeber-1"),
    ("https://icma.az/news/xeber-1?gclid=x&yclid=y&_ga=1.2&mc_cid=z", "https://icma.az/news/xeber-1"),
    ("https://icma.az/son-xeberler?page=2&utm_campaign=x", "https://icma.az/son-xeberler?page=2"),
])
def test_canonical_url_is_the_archive_key(variant: str, key: str) -> None:
    assert canonical_url(variant) == key


def test_article_identity() -> None:
    assert article_identity("https://icma.az/news/kohne-bashliq-1250007") == ("icma.az", "az", "news", "1250007")
    assert article_identity("https://icma.az/ru/news/zagolovok-1250007/") == ("icma.az", "ru", "news", "1250007")
    assert article_identity("https://icma.az/story/basliq-trend-170039") == ("icma.az", "az", "story", "170039")
    assert article_identity("https://icma.az/son-xeberler") is None


def test_tracking_and_http_spellings_are_one_record(db_url: str, tmp_path: Path, store_of: Any) -> None:
    run(make_pipeline(db_url, tmp_path), [
        article(1),
        capture(1, DAY2, 11, url="https://icma.az/news/xeber-1?utm_source=x&fbclid=abc#c", views=20),
        capture(1, DAY3, 12, url="http://icma.az/news/xeber-1", views=30),
    ])
    store = store_of(db_url)
    assert store.count() == 1
    assert store.article_row("https://icma.az/news/xeber-1")["views"] == 30
    assert len(store.observations("https://icma.az/news/xeber-1")) == 3


def test_another_slug_with_the_same_id_is_the_same_article(db_url: str, tmp_path: Path, store_of: Any) -> None:
    old_url, new_url = "https://icma.az/news/kohne-basliq-1250007", "https://icma.az/news/yeni-basliq-1250007"
    same_id = {"article_id": "1250007"}
    run(make_pipeline(db_url, tmp_path), [
        article(7, url=old_url, **same_id),
        capture(7, DAY2, 11, url=new_url, title="Yeni başlıq", content_hash=hash_of(7, 1), **same_id),
        capture(7, "2025-03-01T12:00:00Z", 12, url=old_url, views=5, **same_id),  # the old slug, replayed
        # other editions and kinds with the same number are other articles
        article(8, url="https://icma.az/ru/news/zagolovok-1250007", **same_id),
        article(9, url="https://icma.az/story/basliq-trend-1250007", kind="story", **same_id),
    ])
    store = store_of(db_url)
    assert store.count() == 3
    row = store.article_row(new_url)
    assert row is not None and store.article_row(old_url) is None  # the newer slug wins
    assert (row["title"], row["revision_count"], row["first_seen_at"]) == ("Yeni başlıq", 2, "2025-03-01T08:00:00Z")
    assert store.aliases(new_url) == [old_url]
    assert len(store.observations(new_url)) == 3 and len(store.revisions(new_url)) == 2
    assert store.origin_row(new_url) is not None


# -- history (issue 12.4) ------------------------------------------------------------------------


def test_gone_articles_are_marked_never_deleted(db_url: str, tmp_path: Path, store_of: Any) -> None:
    pipeline = make_pipeline(db_url, tmp_path)
    pipeline.open_spider()
    for item in (article(1), article(2)):
        pipeline.process_item(item)
    for gone in (ArticleGone(url=article(1).url, status=410, fetched_at=DAY2, warc_record_id=wid(21)),
                 ArticleGone(url="https://icma.az/news/hec-vaxt-arxivlenmeyib-5", status=404, fetched_at=DAY2)):
        with pytest.raises(DropItem):  # consumed here, never a record of the feed
            pipeline.process_item(gone)
    pipeline.close_spider()
    assert pipeline.stats is not None
    assert {k: v for k, v in pipeline.stats.get_stats().items() if k.startswith("newsarchive/db/")} == {
        "newsarchive/db/new": 2, "newsarchive/db/gone": 1, "newsarchive/db/ignored": 1}
    store = store_of(db_url)
    row = store.article_row(article(1).url)
    assert (row["gone_at"], row["gone_status"], row["body"]) == (DAY2, 410, article(1).body)
    assert store.count() == 2
    assert [(o["status"], o["http_status"]) for o in store.observations(article(1).url)] == [
        ("ok", 200), ("gone", 410)]
    assert {r["url"] for r in store.iter_articles()} == {article(1).url, article(2).url}
    run(make_pipeline(db_url, tmp_path), [capture(1, DAY3, 12)])  # the page came back
    assert store.article_row(article(1).url)["gone_at"] is None


def test_export_history_with_diffs(db_url: str, tmp_path: Path) -> None:
    run(make_pipeline(db_url, tmp_path), [
        article(1),
        capture(1, DAY2, 11, views=20),
        capture(1, DAY3, 12, views=30, body="Mətn 1: düzəliş", content_hash=hash_of(1, 1)),
    ])
    out = tmp_path / "history.jsonl"
    count = export(db_url, str(out), history=True)
    events = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert count == len(events) == 3 + 2 + 3  # observations, revisions, origin attempts
    views = [(e["fetched_at"], e["views"]) for e in events if e["type"] == "observation"]
    assert views == [("2025-03-01T08:00:00Z", 10), (DAY2, 20), (DAY3, 30)]
    revisions = [e for e in events if e["type"] == "revision"]
    assert [r["previous_hash"] for r in revisions] == [None, hash_of(1)]
    assert revisions[0]["diff"] is None
    assert "-Mətn 1: ə ş ğ ı ö ü ç" in revisions[1]["diff"] and "+Mətn 1: düzəliş" in revisions[1]["diff"]
    assert export(db_url, str(out), history=True, since="2025-03-02") == 2 + 1 + 2


@pytest.mark.postgres
def test_postgres_timestamps_are_timestamptz(pg_database: str, tmp_path: Path, store_of: Any) -> None:
    recent = article(2, published_at="2025-03-01T23:30:00+04:00")
    run(make_pipeline(pg_database, tmp_path), [article(1), recent])
    conn = store_of(pg_database).conn
    # the query of issue 12, which failed on text columns
    rows = conn.execute("SELECT url FROM articles WHERE published_at > %s::timestamptz - interval '1 day'",
                        ("2025-03-02T12:00:00+04:00",)).fetchall()
    assert [r[0] for r in rows] == [recent.url]
    fetched = conn.execute("SELECT fetched_at FROM observations ORDER BY id").fetchall()
    assert [f[0] for f in fetched] == [datetime(2025, 3, 1, 8, tzinfo=UTC)] * 2
    # the export gives back the strings the records had
    assert {r["url"]: r["published_at"] for r in store_of(pg_database).iter_articles()} == {
        article(1).url: "2025-03-01T10:00:00+04:00", recent.url: "2025-03-01T23:30:00+04:00"}


# -- the same through real crawls of the mirror --------------------------------------------------


def test_crawl_one_record_per_article_and_gone_pages(tmp_path: Path, store_of: Any) -> None:
    """A second run reaches an archived article as ``?utm_…``, ``http://`` and ``#…``, another under a
    wrong slug, and finds one deleted (410): still one row per article, the deleted one marked gone."""
    out = tmp_path / "archive"
    revisit = {"NEWSARCHIVE_REVISIT_DAYS": 1, "NEWSARCHIVE_MONITOR_MIN_ITEMS": 0}
    with MirrorServer(articles=12) as mirror:
        site = mirror.site
        first = run_crawl(mirror, out, "-a", "follow_origins=0", settings=revisit)
    assert first.returncode == 0, first.log[-3000:]
    news = [site.article(k).url for k in range(len(site)) if "/news/" in site.article(k).url
            and "/ru/" not in site.article(k).url]
    deleted, tracked, renamed = news[0], news[1], news[2]
    head, _, article_id = renamed.rpartition("-")
    other_slug = f"{head.rsplit('/', 1)[0]}/kohne-basliq-{article_id}"
    variants = [f"{tracked}?utm_source=facebook&utm_medium=social&fbclid=IwAR0", tracked.replace("https:", "http:"),
                f"{tracked}#comments", other_slug]
    start = ["https://icma.az/", "https://icma.az/sitemap.xml", *variants]
    with MirrorServer(articles=12, faults={urlsplit(deleted).path: {"status": 410}}) as mirror:
        second = run_crawl(mirror, out, "-a", "follow_origins=0",
                           settings={**revisit, "NEWSARCHIVE_START_URLS": json.dumps(start)})
    assert second.returncode in (0, 1), second.log[-3000:]  # a 410 counts as a failed download
    assert not [item for item in second.items if "url" not in item or "gone" in item]  # no event in the feed
    store = store_of(f"sqlite:///{out / 'archive.sqlite3'}")
    assert store.count() == len(site) == 12
    urls = {r["url"] for r in store.iter_articles()}
    assert not [u for u in urls if "utm_" in u or u.startswith("http:") or "#" in u]
    assert tracked in urls
    # another slug of an archived id, which this site answers with 404: the article is not gone
    # (the mirror serves no other slugs: test_another_slug_with_the_same_id_is_the_same_article has the rest)
    assert renamed in urls and store.article_row(renamed)["gone_at"] is None
    assert [o["status"] for o in store.observations(renamed)] == ["ok"]
    row = store.article_row(deleted)
    assert row["gone_status"] == 410 and row["gone_at"] is not None and row["body"]
    assert [o["status"] for o in store.observations(deleted)] == ["ok", "gone"]


def test_replaying_a_partial_warc_into_the_live_database_downgrades_nothing(tmp_path: Path,
                                                                           store_of: Any) -> None:
    """Issue 11: a WARC that lost the cited sites' records, replayed into the live database, left every
    origin ``unreachable``/``not_found`` and erased the archived originals' text."""
    out = tmp_path / "archive"
    with MirrorServer(articles=12) as mirror:
        first = run_crawl(mirror, out)
    assert first.returncode == 0, first.log[-3000:]
    url = f"sqlite:///{out / 'archive.sqlite3'}"
    before = sorted(store_of(url).iter_articles(), key=lambda r: r["url"])
    assert sum(r["origin_status"] == "ok" for r in before) >= 5
    partial = tmp_path / "partial"
    partial.mkdir()
    with (partial / "icma-only.warc.gz").open("wb") as fh:  # only the aggregator's exchanges survived
        writer = WARCWriter(fh, gzip=True)
        for path in sorted((out / "warc").glob("*.warc.gz")):
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    target = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if record.rec_type == "warcinfo" or host_of(target) == "icma.az":
                        writer.write_record(record)
    replayed = tmp_path / "replayed.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "replay", str(partial), "-O", str(replayed),
           "-s", f"NEWSARCHIVE_RUNS_DIR={tmp_path / 'runs'}", "-s", f"NEWSARCHIVE_DATABASE_URL={url}",
           "-s", f"NEWSARCHIVE_DATABASE_SPOOL={tmp_path / 'spool.jsonl'}",
           "-s", f"NEWSARCHIVE_START_URLS={json.dumps(['https://icma.az/', 'https://icma.az/sitemap.xml'])}",
           "-s", "NEWSARCHIVE_PROGRESS=off", "-s", "NEWSARCHIVE_MONITOR_MIN_ITEMS=0"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    records = [json.loads(line) for line in replayed.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(before), proc.stderr[-3000:]
    assert not any(r["origin_status"] == "ok" for r in records)  # the replay really lost the originals
    after = sorted(store_of(url).iter_articles(), key=lambda r: r["url"])
    for old, new in zip(before, after, strict=True):
        assert new == old, {k: (old[k], new[k]) for k in old if new[k] != old[k]}
