"""No record is lost to a request that a spider middleware drops.

Scrapy's own spider middlewares drop requests silently: ``DepthMiddleware``
(``DEPTH_LIMIT``) and ``UrlLengthMiddleware`` (``URLLENGTH_LIMIT``, a cited
link over 2,083 characters) just leave them out of the spider's output, and no
signal says so. An origin request carries its aggregator record
(:mod:`spiders.origins`), so a dropped one would take the record with it.

Two middlewares bracket every filter:

- :class:`RecordPassMarker` (order 5, next to the engine) marks each parked
  request that came through all of them;
- :class:`RecordDropGuard` (order 950, next to the spider) sees each parked
  request the spider yields, and when the chain asks it for the next output,
  the previous one is either marked or was dropped. A dropped one's record is
  emitted there and then, with ``origin_status = "not_attempted"`` and an
  ``origin_note`` naming the limit (``dropped_depth``, ``dropped_url_length``,
  ``dropped_filter``), counted in ``newsarchive/origin/released/<note>``.

Spiders without an ``origins`` follower pass through untouched.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import Request

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Meta key of a request that carries a parked record, or that a site's parked records wait for.
PARKED_META = "newsarchive_parked"
#: Set by :class:`RecordPassMarker` on the parked requests that came through every filter.
PASSED_META = "newsarchive_passed"


class RecordKeeper(Protocol):
    """What the spider's ``origins`` attribute offers (:class:`spiders.origins.OriginFollower`)."""

    def dropped(self, request: Request, note: str) -> Iterator[Any]: ...
    def drop_note(self, request: Request, response: Response | None) -> str: ...


class RecordPassMarker:
    """Marks the parked requests that survived every spider middleware filter."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    @staticmethod
    def _mark(output: Any) -> Any:
        if isinstance(output, Request) and output.meta.get(PARKED_META):
            output.meta[PASSED_META] = True
        return output

    def process_spider_output(self, response: Response | None, result: Iterable[Any],
                              spider: Any = None) -> Iterator[Any]:
        for output in result:
            yield self._mark(output)

    async def process_spider_output_async(self, response: Response | None, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for output in result:
            yield self._mark(output)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            yield self._mark(output)


class RecordDropGuard:
    """Releases the record of every parked request that did not reach :class:`RecordPassMarker`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _follower(self) -> RecordKeeper | None:
        return getattr(self.crawler.spider, "origins", None)

    def _released(self, sent: list[Request], response: Response | None) -> list[Any]:
        """Outputs that replace the parked requests in *sent* that were dropped; clears *sent*."""
        follower = self._follower()
        outputs: list[Any] = []
        for request in sent:
            if follower is not None and not request.meta.get(PASSED_META):
                outputs += follower.dropped(request, follower.drop_note(request, response))
        sent.clear()
        return outputs

    def _walk(self, outputs: Iterable[Any], sent: list[Request], response: Response | None) -> Iterator[Any]:
        queue = deque(outputs)
        while queue:
            output = queue.popleft()
            if isinstance(output, Request) and output.meta.get(PARKED_META):
                sent.append(output)
            yield output
            queue += self._released(sent, response)

    def process_spider_output(self, response: Response | None, result: Iterable[Any],
                              spider: Any = None) -> Iterator[Any]:
        sent: list[Request] = []
        for output in result:
            yield from self._walk([*self._released(sent, response), output], sent, response)
        yield from self._walk(self._released(sent, response), sent, response)

    async def process_spider_output_async(self, response: Response | None, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        sent: list[Request] = []
        async for output in result:
            for out in self._walk([*self._released(sent, response), output], sent, response):
                yield out
        for out in self._walk(self._released(sent, response), sent, response):
            yield out

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        sent: list[Request] = []
        async for output in start:
            for out in self._walk([*self._released(sent, None), output], sent, None):
                yield out
        for out in self._walk(self._released(sent, None), sent, None):
            yield out
