"""Distributed crawling: several ``scrapy crawl`` processes share one frontier in Redis.

Switched on by :class:`newsarchive.addons.DistributedAddon` when ``NEWSARCHIVE_REDIS_URL``
is set; see :mod:`newsarchive.distributed.scheduler` for what it changes in scrapy-redis
and :mod:`newsarchive.distributed.frontier` for the Redis layout.
"""
