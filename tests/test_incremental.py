"""Scheduled runs: the second run over a changed mirror archives exactly the new and changed articles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsarchive.mirror import MirrorServer
from newsarchive.state import StateStore, StateStoreError
from tests.crawl import run_crawl

ARTICLES = 60
# The mirror's 60 articles span 23 hours; re-visit only the last 7 (edits happen in the last 6).
REVISIT = {"NEWSARCHIVE_REVISIT_DAYS": 0.3}


def test_second_run_does_only_new_work(tmp_path: Path) -> None:
    out = tmp_path / "archive"  # the same archive (state, database) for both runs
    with MirrorServer(articles=ARTICLES, epoch=0) as before:
        first = run_crawl(before, out, "-a", "follow_origins=0", settings=REVISIT)
        site0 = before.site
    assert first.returncode == 0, first.log[-3000:]
    assert len(first.items) == ARTICLES

    with MirrorServer(articles=ARTICLES, epoch=1) as after:
        second = run_crawl(after, out, "-a", "follow_origins=0", settings=REVISIT)
        site1 = after.site
    assert second.returncode == 0, second.log[-3000:]

    new = {site1.article(k).url for k in range(len(site0), len(site1))}
    edited = {site1.article(k).url for k in range(len(site0)) if site1.edited(k)}
    assert new and edited
    got = {item["url"] for item in second.items}
    assert new | edited <= got, "a new or edited article was missed"
    # Everything else it emitted is a recent article re-visited for fresh counters.
    for url in got - new - edited:
        art = site1.find(url.removeprefix("https://icma.az"))
        assert art is not None and (site1.now - site1.published(art.k)).total_seconds() <= 0.3 * 86400
    stats = second.stats
    assert stats["newsarchive/db/new"] == len(new)
    assert stats["newsarchive/db/updated"] == len(edited)
    assert stats.get("newsarchive/incremental/skipped_known", 0) > 0
    assert stats.get("newsarchive/incremental/stopped_paging", 0) > 0  # known territory ends the listing
    assert second.stats["downloader/request_count"] < first.stats["downloader/request_count"]

    with sqlite3.connect(out / "archive.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(site1)
        assert db.execute("SELECT count(*) FROM revisions").fetchone()[0] == len(site1) + len(edited)


def test_unchanged_pages_answer_304(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(articles=30) as mirror:
        assert run_crawl(mirror, out, "-a", "follow_origins=0").returncode == 0
        again = run_crawl(mirror, out, "-a", "follow_origins=0")
    assert again.returncode in (0, 1)  # a run with no new items may fail the min-items monitor
    assert again.stats.get("newsarchive/incremental/not_modified", 0) > 0
    assert again.items == []


def test_corrupt_state_store_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateStoreError, match="unreadable"):
        StateStore(path).open()
    assert path.read_bytes().startswith(b"this is not a database")  # never recreated


def test_corrupt_state_store_stops_the_crawl(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite3").write_bytes(b"garbage" * 500)
    with MirrorServer(articles=10) as mirror:
        result = run_crawl(mirror, tmp_path, "-a", "follow_origins=0")
    assert result.returncode != 0
    assert "state store" in result.log and "unreadable" in result.log
    assert result.items == []


def test_state_store_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3", batch_size=2).open()
    store.record("https://icma.az/news/a-1", content_hash="sha256:1", etag='"x"',
                 published_at="2025-10-01T08:00:00+04:00")
    store.record("https://icma.az/news/a-1", content_hash=None)  # a 304 keeps the hash and validators
    store.close()
    entry = StateStore(tmp_path / "s.sqlite3").open().get("https://icma.az/news/a-1")
    assert entry is not None
    assert (entry.content_hash, entry.etag) == ("sha256:1", '"x"')
