"""Run report, progress line and the ``crawl`` command's exit status.

The crawl tests run the real ``scrapy crawl`` in a child process with
``SCRAPY_SETTINGS_MODULE=tests.settings_report`` (our ``COMMANDS_MODULE``, the
report extension and :mod:`tests.report_spiders`, which needs no network).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsarchive.commands.crawl import run_problems
from newsarchive.extensions.progress import Progress
from newsarchive.extensions.report import RunReport, redact, render_summary, run_file_name, run_files, summary_numbers
from newsarchive.items import Article
from newsarchive.monitors import MonitorResult, check_min_items
from newsarchive.settings_helpers import project_defaults

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    returncode: int
    log: str
    runs: list[Path]
    feed: Path

    @property
    def report(self) -> dict[str, Any]:
        assert len(self.runs) == 1, self.runs
        data: dict[str, Any] = json.loads(self.runs[0].read_text(encoding="utf-8"))
        return data


def crawl(tmp_path: Path, *args: str, runs_dir: Path | None = None) -> Run:
    runs_dir = runs_dir or tmp_path / "runs"
    feed = tmp_path / "items.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "report_fixture", "-O", str(feed),
           "-s", f"NEWSARCHIVE_RUNS_DIR={runs_dir}", "-s", f"NEWSARCHIVE_STATE_PATH={tmp_path / 'state.sqlite3'}",
           *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "tests.settings_report"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    runs = run_files(runs_dir)
    return Run(proc.returncode, proc.stderr, runs, feed)


# --- real crawls ------------------------------------------------------------

def test_good_run_exits_zero_and_writes_the_run_file(tmp_path: Path) -> None:
    run = crawl(tmp_path, "-a", "items=5", "-a", "new=3", "-a", "updated=1")
    assert run.returncode == 0, run.log
    report = run.report
    assert run.runs[0].name.startswith("report_fixture-") and run.runs[0].name.endswith("Z.json")
    assert report["ok"] is True
    assert report["finish_reason"] == "finished"
    assert report["stats"]["item_scraped_count"] == 5
    assert report["stats"]["newsarchive/monitors/failed"] == 0
    assert isinstance(report["stats"]["start_time"], str)  # datetimes as ISO strings
    assert report["summary"]["items"] == 5
    assert report["summary"]["articles"] == {"new": 3, "updated": 1, "unchanged": 0}
    assert report["coverage"]["title"] == {"items": 5, "filled": 5, "ratio": 1.0}
    assert report["coverage"]["author"] == {"items": 5, "filled": 0, "ratio": 0.0}
    assert all(monitor["passed"] for monitor in report["monitors"])
    assert "Run report: report_fixture (finished): OK" in run.log
    assert "new 3  updated 1  unchanged 0" in run.log
    assert "items 5" in run.log
    # the built-in behaviour is kept: -O wrote the feed, -a reached the spider
    assert len(run.feed.read_text(encoding="utf-8").splitlines()) == 5


def test_failed_monitor_exits_one(tmp_path: Path) -> None:
    run = crawl(tmp_path, "-a", "items=3", "-s", "NEWSARCHIVE_MONITOR_MIN_ITEMS=1000")
    assert run.returncode == 1, run.log
    report = run.report
    assert report["ok"] is False
    assert report["stats"]["newsarchive/monitors/failed"] == 1
    failed = [m for m in report["monitors"] if not m["passed"]]
    assert [m["name"] for m in failed] == ["min_items"]
    assert "ERROR: Monitor min_items failed: 3 items, expected at least 1000" in run.log
    assert "FAILED (1 of 11 monitors)" in run.log
    assert "[Spidermon] min_items/min_items... FAIL" in run.log  # run by spidermon
    assert "Exit status 1: 1 monitor(s) failed" in run.log


def test_missing_bodies_fail_coverage(tmp_path: Path) -> None:
    run = crawl(tmp_path, "-a", "items=4", "-a", "no_body=1")
    assert run.returncode == 1, run.log
    assert run.report["coverage"]["body"] == {"items": 4, "filled": 3, "ratio": 0.75}
    assert [m["name"] for m in run.report["monitors"] if not m["passed"]] == ["field_coverage/body"]


def test_credentials_are_redacted_from_the_run_file(tmp_path: Path) -> None:
    run = crawl(tmp_path, "-a", "secret_url=postgresql://archive:s3cr3t@db.example/news")
    assert run.returncode == 0, run.log
    text = run.runs[0].read_text(encoding="utf-8")
    assert "s3cr3t" not in text
    assert run.report["stats"]["newsarchive/test/url"] == "postgresql://archive:***@db.example/news"
    assert "NEWSARCHIVE_RUNS_DIR" not in text  # settings are never dumped


def test_unwritable_runs_dir_is_refused_before_the_crawl(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    run = crawl(tmp_path, runs_dir=blocker / "runs")
    assert run.returncode == 2, run.log  # bad input (newsarchive/commands/inputs.py), not a failed run
    assert "NEWSARCHIVE_RUNS_DIR" in run.log and "not a writable folder" in run.log
    assert "Traceback" not in run.log


def test_report_disabled_still_exits_zero(tmp_path: Path) -> None:
    run = crawl(tmp_path, "-s", "NEWSARCHIVE_REPORT_ENABLED=False")
    assert run.returncode == 0, run.log
    assert run.runs == []


# --- the extension in-process -------------------------------------------------

def make_report(tmp_path: Path, **settings: Any) -> tuple[RunReport, Any]:
    crawler = get_crawler(Spider, {**project_defaults(), "NEWSARCHIVE_RUNS_DIR": str(tmp_path / "runs"), **settings})
    return RunReport.from_crawler(crawler), crawler


def test_extension_counts_coverage_and_fails_when_no_monitor_ran(tmp_path: Path) -> None:
    report, crawler = make_report(tmp_path)  # no Spidermon extension in this crawler
    for number in range(3):
        report.item_scraped(Article(url=f"u{number}", title="T", body="B", source_name="S",
                                    published_at=None if number == 0 else "2025-01-01T00:00:00+04:00"))
    crawler.stats.set_value("item_scraped_count", 3)
    crawler.stats.set_value("finish_reason", "finished")
    report.spider_closed(Spider(name="unit"), "finished")
    stats = crawler.stats.get_stats()
    assert stats["newsarchive/monitors/failed"] == 1  # an unchecked run is not a good run
    path = Path(stats["newsarchive/report/path"])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["coverage"]["published_at"] == {"items": 3, "filled": 2, "ratio": 0.6667}
    assert data["ok"] is False
    assert data["monitors"][0]["name"] == "monitors"
    assert run_problems(stats) == ["1 monitor(s) failed"]


def test_two_runs_in_the_same_second_keep_both_files(tmp_path: Path) -> None:
    for _ in range(2):
        report, crawler = make_report(tmp_path)
        crawler.stats.set_value("start_time", dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
        report.spider_closed(Spider(name="unit"), "finished")
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == ["unit-20250102T030405Z-1.json", "unit-20250102T030405Z.json"]
    # in the order the runs started (the second run's file is the latest, as readers of the folder expect)
    later, crawler = make_report(tmp_path)
    crawler.stats.set_value("start_time", dt.datetime(2025, 1, 2, 3, 4, 6, tzinfo=dt.UTC))
    later.spider_closed(Spider(name="unit"), "finished")
    assert [p.name for p in run_files(tmp_path / "runs")] == [
        "unit-20250102T030405Z.json", "unit-20250102T030405Z-1.json", "unit-20250102T030406Z.json"]


def test_report_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        make_report(tmp_path, NEWSARCHIVE_REPORT_ENABLED=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://user:pw@host/db", "postgresql://user:***@host/db"),
        ("redis://:secret@localhost:6379/0", "redis://:***@localhost:6379/0"),
        ("see https://a:b@x.az/p and ftp://c:d@y", "see https://a:***@x.az/p and ftp://c:***@y"),
        ("https://icma.az/news/x-1", "https://icma.az/news/x-1"),
        ("https://user@host/ (no password)", "https://user@host/ (no password)"),
        ("mailto:archive-admin@example.org", "mailto:archive-admin@example.org"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact({text: [text]}) == {expected: [expected]}


def test_run_file_name() -> None:
    baku = dt.timezone(dt.timedelta(hours=4))
    assert run_file_name("icma", dt.datetime(2025, 1, 2, 7, 4, 5, tzinfo=baku)) == "icma-20250102T030405Z.json"
    assert run_file_name("a/b", dt.datetime(2025, 1, 2, tzinfo=dt.UTC)).startswith("a_b-")


def test_summary_text_holds_the_counts() -> None:
    stats = {
        "elapsed_time_seconds": 125.0, "response_received_count": 250, "item_scraped_count": 60,
        "newsarchive/db/new": 10, "newsarchive/db/updated": 2, "newsarchive/db/unchanged": 48,
        "newsarchive/extract/not_article": 1, "newsarchive/origin/status/ok": 40,
        "newsarchive/origin/status/blocked": 2, "newsarchive/origin/status/not_found": 3,
        "newsarchive/origin/status/unreachable": 4, "newsarchive/warc/files": 1, "newsarchive/warc/records": 500,
        "newsarchive/db/spooled": 7, "log_count/ERROR": 2,
    }
    results = [MonitorResult("min_items", True, "60 items >= 1"), MonitorResult("database", False, "spooled")]
    text = render_summary("icma", "finished", summary_numbers(stats), results)
    assert "FAILED (1 of 2 monitors)" in text
    for fragment in ("duration 0:02:05", "pages 250 (2.0/s)", "items 60", "new 10  updated 2  unchanged 48",
                     "not article 1", "errors logged 2", "resolved 40  blocked 2  not found 3  unreachable 4",
                     "files 1  records 500", "spooled 7", "ok    min_items", "FAIL  database"):
        assert fragment in text
    assert len(text.splitlines()) <= 24  # one screen


@pytest.mark.parametrize(
    ("stats", "enabled", "problems"),
    [
        ({"newsarchive/monitors/failed": 0, "newsarchive/report/path": "x"}, True, []),
        ({"newsarchive/monitors/failed": 2, "newsarchive/report/path": "x"}, True, ["2 monitor(s) failed"]),
        ({"newsarchive/monitors/failed": 0, "newsarchive/report/failed": 1}, True,
         ["the run report could not be written"]),
        ({}, True, ["no run report was written"]),
        ({}, False, []),
    ],
)
def test_run_problems(stats: dict[str, Any], enabled: bool, problems: list[str]) -> None:
    assert run_problems(stats, report_enabled=enabled) == problems


def test_min_items_message() -> None:
    assert check_min_items({"item_scraped_count": 1}, 2).message == "1 items, expected at least 2"


# --- progress line ---------------------------------------------------------------

class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("mode", "tty", "enabled"), [
    ("auto", True, True), ("auto", False, False), ("on", False, True), ("off", True, False), ("bogus", True, False),
])
def test_progress_modes(monkeypatch: pytest.MonkeyPatch, mode: str, tty: bool, enabled: bool) -> None:
    monkeypatch.setattr(sys, "stderr", FakeTTY() if tty else io.StringIO())
    crawler = get_crawler(Spider, {**project_defaults(), "NEWSARCHIVE_PROGRESS": mode})
    if enabled:
        assert isinstance(Progress.from_crawler(crawler), Progress)
    else:
        with pytest.raises(NotConfigured):
            Progress.from_crawler(crawler)


def test_progress_line() -> None:
    crawler = get_crawler(Spider)
    for key, value in {"response_received_count": 12, "item_scraped_count": 7, "log_count/ERROR": 1}.items():
        crawler.stats.set_value(key, value)
    stream = FakeTTY()
    progress = Progress(crawler, stream)
    progress.refresh()
    out = stream.getvalue()
    assert out.startswith("\r\x1b[K") and out.endswith("\r")
    assert "pages 12" in out and "items 7 (" in out and "errors 1" in out
    assert "queued" not in out  # no engine before the crawl starts
    progress.spider_closed()
    assert stream.getvalue().endswith("\r\x1b[K")
