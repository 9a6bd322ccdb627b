"""The mirror's source sites: pages per host, citation cases, bakivaxti.az lists, determinism."""

from __future__ import annotations

import urllib.error
import urllib.request
from html import escape
from urllib.parse import urlsplit

import pytest
from lxml import etree

from newsarchive.mirror import MirrorConfig, MirrorServer, MirrorSite
from newsarchive.mirror import sources as sources_module
from newsarchive.mirror.content import SOURCES, MirrorArticle
from newsarchive.mirror.http import MirrorRequest, Reply
from newsarchive.mirror.sources import SourceApp

SITE = MirrorSite(MirrorConfig(articles=60))
APPS = {host: SourceApp(SITE, host) for host in SOURCES}
#: What the cited URL answers, per citation case.
CITED_STATUS = {"report": 200, "apa": 200, "azertag": 200, "mia": 301, "apa_404": 404, "report_500": 500}


def get(path: str, host: str, apps: dict[str, SourceApp] = APPS) -> Reply | None:
    return apps[host].handle(MirrorRequest(host, path, {}, {}))


def cases(*names: str) -> list[MirrorArticle]:
    return [a for a in SITE.articles() if a.case in names]


def xml(reply: Reply | None) -> etree._Element:
    assert reply is not None and reply.status == 200
    return etree.fromstring(reply.payload())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(mirror: MirrorServer, url: str) -> tuple[int, bytes, dict[str, str]]:
    parts = urlsplit(url)
    request = urllib.request.Request(mirror.url + (parts.path or "/"), headers={"Host": parts.netloc})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def test_every_case_is_in_the_small_mirror() -> None:
    assert {a.case for a in SITE.articles()} >= {*CITED_STATUS, "bakivaxti", "bakivaxti_nomatch"}


@pytest.mark.parametrize("host", sorted(SOURCES))
def test_each_host_serves_robots_home_and_404(host: str) -> None:
    robots = get("/robots.txt", host)
    assert robots is not None and robots.content_type.startswith("text/plain")
    assert "Disallow: /admin" in robots.payload().decode()
    home = get("/", host)
    assert home is not None and home.status == 200 and b"<html" in home.payload()
    assert get("/no/such/page", host) is None


@pytest.mark.parametrize("case", sorted(CITED_STATUS))
def test_cited_url_behaves_per_case(case: str) -> None:
    for art in cases(case):
        assert art.source_url is not None
        host = urlsplit(art.source_url).hostname or ""
        reply = get(urlsplit(art.source_url).path, host)
        status = 404 if reply is None else reply.status
        assert status == CITED_STATUS[case], (art.k, art.source_url)
        if status == 301:
            assert reply is not None and art.origin is not None
            assert reply.headers["Location"] == art.origin.url
            final = get(urlsplit(art.origin.url).path, host)
            assert final is not None and final.status == 200


@pytest.mark.parametrize("case", ["report", "apa", "azertag", "mia", "bakivaxti"])
def test_origin_pages_show_the_ground_truth(case: str) -> None:
    for art in cases(case):
        origin = art.origin
        assert origin is not None
        reply = get(urlsplit(origin.url).path, origin.site)
        assert reply is not None and reply.status == 200, art.k
        page = reply.payload().decode()
        assert escape(origin.title) in page
        assert escape(origin.author or "") in page
        assert origin.published_at.strftime("%H:%M") in page


def test_bakivaxti_citations_are_home_pages_only() -> None:
    for art in cases("bakivaxti", "bakivaxti_nomatch"):
        assert art.source_url == "https://bakivaxti.az"


def test_bakivaxti_lists_hold_every_cited_post_and_no_nomatch() -> None:
    wanted = {a.origin.url for a in cases("bakivaxti") if a.origin}
    nomatch_titles = {a.title for a in cases("bakivaxti_nomatch")}
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    sitemap = xml(get("/sitemap.xml", "bakivaxti.az"))
    locs = set(sitemap.xpath("//s:url/s:loc/text()", namespaces=ns))
    titles = set(sitemap.xpath("//n:title/text()", namespaces=ns))
    feed = xml(get("/rss", "bakivaxti.az"))
    feed_links = set(feed.xpath("//item/link/text()"))
    feed_titles = set(feed.xpath("//item/title/text()"))
    assert wanted and wanted <= locs and wanted <= feed_links
    assert not nomatch_titles & (titles | feed_titles)
    home = get("/", "bakivaxti.az")
    assert home is not None
    assert not any(t in home.payload().decode() for t in nomatch_titles)
    decoys = locs - wanted
    assert len(decoys) >= 5  # posts icma never cited
    for url in decoys:
        page = get(urlsplit(url).path, "bakivaxti.az")
        assert page is not None and page.status == 200


def test_bakivaxti_sitemap_dates_are_the_posts_own() -> None:
    ns = {"n": "http://www.google.com/schemas/sitemap-news/0.9", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sitemap = xml(get("/sitemap.xml", "bakivaxti.az"))
    dates = dict(zip(sitemap.xpath("//s:loc/text()", namespaces=ns),
                     sitemap.xpath("//n:publication_date/text()", namespaces=ns), strict=True))
    for art in cases("bakivaxti"):
        assert art.origin is not None
        assert dates[art.origin.url] == art.origin.published_at.isoformat()


def test_bakivaxti_robots_and_home_point_at_lists() -> None:
    robots = get("/robots.txt", "bakivaxti.az")
    assert robots is not None and "Sitemap: https://bakivaxti.az/sitemap.xml" in robots.payload().decode()
    home = get("/", "bakivaxti.az")
    assert home is not None and b'type="application/rss+xml"' in home.payload()
    assert get("/feed", "bakivaxti.az") is not None


def test_big_sitemap_becomes_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources_module, "SITEMAP_SIZE", 7)
    app = {"bakivaxti.az": SourceApp(SITE, "bakivaxti.az")}
    index = xml(get("/sitemap.xml", "bakivaxti.az", app))
    children = index.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()")
    assert len(children) == -(-len(app["bakivaxti.az"].posts()) // 7)
    total = 0
    for child in children:
        total += len(xml(get(urlsplit(child).path, "bakivaxti.az", app)).xpath("//*[local-name()='url']"))
    assert total == len(app["bakivaxti.az"].posts())
    assert get(f"/sitemap-{len(children)}.xml", "bakivaxti.az", app) is None


def test_same_seed_same_bytes() -> None:
    other = {host: SourceApp(MirrorSite(MirrorConfig(articles=60)), host) for host in SOURCES}
    paths = [(urlsplit(a.origin.url).path, a.origin.site) for a in SITE.articles() if a.origin]
    paths += [(p, "bakivaxti.az") for p in ("/", "/rss", "/sitemap.xml")] + [("/", h) for h in SOURCES]
    for path, host in paths:
        a, b = get(path, host), get(path, host, other)
        assert a is not None and b is not None
        assert a.payload() == b.payload(), (host, path)


def test_conditional_get_on_article_pages() -> None:
    art = cases("apa")[0]
    assert art.origin is not None
    path = urlsplit(art.origin.url).path
    first = get(path, "apa.az")
    assert first is not None and "ETag" in first.headers
    again = APPS["apa.az"].handle(MirrorRequest("apa.az", path, {}, {"if-none-match": first.headers["ETag"]}))
    assert again is not None and again.status == 304


def test_over_http(mirror: MirrorServer) -> None:
    site = mirror.site
    seen = set()
    for art in site.articles():
        if art.case not in CITED_STATUS or art.case in seen or art.source_url is None:
            continue
        seen.add(art.case)
        status, _body, headers = fetch(mirror, art.source_url)
        assert status == CITED_STATUS[art.case], art.case
        if status == 301:
            assert headers["Location"] == art.expected_origin_url
    assert seen == set(CITED_STATUS)
    status, body, _ = fetch(mirror, "https://bakivaxti.az/sitemap.xml")
    assert status == 200 and b"<news:title>" in body
