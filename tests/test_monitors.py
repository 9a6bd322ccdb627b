"""Monitor thresholds, table-driven (stats in, pass/fail out); no crawl."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.settings import Settings

from newsarchive.items import Article, Origin
from newsarchive.monitors import (
    CoverageCounter,
    DatabaseMonitor,
    ErrorRateMonitor,
    FieldCoverage,
    FieldCoverageMonitor,
    FinishReasonMonitor,
    MinItemsMonitor,
    Monitor,
    MonitorResult,
    UnparsedDatesMonitor,
    build_monitors,
    is_empty,
    run_monitors,
)


@pytest.mark.parametrize(
    ("reason", "accepted", "passed"),
    [
        ("finished", ("finished",), True),
        ("closespider_errorcount", ("finished",), False),
        ("shutdown", ("finished",), False),
        ("closespider_timeout", ("finished",), False),
        ("closespider_itemcount", ("finished", "closespider_itemcount"), True),
        (None, ("finished",), False),
    ],
)
def test_finish_reason(reason: str | None, accepted: tuple[str, ...], passed: bool) -> None:
    stats = {} if reason is None else {"finish_reason": reason}
    assert FinishReasonMonitor(accepted).check(stats, {}).passed is passed


@pytest.mark.parametrize(
    ("items", "minimum", "passed"),
    [(None, 1, False), (0, 1, False), (1, 1, True), (10, 1, True), (9, 10, False), (0, 0, True)],
)
def test_min_items(items: int | None, minimum: int, passed: bool) -> None:
    stats = {} if items is None else {"item_scraped_count": items}
    assert MinItemsMonitor(minimum).check(stats, {}).passed is passed


@pytest.mark.parametrize(
    ("entry", "minimum", "passed"),
    [
        (FieldCoverage(items=10, filled=10), 1.0, True),
        (FieldCoverage(items=10, filled=9), 1.0, False),
        (FieldCoverage(items=20, filled=19), 0.95, True),
        (FieldCoverage(items=20, filled=18), 0.95, False),
        (FieldCoverage(items=10, filled=8), 0.8, True),
        (FieldCoverage(items=0, filled=0), 1.0, True),  # no item had the field
        (None, 1.0, True),
    ],
)
def test_field_coverage(entry: FieldCoverage | None, minimum: float, passed: bool) -> None:
    coverage = {} if entry is None else {"body": entry}
    result = FieldCoverageMonitor("body", minimum).check({}, coverage)
    assert result.name == "field_coverage/body"
    assert result.passed is passed


@pytest.mark.parametrize(
    ("stats", "maximum", "passed"),
    [
        ({}, 0.1, True),
        ({"downloader/request_count": 100, "log_count/ERROR": 10}, 0.1, True),
        ({"downloader/request_count": 100, "log_count/ERROR": 11}, 0.1, False),
        ({"downloader/request_count": 100, "log_count/ERROR": 5, "log_count/CRITICAL": 6}, 0.1, False),
        ({"log_count/ERROR": 1}, 0.1, False),  # errors and no request at all
        # exceptions a retry fixed and spider exceptions (already logged) are not added
        ({"downloader/request_count": 100, "downloader/exception_count": 50, "spider_exceptions/ValueError": 3,
          "log_count/ERROR": 3}, 0.1, True),
    ],
)
def test_error_rate(stats: dict[str, Any], maximum: float, passed: bool) -> None:
    assert ErrorRateMonitor(maximum).check(stats, {}).passed is passed


@pytest.mark.parametrize(
    ("unparsed", "items", "passed"),
    [(0, 0, True), (None, 10, True), (5, 100, True), (6, 100, False), (1, 0, False)],
)
def test_unparsed_dates(unparsed: int | None, items: int, passed: bool) -> None:
    stats: dict[str, Any] = {"item_scraped_count": items}
    if unparsed is not None:
        stats["newsarchive/dates/unparsed"] = unparsed
    assert UnparsedDatesMonitor(0.05).check(stats, {}).passed is passed


@pytest.mark.parametrize(
    ("stats", "passed"),
    [
        ({}, True),
        ({"newsarchive/db/failed": False, "newsarchive/db/new": 3}, True),
        ({"newsarchive/db/failed": True, "newsarchive/db/spooled": 7}, False),
    ],
)
def test_database(stats: dict[str, Any], passed: bool) -> None:
    result = DatabaseMonitor().check(stats, {})
    assert result.passed is passed
    if not passed:
        assert "7 records spooled" in result.message


def test_defaults_from_empty_settings() -> None:
    monitors = build_monitors(Settings())
    names = [monitor.name for monitor in monitors]
    assert names == [
        "finish_reason", "min_items", "field_coverage/title", "field_coverage/body",
        "field_coverage/published_at", "field_coverage/source_name", "error_rate", "unparsed_dates", "database",
    ]
    thresholds = {m.name: m.minimum for m in monitors if isinstance(m, FieldCoverageMonitor)}
    assert thresholds == {"field_coverage/title": 1.0, "field_coverage/body": 0.95,
                          "field_coverage/published_at": 0.8, "field_coverage/source_name": 0.95}


def test_thresholds_from_settings_including_json_from_the_command_line() -> None:
    settings = Settings()
    settings.setdict({
        "NEWSARCHIVE_MONITOR_MIN_ITEMS": "50",
        "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE": "0.2",
        "NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES": "0.01",
        "NEWSARCHIVE_MONITOR_FIELD_COVERAGE": '{"body": 0.5, "source_name": null, "author": 0.3}',
        "NEWSARCHIVE_MONITOR_FINISH_REASONS": "finished,closespider_itemcount",
    }, priority="cmdline")
    by_name = {monitor.name: monitor for monitor in build_monitors(settings)}
    assert by_name["min_items"].minimum == 50  # type: ignore[attr-defined]
    assert by_name["error_rate"].maximum == 0.2  # type: ignore[attr-defined]
    assert by_name["unparsed_dates"].maximum == 0.01  # type: ignore[attr-defined]
    assert by_name["finish_reason"].accepted == ("finished", "closespider_itemcount")  # type: ignore[attr-defined]
    assert by_name["field_coverage/body"].minimum == 0.5  # type: ignore[attr-defined]
    assert by_name["field_coverage/title"].minimum == 1.0  # type: ignore[attr-defined]  # default kept
    assert "field_coverage/source_name" not in by_name  # null switches a field off
    assert by_name["field_coverage/author"].minimum == 0.3  # type: ignore[attr-defined]


def test_a_crashing_monitor_fails_without_hiding_the_others() -> None:
    class Broken(Monitor):
        name = "broken"

        def check(self, stats: Any, coverage: Any) -> MonitorResult:
            raise KeyError("boom")

    results = run_monitors([Broken(), MinItemsMonitor(1)], {"item_scraped_count": 3}, {})
    assert [(r.name, r.passed) for r in results] == [("broken", False), ("min_items", True)]
    assert "crashed" in results[0].message


@pytest.mark.parametrize(
    ("value", "empty"),
    [(None, True), ("", True), ("  \n", True), ([], True), ({}, True), ("x", False), (0, False), (False, False),
     ([1], False)],
)
def test_is_empty(value: Any, empty: bool) -> None:
    assert is_empty(value) is empty


def test_coverage_counts_fields_per_item_type() -> None:
    counter = CoverageCounter()
    counter.add(Article(url="u1", title="T", body="B", source_name="Report.az", views=0))
    counter.add(Article(url="u2", title="T", body="  ", published_at="2025-01-01T00:00:00+04:00"))
    counter.add(Origin(url="o1", title="T", body="B"))  # has no source_name field
    counter.add("not an item")
    table = counter.table()
    assert counter.items == 3
    assert table["title"] == FieldCoverage(items=3, filled=3)
    assert table["body"] == FieldCoverage(items=3, filled=2)
    assert table["source_name"] == FieldCoverage(items=2, filled=1)
    assert table["published_at"] == FieldCoverage(items=3, filled=1)
    assert table["views"] == FieldCoverage(items=2, filled=1)  # 0 is a value
    assert table["body"].to_dict() == {"items": 3, "filled": 2, "ratio": 0.6667}
