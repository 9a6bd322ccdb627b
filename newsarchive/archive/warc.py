"""WARC files (ISO 28500, WARC/1.1) written with warcio: rotation, index, reading back.

:class:`RotatingWarcWriter` appends records to
``<prefix>-<timestamp>-<serial>-<host>-<pid>.warc.gz`` (unique per process: two
workers started in the same second on one or two machines never share a name;
one gzip member per record, zlib level :data:`GZIP_LEVEL`), starts every file
with a ``warcinfo`` record (which names the run: ``newsarchive-run``) and opens
the next file once one has reached ``max_size`` bytes, so a file may exceed it
by one record.

A ``304 Not Modified`` is written as a ``revisit`` record (profile
:data:`SERVER_NOT_MODIFIED`) that names the capture it confirms
(``WARC-Refers-To``, ``-Target-URI``, ``-Date``) and carries that capture's
payload digest; its block is empty, so pywb and other players replay the
confirmed capture's status, headers and body (a 304 in the block would be
replayed as an empty page). The 304's own status line and headers go into a
``metadata`` record beside it.

Beside each WARC file a CDXJ index (``<file>.cdxj``) is written as records are
written (one line per ``response``/``revisit`` record, flushed with it), and
sorted when the file is closed: a killed run leaves every line of what it
wrote, unsorted; :func:`ensure_index` (run by ``scrapy replay``) rebuilds an
index that is missing, unsorted or incomplete. The lines are exactly those of
pywb's indexer ``cdxj-indexer`` (SURT urlkeys from the ``surt`` package, the
same fields in the same order).

Writing is plain buffered file I/O: no fsync per record; files are flushed and
closed by :meth:`RotatingWarcWriter.close`.

:func:`iter_responses` and :func:`find_record` read the files back (tests, replays).
"""

from __future__ import annotations

import json
import os
import re
import socket
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import surt as surt_lib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"
#: zlib level of each record's gzip member (warcio uses 9).
GZIP_LEVEL = 6
WARC_SUFFIX = ".warc.gz"
INDEX_SUFFIX = ".cdxj"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD_DIGEST = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
#: ``warcinfo`` field naming the run (one writer, i.e. one crawl process) a file belongs to.
RUN_FIELD = "newsarchive-run"
#: Record types cdxj-indexer indexes by default (metadata/resource only when not application/warc-fields).
INDEXED_TYPES = ("response", "revisit", "resource", "metadata")
_MIME_SPLIT = re.compile(r"[;\s]")

Headers = list[tuple[str, str]]


@dataclass
class WrittenRecord:
    """Where a record went: its id, file and byte range (compressed)."""

    record_id: str
    filename: str
    offset: int
    length: int
    digest: str = ""
    """``WARC-Payload-Digest`` (``sha1:…``), when the record has one."""
    date: str = ""
    """``WARC-Date``."""


@dataclass(frozen=True)
class Capture:
    """A capture an index line points at (what a revisit refers to)."""

    url: str
    date: str
    """``WARC-Date`` (ISO 8601); the CDXJ timestamp has only seconds."""
    digest: str
    filename: str
    offset: int
    record_id: str | None = None


@dataclass
class _OpenFile:
    path: Path
    fh: IO[bytes]
    writer: WARCWriter
    index: IO[str]
    lines: list[str]


class RotatingWarcWriter:
    """Write WARC records into size-rotated gzip files in *directory*.

    *warcinfo* is the body of the ``warcinfo`` record that opens every file
    (``application/warc-fields``: name → value).
    """

    def __init__(self, directory: str | Path, prefix: str, max_size: int, warcinfo: dict[str, str]) -> None:
        if max_size <= 0:
            raise ValueError(f"max_size must be positive, got {max_size}")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.host = _safe(socket.gethostname()) or "host"
        self.pid = os.getpid()
        started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.run_id = f"{prefix}-{started}-{self.host}-{self.pid}"
        self.warcinfo = {**warcinfo, RUN_FIELD: self.run_id}
        self.files: list[Path] = []
        self.records = 0
        self.bytes = 0
        self._serial = 0
        self._current: _OpenFile | None = None

    # -- records ---------------------------------------------------------------

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Headers,
        request_body: bytes,
        status: int,
        reason: str,
        protocol: str,
        response_headers: Headers,
        response_body: bytes,
        request_date: datetime,
        response_date: datetime,
        extra: dict[str, str] | None = None,
    ) -> WrittenRecord:
        """Write a ``response`` record and its ``request`` record; return the response's place."""
        current = self._file()
        writer = current.writer
        http = StatusAndHeaders(f"{status} {reason}".rstrip(), response_headers, protocol=protocol or "HTTP/1.1")
        response = writer.create_warc_record(
            url, "response", payload=BytesIO(response_body), length=len(response_body), http_headers=http,
            warc_headers_dict={"WARC-Date": warc_date(response_date), **(extra or {})},
        )
        return self._write_pair(current, response, url, method, request_headers, request_body, protocol,
                                request_date, response_date)

    def write_not_modified(
        self,
        *,
        url: str,
        method: str,
        request_headers: Headers,
        request_body: bytes,
        reason: str,
        protocol: str,
        response_headers: Headers,
        request_date: datetime,
        response_date: datetime,
        refers_to: Capture | None,
    ) -> WrittenRecord:
        """A ``304``: a ``revisit`` record (server-not-modified) of *refers_to*, its request, and a
        ``metadata`` record with the 304's own status line and headers; return the revisit's place.

        *refers_to* ``None`` (no earlier capture known) leaves the refers-to fields out and says so
        in the metadata record.
        """
        current = self._file()
        writer = current.writer
        headers = {"WARC-Date": warc_date(response_date), "WARC-Profile": SERVER_NOT_MODIFIED}
        if refers_to is not None:
            headers["WARC-Refers-To-Target-URI"] = refers_to.url
            headers["WARC-Refers-To-Date"] = refers_to.date
            if refers_to.record_id:
                headers["WARC-Refers-To"] = refers_to.record_id
            headers["WARC-Payload-Digest"] = refers_to.digest
        revisit = writer.create_warc_record(url, "revisit", payload=BytesIO(b""), length=0,
                                            warc_content_type="", warc_headers_dict=headers)
        placed = self._write_pair(current, revisit, url, method, request_headers, request_body, protocol,
                                  request_date, response_date)
        fields = {"http-response": f"{protocol or 'HTTP/1.1'} 304 {reason}".rstrip()}
        for name, value in response_headers:
            fields[f"http-header-{name.lower()}"] = value
        if refers_to is None:
            fields["refers-to"] = "unknown: no earlier capture of this URL in this run or the indexes beside it"
        note = writer.create_warc_record(
            url, "metadata", payload=BytesIO(_fields_body(fields)), length=len(_fields_body(fields)),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": warc_date(response_date), "WARC-Concurrent-To": placed.record_id},
        )
        self._write(current, note)
        self._maybe_rotate()
        return placed

    def write_metadata(self, url: str, fields: dict[str, str], date: datetime) -> WrittenRecord:
        """Write a ``metadata`` record (``application/warc-fields``) about *url*."""
        current = self._file()
        body = _fields_body(fields)
        record = current.writer.create_warc_record(
            url, "metadata", payload=BytesIO(body), length=len(body), warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": warc_date(date)},
        )
        placed = self._write(current, record)
        self._maybe_rotate()
        return placed

    def close(self) -> None:
        """Flush and close the current file; its index is rewritten sorted."""
        current, self._current = self._current, None
        if current is None:
            return
        current.fh.close()
        current.index.close()
        _write_sorted(index_path(current.path), current.lines)

    # -- files -----------------------------------------------------------------

    def _write_pair(self, current: _OpenFile, response: Any, url: str, method: str, request_headers: Headers,
                    request_body: bytes, protocol: str, request_date: datetime,
                    response_date: datetime) -> WrittenRecord:
        writer = current.writer
        response_id: str = response.rec_headers.get_header("WARC-Record-ID")
        target = _request_target(url)
        req_http = StatusAndHeaders(f"{method} {target} {protocol or 'HTTP/1.1'}", request_headers,
                                    is_http_request=True)
        request = writer.create_warc_record(
            url, "request", payload=BytesIO(request_body), length=len(request_body), http_headers=req_http,
            warc_headers_dict={"WARC-Date": warc_date(request_date), "WARC-Concurrent-To": response_id},
        )
        response.rec_headers.add_header("WARC-Concurrent-To", request.rec_headers.get_header("WARC-Record-ID"))
        placed = self._write(current, response)
        self._write(current, request)
        line = cdxj_line_for(response, placed)
        if line is not None:
            current.lines.append(line)
            current.index.write(line)
            current.index.flush()
        self._maybe_rotate()
        return placed

    def _file(self) -> _OpenFile:
        if self._current is not None:
            return self._current
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.host}-{self.pid}{WARC_SUFFIX}"
            path = self.directory / name
            self._serial += 1
            try:
                fh = path.open("xb")  # never append to another run's file
            except FileExistsError:
                continue
            break
        writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)  # compressed by _write
        index = index_path(path).open("w", encoding="utf-8")
        self._current = _OpenFile(path, fh, writer, index, [])
        self.files.append(path)
        info = writer.create_warcinfo_record(path.name, self.warcinfo)
        self._write(self._current, info)
        return self._current

    def _write(self, current: _OpenFile, record: Any) -> WrittenRecord:
        # warcio serialises the record uncompressed into memory; it becomes one gzip member here,
        # at GZIP_LEVEL instead of warcio's 9 (several times faster on HTML, a few % larger),
        # with one write and one flush per record (a killed run still leaves whole records)
        offset = current.fh.tell()
        buffer = BytesIO()
        current.writer.out = buffer
        current.writer.write_record(record)
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        current.fh.write(packer.compress(buffer.getbuffer()) + packer.flush())
        current.fh.flush()
        length = current.fh.tell() - offset
        self.records += 1
        self.bytes += length
        headers = record.rec_headers
        return WrittenRecord(headers.get_header("WARC-Record-ID"), current.path.name, offset, length,
                             headers.get_header("WARC-Payload-Digest") or "", headers.get_header("WARC-Date") or "")

    def _maybe_rotate(self) -> None:
        if self._current is not None and self._current.fh.tell() >= self.max_size:
            self.close()


# -- helpers -----------------------------------------------------------------------


def warc_date(when: datetime) -> str:
    """``WARC-Date`` for WARC/1.1: UTC with microseconds, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def surt(url: str) -> str:
    """The CDXJ urlkey of *url*: SURT as pywb and cdxj-indexer write it (the ``surt`` package)."""
    try:
        return str(surt_lib.surt(url))
    except Exception:  # cdxj-indexer falls back to the URL itself
        return url


def index_path(warc: Path) -> Path:
    return warc.with_name(warc.name + INDEX_SUFFIX)


def cdxj_line_for(record: Any, placed: WrittenRecord | None = None, *, offset: int | None = None,
                  length: int | None = None, filename: str | None = None) -> str | None:
    """The CDXJ line cdxj-indexer writes for a warcio *record* at this place, or ``None`` if it skips it."""
    if record.rec_type not in INDEXED_TYPES:
        return None
    content_type = record.rec_headers.get_header("Content-Type")
    if record.rec_type in ("resource", "metadata") and content_type == "application/warc-fields":
        return None
    fields: dict[str, str] = {}
    url = record.rec_headers.get_header("WARC-Target-URI")
    if url is not None:
        fields["url"] = url
    if record.rec_type == "revisit":
        mime: str | None = "warc/revisit"
    else:
        raw = (record.http_headers.get_header("Content-Type") if record.http_headers else None) \
            if record.rec_type == "response" else content_type
        mime = _MIME_SPLIT.split(raw, 1)[0].strip() if raw else raw
    if mime is not None:
        fields["mime"] = mime
    if record.rec_type in ("response", "revisit") and record.http_headers and record.http_headers.statusline:
        fields["status"] = record.http_headers.get_statuscode()
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    if digest is not None:
        fields["digest"] = digest
    fields["length"] = str(placed.length if placed else length)
    fields["offset"] = str(placed.offset if placed else offset)
    fields["filename"] = placed.filename if placed else str(filename)
    stamp = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
    return f"{surt(url or '')} {stamp} {json.dumps(fields)}\n"


def ensure_index(path: Path, lines: list[str]) -> bool:
    """Rewrite ``<path>.cdxj`` when it is missing or differs from *lines* (the file's sorted CDXJ lines,
    read by :func:`newsarchive.archive.scan.scan_files`); ``True`` if rewritten."""
    target = index_path(path)
    try:
        if target.read_text(encoding="utf-8").splitlines(keepends=True) == lines:
            return False
    except FileNotFoundError:
        pass
    _write_sorted(target, lines)
    return True


def _write_sorted(target: Path, lines: list[str]) -> None:
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("".join(sorted(lines)), encoding="utf-8")
    os.replace(tmp, target)


def latest_captures(directory: str | Path, *, modified_since: float | None = None) -> dict[str, Capture]:
    """URL → its latest 2xx ``response`` capture, from the CDXJ indexes under *directory*
    (only those modified at or after *modified_since*, a POSIX time, when given)."""
    found: dict[str, Capture] = {}
    root = Path(directory)
    if not root.is_dir():
        return found
    for index in sorted(root.rglob(f"*{INDEX_SUFFIX}")):
        if modified_since is not None and index.stat().st_mtime < modified_since:
            continue
        for line in index.read_text(encoding="utf-8").splitlines():
            try:
                _key, stamp, blob = line.split(" ", 2)
                entry = json.loads(blob)
            except ValueError:
                continue
            if entry.get("mime") == "warc/revisit" or not str(entry.get("status", "")).startswith("2"):
                continue
            url = entry.get("url")
            old = found.get(url)
            if url and (old is None or stamp >= _stamp_of(old.date)):
                found[url] = Capture(url=url, date=stamp, digest=entry.get("digest", ""),
                                     filename=str(index.parent / entry["filename"]), offset=int(entry["offset"]))
    return found


def complete_capture(capture: Capture) -> Capture:
    """*capture* (from an index line) with its exact ``WARC-Date`` and record id, read from its record."""
    with Path(capture.filename).open("rb") as fh:
        fh.seek(capture.offset)
        record = next(iter(ArchiveIterator(fh)))
        return Capture(url=capture.url, date=record.rec_headers.get_header("WARC-Date") or capture.date,
                       digest=capture.digest, filename=Path(capture.filename).name, offset=capture.offset,
                       record_id=record.rec_headers.get_header("WARC-Record-ID"))


def _stamp_of(date: str) -> str:
    return date if date.isdigit() else iso_date_to_timestamp(date)


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    split = urlsplit(url)
    return (split.path or "/") + (f"?{split.query}" if split.query else "")


def _fields_body(fields: dict[str, str]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in name)


# -- reading -----------------------------------------------------------------------


@dataclass
class StoredRecord:
    """One WARC record read back, body as stored (still Content-Encoded)."""

    record_id: str
    rec_type: str
    url: str | None
    date: str
    warc_headers: Headers
    status: int | None
    http_headers: Headers
    body: bytes
    filename: str
    offset: int


def warc_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """WARC files named by *paths*: files, or folders searched recursively, in name order."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.name.endswith((".warc", ".warc.gz"))))
        else:
            found.append(path)
    return found


def iter_records(paths: str | Path | Iterable[str | Path]) -> Iterator[StoredRecord]:
    for path in warc_paths(paths):
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                http = record.http_headers
                status = None
                if http is not None and record.rec_type in ("response", "revisit"):
                    status = int(http.get_statuscode())
                body = record.raw_stream.read()
                yield StoredRecord(
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    rec_type=record.rec_type,
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    date=record.rec_headers.get_header("WARC-Date"),
                    warc_headers=list(record.rec_headers.headers),
                    status=status,
                    http_headers=list(http.headers) if http is not None else [],
                    body=body,
                    filename=path.name,
                    offset=records.get_record_offset(),
                )


def iter_responses(paths: str | Path | Iterable[str | Path]) -> Iterator[tuple[str, str, int, Headers, bytes]]:
    """``(record_id, url, status, headers, body)`` of every ``response`` record, body as stored."""
    for record in iter_records(paths):
        if record.rec_type == "response" and record.url is not None and record.status is not None:
            yield record.record_id, record.url, record.status, record.http_headers, record.body


def find_record(paths: str | Path | Iterable[str | Path], record_id: str) -> StoredRecord | None:
    """The record with ``WARC-Record-ID`` *record_id*, or ``None``."""
    for record in iter_records(paths):
        if record.record_id == record_id:
            return record
    return None


def default_prefix(spider_name: str | None) -> str:
    """File prefix when ``NEWSARCHIVE_WARC_PREFIX`` is empty: the spider name, file-name safe."""
    name = spider_name or "crawl"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "crawl"


__all__ = [
    "SERVER_NOT_MODIFIED",
    "Capture",
    "RotatingWarcWriter",
    "StoredRecord",
    "WrittenRecord",
    "complete_capture",
    "default_prefix",
    "ensure_index",
    "find_record",
    "iter_records",
    "iter_responses",
    "latest_captures",
    "surt",
    "warc_paths",
]
