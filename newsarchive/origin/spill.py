"""Outcomes of cited originals that a run no longer keeps in memory.

A run remembers what each cited original gave (its origin, text included) so that a later record
citing the same original takes that outcome instead of downloading it again. A long run (a
backfill over a year of icma.az) cites hundreds of thousands of originals, about 2 KB each: the
follower keeps the most recent ``NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY`` in memory and moves older
ones here, so a later citation of them still finds them and memory stays flat.

The store is a private temporary SQLite database (``sqlite3.connect("")``), opened at the first
outcome moved: SQLite keeps its first pages in memory, writes the rest to a file in its temporary
directory (``SQLITE_TMPDIR``, else ``TMPDIR``, else ``/var/tmp``, ``/usr/tmp``, ``/tmp``) that it
unlinks as soon as it opens it, so nothing is left behind, even by a killed run.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable
from typing import Any


class SpilledOutcomes:
    """Identity key → outcome, on disk. A key keeps the first outcome stored under it."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def put(self, keys: Iterable[str], outcome: Any) -> None:
        """Store *outcome* under each of *keys* (a key already stored keeps its outcome)."""
        if self._db is None:
            self._db = sqlite3.connect("", isolation_level=None)  # autocommit: nothing to roll back
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("CREATE TABLE outcome (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        self._db.executemany("INSERT OR IGNORE INTO outcome (key, data) VALUES (?, ?)", [(k, data) for k in keys])

    def get(self, key: str) -> Any | None:
        """The outcome stored under *key* (a new copy each time), or ``None``."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT data FROM outcome WHERE key = ?", (key,)).fetchone()
        return pickle.loads(row[0]) if row is not None else None

    def close(self) -> None:
        """Drop the store (SQLite deletes its file)."""
        if self._db is not None:
            self._db.close()
            self._db = None
