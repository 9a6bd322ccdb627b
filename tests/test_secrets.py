"""Secrets never leave memory: database passwords in any form, in every output.

Real crawls run with a PostgreSQL URL whose password is a unique marker (the server is down:
port 1), written as a URL with unescaped reserved characters, percent-encoded, as a libpq
``key=value`` DSN, and through the environment; then every output is searched for the
password and each of its pieces: stderr, stdout, the log file, the run report, the spool
folder's file names and contents, the WARC records.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from newsarchive import secrets
from newsarchive.archive.spool import spool_name
from newsarchive.archive.warc import iter_records
from newsarchive.mirror import MirrorServer
from tests.crawl import ROOT, crawl_command, read_result

# pieces of 6+ characters between the reserved characters, each unique enough to search for
PASSWORD = "Kx7Alpha/Kx7Bravo@Kx7Charlie#Kx7Delta?Kx7Echo:Kx7Foxtrot"
PIECES = [piece for piece in re.split(r"[/@#?:]", PASSWORD) if piece]
ENCODED = "Kx7Golf%2FKx7Hotel%40Kx7India"  # percent-encoded: Kx7Golf/Kx7Hotel@Kx7India
ENCODED_PIECES = ["Kx7Golf", "Kx7Hotel", "Kx7India"]

FORMS = {
    "reserved characters (setting)": ("setting", f"postgresql://archiver:{PASSWORD}@127.0.0.1:1/newsarchive"),
    "reserved characters (environment)": ("environment", f"postgresql://archiver:{PASSWORD}@127.0.0.1:1/newsarchive"),
    "percent-encoded": ("setting", f"postgresql://archiver:{ENCODED}@127.0.0.1:1/newsarchive"),
    "query parameter": ("environment", f"postgresql://archiver@127.0.0.1:1/newsarchive?password={PASSWORD}"),
    "libpq DSN": ("setting", f"host=127.0.0.1 port=1 user=archiver password='{PASSWORD}' dbname=newsarchive"),
    "libpq DSN (environment)": ("environment", f"host=127.0.0.1 port=1 password={PASSWORD} dbname=newsarchive"),
}


def secret_pieces(url: str) -> list[str]:
    return [PASSWORD, *PIECES] if PASSWORD in url else [ENCODED, *ENCODED_PIECES, "Kx7Golf/Kx7Hotel@Kx7India"]


def assert_nowhere(text: str, pieces: list[str], where: str) -> None:
    for piece in pieces:
        assert piece not in text, f"{piece!r} in {where}: ...{text[max(0, text.find(piece) - 200):][:400]}..."


# -- unit ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "shown"), [
    (f"postgresql://archiver:{PASSWORD}@db.example:5432/news", "postgresql://archiver:***@db.example:5432/news"),
    ("postgresql://archiver:p/w@db/news", "postgresql://archiver:***@db/news"),
    ("postgresql://a:b%40c@db/news", "postgresql://a:***@db/news"),
    ("postgresql://archiver@db.example/news", "postgresql://archiver@db.example/news"),
    ("postgresql://db/news?user=a&password=hunter2&sslmode=require",
     "postgresql://db/news?user=a&password=***&sslmode=require"),
    ("host=db user=a password=hunter2 dbname=news", "host=db user=a password=*** dbname=news"),
    ("host=db password='two words\\'' dbname=news", "host=db password=*** dbname=news"),
    ("sqlite:///data/newsarchive.sqlite3", "sqlite:///data/newsarchive.sqlite3"),
])
def test_redact_url_every_form(url: str, shown: str) -> None:
    assert secrets.redact_url(url) == shown


def test_registered_pieces_are_redacted_from_any_text() -> None:
    secrets.register(f"postgresql://archiver:{PASSWORD}@127.0.0.1:1/x")
    message = f'invalid port "{PIECES[1]}@{PIECES[2]}" near {PIECES[-1]}; password {PASSWORD}'
    redacted = secrets.redact(message)
    assert_nowhere(redacted, [PASSWORD, *PIECES], "the redacted message")
    assert redacted.startswith('invalid port "***@***" near ***')


def test_log_records_and_tracebacks_are_redacted() -> None:
    secrets.install({"NEWSARCHIVE_DATABASE_URL": f"postgresql://u:{PASSWORD}@h/db"})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # a handler made after install: the record itself is redacted
    logger = logging.getLogger("tests.secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("connect to %(url)s failed", {"url": f"postgresql://u:{PASSWORD}@h/db"})
        try:
            raise RuntimeError(f"driver says: bad option {PIECES[3]}#{PIECES[4]}")
        except RuntimeError:
            logger.exception("crawl failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "connect to postgresql://u:***@h/db failed" in text and "RuntimeError: driver says" in text
    assert_nowhere(text, [PASSWORD, *PIECES], "the log")


def test_spool_names_never_come_from_the_url() -> None:
    for _via, url in FORMS.values():
        name = spool_name(url)
        assert_nowhere(name, secret_pieces(url), "the spool name")
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", name), name
    a = spool_name("postgresql://archiver:one/pw@db.example/news")
    b = spool_name("postgresql://archiver:another@db.example/news")
    assert a == b != spool_name("postgresql://archiver:one@db.example/other")  # a new password keeps the spool
    assert spool_name("sqlite:///data/newsarchive.sqlite3") == "newsarchive"


# -- real crawls -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMS))
def test_database_password_is_in_no_output(form: str, mirror: MirrorServer, tmp_path: Path) -> None:
    via, url = FORMS[form]
    log_file = tmp_path / "logs" / "crawl.log"
    cmd, env, feed = crawl_command(mirror, tmp_path, "-a", "max_articles=3", "-a", "follow_origins=0",
                                   settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 1, "LOG_LEVEL": "DEBUG",
                                             "NEWSARCHIVE_INCREMENTAL": 0})
    at = cmd.index(f"NEWSARCHIVE_DATABASE_URL=sqlite:///{tmp_path / 'archive.sqlite3'}")
    del cmd[at - 1: at + 1]
    spool_at = cmd.index(f"NEWSARCHIVE_DATABASE_SPOOL={tmp_path / 'spool.jsonl'}")
    del cmd[spool_at - 1: spool_at + 1]  # the default spool path: named by the pipeline
    if via == "environment":
        env["NEWSARCHIVE_DATABASE_URL"] = url
    else:
        cmd += ["-s", f"NEWSARCHIVE_DATABASE_URL={url}"]
    pieces = secret_pieces(url)
    outputs: list[tuple[str, str]] = []
    for log in ("stderr", "file"):
        run_cmd = [*cmd, "-s", f"LOG_FILE={log_file}"] if log == "file" else cmd
        proc = subprocess.run(run_cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        outputs += [(f"stderr ({log})", proc.stderr), (f"stdout ({log})", proc.stdout)]
        if "DSN" in form:
            # not a database URL the archive knows: refused at the start, with the DSN redacted
            assert proc.returncode == 2, proc.stderr[-2000:]
            assert "NEWSARCHIVE_DATABASE_URL" in proc.stderr and "password=***" in proc.stderr
        else:
            result = read_result(proc.returncode, proc.stderr, tmp_path, feed)
            assert result.stats.get("newsarchive/db/spooled"), proc.stderr[-3000:]  # it did try the database
            assert proc.returncode == 1
    for name, text in outputs:
        assert_nowhere(text, pieces, name)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    if "DSN" not in form:
        assert log_file.exists() and any(p.parent.name == "spool" for p in files)
        assert any(p.parent.name == "runs" for p in files) and any(p.name.endswith(".warc.gz") for p in files)
    for path in tmp_path.rglob("*"):
        assert_nowhere(str(path.relative_to(tmp_path)), pieces, "a file name")
        if path.is_file() and not path.name.endswith(".gz"):
            assert_nowhere(path.read_bytes().decode("utf-8", "replace"), pieces, str(path))
    for record in iter_records(tmp_path / "warc") if (tmp_path / "warc").exists() else []:
        body: Any = record.body
        assert_nowhere(body.decode("utf-8", "replace") + json.dumps(record.warc_headers), pieces, "a WARC record")
