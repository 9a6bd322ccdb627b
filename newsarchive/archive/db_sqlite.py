"""SQLite backend of :class:`~newsarchive.archive.db.ArticleStore` (the default).

``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path.sqlite3``.
The connection runs in autocommit mode so the store controls transactions
(``BEGIN IMMEDIATE`` takes the write lock up front); WAL journal, foreign keys
on, ``synchronous=NORMAL`` (a committed batch survives a crash of the process).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from newsarchive.archive.search import register_sqlite_functions

if TYPE_CHECKING:
    from newsarchive.archive.db import Connection

#: Seconds to wait for another writer's lock before failing.
BUSY_TIMEOUT = 30.0


class SqliteBackend:
    error: type[Exception] = sqlite3.Error
    begin = "BEGIN IMMEDIATE"
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.ddl = {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "float": "DOUBLE PRECISION", "ts": "TEXT"}
        self.name = Path(path).stem if path != ":memory:" else "memory"
        self.display_url = f"sqlite:///{path}"

    @classmethod
    def from_url(cls, url: str) -> SqliteBackend:
        parts = urlsplit(url)
        if parts.netloc:
            raise ValueError(f"sqlite URL takes no host: {url!r} (sqlite:///relative or sqlite:////absolute)")
        path = unquote(parts.path)[1:]
        if not path:
            raise ValueError(f"sqlite URL without a path: {url!r}")
        return cls(path)

    def connect(self) -> Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        register_sqlite_functions(conn)  # the search index triggers call them
        return conn

    def sql(self, statement: str) -> str:
        return statement

    def lock_schema(self, conn: Connection) -> None:
        pass  # BEGIN IMMEDIATE already holds the write lock
