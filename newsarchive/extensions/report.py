"""End-of-run report: a one-screen summary, the monitors' verdict and a JSON file per run.

At ``spider_closed``, after the ``Spidermon`` extension (a lower ``EXTENSIONS``
number) has run the monitor suite of :mod:`newsarchive.monitors` (which reads the
field coverage this extension counts from ``item_scraped``), :class:`RunReport`
takes the suite's results, logs the summary at INFO (and prints it to
stderr when that is a terminal the INFO log does not reach: ``LOG_FILE`` set,
``LOG_LEVEL`` above INFO or ``--nolog``), logs each failed monitor at ERROR, and writes
``<NEWSARCHIVE_RUNS_DIR>/<spider>-<UTC start time>.json`` with every stat, the
coverage table, the monitor results and an overall ``ok`` flag.

Stats it sets (read by ``scrapy crawl``'s exit status, :mod:`newsarchive.commands.crawl`):

* ``newsarchive/monitors/failed``: number of failed monitors (set by the suite;
  1 here when no suite ran, since an unchecked run is not a good run);
* ``newsarchive/report/path``: the JSON file written;
* ``newsarchive/report/failed``: 1 when the file could not be written.

The file holds stats only, never settings; strings that look like a URL with
credentials (``scheme://user:password@host``) are redacted, keys included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsarchive import secrets
from newsarchive.monitors import STAT_MONITORS_FAILED, CoverageCounter, FieldCoverage, MonitorResult, suite_results

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

STAT_REPORT_PATH = "newsarchive/report/path"
STAT_REPORT_FAILED = "newsarchive/report/failed"

DEFAULT_RUNS_DIR = "data/runs"


def redact(value: Any) -> Any:
    """``value`` with URL/DSN passwords and every known secret replaced by ``***``, recursively."""
    return secrets.redact_value(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def _num(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


def summary_numbers(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of the summary screen, by group (also stored in the JSON file)."""
    duration = stats.get("elapsed_time_seconds")
    if duration is None and isinstance(stats.get("start_time"), datetime) and isinstance(
        stats.get("finish_time"), datetime
    ):
        duration = (stats["finish_time"] - stats["start_time"]).total_seconds()
    duration = float(duration or 0.0)
    pages = _num(stats, "response_received_count")
    return {
        "duration_seconds": round(duration, 3),
        "pages": pages,
        "pages_per_second": round(pages / duration, 2) if duration else 0.0,
        "items": _num(stats, "item_scraped_count"),
        "articles": {
            "new": _num(stats, "newsarchive/db/new"),
            "updated": _num(stats, "newsarchive/db/updated"),
            "unchanged": _num(stats, "newsarchive/db/unchanged"),
        },
        "failed": {
            "not_article": _num(stats, "newsarchive/extract/not_article"),
            "extract_failed": _num(stats, "newsarchive/extract/failed"),
            "download_exceptions": _num(stats, "downloader/exception_count"),
            "http_errors": _num(stats, "httperror/response_ignored_count"),
            "errors_logged": _num(stats, "log_count/ERROR") + _num(stats, "log_count/CRITICAL"),
        },
        "origins": {
            "resolved": _num(stats, "newsarchive/origin/status/ok"),
            "blocked": _num(stats, "newsarchive/origin/status/blocked"),
            "not_found": _num(stats, "newsarchive/origin/status/not_found"),
            "unreachable": _num(stats, "newsarchive/origin/status/unreachable"),
        },
        "warc": {
            "files": _num(stats, "newsarchive/warc/files"),
            "records": _num(stats, "newsarchive/warc/records"),
        },
        "database": {
            "spooled": _num(stats, "newsarchive/db/spooled"),
            "errors": _num(stats, "newsarchive/db/errors"),
            "drained": _num(stats, "newsarchive/db/drained"),
            "dead_lettered": _num(stats, "newsarchive/db/dead_lettered"),
        },
    }


def _pairs(group: Mapping[str, Any]) -> str:
    return "  ".join(f"{name.replace('_', ' ')} {value}" for name, value in group.items())


def render_summary(spider: str, reason: str, numbers: Mapping[str, Any], results: list[MonitorResult]) -> str:
    """The one-screen text summary."""
    failed = [result for result in results if not result.passed]
    verdict = f"FAILED ({len(failed)} of {len(results)} monitors)" if failed else "OK"
    duration = timedelta(seconds=round(numbers["duration_seconds"]))
    width = max((len(result.name) for result in results), default=0)
    lines = [
        f"Run report: {spider} ({reason}): {verdict}",
        f"  run        duration {duration}  pages {numbers['pages']} ({numbers['pages_per_second']}/s)"
        f"  items {numbers['items']}",
        f"  articles   {_pairs(numbers['articles'])}",
        f"  failed     {_pairs(numbers['failed'])}",
        f"  origins    {_pairs(numbers['origins'])}",
        f"  WARC       {_pairs(numbers['warc'])}",
        f"  database   {_pairs(numbers['database'])}",
        "  monitors",
    ]
    lines += [f"    {'ok  ' if r.passed else 'FAIL'}  {r.name:<{width}}  {r.message}" for r in results]
    return "\n".join(lines)


def run_file_name(spider: str, started: datetime | None) -> str:
    """``<spider>-<UTC timestamp>.json``, e.g. ``icma-20250102T030405Z.json``."""
    moment = (started or datetime.now(tz=UTC)).astimezone(UTC)
    safe_spider = re.sub(r"[^A-Za-z0-9_.-]", "_", spider)
    return f"{safe_spider}-{moment:%Y%m%dT%H%M%SZ}.json"


_RUN_FILE_RE = re.compile(r"(?P<base>.+?)(?:-(?P<attempt>\d+))?\.json")


def run_files(runs_dir: Path) -> list[Path]:
    """The run files in *runs_dir* in the order the runs started: by the name's UTC time, then by the
    suffix :func:`write_run_file` gave a run that started in the same second (a plain sort of the
    names puts ``…Z-1.json`` before ``…Z.json``)."""

    def order(path: Path) -> tuple[str, int]:
        m = _RUN_FILE_RE.fullmatch(path.name)
        return (m["base"], int(m["attempt"] or 0)) if m else (path.name, 0)

    return sorted(runs_dir.glob("*.json"), key=order) if runs_dir.is_dir() else []


def write_run_file(runs_dir: Path, name: str, document: Mapping[str, Any]) -> Path:
    """Write ``document`` to ``runs_dir/name`` without overwriting another run's file (adds ``-1``, ``-2``, …)."""
    text = json.dumps(redact(dict(document)), ensure_ascii=False, indent=2, sort_keys=False, default=_json_default)
    runs_dir.mkdir(parents=True, exist_ok=True)
    stem = name.removesuffix(".json")
    for attempt in range(100):
        path = runs_dir / (f"{stem}.json" if attempt == 0 else f"{stem}-{attempt}.json")
        try:
            with path.open("x", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free run file name for {name} in {runs_dir}")


class RunReport:
    """Summarise the run, check the monitors and write the run's JSON file at ``spider_closed``."""

    def __init__(self, stats: StatsCollector, runs_dir: str | Path, *, crawler: Crawler | None = None,
                 not_applicable: Mapping[str, list[str]] | None = None, to_terminal: bool = False) -> None:
        self.stats = stats
        self.runs_dir = Path(runs_dir)
        self.crawler = crawler
        self.to_terminal = to_terminal
        self.coverage = CoverageCounter(not_applicable)
        self.extra: dict[str, Any] = {}
        """Sections other components add to the JSON file (``drift``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_REPORT_ENABLED"):
            raise NotConfigured
        assert crawler.stats is not None
        report = cls(
            crawler.stats,
            settings.get("NEWSARCHIVE_RUNS_DIR") or DEFAULT_RUNS_DIR,
            crawler=crawler,
            not_applicable=settings.getdict("NEWSARCHIVE_MONITOR_COVERAGE_NOT_APPLICABLE"),
            to_terminal=_stderr_is_tty() and not _log_reaches_stderr(settings),
        )
        crawler.signals.connect(report.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def item_scraped(self, item: Any) -> None:
        self.coverage.add(item)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        coverage = self.coverage.table()
        results = suite_results(self.crawler) if self.crawler is not None else None
        if not results:
            results = [MonitorResult("monitors", False, "no monitor suite ran (SPIDERMON_ENABLED, "
                                                        "SPIDERMON_SPIDER_CLOSE_MONITORS)")]
            self.stats.set_value(STAT_MONITORS_FAILED, 1)
        failed = [result for result in results if not result.passed]
        for result in failed:
            logger.error("Monitor %(name)s failed: %(message)s", result.to_dict(), extra={"spider": spider})

        numbers = summary_numbers(stats)
        summary = render_summary(spider.name, str(stats["finish_reason"]), numbers, results)
        logger.info("%(summary)s", {"summary": summary}, extra={"spider": spider})
        if self.to_terminal:
            print(summary, file=sys.stderr, flush=True)

        self.write(spider, reason, numbers, coverage, results)

    def write(self, spider: Spider, reason: str, numbers: Mapping[str, Any],
              coverage: Mapping[str, FieldCoverage], results: list[MonitorResult]) -> Path | None:
        stats = dict(self.stats.get_stats())  # after the monitors' own stats and ERROR lines
        stats.setdefault("finish_reason", reason)
        started = stats.get("start_time")
        document = {
            "spider": spider.name,
            "ok": all(result.passed for result in results),
            "finish_reason": stats["finish_reason"],
            "start_time": started,
            "finish_time": stats.get("finish_time") or datetime.now(tz=UTC),
            "summary": numbers,
            "monitors": [result.to_dict() for result in results],
            "coverage": {name: entry.to_dict() for name, entry in coverage.items()},
            **self.extra,
            "stats": dict(sorted(stats.items())),
        }
        name = run_file_name(spider.name, started if isinstance(started, datetime) else None)
        try:
            path = write_run_file(self.runs_dir, name, document)
        except (OSError, TypeError, ValueError) as exc:
            self.stats.set_value(STAT_REPORT_FAILED, 1)
            logger.error("Run report could not be written to %(dir)s: %(error)s",
                         {"dir": self.runs_dir, "error": exc}, extra={"spider": spider})
            return None
        self.stats.set_value(STAT_REPORT_PATH, str(path))
        logger.info("Run report written to %(path)s", {"path": path}, extra={"spider": spider})
        return path


def _log_reaches_stderr(settings: BaseSettings) -> bool:
    """Whether Scrapy's INFO log already prints on stderr (then the summary is not printed twice)."""
    if not settings.getbool("LOG_ENABLED", True) or settings.get("LOG_FILE"):
        return False
    level = logging.getLevelName(str(settings.get("LOG_LEVEL", "DEBUG")).upper())
    return not isinstance(level, int) or level <= logging.INFO


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
