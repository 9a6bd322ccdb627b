"""The Redis client of distributed mode, from ``NEWSARCHIVE_REDIS_URL``.

Use :func:`redis_from_settings` rather than ``scrapy_redis.connection.get_redis_from_settings``
in code that runs before add-ons have updated the settings: Scrapy creates the spider
(``Spider.from_crawler``) *before* it applies ``ADDONS``, so ``REDIS_URL``, which
:class:`~newsarchive.addons.DistributedAddon` sets for scrapy-redis, is not there yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy_redis import defaults
from scrapy_redis.connection import get_redis

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.settings import BaseSettings


def redis_from_settings(settings: BaseSettings) -> Redis:
    """A client for ``NEWSARCHIVE_REDIS_URL`` (falling back to ``REDIS_URL``), with scrapy-redis' defaults
    and ``REDIS_PARAMS``."""
    url = settings.get("NEWSARCHIVE_REDIS_URL") or settings.get("REDIS_URL")
    if not url:
        raise ValueError("NEWSARCHIVE_REDIS_URL is not set")
    params = {**defaults.REDIS_PARAMS, **settings.getdict("REDIS_PARAMS")}
    client: Redis = get_redis(url=url, **params)
    return client
