"""Retries with exponential backoff and ``Retry-After``.

Scrapy's :class:`~scrapy.downloadermiddlewares.retry.RetryMiddleware` re-queues a
failed request at once. Against a struggling news site that is the wrong
manners, so this subclass waits before handing the retry back: the server's
``Retry-After`` (seconds or an HTTP date) when it sends one, else
``NEWSARCHIVE_RETRY_BACKOFF_BASE * 2 ** (attempt - 1)``, capped at
``NEWSARCHIVE_RETRY_BACKOFF_MAX``. The wait is asynchronous: other requests go
on meanwhile.
"""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import deferred_to_future
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import BaseSettings


def retry_after_seconds(value: bytes | str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header value, or ``None``."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class BackoffRetryMiddleware(RetryMiddleware):
    """:class:`RetryMiddleware` that waits (exponential backoff or ``Retry-After``) before retrying."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_MAX")

    def delay_for(self, request: Request, response: Response | None) -> float:
        attempt = int(request.meta.get("retry_times", 0)) + 1
        if response is not None:
            advised = retry_after_seconds(response.headers.get(b"Retry-After"))
            if advised is not None:
                return min(advised, self.backoff_max)
        return min(self.backoff_base * 2.0 ** (attempt - 1), self.backoff_max)

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        from twisted.internet import reactor

        await deferred_to_future(task.deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if result is not response:
            await self._wait(self.delay_for(request, response))
            self.crawler.stats.inc_value("newsarchive/retry/backoff_count")
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(self.delay_for(request, None))
            self.crawler.stats.inc_value("newsarchive/retry/backoff_count")
        return result
