"""A live progress line on the terminal.

:class:`Progress` rewrites one line of stderr every ``NEWSARCHIVE_PROGRESS_INTERVAL``
seconds (default 2): pages, items, items per minute, errors, requests waiting
in the scheduler and in the downloader. ``NEWSARCHIVE_PROGRESS``: ``"auto"``
(default: only when stderr is a terminal), ``"on"`` or ``"off"``. Scheduled
runs (cron, systemd, Scrapyd) have no terminal, so they keep only Scrapy's
``LogStats`` line every ``LOGSTATS_INTERVAL``.

The line ends with a carriage return, so a log record printed next starts at
column 0 and overwrites it; a shorter log line may leave a tail of the progress
line behind it until the next refresh. Give it a lower ``EXTENSIONS`` priority
than :class:`~newsarchive.extensions.report.RunReport` (500 < 900) so the line
is cleared before the run report prints.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

MODES = ("auto", "on", "off")
DEFAULT_INTERVAL = 2.0
CLEAR_LINE = "\r\x1b[K"


def _num(stats: StatsCollector, key: str) -> int:
    value = stats.get_value(key) or 0
    return int(value) if isinstance(value, int | float) else 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Refresh a single status line on ``stream`` while the spider runs."""

    def __init__(self, crawler: Crawler, stream: TextIO, interval: float = DEFAULT_INTERVAL) -> None:
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.task: Any = None
        self.started = time.monotonic()
        self.shown = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mode = str(crawler.settings.get("NEWSARCHIVE_PROGRESS")).strip().lower()
        if mode not in MODES:
            raise NotConfigured(f"NEWSARCHIVE_PROGRESS must be one of {', '.join(MODES)}, not {mode!r}")
        stream = sys.stderr
        if mode == "off" or (mode == "auto" and not _isatty(stream)):
            raise NotConfigured
        interval = crawler.settings.getfloat("NEWSARCHIVE_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        progress = cls(crawler, stream, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.refresh)
        self.task.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.shown:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()

    def line(self) -> str:
        stats = self.crawler.stats
        assert stats is not None
        items = _num(stats, "item_scraped_count")
        minutes = max(time.monotonic() - self.started, 1e-9) / 60
        parts = [
            f"pages {_num(stats, 'response_received_count')}",
            f"items {items} ({items / minutes:.0f}/min)",
            f"errors {_num(stats, 'log_count/ERROR') + _num(stats, 'log_count/CRITICAL')}",
        ]
        queued = self.queue_size()
        if queued is not None:
            parts.append(f"queued {queued}")
        active = self.in_flight()
        if active is not None:
            parts.append(f"downloading {active}")
        return "  ".join(parts)

    def _engine(self) -> Any:
        try:
            return self.crawler.engine
        except RuntimeError:  # the crawl has not started
            return None

    def queue_size(self) -> int | None:
        engine = self._engine()
        scheduler = getattr(engine, "scheduler", None) if engine is not None else None
        try:
            return len(scheduler)  # type: ignore[arg-type]
        except TypeError:  # no scheduler yet, or one without __len__
            return None

    def in_flight(self) -> int | None:
        engine = self._engine()
        active = getattr(getattr(engine, "downloader", None), "active", None)
        return len(active) if active is not None else None

    def refresh(self) -> None:
        self.stream.write(f"{CLEAR_LINE}{self.line()}\r")
        self.stream.flush()
        self.shown = True
