"""A scheduler for tests that refuses or loses the requests to one host (``-s LOSSY_HOST=apa.az``).

``LOSSY_MODE=drop``: ``enqueue_request`` returns ``False`` (Scrapy sends ``request_dropped``), as a
shared frontier's filter would. ``LOSSY_MODE=lose``: it says ``True`` and forgets the request, as a
frontier that loses work would; nothing tells the spider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import Scheduler

from newsarchive.urls import host_of

if TYPE_CHECKING:
    from scrapy import Request


class LossyScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Any) -> LossyScheduler:
        scheduler: LossyScheduler = super().from_crawler(crawler)
        scheduler.lossy_host = crawler.settings.get("LOSSY_HOST", "apa.az")
        scheduler.lossy_mode = crawler.settings.get("LOSSY_MODE", "drop")
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        if host_of(request.url) == self.lossy_host and request.meta.get("newsarchive_origin"):
            return self.lossy_mode != "drop"
        return bool(super().enqueue_request(request))
