"""Monitor thresholds, table-driven (stats in, verdict out), and the spidermon suite built from settings."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Spider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

from newsarchive import settings as project_settings
from newsarchive.items import Article, Origin
from newsarchive.monitors import (
    CoverageCounter,
    FieldCoverage,
    RunMonitors,
    Verdict,
    alert_actions,
    check_database,
    check_error_rate,
    check_field_coverage,
    check_finish_reason,
    check_item_validation,
    check_min_items,
    check_unparsed_dates,
    coverage_rules,
    is_empty,
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
    assert check_finish_reason(stats, accepted).passed is passed


@pytest.mark.parametrize(
    ("items", "minimum", "passed"),
    [(None, 1, False), (0, 1, False), (1, 1, True), (10, 1, True), (9, 10, False), (0, 0, True)],
)
def test_min_items(items: int | None, minimum: int, passed: bool) -> None:
    stats = {} if items is None else {"item_scraped_count": items}
    assert check_min_items(stats, minimum).passed is passed


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
    assert check_field_coverage(coverage, "body", minimum).passed is passed


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
    assert check_error_rate(stats, maximum).passed is passed


@pytest.mark.parametrize(
    ("unparsed", "items", "passed"),
    [(0, 0, True), (None, 10, True), (5, 100, True), (6, 100, False), (1, 0, False)],
)
def test_unparsed_dates(unparsed: int | None, items: int, passed: bool) -> None:
    stats: dict[str, Any] = {"item_scraped_count": items}
    if unparsed is not None:
        stats["newsarchive/dates/unparsed"] = unparsed
    assert check_unparsed_dates(stats, 0.05).passed is passed


@pytest.mark.parametrize(
    ("stats", "passed"),
    [
        ({}, True),
        ({"newsarchive/db/failed": False, "newsarchive/db/new": 3}, True),
        ({"newsarchive/db/failed": True, "newsarchive/db/spooled": 7}, False),
    ],
)
def test_database(stats: dict[str, Any], passed: bool) -> None:
    result = check_database(stats)
    assert result.passed is passed
    if not passed:
        assert "7 records spooled" in result.message


def suite_for(settings: dict[str, Any]) -> RunMonitors:
    values = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(Spider, {**values, **settings})
    return RunMonitors(crawler=crawler)


def test_suite_from_project_settings() -> None:
    suite = suite_for({})
    names = sorted(monitor.method_name for monitor in suite.all_monitors)
    assert names == sorted([
        "finish_reason", "min_items", "error_rate", "unparsed_dates", "database", "item_validation", "drift",
        "field_coverage/title", "field_coverage/body", "field_coverage/published_at", "field_coverage/source_name",
    ])
    assert suite.monitors_failed_actions == []  # no alert unless asked for


def test_thresholds_from_settings_including_json_from_the_command_line() -> None:
    settings = Settings()
    settings.setdict({"NEWSARCHIVE_MONITOR_FIELD_COVERAGE": {"title": 1.0, "body": 0.95, "source_name": 0.95}})
    settings.setdict({
        "NEWSARCHIVE_MONITOR_FIELD_COVERAGE": '{"body": 0.5, "source_name": null, "author": 0.3}',
        "NEWSARCHIVE_ALERTS": "telegram,my.module.Action",
    }, priority="cmdline")
    assert coverage_rules(settings) == {"body": 0.5, "author": 0.3}
    assert alert_actions(settings) == ["newsarchive.alerts.TelegramAlert", "my.module.Action"]


def test_suite_runs_under_spidermon_and_counts_failures() -> None:
    suite = suite_for({"NEWSARCHIVE_MONITOR_MIN_ITEMS": 10, "NEWSARCHIVE_DRIFT_ENABLED": False})
    stats = {"finish_reason": "finished", "item_scraped_count": 3, "downloader/request_count": 10,
             "newsarchive/discovery/articles": 40}
    result = MonitorRunner().run(suite, stats=stats, crawler=suite._crawler, spider=None)
    failed = {r.name: r.message for r in suite.results if not r.passed}
    assert failed == {"min_items": "3 items, expected at least 10"}
    assert not result.all_monitors_passed
    assert suite._crawler.stats.get_value("newsarchive/monitors/failed") == 1


@pytest.mark.parametrize(
    ("stats", "minimum", "passed", "required"),
    [
        # a scheduled run that found nothing new: the listings offered nothing, no item is fine
        ({"item_scraped_count": 0, "newsarchive/discovery/articles": 0}, 1, True, 0),
        # re-visits all answered 304 Not Modified: nothing new either
        ({"item_scraped_count": 0, "newsarchive/discovery/articles": 60, "newsarchive/incremental/not_modified": 60},
         1, True, 0),
        # the listings offered 50 articles and the run produced none: a broken run
        ({"item_scraped_count": 0, "newsarchive/discovery/articles": 50}, 1, False, 1),
        ({"item_scraped_count": 3, "newsarchive/discovery/articles": 3}, 10, True, 3),
        ({"item_scraped_count": 2, "newsarchive/discovery/articles": 3}, 10, False, 3),
        ({"item_scraped_count": 0}, 1, False, 1),  # a spider without the stat: the setting alone
    ],
)
def test_min_items_follows_what_the_listings_offered(stats: dict[str, Any], minimum: int, passed: bool,
                                                     required: int) -> None:
    verdict = check_min_items(stats, minimum)
    assert verdict.passed is passed
    assert f"least {required}" in verdict.message or f">= {required}" in verdict.message


@pytest.mark.parametrize(
    ("stats", "passed"),
    [
        ({}, True),
        ({"spidermon/validation/items": 10}, True),
        ({"spidermon/validation/items": 10, "spidermon/validation/items/errors": 2,
          "spidermon/validation/fields/errors": 2,
          "spidermon/validation/fields/errors/does_not_match_pattern/views": 2}, False),
    ],
)
def test_item_validation(stats: dict[str, Any], passed: bool) -> None:
    verdict = check_item_validation(stats, 0)
    assert verdict.passed is passed
    if not passed:
        assert "2 of 10 records" in verdict.message and "views" in verdict.message


def test_verdict_is_a_value() -> None:
    assert Verdict(True, "x") == Verdict(True, "x")


@pytest.mark.parametrize(
    ("value", "empty"),
    [(None, True), ("", True), ("  \n", True), ([], True), ({}, True), ("x", False), (0, False), (False, False),
     ([1], False)],
)
def test_is_empty(value: Any, empty: bool) -> None:
    assert is_empty(value) is empty


def test_coverage_leaves_out_fields_a_page_kind_never_has() -> None:
    counter = CoverageCounter(project_settings.NEWSARCHIVE_MONITOR_COVERAGE_NOT_APPLICABLE)
    for number in range(8):
        counter.add(Article(url=f"n{number}", kind="news", title="T", published_at="2025-01-01T00:00:00+04:00",
                            views=3))
    for number in range(4):
        counter.add(Article(url=f"s{number}", kind="story", title="T"))  # no archive line, no counters
    table = counter.table()
    assert table["published_at"] == FieldCoverage(items=8, filled=8)
    assert table["views"] == FieldCoverage(items=8, filled=8)
    assert table["title"] == FieldCoverage(items=12, filled=12)
    assert check_field_coverage(table, "published_at", 0.95).passed
    # without the rule, the story pages pull published_at to 67 %
    plain = CoverageCounter()
    for number in range(8):
        plain.add(Article(url=f"n{number}", kind="news", published_at="2025-01-01T00:00:00+04:00"))
    for number in range(4):
        plain.add(Article(url=f"s{number}", kind="story"))
    assert not check_field_coverage(plain.table(), "published_at", 0.95).passed


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
