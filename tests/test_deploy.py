"""The scheduling recipes in deploy/ and the Scrapyd egg are usable as shipped, on a host that has only the checkout."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from newsarchive.mirror import MirrorServer, offline_settings

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


def _fresh_host(tmp_path: Path) -> Path:
    """A copy of the checkout as a fresh deployment has it: the code and .venv, no data/ (no data/logs/)."""
    host = tmp_path / "opt" / "newsarchive"
    shutil.copytree(ROOT, host, ignore=shutil.ignore_patterns(".venv", ".git", "data", "tests", "bench", "*.egg-info",
                                                                "build", "__pycache__", ".*_cache"))
    (host / ".venv").symlink_to((ROOT / ".venv").resolve())
    assert not (host / "data").exists()
    return host


def _mirror_args(mirror: MirrorServer) -> str:
    """The recipe's command pointed at the mirror (outputs stay in the recipe's data/)."""
    return " ".join(f"-s {shlex.quote(f'{k}={v}')}" for k, v in offline_settings(mirror.url, mirror.site.now).items())


def _host_env(host: Path) -> dict[str, str]:
    """The environment of cron or systemd: none of the test session's NEWSARCHIVE_* (its data folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSARCHIVE_")}
    return {**env, "PYTHONPATH": str(host)}  # the copy's code, not the checkout's the venv may point at


def _check_run(host: Path, proc: subprocess.CompletedProcess[str], mirror: MirrorServer) -> None:
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    log = (host / "data" / "logs" / "icma.log").read_text(encoding="utf-8")
    assert "Spider closed (finished)" in log
    feeds = list((host / "data").glob("icma-*.jsonl"))
    assert len(feeds) == 1, sorted(map(str, (host / "data").rglob("*")))
    feed = feeds[0]
    urls = {json.loads(line)["url"] for line in feed.read_text(encoding="utf-8").splitlines()}
    assert urls == {art.url for art in mirror.site.articles()}
    assert list((host / "data" / "runs").glob("icma-*.json")) and (host / "data" / "newsarchive.sqlite3").exists()


@pytest.mark.slow
def test_cron_recipe_runs_on_a_fresh_host(mirror: MirrorServer, tmp_path: Path) -> None:
    host = _fresh_host(tmp_path)
    line = next(line for line in (ROOT / "deploy/cron.example").read_text().splitlines() if line.startswith("*/30"))
    command = line.split(None, 5)[5].replace("/opt/newsarchive", str(host)) + " " + _mirror_args(mirror)
    proc = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=_host_env(host))
    _check_run(host, proc, mirror)
    assert (host / "data" / ".cron.lock").exists()


@pytest.mark.slow
def test_systemd_service_runs_on_a_fresh_host(mirror: MirrorServer, tmp_path: Path) -> None:
    host = _fresh_host(tmp_path)
    unit = (ROOT / "deploy/systemd/newsarchive.service").read_text().replace("/opt/newsarchive", str(host))
    service = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert not any(line.startswith("ExecStartPre") for line in unit.splitlines())  # ExecStart alone must do
    proc = subprocess.run(shlex.split(service["ExecStart"]) + shlex.split(_mirror_args(mirror)),
                          cwd=service["WorkingDirectory"], capture_output=True, text=True, timeout=300,
                          env=_host_env(host))
    _check_run(host, proc, mirror)
