"""Scrapy's own tools work on the project: one feed per run, ``scrapy -h``, ``scrapy parse``, ``scrapy check``."""

from __future__ import annotations

import ast
import http.server
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from newsarchive.archive.warc import iter_records
from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer, offline_settings, output_settings
from tests.crawl import ROOT, run_crawl


def scrapy(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


def mirror_args(mirror: MirrorServer, out: Path) -> list[str]:
    settings = {**offline_settings(mirror.url, mirror.site.now), **output_settings(out)}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def scraped_items(stdout: str) -> list[dict[str, Any]]:
    """The items ``scrapy parse`` printed (a pretty-printed list after each "# Scraped Items" line)."""
    items: list[dict[str, Any]] = []
    for block in re.findall(r"# Scraped Items\s+-+\n(.*?)\n# Requests", stdout, re.S):
        items += ast.literal_eval(block)
    return items


def test_crawl_with_O_writes_one_json_lines_file(mirror: MirrorServer, tmp_path: Path) -> None:
    # Scrapy merges FEEDS into -O/-o: the preset wrote a second, identical file next to items.jsonl
    result = run_crawl(mirror, tmp_path, "-a", "follow_origins=0")
    assert result.returncode == 0, result.log[-3000:]
    feeds = sorted(p.name for p in tmp_path.rglob("*.jsonl*") if p.parent != tmp_path / "warc")
    assert feeds == ["items.jsonl"]
    assert {item["url"] for item in result.items} == {art.url for art in mirror.site.articles()}


def test_help_lists_every_command_once() -> None:
    proc = scrapy("-h")
    assert proc.returncode == 0, proc.stderr
    names = re.findall(r"^  (\S+)\s", proc.stdout, re.M)
    assert len(names) == len(set(names)), names
    assert {"crawl", "export-db", "replay"} <= set(names) and "export_db" not in names


def test_parse_an_icma_article_without_options(mirror: MirrorServer, tmp_path: Path) -> None:
    art = mirror.site.article(1)
    proc = scrapy("parse", art.url, "-d", "2", "--nolog", *mirror_args(mirror, tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = {item["url"]: item for item in scraped_items(proc.stdout)}  # depth 2 also reaches the sidebar's
    record = records[art.url]
    assert record["title"] == art.title
    assert record["origin_status"] == "ok" and record["origin"]["url"] == art.origin.url


def test_parse_a_cited_article_without_options(mirror: MirrorServer, tmp_path: Path) -> None:
    art = mirror.site.article(1)
    proc = scrapy("parse", art.origin.url, "--nolog", *mirror_args(mirror, tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (origin,) = scraped_items(proc.stdout)
    assert origin["url"] == art.origin.url and origin["title"] == art.origin.title and origin["site"] == "apa.az"


def test_parse_an_icma_listing_routes_to_discovery(mirror: MirrorServer, tmp_path: Path) -> None:
    proc = scrapy("parse", "https://icma.az/sitemap.xml", "-d", "2", "--nolog", *mirror_args(mirror, tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"<GET {mirror.site.article(1).url}>" in proc.stdout  # index → its children → their articles


def test_check_runs_the_contracts_against_the_mirror(mirror: MirrorServer, tmp_path: Path) -> None:
    proc = scrapy("check", "-v", *mirror_args(mirror, tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    ran = re.search(r"Ran (\d+) contracts", proc.stderr + proc.stdout)
    assert ran and int(ran.group(1)) >= 5
    assert "[icma] parse" in proc.stderr + proc.stdout and "[sources] parse" in proc.stderr + proc.stdout


def test_sources_spider_without_urls_says_so(tmp_path: Path) -> None:
    proc = scrapy("crawl", "sources", "-s", f"NEWSARCHIVE_DATA_DIR={tmp_path}", "-s", "NEWSARCHIVE_PROGRESS=off")
    assert proc.returncode == 1
    assert "give origin URLs with -a urls=URL,URL or -a file=PATH" in proc.stderr


def test_normalisation_bench_reads_its_article_from_the_repository() -> None:
    from bench import normalize

    assert ROOT in normalize.ARTICLE.parents and normalize.ARTICLE.is_file()
    assert "/work/" not in (ROOT / "bench" / "normalize.py").read_text(encoding="utf-8").replace(str(ROOT), "")
    text = normalize._article()
    assert len(text) > 5000 and "Azərbaycan" in text and text.count("\n\n") > 5
    assert json.dumps(text)  # one whole article, not a sentence repeated
    assert len(set(text.split("\n\n"))) == len(text.split("\n\n"))


def test_demo_counts_warc_files_apart_from_their_indexes(tmp_path: Path, capsys: Any) -> None:
    from newsarchive.demo import summarise

    (tmp_path / "warc").mkdir()
    for name in ("icma-1-00000.warc.gz", "icma-1-00000.warc.gz.cdxj", "icma-1-00001.warc.gz",
                 "icma-1-00001.warc.gz.cdxj"):
        (tmp_path / "warc" / name).write_bytes(b"")
    summarise(tmp_path / "none.jsonl", tmp_path)
    assert "(2 files, 2 .cdxj indexes)" in capsys.readouterr().out


def _mirror_command(epoch: int, out: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``python -m newsarchive.mirror`` and return the crawl command it prints (with outputs in *out*)."""
    proc = subprocess.Popen([sys.executable, "-m", "newsarchive.mirror", "--articles", "40", "--epoch", str(epoch)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    url, _, command = (proc.stdout.readline().strip() for _ in range(3))
    assert url.startswith("http://") and command.startswith("scrapy crawl icma ")
    args = shlex.split(command)[1:]
    out_args = [arg for name, value in output_settings(out).items() for arg in ("-s", f"{name}={value}")]
    return proc, [*args, *out_args, "-s", "NEWSARCHIVE_PROGRESS=off"]


def test_the_mirrors_printed_command_shows_incremental_runs(tmp_path: Path) -> None:
    runs = []
    for epoch in (0, 1):  # epoch 1: five new articles, some recent ones edited
        mirror, args = _mirror_command(epoch, tmp_path)
        try:
            assert any(arg.startswith("NEWSARCHIVE_REFERENCE_TIME=") for arg in args)
            proc = scrapy(*args)
        finally:
            mirror.terminate()
            mirror.wait(timeout=10)
            assert mirror.stdout is not None
            mirror.stdout.close()
        assert proc.returncode == 0, proc.stderr[-3000:]
        (report,) = run_files(tmp_path / "runs")[len(runs):]
        runs.append(json.loads(report.read_text(encoding="utf-8"))["stats"])
    assert runs[1].get("newsarchive/incremental/revisits", 0) > 0  # recent articles are looked at again
    with sqlite3.connect(tmp_path / "archive.sqlite3") as db:
        revised = db.execute("SELECT COUNT(*) FROM (SELECT article_url FROM revisions GROUP BY article_url"
                             " HAVING COUNT(*) > 1)")
        assert revised.fetchone()[0] > 0  # an edit became a revision
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 45


class _Chunked(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for part in (b"birinci ", b"ikinci"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: Any) -> None:
        pass


def test_a_chunked_response_is_archived_without_transfer_encoding(tmp_path: Path) -> None:
    # Twisted hands Scrapy the body de-chunked and keeps Transfer-Encoding among its connection headers:
    # the WARC record has neither the header nor the chunk framing (README, "Outputs").
    server = http.server.HTTPServer(("127.0.0.1", 0), _Chunked)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/chunked"
        proc = scrapy("fetch", "--nolog", url, "-s", "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES=1", "-s", "ROBOTSTXT_OBEY=0",
                      "-s", f"NEWSARCHIVE_WARC_DIR={tmp_path / 'warc'}", "-s", f"NEWSARCHIVE_DATA_DIR={tmp_path}",
                      "-s", "NEWSARCHIVE_WARC_ENABLED=1")  # fetch writes nothing unless asked (commands/readonly.py)
    finally:
        server.shutdown()
    assert proc.returncode == 0 and proc.stdout.strip() == "birinci ikinci", proc.stderr[-2000:]
    (record,) = [r for r in iter_records(tmp_path / "warc") if r.rec_type == "response"]
    headers = {name.lower() for name, _ in record.http_headers}
    assert "content-type" in headers
    assert not {"transfer-encoding", "x-archive-orig-transfer-encoding"} & headers
    assert record.body == b"birinci ikinci"
