"""Run monitors on spidermon: the checks of a finished crawl, as a spidermon monitor suite.

The ``Spidermon`` extension (:class:`Spidermon`, ``SPIDERMON_ENABLED``) runs :class:`RunMonitors`
(``SPIDERMON_SPIDER_CLOSE_MONITORS``) at ``spider_closed``. Each monitor is one
spidermon test; what it checks is a pure function of the stats (and the field
coverage the run report counts, or the drift figures of :mod:`newsarchive.drift`)
returning a :class:`Verdict`, so the thresholds are tested without a crawl.

Monitors (the name in the run report), what makes them fail, and their setting:

``finish_reason``
    ``finish_reason`` not in ``NEWSARCHIVE_MONITOR_FINISH_REASONS``.
``min_items``
    ``item_scraped_count`` < min(``NEWSARCHIVE_MONITOR_MIN_ITEMS``, articles the
    run scheduled): a scheduled run that found nothing new passes, a run whose
    listings offered 50 articles and produced none fails. The articles scheduled
    are ``newsarchive/discovery/articles`` (icma) less the re-visits answered
    ``304 Not Modified``; spiders without that stat are held to the setting.
``field_coverage/<field>``
    the share of items with a non-empty field, counted only over items whose type
    and page ``kind`` can have it (``NEWSARCHIVE_MONITOR_COVERAGE_NOT_APPLICABLE``:
    story pages have no archive date, counters or ``Mənbə:`` link), is below its
    ratio in ``NEWSARCHIVE_MONITOR_FIELD_COVERAGE``.
``error_rate``
    (``log_count/ERROR`` + ``log_count/CRITICAL``) / ``downloader/request_count``
    > ``NEWSARCHIVE_MONITOR_MAX_ERROR_RATE``. Expected outcomes (a cited host that
    is down, its robots.txt included, a page that is not an article) are WARNING
    lines and origin statuses, not errors.
``unparsed_dates``
    ``newsarchive/dates/unparsed`` per item > ``NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES``.
``database``
    ``newsarchive/db/failed`` is set: records were spooled instead of stored.
``item_validation``
    records that failed ``schema/article.schema.json`` (spidermon's
    ``ItemValidationPipeline``, stat ``spidermon/validation/items/errors``) >
    ``NEWSARCHIVE_MONITOR_MAX_INVALID_ITEMS``.
``drift``
    a source's figures left its baseline (:mod:`newsarchive.drift`).
``alerts`` (only when one is not usable)
    an action of ``NEWSARCHIVE_ALERTS`` could not be set up (missing token or library).

When all monitors have run, :meth:`RunMonitors.on_monitors_finished` sets
``newsarchive/monitors/failed`` (read by ``scrapy crawl``'s exit status) and
keeps the results for the run report; the drift baselines learn from the run
only when every monitor passed. Alerts (``NEWSARCHIVE_ALERTS``) are spidermon
actions run when a monitor failed.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from itemadapter import ItemAdapter
from scrapy.utils.misc import load_object
from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon as SpidermonExtension
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.exceptions import NotConfigured as SpidermonNotConfigured
from spidermon.settings import MONITOR

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STAT_MONITORS_FAILED = "newsarchive/monitors/failed"
STAT_DB_FAILED = "newsarchive/db/failed"
STAT_DB_SPOOLED = "newsarchive/db/spooled"
STAT_DATES_UNPARSED = "newsarchive/dates/unparsed"
STAT_SCHEDULED = "newsarchive/discovery/articles"
STAT_NOT_MODIFIED = "newsarchive/incremental/not_modified"
STAT_INVALID_ITEMS = "spidermon/validation/items/errors"

# Spidermon actions by short name (NEWSARCHIVE_ALERTS); a dotted path names any other action.
ALERT_ACTIONS = {
    "email": "spidermon.contrib.actions.email.smtp.SendSmtpEmail",
    "slack": "spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished",
    "telegram": "newsarchive.alerts.TelegramAlert",
    "sentry": "spidermon.contrib.actions.sentry.SendSentryMessage",
}


@dataclass(frozen=True)
class MonitorResult:
    """Outcome of one monitor, as the run report shows it."""

    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


@dataclass(frozen=True)
class FieldCoverage:
    """How many items could have a field and how many had it non-empty."""

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
    """Counts, per field, the items that can have it and the items where it is non-empty.

    ``not_applicable`` maps a page ``kind`` to the fields such pages never have;
    those items are left out of that field's count.
    """

    def __init__(self, not_applicable: Mapping[str, Iterable[str]] | None = None) -> None:
        self.items = 0
        self.not_applicable = {kind: frozenset(fields) for kind, fields in (not_applicable or {}).items()}
        self._seen: Counter[str] = Counter()
        self._filled: Counter[str] = Counter()

    def add(self, item: Any) -> None:
        if not ItemAdapter.is_item(item):
            return
        adapter = ItemAdapter(item)
        self.items += 1
        kind = adapter.get("kind") if "kind" in adapter.field_names() else None
        skip = self.not_applicable.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
        for name in adapter.field_names():
            if name in skip:
                continue
            self._seen[name] += 1
            if not is_empty(adapter.get(name)):
                self._filled[name] += 1

    def table(self) -> dict[str, FieldCoverage]:
        return {name: FieldCoverage(self._seen[name], self._filled[name]) for name in sorted(self._seen)}


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


# --- the checks: pure functions of stats and thresholds -------------------------------------

def check_finish_reason(stats: Mapping[str, Any], accepted: Iterable[str]) -> Verdict:
    accepted = tuple(accepted)
    reason = stats.get("finish_reason")
    if reason in accepted:
        return Verdict(True, f"finish reason {reason!r}")
    return Verdict(False, f"finish reason {reason!r}, expected {' or '.join(map(repr, accepted))}")


def check_min_items(stats: Mapping[str, Any], minimum: int) -> Verdict:
    """At least ``minimum`` items, or as many as the listings offered when that is fewer."""
    items = _count(stats, "item_scraped_count")
    required = minimum
    note = ""
    if STAT_SCHEDULED in stats:
        offered = _count(stats, STAT_SCHEDULED) - _count(stats, STAT_NOT_MODIFIED)
        if offered < minimum:
            required = max(offered, 0)
            note = f" (the listings offered {required} new or changed articles)"
    if items >= required:
        return Verdict(True, f"{items} items >= {required}{note}")
    return Verdict(False, f"{items} items, expected at least {required}{note}")


def check_field_coverage(coverage: Mapping[str, FieldCoverage], field: str, minimum: float) -> Verdict:
    entry = coverage.get(field)
    ratio = entry.ratio if entry else None
    if entry is None or ratio is None:
        return Verdict(True, "no item has this field")
    detail = f"{ratio:.1%} ({entry.filled}/{entry.items})"
    if ratio >= minimum:
        return Verdict(True, f"{detail} >= {minimum:.0%}")
    return Verdict(False, f"{detail}, expected at least {minimum:.0%}")


def check_error_rate(stats: Mapping[str, Any], maximum: float) -> Verdict:
    errors = _count(stats, "log_count/ERROR") + _count(stats, "log_count/CRITICAL")
    requests = _count(stats, "downloader/request_count")
    rate = errors / max(requests, 1)
    detail = f"{errors} errors / {requests} requests = {rate:.1%}"
    if rate <= maximum:
        return Verdict(True, f"{detail} <= {maximum:.0%}")
    return Verdict(False, f"{detail}, expected at most {maximum:.0%}")


def check_unparsed_dates(stats: Mapping[str, Any], maximum: float) -> Verdict:
    unparsed = _count(stats, STAT_DATES_UNPARSED)
    items = _count(stats, "item_scraped_count")
    if not unparsed:
        return Verdict(True, "no unparsed dates")
    rate = unparsed / items if items else math.inf
    detail = f"{unparsed} unparsed dates / {items} items = {rate:.1%}"
    if rate <= maximum:
        return Verdict(True, f"{detail} <= {maximum:.0%}")
    return Verdict(False, f"{detail}, expected at most {maximum:.0%}")


def check_database(stats: Mapping[str, Any]) -> Verdict:
    spooled = _count(stats, STAT_DB_SPOOLED)
    if stats.get(STAT_DB_FAILED):
        return Verdict(False, f"database writes failed; {spooled} records spooled for a later drain")
    return Verdict(True, "no database failure")


def check_item_validation(stats: Mapping[str, Any], maximum: int) -> Verdict:
    invalid = _count(stats, STAT_INVALID_ITEMS)
    checked = _count(stats, "spidermon/validation/items")
    if invalid <= maximum:
        return Verdict(True, f"{invalid} of {checked} records failed the schema (at most {maximum})")
    fields = sorted(
        key.removeprefix("spidermon/validation/fields/errors/")
        for key in stats if key.startswith("spidermon/validation/fields/errors/") and key.count("/") > 4
    )
    return Verdict(False, f"{invalid} of {checked} records failed the schema, expected at most {maximum}: "
                          f"{', '.join(fields[:5])}")


# --- the spidermon monitors -----------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])


def _named(name: str) -> Callable[[_F], _F]:
    """Spidermon's ``monitors.name`` (untyped), typed: the name a monitor has in the run report."""
    decorator: Callable[[_F], _F] = monitors.name(name)
    return decorator


class ProjectMonitor(BaseScrapyMonitor):  # type: ignore[misc]
    """A spidermon monitor whose test records its verdict's message for the run report."""

    message = ""
    __test__ = False  # a spidermon check, not a pytest test case

    @property
    def settings(self) -> BaseSettings:
        settings: BaseSettings = self.crawler.settings
        return settings

    def verdict(self, verdict: Verdict) -> None:
        self.message = verdict.message
        self.assertTrue(verdict.passed, verdict.message)


@_named("finish_reason")
class FinishReasonMonitor(ProjectMonitor):
    @_named("finish_reason")
    def test_finish_reason(self) -> None:
        self.verdict(check_finish_reason(self.stats, self.settings.getlist("NEWSARCHIVE_MONITOR_FINISH_REASONS")))


@_named("min_items")
class MinItemsMonitor(ProjectMonitor):
    @_named("min_items")
    def test_min_items(self) -> None:
        self.verdict(check_min_items(self.stats, self.settings.getint("NEWSARCHIVE_MONITOR_MIN_ITEMS")))


@_named("error_rate")
class ErrorRateMonitor(ProjectMonitor):
    @_named("error_rate")
    def test_error_rate(self) -> None:
        self.verdict(check_error_rate(self.stats, self.settings.getfloat("NEWSARCHIVE_MONITOR_MAX_ERROR_RATE")))


@_named("unparsed_dates")
class UnparsedDatesMonitor(ProjectMonitor):
    @_named("unparsed_dates")
    def test_unparsed_dates(self) -> None:
        self.verdict(check_unparsed_dates(self.stats,
                                          self.settings.getfloat("NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES")))


@_named("database")
class DatabaseMonitor(ProjectMonitor):
    @_named("database")
    def test_database(self) -> None:
        self.verdict(check_database(self.stats))


@_named("item_validation")
class ItemValidationMonitor(ProjectMonitor):
    @_named("item_validation")
    def test_item_validation(self) -> None:
        self.verdict(check_item_validation(self.stats, self.settings.getint("NEWSARCHIVE_MONITOR_MAX_INVALID_ITEMS")))


@_named("drift")
class DriftMonitor(ProjectMonitor):
    @_named("drift")
    def test_drift(self) -> None:
        from newsarchive.drift import DriftTracker

        tracker = self.crawler.get_extension(DriftTracker)
        if tracker is None:
            self.message = "drift detection is off"
            return
        self.verdict(tracker.judge())


class FieldCoverageMonitor(ProjectMonitor):
    """One subclass per field (:func:`field_coverage_monitor`), so each field is one result."""

    field = ""
    minimum = 1.0

    def check_coverage(self) -> None:
        from newsarchive.extensions.report import RunReport

        report = self.crawler.get_extension(RunReport)
        coverage = report.coverage.table() if report is not None else {}
        self.verdict(check_field_coverage(coverage, self.field, self.minimum))


def field_coverage_monitor(field: str, minimum: float) -> type[FieldCoverageMonitor]:
    name = f"field_coverage/{field}"

    def test_coverage(self: FieldCoverageMonitor) -> None:
        self.check_coverage()

    test = _named(name)(test_coverage)
    monitor = type(f"FieldCoverage_{field}", (FieldCoverageMonitor,),
                   {"field": field, "minimum": minimum, "test_coverage": test})
    return _named(name)(monitor)


def coverage_rules(settings: BaseSettings) -> dict[str, float]:
    """Field -> minimum share, from ``NEWSARCHIVE_MONITOR_FIELD_COVERAGE`` (``null`` switches a field off)."""
    rules: dict[str, Any] = settings.getdict("NEWSARCHIVE_MONITOR_FIELD_COVERAGE")
    return {field: float(minimum) for field, minimum in rules.items() if minimum is not None}


def alert_actions(settings: BaseSettings) -> list[str]:
    """Spidermon action paths of ``NEWSARCHIVE_ALERTS`` (short names or dotted paths)."""
    return [ALERT_ACTIONS.get(name, name) for name in settings.getlist("NEWSARCHIVE_ALERTS") if name]


MONITORS: tuple[type[ProjectMonitor], ...] = (
    FinishReasonMonitor,
    MinItemsMonitor,
    ErrorRateMonitor,
    UnparsedDatesMonitor,
    DatabaseMonitor,
    ItemValidationMonitor,
    DriftMonitor,
)


class RunMonitors(MonitorSuite):  # type: ignore[misc]
    """The project's monitors; field coverage monitors and alert actions come from settings."""

    def __init__(self, *args: Any, crawler: Crawler | None = None, **kwargs: Any) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        self.results: list[MonitorResult] = []
        self.alert_problems: list[str] = []
        self.add_monitors(MONITORS)
        if crawler is not None:
            self.add_monitors([field_coverage_monitor(field, minimum)
                               for field, minimum in coverage_rules(crawler.settings).items()])
            for path in alert_actions(crawler.settings):
                try:
                    self.add_monitors_failed_action(load_object(path))
                except (SpidermonNotConfigured, ImportError, AttributeError, ValueError) as exc:
                    logger.error("Alert %(action)s is not usable, no alert will be sent through it: %(error)s",
                                 {"action": path, "error": exc})
                    self.alert_problems.append(f"{path.rsplit('.', 1)[-1]}: {exc}")

    def on_monitors_finished(self, result: Any) -> None:
        self.results = [_result(item) for item in result.monitor_results]
        if self.alert_problems:  # an alert that cannot be sent is a failure of the run, not a footnote
            self.results.append(MonitorResult("alerts", False, "; ".join(self.alert_problems)))
        failed = sum(not r.passed for r in self.results)
        crawler = self._crawler
        if crawler is None or crawler.stats is None:
            return
        crawler.stats.set_value(STAT_MONITORS_FAILED, failed)
        from newsarchive.drift import DriftTracker

        tracker = crawler.get_extension(DriftTracker)
        if tracker is not None:
            tracker.finish(run_passed=not failed)


def _result(item: Any) -> MonitorResult:
    monitor = item.monitor
    name = str(monitor.method_name)
    passed = item.status in MONITOR.STATUSES.SUCCESSFUL
    message = str(getattr(monitor, "message", "") or "")
    if item.status == MONITOR.STATUS.ERROR:
        message = f"monitor crashed: {str(item.error).strip().splitlines()[-1] if item.error else ''}"
    elif item.status == MONITOR.STATUS.SKIPPED:
        message = f"skipped: {item.reason}"
    return MonitorResult(name, passed, message)


class _LoggerResult(SpiderMonitorResult):  # type: ignore[misc]
    def log(self, msg: str, level: int = logging.DEBUG) -> None:
        self.spider.logger.log(level, "[Spidermon] %s", msg)  # not the deprecated Spider.log()


class _Runner(SpiderMonitorRunner):  # type: ignore[misc]
    def create_result(self) -> _LoggerResult:
        return _LoggerResult(self.spider)


class Spidermon(SpidermonExtension):  # type: ignore[misc]
    """Spidermon's extension, logging through the spider's logger (Scrapy 2.13+ deprecates ``Spider.log``)."""

    def _run_suites(self, spider: Any, suites: list[Any]) -> None:
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            _Runner(spider=spider).run(suite, **data)


def suite_results(crawler: Crawler) -> list[MonitorResult] | None:
    """The results of the :class:`RunMonitors` suites the Spidermon extension ran; ``None``: none ran."""
    extension = crawler.get_extension(SpidermonExtension)
    if extension is None:
        return None
    suites = [suite for suite in extension.spider_closed_suites if isinstance(suite, RunMonitors)]
    if not suites:
        return None
    return [result for suite in suites for result in suite.results]


__all__ = [
    "MONITORS",
    "CoverageCounter",
    "DatabaseMonitor",
    "DriftMonitor",
    "ErrorRateMonitor",
    "FieldCoverage",
    "FieldCoverageMonitor",
    "FinishReasonMonitor",
    "ItemValidationMonitor",
    "MinItemsMonitor",
    "MonitorResult",
    "RunMonitors",
    "UnparsedDatesMonitor",
    "Verdict",
    "suite_results",
]
