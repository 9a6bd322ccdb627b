"""Security: untrusted links are never fetched, markup in fields stays text, secrets stay out of outputs.

- cited links (``Mənbə:``) to ``file:``, ``ftp:``, ``data:``, ``javascript:`` and to
  private, loopback and link-local addresses are refused before any request, and so
  are redirects from a public (mapped) source page to such addresses and host names
  whose DNS answer is a loopback address;
- HTML and script in a page's text come out as literal text in JSON and the database;
- the database password never appears in the log, the stats or the run report;
- the telnet console and remote control are off, and no port is listened on.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from scrapy.utils.project import get_project_settings

from newsarchive.archive.warc import iter_records
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.mirror.icma_pages import render_article
from newsarchive.netpolicy import is_public_ip
from tests.crawl import ROOT, CrawlResult, crawl_command, read_result, run_crawl

pytestmark = pytest.mark.slow

SITE = MirrorSite(MirrorConfig(articles=60))
_DEEP = [a for a in SITE.articles() if a.kind == "news" and a.lang == "az" and a.case in ("report", "apa", "azertag")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = _free_port()
BAD_CITATIONS = [
    "file:///etc/passwd",
    "ftp://ftp.report.az/arxiv/x.txt",
    "data:text/html,<script>alert(1)</script>",
    "javascript:alert(document.cookie)",
    f"http://127.0.0.1:{PORT}/_fault/ok",
    "http://127.1/",
    "http://0x7f.0.0.1/",
    "http://10.0.0.5/xeber",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
]
CITING = dict(zip(BAD_CITATIONS, _DEEP, strict=False))
#: public, mapped source pages that redirect to a non-public address
REDIRECTS = {f"http://127.0.0.1:{PORT}/_fault/ok": _DEEP[len(BAD_CITATIONS)],
             "http://169.254.169.254/latest/meta-data/iam/": _DEEP[len(BAD_CITATIONS) + 1]}
INJECTED = "Hücum: <script>alert(1)</script> və <img src=x onerror=alert(2)>"
SCRIPT_ART = _DEEP[len(BAD_CITATIONS) + 2]


def _citation_rules() -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for bad, art in CITING.items():
        src = escape(art.source_url or "")
        rules[art.path] = {"replace": [[f'href="{src}"', f'href="{escape(bad)}"'],
                                       [f">{src}</a>", f">{escape(bad)}</a>"]]}
    for target, art in REDIRECTS.items():
        assert art.origin is not None
        rules[urlsplit(art.origin.url).path] = {"redirect_to": target}
    html = render_article(SCRIPT_ART, SITE)
    start = html.index("</h1>")
    end = html.index("</p>", start) + len("</p>")
    # entity-encoded markup (must become text) and a real script element (must vanish)
    rules[SCRIPT_ART.path] = {"replace": [[html[start:end], html[start:end] + f"<p>{escape(INJECTED)}</p>"
                                           "<script>alert(3)</script>"]]}
    return rules


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    with MirrorServer(articles=60, faults=_citation_rules(), port=PORT) as mirror:
        result = run_crawl(mirror, tmp_path_factory.mktemp("hostile"))
    assert result.returncode == 0, result.log[-3000:]
    return result


def _fetched(result: CrawlResult) -> set[str]:
    return {r.url for r in iter_records(result.out_dir / "warc") if r.rec_type in ("request", "response") and r.url}


@pytest.mark.parametrize("bad", BAD_CITATIONS)
def test_bad_cited_link_is_blocked_and_never_fetched(hostile: CrawlResult, bad: str) -> None:
    item = hostile.by_url()[CITING[bad].url]
    assert item["source_url"] == bad
    assert item["origin_status"] == "blocked"
    assert item["origin"] is None and item["origin_url"] is None
    assert bad not in _fetched(hostile)
    assert "Citation not fetched" in hostile.log


@pytest.mark.parametrize("target", list(REDIRECTS))
def test_redirect_to_a_private_address_is_blocked(hostile: CrawlResult, target: str) -> None:
    art = REDIRECTS[target]
    assert art.origin is not None
    item = hostile.by_url()[art.url]
    assert item["origin_status"] == "blocked"
    fetched = _fetched(hostile)
    assert art.origin.url in fetched  # the public hop was fetched (and its 302 archived)...
    assert target not in fetched  # ...the private one never
    refusals = [r for r in iter_records(hostile.out_dir / "warc") if r.url == target]
    assert all(r.rec_type == "metadata" and b"BlockedURLError" in r.body for r in refusals)


def test_blocked_count_matches(hostile: CrawlResult) -> None:
    natural = sum(1 for a in SITE.articles() if a.case in ("private", "ftp"))
    assert hostile.stats["newsarchive/origin/status/blocked"] == natural + len(BAD_CITATIONS) + len(REDIRECTS)


def _stored(hostile: CrawlResult) -> tuple[str, str, str]:
    """The injected article's body in the JSON record, the JSON lines file and the database."""
    item = hostile.by_url()[SCRIPT_ART.url]
    raw = (hostile.out_dir / "items.jsonl").read_text(encoding="utf-8")
    with sqlite3.connect(hostile.out_dir / "archive.sqlite3") as db:
        (body,) = db.execute("SELECT body FROM articles WHERE url = ?", (SCRIPT_ART.url,)).fetchone()
    return item["body"], raw, body


def test_markup_in_fields_never_becomes_markup(hostile: CrawlResult) -> None:
    item_body, raw, db_body = _stored(hostile)
    assert item_body == db_body
    assert "Hücum:" in item_body
    assert "alert(3)" not in item_body and "alert(3)" not in raw  # a real <script> element is not text
    for text in (item_body, db_body):
        assert "&lt;" not in text  # stored as the text the page showed, not double-escaped


def test_markup_written_as_text_is_kept_as_literal_text(hostile: CrawlResult) -> None:
    item_body, raw, db_body = _stored(hostile)
    assert INJECTED in item_body and INJECTED in db_body
    assert json.dumps(INJECTED, ensure_ascii=False)[1:-1] in raw


# -- DNS answers ---------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A local TCP port that records every connection made to it."""
    accepted: list[str] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except OSError:
                continue
            accepted.append(str(addr))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1]), accepted
    stop.set()
    thread.join(timeout=2)
    server.close()


SPIDER = """
import json, scrapy

class LocalSpider(scrapy.Spider):
    name = "local"
    custom_settings = {"ROBOTSTXT_OBEY": False}

    async def start(self):
        for url in json.loads(self.urls):
            yield scrapy.Request(url, callback=self.ok, errback=self.failed, dont_filter=True)

    def ok(self, response):
        yield {"url": response.url, "outcome": "fetched"}

    def failed(self, failure):
        yield {"url": failure.request.url, "outcome": type(failure.value).__name__}
"""


def _run_local_spider(tmp_path: Path, urls: list[str], *extra: str) -> list[dict[str, Any]]:
    spider = tmp_path / "local_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [str(ROOT / ".venv/bin/python"), "-m", "scrapy", "runspider", str(spider), "-O", str(out),
           "-a", f"urls={json.dumps(urls)}", "-s", "NEWSARCHIVE_HOST_MAP=", "-s", "RETRY_ENABLED=0",
           "-s", f"NEWSARCHIVE_WARC_DIR={tmp_path / 'warc'}", "-s", f"NEWSARCHIVE_RUNS_DIR={tmp_path / 'runs'}",
           "-s", f"NEWSARCHIVE_DATABASE_URL=sqlite:///{tmp_path / 'db.sqlite3'}",
           "-s", f"NEWSARCHIVE_STATE_PATH={tmp_path / 'state.sqlite3'}", "-s", "NEWSARCHIVE_PROGRESS=off", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr[-3000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_host_resolving_to_loopback_is_refused_by_the_dns_check(
        tmp_path: Path, listener: tuple[int, list[str]]) -> None:
    port, accepted = listener
    urls = [f"http://localhost:{port}/", f"http://LocalHost:{port}/x", f"http://127.0.0.1:{port}/"]
    try:  # a name from /etc/hosts (the machine's own name) that resolves to a non-public address
        hostname = socket.gethostname()
        if not is_public_ip(socket.gethostbyname(hostname)):
            urls.append(f"http://{hostname}:{port}/")
    except OSError:
        pass
    items = _run_local_spider(tmp_path, urls)
    outcomes = {item["url"].lower(): item["outcome"] for item in items}  # Scrapy lower-cases host names
    assert outcomes == dict.fromkeys((url.lower() for url in urls), "BlockedURLError")
    assert accepted == []  # not one connection reached the port


def test_dns_check_does_not_block_when_private_addresses_are_allowed(
        tmp_path: Path, listener: tuple[int, list[str]]) -> None:
    """Control for the test above: the same request does reach the port when the policy allows it."""
    port, accepted = listener
    items = _run_local_spider(tmp_path, [f"http://localhost:{port}/"], "-s",
                              "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES=1")
    assert [item["outcome"] for item in items] == ["fetched"]
    assert accepted


# -- secrets -------------------------------------------------------------------------------------

SECRET = "s3cretPW"
PG_URL = f"postgresql://archiver:{SECRET}@127.0.0.1:1/newsarchive"


@pytest.mark.parametrize("via", ["environment", "setting"])
def test_database_password_never_appears_in_logs_stats_or_report(
        mirror: MirrorServer, tmp_path: Path, via: str) -> None:
    cmd, env, feed = crawl_command(mirror, tmp_path, "-a", "max_articles=3", "-a", "follow_origins=0",
                                   settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 1, "LOG_LEVEL": "DEBUG"})
    at = cmd.index(f"NEWSARCHIVE_DATABASE_URL=sqlite:///{tmp_path / 'archive.sqlite3'}")
    del cmd[at - 1 : at + 1]
    if via == "environment":
        env["NEWSARCHIVE_DATABASE_URL"] = PG_URL
    else:
        cmd += ["-s", f"NEWSARCHIVE_DATABASE_URL={PG_URL}"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    result = read_result(proc.returncode, proc.stderr, tmp_path, feed)
    assert result.stats.get("newsarchive/db/spooled"), result.log[-3000:]  # it did try the database
    assert SECRET not in proc.stderr and SECRET not in proc.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.name.endswith(".gz"):
            assert SECRET.encode() not in path.read_bytes(), path
    for record in iter_records(tmp_path / "warc"):
        assert SECRET.encode() not in record.body
        assert SECRET not in json.dumps(record.warc_headers)
    assert SECRET not in json.dumps(result.stats, default=str)


# -- no remote access ---------------------------------------------------------------------------


def test_telnet_and_remote_control_are_off_in_settings() -> None:
    settings = get_project_settings()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_a_running_crawl_listens_on_no_port(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd, env, _feed = crawl_command(mirror, tmp_path, "-a", "follow_origins=0")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    listening: set[int] = set()
    polls = 0
    try:
        crawler = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                conns = crawler.net_connections(kind="inet")
            except psutil.NoSuchProcess:
                break
            polls += 1
            listening |= {c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN}
            time.sleep(0.05)
    finally:
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr[-3000:]
    assert polls > 5  # the crawl was observed while it ran
    assert listening == set()
    assert "Telnet console listening" not in stderr and "TelnetConsole" not in stderr
