"""What the project asks of Scrapy's engine that Scrapy has no public call for.

The engine has no public "request finished" signal and no "look at the scheduler now" call. These
read two private attributes of its slot, stable since Scrapy 1.x (``tests/test_distributed.py``
checks that Scrapy still has them): ``_slot.inprogress`` and ``_slot.nextcall``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

T = TypeVar("T")


def engine_inprogress(crawler: Crawler) -> set[Request] | None:
    """The requests the engine is downloading or scraping; ``None`` before it runs."""
    slot = getattr(crawler.engine, "_slot", None)
    inprogress = getattr(slot, "inprogress", None)
    return inprogress if isinstance(inprogress, set) else None


def wake_engine(crawler: Crawler) -> None:
    """Have the engine look for work (or find itself idle and close) now, not at its next heartbeat (5 s)."""
    nextcall: Any = getattr(getattr(crawler.engine, "_slot", None), "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


def waking(crawler: Crawler) -> Any:
    """A callback for ``Deferred.addBoth``: wakes the engine, passes the result on."""
    def wake(result: T) -> T:
        wake_engine(crawler)
        return result
    return wake
