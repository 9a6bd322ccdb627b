"""One original, one identity (issue 12, point 3, cited originals).

A crawl of the mirror in variants mode (``MirrorConfig.variants``): one apa.az original cited by five
icma articles (its URL, with ``utm_*``, over ``http://``, with ``www.``, under another slug with the
same id), an azertag.az original under another slug, a mia.az original under another short URL, a
report.az original (no id in its URLs) under an old slug whose page names the current URL in its
canonical link, and two different bakivaxti.az posts whose URLs end in the same number (not an id).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from parsel import Selector

from newsarchive.archive.db import ArticleStore
from newsarchive.archive.warc import iter_records
from newsarchive.mirror import MirrorServer, MirrorSite
from newsarchive.mirror.content import MirrorConfig
from newsarchive.origin.identity import declared_url, origin_key
from tests import pg
from tests.crawl import CrawlResult, run_crawl

postgres_url = pg.postgres_url
pg_database = pg.pg_database
db_url = pg.db_url

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schema/article.schema.json").read_text())
ARTICLES = 40
SITE = MirrorSite(MirrorConfig(articles=ARTICLES, variants=True))
#: k of the icma articles citing one original (the first cites its plain URL).
APA = (1, 6, 15, 21, 26)
AZERTAG = (8, 20)
MIA = (18, 25)
REPORT = (0, 10)
SAME_NUMBER = (29, 33)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    out = tmp_path_factory.mktemp("identity")
    with MirrorServer(articles=ARTICLES, variants=True) as mirror:
        result = run_crawl(mirror, out)
    assert result.returncode == 0, result.log[-3000:]
    return result


def record(crawl: CrawlResult, k: int) -> dict[str, Any]:
    return crawl.by_url()[SITE.article(k).url]


def fetches(crawl: CrawlResult) -> Counter[str]:
    """Identity key -> how many responses of a cited site the crawl's WARC files hold for it."""
    counts: Counter[str] = Counter()
    for stored in iter_records(crawl.out_dir / "warc"):
        if stored.rec_type == "response" and "icma.az" not in stored.url and not stored.url.endswith(".txt"):
            counts[origin_key(stored.url)] += 1
    return counts


# -- the key, as a pure function ---------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("https://apa.az/az/xeber/siyaset/basliq-880001", "http://www.apa.az/az/xeber/siyaset/basliq-880001?utm_source=x"),
    ("https://apa.az/az/xeber/siyaset/basliq-880001", "https://apa.az/az/xeber/idman/basqa-slug-880001#comments"),
    ("https://azertag.az/xeber/Bir_Iki-3500008", "https://www.azertag.az/xeber/Uc_Dord-3500008/?fbclid=1"),
    ("http://mia.az/w450018/qisa", "https://mia.az/w450018/qisa-slug-2025-10-01-144800"),
    ("https://oxu.az/siyaset/912345", "https://oxu.az/cemiyyet/912345"),
    ("https://qafqazinfo.az/news/detail/bir-412345", "https://qafqazinfo.az/news/detail/iki-412345"),
    ("https://report.az/dunya/xeber/", "http://www.report.az/dunya/xeber/?utm_medium=a&gclid=2"),
])
def test_urls_of_one_original_have_one_key(a: str, b: str) -> None:
    assert origin_key(a) == origin_key(b)


@pytest.mark.parametrize(("a", "b"), [
    # a number in a URL is an id only where the site's rule says so
    ("https://bakivaxti.az/az/posts/detail/bir-1759326960", "https://bakivaxti.az/az/posts/detail/iki-1759326960"),
    ("https://example.az/news/bir-412345", "https://example.az/news/iki-412345"),
    ("https://report.az/dunya/bir-12345/", "https://report.az/dunya/iki-12345/"),
    # editions are their own number spaces; another site is another original
    ("https://apa.az/az/xeber/x-880001", "https://apa.az/ru/xeber/x-880001"),
    ("https://apa.az/az/xeber/x-880001", "https://oxu.az/siyaset/880001"),
])
def test_different_originals_keep_different_keys(a: str, b: str) -> None:
    assert origin_key(a) != origin_key(b)


def test_a_page_canonical_url_names_it_on_its_own_site_only() -> None:
    old = "https://report.az/dunya/kohne-slug/"
    new = "https://report.az/dunya/yeni-slug/"
    html = f'<html><head><link rel="canonical" href="{new}"><meta property="og:url" content="/x/"></head></html>'
    assert declared_url(html, old) == new
    assert declared_url('<meta property="og:url" content="/dunya/yeni-slug/">', old) == new
    # a page object's parsed document says the same as its HTML; a canonical link in the body is not read
    assert declared_url(Selector(text=html), old) == new
    assert declared_url(Selector(text=f'<html><head></head><body><link rel="canonical" href="{new}"></body></html>'),
                        old) is None
    assert declared_url(f'<html><head></head><body><link rel="canonical" href="{new}"></body></html>', old) is None
    assert origin_key(old, new) == origin_key(new) == "url:report.az/dunya/yeni-slug/"
    assert origin_key(old, "https://report.az/") == origin_key(old)        # a site-wide canonical: no evidence
    assert origin_key(old, "https://apa.az/dunya/yeni-slug/") == origin_key(old)  # another site
    # the id in the URL wins over a canonical naming another id (a template fault)
    assert origin_key("https://apa.az/az/xeber/x-880001", "https://apa.az/az/xeber/y-880002") == \
        "id:apa.az/az/880001"
    assert origin_key("https://apa.az/az/xeber/x-880001") == "id:apa.az/az/880001"
    assert origin_key("http://mia.az/w450018/qisa") == "id:mia.az/450018"


# -- a crawl of the mirror -----------------------------------------------------------------------

@pytest.mark.parametrize("group", [APA, AZERTAG, MIA], ids=["apa_utm_http_www_slug", "azertag_slug", "mia_short"])
def test_variants_of_a_cited_original_are_one_original_fetched_once(crawl: CrawlResult,
                                                                    group: tuple[int, ...]) -> None:
    truth = SITE.article(group[0]).origin
    assert truth is not None
    cited = [SITE.article(k).source_url for k in group]
    assert len(set(cited)) == len(group)  # the mirror cites it under as many URLs
    records = [record(crawl, k) for k in group]
    assert {r["origin_status"] for r in records} == {"ok"}
    assert fetches(crawl)[origin_key(truth.url)] == (2 if truth.site == "mia.az" else 1)  # mia: the 301 hop too
    keys = {r["origin"]["key"] for r in records}
    assert keys == {origin_key(truth.url)} and keys.pop().startswith("id:")
    assert {r["origin"]["title"] for r in records} == {truth.title}
    assert {r["origin_url"] for r in records} <= {SITE.article(k).expected_origin_url for k in group} | set(cited)
    assert {r["origin_method"] for r in records} == {"link"}
    for r in records:
        jsonschema.Draft202012Validator(SCHEMA).validate(r)


def test_shared_originals_are_counted(crawl: CrawlResult) -> None:
    # APA: 4 records took another's download, AZERTAG and MIA one each
    assert crawl.stats["newsarchive/origin/identity/shared"] >= 6


def test_an_unknown_site_numbers_are_not_ids(crawl: CrawlResult) -> None:
    a, b = (SITE.article(k) for k in SAME_NUMBER)
    assert a.source_url != b.source_url
    assert a.source_url.rsplit("-", 1)[1] == b.source_url.rsplit("-", 1)[1]  # the same trailing number
    ra, rb = record(crawl, a.k), record(crawl, b.k)
    assert ra["origin_status"] == rb["origin_status"] == "ok"
    assert ra["origin"]["key"] != rb["origin"]["key"]
    assert (ra["origin"]["title"], rb["origin"]["title"]) == (a.origin.title, b.origin.title)  # type: ignore[union-attr]
    counts = fetches(crawl)
    assert counts[ra["origin"]["key"]] == counts[rb["origin"]["key"]] == 1


def test_a_page_naming_the_other_slug_in_its_canonical_link_is_the_same_original(crawl: CrawlResult) -> None:
    current, old_slug = (SITE.article(k) for k in REPORT)
    assert current.origin is not None
    assert old_slug.source_url != current.source_url and "report.az" in (old_slug.source_url or "")
    records = [record(crawl, k) for k in REPORT]
    assert {r["origin_status"] for r in records} == {"ok"}
    assert {r["origin"]["key"] for r in records} == {f"url:{current.origin.url.split('://', 1)[1]}"}
    assert {r["origin"]["title"] for r in records} == {current.origin.title}


def test_a_crawl_keeping_one_outcome_in_memory_archives_the_same_origins(tmp_path: Path) -> None:
    """Every original settled before the last one is on disk when a later record cites it. One request
    at a time, so both crawls meet the citations in the same order. (Not strictly: Scrapy may start the
    next download before a callback has queued its origin request, so a citation can still find its
    original in flight, and then it waits for it instead of reading it from disk.)"""
    serial = {"CONCURRENT_REQUESTS": 1}
    one = {**serial, "NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY": 1}
    with MirrorServer(articles=ARTICLES, variants=True) as mirror:
        kept = run_crawl(mirror, tmp_path / "kept", settings=serial)
        bounded = run_crawl(mirror, tmp_path / "bounded", settings=one)
    assert kept.returncode == bounded.returncode == 0, (kept.log + bounded.log)[-3000:]
    fields = ("origin_status", "origin_note", "origin_url", "origin_method", "origin_similarity", "origin")

    def origins(result: CrawlResult) -> dict[str, dict[str, Any]]:
        return {url: {f: r.get(f) for f in fields} for url, r in result.by_url().items()}

    assert len(bounded.items) == ARTICLES and origins(bounded) == origins(kept)
    assert fetches(bounded) == fetches(kept)  # nothing downloaded again
    shared = kept.stats["newsarchive/origin/identity/shared"]
    assert shared >= 6 and 1 <= bounded.stats["newsarchive/origin/outcomes/reloaded"] <= shared
    assert bounded.stats["newsarchive/origin/outcomes/spilled"] >= 20
    assert "newsarchive/origin/outcomes/spilled" not in kept.stats


def test_the_database_finds_every_article_citing_one_original(crawl: CrawlResult) -> None:
    db = sqlite3.connect(crawl.out_dir / "archive.sqlite3")
    try:
        for group in (APA, AZERTAG, MIA, REPORT):
            key = record(crawl, group[0])["origin"]["key"]
            rows = db.execute("SELECT article_url FROM origins WHERE origin_key = ?", (key,)).fetchall()
            assert {r[0] for r in rows} == {SITE.article(k).url for k in group}
            attempts = db.execute("SELECT DISTINCT article_url FROM origin_attempts WHERE origin_key = ?",
                                  (key,)).fetchall()
            assert {r[0] for r in attempts} == {SITE.article(k).url for k in group}
        plan = " ".join(str(r) for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT article_url FROM origins WHERE origin_key = 'x'").fetchall())
        assert "origins_origin_key" in plan
    finally:
        db.close()


def test_export_and_replay_carry_the_key(crawl: CrawlResult, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    exported = tmp_path / "export.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "--database",
                           f"sqlite:///{crawl.out_dir / 'archive.sqlite3'}", "-O", str(exported)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    crawled = {r["url"]: (r["origin"] or {}).get("key") for r in crawl.items}
    assert {r["url"]: (r["origin"] or {}).get("key")
            for r in map(json.loads, exported.read_text(encoding="utf-8").splitlines())} == crawled
    replayed = tmp_path / "replayed.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "replay", str(crawl.out_dir / "warc"),
                           "--output-dir", str(tmp_path / "replay"), "-O", str(replayed),
                           "-s", "NEWSARCHIVE_START_URLS=" + json.dumps(["https://icma.az/", "https://icma.az/sitemap.xml"]),
                           "-s", "NEWSARCHIVE_PROGRESS=off"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = {r["url"]: r for r in map(json.loads, replayed.read_text(encoding="utf-8").splitlines())}
    assert {url: (r["origin"] or {}).get("key") for url, r in again.items()} == crawled
    assert {url: r["origin_status"] for url, r in again.items()} == \
        {r["url"]: r["origin_status"] for r in crawl.items}


def test_an_archived_origin_gets_its_key_when_the_database_migrates(tmp_path: Path) -> None:
    """Archives of release 8d32d38 (tests/fixtures/archive-v1): migration 5 keys every archived original."""
    path = tmp_path / "archive.sqlite3"
    shutil.copy(ROOT / "tests/fixtures/archive-v1/archive.sqlite3", path)
    store = ArticleStore.from_url(f"sqlite:///{path}")
    store.open()
    store.close()
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT url, origin_key FROM origins WHERE url IS NOT NULL").fetchall()
        assert rows and all(key == origin_key(url) for url, key in rows)
        assert any(key.startswith("id:apa.az/") for _, key in rows)
        keyed_without_url = "SELECT COUNT(*) FROM origins WHERE url IS NULL AND origin_key IS NOT NULL"
        assert db.execute(keyed_without_url).fetchone() == (0,)
        attempts = db.execute("SELECT url, origin_key FROM origin_attempts WHERE url IS NOT NULL").fetchall()
        assert attempts and all(key == origin_key(url) for url, key in attempts)
    finally:
        db.close()


# -- the follower's hand-over in a replay (the runs fetched the original under another URL) ------------

def follower_and_records(**settings: Any) -> tuple[Any, list[Any]]:
    from scrapy.utils.test import get_crawler

    from newsarchive.items import Article
    from spiders.icma import IcmaSpider
    from spiders.origins import OriginFollower

    follower = OriginFollower(get_crawler(IcmaSpider, settings_dict={
        "NEWSARCHIVE_INCREMENTAL": False, "NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": 10, **settings}))
    cited = ("https://apa.az/az/xeber/siyaset/bir-880001?utm_source=icma.az",
             "https://www.apa.az/az/xeber/siyaset/iki-880001", "http://apa.az/az/xeber/idman/uc-880001")
    records = [Article(url=f"https://icma.az/news/xeber-{n}", source_url=url, body="Mətn burada.")
               for n, url in enumerate(cited, 1)]
    return follower, records


APA_PAGE = ('<html><head><title>Bir - APA</title><meta property="og:title" content="Bir xəbər">'
            '<meta property="og:url" content="https://apa.az/az/xeber/siyaset/bir-880001"></head>'
            '<body><h2>Bir xəbər</h2><div class="texts"><p>Mətn burada, uzun bir cümlə ilə.</p></div></body></html>')


def replay_miss(request: Any) -> Any:
    from twisted.python.failure import Failure

    from newsarchive.replay import ReplayMissError

    failure = Failure(ReplayMissError(request.url))
    failure.request = request  # type: ignore[attr-defined]
    return failure


def answer(follower: Any, request: Any, page: str = APA_PAGE) -> list[Any]:
    from scrapy.http import HtmlResponse

    response = HtmlResponse(url=request.url, body=page.encode(), encoding="utf-8", request=request)
    return list(follower.parse_origin(response, **request.cb_kwargs))


def test_a_replay_asks_for_the_url_the_runs_fetched_of_an_original() -> None:
    from scrapy import Request

    follower, (first, second, third) = follower_and_records()
    [request] = list(follower.follow(first))
    assert list(follower.follow(second)) == []  # the same original: waits for the first download
    [handed] = list(follower.origin_failed(replay_miss(request)))  # not in the archive under the first URL
    assert isinstance(handed, Request) and handed.url == second.source_url
    emitted = answer(follower, handed)
    assert {r.url for r in emitted} == {first.url, second.url}
    assert {(r.origin_status, r.origin.key) for r in emitted} == {("ok", "id:apa.az/az/880001")}
    assert emitted[0].origin is not emitted[1].origin  # each record its own copy
    [taken] = list(follower.follow(third))  # a third URL of it: no request, the outcome of the download
    assert taken is third and (taken.origin_status, taken.origin.key) == ("ok", "id:apa.az/az/880001")


def test_a_replay_miss_waits_for_another_citation_of_the_original() -> None:
    follower, (first, second, _) = follower_and_records()
    [request] = list(follower.follow(first))
    assert list(follower.origin_failed(replay_miss(request))) == []  # no other URL known yet: it waits
    [again] = list(follower.follow(second))  # cited under another URL: that one is asked for
    assert again.url == second.source_url
    assert {r.url for r in answer(follower, again)} == {first.url, second.url}


#: A report.az article (no id in its URLs) under its current URL and under an old slug the site still serves.
REPORT_CURRENT = "https://report.az/siyaset/bir-xeber-60/"
REPORT_OLD = "https://report.az/siyaset/kohne-slug-60/"
REPORT_PAGE = ('<html><head><title>Bir xəbər | Report.az</title>'
               f'<link rel="canonical" href="{REPORT_CURRENT}"></head>'
               '<body><h1>Bir xəbər</h1><div class="news-detail"><p>Mətn burada, uzun bir cümlə ilə.</p></div>'
               '</body></html>')


def report_records() -> tuple[Any, Any]:
    """Two icma records: one cites the report.az article under its current URL, one under the old slug."""
    from newsarchive.items import Article

    return (Article(url="https://icma.az/news/report-1", source_url=REPORT_CURRENT, body="Mətn burada."),
            Article(url="https://icma.az/news/report-2", source_url=REPORT_OLD, body="Mətn burada."))


def test_a_replay_miss_gets_the_download_of_a_page_that_names_its_url() -> None:
    """The runs fetched the old slug first, learned the current URL's key from its canonical link and
    gave that download to the record citing the current URL, never requesting it. A replay that
    follows the current URL first misses it; the old slug's page, once in, names it: both records get
    it (CI failure of 4b56bc5: the first record ended ``not_in_archive``)."""
    follower, _ = follower_and_records()
    current, old = report_records()
    [request] = list(follower.follow(current))
    assert list(follower.origin_failed(replay_miss(request))) == []  # no URL of its key in the archive: it waits
    [other] = list(follower.follow(old))  # another key until its page is in
    assert other.url == REPORT_OLD
    emitted = answer(follower, other, REPORT_PAGE)
    assert {(r.url, r.origin_status, r.origin.key, r.origin_url) for r in emitted} == {
        (r.url, "ok", origin_key(REPORT_CURRENT), REPORT_OLD) for r in (current, old)}
    assert follower.stats.get_value("newsarchive/origin/identity/canonical_handover") == 1


def test_a_replay_miss_finds_an_archived_page_that_names_its_url(tmp_path: Path) -> None:
    """A worker of a sharded replay holds the record citing the current URL, not the one citing the
    old slug the runs fetched: the archived pages of the host that name themselves by that key are
    asked for (hand-made WARC: the old slug's page and a page of another site)."""
    from io import BytesIO

    from scrapy.utils.test import get_crawler
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from newsarchive.replay import ReplayIndex
    from spiders.icma import IcmaSpider
    from spiders.origins import OriginFollower

    path = tmp_path / "old-slug.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, page in ((REPORT_OLD, REPORT_PAGE), ("https://apa.az/az/xeber/siyaset/bir-880001", APA_PAGE)):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(page.encode()),
                                                          http_headers=http))
    crawler = get_crawler(IcmaSpider, settings_dict={
        "NEWSARCHIVE_INCREMENTAL": False, "NEWSARCHIVE_REPLAY_WARC": str(path),
        "NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": 10})
    crawler._newsarchive_replay_index = ReplayIndex.build([path], repair_indexes=False)  # as the handler sets it
    follower = OriginFollower(crawler)
    current, _ = report_records()
    [request] = list(follower.follow(current))
    [handed] = list(follower.origin_failed(replay_miss(request)))
    assert handed.url == REPORT_OLD and handed.cb_kwargs["item"] is current
    [emitted] = answer(follower, handed, REPORT_PAGE)
    assert (emitted.origin_status, emitted.origin.key) == ("ok", origin_key(REPORT_CURRENT))
    assert follower.stats.get_value("newsarchive/origin/identity/archived_alias") == 1
    assert follower.aliases_read == {"report.az"}
    assert follower.stats.get_value("newsarchive/origin/identity/declared_hosts_read") == 1


# -- outcomes beyond the memory bound (NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY) ------------------------------

def follow_in_turn(in_memory: int, prepare: Any = None) -> tuple[Any, list[tuple[Any, ...]]]:
    """Records citing three originals, each fetched and answered before the next, then cited again
    under other URLs: the report.az original under the current URL its old slug's page names.
    *prepare* is called with the follower before the first record."""
    from newsarchive.items import Article

    follower, (first, second, third) = follower_and_records(NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY=in_memory)
    if prepare is not None:
        prepare(follower)
    current, old = report_records()
    gone = Article(url="https://icma.az/news/xeber-9", source_url="https://oxu.az/siyaset/912345", body="Mətn.")
    emitted = []
    for record, page in ((first, APA_PAGE), (old, REPORT_PAGE), (gone, None)):
        [request] = list(follower.follow(record))
        if page is None:
            emitted += follower.origin_failed(not_found(request))
        else:
            emitted += answer(follower, request, page)
    for record in (second, current, third):
        emitted += follower.follow(record)  # each takes its original's outcome: no request
    assert all(isinstance(r, Article) for r in emitted)
    return follower, [(r.url, r.origin_status, r.origin_note, r.origin_url, r.origin_method, r.origin_similarity,
                       r.origin and (r.origin.key, r.origin.title, r.origin.body, r.origin.url)) for r in emitted]


def not_found(request: Any) -> Any:
    from scrapy.http import HtmlResponse
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    failure = Failure(HttpError(HtmlResponse(url=request.url, status=404, body=b"", request=request)))
    failure.request = request  # type: ignore[attr-defined]
    return failure


def test_originals_beyond_the_memory_bound_are_answered_from_disk() -> None:
    kept, in_memory = follow_in_turn(10_000)
    bounded, on_disk = follow_in_turn(1)
    assert on_disk == in_memory  # the same records, every origin field
    assert [r[1] for r in on_disk] == ["ok", "ok", "not_found", "ok", "ok", "ok"]
    assert on_disk[4][2:4] == (None, REPORT_OLD)  # the current URL: the key its old slug's page named
    assert {id(o) for o in bounded.originals.values()} == {id(bounded.settled[k]) for k in bounded.settled}
    assert len(bounded.settled) == 1  # the last original settled (oxu.az), nothing else in memory
    stats = bounded.stats.get_stats()
    assert stats["newsarchive/origin/outcomes/spilled"] == 2
    assert stats["newsarchive/origin/outcomes/reloaded"] == 3  # the three later records, each from disk
    assert stats["newsarchive/origin/identity/requested"] == kept.stats.get_value(
        "newsarchive/origin/identity/requested") == 3  # nothing fetched twice
    assert "newsarchive/origin/outcomes/spilled" not in kept.stats.get_stats()
    bounded.spilled.close()


def test_a_store_that_cannot_open_keeps_the_outcomes_in_memory(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """No writable temporary directory (or a full disk): more memory, the same records."""
    from newsarchive.origin import spill

    def unwritable(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("unable to open database file")

    _, in_memory = follow_in_turn(10_000)
    broken, records = follow_in_turn(1, lambda _: monkeypatch.setattr(spill.sqlite3, "connect", unwritable))
    assert records == in_memory
    assert len(broken.settled) == 3  # every original settled, in memory
    stats = broken.stats.get_stats()
    assert stats["newsarchive/origin/outcomes/spill_failed"] == 1  # tried once, then no more
    assert "newsarchive/origin/outcomes/spilled" not in stats and stats["newsarchive/origin/identity/requested"] == 3
    assert "the run keeps them in memory" in caplog.text


def test_spilled_outcomes_keep_the_first_outcome_of_a_key() -> None:
    from newsarchive.items import Origin
    from newsarchive.origin.spill import SpilledOutcomes
    from spiders.origins import Outcome

    spilled = SpilledOutcomes()
    assert spilled.get("id:apa.az/az/1") is None and spilled._db is None  # no database until an outcome moves
    first = Outcome("ok", None, Origin(url="https://apa.az/az/1", title="Bir", body="Mətn", authors=["Ə"]),
                    "https://apa.az/az/1")
    spilled.put(["id:apa.az/az/1", "url:apa.az/az/bir-1"], first)
    spilled.put(["url:apa.az/az/bir-1"], Outcome("unreachable", "timeout"))
    again = spilled.get("url:apa.az/az/bir-1")
    assert again == first and again is not first and again.origin is not first.origin  # a copy each time
    assert spilled.get("id:apa.az/az/1") == first and spilled.get("id:apa.az/az/2") is None
    spilled.close()
    assert spilled.get("id:apa.az/az/1") is None


# -- the database, SQLite and PostgreSQL ------------------------------------------------------------

def cited_record(n: int, cited: str, status: str = "ok", fetched_at: str = "2025-10-23T08:00:00Z") -> dict[str, Any]:
    from dataclasses import asdict

    from newsarchive.items import Article, Origin

    origin = Origin(url="https://apa.az/az/xeber/siyaset/bir-880001", title="Bir", body="Mətn", site="apa.az",
                    key=origin_key(cited)) if status == "ok" else None
    return asdict(Article(url=f"https://icma.az/news/xeber-{n}", article_id=str(n), kind="news", lang="az",
                          title="Başlıq", body="Mətn", source_url=cited, origin=origin,
                          origin_url=origin.url if origin else None, origin_status=status,  # type: ignore[arg-type]
                          origin_method="link" if origin else None, fetched_at=fetched_at,
                          content_hash="sha256:" + "0" * 64))


def test_the_key_is_stored_exported_and_kept(db_url: str) -> None:
    store = ArticleStore.from_url(db_url)
    store.open()
    try:
        first = cited_record(1, "https://apa.az/az/xeber/siyaset/bir-880001?utm_source=x")
        second = cited_record(2, "http://www.apa.az/az/xeber/idman/iki-880001")
        for record in (first, second):
            assert store.upsert(record) == "new"
        # a later capture whose origin download failed keeps the archived original and its key
        store.upsert(cited_record(1, first["source_url"], "unreachable", "2025-10-24T08:00:00Z"))
        store.commit()
        conn: Any = store.conn
        rows = conn.execute(store.backend.sql("SELECT article_url FROM origins WHERE origin_key = ? "
                                              "ORDER BY article_url"), ("id:apa.az/az/880001",)).fetchall()
        assert [r[0] for r in rows] == ["https://icma.az/news/xeber-1", "https://icma.az/news/xeber-2"]
        exported = {r["url"]: r for r in store.iter_articles()}
        assert {r["origin"]["key"] for r in exported.values()} == {"id:apa.az/az/880001"} and len(exported) == 2
        assert exported["https://icma.az/news/xeber-2"] == second
        attempts = [e for e in store.iter_history() if e["type"] == "origin_attempt"]
        assert [(e["status"], e["origin_key"]) for e in attempts] == [
            ("ok", "id:apa.az/az/880001"), ("unreachable", None), ("ok", "id:apa.az/az/880001")]
    finally:
        store.close()
