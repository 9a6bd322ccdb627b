"""Scrapy commands installed as ``scrapy.commands`` entry points (``pyproject.toml``).

Scrapy names the commands of ``COMMANDS_MODULE`` (``newsarchive.commands``: ``crawl``,
``replay``) after their module, and a module name cannot hold a hyphen. ``export-db`` is
therefore an entry point, and its class lives here, outside ``COMMANDS_MODULE``: defined
in ``newsarchive/commands/export_db.py`` it was listed twice by ``scrapy -h``
(``export_db`` and ``export-db``). The work itself is in :mod:`newsarchive.commands.export_db`,
imported when the command runs (that module re-exports this class for older installs).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive import datadir, secrets
from newsarchive.commands.inputs import BadInput, check_database_exists, check_settings, refuse

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class ExportDbCommand(ScrapyCommand):
    """``scrapy export-db``: the database as JSON lines (:mod:`newsarchive.commands.export_db`)."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--since YYYY-MM-DD] [--published-since YYYY-MM-DD] [--history] -O FILE"

    def short_desc(self) -> str:
        return "Export the article database as JSON lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--output", metavar="FILE", required=True,
                            help="write the records to FILE, overwriting it ('-' for stdout)")
        parser.add_argument("--since", metavar="YYYY-MM-DD",
                            help="crawl time: only articles (or history events) captured on or after this day (UTC)")
        parser.add_argument("--published-since", metavar="YYYY-MM-DD",
                            help="publication time: only articles published on or after this day (Baku time)")
        parser.add_argument("--history", action="store_true",
                            help="write the history (observations, revisions with diffs, origin attempts), "
                                 "not the latest records")
        parser.add_argument("--database", metavar="URL", help="database URL (default: NEWSARCHIVE_DATABASE_URL)")
        parser.add_argument("--no-drain", action="store_true", help="do not write spooled records first")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        from newsarchive.commands import export_db as impl  # see the module docs

        super().process_options(args, opts)
        assert self.settings is not None
        secrets.install(self.settings)
        secrets.register(opts.database)
        datadir.resolve(self.settings)
        if args:
            refuse("export-db", f"unexpected arguments: {' '.join(args)}")
        try:
            impl.parse_since(opts.since)
            check_settings(self.settings)
            check_database_exists(self.database_url(opts))
        except (BadInput, UsageError) as exc:
            refuse("export-db", str(exc))

    def database_url(self, opts: argparse.Namespace) -> str:
        from newsarchive.commands.export_db import DEFAULT_URL

        assert self.settings is not None
        return str(opts.database or self.settings.get("NEWSARCHIVE_DATABASE_URL") or DEFAULT_URL)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newsarchive.archive.db import StoreError
        from newsarchive.archive.spool import (
            default_dead_letter_path,
            default_spool_path,
            spool_name,
        )
        from newsarchive.commands.export_db import export, parse_since

        since = parse_since(opts.since)
        published_since = parse_since(opts.published_since, "--published-since")
        if opts.history and published_since:
            raise UsageError("--published-since filters records, not --history")
        assert self.settings is not None
        url = self.database_url(opts)
        data_dir = self.settings.get("NEWSARCHIVE_DATA_DIR") or "data"
        spool_setting = self.settings.get("NEWSARCHIVE_DATABASE_SPOOL") or default_spool_path(spool_name(url), data_dir)
        dead_setting = self.settings.get("NEWSARCHIVE_DATABASE_DEAD_LETTER") or default_dead_letter_path(
            spool_name(url), data_dir)
        try:
            count = export(url, opts.output, since=since, drain_spool=not opts.no_drain, spool_path=spool_setting,
                           published_since=published_since, history=opts.history, dead_letter_path=dead_setting,
                           max_attempts=self.settings.getint("NEWSARCHIVE_DATABASE_MAX_ATTEMPTS"))
        except (StoreError, OSError, ValueError, ImportError) as exc:
            logger.error("export-db failed: %(error)s", {"error": exc})
            print(f"export-db: {secrets.redact(str(exc))}", file=sys.stderr)
            self.exitcode = 1
            return
        logger.info("Exported %(n)d records to %(out)s", {"n": count, "out": opts.output})
