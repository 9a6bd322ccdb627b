"""The scheduling recipes in deploy/ and the Scrapyd egg are usable as shipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_scrapyd_egg_carries_the_whole_project(tmp_path: Path) -> None:
    work = tmp_path / "src"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", ".git", "data", "tests", "*.egg-info",
                                                                "build", "__pycache__"))
    subprocess.run([sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path / "dist")], cwd=work,
                   check=True, capture_output=True)
    (egg,) = (tmp_path / "dist").glob("*.egg")
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert {"spiders/icma.py", "pipelines/database.py", "newsarchive/settings.py"} <= names
    assert "settings = newsarchive.settings" in entry_points  # how Scrapyd finds the settings


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify() -> None:
    units = [str(p) for p in sorted((ROOT / "deploy/systemd").glob("newsarchive.*"))]
    proc = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    # verify complains about the install paths (/opt/newsarchive) only when they are missing
    problems = [line for line in proc.stderr.splitlines() if "/opt/newsarchive" not in line and line.strip()]
    assert not problems, proc.stderr


def test_cron_example_runs_the_crawl_command() -> None:
    line = next(line for line in (ROOT / "deploy/cron.example").read_text().splitlines()
                if line.startswith("*/30"))
    assert "scrapy crawl icma" in line and "flock -n" in line
