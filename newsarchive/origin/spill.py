"""Outcomes of cited originals that a run no longer keeps in memory.

A run remembers what each cited original gave (its origin, text included) so that a later record
citing the same original takes that outcome instead of downloading it again. A long run (a
backfill over a year of icma.az) cites hundreds of thousands of originals, about 2 KB each: the
follower keeps the most recent ``NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY`` in memory and moves older
ones here, so a later citation of them still finds them and memory stays flat.

The store is a private temporary SQLite database (``sqlite3.connect("")``), opened at the first
outcome moved: SQLite keeps its first pages in memory, writes the rest to a file in its temporary
directory (``SQLITE_TMPDIR``, else ``TMPDIR``, else ``/var/tmp``, ``/usr/tmp``, ``/tmp``) that it
unlinks as soon as it opens it, so nothing is left behind, even by a killed run. When the store
fails (no writable temporary directory, a full disk), the follower keeps every later outcome in
memory instead: a run uses more memory, it never loses an outcome to the store.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


class SpilledOutcomes:
    """Identity key → outcome, on disk. A key keeps the first outcome stored under it."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def put(self, keys: Iterable[str], outcome: Any) -> bool:
        """Store *outcome* under each of *keys* (a key already stored keeps its outcome); whether it could."""
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if self._db is None:
                self._db = sqlite3.connect("", isolation_level=None)  # autocommit: nothing to roll back
                self._db.execute("PRAGMA journal_mode = OFF")
                self._db.execute("CREATE TABLE outcome (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
            self._db.executemany("INSERT OR IGNORE INTO outcome (key, data) VALUES (?, ?)",
                                 [(k, data) for k in keys])
        except sqlite3.Error as exc:
            logger.warning("Cannot move cited originals' outcomes to a temporary SQLite file (%(error)s); "
                           "the run keeps them in memory", {"error": exc})
            return False
        return True

    def get(self, key: str) -> Any | None:
        """The outcome stored under *key* (a new copy each time), or ``None``."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT data FROM outcome WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:  # the original is fetched again: a request more, nothing lost
            logger.warning("Cannot read a cited original's outcome back (%(error)s): %(key)s",
                           {"error": exc, "key": key})
            return None
        return pickle.loads(row[0]) if row is not None else None

    def close(self) -> None:
        """Drop the store (SQLite deletes its file)."""
        if self._db is not None:
            self._db.close()
            self._db = None
