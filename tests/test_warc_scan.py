"""The replay index's pass over WARC files (``newsarchive.archive.scan``) on hand-made files.

The files are written here with warcio as other archivers write them: a revisit that carries the
HTTP headers of its 304 (Heritrix, pywb's recorder, Browsertrix; this project's own revisits carry
none), ``.warc`` and ``.warc.gz``. Their CDXJ lines are compared with cdxj-indexer's; the whole-run
case (three runs of the mirror, forked processes) is in ``tests/test_replay_history.py``.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.archive import scan
from tests.forked_scan import scan_in_fresh_process

CDXJ_INDEXER = Path(sys.executable).with_name("cdxj-indexer")
DIGEST = "sha1:2AAI7TZUHLRSU4YPL4BBH3O7XEZLM6MG"


def write_warc(path: Path, *, gzip: bool, pages: int = 40) -> None:
    """*pages* exchanges (request, response), then a revisit with its 304's headers, then a fetch error."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for k in range(pages):
            url = f"https://report.az/xeber/{k}/"
            body = f"<html><title>Xəbər {k}</title><p>{'mətn ' * 200}</p></html>".encode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            response = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
            request = writer.create_warc_record(
                url, "request", payload=BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET /xeber/{k}/ HTTP/1.1", [("Host", "report.az")],
                                              is_http_request=True))
            writer.write_record(response)
            writer.write_record(request)
        http = StatusAndHeaders("304 Not Modified", [("ETag", '"v1"')], protocol="HTTP/1.1")
        revisit = writer.create_revisit_record("https://report.az/xeber/0/", DIGEST,
                                               "https://report.az/xeber/0/", "2025-10-23T05:32:00Z",
                                               http_headers=http)
        writer.write_record(revisit)
        failure = writer.create_warc_record("https://apa.az/down/", "metadata",
                                            payload=BytesIO(b"fetch-error: TCPTimedOutError: timed out\r\n"),
                                            warc_content_type="application/warc-fields")
        writer.write_record(failure)


def indexed(path: Path) -> str:
    """cdxj-indexer's index of *path*."""
    return subprocess.run([str(CDXJ_INDEXER), str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_the_pass_reads_what_cdxj_indexer_reads(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("run.warc.gz" if gzip else "run.warc")
    write_warc(path, gzip=gzip)
    (found,) = scan.scan_files([path])
    assert sorted(found.lines) == sorted(indexed(path).splitlines(keepends=True))
    assert any('"mime": "warc/revisit", "status": "304"' in line for line in found.lines)  # its HTTP headers read
    kinds = [record.kind for record in found.records]
    assert kinds == ["response"] * 40 + ["revisit", "failure"]
    assert found.records[-1].error == "TCPTimedOutError: timed out"
    assert found.records[-2].refers_to_uri == "https://report.az/xeber/0/"
    assert [record.status for record in found.records[:40]] == [200] * 40


def record_starts(path: Path) -> list[int]:
    """Where each record starts, from cdxj-indexer's index of *path* (the indexed records only)."""
    return sorted(int(line.split('"offset": "')[1].split('"')[0]) for line in indexed(path).splitlines())


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_ranges_cut_at_the_index_s_offsets_read_what_one_pass_reads(tmp_path: Path, gzip: bool,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ("run.warc.gz" if gzip else "run.warc")
    write_warc(path, gzip=gzip)
    (tmp_path / (path.name + ".cdxj")).write_text(indexed(path))
    monkeypatch.setattr(scan, "MIN_RANGE_BYTES", 0)
    parts = scan.file_parts(path, 4)
    starts = record_starts(path)
    assert len(parts) == 4 and parts[0].start == 0 and parts[-1].end is None
    assert all(part.start in starts for part in parts[1:])
    assert [part.end for part in parts[:-1]] == [part.start for part in parts[1:]]
    (whole,) = scan.scan_files([path])
    assert [scan.scan_part(part).complete for part in parts] == [True] * 4
    joined = [record for part in parts for record in scan.scan_part(part).records]
    assert joined == whole.records
    assert scan_in_fresh_process([path], 4, 0, tmp_path)[0].records == whole.records  # forked
    # a worker killed mid-pass (the OOM killer): said, and the parts read in the calling process
    assert scan_in_fresh_process([path], 4, 0, tmp_path, kill_a_worker=True)[0].records == whole.records


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_a_range_off_the_records_is_refused_and_the_file_read_in_one_pass(
        tmp_path: Path, gzip: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / ("run.warc.gz" if gzip else "run.warc")
    write_warc(path, gzip=gzip)
    starts = record_starts(path)
    inside = starts[10] + 7  # inside a response record
    # a range that ends inside a record reads on to the next record: it does not meet its end
    assert not scan.scan_part(scan.Part(path, 0, inside)).complete
    assert not scan.scan_part(scan.Part(path, inside, None)).complete
    assert scan.scan_part(scan.Part(path, 0, starts[10])).complete
    assert not scan.scan_part(scan.Part(path, starts[-1], path.stat().st_size + 100)).complete  # past the end
    # a .cdxj whose offsets are shifted into the records
    stale = "".join(f'x 20251023053200 {{"offset": "{start + 7}"}}\n' for start in starts)
    (tmp_path / (path.name + ".cdxj")).write_text(stale)
    monkeypatch.setattr(scan, "MIN_RANGE_BYTES", 0)
    (whole,) = scan.scan_files([path], processes=1)
    assert len(scan.file_parts(path, 3)) == 3
    with caplog.at_level(logging.DEBUG, logger="newsarchive.archive.scan"):
        (again,) = scan.scan_files([path], processes=3)
    assert "read again in one pass" in caplog.text
    assert again.records == whole.records and sorted(again.lines) == sorted(whole.lines)
