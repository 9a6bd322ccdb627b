"""A local JSON-lines spool for records the database could not take.

When the database is down at open, or a batch fails to write or commit, the
records of that batch are appended to the spool (one JSON object a line,
UTF-8; flushed and fsynced per batch) instead of being lost. The next
successful open, or ``scrapy export-db``, drains it with :func:`drain`: every
record is upserted in one transaction, and the spool is removed only after that
commit. Upserts are idempotent, so a crash between the commit and the removal
just replays the same records.

Lines that are not valid JSON (a run killed mid-write) are moved to
``<spool>.rejected`` with an error. A record the database refuses (its data,
not the connection) stays in the spool for the next attempt, and its refusals
are counted in ``<spool>.attempts.json`` (by URL, with the last reason); once a
record has been refused ``max_attempts`` times it leaves the spool for the
dead-letter file (:class:`DeadLetters`, one JSON object a line: ``reason``,
``attempts``, ``at``, ``database``, ``record``), so one bad record is never
retried forever and never keeps every later run failing.

Spool and dead-letter file names never come from the database URL as written
(a password with an unescaped ``/`` would leak into them): see :func:`spool_name`.

Several processes may share one data folder, hence one spool (parallel crawls, ``scrapy replay
--workers``, ``export-db`` during a crawl). A batch is one ``O_APPEND`` write under an exclusive
lock on ``<spool>.lock`` (``flock``), so batches never interleave and a drain never reads half of
one. Drains take ``<spool>.drain.lock`` (one at a time); the database work runs without the append
lock, and records appended meanwhile are kept when the drain rewrites the spool (only what it read
is replaced). The two lock files are empty and stay beside the spool.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from newsarchive.secrets import redact, redact_url

if TYPE_CHECKING:
    from newsarchive.archive.db import ArticleStore

logger = logging.getLogger(__name__)


#: Refusals after which a spooled record goes to the dead-letter file (NEWSARCHIVE_DATABASE_MAX_ATTEMPTS).
DEFAULT_MAX_ATTEMPTS = 3


def spool_name(url: str) -> str:
    """The spool's file stem for a database URL, never made of the URL's raw text.

    SQLite: the file's stem (``newsarchive`` for ``sqlite:///data/newsarchive.sqlite3``). Any other
    database: ``<scheme>-<12 hex digits>``, a hash of the URL with its password redacted, so the name
    stays the same when the password changes and shows no piece of it, however the URL is written.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        stem = Path(unquote(urlsplit(url).path)).stem
        return _safe(stem) or "database"
    digest = hashlib.sha256(redact_url(url).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{_safe(scheme) or 'database'}-{digest}"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def default_spool_path(db_name: str, data_dir: str | Path = "data") -> Path:
    """``<data dir>/spool/<db-name>.jsonl`` (*db_name*: :func:`spool_name`)."""
    return Path(data_dir) / "spool" / f"{_safe(db_name) or 'database'}.jsonl"


def default_dead_letter_path(db_name: str, data_dir: str | Path = "data") -> Path:
    """``<data dir>/dead-letter/<db-name>.jsonl`` (*db_name*: :func:`spool_name`)."""
    return Path(data_dir) / "dead-letter" / f"{_safe(db_name) or 'database'}.jsonl"


def _dumps(value: Any) -> str:
    """One JSON line, UTF-8 readable; ``\\u`` escapes only when the value holds text UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, so the line is still exact
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text + "\n"


def record_key(record: dict[str, Any]) -> str:
    """What identifies a spooled record across runs: its URL, else a hash of its content."""
    url = record.get("url")
    if isinstance(url, str) and url:
        return url
    return "sha256:" + hashlib.sha256(_dumps(record).encode()).hexdigest()


def _parse(data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """``(records, unreadable lines)`` of spool bytes (a torn last line is unreadable)."""
    records: list[dict[str, Any]] = []
    bad: list[str] = []
    for line in data.decode("utf-8", errors="replace").split("\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            bad.append(line)
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            bad.append(line)
    return records, bad


class Spool:
    """Append-only JSON-lines file of records, safe to share between processes (see the module docs)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def drain_lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".drain.lock")

    @contextlib.contextmanager
    def _lock(self, path: Path) -> Iterator[None]:
        """An exclusive ``flock`` on *path* (created empty), released when the block ends.

        Not re-entrant: a second lock of the same file in the same process waits forever.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the append lock: no other process writes the spool or its refusal counts meanwhile."""
        return self._lock(self.lock_path)

    def draining(self) -> contextlib.AbstractContextManager[None]:
        """Hold the drain lock: one drain at a time."""
        return self._lock(self.drain_lock_path)

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append *records* as one write, under the append lock, fsynced; return how many were written."""
        lines = [_dumps(record) for record in records]
        if not lines:
            return 0
        with self.locked():
            self._write("".join(lines).encode("utf-8"))
        return len(lines)

    def _write(self, payload: bytes) -> None:
        """Append *payload* in one ``O_APPEND`` write, fsynced (the caller holds the append lock)."""
        data = memoryview(payload)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            while data:  # a regular file takes it in one go; a short write is finished, never retried whole
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[dict[str, Any]], list[str]]:
        """``(records, unreadable lines)``; both empty when there is no spool."""
        records, bad, _ = self._snapshot()
        return records, bad

    def _snapshot(self) -> tuple[list[dict[str, Any]], list[str], int]:
        """``(records, unreadable lines, bytes read)`` of the whole spool, read under the append lock."""
        if not self.path.exists():
            return [], [], 0
        with self.locked():
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return [], [], 0
        records, bad = _parse(data)
        return records, bad, len(data)

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            return sum(1 for line in fh if line.strip())

    def replace(self, records: list[dict[str, Any]], *, after: int | None = None) -> None:
        """Make *records* the whole spool (atomically); remove the file when empty.

        With *after* (the bytes a drain read), what other processes appended since is kept after
        *records*. The caller holds the append lock.
        """
        tail = b""
        if after is not None:
            try:
                with self.path.open("rb") as fh:
                    fh.seek(after)
                    tail = fh.read()
            except FileNotFoundError:
                pass
        if not records and not tail:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        Spool(tmp)._write("".join(_dumps(record) for record in records).encode("utf-8") + tail)
        os.replace(tmp, self.path)

    def reject(self, lines: list[str]) -> Path:
        """Keep unreadable *lines* in ``<spool>.rejected``; return that path."""
        rejected = self.path.with_name(self.path.name + ".rejected")
        with rejected.open("a", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in lines)
            fh.flush()
            os.fsync(fh.fileno())
        return rejected

    @property
    def attempts_path(self) -> Path:
        return self.path.with_name(self.path.name + ".attempts.json")

    def attempts(self) -> dict[str, dict[str, Any]]:
        """``{record key: {"attempts": n, "reason": last refusal}}`` of the records the database refused."""
        try:
            value = json.loads(self.attempts_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def save_attempts(self, attempts: dict[str, dict[str, Any]]) -> None:
        """Replace the refusal counts (atomically); remove the file when there are none."""
        if not attempts:
            self.attempts_path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.attempts_path.with_name(self.attempts_path.name + ".tmp")
        tmp.write_text(json.dumps(attempts, ensure_ascii=True, indent=1), encoding="utf-8")
        os.replace(tmp, self.attempts_path)

    def refused(self, record: dict[str, Any], reason: str) -> int:
        """Count one refusal of *record* (already in the spool or about to be); return its refusals so far."""
        with self.locked():
            attempts = self.attempts()
            entry = attempts.setdefault(record_key(record), {"attempts": 0})
            entry["attempts"] = int(entry.get("attempts") or 0) + 1
            entry["reason"] = redact(reason)
            self.save_attempts(attempts)
        return int(entry["attempts"])


class DeadLetters:
    """Records no database attempt could store, with the reason (append-only JSON lines, fsynced)."""

    def __init__(self, path: str | Path, database: str = "") -> None:
        self.path = Path(path)
        self.database = database

    def add(self, record: dict[str, Any], reason: str, attempts: int) -> None:
        entry = {"reason": redact(reason), "attempts": attempts,
                 "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "database": self.database,
                 "record": record}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(_dumps(entry))
            fh.flush()
            os.fsync(fh.fileno())

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            return sum(1 for line in fh if line.strip())


@dataclass
class DrainResult:
    written: int = 0
    """Records now in the database."""
    kept: int = 0
    """Records the database refused, still in the spool."""
    rejected: int = 0
    """Unreadable lines moved to ``<spool>.rejected``."""
    dead_lettered: list[str] = field(default_factory=list)
    """Keys (URLs) of the records moved to the dead-letter file by this drain."""


def drain(spool: Spool, store: ArticleStore, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
          dead_letters: DeadLetters | None = None) -> DrainResult:
    """Write the spooled records into *store* (one transaction), then shrink the spool.

    Raises :class:`~newsarchive.archive.db.StoreError` (spool untouched) when the
    database fails; records it refuses one by one stay in the spool until they have
    been refused *max_attempts* times (the refusal during the run that spooled them
    included), then go to *dead_letters* (without one, they stay). One drain at a time;
    records other processes append while it runs stay in the spool.
    """
    with spool.draining():
        return _drain(spool, store, max_attempts=max_attempts, dead_letters=dead_letters)


def _drain(spool: Spool, store: ArticleStore, *, max_attempts: int,
           dead_letters: DeadLetters | None) -> DrainResult:
    from newsarchive.archive.db import RecordError

    records, bad, size = spool._snapshot()
    result = DrainResult()
    if bad:
        path = spool.reject(bad)
        result.rejected = len(bad)
        logger.error("Spool %(spool)s: %(n)d unreadable lines moved to %(path)s",
                     {"spool": spool.path, "n": len(bad), "path": path})
    if not records:
        with spool.locked():
            spool.replace([], after=size)
            spool.save_attempts(_appended_attempts(spool, spool.attempts(), {}, after=size))
        return result
    kept: list[dict[str, Any]] = []
    refusals: list[tuple[dict[str, Any], str]] = []
    try:
        for record in records:
            try:
                store.upsert(record)
            except RecordError as exc:
                kept.append(record)
                refusals.append((record, str(exc)))
        store.commit()
    except BaseException:
        store.rollback()
        if bad:  # the readable part stays, without the lines already moved aside
            with spool.locked():
                spool.replace(records, after=size)
        raise
    with spool.locked():
        attempts = spool.attempts()
        still: dict[str, dict[str, Any]] = {}
        for record, reason in refusals:
            key = record_key(record)
            entry = attempts.get(key) or {"attempts": 0}
            count = int(entry.get("attempts") or 0) + 1
            if dead_letters is not None and count >= max_attempts:
                dead_letters.add(record, reason, count)
                kept.remove(record)
                result.dead_lettered.append(key)
                logger.error("Spool %(spool)s: %(key)s refused %(n)d times, moved to the dead-letter file %(dead)s: "
                             "%(error)s", {"spool": spool.path, "key": key, "n": count, "dead": dead_letters.path,
                                           "error": reason})
            else:
                still[key] = {"attempts": count, "reason": redact(reason)}
                logger.error("Spool %(spool)s: record refused (%(n)d of %(max)d attempts), kept: %(error)s",
                             {"spool": spool.path, "n": count, "max": max_attempts, "error": reason})
        appended = _appended_attempts(spool, attempts, still, after=size)
        spool.replace(kept, after=size)
        spool.save_attempts(appended)
    result.written = len(records) - len(refusals)
    result.kept = len(kept)
    logger.info("Spool %(spool)s: %(n)d records written to %(db)s, %(kept)d kept, %(dead)d dead-lettered",
                {"spool": spool.path, "n": result.written, "db": store.display_url, "kept": result.kept,
                 "dead": len(result.dead_lettered)})
    return result


def _appended_attempts(spool: Spool, attempts: dict[str, dict[str, Any]], still: dict[str, dict[str, Any]], *,
                       after: int) -> dict[str, dict[str, Any]]:
    """The refusal counts after a drain: *still* (this drain's refusals), plus the counts of records other
    processes appended after the first *after* bytes the drain read (the caller holds the append lock)."""
    try:
        with spool.path.open("rb") as fh:
            fh.seek(after)
            tail = fh.read()
    except FileNotFoundError:
        return dict(still)
    records, _ = _parse(tail)
    keys = {record_key(record) for record in records}
    return {**{key: value for key, value in attempts.items() if key in keys}, **still}
