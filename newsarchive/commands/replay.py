"""``scrapy replay <warc file or folder>``: re-process the archive without the network.

Runs a spider (``--spider``, default ``icma``) with every download answered from
the WARC files of any number of runs
(:class:`newsarchive.replay.WarcReplayDownloadHandler`: each URL's latest usable
capture, a revisit resolved to the capture it confirms), so improved extractors
and normalisers can rebuild the JSON lines and the database from what was
archived. No new WARC records are written, the incremental state is not used
(everything archived is re-processed) and nothing live decides what resolves:
politeness delays, retries, ``DEPTH_LIMIT`` and the per-site cap
``NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN`` are off, so a citation the runs
never followed comes back as they left it (``not_attempted``), and one that
failed live fails again (its recorded error).

Outputs go to a new data folder, ``--output-dir`` (default
``<NEWSARCHIVE_DATA_DIR>/replay-<UTC time>``): its own database
(``newsarchive.sqlite3``), spool, run reports and feed. The live database is
written only with ``--into-live-database`` (then through the normal upsert, with
the live spool and the feed in ``NEWSARCHIVE_DATA_DIR`` as a crawl writes them;
only the run report goes to ``--output-dir``).
``--workers N`` divides the replay over N processes (:func:`run_workers`): the command reads the
WARC files once (no HTML parsed), deals every archived aggregator article to one worker
(:func:`newsarchive.replay.split_shares`) and writes each worker's share file; each worker runs
the same command with ``NEWSARCHIVE_REPLAY_SHARE=<file>``, requests only its articles (with their
citations), walks no list and reads no other worker's article
(:class:`newsarchive.replay.ReplayShardMiddleware`). Into a new, empty SQLite database the first
worker writes directly and each other worker writes its own, which the command then merges into it
(:func:`merge_databases`); into a database that holds
articles already (``--into-live-database``, PostgreSQL) all write into it through the upsert (the
schema is migrated once before they start). Each writes its JSON lines to
``<output-dir>/workers/<k>/`` and the command joins them into the one feed a single replay would
write (``-O``/``-o`` or the data folder's preset; JSON lines only). Run reports go to
``<runs dir>/worker-<k>/``, spools to ``<output-dir>/workers/<k>/spool.jsonl``, each worker's exit
status and CPU and wall seconds to ``<output-dir>/workers/workers.json``. ``-a since`` and
``-a max_articles`` (which depend on the lists) need one process.
A setting given with ``-s`` wins over these defaults. ``-O``, ``-a`` and ``-s``
work as for ``scrapy crawl``; the exit status follows the run monitors like
``scrapy crawl``.
A source that does not exist or holds no WARC file exits 2 with one line, before
anything runs.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from newsarchive.archive.db import ArticleStore, StoreError
from newsarchive.archive.search import SQLITE_INDEX_COPY
from newsarchive.archive.warc import warc_paths
from newsarchive.commands.crawl import Command as CrawlCommand
from newsarchive.commands.inputs import check_warc_source
from newsarchive.discovery import is_article_url
from newsarchive.replay import ReplayIndex, index_processes, split_shares

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)

REPLAY_HANDLER = "newsarchive.replay.WarcReplayDownloadHandler"
#: Per-site cap during a replay: none (what the runs fetched decides, not a live budget).
NO_CAP = 2**31 - 1


def replay_settings(warc: str) -> dict[str, Any]:
    """Settings every replay runs with (nothing fetched, nothing live decides)."""
    return {
        "NEWSARCHIVE_REPLAY_WARC": warc,
        "DOWNLOAD_HANDLERS": {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER},
        "NEWSARCHIVE_WARC_ENABLED": False,
        "NEWSARCHIVE_INCREMENTAL": False,
        "NEWSARCHIVE_HOST_MAP": {},
        "NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": NO_CAP,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "DEPTH_LIMIT": 0,
        "RETRY_ENABLED": False,
    }


def output_settings(out_dir: Path, *, into_live_database: bool) -> dict[str, Any]:
    """Settings that put a replay's outputs into *out_dir*."""
    settings: dict[str, Any] = {
        "NEWSARCHIVE_RUNS_DIR": str(out_dir / "runs"),
        "NEWSARCHIVE_STATE_PATH": str(out_dir / "state.sqlite3"),
    }
    if not into_live_database:
        # the data folder moves too (feed); with the live database it stays, so its default spool is the live one
        settings["NEWSARCHIVE_DATA_DIR"] = str(out_dir)
        settings["NEWSARCHIVE_DATABASE_URL"] = f"sqlite:///{out_dir / 'newsarchive.sqlite3'}"
        settings["NEWSARCHIVE_DATABASE_SPOOL"] = str(out_dir / "spool" / "newsarchive.jsonl")
    return settings


SHARD_MIDDLEWARE = "newsarchive.replay.ReplayShardMiddleware"
#: Spider-side of the record guards (950): a re-routed article request passes every other filter as itself.
SHARD_MIDDLEWARE_ORDER = 960
JSON_LINES = ("jsonlines", "jl", "jsonl")


def feed_targets(feeds: dict[str, Any], *, data_dir: str, spider: str, stamp: str) -> dict[str, dict[str, Any]]:
    """The feed files a single replay would write (URI parameters filled), with their options."""
    targets: dict[str, dict[str, Any]] = {}
    for uri, options in feeds.items():
        options = dict(options or {})
        if options.get("format") not in JSON_LINES:
            raise UsageError(f"--workers joins JSON-lines feeds only, not {options.get('format')!r} ({uri})")
        try:
            path = uri % {"data_dir": data_dir, "name": spider, "time": stamp}
        except (KeyError, ValueError) as exc:
            raise UsageError(f"--workers cannot fill the feed URI {uri!r}: {exc}") from exc
        targets[path.removeprefix("file://")] = options
    return targets


def write_shares(warc: str, count: int, is_article: Callable[[str], bool], folder: Path,
                 processes: int = 1) -> list[Path]:
    """Read the WARC files once (no HTML parsed; in *processes* processes) and write one share file per
    worker into ``folder/<k>/``."""
    index = ReplayIndex.build(warc_paths(warc), processes=processes)
    for path in index.rebuilt:
        logger.warning("Replay: rewrote the CDXJ index of %(path)s (missing, unsorted or incomplete)", {"path": path})
    paths: list[Path] = []
    for share in split_shares(index, is_article, count):
        path = folder / str(share.shard) / "share.pickle"
        path.parent.mkdir(parents=True, exist_ok=True)
        share.write(path)
        paths.append(path)
    logger.info("Replay: %(urls)d URLs from %(files)d WARC files, %(articles)d articles over %(n)d workers",
                {"urls": len(index), "files": index.files, "n": count,
                 "articles": sum(1 for url in index.by_url if is_article(url))})
    return paths


def copied_tables(conn: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    """The archive tables a merge copies, in creation order (parents first), with the columns to copy.

    Left out: SQLite's own tables, ``schema_version``, virtual tables (the search index) and
    their shadow tables, and tables that triggers fill (the index's keys): the merge copies the
    search index with its own statements. An ``INTEGER PRIMARY KEY`` (a row id) is not copied:
    the merged database numbers its rows itself.
    """
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') "
                        "ORDER BY rowid").fetchall()
    virtual = [name for kind, name, sql in rows if kind == "table" and (sql or "").upper().startswith(
        "CREATE VIRTUAL TABLE")]
    triggers = " ".join((sql or "").upper() for kind, _, sql in rows if kind == "trigger")
    tables: list[tuple[str, list[str]]] = []
    for kind, name, _ in rows:
        if kind != "table" or name.startswith("sqlite_") or name == "schema_version" \
                or any(name == v or name.startswith(v + "_") for v in virtual) \
                or f"INSERT INTO {name.upper()} " in triggers:
            continue
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({name})")
                   if not (c[5] and str(c[2]).upper() == "INTEGER")]
        tables.append((name, columns))
    return tables


def merge_databases(url: str, parts: list[Path]) -> None:
    """Copy every row of the workers' own SQLite databases into the fresh replay database at *url*.

    Each part is copied in one transaction. Rows keep the values the workers' pipelines wrote
    (the same upsert as a single replay's, into an empty database each); a row two workers both
    wrote (not expected: each article, and so its origin and history, belongs to one worker)
    fails the merge instead of being chosen silently. The search index is copied as the
    workers' triggers folded it (:data:`~newsarchive.archive.search.SQLITE_INDEX_COPY`), with
    the triggers dropped for the transaction and created again before it commits: folding
    every text again was most of a merge's time.
    """
    store = ArticleStore.from_url(url)
    store.open()
    try:
        conn = store.conn
        assert isinstance(conn, sqlite3.Connection)
        tables = copied_tables(conn)
        triggers = conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' "
                                "ORDER BY rowid").fetchall()
        for part in parts:
            conn.execute("ATTACH DATABASE ? AS part", (str(part),))
            try:
                conn.execute("BEGIN IMMEDIATE")
                for name, _ in triggers:
                    conn.execute(f'DROP TRIGGER main."{name}"')
                for table, columns in tables:
                    have = {c[1] for c in conn.execute(f"PRAGMA part.table_info({table})")}
                    names = ", ".join(c for c in columns if c in have)
                    conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM part.{table} "
                                 "ORDER BY rowid")
                for statement in SQLITE_INDEX_COPY:
                    conn.execute(statement)
                for _, sql in triggers:
                    conn.execute(sql)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.execute("DETACH DATABASE part")
    finally:
        store.close()


def wait_all(procs: list[subprocess.Popen[bytes]], started: float) -> list[dict[str, Any]]:
    """Wait for every worker; each one's exit status, CPU seconds (user + system) and wall seconds."""
    results: dict[int, dict[str, Any]] = {}
    by_pid = {proc.pid: k for k, proc in enumerate(procs)}
    while len(results) < len(procs):
        pid, status, usage = os.wait4(-1, 0)
        if pid not in by_pid:
            continue
        k = by_pid[pid]
        code = os.waitstatus_to_exitcode(status)
        procs[k].returncode = code  # reaped here: Popen must not wait for it again
        results[k] = {"worker": k, "exit": code, "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                      "wall_seconds": round(time.monotonic() - started, 2)}
    return [results[k] for k in range(len(procs))]


def run_workers(warc: str, opts: argparse.Namespace, settings: Any, out_dir: Path,
                is_article: Callable[[str], bool]) -> int:
    """Run the replay as ``opts.workers`` worker processes, then join their feeds; the exit status (0 or 1)."""
    count = opts.workers
    started = time.monotonic()
    database = settings.get("NEWSARCHIVE_DATABASE_URL") if settings.getbool("NEWSARCHIVE_DATABASE_ENABLED") else None
    merge = False
    if database:
        store = ArticleStore.from_url(database)
        try:
            store.open()  # migrate once, before the workers race for it
            # a new, empty SQLite database: the first worker writes it, the others their own, merged into it at
            # the end (no write lock to share)
            merge = not opts.into_live_database and isinstance(store.conn, sqlite3.Connection) \
                and store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        except StoreError as exc:
            logger.error("Replay: cannot open the database: %(error)s", {"error": exc})
            return 1
        finally:
            store.close()
    data_dir = str(settings.get("NEWSARCHIVE_DATA_DIR") or "data").rstrip("/")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace(":", "-")
    targets = feed_targets(settings.getdict("FEEDS"), data_dir=data_dir, spider=opts.spider, stamp=stamp)
    runs_dir = Path(settings.get("NEWSARCHIVE_RUNS_DIR") or out_dir / "runs")
    shares = write_shares(warc, count, is_article, out_dir / "workers", index_processes(settings))
    prepared = time.monotonic() - started
    procs: list[subprocess.Popen[bytes]] = []
    parts: list[dict[str, Path]] = []
    try:
        for k in range(count):
            folder = out_dir / "workers" / str(k)
            feeds = {target: folder / f"feed-{i}.jsonl{'.gz' if target.endswith('.gz') else ''}"
                     for i, target in enumerate(targets)}
            child_feeds = {str(path): {**{n: v for n, v in targets[target].items() if n != "uri_params"},
                                       "overwrite": True} for target, path in feeds.items()}
            cmd = [sys.executable, "-m", "scrapy", "replay", warc, "--spider", opts.spider,
                   "--output-dir", str(out_dir)]
            if opts.into_live_database:
                cmd.append("--into-live-database")
            for name, value in (opts.spargs or {}).items():
                cmd += ["-a", f"{name}={value}"]
            if opts.loglevel:
                cmd += ["-L", opts.loglevel]
            if opts.nolog:
                cmd.append("--nolog")
            for item in opts.set or []:
                cmd += ["-s", item]
            for name, value in {
                "NEWSARCHIVE_REPLAY_SHARE": str(shares[k]),
                "NEWSARCHIVE_EXTRACT_WORKERS": "0",  # the workers are the parallelism: no pool inside each
                "FEEDS": json.dumps(child_feeds),
                "NEWSARCHIVE_RUNS_DIR": str(runs_dir / f"worker-{k}"),
                "NEWSARCHIVE_STATE_PATH": str(folder / "state.sqlite3"),
                "NEWSARCHIVE_DATABASE_SPOOL": str(folder / "spool.jsonl"),
                # the first worker writes the new database itself: the merge copies only the others'
                **({"NEWSARCHIVE_DATABASE_URL": f"sqlite:///{(folder / 'newsarchive.sqlite3').resolve()}"
                    if k else database} if merge else {}),
            }.items():
                cmd += ["-s", f"{name}={value}"]
            # a session of its own: with autogroup scheduling each worker gets its own CPU share
            procs.append(subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True))
            parts.append(feeds)
        results = wait_all(procs, started)
    finally:
        for proc in procs:  # interrupted: the workers are not in our session, so stop them here
            if proc.returncode is None:
                proc.terminate()
                proc.wait()
    codes = [result["exit"] for result in results]
    for result in results:
        logger.info("Replay worker %(worker)d: exit %(exit)d, %(cpu_seconds).1f CPU s, %(wall_seconds).1f s", result)
    merged = time.monotonic()
    if merge and database and not any(codes):
        try:
            merge_databases(database, [out_dir / "workers" / str(k) / "newsarchive.sqlite3" for k in range(1, count)])
        except (sqlite3.Error, StoreError) as exc:
            logger.error("Replay: merging the workers' databases into %(url)s failed: %(error)s",
                         {"url": database, "error": exc})
            codes.append(1)
    merged = time.monotonic() - merged
    usage = resource.getrusage(resource.RUSAGE_SELF)
    (out_dir / "workers" / "workers.json").write_text(json.dumps({
        "workers": results, "prepare_seconds": round(prepared, 2), "merged": merge,
        "merge_seconds": round(merged, 2),
        "parent_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}, indent=1) + "\n", encoding="utf-8")
    for target, options in targets.items():
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with Path(target).open("wb" if options.get("overwrite") else "ab") as out:
            for feeds in parts:
                if feeds[target].exists():
                    out.write(feeds[target].read_bytes())  # gzip members concatenate into one valid file
    for k in range(count):
        spool = out_dir / "workers" / str(k) / "spool.jsonl"
        if spool.exists() and spool.stat().st_size:
            logger.error("Replay worker %(k)d spooled records it could not write: %(spool)s",
                         {"k": k, "spool": spool})
            codes.append(1)
    failed = [k for k, code in enumerate(codes[:count]) if code]
    if failed:
        logger.error("Exit status 1: replay worker(s) %(workers)s failed", {"workers": failed})
    return 1 if any(codes) else 0


class Command(CrawlCommand):
    def syntax(self) -> str:
        return "[options] <warc file or folder>"

    def short_desc(self) -> str:
        return "Re-run extraction and the pipelines over archived WARC files of any number of runs (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--spider", default="icma", help="spider to replay (default: icma)")
        parser.add_argument("--output-dir", metavar="DIR",
                            help="data folder for the replay's database, feed and run reports "
                                 "(default: <NEWSARCHIVE_DATA_DIR>/replay-<UTC time>)")
        parser.add_argument("--into-live-database", action="store_true",
                            help="write into NEWSARCHIVE_DATABASE_URL (the live database) instead of a new one")
        parser.add_argument("--workers", type=int, default=1, metavar="N",
                            help="shard the articles over N processes (default: 1); one feed, one database")

    def command_name(self) -> str:
        return "replay"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one WARC file or folder")
        if opts.workers < 1:
            raise UsageError("--workers must be at least 1")
        super().process_options(args, opts)
        if opts.workers > 1:
            limits = sorted(name for name in ("since", "max_articles") if (opts.spargs or {}).get(name))
            if limits:
                # they depend on the lists' dates and order, which the workers do not read
                raise UsageError(f"--workers replays every archived article; -a {', '.join(limits)} "
                                 "needs a single process")

    def article_test(self, opts: argparse.Namespace) -> Callable[[str], bool]:
        """Which URLs are the spider's articles (what the workers share out)."""
        assert self.crawler_process is not None
        spidercls = self.crawler_process.spider_loader.load(opts.spider)
        hosts = getattr(spidercls, "aggregator_hosts", None)
        if not hosts or not hasattr(spidercls, "_article_request"):
            raise UsageError(f"--workers shares out aggregator articles; the {opts.spider!r} spider has none")
        return lambda url: is_article_url(url, hosts)

    def command_settings(self, args: list[str]) -> dict[str, Any]:
        settings = replay_settings(args[0])
        assert self.settings is not None
        if self.settings.get("NEWSARCHIVE_REPLAY_SHARE"):  # one worker of a sharded replay
            middlewares = dict(self.settings.getdict("SPIDER_MIDDLEWARES"))
            middlewares[SHARD_MIDDLEWARE] = SHARD_MIDDLEWARE_ORDER
            settings["SPIDER_MIDDLEWARES"] = middlewares
        return settings

    def command_defaults(self, args: list[str], opts: argparse.Namespace) -> dict[str, Any]:
        assert self.settings is not None
        data_dir = str(self.settings.get("NEWSARCHIVE_DATA_DIR") or "data").rstrip("/")
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")
        self.output_dir = Path(opts.output_dir or f"{data_dir}/replay-{stamp}")
        return output_settings(self.output_dir, into_live_database=opts.into_live_database)

    def spider_name(self, args: list[str], opts: argparse.Namespace) -> str | None:
        return str(opts.spider)

    def check_input(self, args: list[str], opts: argparse.Namespace) -> None:
        check_warc_source(args[0])
        super().check_input(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        if opts.workers > 1:
            assert self.settings is not None
            self.exitcode = run_workers(args[0], opts, self.settings, self.output_dir, self.article_test(opts))
            return
        super().run([opts.spider], opts)
