"""State-store write errors are loud: a run whose state store is locked mid-run exits 1 and says so.

Two runs at once on one data folder: the other run (here the test, holding a write
transaction) keeps the state store locked, so this run's writes fail with ``database
is locked``. The records are still written; the state writes are counted in
``newsarchive/state/failed`` and ``scrapy crawl`` exits 1 naming them.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from newsarchive.mirror import MirrorServer
from newsarchive.state import StateStore, StateStoreError
from tests.crawl import ROOT, crawl_command, read_result

pytestmark = pytest.mark.slow


def test_a_state_store_locked_mid_run_fails_the_run(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with MirrorServer(articles=40) as mirror:
        # no database: each record enters the state at once, so the state is written all along
        cmd, env, feed = crawl_command(mirror, tmp_path, "-a", "follow_origins=0", settings={
            "NEWSARCHIVE_DATABASE_ENABLED": False, "DOWNLOAD_DELAY": 0.2, "CONCURRENT_REQUESTS": 2})
        with (tmp_path / "crawl.log").open("w") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
            lock: sqlite3.Connection | None = None
            try:
                deadline = time.monotonic() + 120
                while lock is None:
                    assert proc.poll() is None and time.monotonic() < deadline, "the crawl ended too soon"
                    try:
                        with sqlite3.connect(state) as conn:
                            known = conn.execute("SELECT count(*) FROM seen").fetchone()[0]
                    except sqlite3.Error:
                        known = 0
                    if known >= 3:  # "another run" takes the write lock and keeps it
                        lock = sqlite3.connect(state, timeout=30, isolation_level=None)
                        lock.execute("BEGIN IMMEDIATE")
                        lock.execute("INSERT OR REPLACE INTO state_meta VALUES ('other_run', 'writing')")
                    time.sleep(0.1)
                proc.wait(timeout=180)
            finally:
                if proc.poll() is None:
                    proc.kill()
                if lock is not None:
                    lock.execute("ROLLBACK")
                    lock.close()
    result = read_result(proc.returncode, (tmp_path / "crawl.log").read_text(encoding="utf-8"), tmp_path, feed)
    assert result.returncode == 1, result.log[-3000:]
    assert "Incremental state store write failed: database is locked" in result.log
    assert "incremental state store write(s) failed" in result.log  # the exit status line
    assert result.stats["newsarchive/state/failed"] >= 1
    assert len(result.items) == 40  # the archive itself is complete


def test_a_state_store_locked_at_start_is_named_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore(path).open().close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT OR REPLACE INTO state_meta VALUES ('other_run', 'writing')")
    try:
        with pytest.raises(StateStoreError, match="locked by another run") as raised:
            StateStore(path, timeout=0.2).open()
        assert "delete it" not in str(raised.value)  # never advise deleting a store that is only busy
    finally:
        other.execute("ROLLBACK")
        other.close()
