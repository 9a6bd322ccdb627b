"""The JSON-lines spool and its drain into the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive.db import ArticleStore, StoreError
from newsarchive.archive.spool import Spool, default_spool_path, drain


def record(n: int, **changes: Any) -> dict[str, Any]:
    return {"url": f"https://icma.az/news/x-{n}", "title": f"Başlıq {n}", "body": "ə", "origin": None,
            "origin_status": "not_attempted", "fetched_at": "2025-03-01T08:00:00Z",
            "content_hash": f"sha256:{n:064x}", **changes}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = ArticleStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    s.open()
    yield s
    s.close()


def test_append_read_is_utf8_and_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s" / "a.jsonl")
    assert spool.read() == ([], []) and spool.count() == 0
    assert spool.append([record(1), record(2)]) == 2
    spool.append([record(3)])
    assert "ə" in spool.path.read_text(encoding="utf-8")
    records, bad = spool.read()
    assert [r["url"] for r in records] == [record(n)["url"] for n in (1, 2, 3)] and not bad
    assert spool.count() == 3


def test_drain_writes_then_removes(tmp_path: Path, store: ArticleStore) -> None:
    spool = Spool(tmp_path / "a.jsonl")
    spool.append([record(1), record(2), record(1, title="Yeni", content_hash=f"sha256:{9:064x}")])
    result = drain(spool, store)
    assert (result.written, result.kept, result.rejected) == (3, 0, 0)
    assert not spool.path.exists()
    assert store.count() == 2
    assert [r["title"] for r in store.revisions(record(1)["url"])] == ["Başlıq 1", "Yeni"]


def test_drain_again_is_idempotent(tmp_path: Path, store: ArticleStore) -> None:
    """A crash between the commit and the removal replays the same records: nothing doubles."""
    spool = Spool(tmp_path / "a.jsonl")
    spool.append([record(1), record(2)])
    copy = spool.path.read_bytes()
    drain(spool, store)
    spool.path.write_bytes(copy)
    drain(spool, store)
    assert store.count() == 2 and len(store.revisions(record(1)["url"])) == 1


def test_a_torn_last_line_is_set_aside(tmp_path: Path, store: ArticleStore) -> None:
    spool = Spool(tmp_path / "a.jsonl")
    spool.append([record(1)])
    with spool.path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record(2))[:25])  # killed mid-write
    result = drain(spool, store)
    assert (result.written, result.rejected) == (1, 1)
    assert not spool.path.exists()
    assert spool.path.with_name("a.jsonl.rejected").read_text().startswith('{"url"')


def test_a_failing_database_leaves_the_spool(tmp_path: Path, store: ArticleStore) -> None:
    spool = Spool(tmp_path / "a.jsonl")
    spool.append([record(1), record(2)])
    before = spool.path.read_bytes()
    store.close()  # the database is gone
    with pytest.raises(StoreError):
        drain(spool, store)
    assert spool.path.read_bytes() == before


def test_a_record_without_url_stays(tmp_path: Path, store: ArticleStore) -> None:
    spool = Spool(tmp_path / "a.jsonl")
    spool.append([record(1), {"title": "no url"}])
    result = drain(spool, store)
    assert (result.written, result.kept) == (1, 1)
    assert spool.read() == ([{"title": "no url"}], [])


def test_default_path() -> None:
    assert default_spool_path("newsarchive") == Path("data/spool/newsarchive.jsonl")
    assert default_spool_path("a/b") == Path("data/spool/a_b.jsonl")
