"""Scrapy add-ons of the project (``ADDONS`` in settings.py).

:class:`DistributedAddon`: distributed mode. It is always listed in ``ADDONS`` and does
nothing until ``NEWSARCHIVE_REDIS_URL`` is set (``-s NEWSARCHIVE_REDIS_URL=redis://host:6379/0``
or ``unix:///run/redis.sock``): then the scheduler and the duplicate filter become
:mod:`newsarchive.distributed.scheduler`'s, and every ``scrapy crawl`` started with the same URL
and ``NEWSARCHIVE_REDIS_PREFIX`` joins the same frontier. Spiders do not change.

:class:`ResumeAddon`: resuming (``-s JOBDIR=...``). Swaps Scrapy's scheduler for
:class:`newsarchive.queues.CrashTolerantScheduler` unless another one was chosen (the
distributed one, ``-s SCHEDULER=...``): an add-on, because a ``SCHEDULER`` in settings.py
would outrank the distributed add-on's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DISTRIBUTED_SETTINGS = {
    "SCHEDULER": "newsarchive.distributed.scheduler.DistributedScheduler",
    "DUPEFILTER_CLASS": "newsarchive.distributed.scheduler.SharedDupeFilter",
}


class DistributedAddon:
    """Switch the scheduler and duplicate filter to the shared Redis frontier when ``NEWSARCHIVE_REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = (settings.get("NEWSARCHIVE_REDIS_URL") or "").strip()
        if not url:
            return  # off: plain Scrapy scheduler
        try:
            import scrapy_redis  # noqa: F401
        except ImportError as exc:  # fail loudly: a plain run next to others would fetch everything again
            raise RuntimeError("NEWSARCHIVE_REDIS_URL is set but scrapy-redis is not installed "
                               "(pip install -e '.[redis]')") from exc
        for name, value in DISTRIBUTED_SETTINGS.items():
            settings.set(name, value, priority="addon")
        settings.set("REDIS_URL", url, priority="addon")  # scrapy_redis.connection reads REDIS_URL
        # A worker acknowledges a request once its item left the pipelines: commit every record, so a
        # killed worker cannot take acknowledged but uncommitted records with it (-s overrides this).
        settings.set("NEWSARCHIVE_DATABASE_BATCH_SIZE", 1, priority="addon")


class ResumeAddon:
    """Scrapy's scheduler → :class:`newsarchive.queues.CrashTolerantScheduler` (corrupt ``active.json`` moved aside)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler":
            settings.set("SCHEDULER", "newsarchive.queues.CrashTolerantScheduler", priority="addon")
