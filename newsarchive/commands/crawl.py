"""``scrapy crawl`` with an exit status a scheduler can act on.

With ``COMMANDS_MODULE = "newsarchive.commands"`` this replaces Scrapy's own
``crawl`` command, and behaves exactly like it (``-a``, ``-s``, ``-o``/``-O``,
``--nolog``, …) except that ``-o``/``-O`` replace the ``FEEDS`` preset
(:func:`newsarchive.feeds.drop_preset`; Scrapy would write both), that the folder of
``LOG_FILE`` is created when missing (a fresh deployment has no ``data/logs/``), and for
the exit status, which is 1 when:

* Scrapy itself reports a failure (the spider could not start), as before;
* a run monitor failed (stat ``newsarchive/monitors/failed`` > 0, set by the
  spidermon suite of :mod:`newsarchive.monitors`: the ``drift`` monitor included);
* records the database kept refusing were moved to the dead-letter file in this
  run (stat ``newsarchive/db/dead_lettered``; only the run that moves them);
* the run report is enabled but its JSON file was not written (stat
  ``newsarchive/report/failed``, or no ``newsarchive/report/path`` at all
  because the report extension crashed).

Cron, systemd (``OnFailure=``) and wrapper scripts can therefore alert on a
non-zero status. Scrapyd ignores exit statuses; read the run files there.

Bad input exits 2 with one line, before any request
(:mod:`newsarchive.commands.inputs`): a malformed ``-a`` value or ``-s`` setting, an
unknown spider, a database URL of no known kind, an output folder that cannot be
written. An unknown ``-a`` name is only a warning. Before those checks the data
folder is resolved (:mod:`newsarchive.datadir`) and the ``-s`` secrets registered
for redaction (:mod:`newsarchive.secrets`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.settings import SETTINGS_PRIORITIES

from newsarchive import datadir, secrets
from newsarchive.commands.inputs import BadInput, check_crawl, check_spider_arguments, refuse, warn
from newsarchive.extensions.report import STAT_REPORT_FAILED, STAT_REPORT_PATH, RunReport
from newsarchive.feeds import drop_preset
from newsarchive.monitors import STAT_MONITORS_FAILED

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STAT_DEAD_LETTERED = "newsarchive/db/dead_lettered"
STAT_DEAD_LETTER_PATH = "newsarchive/db/dead_letter_path"


def run_problems(stats: Mapping[str, Any], report_enabled: bool = True) -> list[str]:
    """Why a finished crawl with these stats should exit non-zero (empty: it should not)."""
    problems = []
    failed = stats.get(STAT_MONITORS_FAILED) or 0
    if failed:
        problems.append(f"{failed} monitor(s) failed")
    if stats.get("newsarchive/state/failed"):
        problems.append(f"{stats['newsarchive/state/failed']} incremental state store write(s) failed")
    if stats.get("newsarchive/distributed/redis_unavailable"):
        problems.append("Redis was unreachable for longer than NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT")
    dead = stats.get(STAT_DEAD_LETTERED) or 0
    if dead:
        problems.append(f"{dead} record(s) refused by the database moved to the dead-letter file "
                        f"{stats.get(STAT_DEAD_LETTER_PATH) or '(see the log)'}")
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
        assert self.settings is not None
        secrets.install(self.settings)
        for name, value in self.command_settings(args).items():
            self.settings.set(name, value, priority="cmdline")
        for name, value in self.command_defaults(args, opts).items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:  # the user's -s wins
                self.settings.set(name, value, priority="cmdline")
        datadir.resolve(self.settings)
        datadir.expand_log_file(self.settings)
        try:
            self.check_input(args, opts)
        except BadInput as exc:
            refuse(self.command_name(), exc)

    def command_name(self) -> str:
        return "crawl"

    def command_settings(self, args: list[str]) -> dict[str, Any]:
        """Settings this command imposes (at the command line's priority)."""
        return {}

    def command_defaults(self, args: list[str], opts: argparse.Namespace) -> dict[str, Any]:
        """Settings this command chooses unless the command line gives them (``-s`` wins)."""
        return {}

    def spider_name(self, args: list[str], opts: argparse.Namespace) -> str | None:
        return args[0] if args else None

    def check_input(self, args: list[str], opts: argparse.Namespace) -> None:
        """Everything checked before the crawl starts (:class:`BadInput`: exit status 2)."""
        assert self.settings is not None
        name = self.spider_name(args, opts)
        spidercls: type | None = None
        if name is not None:
            from scrapy.spiderloader import get_spider_loader

            try:
                spidercls = get_spider_loader(self.settings).load(name)
            except KeyError:
                raise BadInput(f"no spider named {name!r}") from None
        for warning in check_spider_arguments(getattr(opts, "spargs", {}) or {}, spidercls):
            warn(self.command_name(), warning)
        check_crawl(self.settings)

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
