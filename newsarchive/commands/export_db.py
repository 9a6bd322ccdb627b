"""``scrapy export-db [--since DATE] [--published-since DATE] [--history] -O FILE``: the database as JSON lines.

By default one record a line, the archived (latest) state of every article, in
the shape of the crawl's own feed (``items.Article`` field order, ``origin``
nested), UTF-8, so the output validates against ``schema/article.schema.json``.
With ``--history``, the history instead: one event a line, article by article in
time order, each with a ``type``: ``observation`` (one capture: counters, hash,
WARC record), ``revision`` (a new content, with ``previous_hash`` and a unified
``diff`` of title and body against the previous revision) and ``origin_attempt``.

Filters (dates, ``YYYY-MM-DD``): ``--since`` is **crawl time**: articles captured
on or after that day (UTC; ``last_seen_at``), or with ``--history`` the events
captured since then. ``--published-since`` is **publication time**: articles the
aggregator published on or after that day (Baku time; ``published_at``). Records
waiting in the spool are written into the database first (``--no-drain`` to
skip), so the export is complete. The database is ``NEWSARCHIVE_DATABASE_URL``
unless ``--database`` names another. A database that
does not exist (an SQLite file) is never created: the command exits 2 with one
line, as for any bad input (:mod:`newsarchive.commands.inputs`).

The command class is :class:`newsarchive.entry_points.ExportDbCommand`, installed as
the ``scrapy.commands`` entry point ``export-db``: a command class defined in this
module would also be listed as ``export_db`` (Scrapy names the commands of
``COMMANDS_MODULE`` after their module).
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scrapy.exceptions import UsageError

from newsarchive.archive.db import ArticleStore
from newsarchive.archive.spool import (
    DEFAULT_MAX_ATTEMPTS,
    DeadLetters,
    Spool,
    default_dead_letter_path,
    default_spool_path,
    drain,
    spool_name,
)

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/newsarchive.sqlite3"


def parse_since(value: str | None, option: str = "--since") -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise UsageError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from exc


def export(url: str, output: str, *, since: str | None = None, drain_spool: bool = True,
           spool_path: str | Path | None = None, published_since: str | None = None, history: bool = False,
           dead_letter_path: str | Path | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """Write the records (or, with *history*, the history events) of the database at *url* to *output*;
    return how many."""
    store = ArticleStore.from_url(url)
    store.open()
    try:
        if drain_spool:
            spool = Spool(spool_path or default_spool_path(spool_name(url)))
            if spool.path.exists():
                dead = DeadLetters(dead_letter_path or default_dead_letter_path(spool_name(url)), store.display_url)
                drain(spool, store, max_attempts=max_attempts, dead_letters=dead)

        def write(fh: TextIO) -> int:
            if history:
                return write_history(store, fh, since)
            return write_records(store, fh, since, published_since)

        if output == "-":
            return write(sys.stdout)
        path = Path(output)
        tmp = path.with_name(path.name + ".part")  # a failed export never leaves a truncated file
        with tmp.open("w", encoding="utf-8") as fh:
            count = write(fh)
        os.replace(tmp, path)
        return count
    finally:
        store.close()


def write_records(store: ArticleStore, fh: TextIO, since: str | None, published_since: str | None = None) -> int:
    count = 0
    for record in store.iter_articles(since=since, published_since=published_since):
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_history(store: ArticleStore, fh: TextIO, since: str | None) -> int:
    """The history events, revisions with a ``diff`` against the article's previous revision."""
    count = 0
    texts: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for event in store.iter_history(since=since):
        if event["type"] == "revision":
            key = (event["article_url"], event["content_hash"] or "")
            texts[key] = (event["title"], event["body"])
            previous = texts.get((event["article_url"], event["previous_hash"] or ""))
            if previous is None and event["previous_hash"]:
                previous = revision_text(store, event["article_url"], event["previous_hash"])
            event["diff"] = text_diff(previous, (event["title"], event["body"])) if event["previous_hash"] else None
        fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        count += 1
    return count


def revision_text(store: ArticleStore, url: str, content_hash: str) -> tuple[str | None, str | None] | None:
    for revision in store.revisions(url):
        if revision["content_hash"] == content_hash:
            return revision["title"], revision["body"]
    return None


def text_diff(before: tuple[str | None, str | None] | None, after: tuple[str | None, str | None]) -> str:
    """A unified diff of title and body (one paragraph a line)."""
    def lines(pair: tuple[str | None, str | None] | None) -> list[str]:
        if pair is None:
            return []
        title, body = pair
        return [title or "", "", *(body or "").split("\n\n")]

    old: list[Any] = lines(before)
    return "\n".join(difflib.unified_diff(old, lines(after), "previous", "revision", lineterm=""))


from newsarchive.entry_points import ExportDbCommand as Command  # noqa: E402, F401
