"""Alerts: a failed monitor sends one spidermon Telegram message to a local stand-in for the Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent


class FakeTelegram(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).received.append(self.path)
        body = b'{"ok": true, "result": {}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def telegram() -> Iterator[tuple[str, list[str]]]:
    FakeTelegram.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTelegram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", FakeTelegram.received
    finally:
        server.shutdown()
        server.server_close()


def crawl(tmp_path: Path, api: str, *settings: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "report_fixture", "-a", "items=3",
           "-s", f"NEWSARCHIVE_RUNS_DIR={tmp_path / 'runs'}", "-s", f"NEWSARCHIVE_STATE_PATH={tmp_path / 's.sqlite3'}",
           "-s", "NEWSARCHIVE_ALERTS=telegram", "-s", f"NEWSARCHIVE_ALERT_TELEGRAM_API={api}",
           "-s", "SPIDERMON_TELEGRAM_SENDER_TOKEN=123:abc", "-s", "SPIDERMON_TELEGRAM_RECIPIENTS=4242",
           "-O", str(tmp_path / "items.jsonl"), *settings]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "tests.settings_report",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_failed_monitor_sends_one_telegram_alert(tmp_path: Path, telegram: tuple[str, list[str]]) -> None:
    api, received = telegram
    run = crawl(tmp_path, api, "-s", "NEWSARCHIVE_MONITOR_MIN_ITEMS=1000")
    assert run.returncode == 1, run.stderr[-3000:]
    assert len(received) == 1, run.stderr[-3000:]
    url = urlsplit(received[0])
    assert url.path == "/bot123:abc/sendMessage"
    query = parse_qs(url.query)
    assert query["chat_id"] == ["4242"]
    text = query["text"][0]
    assert "report_fixture" in text and "finished with errors" in text
    assert "min_items" in text  # the failed monitor is named
    assert "[Spidermon] TelegramAlert... OK" in run.stderr


def test_a_good_run_sends_nothing(tmp_path: Path, telegram: tuple[str, list[str]]) -> None:
    api, received = telegram
    run = crawl(tmp_path, api)
    assert run.returncode == 0, run.stderr[-3000:]
    assert received == []


def test_an_alert_that_cannot_be_sent_fails_the_run(tmp_path: Path, telegram: tuple[str, list[str]]) -> None:
    api, received = telegram
    run = crawl(tmp_path, api, "-s", "SPIDERMON_TELEGRAM_SENDER_TOKEN=")
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Alert newsarchive.alerts.TelegramAlert is not usable" in run.stderr
    assert "FAIL  alerts" in run.stderr and "SPIDERMON_TELEGRAM_SENDER_TOKEN" in run.stderr
    assert received == []
