from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsarchive.mirror import MirrorServer


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorServer]:
    """One small mirror (60 articles) shared by the crawl tests of a session."""
    with MirrorServer(articles=60) as server:
        yield server
