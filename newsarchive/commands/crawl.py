"""``scrapy crawl`` with an exit status a scheduler can act on.

With ``COMMANDS_MODULE = "newsarchive.commands"`` this replaces Scrapy's own
``crawl`` command, and behaves exactly like it (``-a``, ``-s``, ``-o``/``-O``,
``--nolog``, …) except that ``-o``/``-O`` replace the ``FEEDS`` preset
(:func:`newsarchive.feeds.drop_preset`; Scrapy would write both), that the folder of
``LOG_FILE`` is created when missing (a fresh deployment has no ``data/logs/``), and for
the exit status, which is 1 when:

* Scrapy itself reports a failure (the spider could not start), as before;
* a run monitor failed (stat ``newsarchive/monitors/failed`` > 0, see
  :mod:`newsarchive.monitors`);
* the run report is enabled but its JSON file was not written (stat
  ``newsarchive/report/failed``, or no ``newsarchive/report/path`` at all
  because the report extension crashed).

Cron, systemd (``OnFailure=``) and wrapper scripts can therefore alert on a
non-zero status. Scrapyd ignores exit statuses; read the run files there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newsarchive.extensions.report import STAT_MONITORS_FAILED, STAT_REPORT_FAILED, STAT_REPORT_PATH, RunReport
from newsarchive.feeds import drop_preset

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def run_problems(stats: Mapping[str, Any], report_enabled: bool = True) -> list[str]:
    """Why a finished crawl with these stats should exit non-zero (empty: it should not)."""
    problems = []
    failed = stats.get(STAT_MONITORS_FAILED) or 0
    if failed:
        problems.append(f"{failed} monitor(s) failed")
    if stats.get(STAT_REPORT_FAILED):
        problems.append("the run report could not be written")
    elif report_enabled and not stats.get(STAT_REPORT_PATH):
        problems.append("no run report was written")
    return problems


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``; exits 1 when a monitor failed or the run report is missing."""

    def short_desc(self) -> str:
        return "Run a spider of the current project, by name (exit status 1 when its monitors fail)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if (opts.output or opts.overwrite_output) and self.settings is not None:
            drop_preset(self.settings)  # -o/-O replace the FEEDS preset; Scrapy would merge them
        super().process_options(args, opts)
        log_file = self.settings.get("LOG_FILE") if self.settings is not None else None
        if log_file:  # a fresh deployment has no data/logs/ yet; Scrapy opens the file before any project code runs
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self.crawlers: list[Crawler] = []
        super().run(args, opts)
        if self.exitcode:
            return  # Scrapy already decided (bootstrap failure)
        if not self.crawlers:
            logger.error("Exit status 1: the crawl command ran no crawler to check")
            self.exitcode = 1
            return
        for crawler in self.crawlers:
            stats = crawler.stats.get_stats() if crawler.stats is not None else {}
            problems = run_problems(stats, report_enabled=crawler.get_extension(RunReport) is not None)
            if problems:
                logger.error("Exit status 1: %(problems)s", {"problems": "; ".join(problems)})
                self.exitcode = 1

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Scrapy's run() creates the crawler here; keep it, since the crawler
        # process forgets its crawlers once they finish.
        crawler = super()._create_crawler(spidercls)
        self.crawlers.append(crawler)
        return crawler
