"""Throwaway PostgreSQL servers for the database tests.

``NEWSARCHIVE_TEST_POSTGRES_URL`` (a server where the user may ``CREATE
DATABASE``) is used when set. Otherwise a cluster is created with the local
PostgreSQL binaries (``initdb``/``pg_ctl`` on ``PATH`` or under
``/usr/lib/postgresql/*/bin``) in a temporary folder, listening on a free port
on 127.0.0.1 with its socket in that folder; as root it runs as the
``postgres`` user. Tests skip, saying why, only when no server can be started.

Import the fixtures into a test module::

    from tests import pg

    postgres_url = pg.postgres_url
    pg_database = pg.pg_database
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENV_URL = "NEWSARCHIVE_TEST_POSTGRES_URL"
PASSWORD = "s3cret-pw"  # trust auth ignores it; it is there to check that logs never show it


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """A PostgreSQL cluster in a temporary folder; :meth:`start` / :meth:`stop` can be repeated."""

    def __init__(self) -> None:
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("no initdb/pg_ctl found (install PostgreSQL or set " + ENV_URL + ")")
        self.pg_ctl = pg_ctl
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server") from exc
            self.user = "postgres"
        self.base = Path(tempfile.mkdtemp(prefix="na-pg-"))
        self.data = self.base / "data"
        if self.user:
            shutil.chown(self.base, self.user)
        self.port = free_port()
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--locale=C", "--no-sync"])

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {"user": self.user} if self.user else {}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.base, **kwargs)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed: {proc.stdout}{proc.stderr}")
        return proc

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off")  # commits still reach the OS: an immediate stop loses nothing
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w",
                   "-t", "60", "start"])

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> PgCluster:
    """A started cluster, or ``pytest.skip`` with the reason."""
    try:
        cluster = PgCluster()
        cluster.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot start a PostgreSQL server: {exc}")
    return cluster


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server (maintenance database) for the whole session."""
    pytest.importorskip("psycopg", reason="psycopg (the postgres extra) is not installed")
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    cluster = start_cluster()
    try:
        yield cluster.url()
    finally:
        cluster.destroy()


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def with_database(url: str, dbname: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    name = f"na_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(postgres_url, name)
    finally:
        _admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive database: a SQLite file, and (marked ``postgres``) a fresh PostgreSQL database
    (a test module using it makes ``pg_database`` and ``postgres_url`` visible too)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    return url
