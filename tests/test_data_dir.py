"""One data folder means one archive; debugging commands write nothing into it.

``NEWSARCHIVE_DATA_DIR`` as a ``-s`` setting or as an environment variable moves every
default path (feed, WARC, database, state, spool, dead letters, run reports, a
``{data_dir}`` log file); a per-path setting still wins. ``scrapy fetch``, ``shell``,
``parse`` and ``check`` run against the mirror and leave the data folder empty.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from newsarchive import datadir
from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings
from tests.crawl import ROOT


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def run(cmd: list[str], env_data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSARCHIVE_DATA_DIR": str(env_data_dir), **env}
    return subprocess.run(cmd, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240)


def crawl(mirror: MirrorServer, settings: dict[str, Any]) -> list[str]:
    """A ``scrapy crawl icma`` with no output setting but *settings* (no ``-O``: the feed preset)."""
    merged = {**offline_settings(mirror.url, mirror.site.now), "NEWSARCHIVE_PROGRESS": "off",
              "NEWSARCHIVE_MONITOR_MIN_ITEMS": 1, **settings}
    return crawl_argv("icma", merged, "-a", "max_articles=3", "-a", "follow_origins=0")


def assert_one_archive(folder: Path, *, warc_elsewhere: bool = False) -> None:
    names = files_under(folder)
    assert any(n.startswith("icma-") and n.endswith(".jsonl") for n in names), names  # the feed preset
    assert "newsarchive.sqlite3" in names and "state.sqlite3" in names, names
    assert any(n.startswith("runs/icma-") for n in names), names
    assert any(n.startswith("warc/") for n in names) != warc_elsewhere, names
    with sqlite3.connect(folder / "newsarchive.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    with sqlite3.connect(folder / "state.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM seen").fetchone()[0] == 3


@pytest.mark.slow
def test_the_setting_moves_every_default_path(mirror: MirrorServer, tmp_path: Path) -> None:
    env_dir, archive, warc = tmp_path / "env", tmp_path / "archive", tmp_path / "warc-elsewhere"
    cmd = crawl(mirror, {"NEWSARCHIVE_DATA_DIR": archive, "NEWSARCHIVE_WARC_DIR": warc,  # an explicit path wins
                         "LOG_FILE": "{data_dir}/logs/icma.log"})
    proc = run(cmd, env_dir)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]  # (3 articles may fail a coverage monitor)
    assert_one_archive(archive, warc_elsewhere=True)
    assert (archive / "logs" / "icma.log").read_text().count("Spider closed") == 1
    assert any(p.name.endswith(".warc.gz") for p in warc.iterdir())
    assert files_under(env_dir) == set()  # nothing in the environment's folder


@pytest.mark.slow
def test_the_environment_variable_moves_every_default_path(mirror: MirrorServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    proc = run(crawl(mirror, {}), archive)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert_one_archive(archive)


def test_resolve_moves_defaults_and_keeps_explicit_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    base = datadir.env_data_dir()
    settings = Settings()
    for name, template in datadir.PATH_TEMPLATES.items():
        settings.set(name, template.format(data=base), priority="project")
    settings.set("NEWSARCHIVE_DATA_DIR", "/srv/two", priority="cmdline")
    settings.set("NEWSARCHIVE_RUNS_DIR", "/var/runs", priority="cmdline")  # explicit
    settings.set("NEWSARCHIVE_DATABASE_URL", "postgresql://u@db/news", priority="project")  # from the environment
    changed = datadir.resolve(settings)
    assert changed == {"NEWSARCHIVE_STATE_PATH": "/srv/two/state.sqlite3", "NEWSARCHIVE_WARC_DIR": "/srv/two/warc"}
    assert settings["NEWSARCHIVE_RUNS_DIR"] == "/var/runs"
    assert settings["NEWSARCHIVE_DATABASE_URL"] == "postgresql://u@db/news"
    settings.set("LOG_FILE", "{data_dir}/logs/icma.log", priority="cmdline")
    datadir.expand_log_file(settings)
    assert settings["LOG_FILE"] == "/srv/two/logs/icma.log"


def test_the_database_pipeline_derives_spool_and_dead_letters_from_the_setting(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from newsarchive.settings_helpers import project_defaults
    from pipelines.database import DatabasePipeline

    crawler = get_crawler(settings_dict={**project_defaults(), "NEWSARCHIVE_DATA_DIR": str(tmp_path / "two"),
                                         "NEWSARCHIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    pipeline = DatabasePipeline.from_crawler(crawler)
    assert pipeline.spool.path == tmp_path / "two" / "spool" / "db.jsonl"
    assert pipeline.dead_letters.path == tmp_path / "two" / "dead-letter" / "db.jsonl"


# -- debugging commands ------------------------------------------------------------------------------


def scrapy_cmd(mirror: MirrorServer, *args: str) -> list[str]:
    settings = offline_settings(mirror.url, mirror.site.now)
    cmd = [sys.executable, "-m", "scrapy", *args]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


@pytest.mark.slow
def test_debugging_commands_write_nothing(mirror: MirrorServer, tmp_path: Path) -> None:
    article = mirror.site.articles()[1].url
    commands = {
        "fetch": ["fetch", "--nolog", article],
        "shell": ["shell", article, "-c", "response.status", "--nolog"],
        "parse": ["parse", "--spider", "icma", "-c", "parse_article", article, "--nolog"],
        "check": ["check", "icma", "--nolog"],
    }
    for name, args in commands.items():
        folder = tmp_path / name
        proc = run(scrapy_cmd(mirror, *args), folder)
        assert proc.returncode == 0, (name, proc.stderr[-3000:])
        assert "Traceback" not in proc.stderr, (name, proc.stderr[-3000:])
        assert files_under(folder) == set(), name
        if name == "fetch":
            assert "<html" in proc.stdout.lower()
        if name == "shell":
            assert proc.stdout.strip() == "200"
