"""WARC files (ISO 28500, WARC/1.1) written with warcio: rotation, index, reading back.

:class:`RotatingWarcWriter` appends records to ``<prefix>-<timestamp>-<serial>.warc.gz``
(one gzip member per record, zlib level :data:`GZIP_LEVEL`), starts every file with a ``warcinfo`` record and
opens the next file once one has reached ``max_size`` bytes, so a file may
exceed it by one record. Beside each WARC file it writes a CDXJ index
(``<file>.cdxj``, one line per ``response`` record, sorted), built from the
offsets the writer knows, when the file is closed. A run that is killed leaves
a valid WARC file without its index; ``warcio index`` rebuilds one.

Writing is plain buffered file I/O: no fsync per record; files are flushed and
closed by :meth:`RotatingWarcWriter.close`.

:func:`iter_responses` and :func:`find_record` read the files back (tests, replays).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"
#: zlib level of each record's gzip member (warcio uses 9).
GZIP_LEVEL = 6
WARC_SUFFIX = ".warc.gz"
INDEX_SUFFIX = ".cdxj"

Headers = list[tuple[str, str]]


@dataclass
class WrittenRecord:
    """Where a record went: its id, file and byte range (compressed)."""

    record_id: str
    filename: str
    offset: int
    length: int


@dataclass
class _OpenFile:
    path: Path
    fh: IO[bytes]
    writer: WARCWriter
    index: list[str] = field(default_factory=list)


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
        self.warcinfo = warcinfo
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
        response_id: str = response.rec_headers.get_header("WARC-Record-ID")
        split = urlsplit(url)
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        req_http = StatusAndHeaders(f"{method} {target} {protocol or 'HTTP/1.1'}", request_headers,
                                    is_http_request=True)
        request = writer.create_warc_record(
            url, "request", payload=BytesIO(request_body), length=len(request_body), http_headers=req_http,
            warc_headers_dict={"WARC-Date": warc_date(request_date), "WARC-Concurrent-To": response_id},
        )
        response.rec_headers.add_header("WARC-Concurrent-To", request.rec_headers.get_header("WARC-Record-ID"))
        placed = self._write(current, response)
        self._write(current, request)
        current.index.append(cdxj_line(
            url, response_date, {
                "url": url,
                "mime": _mime(response_headers),
                "status": str(status),
                "digest": str(response.rec_headers.get_header("WARC-Payload-Digest") or "").removeprefix("sha1:"),
                "length": str(placed.length),
                "offset": str(placed.offset),
                "filename": placed.filename,
                "record_id": response_id,
            }))
        self._maybe_rotate()
        return placed

    def write_metadata(self, url: str, fields: dict[str, str], date: datetime) -> WrittenRecord:
        """Write a ``metadata`` record (``application/warc-fields``) about *url*."""
        current = self._file()
        body = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")
        record = current.writer.create_warc_record(
            url, "metadata", payload=BytesIO(body), length=len(body), warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": warc_date(date)},
        )
        placed = self._write(current, record)
        self._maybe_rotate()
        return placed

    def close(self) -> None:
        """Flush and close the current file and write its index."""
        current, self._current = self._current, None
        if current is None:
            return
        current.fh.close()
        index_path = current.path.with_name(current.path.name + INDEX_SUFFIX)
        index_path.write_text("".join(sorted(current.index)), encoding="utf-8")

    # -- files -----------------------------------------------------------------

    def _file(self) -> _OpenFile:
        if self._current is not None:
            return self._current
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            path = self.directory / f"{self.prefix}-{stamp}-{self._serial:05d}{WARC_SUFFIX}"
            self._serial += 1
            try:
                fh = path.open("xb")  # never append to another run's file
            except FileExistsError:
                continue
            break
        writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)  # compressed by _write
        self._current = _OpenFile(path, fh, writer)
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
        return WrittenRecord(record.rec_headers.get_header("WARC-Record-ID"), current.path.name, offset, length)

    def _maybe_rotate(self) -> None:
        if self._current is not None and self._current.fh.tell() >= self.max_size:
            self.close()


# -- helpers -----------------------------------------------------------------------


def warc_date(when: datetime) -> str:
    """``WARC-Date`` for WARC/1.1: UTC with microseconds, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform, as in CDXJ indexes (``az,icma)/news/x-1``)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    key = ",".join(reversed(host.split("."))) if host else ""
    port = parts.port
    if port and port not in (80, 443):
        key += f":{port}"
    path = (parts.path or "/").lower()
    query = "&".join(sorted(parts.query.lower().split("&"))) if parts.query else ""
    return f"{key}){path}" + (f"?{query}" if query else "")


def cdxj_line(url: str, when: datetime, fields: dict[str, str]) -> str:
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"{surt(url)} {stamp} {json.dumps(fields, ensure_ascii=False)}\n"


def _mime(headers: Headers) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower() or "unk"
    return "unk"


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
    "RotatingWarcWriter",
    "StoredRecord",
    "WrittenRecord",
    "default_prefix",
    "find_record",
    "iter_records",
    "iter_responses",
    "surt",
    "warc_paths",
]
