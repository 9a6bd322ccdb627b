"""Normal conditions are quiet (issue 11.4): real crawls of the mirror.

A scheduled run that finds nothing new exits 0; story pages do not lower the
coverage of fields they never have; a cited host that cannot be reached, its
robots.txt included, is one WARNING line, not an ERROR with a traceback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer
from tests.crawl import run_crawl


def monitor(report_dir: Path, name: str) -> dict[str, object]:
    report = json.loads(run_files(report_dir / "runs")[-1].read_text(encoding="utf-8"))
    return next(m for m in report["monitors"] if m["name"] == name)


def test_second_run_with_nothing_new_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(40) as mirror:
        first = run_crawl(mirror, out, "-a", "follow_origins=0")
        assert first.returncode == 0, first.log[-3000:]
        assert len(first.items) == 40
        second = run_crawl(mirror, out, "-a", "follow_origins=0")
    assert second.items == []
    assert second.stats["newsarchive/incremental/not_modified"] == second.stats["newsarchive/discovery/articles"]
    assert second.returncode == 0, [line for line in second.log.splitlines() if "ERROR" in line]
    verdict = monitor(out, "min_items")
    assert verdict["passed"] is True
    assert "offered 0 new or changed" in str(verdict["message"])


def test_story_pages_do_not_count_against_the_archive_date(tmp_path: Path) -> None:
    with MirrorServer(60) as mirror:
        result = run_crawl(mirror, tmp_path, "-a", "follow_origins=0")
    assert result.returncode == 0, result.log[-3000:]
    news = [item for item in result.items if item["kind"] == "news"]
    stories = [item for item in result.items if item["kind"] == "story"]
    assert stories and all(item["published_at"] is None for item in stories)
    report = json.loads(run_files(tmp_path / "runs")[-1].read_text(encoding="utf-8"))
    assert report["coverage"]["published_at"]["items"] == len(news)
    assert report["coverage"]["title"]["items"] == len(news) + len(stories)
    assert monitor(tmp_path, "field_coverage/published_at")["passed"] is True


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def test_unreachable_cited_host_is_one_warning(tmp_path: Path) -> None:
    with MirrorServer(60) as mirror:
        host_map = {**mirror.host_map, "report.az": f"http://127.0.0.1:{closed_port()}"}
        result = run_crawl(mirror, tmp_path, settings={"NEWSARCHIVE_HOST_MAP": json.dumps(host_map)})
    lines = result.log.splitlines()
    about_report = [line for line in lines if "report.az" in line and (" WARNING: " in line or " ERROR: " in line)]
    assert len(about_report) == 1, about_report
    assert " WARNING: Host report.az unreachable, robots.txt not fetched" in about_report[0]
    assert not [line for line in lines if " ERROR: " in line]
    assert "Traceback" not in result.log
    assert "log_count/ERROR" not in result.stats
    unreachable = [item for item in result.items if (item.get("source_url") or "").startswith("https://report.az/")]
    assert unreachable and all(item["origin_status"] == "unreachable" for item in unreachable)
    assert result.returncode == 0
