"""The mirror is deterministic, addressable and serves what its ground truth says."""

from __future__ import annotations

import urllib.request

import pytest

from newsarchive.mirror import MirrorConfig, MirrorServer, MirrorSite
from newsarchive.mirror.content import CASE_EXPECTED, k_from_path, slugify
from newsarchive.mirror.http import MirrorRequest
from newsarchive.mirror.icma import IcmaApp


def fetch(mirror: MirrorServer, host: str, path: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(mirror.url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def render(site: MirrorSite, path: str, query: str = "") -> bytes:
    from urllib.parse import parse_qs

    reply = IcmaApp(site).handle(MirrorRequest("icma.az", path, parse_qs(query), {}))
    assert reply is not None
    return reply.payload()


def test_same_seed_same_site() -> None:
    a, b = MirrorSite(MirrorConfig(seed=7, articles=50)), MirrorSite(MirrorConfig(seed=7, articles=50))
    assert a.articles() == b.articles()
    for k in (0, 13, 49):
        assert render(a, a.article(k).path) == render(b, b.article(k).path)
    assert render(a, "/son-xeberler", "page=2") == render(b, "/son-xeberler", "page=2")


def test_other_seed_other_content() -> None:
    a, b = MirrorSite(MirrorConfig(seed=1, articles=20)), MirrorSite(MirrorConfig(seed=2, articles=20))
    assert [x.title for x in a.articles()] != [x.title for x in b.articles()]


def test_article_k_is_independent_of_site_size() -> None:
    small, big = MirrorSite(MirrorConfig(articles=30)), MirrorSite(MirrorConfig(articles=12_000))
    for k in (0, 7, 29):
        assert small.article(k).title == big.article(k).title
        assert small.article(k).url == big.article(k).url
    assert big.article(11_999).k == 11_999  # random access, nothing generated up front


def test_urls_follow_the_site_notes() -> None:
    site = MirrorSite(MirrorConfig(articles=90))
    for art in site.articles():
        assert art.url == f"https://icma.az{art.path}"
        assert art.path.rsplit("-", 1)[1] == art.article_id
        assert k_from_path(art.path) == art.k
        assert site.find(art.path) == art
        prefix = {"story": "/story/", "news": "/ru/news/" if art.lang == "ru" else "/news/"}[art.kind]
        assert art.path.startswith(prefix)
        assert slugify(art.title) in art.path


def test_every_citation_case_is_present_in_a_small_mirror() -> None:
    cases = {art.case for art in MirrorSite(MirrorConfig(articles=60)).articles()}
    assert cases == set(CASE_EXPECTED)


def test_slugify_transliterates_like_icma() -> None:
    assert slugify("Türk dünyasında güc birliyi: Azərbaycan-Qazaxıstan") == (
        "turk-dunyasinda-guc-birliyi-azerbaycan-qazaxistan")
    assert slugify("100 il əvvəldən gələn səslər") == "100-il-evvelden-gelen-sesler"


def test_server_serves_by_host_and_404s_the_rest(mirror: MirrorServer) -> None:
    art = mirror.site.article(0)
    status, body, headers = fetch(mirror, "icma.az", art.path)
    assert status == 200 and "charset=utf-8" in headers["Content-Type"]
    assert art.title.encode() in body
    assert fetch(mirror, "icma.az", art.path + "0")[0] == 404
    assert fetch(mirror, "icma.az", "/robots.txt")[1].startswith(b"User-agent: *")
    assert b"<sitemapindex" in fetch(mirror, "icma.az", "/sitemap.xml")[1]
    assert fetch(mirror, "nosuchhost.az", "/")[0] == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [("/_fault/status/503?retry_after=3", 503), ("/_fault/status/500", 500), ("/_fault/status/404", 404),
     ("/_fault/ok", 200), ("/_fault/empty", 200)],
)
def test_fault_endpoints(mirror: MirrorServer, path: str, status: int) -> None:
    code, _body, headers = fetch(mirror, "icma.az", path)
    assert code == status
    if "retry_after" in path:
        assert headers["Retry-After"] == "3"


def test_latest_listing_paginates_newest_first() -> None:
    site = MirrorSite(MirrorConfig(articles=60))
    first, last = render(site, "/son-xeberler", "page=1"), render(site, "/son-xeberler", "page=3")
    newest_az = site.newest_first(lang="az")
    assert site.article(newest_az[0]).url.encode() in first
    assert site.article(newest_az[-1]).url.encode() in last
    assert b'rel="next"' not in last and b"page=4" not in last
