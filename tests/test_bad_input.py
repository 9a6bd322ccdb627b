"""Bad input gets one clear line and exit status 2, before any request, and no traceback.

Every case runs the real command line in a child process. The crawl cases point every host
at a local server that counts the requests it gets, and check it got none.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsarchive.mirror import MirrorServer, host_map
from tests.crawl import ROOT, crawl_command


class CountingServer:
    """An HTTP server that answers 404 to everything and counts the requests."""

    def __init__(self) -> None:
        self.count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.count += 1
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


def scrapy(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSARCHIVE_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def assert_refused(proc: subprocess.CompletedProcess[str], command: str, *words: str) -> str:
    """Exit status 2, one line on stderr naming the problem, no traceback, nothing on stdout."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"scrapy {command}: error: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert proc.stdout == ""
    return lines[0]


def crawl_args(server_url: str, *extra: str) -> list[str]:
    return ["crawl", "icma", "-s", f"NEWSARCHIVE_HOST_MAP={json.dumps(host_map(server_url))}",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "NEWSARCHIVE_PROGRESS=off", *extra]


CRAWL_CASES = {
    "since not a date": (["-a", "since=yesterday"], ["since", "YYYY-MM-DD", "'yesterday'"]),
    "since out of range": (["-a", "since=2025-02-30"], ["since", "'2025-02-30'"]),
    "lang unknown": (["-a", "lang=en"], ["lang", "az, ru, all", "'en'"]),
    "max_articles zero": (["-a", "max_articles=0"], ["max_articles", "at least 1", "'0'"]),
    "max_articles negative": (["-a", "max_articles=-5"], ["max_articles", "'-5'"]),
    "max_articles not a number": (["-a", "max_articles=ten"], ["max_articles", "'ten'"]),
    "follow_origins not a boolean": (["-a", "follow_origins=maybe"], ["follow_origins", "yes/no", "'maybe'"]),
    "host map not JSON": (["-s", "NEWSARCHIVE_HOST_MAP={bad"], ["NEWSARCHIVE_HOST_MAP", "JSON object", "'{bad'"]),
    "start URLs not JSON": (["-s", "NEWSARCHIVE_START_URLS=[bad"], ["NEWSARCHIVE_START_URLS", "JSON array"]),
    "coverage not an object": (["-s", "NEWSARCHIVE_MONITOR_FIELD_COVERAGE=[1]"],
                               ["NEWSARCHIVE_MONITOR_FIELD_COVERAGE", "JSON object"]),
    "number setting": (["-s", "NEWSARCHIVE_REVISIT_DAYS=two"], ["NEWSARCHIVE_REVISIT_DAYS", "number", "'two'"]),
    "boolean setting": (["-s", "NEWSARCHIVE_WARC_ENABLED=perhaps"], ["NEWSARCHIVE_WARC_ENABLED", "boolean"]),
    "Scrapy's own setting": (["-s", "DEPTH_LIMIT=deep"], ["DEPTH_LIMIT", "number", "'deep'"]),
    "database of no known kind": (["-s", "NEWSARCHIVE_DATABASE_URL=mysql://u@h/db"],
                                  ["NEWSARCHIVE_DATABASE_URL", "'mysql'"]),
}


@pytest.fixture(scope="module")
def crawl_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], CountingServer, Path]]:
    """Every case of :data:`CRAWL_CASES`, run at once (child processes mostly wait for imports)."""
    server = CountingServer()
    root = tmp_path_factory.mktemp("bad-crawls")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSARCHIVE_DATA_DIR": str(root / "data")}
    procs = {case: subprocess.Popen([sys.executable, "-m", "scrapy", *crawl_args(server.url), *extra], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for case, (extra, _words) in CRAWL_CASES.items()}
    results = {}
    for case, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        results[case] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    yield results, server, root / "data"
    server.close()


@pytest.mark.parametrize("case", list(CRAWL_CASES))
def test_crawl_refuses_bad_input_before_any_request(
        case: str, crawl_runs: tuple[dict[str, Any], CountingServer, Path]) -> None:
    results, server, data = crawl_runs
    assert_refused(results[case], "crawl", *CRAWL_CASES[case][1])
    assert server.count == 0
    assert not data.exists() or not any(data.rglob("*.*"))  # nothing written either


def test_crawl_refuses_an_unwritable_data_folder(tmp_path: Path, counting: CountingServer) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    for how in ("setting", "environment"):
        if how == "setting":
            proc = scrapy(*crawl_args(counting.url, "-s", f"NEWSARCHIVE_DATA_DIR={blocker / 'data'}"),
                          data_dir=tmp_path / "ok")
        else:
            proc = scrapy(*crawl_args(counting.url), data_dir=blocker / "data")
        assert_refused(proc, "crawl", "NEWSARCHIVE_DATA_DIR", "not a writable folder")
    warc = scrapy(*crawl_args(counting.url, "-s", f"NEWSARCHIVE_WARC_DIR={blocker}"), data_dir=tmp_path / "ok")
    assert_refused(warc, "crawl", "NEWSARCHIVE_WARC_DIR")
    assert counting.count == 0


def test_crawl_refuses_an_unknown_spider(tmp_path: Path, counting: CountingServer) -> None:
    proc = scrapy("crawl", "icmaa", data_dir=tmp_path)
    assert_refused(proc, "crawl", "no spider named 'icmaa'")


def test_an_unknown_spider_argument_is_a_warning_only(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd, env, feed = crawl_command(mirror, tmp_path, "-a", "max_articles=2", "-a", "follow_origins=no",
                                   "-a", "colour=red", settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 1})
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]  # (a 2-article run may fail a coverage monitor)
    assert "scrapy crawl: warning: unknown spider argument -a colour" in proc.stderr
    items = [json.loads(line) for line in feed.read_text().splitlines()]
    assert len(items) == 2 and all(item["origin_status"] == "not_attempted" for item in items)


# -- replay --------------------------------------------------------------------------------------------


def test_replay_refuses_a_missing_source(tmp_path: Path) -> None:
    proc = scrapy("replay", str(tmp_path / "nowhere"), data_dir=tmp_path / "data")
    assert_refused(proc, "replay", "no such WARC file or folder", "nowhere")


@pytest.mark.parametrize("name", ["notes.warc", "notes.warc.gz", "notes.txt"])
def test_replay_refuses_a_file_that_is_not_a_warc(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    text = b"<html>not a WARC</html>\n"
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    proc = scrapy("replay", str(path), data_dir=tmp_path / "data")
    assert_refused(proc, "replay", name, "not a WARC file")


def test_replay_refuses_a_folder_without_warc_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("nothing here")
    proc = scrapy("replay", str(tmp_path / "empty"), data_dir=tmp_path / "data")
    assert_refused(proc, "replay", "no .warc or .warc.gz files")


# -- export-db -----------------------------------------------------------------------------------------


def test_export_db_refuses_a_missing_database_and_never_creates_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    proc = scrapy("export-db", "-O", str(tmp_path / "out.jsonl"), data_dir=data)
    assert_refused(proc, "export-db", "no database at", "newsarchive.sqlite3")
    explicit = tmp_path / "elsewhere" / "archive.sqlite3"
    proc = scrapy("export-db", "-O", str(tmp_path / "out.jsonl"), "--database", f"sqlite:///{explicit}",
                  data_dir=data)
    assert_refused(proc, "export-db", "no database at", "archive.sqlite3")
    assert list(data.iterdir()) == [] and not explicit.parent.exists()
    assert not (tmp_path / "out.jsonl").exists()


def test_export_db_refuses_a_bad_since(tmp_path: Path) -> None:
    proc = scrapy("export-db", "-O", str(tmp_path / "out.jsonl"), "--since", "2025-13-01", data_dir=tmp_path)
    assert_refused(proc, "export-db", "--since", "'2025-13-01'")
