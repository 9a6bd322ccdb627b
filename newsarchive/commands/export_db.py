"""``scrapy export-db [--since YYYY-MM-DD] -O FILE``: the database as JSON lines.

Writes one record a line, in the shape of the crawl's own feed (``items.Article``
field order, ``origin`` nested), UTF-8, so the output validates against
``schema/article.schema.json``. ``--since`` keeps articles last seen on or after
that date (UTC). Records waiting in the spool are written into the database
first (``--no-drain`` to skip), so the export is complete. The database is
``NEWSARCHIVE_DATABASE_URL`` unless ``--database`` names another.

The command class is :class:`newsarchive.entry_points.ExportDbCommand`, installed as
the ``scrapy.commands`` entry point ``export-db``: a command class defined in this
module would also be listed as ``export_db`` (Scrapy names the commands of
``COMMANDS_MODULE`` after their module).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from scrapy.exceptions import UsageError

from newsarchive.archive.db import ArticleStore
from newsarchive.archive.spool import Spool, default_spool_path, drain

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/newsarchive.sqlite3"


def parse_since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise UsageError(f"--since must be a date YYYY-MM-DD, got {value!r}") from exc


def export(url: str, output: str, *, since: str | None = None, drain_spool: bool = True,
           spool_path: str | Path | None = None) -> int:
    """Write the records of the database at *url* to *output*; return how many."""
    store = ArticleStore.from_url(url)
    store.open()
    try:
        if drain_spool:
            spool = Spool(spool_path or default_spool_path(store.backend.name))
            if spool.path.exists():
                drain(spool, store)
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


# What installs made before the entry point moved load (``newsarchive.commands.export_db:Command``).
# Defined in another module, so Scrapy's walk of COMMANDS_MODULE does not list it a second time.
from newsarchive.entry_points import ExportDbCommand as Command  # noqa: E402, F401
