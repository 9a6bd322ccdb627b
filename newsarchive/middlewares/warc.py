"""Record every HTTP exchange of a crawl into WARC files.

``WarcCaptureMiddleware`` is a downloader middleware placed at ~950 in
``DOWNLOADER_MIDDLEWARES``: below ``HttpCompressionMiddleware`` (590) and
``RedirectMiddleware`` (600), so it sees every redirect hop and retry, and the
body as received (still ``Content-Encoding``-ed). For each exchange it writes a
``response`` record and a ``request`` record (linked both ways by
``WARC-Concurrent-To``) with ``WARC-Target-URI`` = ``request.url``: the real
``https://…`` URL even when ``NEWSARCHIVE_HOST_MAP`` downloads it from a local
server. The response record's id is put in ``request.meta["warc_record_id"]``
(``response.meta`` is the same dict), so a spider can copy it into the item.

A ``304 Not Modified`` becomes a ``revisit`` record (profile server-not-modified)
naming the capture it confirms: the URL's latest 2xx capture in the CDXJ indexes
under ``NEWSARCHIVE_WARC_DIR`` (read once, at the first 304; only indexes written
in the last ``NEWSARCHIVE_REVISIT_DAYS`` + 1 days, since conditional requests go
only to articles that young, so memory does not grow with the archive). A 200
whose payload equals an earlier capture's stays a full ``response`` record (see
the README).

What is recorded is Scrapy's *parsed* response rebuilt as HTTP (protocol,
status, reason phrase, headers, body), not the bytes on the wire: the body is
de-chunked, so ``Transfer-Encoding`` is renamed
``X-Archive-Orig-Transfer-Encoding``. Responses that did not come from the
network (``"cached"``: HTTP cache; ``"replayed"``: WARC replay) are not
recorded again (``newsarchive/warc/skipped``). A request that got no response
(DNS failure, refused connection, timeout, blocked by the network policy)
leaves a ``metadata`` record with the error and counts in
``newsarchive/warc/failed_requests``.

Settings: ``NEWSARCHIVE_WARC_ENABLED``, ``NEWSARCHIVE_WARC_DIR``,
``NEWSARCHIVE_WARC_MAX_SIZE`` (bytes per file before rotation),
``NEWSARCHIVE_WARC_PREFIX`` (file name prefix; empty: the spider name).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsarchive.archive.warc import (
    Capture,
    RotatingWarcWriter,
    WrittenRecord,
    complete_capture,
    default_prefix,
    latest_captures,
    warc_date,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Settings written into every ``warcinfo`` record (never secrets).
INFO_SETTINGS = (
    "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "REDIRECT_MAX_TIMES", "RETRY_HTTP_CODES", "RETRY_TIMES",
    "ROBOTSTXT_OBEY", "NEWSARCHIVE_HOST_MAP", "NEWSARCHIVE_REFERENCE_TIME", "NEWSARCHIVE_SOURCE_DOMAINS_ALLOW",
    "NEWSARCHIVE_SOURCE_DOMAINS_DENY",
)
NOT_FROM_NETWORK = ("cached", "replayed")

STAT_RECORDS = "newsarchive/warc/records"
STAT_BYTES = "newsarchive/warc/bytes"
STAT_FILES = "newsarchive/warc/files"
STAT_FAILED = "newsarchive/warc/failed_requests"
STAT_SKIPPED = "newsarchive/warc/skipped"
STAT_ERRORS = "newsarchive/warc/errors"
STAT_REVISITS = "newsarchive/warc/revisits"
STAT_REVISITS_UNKNOWN = "newsarchive/warc/revisits_unknown_original"


class WarcCaptureMiddleware:
    """Write request/response pairs into rotated WARC files (see the module docs)."""

    def __init__(self, directory: str, max_size: int, prefix: str, warcinfo: dict[str, str],
                 stats: StatsCollector | None = None, lookback_days: float | None = None) -> None:
        self.directory = directory
        self.max_size = max_size
        self.prefix = prefix
        self.warcinfo = warcinfo
        self.stats = stats
        self.writer: RotatingWarcWriter | None = None
        self._started: WeakKeyDictionary[Request, datetime] = WeakKeyDictionary()
        self.lookback_days = lookback_days
        self._earlier: dict[str, Capture] | None = None  # from the indexes, read at the first 304

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_WARC_ENABLED"):
            raise NotConfigured("NEWSARCHIVE_WARC_ENABLED is off")
        spider_name = getattr(crawler.spidercls, "name", None)
        prefix = settings.get("NEWSARCHIVE_WARC_PREFIX") or default_prefix(spider_name)
        mw = cls(
            directory=settings.get("NEWSARCHIVE_WARC_DIR") or "data/warc",
            max_size=settings.getint("NEWSARCHIVE_WARC_MAX_SIZE"),
            prefix=prefix,
            warcinfo=crawl_warcinfo(settings, spider_name),
            stats=crawler.stats,
            lookback_days=settings.getfloat("NEWSARCHIVE_REVISIT_DAYS") + 1,
        )
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # -- downloader middleware -------------------------------------------------

    def process_request(self, request: Request) -> None:
        self._started[request] = datetime.now(UTC)

    def process_response(self, request: Request, response: Response) -> Response:
        started = self._started.pop(request, None)
        if started is None or any(flag in response.flags for flag in NOT_FROM_NETWORK):
            self._inc(STAT_SKIPPED)
            return response
        received = datetime.now(UTC)
        try:
            if response.status == 304:
                placed = self._write_not_modified(request, response, started, received)
            else:
                placed = self._writer().write_exchange(
                    url=request.url,
                    method=request.method,
                    request_headers=request_headers(request),
                    request_body=request.body,
                    status=response.status,
                    reason=_reason(response.status),
                    protocol=response.protocol or "HTTP/1.1",
                    response_headers=response_headers(response.headers),
                    response_body=response.body,
                    request_date=started,
                    response_date=received,
                )
        except OSError as exc:
            self._write_failed(request.url, exc)
            return response
        request.meta["warc_record_id"] = placed.record_id
        # the record's fetched_at is the capture's WARC-Date, so a replay reproduces it exactly
        request.meta["newsarchive_fetched_at"] = warc_date(received)
        self._sync_stats()
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        started = self._started.pop(request, None)
        if started is None:
            return None  # raised above us (robots.txt, offsite...): nothing was sent
        self._inc(STAT_FAILED)
        fields = {
            "fetch-error": f"{type(exception).__name__}: {exception}",
            "fetch-started": started.isoformat().replace("+00:00", "Z"),
            "request-method": request.method,
        }
        try:
            self._writer().write_metadata(request.url, fields, datetime.now(UTC))
        except OSError as exc:
            self._write_failed(request.url, exc)
            return None
        self._sync_stats()
        return None

    def spider_closed(self) -> None:
        if self.writer is None:
            return
        self.writer.close()
        self._sync_stats()
        logger.info("WARC: %(records)d records, %(bytes)d bytes in %(files)d files under %(dir)s",
                    {"records": self.writer.records, "bytes": self.writer.bytes,
                     "files": len(self.writer.files), "dir": self.directory})

    # -- helpers ---------------------------------------------------------------

    def _write_not_modified(self, request: Request, response: Response, started: datetime,
                            received: datetime) -> WrittenRecord:
        original = self._original_of(request.url)
        self._inc(STAT_REVISITS)
        if original is None:
            self._inc(STAT_REVISITS_UNKNOWN)
            logger.warning("WARC: 304 for %(url)s, but no earlier capture of it is indexed under %(dir)s",
                           {"url": request.url, "dir": self.directory})
        return self._writer().write_not_modified(
            url=request.url,
            method=request.method,
            request_headers=request_headers(request),
            request_body=request.body,
            reason=_reason(304),
            protocol=response.protocol or "HTTP/1.1",
            response_headers=response_headers(response.headers),
            request_date=started,
            response_date=received,
            refers_to=original,
        )

    def _original_of(self, url: str) -> Capture | None:
        """The capture a 304 for *url* confirms: its latest 2xx capture in the indexes."""
        if self._earlier is None:
            since = time.time() - self.lookback_days * 86400 if self.lookback_days is not None else None
            self._earlier = latest_captures(self.directory, modified_since=since)
        capture = self._earlier.get(url)
        if capture is None:
            return None
        try:
            return complete_capture(capture)
        except (OSError, StopIteration, ValueError) as exc:
            logger.warning("WARC: cannot read the earlier capture of %(url)s: %(error)s",
                           {"url": url, "error": exc})
            return None

    def _writer(self) -> RotatingWarcWriter:
        if self.writer is None:
            self.writer = RotatingWarcWriter(self.directory, self.prefix, self.max_size, self.warcinfo)
        return self.writer

    def _write_failed(self, url: str, exc: OSError) -> None:
        self._inc(STAT_ERRORS)
        logger.error("WARC: could not record %(url)s: %(error)s", {"url": url, "error": exc})

    def _sync_stats(self) -> None:
        if self.stats is None or self.writer is None:
            return
        self.stats.set_value(STAT_RECORDS, self.writer.records)
        self.stats.set_value(STAT_BYTES, self.writer.bytes)
        self.stats.set_value(STAT_FILES, len(self.writer.files))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def request_headers(request: Request) -> list[tuple[str, str]]:
    """The request's headers as sent, ``Host`` first (the real host, not a mapped one)."""
    pairs = _pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", urlsplit(request.url).netloc))
    return pairs


def response_headers(headers: Headers) -> list[tuple[str, str]]:
    """Response headers; ``Transfer-Encoding`` renamed, since the body is stored de-chunked."""
    return [("X-Archive-Orig-Transfer-Encoding", value) if name.lower() == "transfer-encoding" else (name, value)
            for name, value in _pairs(headers)]


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def crawl_warcinfo(settings: BaseSettings, spider_name: str | None) -> dict[str, str]:
    """The ``warcinfo`` fields describing this crawl."""
    chosen: dict[str, Any] = {}
    for name in INFO_SETTINGS:
        value = settings.get(name)
        if hasattr(value, "copy_to_dict"):
            value = value.copy_to_dict()
        chosen[name] = value
    return {
        "software": f"newsarchive/{_version('newsarchive')} (Scrapy/{_version('scrapy')}; "
                    f"warcio/{_version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "isPartOf": spider_name or "",
        "robots": "classic" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": str(settings.get("USER_AGENT") or ""),
        "description": "Scrapy crawl. Responses are rebuilt from Scrapy's parsed response (status, headers, body "
                       "as received, before content decoding), not wire bytes; Transfer-Encoding is stored as "
                       "X-Archive-Orig-Transfer-Encoding. Requests show the headers Scrapy set.",
        "scrapy-settings": json.dumps(chosen, ensure_ascii=False, sort_keys=True, default=str),
    }


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"
