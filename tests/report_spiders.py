"""A spider for the run-report tests: yields hand-made articles from ``start()``, no network.

``-a items=N`` articles, the first ``-a no_body=K`` without a body,
``-a new=X -a updated=Y`` set the database stats, ``-a secret_url=…`` puts a
URL into the stats (redaction test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from newsarchive.items import Article


class ReportFixtureSpider(scrapy.Spider):
    name = "report_fixture"

    def __init__(self, items: str = "5", no_body: str = "0", new: str = "0", updated: str = "0",
                 secret_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items = int(items)
        self.no_body = int(no_body)
        self.new = int(new)
        self.updated = int(updated)
        self.secret_url = secret_url

    async def start(self) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("newsarchive/db/new", self.new)
        stats.set_value("newsarchive/db/updated", self.updated)
        if self.secret_url:
            stats.set_value("newsarchive/test/url", self.secret_url)
        for number in range(self.items):
            yield Article(
                url=f"https://icma.az/news/report-fixture-{number}",
                kind="news",
                lang="az",
                title=f"Xəbər {number}",
                body=None if number < self.no_body else f"Mətn {number}.",
                published_at="2025-01-02T03:04:05+04:00",
                source_name="Report.az",
            )
