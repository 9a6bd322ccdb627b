"""Every benchmark script starts: ``python bench/<script>.py --help`` from a checkout, as the README runs them.

Run as a script, ``bench/`` is first on ``sys.path``, where ``bench/incremental.py`` hides the
``incremental`` package that Twisted imports: a script that imports Scrapy before dropping its own
folder from the path fails at its first line (bench/distributed.py did, from 047ee1b until this test).
The figures themselves are not checked here (they depend on the machine): only that each script runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: bench/normalize.py takes no options (it is its own short run); the others print their usage
SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("*.py") if p.name not in ("__init__.py", "normalize.py"))


def test_the_list_holds_every_benchmark_of_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert {"crawl.py", "replay.py", "distributed.py", "incremental.py", "match.py"} <= set(SCRIPTS)
    assert all(f"bench/{name}" in readme for name in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_starts(script: str) -> None:
    proc = subprocess.run([sys.executable, f"bench/{script}", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage:" in proc.stdout
