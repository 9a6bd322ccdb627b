"""``scrapy export-db [--since YYYY-MM-DD] -O FILE``: the database as JSON lines.

Writes one record a line, in the shape of the crawl's own feed (``items.Article``
field order, ``origin`` nested), UTF-8, so the output validates against
``schema/article.schema.json``. ``--since`` keeps articles last seen on or after
that date (UTC). Records waiting in the spool are written into the database
first (``--no-drain`` to skip), so the export is complete. The database is
``NEWSARCHIVE_DATABASE_URL`` unless ``--database`` names another. A database that
does not exist (an SQLite file) is never created: the command exits 2 with one
line, as for any bad input (:mod:`newsarchive.commands.inputs`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive import datadir, secrets
from newsarchive.archive.db import ArticleStore, StoreError
from newsarchive.archive.spool import (
    DEFAULT_MAX_ATTEMPTS,
    DeadLetters,
    Spool,
    default_dead_letter_path,
    default_spool_path,
    drain,
    spool_name,
)
from newsarchive.commands.inputs import BadInput, check_database_exists, check_settings, refuse

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/newsarchive.sqlite3"


class Command(ScrapyCommand):
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

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        secrets.install(self.settings)
        secrets.register(opts.database)
        datadir.resolve(self.settings)
        if args:
            refuse("export-db", f"unexpected arguments: {' '.join(args)}")
        try:
            parse_since(opts.since)
            check_settings(self.settings)
            check_database_exists(self.database_url(opts))
        except (BadInput, UsageError) as exc:
            refuse("export-db", str(exc))

    def database_url(self, opts: argparse.Namespace) -> str:
        assert self.settings is not None
        return str(opts.database or self.settings.get("NEWSARCHIVE_DATABASE_URL") or DEFAULT_URL)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        since = parse_since(opts.since)
        assert self.settings is not None
        url = self.database_url(opts)
        data_dir = self.settings.get("NEWSARCHIVE_DATA_DIR") or "data"
        spool_setting = self.settings.get("NEWSARCHIVE_DATABASE_SPOOL") or default_spool_path(spool_name(url), data_dir)
        dead_setting = self.settings.get("NEWSARCHIVE_DATABASE_DEAD_LETTER") or default_dead_letter_path(
            spool_name(url), data_dir)
        try:
            count = export(url, opts.output, since=since, drain_spool=not opts.no_drain, spool_path=spool_setting,
                           dead_letter_path=dead_setting,
                           max_attempts=self.settings.getint("NEWSARCHIVE_DATABASE_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
        except (StoreError, OSError, ValueError, ImportError) as exc:
            logger.error("export-db failed: %(error)s", {"error": exc})
            print(f"export-db: {secrets.redact(str(exc))}", file=sys.stderr)
            self.exitcode = 1
            return
        logger.info("Exported %(n)d records to %(out)s", {"n": count, "out": opts.output})


def parse_since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise UsageError(f"--since must be a date YYYY-MM-DD, got {value!r}") from exc


def export(url: str, output: str, *, since: str | None = None, drain_spool: bool = True,
           spool_path: str | Path | None = None, dead_letter_path: str | Path | None = None,
           max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """Write the records of the database at *url* to *output*; return how many."""
    store = ArticleStore.from_url(url)
    store.open()
    try:
        if drain_spool:
            spool = Spool(spool_path or default_spool_path(spool_name(url)))
            if spool.path.exists():
                dead = DeadLetters(dead_letter_path or default_dead_letter_path(spool_name(url)), store.display_url)
                drain(spool, store, max_attempts=max_attempts, dead_letters=dead)
        if output == "-":
            return write_records(store, sys.stdout, since)
        path = Path(output)
        tmp = path.with_name(path.name + ".part")  # a failed export never leaves a truncated file
        with tmp.open("w", encoding="utf-8") as fh:
            count = write_records(store, fh, since)
        os.replace(tmp, path)
        return count
    finally:
        store.close()


def write_records(store: ArticleStore, fh: TextIO, since: str | None) -> int:
    count = 0
    for record in store.iter_articles(since=since):
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
