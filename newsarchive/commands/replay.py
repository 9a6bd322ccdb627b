"""``scrapy replay <warc file or folder>``: re-process the archive without the network.

Runs a spider (``--spider``, default ``icma``) with every download answered from
the ``response`` records of the WARC files
(:class:`newsarchive.replay.WarcReplayDownloadHandler`), so improved extractors
and normalisers can rebuild the JSON lines and the database from what was
archived. No new WARC records are written, the incremental state is not used
(everything archived is re-processed) and politeness delays are off (nothing
is fetched). ``-O``, ``-a`` and ``-s`` work as for ``scrapy crawl``; the exit
status follows the run monitors like ``scrapy crawl``; a source that does not exist
or holds no WARC file exits 2 with one line, before anything runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from newsarchive.commands.crawl import Command as CrawlCommand
from newsarchive.commands.inputs import check_warc_source

if TYPE_CHECKING:
    import argparse

REPLAY_HANDLER = "newsarchive.replay.WarcReplayDownloadHandler"


class Command(CrawlCommand):
    def syntax(self) -> str:
        return "[options] <warc file or folder>"

    def short_desc(self) -> str:
        return "Re-run extraction and the pipelines over archived WARC responses (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--spider", default="icma", help="spider to replay (default: icma)")

    def command_name(self) -> str:
        return "replay"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one WARC file or folder")
        super().process_options(args, opts)

    def command_settings(self, args: list[str]) -> dict[str, Any]:
        return {
            "NEWSARCHIVE_REPLAY_WARC": args[0],
            "DOWNLOAD_HANDLERS": {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER},
            "NEWSARCHIVE_WARC_ENABLED": False,
            "NEWSARCHIVE_INCREMENTAL": False,
            "NEWSARCHIVE_HOST_MAP": {},
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "RETRY_ENABLED": False,
        }

    def spider_name(self, args: list[str], opts: argparse.Namespace) -> str | None:
        return str(opts.spider)

    def check_input(self, args: list[str], opts: argparse.Namespace) -> None:
        check_warc_source(args[0])
        super().check_input(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run([opts.spider], opts)
