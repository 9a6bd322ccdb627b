"""Settings for the run-report crawl tests: the project's settings, our ``crawl``
command, the report extension, and a spider module that needs no network.

Used as ``SCRAPY_SETTINGS_MODULE=tests.settings_report`` (``COMMANDS_MODULE``
is read from the settings module, not from ``-s``).
"""

from __future__ import annotations

from newsarchive.settings import *  # noqa: F403

SPIDER_MODULES = ["tests.report_spiders"]
NEWSPIDER_MODULE = "tests.report_spiders"
COMMANDS_MODULE = "newsarchive.commands"
EXTENSIONS = {
    "newsarchive.extensions.progress.Progress": 500,  # clears its line before the report prints
    "newsarchive.extensions.report.RunReport": 900,
    "newsarchive.monitors.Spidermon": 800,
    "newsarchive.drift.DriftTracker": 700,
}
ITEM_PIPELINES = {}
DOWNLOADER_MIDDLEWARES = {}
NEWSARCHIVE_PROGRESS = "off"
