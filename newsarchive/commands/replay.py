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
A setting given with ``-s`` wins over these defaults. ``-O``, ``-a`` and ``-s``
work as for ``scrapy crawl``; the exit status follows the run monitors like
``scrapy crawl``.
A source that does not exist or holds no WARC file exits 2 with one line, before
anything runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from newsarchive.commands.crawl import Command as CrawlCommand
from newsarchive.commands.inputs import check_warc_source

if TYPE_CHECKING:
    import argparse

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

    def command_name(self) -> str:
        return "replay"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one WARC file or folder")
        super().process_options(args, opts)

    def command_settings(self, args: list[str]) -> dict[str, Any]:
        return replay_settings(args[0])

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
        super().run([opts.spider], opts)
