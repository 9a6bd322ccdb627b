"""A JOBDIR disk queue that survives ``kill -9``.

Scrapy's disk queues (queuelib) write their size header only when closed
cleanly, and buffer their writes, so a killed crawl can leave a queue file that
is empty, truncated or stale. Resuming then crashes the scheduler on every
push (``struct.error: unpack requires a buffer of 4 bytes``). This queue moves
an unreadable file aside (``<file>.corrupt``), starts that priority afresh, and
treats a record it cannot read back as the end of the queue.

The scheduler's own state, ``requests.queue/active.json`` (the priorities in use),
is written only on a clean stop too; :class:`CrashTolerantScheduler` moves an
unreadable one aside (``active.json.corrupt``) the same way and resumes with an
empty priority list (the queue files stay; a priority pushed again reopens its file).

Nothing is lost by that: the icma spider fetches its start pages (home page and
sitemap) on every run, resumed or not, and re-discovers every article the
archive does not hold yet. Enabled with ``SCHEDULER_DISK_QUEUE`` in settings and,
for the scheduler, by :class:`newsarchive.addons.ResumeAddon` (an add-on, so that
distributed mode can still choose its own scheduler); only used when ``JOBDIR`` is set.
"""

from __future__ import annotations

import json
import logging
import pickle
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import Scheduler
from scrapy.squeues import PickleLifoDiskQueue

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

UNREADABLE = (struct.error, pickle.UnpicklingError, EOFError, ValueError, OSError, KeyError, AttributeError,
              TypeError)


class CrashTolerantLifoDiskQueue(PickleLifoDiskQueue):  # type: ignore[misc,valid-type]
    def __init__(self, crawler: Crawler, key: str) -> None:
        self._crawler = crawler
        try:
            super().__init__(crawler, key)
        except UNREADABLE as exc:
            path = Path(key)
            aside = path.with_name(path.name + ".corrupt")
            path.replace(aside)
            self._count("corrupt_queue_files")
            logger.warning("JOBDIR queue %(path)s was left unreadable by an interrupted run (%(error)s); moved to "
                           "%(aside)s, its requests are re-discovered from the start pages",
                           {"path": path, "error": exc, "aside": aside})
            super().__init__(crawler, key)

    def pop(self) -> Request | None:
        try:
            return super().pop()  # type: ignore[no-any-return]
        except UNREADABLE as exc:
            self._count("unreadable_requests")
            logger.warning("Dropping the unreadable rest of JOBDIR queue %(path)s (%(error)s); its requests are "
                           "re-discovered from the start pages", {"path": self.path, "error": exc})
            self.clear()
            return None

    def _count(self, what: str) -> None:
        stats: Any = self._crawler.stats
        if stats is not None:
            stats.inc_value(f"newsarchive/jobdir/{what}")


def _valid_state(state: Any) -> bool:
    """What Scrapy's priority queues write: a list of priorities, or a dict of them per download slot."""
    def priorities(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(p, int) for p in value)

    if isinstance(state, dict):
        return all(isinstance(k, str) and priorities(v) for k, v in state.items())
    return priorities(state)


class CrashTolerantScheduler(Scheduler):
    """Scrapy's scheduler, resuming a ``JOBDIR`` whose ``active.json`` an interrupted run left unreadable."""

    def _read_dqs_state(self, dqdir: str) -> Any:
        path = Path(dqdir, "active.json")
        try:
            state = super()._read_dqs_state(dqdir)
            if _valid_state(state) or state == ():
                return state
            error: Exception = ValueError(f"not a priority list: {json.dumps(state)[:80]}")
        except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            error = exc
        aside = path.with_name(path.name + ".corrupt")
        path.replace(aside)
        if self.stats is not None:
            self.stats.inc_value("newsarchive/jobdir/corrupt_state_files")
        logger.warning("JOBDIR state %(path)s was left unreadable by an interrupted run (%(error)s); moved to "
                       "%(aside)s, the crawl resumes and re-discovers its requests from the start pages",
                       {"path": path, "error": error, "aside": aside})
        return ()
