"""``scrapy parse``: Scrapy's command, writing nothing into the archive (:mod:`newsarchive.commands.readonly`)."""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyCommand

from newsarchive.commands.readonly import ReadOnlyCommand


class Command(ReadOnlyCommand, ScrapyCommand):
    pass
