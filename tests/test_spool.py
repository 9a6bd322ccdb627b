"""The JSON-lines spool and its drain into the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


# --- several processes sharing one spool ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
BATCHES, PER_BATCH = 40, 50
#: A writer process: says it is ready, waits for the start file, then appends BATCHES batches of PER_BATCH records
#: of ~4 kB each (a batch is far larger than a buffered file's 8 kB chunk).
WRITER = """
import sys, time
from pathlib import Path
from newsarchive.archive.spool import Spool
path, name, go, batches, per_batch = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
spool = Spool(path)
Path(f"{go}.{name}").touch()  # ready
while not go.exists():
    time.sleep(0.001)
for b in range(batches):
    spool.append([{"url": f"https://icma.az/news/{name}-{b}-{i}", "title": f"{name} {b} {i}", "body": "ə" * 2000,
                   "origin": None, "origin_status": "not_attempted", "fetched_at": "2025-03-01T08:00:00Z",
                   "content_hash": f"sha256:{b * 1000 + i:064x}"} for i in range(per_batch)])
"""


def start_writers(spool: Path, go: Path, names: list[str]) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", WRITER, str(spool), "", str(go), str(BATCHES), str(PER_BATCH)]
    return [subprocess.Popen([*argv[:4], name, *argv[5:]], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
            for name in names]


def go_when_ready(go: Path, names: list[str]) -> None:
    """Start every writer at once (each has imported and created its file of readiness)."""
    deadline = time.monotonic() + 120
    while not all(Path(f"{go}.{name}").exists() for name in names):
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.01)
    go.touch()


def wait(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]


def expected_urls(names: list[str]) -> set[str]:
    return {f"https://icma.az/news/{n}-{b}-{i}" for n in names for b in range(BATCHES) for i in range(PER_BATCH)}


def test_two_processes_append_to_one_spool_and_a_drain_finds_each_record_once(tmp_path: Path,
                                                                                store: ArticleStore) -> None:
    path, go, names = tmp_path / "spool" / "db.jsonl", tmp_path / "go", ["a", "b"]
    procs = start_writers(path, go, names)
    go_when_ready(go, names)
    wait(procs)
    spool = Spool(path)
    records, bad = spool.read()
    assert bad == []
    assert sorted(r["url"] for r in records) == sorted(expected_urls(names))  # each exactly once
    result = drain(spool, store)
    assert (result.written, result.kept, result.rejected) == (len(records), 0, 0)
    assert store.count() == len(expected_urls(names)) and not path.exists()


def test_drains_while_two_processes_append_lose_nothing(tmp_path: Path, store: ArticleStore) -> None:
    path, go, names = tmp_path / "spool" / "db.jsonl", tmp_path / "go", ["a", "b"]
    spool = Spool(path)
    procs = start_writers(path, go, names)
    go_when_ready(go, names)
    written = rejected = 0
    while any(proc.poll() is None for proc in procs):  # drains racing the writers
        result = drain(spool, store)
        written, rejected = written + result.written, rejected + result.rejected
    wait(procs)
    result = drain(spool, store)
    written, rejected = written + result.written, rejected + result.rejected
    assert rejected == 0 and not path.with_name("db.jsonl.rejected").exists()
    assert written == len(expected_urls(names))  # no record drained twice ...
    assert store.count() == len(expected_urls(names))  # ... and none lost
    assert not path.exists()
