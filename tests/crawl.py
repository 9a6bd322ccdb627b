"""Run real crawls of the mirror in a child process and read back what they wrote.

A child process per crawl keeps every test's reactor, settings and signals
apart, exactly like a scheduled ``scrapy crawl`` run.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings, output_settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    log: str
    out_dir: Path
    stats: dict[str, Any] = field(default_factory=dict)

    def by_url(self) -> dict[str, dict[str, Any]]:
        return {item["url"]: item for item in self.items}


def crawl_command(mirror: MirrorServer, out_dir: Path, *args: str, spider: str = "icma",
                  settings: dict[str, Any] | None = None, output: bool = True,
                  ) -> tuple[list[str], dict[str, str], Path]:
    """The ``scrapy crawl`` command line, environment and feed path of a crawl of *mirror*."""
    out_dir.mkdir(parents=True, exist_ok=True)
    feed = out_dir / "items.jsonl"
    merged: dict[str, Any] = {
        **offline_settings(mirror.url, mirror.site.now),
        **output_settings(out_dir),
        "NEWSARCHIVE_PROGRESS": "off",
        "LOG_LEVEL": "INFO",
        **(settings or {}),
    }
    cmd = crawl_argv(spider, merged, *(["-O", str(feed)] if output else []), *args)
    return cmd, {**os.environ, "PYTHONPATH": str(ROOT)}, feed


def read_result(returncode: int, log: str, out_dir: Path, feed: Path) -> CrawlResult:
    items = []
    if feed.exists():
        items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
    stats: dict[str, Any] = {}
    runs = run_files(out_dir / "runs")
    if runs:
        stats = json.loads(runs[-1].read_text(encoding="utf-8")).get("stats", {})
    return CrawlResult(returncode, items, log, out_dir, stats)


def run_crawl(mirror: MirrorServer, out_dir: Path, *args: str, spider: str = "icma",
              settings: dict[str, Any] | None = None, timeout: float = 240) -> CrawlResult:
    cmd, env, feed = crawl_command(mirror, out_dir, *args, spider=spider, settings=settings)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return read_result(proc.returncode, proc.stderr, out_dir, feed)
