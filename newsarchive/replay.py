"""Replay archived WARC files instead of the network.

``scrapy replay data/warc`` (or ``scrapy crawl icma -s NEWSARCHIVE_REPLAY_WARC=data/warc``)
runs the normal spider and pipelines, but every request is answered from the
``response`` records of the WARC files: improved extractors can re-process the
archive without touching the network. A URL that was never archived fails with
:class:`ReplayMissError` (counted as ``newsarchive/replay/miss``).

The handler replaces both HTTP handlers; the index (URL → file, offset) is
built once when the crawl starts, and each hit reads one record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive.warc import warc_paths

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ReplayMissError(Exception):
    """The requested URL has no response record in the replayed WARC files."""


@dataclass(frozen=True)
class RecordRef:
    path: Path
    offset: int
    record_id: str
    date: str


def build_index(paths: list[Path]) -> dict[str, RecordRef]:
    """URL → its latest response record."""
    index: dict[str, RecordRef] = {}
    for path in paths:
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    if url:
                        index[url] = RecordRef(
                            path, records.get_record_offset(),
                            record.rec_headers.get_header("WARC-Record-ID") or "",
                            record.rec_headers.get_header("WARC-Date") or "",
                        )
    return index


def read_response(ref: RecordRef, request: Request) -> Response:
    with ref.path.open("rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh)))
        http = record.http_headers
        status = int(http.get_statuscode()) if http is not None else 200
        headers = Headers([(k, v) for k, v in http.headers] if http is not None else [])
        body = record.raw_stream.read()
    # The WARC keeps the body as received (still Content-Encoded); HttpCompressionMiddleware
    # decodes it as on a live crawl. Transfer-Encoding was already undone by the client.
    headers.pop(b"Transfer-Encoding", None)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=headers, body=body, request=request,
               flags=["replayed"])


class WarcReplayDownloadHandler:
    """A download handler that answers from WARC files (``NEWSARCHIVE_REPLAY_WARC``)."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        source = crawler.settings.get("NEWSARCHIVE_REPLAY_WARC")
        if not source:
            raise ValueError("WarcReplayDownloadHandler needs NEWSARCHIVE_REPLAY_WARC (a WARC file or folder)")
        files = warc_paths(source)
        if not files:
            raise FileNotFoundError(f"no .warc/.warc.gz files under {source}")
        self.index = build_index(files)
        crawler.stats.set_value("newsarchive/replay/files", len(files))
        crawler.stats.set_value("newsarchive/replay/indexed", len(self.index))
        logger.info("Replaying %(n)d responses from %(files)d WARC files", {"n": len(self.index), "files": len(files)})

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        ref = self.index.get(request.url)
        if ref is None:
            self.crawler.stats.inc_value("newsarchive/replay/miss")
            raise ReplayMissError(f"not in the replayed WARC files: {request.url}")
        self.crawler.stats.inc_value("newsarchive/replay/hit")
        # The archived capture's identity and time, so replayed records match the originals.
        request.meta["warc_record_id"] = ref.record_id
        request.meta["newsarchive_fetched_at"] = ref.date
        return read_response(ref, request)

    async def close(self) -> None:
        pass
