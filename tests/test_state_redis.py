"""In distributed mode the incremental state is one Redis hash shared by all workers."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from newsarchive.state import RedisStateStore, StateStoreError, open_state_store
from tests.redis_server import RedisServer, redis_available

pytestmark = [pytest.mark.redis, pytest.mark.skipif(
    not redis_available(), reason="no redis-server binary and no NEWSARCHIVE_TEST_REDIS_URL")]


def test_workers_share_one_state() -> None:
    with RedisServer() as redis:
        settings = Settings({"NEWSARCHIVE_REDIS_URL": redis.url, "REDIS_URL": redis.url})
        one, two = open_state_store(settings, "icma"), open_state_store(settings, "icma")
        assert isinstance(one, RedisStateStore)
        one.record("https://icma.az/news/a-1", content_hash="sha256:1", etag='"e"',
                   published_at="2025-10-01T08:00:00+04:00")
        assert two.get("https://icma.az/news/a-1") is None  # not committed yet
        one.commit()
        entry = two.get("https://icma.az/news/a-1")
        assert entry is not None and (entry.content_hash, entry.etag) == ("sha256:1", '"e"')
        two.record("https://icma.az/news/a-1", content_hash=None)  # a 304 keeps hash and validators
        two.close()
        again = one.get("https://icma.az/news/a-1")
        assert again is not None and again.content_hash == "sha256:1"
        assert again.first_seen_at == entry.first_seen_at
        assert len(one) == 1


def test_a_wrong_key_type_fails_loudly() -> None:
    with RedisServer() as redis:
        redis.client().set("newsarchive:icma:seen", "not a hash")
        settings = Settings({"NEWSARCHIVE_REDIS_URL": redis.url, "REDIS_URL": redis.url})
        with pytest.raises(StateStoreError, match="not a hash"):
            open_state_store(settings, "icma")
