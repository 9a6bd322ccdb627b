"""One pass over WARC files for a replay's index, in parallel over files and over byte ranges.

A replay starts by reading every record header of the archive (:meth:`newsarchive.replay.ReplayIndex.build`):
which URL each response, revisit and recorded failure answers, and the CDXJ line of each record (to
rewrite an index that is missing or incomplete). That pass is all decompression and header parsing,
so it divides: :func:`scan_files` reads the files, and a large file in byte ranges that start on its
records (the offsets of its ``.cdxj`` index), in up to *processes* forked processes.

A range is read up to the record that starts the next range, and must meet it exactly: the first
range starts at the file's start, so each range then starts where a record starts, and together they
read what one pass reads, in file order. A range that does not meet the next one's start, or cannot
be read (a stale or damaged ``.cdxj``), is discarded and its whole file read again in one pass.

The HTTP headers of ``request`` records are not parsed (nothing here reads them): a quarter of
warcio's header parsing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive.warc import INDEXED_TYPES, cdxj_line_for, index_path

logger = logging.getLogger(__name__)

#: A file smaller than this is read in one pass (a process costs more than it saves).
MIN_RANGE_BYTES = 16 * 1024 * 1024
_OFFSET_RE = re.compile(rb'"offset": "(\d+)"')
_HEADERS_PARSED = ("response", "revisit")  # the types whose HTTP headers the index reads


@dataclass(frozen=True)
class Entry:
    """One record about a URL: a response, a revisit or a failed request (``fetch-error``)."""

    kind: str  # "response" | "revisit" | "failure"
    url: str
    date: str
    path: Path
    offset: int
    record_id: str
    status: int | None = None
    digest: str = ""
    refers_to: str = ""
    refers_to_uri: str = ""
    refers_to_date: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "response" and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Part:
    """Bytes ``start`` to ``end`` of a WARC file (``end`` ``None``: to its end), starting on a record."""

    path: Path
    start: int = 0
    end: int | None = None


@dataclass
class FileScan:
    """The records of one file (in file order) and their CDXJ lines (unsorted)."""

    records: list[Entry] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    complete: bool = True
    """``False``: a range could not be read from its start, or did not end on a record (read the file
    again in one pass)."""


def warc_fields(body: bytes) -> dict[str, str]:
    """The ``name: value`` lines of an ``application/warc-fields`` block (first value of each name)."""
    fields: dict[str, str] = {}
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return fields


def scan_part(part: Part) -> FileScan:
    """Read the records of *part*; a ranged part that is not on record boundaries comes back incomplete."""
    scan = FileScan()
    ranged = part.start > 0 or part.end is not None
    try:
        _scan(part, scan)
    except Exception:  # a range that starts inside a record (a stale .cdxj): the file is read again in one pass
        if not ranged:
            raise
        scan.complete = False
    return scan


def _scan(part: Part, scan: FileScan) -> None:
    path = part.path
    with path.open("rb") as fh:
        fh.seek(part.start)
        records = ArchiveIterator(fh, no_record_parse=True)
        for record in records:
            rec_type = record.rec_type
            headers = record.rec_headers
            url = headers.get_header("WARC-Target-URI") or ""
            if rec_type in _HEADERS_PARSED:  # what ArchiveIterator would parse, for these types only
                record.http_headers = records.loader.load_http_headers(rec_type, url, record.raw_stream,
                                                                       record.length)
            # a metadata record's body first: asking for the offset reads the record to its end
            body = record.content_stream().read() if rec_type == "metadata" else b""
            offset = records.get_record_offset()
            if part.end is not None and offset >= part.end:
                scan.complete = offset == part.end  # the next range's first record
                return
            found = _entry(rec_type, url, path, offset, headers, record.http_headers, body)
            if found is not None and url:
                scan.records.append(found)
            if rec_type in INDEXED_TYPES:
                line = cdxj_line_for(record, offset=offset, length=records.get_record_length(), filename=path.name)
                if line is not None:
                    scan.lines.append(line)
    if part.end is not None:  # the file ended before the range did
        scan.complete = False


def _entry(rec_type: str, url: str, path: Path, offset: int, headers: object, http: object,
           body: bytes) -> Entry | None:
    get = headers.get_header  # type: ignore[attr-defined]
    date = get("WARC-Date") or ""
    record_id = get("WARC-Record-ID") or ""
    if rec_type == "response" and http is not None:
        return Entry("response", url, date, path, offset, record_id,
                     int(http.get_statuscode() or 0), get("WARC-Payload-Digest") or "")  # type: ignore[attr-defined]
    if rec_type == "revisit":
        return Entry("revisit", url, date, path, offset, record_id, None, get("WARC-Payload-Digest") or "",
                     get("WARC-Refers-To") or "", get("WARC-Refers-To-Target-URI") or "",
                     get("WARC-Refers-To-Date") or "")
    if rec_type == "metadata":
        fields = warc_fields(body)
        if "fetch-error" in fields:
            return Entry("failure", url, date, path, offset, record_id, error=fields["fetch-error"])
    return None


def file_parts(path: Path, pieces: int) -> list[Part]:
    """*path* in up to *pieces* ranges of about equal size, cut at record offsets its ``.cdxj`` names."""
    size = path.stat().st_size
    if pieces < 2 or size < MIN_RANGE_BYTES:
        return [Part(path)]
    try:
        offsets = sorted({int(m) for m in _OFFSET_RE.findall(index_path(path).read_bytes())})
    except OSError:  # no index yet: one pass (which writes it)
        return [Part(path)]
    cuts: list[int] = []
    at = 0
    for k in range(1, pieces):
        goal = size * k // pieces
        while at < len(offsets) and offsets[at] < goal:
            at += 1
        if at < len(offsets) and offsets[at] < size and (not cuts or offsets[at] > cuts[-1]):
            cuts.append(offsets[at])
    bounds = [0, *cuts]
    return [Part(path, start, end) for start, end in zip(bounds, [*cuts, None], strict=True)]


def default_processes() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def scan_files(paths: list[Path], processes: int = 1) -> list[FileScan]:
    """The records and CDXJ lines of each of *paths* (same order), read in up to *processes* processes.

    The processes are forked (they need nothing but this module), and only from a process that runs a
    single thread: otherwise, or where ``fork`` does not exist, the files are read here, one by one.
    """
    owners: list[int] = []  # the position in *paths* of each part's file
    parts: list[Part] = []
    for i, path in enumerate(paths):
        found = file_parts(path, processes)
        owners += [i] * len(found)
        parts += found
    if processes < 2 or len(parts) < 2 or not _can_fork():
        logger.debug("Replay index: %(parts)d part(s) of %(files)d file(s) read in this process",
                     {"parts": len(parts), "files": len(paths)})
        scans = [scan_part(part) for part in parts]
    else:
        logger.debug("Replay index: %(parts)d parts of %(files)d file(s) read by %(n)d forked processes",
                     {"parts": len(parts), "files": len(paths), "n": min(processes, len(parts))})
        scans = _forked_map(parts, min(processes, len(parts)))
    per_file: list[list[FileScan]] = [[] for _ in paths]
    for owner, scan in zip(owners, scans, strict=True):
        per_file[owner].append(scan)
    return [_joined(path, found) for path, found in zip(paths, per_file, strict=True)]


def _joined(path: Path, scans: list[FileScan]) -> FileScan:
    """One file's scan from its ranges' (in file order); read again in one pass if a range was off its records."""
    if len(scans) == 1 and scans[0].complete:
        return scans[0]
    if not all(scan.complete for scan in scans):
        logger.debug("Replay: %(path)s read again in one pass (its .cdxj offsets are not on records)",
                     {"path": path})
        return scan_part(Part(path))
    whole = FileScan()
    for scan in scans:
        whole.records.extend(scan.records)
        whole.lines.extend(scan.lines)
    return whole


def _forked_map(parts: list[Part], processes: int) -> list[FileScan]:
    """:func:`scan_part` of each part in *processes* forked processes, which end when the work does.

    The workers are asked to stop when the work is done, not killed: a forked worker inherits its
    parent's signal handlers (a crawl's SIGTERM handler waits for a reactor the worker does not run),
    and one left to ``multiprocessing.Pool.terminate()`` outlived the replay, holding its output pipes
    open. Each worker also puts the default handlers back. A worker that dies (the OOM killer) breaks
    the pool instead of leaving its part unanswered: the parts are then read here, one by one.
    """
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_default_signals) as pool:
            return list(pool.map(scan_part, parts))
    except BrokenProcessPool as exc:
        logger.warning("Replay index: a worker process died (%(error)s); reading the files in this process",
                       {"error": exc})
        return [scan_part(part) for part in parts]


def _default_signals() -> None:
    """In a forked worker: the default SIGTERM and SIGINT, and no wake-up fd shared with the parent's loop."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
