"""Every fetched aggregator article becomes a record, whatever happens to its origin requests.

Each case crawls the mirror with one way of losing a follow-up request: Scrapy's
``DepthMiddleware`` (``DEPTH_LIMIT``) or ``UrlLengthMiddleware`` (a cited link
over 2,083 characters) dropping it silently, a source site whose home page
makes a list callback raise, and a hostile source with endlessly nested
sitemap indexes. Every article page the crawl fetched (its WARC response) must
be in the JSON lines, with an ``origin_note`` saying what happened and a stat
counting it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from newsarchive.archive.warc import iter_records
from newsarchive.discovery import is_article_url
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.settings_helpers import project_defaults
from tests.crawl import CrawlResult, run_crawl

pytestmark = pytest.mark.slow

ARTICLES = 60
SITE = MirrorSite(MirrorConfig(articles=ARTICLES))
BAKIVAXTI = [a for a in SITE.articles() if a.source_url == "https://bakivaxti.az"]
ICMA = frozenset({"icma.az"})


def fetched_articles(result: CrawlResult) -> set[str]:
    """icma.az article pages the crawl downloaded (200 responses in its WARC)."""
    urls = set()
    for record in iter_records(result.out_dir / "warc"):
        if record.rec_type == "response" and record.status == 200 and record.url \
                and is_article_url(record.url, ICMA):
            urls.add(record.url)
    return urls


def reached_from_an_article(result: CrawlResult) -> set[str]:
    """icma.az articles the crawl requested from another article's page (its sidebar: the Referer of the
    request in the WARC), one level deeper than the sitemaps put them."""
    urls = set()
    for record in iter_records(result.out_dir / "warc"):
        if record.rec_type == "request" and record.url and is_article_url(record.url, ICMA):
            referer = next((value for name, value in record.http_headers if name.lower() == "referer"), "")
            if is_article_url(referer, ICMA):
                urls.add(record.url)
    return urls


def assert_every_fetched_article_is_a_record(result: CrawlResult) -> None:
    fetched = fetched_articles(result)
    assert fetched, result.log[-3000:]
    got = Counter(item["url"] for item in result.items)
    assert set(got) >= fetched, f"fetched but never written: {sorted(fetched - set(got))[:5]}"
    assert max(got.values()) == 1, "a record was written twice"
    for item in result.items:
        assert (item["origin_note"] is None) == (item["origin_status"] == "ok"), item


def test_depth_limit_does_not_lose_records(tmp_path: Path) -> None:
    # From the sitemap index only: index 0, sitemaps 1, articles 2, cited links and the home-page-only
    # site's lists 3, and the article matched on those lists 4: over DEPTH_LIMIT=3. An article whose page
    # is first requested from another article's sidebar (fetched before the sitemap listing it was read)
    # is at depth 3, and its cited link at 4.
    settings = {"DEPTH_LIMIT": 3, "NEWSARCHIVE_START_URLS": json.dumps(["https://icma.az/sitemap.xml"])}
    with MirrorServer(articles=ARTICLES) as mirror:
        result = run_crawl(mirror, tmp_path, settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    assert_every_fetched_article_is_a_record(result)
    assert len(result.items) == ARTICLES
    dropped = {i["url"] for i in result.items if i["origin_note"] == "dropped_depth"}
    # (a record that comes after the site's lists were read is matched at depth 3, and resolved)
    listed = {a.url for a in BAKIVAXTI if a.expected_origin_status == "ok"}
    deeper = reached_from_an_article(result)
    assert dropped and dropped <= listed | deeper, sorted(dropped - listed - deeper)
    assert all(result.by_url()[url]["origin_status"] == "not_attempted" for url in dropped)
    assert result.stats["newsarchive/origin/released/dropped_depth"] == len(dropped)


def test_a_cited_link_over_2083_characters_does_not_lose_its_record(tmp_path: Path) -> None:
    art = next(a for a in SITE.articles() if a.source_url and a.source_url.startswith("https://apa.az/"))
    assert art.source_url is not None
    long_url = art.source_url + "?" + "x" * (2084 - len(art.source_url) - 1)
    assert len(long_url) == 2084
    faults = {art.path: {"replace": [[f'href="{art.source_url}"', f'href="{long_url}"'],
                                     [f">{art.source_url}<", f">{long_url}<"]]}}
    with MirrorServer(articles=ARTICLES, faults=faults) as mirror:
        result = run_crawl(mirror, tmp_path, settings={"NEWSARCHIVE_INCREMENTAL": False})
    assert result.returncode == 0, result.log[-3000:]
    assert_every_fetched_article_is_a_record(result)
    record = result.by_url()[art.url]
    assert record["source_url"] == long_url
    assert (record["origin_status"], record["origin_note"]) == ("not_attempted", "dropped_url_length")
    assert result.stats["newsarchive/origin/released/dropped_url_length"] == 1
    assert len(result.items) == ARTICLES


def test_a_raising_list_callback_releases_the_records_waiting_for_the_site(tmp_path: Path) -> None:
    # bakivaxti.az's home page announces a feed at a malformed URL: reading it raises in parse_home
    feed = 'href="https://bakivaxti.az/rss"'
    faults = {"/": {"replace": [[feed, 'href="http://[bakivaxti/rss"']]}}
    with MirrorServer(articles=ARTICLES, faults=faults) as mirror:
        result = run_crawl(mirror, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert_every_fetched_article_is_a_record(result)
    assert result.stats["newsarchive/origin/callback_error"] >= 1
    by_url = result.by_url()
    for art in BAKIVAXTI:
        # the site's other lists (robots.txt sitemap, /rss, /feed) still resolve them
        assert by_url[art.url]["origin_status"] == art.expected_origin_status, art.url
    assert len(result.items) == ARTICLES


# -- a hostile source: sitemap indexes nested without end ----------------------------------------

class NestedSitemaps(BaseHTTPRequestHandler):
    """robots.txt names /s/0.xml; every /s/<n>.xml is an index of five deeper ones, forever."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nSitemap: https://bakivaxti.az/s/0.xml\n", "text/plain"
        elif self.path.startswith("/s/"):
            name = self.path.removeprefix("/s/").removesuffix(".xml")
            children = "".join(f"<sitemap><loc>https://bakivaxti.az/s/{name}-{i}.xml</loc></sitemap>"
                               for i in range(5))
            body = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                    f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>').encode()
            kind = "application/xml"
        elif self.path == "/":
            body, kind = b"<html><head><title>Bakivaxti</title></head><body><p>Salam</p></body></html>", "text/html"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hostile_source() -> Iterator[str]:
    NestedSitemaps.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), NestedSitemaps)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_nested_sitemap_indexes_are_bounded_per_site(tmp_path: Path, hostile_source: str) -> None:
    with MirrorServer(articles=ARTICLES) as mirror:
        settings = {"NEWSARCHIVE_HOST_MAP": json.dumps({**mirror.host_map, "bakivaxti.az": hostile_source}),
                    "NEWSARCHIVE_ORIGIN_MAX_SITEMAPS": 8, "NEWSARCHIVE_ORIGIN_MAX_SITEMAP_DEPTH": 2}
        result = run_crawl(mirror, tmp_path, settings=settings, timeout=120)
    assert result.returncode == 0, result.log[-3000:]
    sitemaps = [p for p in NestedSitemaps.paths if p.startswith("/s/")]
    assert 0 < len(sitemaps) <= 8, sitemaps
    assert max(p.count("-") for p in sitemaps) <= 2  # /s/0.xml is depth 0, /s/0-1-2.xml depth 2
    assert_every_fetched_article_is_a_record(result)
    by_url = result.by_url()
    for art in BAKIVAXTI:
        assert (by_url[art.url]["origin_status"], by_url[art.url]["origin_note"]) == ("not_found", "no_match")


def test_list_requests_count_against_the_domain_cap(tmp_path: Path, hostile_source: str) -> None:
    with MirrorServer(articles=ARTICLES) as mirror:
        settings = {"NEWSARCHIVE_HOST_MAP": json.dumps({**mirror.host_map, "bakivaxti.az": hostile_source}),
                    "NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": 4}
        result = run_crawl(mirror, tmp_path, settings=settings, timeout=120)
    assert result.returncode == 0, result.log[-3000:]
    ours = [p for p in NestedSitemaps.paths if p != "/robots.txt"]
    # 4 of ours (home, robots.txt, 2 of the guessed lists), plus Scrapy's own robots.txt check
    assert len(NestedSitemaps.paths) <= 5 and len(ours) <= 3, NestedSitemaps.paths
    by_url = result.by_url()
    for art in BAKIVAXTI:
        assert (by_url[art.url]["origin_status"], by_url[art.url]["origin_note"]) == ("not_attempted", "domain_cap")


# -- a scheduler that refuses (request_dropped) or loses (nothing at all) origin requests ----------

APA_CITED = {a.url for a in SITE.articles() if a.source_url and a.source_url.startswith("https://apa.az/")}


@pytest.mark.parametrize(("mode", "note"), [("drop", "dropped_scheduler"), ("lose", "run_ended")])
def test_records_of_requests_the_scheduler_drops_or_loses_are_written(tmp_path: Path, mode: str, note: str) -> None:
    settings = {"SCHEDULER": "tests.lossy_scheduler.LossyScheduler", "LOSSY_HOST": "apa.az", "LOSSY_MODE": mode}
    with MirrorServer(articles=ARTICLES) as mirror:
        result = run_crawl(mirror, tmp_path, settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    assert_every_fetched_article_is_a_record(result)
    assert len(result.items) == ARTICLES
    by_url = result.by_url()
    assert APA_CITED
    for url in APA_CITED:
        assert (by_url[url]["origin_status"], by_url[url]["origin_note"]) == ("not_attempted", note)
    assert result.stats[f"newsarchive/origin/released/{note}"] == len(APA_CITED)
    lost = f"WARNING: {len(APA_CITED)} record(s) still waited for their origin when the run went idle"
    assert (lost in result.log) == (mode == "lose")


def test_two_lists_redirected_to_one_page_both_count_as_answered() -> None:
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from spiders.icma import IcmaSpider
    from spiders.origins import OriginFollower, SiteLists

    follower = OriginFollower(get_crawler(IcmaSpider, settings_dict={**project_defaults(),
                                                                      "NEWSARCHIVE_INCREMENTAL": False}))
    site = follower.sites["x.az"] = SiteLists(outstanding=2)
    for guess in ("https://x.az/rss", "https://x.az/feed"):  # both redirect to /rss.xml
        list(follower._list_done("x.az", Request("https://x.az/rss.xml", meta={"redirect_urls": [guess]})))
    assert (site.outstanding, site.done) == (0, True)
