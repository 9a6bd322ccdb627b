"""WARC capture: real crawls of a throwaway local server through the host map, read back with warcio."""

from __future__ import annotations

import gzip
import html
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive.warc import RotatingWarcWriter, find_record, iter_records, iter_responses, surt
from newsarchive.mirror import MirrorServer
from tests.crawl import run_crawl

ROOT = Path(__file__).resolve().parent.parent
WARCIO = Path(sys.executable).with_name("warcio")
CDXJ_INDEXER = Path(sys.executable).with_name("cdxj-indexer")
MW = "newsarchive.middlewares.warc.WarcCaptureMiddleware"

PAGES = {f"/page/{n}": f"<html><body><h1>Səhifə {n}</h1><p>{'mətn ' * 300}</p></body></html>" for n in range(1, 6)}
START = "<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in PAGES) + (
    '<a href="/old">old</a><a href="/gz">gz</a><a href="/dir/">dir</a>'
    '<a href="https://nowhere.az/x">gone</a></body></html>')
GZ_BODY = "<html><body><h1>Sıxılmış</h1></body></html>".encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/start":
            self._send(200, START.encode(), "text/html; charset=utf-8")
        elif self.path in PAGES:
            self._send(200, PAGES[self.path].encode(), "text/html; charset=utf-8")
        elif self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "https://example.az/page/5")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/gz":
            self._send(200, gzip.compress(GZ_BODY), "text/html; charset=utf-8", ("Content-Encoding", "gzip"))
        elif self.path == "/dir/":  # a trailing slash: pywb's urlkey drops it
            self._send(200, b"<html><body>dir</body></html>", "text/html")
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str, *extra: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


SPIDER = '''
import json, scrapy

class WarcTestSpider(scrapy.Spider):
    name = "warctest"
    start_urls = ["https://example.az/start"]

    def parse(self, response):
        yield {"url": response.url, "status": response.status, "warc_record_id": response.meta.get("warc_record_id"),
               "body": response.text}
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)

    def closed(self, reason):
        with open(self.settings["TEST_STATS_PATH"], "w") as fh:
            json.dump(self.crawler.stats.get_stats(), fh, default=str)
'''


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def crawl(server: str, out: Path, **settings: Any) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    out.mkdir(parents=True, exist_ok=True)
    spider = out / "warctest_spider.py"
    spider.write_text(SPIDER)
    merged = {
        "DOWNLOADER_MIDDLEWARES": json.dumps({MW: 950}),
        "ITEM_PIPELINES": "{}",
        "NEWSARCHIVE_HOST_MAP": json.dumps({"example.az": server}),
        "NEWSARCHIVE_WARC_DIR": str(out / "warc"),
        "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.01,
        "NEWSARCHIVE_RETRY_BACKOFF_MAX": 0.01,
        "RETRY_TIMES": 1,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "TEST_STATS_PATH": str(out / "stats.json"),
        **settings,
    }
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-O", str(out / "items.jsonl")]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    return items, json.loads((out / "stats.json").read_text()), proc.stderr


@pytest.fixture(scope="module")
def crawled(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], dict[str, Any]]:
    out = tmp_path_factory.mktemp("warc-crawl")
    items, stats, _ = crawl(server, out)
    return out / "warc", items, stats


def warc_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


def test_warcio_check_and_index_pass(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    files = warc_files(warc_dir)
    assert files
    check = subprocess.run([str(WARCIO), "check", "-v", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    for path in files:
        index = subprocess.run([str(WARCIO), "index", str(path)], capture_output=True, text=True)
        assert index.returncode == 0, index.stderr
        types = [json.loads(line)["warc-type"] for line in index.stdout.splitlines()]
        assert types[0] == "warcinfo" and "response" in types and "request" in types


def test_every_body_is_the_page_served(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    bodies = {url: body for _, url, status, _, body in iter_responses(warc_dir) if status == 200}
    assert bodies["https://example.az/start"] == START.encode()
    for path, page in PAGES.items():
        assert bodies[f"https://example.az{path}"] == page.encode()
    # below HttpCompressionMiddleware: stored as received, still gzip-encoded
    assert bodies["https://example.az/gz"] == gzip.compress(GZ_BODY) or gzip.decompress(
        bodies["https://example.az/gz"]) == GZ_BODY
    assert bodies["https://example.az/gz"][:2] == b"\x1f\x8b"


def test_target_uri_is_the_real_url(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    for record in iter_records(warc_dir):
        if record.rec_type in ("request", "response"):
            assert record.url is not None and record.url.startswith("https://example.az/"), record.url
            assert record.date.endswith("Z")
    hosts = {value for record in iter_records(warc_dir) if record.rec_type == "request"
             for name, value in record.http_headers if name.lower() == "host"}
    assert hosts == {"example.az"}


def test_redirect_hops_are_recorded(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, items, _ = crawled
    responses = [(url, status, headers) for _, url, status, headers, _ in iter_responses(warc_dir)]
    hop = [r for r in responses if r[0] == "https://example.az/old"]
    assert len(hop) == 1 and hop[0][1] == 301
    assert ("Location", "https://example.az/page/5") in hop[0][2]
    assert {item["url"] for item in items} >= {"https://example.az/page/5"}


def test_request_and_response_are_linked(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    records = list(iter_records(warc_dir))
    by_id = {r.record_id: r for r in records}
    for record in records:
        if record.rec_type not in ("request", "response"):
            continue
        headers = dict(record.warc_headers)
        partner = by_id[headers["WARC-Concurrent-To"]]
        assert {record.rec_type, partner.rec_type} == {"request", "response"}
        assert partner.url == record.url
        if record.rec_type == "response":
            assert headers["WARC-Payload-Digest"].startswith("sha1:")


def test_record_id_reaches_the_item(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, items, _ = crawled
    assert items
    for item in items:
        record = find_record(warc_dir, item["warc_record_id"])
        assert record is not None and record.rec_type == "response"
        assert record.url == item["url"] and record.status == item["status"]


def test_failed_exchange_and_stats(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, stats = crawled
    failed = [r for r in iter_records(warc_dir) if r.rec_type == "metadata"]
    # robots.txt and the page, each tried once (an unmapped host is not retried)
    assert sorted(str(r.url) for r in failed) == ["https://nowhere.az/robots.txt", "https://nowhere.az/x"]
    assert all(b"fetch-error: HostNotMappedError" in r.body for r in failed)
    assert stats["newsarchive/warc/failed_requests"] == len(failed)
    records = list(iter_records(warc_dir))
    assert stats["newsarchive/warc/records"] == len(records)
    assert stats["newsarchive/warc/files"] == len(warc_files(warc_dir))
    assert stats["newsarchive/warc/bytes"] == sum(p.stat().st_size for p in warc_files(warc_dir))


def test_warcinfo_describes_the_crawl(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    info = next(iter_records(warc_dir))
    assert info.rec_type == "warcinfo"
    fields = dict(line.split(": ", 1) for line in info.body.decode().splitlines())
    assert fields["isPartOf"] == "warctest"
    assert fields["robots"] == "classic"
    assert fields["http-header-user-agent"].startswith("newsarchive/")
    assert "Scrapy/" in fields["software"]
    assert json.loads(fields["scrapy-settings"])["ROBOTSTXT_OBEY"] is True


def test_index_beside_each_file(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    for path in warc_files(warc_dir):
        lines = path.with_name(path.name + ".cdxj").read_text(encoding="utf-8").splitlines()
        assert lines == sorted(lines)
        data = path.read_bytes()
        for line in lines:
            key, stamp, blob = line.split(" ", 2)
            entry = json.loads(blob)
            assert key == surt(entry["url"]) and len(stamp) == 14 and entry["filename"] == path.name
            # exactly one whole record at offset/length, as pywb reads it
            start, length = int(entry["offset"]), int(entry["length"])
            records = list(ArchiveIterator(BytesIO(data[start:start + length])))
            assert len(records) == 1
            record = records[0]
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
            assert record.http_headers.get_statuscode() == entry["status"]


def test_index_lines_equal_cdxj_indexer(crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, _, _ = crawled
    files = warc_files(warc_dir)
    theirs = subprocess.run([str(CDXJ_INDEXER), *map(str, files)], capture_output=True, text=True, check=True)
    ours = "".join(path.with_name(path.name + ".cdxj").read_text(encoding="utf-8") for path in files)
    assert sorted(ours.splitlines()) == sorted(theirs.stdout.splitlines())
    keys = {line.split(" ", 1)[0] for line in ours.splitlines()}
    assert "az,example)/dir" in keys and "az,example)/start" in keys


def test_only_encodings_archive_tools_decode_are_asked(
        crawled: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    warc_dir, items, _ = crawled
    asked = {value for record in iter_records(warc_dir) if record.rec_type == "request"
             for name, value in record.http_headers if name.lower() == "accept-encoding"}
    # no zstd (neither warcio nor pywb decode it), and no br: warcio 1.8 decodes br only with brotlipy,
    # and fails with the brotli package ('brotli.Decompressor' object has no attribute 'unused_data')
    assert asked == {"gzip, deflate"}
    # the gzip page is archived as received, and warcio (as pywb) decodes it
    found = 0
    for path in warc_files(warc_dir):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == \
                        "https://example.az/gz":
                    assert record.http_headers.get_header("Content-Encoding") == "gzip"
                    assert record.content_stream().read() == GZ_BODY
                    found += 1
    assert found == 1 and GZ_BODY.decode() in {item["body"] for item in items}


KILLED_WRITER = """
import os, signal, sys
from datetime import UTC, datetime
from newsarchive.archive.warc import RotatingWarcWriter
writer = RotatingWarcWriter(sys.argv[1], "killed", 10**9, {"software": "test"})
now = datetime.now(UTC)
for n in range(5):
    writer.write_exchange(url=f"https://example.az/page/{4 - n}/", method="GET", request_headers=[], request_body=b"",
                          status=200, reason="OK", protocol="HTTP/1.1",
                          response_headers=[("Content-Type", "text/html")], response_body=b"<p>%d</p>" % n,
                          request_date=now, response_date=now)
print(writer.files[0], flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_run_leaves_an_index_of_what_it_wrote(tmp_path: Path) -> None:
    from newsarchive.archive.scan import scan_files
    from newsarchive.archive.warc import ensure_index

    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -9, proc.stderr
    warc = Path(proc.stdout.strip())
    index = warc.with_name(warc.name + ".cdxj")
    theirs = subprocess.run([str(CDXJ_INDEXER), str(warc)], capture_output=True, text=True, check=True).stdout
    written = index.read_text(encoding="utf-8").splitlines()
    assert len(written) == 5 and written != sorted(written)  # in the order written
    assert sorted(written) == sorted(theirs.splitlines())
    lines = sorted(scan_files([warc])[0].lines)  # what scrapy replay reads and passes
    assert ensure_index(warc, lines)  # sorted now
    assert index.read_text(encoding="utf-8").splitlines() == sorted(theirs.splitlines())
    assert not ensure_index(warc, lines)
    index.unlink()
    assert ensure_index(warc, lines) and index.read_text(encoding="utf-8").splitlines() == sorted(theirs.splitlines())


WRITER_IN_A_PROCESS = """
import sys
from datetime import UTC, datetime
from newsarchive.archive.warc import RotatingWarcWriter
writer = RotatingWarcWriter(sys.argv[1], "icma", 10**9, {"software": "test"})
writer.write_metadata("https://example.az/", {"note": "x"}, datetime.now(UTC))
writer.close()
print(writer.files[0].name)
"""


def test_file_names_are_unique_per_process(tmp_path: Path) -> None:
    """Two workers (two processes, each with its own folder as on two machines) started together."""
    procs = [subprocess.Popen([sys.executable, "-c", WRITER_IN_A_PROCESS, str(tmp_path / f"worker{n}")],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}) for n in range(2)]
    names = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert all(names) and names[0] != names[1]
    pids = {str(proc.pid) for proc in procs}
    assert {name.removesuffix(".warc.gz").rsplit("-", 1)[1] for name in names} == pids
    assert all(name.startswith("icma-") for name in names)


def test_rotation_with_a_small_max_size(server: str, tmp_path: Path) -> None:
    _, stats, _ = crawl(server, tmp_path, NEWSARCHIVE_WARC_MAX_SIZE=3000, NEWSARCHIVE_WARC_PREFIX="small")
    files = warc_files(tmp_path / "warc")
    assert len(files) >= 3 and stats["newsarchive/warc/files"] == len(files)
    assert all(path.name.startswith("small-") for path in files)
    for path in files:
        first = next(iter_records(path))
        assert first.rec_type == "warcinfo"
        assert dict(first.warc_headers)["WARC-Filename"] == path.name
    check = subprocess.run([str(WARCIO), "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_disabled_writes_nothing(server: str, tmp_path: Path) -> None:
    items, stats, _ = crawl(server, tmp_path, NEWSARCHIVE_WARC_ENABLED=False)
    assert items and not (tmp_path / "warc").exists()
    assert all(item["warc_record_id"] is None for item in items)
    assert "newsarchive/warc/records" not in stats


def test_writer_never_overwrites(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    paths = []
    for _ in range(2):
        writer = RotatingWarcWriter(tmp_path, "same", 10**6, {"software": "test"})
        writer.write_metadata("https://example.az/", {"note": "x"}, now)
        writer.close()
        paths += writer.files
    assert len(set(paths)) == 2 and all(p.exists() for p in paths)


def test_mirror_crawl_items_point_at_their_pages(mirror: MirrorServer, tmp_path: Path) -> None:
    middlewares = {"newsarchive.middlewares.retry.BackoffRetryMiddleware": 550,
                   "scrapy.downloadermiddlewares.retry.RetryMiddleware": None, MW: 950}
    result = run_crawl(mirror, tmp_path, settings={"DOWNLOADER_MIDDLEWARES": json.dumps(middlewares)})
    assert result.returncode == 0, result.log[-3000:]
    pages = {record_id: (url, body) for record_id, url, _, _, body in iter_responses(tmp_path / "warc")}
    assert result.items
    for item in result.items:
        url, body = pages[item["warc_record_id"]]
        assert url == item["url"]
        assert item["title"] in html.unescape(body.decode("utf-8"))


def test_a_304_with_no_known_original_says_so(tmp_path: Path) -> None:
    from newsarchive.archive.warc import complete_capture, latest_captures

    now = datetime.now(UTC)
    writer = RotatingWarcWriter(tmp_path / "old", "icma", 10**6, {"software": "test"})
    writer.write_exchange(url="https://icma.az/news/a-1", method="GET", request_headers=[], request_body=b"",
                          status=200, reason="OK", protocol="HTTP/1.1", response_headers=[("ETag", '"e1"')],
                          response_body=b"<p>a</p>", request_date=now, response_date=now)
    writer.close()
    (old_index,) = (tmp_path / "old").glob("*.cdxj")
    assert set(latest_captures(tmp_path)) == {"https://icma.az/news/a-1"}
    os.utime(old_index, (0, 0))  # an index older than the look-back window is not read
    assert latest_captures(tmp_path, modified_since=1e9) == {}
    original = complete_capture(latest_captures(tmp_path)["https://icma.az/news/a-1"])

    writer = RotatingWarcWriter(tmp_path / "new", "icma", 10**6, {"software": "test"})
    for url, refers_to in (("https://icma.az/news/a-1", original), ("https://icma.az/news/b-2", None)):
        writer.write_not_modified(url=url, method="GET", request_headers=[("If-None-Match", '"e1"')],
                                  request_body=b"", reason="Not Modified", protocol="HTTP/1.1",
                                  response_headers=[("ETag", '"e1"')], request_date=now, response_date=now,
                                  refers_to=refers_to)
    writer.close()
    records = list(iter_records(tmp_path / "new"))
    known, unknown = (dict(r.warc_headers) for r in records if r.rec_type == "revisit")
    assert known["WARC-Refers-To-Target-URI"] == "https://icma.az/news/a-1"
    assert known["WARC-Refers-To"] == original.record_id and known["WARC-Refers-To-Date"] == original.date
    assert "WARC-Refers-To-Date" not in unknown and "WARC-Refers-To-Target-URI" not in unknown
    notes = [r.body.decode() for r in records if r.rec_type == "metadata"]
    assert all("http-response: HTTP/1.1 304 Not Modified" in note for note in notes)
    assert sum("refers-to: unknown" in note for note in notes) == 1
    files = warc_files(tmp_path / "new")
    check = subprocess.run([str(WARCIO), "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    theirs = subprocess.run([str(CDXJ_INDEXER), *map(str, files)], capture_output=True, text=True, check=True)
    assert files[0].with_name(files[0].name + ".cdxj").read_text().splitlines() == sorted(theirs.stdout.splitlines())
