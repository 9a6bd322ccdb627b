from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsarchive.mirror import MirrorServer


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorServer]:
    """One small mirror (60 articles) shared by the crawl tests of a session."""
    with MirrorServer(articles=60) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def _outputs_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Crawls started by tests (and their child processes) write their default outputs to a temp dir."""
    import os

    previous = os.environ.get("NEWSARCHIVE_DATA_DIR")
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    yield
    if previous is None:
        del os.environ["NEWSARCHIVE_DATA_DIR"]
    else:
        os.environ["NEWSARCHIVE_DATA_DIR"] = previous
