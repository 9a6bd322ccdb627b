"""Scrapy commands installed as ``scrapy.commands`` entry points (``pyproject.toml``).

Scrapy names the commands of ``COMMANDS_MODULE`` (``newsarchive.commands``: ``crawl``,
``replay``) after their module, and a module name cannot hold a hyphen. ``export-db`` is
therefore an entry point, and its class lives here, outside ``COMMANDS_MODULE``: defined
in ``newsarchive/commands/export_db.py`` it was listed twice by ``scrapy -h``
(``export_db`` and ``export-db``).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class ExportDbCommand(ScrapyCommand):
    """``scrapy export-db``: the database as JSON lines (:mod:`newsarchive.commands.export_db`)."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--since YYYY-MM-DD] -O FILE"

    def short_desc(self) -> str:
        return "Export the article database as JSON lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--output", metavar="FILE", required=True,
                            help="write the records to FILE, overwriting it ('-' for stdout)")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="only articles last seen on or after this date")
        parser.add_argument("--database", metavar="URL", help="database URL (default: NEWSARCHIVE_DATABASE_URL)")
        parser.add_argument("--no-drain", action="store_true", help="do not write spooled records first")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # imported here: newsarchive.commands.export_db re-exports this class for older installs
        from newsarchive.archive.db import ArticleStore, StoreError
        from newsarchive.archive.spool import default_spool_path
        from newsarchive.commands.export_db import DEFAULT_URL, export, parse_since

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        since = parse_since(opts.since)
        assert self.settings is not None
        url = opts.database or self.settings.get("NEWSARCHIVE_DATABASE_URL") or DEFAULT_URL
        spool_setting = self.settings.get("NEWSARCHIVE_DATABASE_SPOOL") or None
        if spool_setting is None:
            store_name = ArticleStore.from_url(url).backend.name
            spool_setting = default_spool_path(store_name, self.settings.get("NEWSARCHIVE_DATA_DIR") or "data")
        try:
            count = export(url, opts.output, since=since, drain_spool=not opts.no_drain, spool_path=spool_setting)
        except (StoreError, OSError, ValueError, ImportError) as exc:
            logger.error("export-db failed: %(error)s", {"error": exc})
            print(f"export-db: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        logger.info("Exported %(n)d records to %(out)s", {"n": count, "out": opts.output})
