"""``scrapy fixture <url> [--from-warc DIR] [--page aggregator|origin] -o FOLDER``: a page as a test fixture.

Fetches *url* through Scrapy's normal download path (the project's downloader
middlewares: retries, redirects, decompression, the host map), or, with
``--from-warc``, answers it from the archive's WARC files exactly as ``scrapy
replay`` does (:class:`newsarchive.replay.WarcReplayDownloadHandler`: the URL's
latest usable capture), and writes into FOLDER:

- ``page.html``: the body as received (bytes, after Content-Encoding);
- ``meta.json``: provenance: ``url`` (as asked), ``final_url``, ``fetched_at``
  (the WARC date of an archived capture), ``obtained`` (``live`` | ``archived``),
  ``http_status``, ``encoding`` (as Scrapy decoded it), ``warc_record_id``,
  ``page`` and ``page_class`` (the profile version of the capture's date,
  :mod:`newsarchive.pages.registry`), and ``reviewed_by``: ``null``;
- ``expected.proposed.json``: what the page object extracts today: a *proposal*.

Tests read only ``expected.json``: a person checks the proposal against the page
(or writes the values by hand), saves it as ``expected.json`` and puts their name
and how they checked into ``meta.json``'s ``reviewed_by``. A folder that already
holds files is refused unless ``--force`` (a reviewed expectation is never
overwritten: with ``--force`` only the page, meta and proposal are rewritten and
``reviewed_by`` goes back to ``null``). Nothing else is written: no WARC, state,
feed, database or run report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.commands.replay import replay_settings
from newsarchive.pages.registry import AGGREGATOR_PROFILES, aggregator_page_for, page_for
from newsarchive.urls import host_of

if TYPE_CHECKING:
    import argparse

    from scrapy.http import Response

logger = logging.getLogger(__name__)

PROPOSED = "expected.proposed.json"
#: The aggregator fields a fixture's expectation holds (as ``tests/test_page_aggregator.py`` reads them).
AGGREGATOR_FIELDS = ("url", "article_id", "kind", "lang", "title", "body", "author", "views", "comments",
                     "source_name", "source_url", "published_at_raw")


def default_page(url: str) -> str:
    """``aggregator`` for the aggregator's hosts, ``origin`` for any other."""
    host = host_of(url)
    return "aggregator" if any(host == h or host.endswith(f".{h}") for h in AGGREGATOR_PROFILES) else "origin"


def proposal(kind: str, url: str, body: bytes, encoding: str | None,
             fetched_at: str | None) -> tuple[str, dict[str, Any]]:
    """The page class used and its extraction of *body*, in the shape of the fixture tests' expectations."""
    if kind == "aggregator":
        agg_cls = aggregator_page_for(url, fetched_at)
        page = agg_cls(url=url, html=body, encoding=encoding)
        item = page.to_item()
        out: dict[str, Any] = {name: getattr(item, name) for name in AGGREGATOR_FIELDS}
        out["is_article"] = page.is_article()
        out["missing_fields"] = sorted(page.missing_fields())
        return f"{agg_cls.__module__}.{agg_cls.__qualname__}", out
    origin_cls = page_for(url, fetched_at)
    html = body.decode(encoding or "utf-8", errors="replace")
    origin = origin_cls(url=url, html=html).to_item()
    return f"{origin_cls.__module__}.{origin_cls.__qualname__}", asdict(origin)


def write_fixture(folder: Path, *, url: str, response_url: str, body: bytes, status: int, encoding: str | None,
                  fetched_at: str | None, obtained: str, kind: str, warc_record_id: str | None = None) -> Path:
    """Write page.html, meta.json (``reviewed_by: null``) and the proposed expectation into *folder*."""
    folder.mkdir(parents=True, exist_ok=True)
    page_class, proposed = proposal(kind, response_url, body, encoding, fetched_at)
    meta = {"url": url, "final_url": response_url, "fetched_at": fetched_at, "obtained": obtained,
            "http_status": status, "encoding": encoding, "warc_record_id": warc_record_id, "page": kind,
            "page_class": page_class, "reviewed_by": None,
            "note": "proposed expectation not reviewed: check expected.proposed.json against page.html, save it as "
                    "expected.json and name the reviewer in reviewed_by"}
    (folder / "page.html").write_bytes(body)
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / PROPOSED).write_text(json.dumps(proposed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


class FixtureSpider(scrapy.Spider):
    """Fetches one URL and writes it as a fixture (see the module docs)."""

    name = "fixture"

    def __init__(self, url: str, folder: str, page: str, obtained: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url, self.folder, self.page, self.obtained = url, Path(folder), page, obtained
        self.written: Path | None = None

    async def start(self) -> Any:
        yield scrapy.Request(self.url, callback=self.save, dont_filter=True,
                             meta={"handle_httpstatus_all": True})

    def save(self, response: Response) -> Iterator[Any]:
        fetched_at = response.meta.get("newsarchive_fetched_at") or datetime.now(UTC).isoformat(timespec="seconds")
        self.written = write_fixture(
            self.folder, url=self.url, response_url=response.url, body=response.body, status=response.status,
            encoding=getattr(response, "encoding", None), fetched_at=fetched_at, obtained=self.obtained,
            kind=self.page, warc_record_id=response.meta.get("warc_record_id"))
        logger.info("Fixture written: %(folder)s (HTTP %(status)d, %(obtained)s)",
                    {"folder": self.folder, "status": response.status, "obtained": self.obtained})
        yield from ()


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = True

    def syntax(self) -> str:
        return "<url> [--from-warc DIR] [--page aggregator|origin] -o FOLDER"

    def short_desc(self) -> str:
        return "Save a page (live or from the WARC archive) as a test fixture with a proposed expectation"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FOLDER", required=True, help="fixture folder to write")
        parser.add_argument("--from-warc", metavar="DIR", help="read the page from these WARC files (no network)")
        parser.add_argument("--page", choices=("aggregator", "origin"),
                            help="page object for the proposal (default: by host)")
        parser.add_argument("--force", action="store_true",
                            help="rewrite page, meta and proposal of a folder that already has them")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give one URL")
        folder = Path(opts.output)
        if folder.exists() and any(folder.iterdir()) and not opts.force:
            raise UsageError(f"{folder} is not empty (use --force to rewrite its page, meta and proposal)")
        assert self.settings is not None
        quiet: dict[str, Any] = {"ITEM_PIPELINES": {}, "EXTENSIONS": {}, "NEWSARCHIVE_WARC_ENABLED": False,
                                 "NEWSARCHIVE_INCREMENTAL": False, "FEEDS": {}}
        if opts.from_warc:
            quiet.update(replay_settings(opts.from_warc))
        for name, value in quiet.items():
            self.settings.set(name, value, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        url = args[0]
        page = opts.page or default_page(url)
        obtained = "archived" if opts.from_warc else "live"
        crawler = self.crawler_process.create_crawler(FixtureSpider)
        self.crawler_process.crawl(crawler, url=url, folder=opts.output, page=page, obtained=obtained)
        self.crawler_process.start()
        spider = crawler.spider
        if not isinstance(spider, FixtureSpider) or spider.written is None:
            logger.error("No fixture written: %(url)s was not fetched (see the log)", {"url": url})
            self.exitcode = 1
