"""``-s JOBDIR=…``: a crawl killed with SIGKILL and resumed archives every article exactly once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from newsarchive.mirror import MirrorServer
from tests.crawl import ROOT, crawl_command, run_crawl

ARTICLES = 150


def archived_urls(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return [row[0] for row in conn.execute("SELECT url FROM articles")]
    except sqlite3.Error:
        return []


def test_kill_9_then_resume(tmp_path: Path) -> None:
    out, job = tmp_path / "archive", tmp_path / "job"
    slow = {"JOBDIR": str(job), "DOWNLOAD_DELAY": 0.02, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
            "NEWSARCHIVE_DATABASE_BATCH_SIZE": 10}
    with MirrorServer(articles=ARTICLES) as mirror:
        cmd, env, _feed = crawl_command(mirror, out, "-a", "follow_origins=0", settings=slow)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(archived_urls(out / "archive.sqlite3")) < 40 and time.monotonic() < deadline:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
        before = archived_urls(out / "archive.sqlite3")
        assert 40 <= len(before) < ARTICLES, "kill the crawl in the middle"
        assert (job / "requests.queue").exists(), "JOBDIR kept the queue"

        resumed = run_crawl(mirror, out, "-a", "follow_origins=0", settings={**slow, "DOWNLOAD_DELAY": 0})
        want = {art.url for art in mirror.site.articles()}
    at = resumed.log.find("ERROR")
    assert resumed.returncode == 0, resumed.log[at:at + 3000] if at >= 0 else resumed.log[-3000:]
    after = archived_urls(out / "archive.sqlite3")
    assert len(after) == len(set(after)) == ARTICLES
    assert set(after) == want


def test_corrupt_active_json_is_moved_aside_and_the_crawl_resumes(mirror: MirrorServer, tmp_path: Path) -> None:
    # active.json (the scheduler's priorities) is written only on a clean stop, like the disk queues' headers
    job = tmp_path / "job"
    (job / "requests.queue").mkdir(parents=True)
    (job / "requests.queue" / "active.json").write_text("[5, 3", encoding="utf-8")
    result = run_crawl(mirror, tmp_path / "out", "-a", "follow_origins=0", settings={"JOBDIR": str(job)})
    assert result.returncode == 0, result.log[-3000:]
    assert (job / "requests.queue" / "active.json.corrupt").read_text(encoding="utf-8") == "[5, 3"
    assert result.stats["newsarchive/jobdir/corrupt_state_files"] == 1
    assert sorted(item["url"] for item in result.items) == sorted(art.url for art in mirror.site.articles())
    assert json.loads((job / "requests.queue" / "active.json").read_text(encoding="utf-8")) in ([], {})  # clean stop
