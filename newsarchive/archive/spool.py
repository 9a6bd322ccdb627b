"""A local JSON-lines spool for records the database could not take.

When the database is down at open, or a batch fails to write or commit, the
records of that batch are appended to the spool (one JSON object a line,
UTF-8; flushed and fsynced per batch) instead of being lost. The next
successful open, or ``scrapy export-db``, drains it with :func:`drain`: every
record is upserted in one transaction, and the spool is removed only after that
commit. Upserts are idempotent, so a crash between the commit and the removal
just replays the same records.

Lines that are not valid JSON (a run killed mid-write) are moved to
``<spool>.rejected`` with an error; records the database refuses stay in the
spool for the next attempt.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsarchive.archive.db import ArticleStore

logger = logging.getLogger(__name__)


def default_spool_path(db_name: str, data_dir: str | Path = "data") -> Path:
    """``<data dir>/spool/<db-name>.jsonl``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in db_name) or "database"
    return Path(data_dir) / "spool" / f"{safe}.jsonl"


class Spool:
    """Append-only JSON-lines file of records (see the module docs)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append *records*, flushed and fsynced; return how many were written."""
        lines = [json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records]
        if not lines:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
        return len(lines)

    def read(self) -> tuple[list[dict[str, Any]], list[str]]:
        """``(records, unreadable lines)``; both empty when there is no spool."""
        if not self.path.exists():
            return [], []
        records: list[dict[str, Any]] = []
        bad: list[str] = []
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    bad.append(line.rstrip("\n"))
                    continue
                if isinstance(value, dict):
                    records.append(value)
                else:
                    bad.append(line.rstrip("\n"))
        return records, bad

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            return sum(1 for line in fh if line.strip())

    def replace(self, records: list[dict[str, Any]]) -> None:
        """Make *records* the whole spool (atomically); remove the file when empty."""
        if not records:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        Spool(tmp).append(records)
        os.replace(tmp, self.path)

    def reject(self, lines: list[str]) -> Path:
        """Keep unreadable *lines* in ``<spool>.rejected``; return that path."""
        rejected = self.path.with_name(self.path.name + ".rejected")
        with rejected.open("a", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in lines)
            fh.flush()
            os.fsync(fh.fileno())
        return rejected


@dataclass
class DrainResult:
    written: int = 0
    """Records now in the database."""
    kept: int = 0
    """Records the database refused, still in the spool."""
    rejected: int = 0
    """Unreadable lines moved to ``<spool>.rejected``."""


def drain(spool: Spool, store: ArticleStore) -> DrainResult:
    """Write the spooled records into *store* (one transaction), then shrink the spool.

    Raises :class:`~newsarchive.archive.db.StoreError` (spool untouched) when the
    database fails; records it refuses one by one stay in the spool.
    """
    from newsarchive.archive.db import RecordError

    records, bad = spool.read()
    result = DrainResult()
    if bad:
        path = spool.reject(bad)
        result.rejected = len(bad)
        logger.error("Spool %(spool)s: %(n)d unreadable lines moved to %(path)s",
                     {"spool": spool.path, "n": len(bad), "path": path})
    if not records:
        spool.replace([])
        return result
    kept: list[dict[str, Any]] = []
    try:
        for record in records:
            try:
                store.upsert(record)
            except RecordError as exc:
                logger.error("Spool %(spool)s: record refused, kept: %(error)s", {"spool": spool.path, "error": exc})
                kept.append(record)
        store.commit()
    except BaseException:
        store.rollback()
        if bad:  # the readable part stays, without the lines already moved aside
            spool.replace(records)
        raise
    spool.replace(kept)
    result.written = len(records) - len(kept)
    result.kept = len(kept)
    logger.info("Spool %(spool)s: %(n)d records written to %(db)s, %(kept)d kept",
                {"spool": spool.path, "n": result.written, "db": store.display_url, "kept": result.kept})
    return result
