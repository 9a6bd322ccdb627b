"""Debugging commands write nothing into the archive.

``scrapy shell``, ``fetch``, ``view``, ``parse`` and ``check`` build a crawler with
the project's settings, so without this they would write WARC records, database
rows, incremental state, a feed file and a run report for a page someone only
wanted to look at. The project's versions of those commands (same names in
``newsarchive.commands``, which Scrapy prefers over its own) switch these off
before the crawler exists. A value given with ``-s`` on the command line still wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.settings import SETTINGS_PRIORITIES

from newsarchive import datadir, secrets

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import Settings

#: What a debugging command must not write: WARC, database (and spool), state, drift baselines, feed, run report.
READ_ONLY_SETTINGS: dict[str, Any] = {
    "NEWSARCHIVE_WARC_ENABLED": False,
    "NEWSARCHIVE_DATABASE_ENABLED": False,
    "NEWSARCHIVE_INCREMENTAL": False,
    "NEWSARCHIVE_REPORT_ENABLED": False,
    "NEWSARCHIVE_DRIFT_ENABLED": False,  # its baselines live in the state file
    "FEEDS": {},
}


def make_read_only(settings: Settings) -> None:
    """Apply :data:`READ_ONLY_SETTINGS`, except where ``-s`` set a value."""
    for name, value in READ_ONLY_SETTINGS.items():
        if (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
            settings.set(name, value, priority="cmdline")


class ReadOnlyCommand:
    """Mixin for a Scrapy command class: the run writes nothing into the archive."""

    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        secrets.install(self.settings)
        datadir.resolve(self.settings)
        make_read_only(self.settings)
