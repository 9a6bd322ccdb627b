"""``scrapy replay <warc file or folder>``: re-process the archive without the network.

Runs a spider (``--spider``, default ``icma``) with every download answered from
the ``response`` records of the WARC files
(:class:`newsarchive.replay.WarcReplayDownloadHandler`), so improved extractors
and normalisers can rebuild the JSON lines and the database from what was
archived. No new WARC records are written, the incremental state is not used
(everything archived is re-processed) and politeness delays are off (nothing
is fetched). ``-O``, ``-a`` and ``-s`` work as for ``scrapy crawl``; the exit
status follows the run monitors like ``scrapy crawl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError

from newsarchive.commands.crawl import Command as CrawlCommand

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

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give one WARC file or folder")
        assert self.settings is not None
        for name, value in {
            "NEWSARCHIVE_REPLAY_WARC": args[0],
            "DOWNLOAD_HANDLERS": {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER},
            "NEWSARCHIVE_WARC_ENABLED": False,
            "NEWSARCHIVE_INCREMENTAL": False,
            "NEWSARCHIVE_HOST_MAP": {},
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "RETRY_ENABLED": False,
        }.items():
            self.settings.set(name, value, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run([opts.spider], opts)
