"""robots.txt: Scrapy's middleware, where a host that cannot be reached is a warning, not an error.

Scrapy logs a robots.txt that could not be downloaded (connection refused, DNS
failure, timeout, a host outside ``NEWSARCHIVE_HOST_MAP``) at ERROR with a
traceback, so one cited site that is down counted as a crawl error and could
fail the ``error_rate`` monitor. For a cited source this is an ordinary event:
the page request that follows fails the same way and its record gets
``origin_status = "unreachable"``. :class:`RobotsTxtMiddleware` keeps Scrapy's
behaviour (the page is tried without robots rules) and turns that log record
into one WARNING line without a traceback; it no longer counts in
``log_count/ERROR``. Any other record of the middleware is left alone.

The retry middleware then says "Gave up retrying" for the robots.txt and for
every page of that host; once the host has been named unreachable, those lines
(network errors only, never HTTP statuses) go to DEBUG: one WARNING per host.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares import robotstxt
from scrapy.utils.httpobj import urlparse_cached

from newsarchive.urls import host_of


class UnreachableRobotsFilter(logging.Filter):
    """Rewrites the middleware's "Error downloading" record as a WARNING without traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.unreachable: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == RETRY_LOGGER:
            self._quiet_retry(record)
            return True
        if record.levelno < logging.ERROR or not str(record.msg).startswith("Error downloading"):
            return True
        args = record.args if isinstance(record.args, dict) else {}
        request: Any = args.get("request")
        error = args.get("f_exception")
        url = getattr(request, "url", "")
        host = urlparse_cached(request).netloc if request is not None else host_of(str(url))
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        record.exc_info = None
        record.exc_text = None
        record.msg = ("Host %(host)s unreachable, robots.txt not fetched (%(error)s); "
                      "its pages are tried without robots rules")
        record.args = {"host": host, "error": f"{type(error).__name__}: {error}" if error is not None else "?"}
        self.unreachable.add(host)
        return True

    def _quiet_retry(self, record: logging.LogRecord) -> None:
        """A network-error "Gave up retrying" of a host already named unreachable goes to DEBUG."""
        args = record.args if isinstance(record.args, dict) else {}
        request: Any = args.get("request")
        if request is None or not isinstance(args.get("reason"), Exception) or record.levelno > logging.WARNING:
            return
        host = urlparse_cached(request).netloc
        if urlparse_cached(request).path == "/robots.txt" or host in self.unreachable:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)


RETRY_LOGGER = "scrapy.downloadermiddlewares.retry"
_FILTER = UnreachableRobotsFilter()


class RobotsTxtMiddleware(robotstxt.RobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware`` with :class:`UnreachableRobotsFilter` on its logger."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for logger in (robotstxt.logger, logging.getLogger(RETRY_LOGGER)):
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
