"""Run monitors: declarative checks of a finished crawl, in the spirit of spidermon.

Each monitor is a small class built from settings (its thresholds) and checked
against the final stats dict and the per-field coverage table that
:class:`newsarchive.extensions.report.RunReport` counts from ``item_scraped``.
A check returns a :class:`MonitorResult`; it never raises for a bad crawl.

Monitors, what makes them fail, and their setting:

``finish_reason``
    ``finish_reason`` is not accepted (``NEWSARCHIVE_MONITOR_FINISH_REASONS``,
    default ``["finished"]``): ``closespider_errorcount``, ``shutdown`` after
    Ctrl-C/SIGTERM, ``closespider_timeout`` etc. mean the run is incomplete.
``min_items``
    ``item_scraped_count`` < ``NEWSARCHIVE_MONITOR_MIN_ITEMS`` (default 1).
``field_coverage/<field>``
    the share of items with a non-empty ``field`` is below its ratio in
    ``NEWSARCHIVE_MONITOR_FIELD_COVERAGE`` (merged over
    :data:`DEFAULT_FIELD_COVERAGE`; a field set to ``None`` is not checked).
``error_rate``
    errors per request > ``NEWSARCHIVE_MONITOR_MAX_ERROR_RATE`` (default 0.1).
``unparsed_dates``
    ``newsarchive/dates/unparsed`` per scraped item >
    ``NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES`` (default 0.05).
``database``
    ``newsarchive/db/failed`` is set: records were spooled instead of stored.

*Error rate.* Errors are ``log_count/ERROR`` + ``log_count/CRITICAL``: every
spider exception, pipeline exception, download that finally failed (Scrapy's
"Error downloading", our errbacks, "Gave up retrying") and WARC write failure
is logged at ERROR exactly once, so adding ``spider_exceptions/*`` would count
those twice, and ``downloader/exception_count`` also counts attempts that a
retry later fixed. The denominator is ``downloader/request_count`` (every
request sent, retries included), at least 1, so errors with no request at all
still fail. Expected outcomes (a cited source that is down, a page that is not
an article) are warnings and origin statuses, not errors.

*Field coverage* is counted only over items whose type has the field: an
:class:`~newsarchive.items.Origin` record (``sources`` spider) has no
``source_name`` and does not lower its coverage. A field no item had passes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DEFAULT_FINISH_REASONS = ("finished",)
DEFAULT_MIN_ITEMS = 1
DEFAULT_FIELD_COVERAGE: dict[str, float] = {
    "title": 1.0,
    "body": 0.95,
    "published_at": 0.8,  # story pages carry no archive date
    "source_name": 0.95,
}
DEFAULT_MAX_ERROR_RATE = 0.1
DEFAULT_MAX_UNPARSED_DATES = 0.05

STAT_DB_FAILED = "newsarchive/db/failed"
STAT_DB_SPOOLED = "newsarchive/db/spooled"
STAT_DATES_UNPARSED = "newsarchive/dates/unparsed"


@dataclass(frozen=True)
class MonitorResult:
    """Outcome of one check."""

    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class FieldCoverage:
    """How many items had a field (by type) and how many had it non-empty."""

    items: int
    filled: int

    @property
    def ratio(self) -> float | None:
        return self.filled / self.items if self.items else None

    def to_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        return {"items": self.items, "filled": self.filled, "ratio": None if ratio is None else round(ratio, 4)}


def is_empty(value: Any) -> bool:
    """``None``, blank strings and empty containers are empty; ``0`` and ``False`` are values."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    return False


class CoverageCounter:
    """Counts, per field, the items that have it and the items where it is non-empty."""

    def __init__(self) -> None:
        self.items = 0
        self._seen: Counter[str] = Counter()
        self._filled: Counter[str] = Counter()

    def add(self, item: Any) -> None:
        if not ItemAdapter.is_item(item):
            return
        adapter = ItemAdapter(item)
        self.items += 1
        for name in adapter.field_names():
            self._seen[name] += 1
            if not is_empty(adapter.get(name)):
                self._filled[name] += 1

    def table(self) -> dict[str, FieldCoverage]:
        return {name: FieldCoverage(self._seen[name], self._filled[name]) for name in sorted(self._seen)}


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


class Monitor:
    """Base of the monitors: a name and a check; thresholds come from settings."""

    name: str

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        """The monitors of this kind the settings ask for (most kinds: exactly one)."""
        raise NotImplementedError

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        raise NotImplementedError

    def _result(self, passed: bool, message: str) -> MonitorResult:
        return MonitorResult(self.name, passed, message)


class FinishReasonMonitor(Monitor):
    name = "finish_reason"

    def __init__(self, accepted: Iterable[str] = DEFAULT_FINISH_REASONS) -> None:
        self.accepted = tuple(accepted)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        return [cls(settings.getlist("NEWSARCHIVE_MONITOR_FINISH_REASONS", list(DEFAULT_FINISH_REASONS)))]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        reason = stats.get("finish_reason")
        if reason in self.accepted:
            return self._result(True, f"finish reason {reason!r}")
        return self._result(False, f"finish reason {reason!r}, expected {' or '.join(map(repr, self.accepted))}")


class MinItemsMonitor(Monitor):
    name = "min_items"
    stat_name = "item_scraped_count"

    def __init__(self, minimum: int = DEFAULT_MIN_ITEMS) -> None:
        self.minimum = minimum

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        return [cls(settings.getint("NEWSARCHIVE_MONITOR_MIN_ITEMS", DEFAULT_MIN_ITEMS))]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        items = _count(stats, self.stat_name)
        if items >= self.minimum:
            return self._result(True, f"{items} items >= {self.minimum}")
        return self._result(False, f"{items} items, expected at least {self.minimum}")


class FieldCoverageMonitor(Monitor):
    """One monitor per field; a field set to ``None`` in the setting is not checked."""

    name = "field_coverage"

    def __init__(self, field: str, minimum: float) -> None:
        self.field = field
        self.minimum = minimum
        self.name = f"field_coverage/{field}"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        rules: dict[str, Any] = {**DEFAULT_FIELD_COVERAGE, **settings.getdict("NEWSARCHIVE_MONITOR_FIELD_COVERAGE")}
        return [cls(field, float(minimum)) for field, minimum in rules.items() if minimum is not None]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        entry = coverage.get(self.field)
        ratio = entry.ratio if entry else None
        if entry is None or ratio is None:
            return self._result(True, "no item has this field")
        detail = f"{ratio:.1%} ({entry.filled}/{entry.items})"
        if ratio >= self.minimum:
            return self._result(True, f"{detail} >= {self.minimum:.0%}")
        return self._result(False, f"{detail}, expected at least {self.minimum:.0%}")


class ErrorRateMonitor(Monitor):
    """Errors logged (ERROR + CRITICAL) per request sent; see the module docstring."""

    name = "error_rate"

    def __init__(self, maximum: float = DEFAULT_MAX_ERROR_RATE) -> None:
        self.maximum = maximum

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        return [cls(settings.getfloat("NEWSARCHIVE_MONITOR_MAX_ERROR_RATE", DEFAULT_MAX_ERROR_RATE))]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        errors = _count(stats, "log_count/ERROR") + _count(stats, "log_count/CRITICAL")
        requests = _count(stats, "downloader/request_count")
        rate = errors / max(requests, 1)
        detail = f"{errors} errors / {requests} requests = {rate:.1%}"
        if rate <= self.maximum:
            return self._result(True, f"{detail} <= {self.maximum:.0%}")
        return self._result(False, f"{detail}, expected at most {self.maximum:.0%}")


class UnparsedDatesMonitor(Monitor):
    name = "unparsed_dates"

    def __init__(self, maximum: float = DEFAULT_MAX_UNPARSED_DATES) -> None:
        self.maximum = maximum

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        return [cls(settings.getfloat("NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES", DEFAULT_MAX_UNPARSED_DATES))]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        unparsed = _count(stats, STAT_DATES_UNPARSED)
        items = _count(stats, "item_scraped_count")
        if not unparsed:
            return self._result(True, "no unparsed dates")
        rate = unparsed / items if items else math.inf
        detail = f"{unparsed} unparsed dates / {items} items = {rate:.1%}"
        if rate <= self.maximum:
            return self._result(True, f"{detail} <= {self.maximum:.0%}")
        return self._result(False, f"{detail}, expected at most {self.maximum:.0%}")


class DatabaseMonitor(Monitor):
    """The database pipeline sets ``newsarchive/db/failed`` when it had to spool records."""

    name = "database"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> list[Monitor]:
        return [cls()]

    def check(self, stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]) -> MonitorResult:
        spooled = _count(stats, STAT_DB_SPOOLED)
        if stats.get(STAT_DB_FAILED):
            return self._result(False, f"database writes failed; {spooled} records spooled for a later drain")
        return self._result(True, "no database failure")


MONITORS: tuple[type[Monitor], ...] = (
    FinishReasonMonitor,
    MinItemsMonitor,
    FieldCoverageMonitor,
    ErrorRateMonitor,
    UnparsedDatesMonitor,
    DatabaseMonitor,
)


def build_monitors(settings: BaseSettings, kinds: Iterable[type[Monitor]] = MONITORS) -> list[Monitor]:
    """Every monitor of ``kinds``, with thresholds from ``settings``."""
    return [monitor for kind in kinds for monitor in kind.from_settings(settings)]


def run_monitors(
    monitors: Iterable[Monitor], stats: Mapping[str, Any], coverage: Mapping[str, FieldCoverage]
) -> list[MonitorResult]:
    """Check every monitor; a monitor that crashes counts as failed, the others still run."""
    results = []
    for monitor in monitors:
        try:
            results.append(monitor.check(stats, coverage))
        except Exception as exc:  # a broken monitor must not hide the report
            results.append(MonitorResult(monitor.name, False, f"monitor crashed: {exc!r}"))
    return results


__all__ = [
    "MONITORS",
    "CoverageCounter",
    "DatabaseMonitor",
    "ErrorRateMonitor",
    "FieldCoverage",
    "FieldCoverageMonitor",
    "FinishReasonMonitor",
    "MinItemsMonitor",
    "Monitor",
    "MonitorResult",
    "UnparsedDatesMonitor",
    "build_monitors",
    "run_monitors",
]

