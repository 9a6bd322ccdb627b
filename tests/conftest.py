from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from newsarchive.mirror import MirrorServer

# CI runs the property and fuzz tests on a fixed seed (a red CI must be reproducible); a developer's run
# explores new examples each time (HYPOTHESIS_PROFILE=explore, the default outside CI).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "explore"))


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorServer]:
    """One small mirror (60 articles) shared by the crawl tests of a session."""
    with MirrorServer(articles=60) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def _outputs_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Crawls started by tests (and their child processes) write their default outputs to a temp dir."""
    previous = os.environ.get("NEWSARCHIVE_DATA_DIR")
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    yield
    if previous is None:
        del os.environ["NEWSARCHIVE_DATA_DIR"]
    else:
        os.environ["NEWSARCHIVE_DATA_DIR"] = previous
