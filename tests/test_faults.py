"""Faults and bad input in a real crawl of the mirror: each test asserts what is kept.

One crawl (:func:`faulty`) meets every fault at once: the mirror serves chosen
icma.az articles as 5xx (with and without ``Retry-After``), a timeout, a
connection reset, a truncated body, a 50 MB page, a gzip bomb, a redirect loop,
an empty 200 page, a login wall, malformed HTML, Windows-1251/1254 pages with a
wrong or missing charset; both latest-news listings are endless pagination
traps, and an extra start URL is a billion-laughs sitemap. For every fault the
tests check that the crawl finished, the failure is counted in the stats and
named in the run report, the raw response (where one arrived) is in the WARC,
and every other article of the mirror was archived.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive.warc import StoredRecord, iter_records
from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorArticle, MirrorConfig, MirrorSite
from newsarchive.mirror.icma_pages import render_article
from newsarchive.mirror.server import XML_BOMB
from tests.crawl import CrawlResult, run_crawl

pytestmark = pytest.mark.slow

ARTICLES = 60
SITE = MirrorSite(MirrorConfig(articles=ARTICLES))
_NEWS = [a for a in SITE.articles() if a.kind == "news"]
_AZ = [a for a in _NEWS if a.lang == "az"]
_RU = [a for a in _NEWS if a.lang == "ru"]


def _literal(art: MirrorArticle) -> bool:
    """The mirror writes some pages with numeric character references only; charset tests need letters."""
    return any(ord(c) > 0x3FF for c in render_article(art, SITE))


_AZ_LETTERS = [a for a in _AZ[11:] if _literal(a)]
_RU_LETTERS = [a for a in _RU if _literal(a)]

#: fault name -> (article, FaultRule fields)
FAULTS: dict[str, tuple[MirrorArticle, dict[str, Any]]] = {
    "retry_after": (_AZ[0], {"status": 503, "times": 2, "retry_after": "1"}),
    "5xx_gives_up": (_AZ[1], {"status": 503}),
    "timeout_once": (_AZ[2], {"delay": 3, "times": 1}),
    "reset": (_AZ[3], {"reset": True}),
    "truncated": (_AZ[4], {"truncate": True}),
    "huge": (_AZ[5], {"huge_mb": 50}),
    "gzip_bomb": (_AZ[6], {"gzip_bomb_mb": 64}),
    "redirect_loop": (_AZ[7], {"redirect_to": _AZ[7].url}),
    "empty": (_AZ[8], {"empty": True}),
    "login_wall": (_AZ[9], {"login_wall": True}),
    "malformed": (_AZ[10], {"malformed": True}),
    "cp1254_unlabelled": (_AZ_LETTERS[0], {"encoding": "cp1254", "declare": ""}),
    "cp1254_as_1252": (_AZ_LETTERS[1], {"encoding": "cp1254", "declare": "windows-1252"}),
    "cp1251_as_utf8": (_RU_LETTERS[0], {"encoding": "cp1251", "declare": "utf-8"}),
}
#: Faults after which the article must be archived exactly as the mirror generated it.
RECOVERED = ("retry_after", "timeout_once", "malformed", "cp1254_unlabelled", "cp1254_as_1252", "cp1251_as_utf8")
#: Faults that lose their article (and only it), with newsarchive/extract/failed/<kind>.
FAILED = {"5xx_gives_up": "http_503", "reset": "connection_lost", "truncated": "truncated", "huge": "too_large",
          "gzip_bomb": "too_large_decompressed", "redirect_loop": "redirect_loop"}
#: Faults that are pages but not articles (newsarchive/extract/not_article).
NOT_ARTICLE = ("empty", "login_wall")
BOMB_URL = "https://icma.az/sitemap-bomb.xml"


@dataclass
class Faulty:
    result: CrawlResult
    report: dict[str, Any]
    records: dict[str, list[StoredRecord]]
    seconds: float


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Faulty:
    rules: dict[str, dict[str, Any]] = {art.path: spec for art, spec in FAULTS.values()}
    rules["/son-xeberler"] = {"trap": "repeat"}  # past the end: page 1 again, with a next link, forever
    rules["/ru/poslednie-novosti"] = {"trap": "empty"}  # past the end: empty pages with a next link, forever
    rules["/sitemap-bomb.xml"] = {"xml_bomb": True}
    out = tmp_path_factory.mktemp("faults")
    settings = {
        "DOWNLOAD_TIMEOUT": 2,
        "NEWSARCHIVE_RETRY_BACKOFF_MAX": 5,  # lets Retry-After: 1 through (offline default caps at 0.5 s)
        "NEWSARCHIVE_START_URLS": json.dumps(["https://icma.az/", "https://icma.az/sitemap.xml", BOMB_URL]),
    }
    with MirrorServer(articles=ARTICLES, faults=rules) as mirror:
        started = time.monotonic()
        result = run_crawl(mirror, out, settings=settings, timeout=120)
        seconds = time.monotonic() - started
    reports = run_files(out / "runs")
    assert reports, result.log[-3000:]
    records: dict[str, list[StoredRecord]] = defaultdict(list)
    for record in iter_records(out / "warc"):
        if record.url:
            records[record.url].append(record)
    return Faulty(result, json.loads(reports[-1].read_text(encoding="utf-8")), records, seconds)


def _responses(faulty: Faulty, url: str) -> list[StoredRecord]:
    return [r for r in faulty.records.get(url, []) if r.rec_type == "response"]


def _failures(faulty: Faulty, url: str) -> list[StoredRecord]:
    return [r for r in faulty.records.get(url, []) if r.rec_type == "metadata"]


def _url(name: str) -> str:
    return FAULTS[name][0].url


# -- the crawl as a whole ------------------------------------------------------------------------


def test_crawl_finishes_despite_every_fault(faulty: Faulty) -> None:
    assert faulty.result.returncode == 0, faulty.result.log[-3000:]
    assert faulty.report["finish_reason"] == "finished"
    assert faulty.report["ok"] is True, faulty.report["monitors"]
    assert faulty.seconds < 60  # the traps and the bombs are bounded


def test_no_other_article_is_lost(faulty: Faulty) -> None:
    lost = {art.url for art, _ in FAULTS.values()} - {_url(n) for n in RECOVERED}
    want = {art.url for art in SITE.articles()} - lost
    got = faulty.result.by_url()
    assert want <= set(got), sorted(want - set(got))
    assert not lost & set(got), "a failed page became a record"
    urls = [item["url"] for item in faulty.result.items]
    assert len(urls) == len(set(urls))
    expected = {art.url: art for art in SITE.articles()}
    wrong = [url for url in want if (got[url]["title"], got[url]["body"]) != (expected[url].title, expected[url].body)]
    assert not wrong


def test_run_report_names_every_failure(faulty: Faulty) -> None:
    stats = faulty.report["stats"]
    failed = faulty.report["summary"]["failed"]
    assert failed["extract_failed"] == stats["newsarchive/extract/failed"] == len(FAILED)
    assert failed["not_article"] == stats["newsarchive/extract/not_article"] == len(NOT_ARTICLE)
    assert failed["download_exceptions"] == stats["downloader/exception_count"] > 0
    for kind in FAILED.values():
        assert stats[f"newsarchive/extract/failed/{kind}"] == 1, kind
    for name in ("newsarchive/discovery/pagination_stopped", "newsarchive/discovery/bad_sitemap",
                 "newsarchive/extract/charset_corrected", "newsarchive/warc/failed_requests", "retry/count"):
        assert stats.get(name), name


# -- 5xx, timeouts, resets, truncation -----------------------------------------------------------


def test_503_with_retry_after_is_waited_for_and_recovered(faulty: Faulty) -> None:
    url = _url("retry_after")
    assert url in faulty.result.by_url()
    responses = _responses(faulty, url)
    assert [r.status for r in responses] == [503, 503, 200]  # every attempt's raw response is in the WARC
    assert dict(responses[0].http_headers)["Retry-After"] == "1"
    dates = [datetime.fromisoformat(r.date.replace("Z", "+00:00")) for r in responses]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(dates)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # Retry-After: 1 honoured, not the 0.05 s backoff
    stats = faulty.result.stats
    assert stats["retry/reason_count/503 Service Unavailable"] >= 2 + 3
    assert stats["newsarchive/retry/backoff_count"] >= 2


def test_503_without_retry_after_gives_up_after_the_retries(faulty: Faulty) -> None:
    url = _url("5xx_gives_up")
    assert url not in faulty.result.by_url()
    responses = _responses(faulty, url)
    assert [r.status for r in responses] == [503] * 4  # first try + RETRY_TIMES
    assert all("Retry-After" not in dict(r.http_headers) for r in responses)
    dates = [datetime.fromisoformat(r.date.replace("Z", "+00:00")) for r in responses]
    assert (dates[-1] - dates[0]).total_seconds() < 3  # exponential backoff from 0.05 s, no Retry-After
    assert faulty.result.stats["retry/max_reached"] >= 1
    assert f"Article download failed (http_503): {url}" in faulty.result.log


def test_timeout_is_retried_and_the_article_kept(faulty: Faulty) -> None:
    url = _url("timeout_once")
    assert url in faulty.result.by_url()
    stats = faulty.result.stats
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    failures = _failures(faulty, url)
    assert len(failures) == 1 and b"DownloadTimeoutError" in failures[0].body  # no response arrived: a metadata record
    assert [r.status for r in _responses(faulty, url)] == [200]


def test_connection_reset_is_retried_then_counted(faulty: Faulty) -> None:
    url = _url("reset")
    assert url not in faulty.result.by_url()
    assert not _responses(faulty, url)
    failures = _failures(faulty, url)
    assert len(failures) == 4 and all(b"ConnectionLost" in f.body for f in failures)
    assert faulty.result.stats["newsarchive/extract/failed/connection_lost"] == 1
    assert f"Article download failed (connection_lost): {url}" in faulty.result.log


def test_truncated_body_is_never_archived_as_an_article(faulty: Faulty) -> None:
    url = _url("truncated")
    assert url not in faulty.result.by_url()  # half an article is not kept as if it were whole
    failures = _failures(faulty, url)
    assert len(failures) == 4 and all(b"ResponseDataLossError" in f.body for f in failures)
    assert faulty.result.stats["downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"] == 4
    assert f"Article download failed (truncated): {url}" in faulty.result.log


# -- size limits ------------------------------------------------------------------------------


def test_50_mb_page_is_refused_by_the_size_limit_and_recorded(faulty: Faulty) -> None:
    url = _url("huge")
    assert url not in faulty.result.by_url()
    assert not _responses(faulty, url)  # cancelled from Content-Length, before the body
    failures = _failures(faulty, url)
    assert len(failures) == 1 and b"larger than download max size" in failures[0].body  # not retried
    assert faulty.result.stats["downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"] == 1
    assert faulty.result.stats["newsarchive/extract/failed/too_large"] == 1


def test_gzip_bomb_is_refused_while_decompressing(faulty: Faulty) -> None:
    url = _url("gzip_bomb")
    assert url not in faulty.result.by_url()
    (raw,) = _responses(faulty, url)  # the raw (compressed) response is kept, as received
    assert dict(raw.http_headers)["Content-Encoding"] == "gzip"
    assert len(raw.body) < 1024 * 1024  # 64 MB of zeros, a few kB on the wire
    assert faulty.result.stats["newsarchive/extract/failed/too_large_decompressed"] == 1
    assert "exceeded DOWNLOAD_MAXSIZE" in faulty.result.log
    assert faulty.result.stats["memusage/max"] < 400 * 1024 * 1024


# -- redirects and pagination -------------------------------------------------------------------------


def test_redirect_loop_ends_at_the_redirect_limit(faulty: Faulty) -> None:
    url = _url("redirect_loop")
    assert url not in faulty.result.by_url()
    hops = _responses(faulty, url)
    assert len(hops) == 11 and {r.status for r in hops} == {302}  # first request + REDIRECT_MAX_TIMES, each in the WARC
    assert faulty.result.stats["newsarchive/extract/failed/redirect_loop"] == 1
    assert f"Article download failed (redirect_loop): {url}" in faulty.result.log


@pytest.mark.parametrize(("listing", "lang"), [("https://icma.az/son-xeberler", "az"),
                                               ("https://icma.az/ru/poslednie-novosti", "ru")])
def test_endless_pagination_is_bounded(faulty: Faulty, listing: str, lang: str) -> None:
    pages = {url for url in faulty.records if url.startswith(listing + "?page=")}
    real = -(-sum(1 for a in SITE.articles() if a.lang == lang) // 20)  # pages the listing really has
    assert pages, "the listing was not paginated at all"
    assert len(pages) <= real + 2
    assert faulty.result.stats["newsarchive/discovery/pagination_stopped"] == 2
    assert f"Pagination stopped at {listing}?page=" in faulty.result.log


# -- pages that are not articles --------------------------------------------------------------------


@pytest.mark.parametrize("name", NOT_ARTICLE)
def test_not_an_article_is_counted_and_logged_with_its_url(faulty: Faulty, name: str) -> None:
    url = _url(name)
    assert url not in faulty.result.by_url()
    (raw,) = _responses(faulty, url)
    assert raw.status == 200
    assert (raw.body == b"") is (name == "empty")
    if name == "login_wall":
        assert b"Daxil olun" in raw.body
    assert f"Not an article page (kept raw in the WARC): {url}" in faulty.result.log


def test_malformed_html_is_still_extracted(faulty: Faulty) -> None:
    art = FAULTS["malformed"][0]
    item = faulty.result.by_url()[art.url]
    assert (item["title"], item["body"], item["views"]) == (art.title, art.body, art.views)
    (raw,) = _responses(faulty, art.url)
    assert b"<<>>" in raw.body


# -- charsets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cp1254_unlabelled", "cp1254_as_1252", "cp1251_as_utf8"])
def test_wrong_or_missing_charset_is_decoded_right(faulty: Faulty, name: str) -> None:
    art, spec = FAULTS[name]
    item = faulty.result.by_url()[art.url]
    assert (item["title"], item["body"], item["source_name"]) == (art.title, art.body, art.source_name)
    (raw,) = _responses(faulty, art.url)
    raw.body.decode(spec["encoding"])  # the raw bytes are kept as served
    assert f"Charset of {art.url} is {spec['encoding']}" in faulty.result.log
    assert faulty.result.stats["newsarchive/extract/charset_corrected"] == 3


# -- the XML entity bomb ---------------------------------------------------------------------------


def test_sitemap_entity_bomb_is_not_expanded_in_the_crawl(faulty: Faulty) -> None:
    (raw,) = _responses(faulty, BOMB_URL)
    assert raw.body == XML_BOMB.encode()
    assert faulty.result.stats["newsarchive/discovery/bad_sitemap"] == 1
    assert f"No URLs in sitemap {BOMB_URL}" in faulty.result.log
    assert "https://icma.az/news/ " not in faulty.result.log  # no truncated <loc> was queued
    assert faulty.result.stats["newsarchive/discovery/articles"] == ARTICLES


_BOMB_PROBE = """
import resource, sys, time
from newsarchive.sitemaps import sitemap_locs
from newsarchive.mirror.server import XML_BOMB
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.process_time()
for _ in range(20):
    assert sitemap_locs(XML_BOMB.encode()) == ([], False)
print(time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_sitemap_entity_bomb_is_inert_in_memory_and_time() -> None:
    proc = subprocess.run([sys.executable, "-c", _BOMB_PROBE], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent, check=True)
    seconds, grown_kb = proc.stdout.split()
    assert float(seconds) < 2.0
    assert int(grown_kb) < 20 * 1024  # expanded, the bomb would be ~3 GB (own process: its own maxrss)
