"""The site name learned from the ``<title>`` pattern across a site's pages (issue 13, point 3).

Title sets are hand-written in the shapes real Azerbaijani news sites use (``Headline | Report.az``,
``Section - Headline | Oxu.az``, ``Headline | Section | Site``); the pages are hand-made.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newsarchive.mirror import MirrorServer
from newsarchive.mirror.sources import Post, SourceApp
from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.site_names import SiteNameLearner, learn_site_names, page_title
from newsarchive.pages.title import SEPARATORS, strip_site
from newsarchive.state import SiteNameStore, StateStore, open_site_names, open_state_store
from tests.crawl import ROOT, run_crawl
from tests.redis_server import RedisServer, redis_available


# -- the learner ------------------------------------------------------------------------------
def test_a_shared_suffix_is_the_site_name() -> None:
    titles = ["Qarabağda yeni kompleks açıldı | Report.az", "Bakıda tıxac azaldı | Report.az",
              "Neft qiyməti bahalaşdı | Report.az"]
    assert learn_site_names(titles) == ("Report.az",)


def test_one_page_or_one_headline_teaches_nothing() -> None:
    assert learn_site_names(["Qarabağda yeni kompleks açıldı | Report.az"]) == ()
    # the same page fetched twice is one page, not two with different headlines
    assert learn_site_names(["Bakıda tıxac azaldı | Report.az"] * 3) == ()


def test_a_section_label_between_headline_and_site_name() -> None:
    titles = ["Qarabağ Neftçini məğlub etdi | İdman | Xəbər Mərkəzi",
              "Yığmanın heyəti açıqlandı | İdman | Xəbər Mərkəzi",
              "Parlamentdə yeni qanun | Siyasət | Xəbər Mərkəzi"]
    assert learn_site_names(titles) == ("Xəbər Mərkəzi", "İdman")


def test_a_section_label_in_front_and_the_site_name_behind() -> None:
    titles = ["Xəbərlər - Bakıda tıxac azaldı | Oxu.az", "Xəbərlər - Neft qiyməti bahalaşdı | Oxu.az"]
    assert set(learn_site_names(titles)) == {"Oxu.az", "Xəbərlər"}
    assert strip_site("Xəbərlər - Yeni metro stansiyası | Oxu.az", [], None,
                      learn_site_names(titles)) == "Yeni metro stansiyası"


def test_a_headline_with_a_dash_is_not_cut() -> None:
    titles = ["Qarabağ - Neftçi: 2:1 | Report.az", "Sabah - Zirə oyununda qol yoxdur | Report.az",
              "Prezident Ankaraya səfər edib | Report.az"]
    names = learn_site_names(titles)
    assert names == ("Report.az",)
    assert strip_site(titles[0], [], None, names) == "Qarabağ - Neftçi: 2:1"
    assert strip_site(titles[1], [], None, names) == "Sabah - Zirə oyununda qol yoxdur"


def test_titles_without_a_suffix_teach_nothing() -> None:
    titles = ["Qarabağda yeni kompleks açıldı", "Bakıda tıxac azaldı", "Neft qiyməti bahalaşdı",
              "Qarabağ - Neftçi: 2:1"]
    assert learn_site_names(titles) == ()


def test_two_headlines_that_happen_to_end_alike_among_many_teach_nothing() -> None:
    titles = ["Naxçıvanda görüş — 84 yenilik", "Yeni addım — 37 yenilik", "Şuşada toplantı — 51 yenilik",
              "Zəngəzur dəhlizi layihəsi — 37 yenilik", "Bakıda tıxac — 76 yenilik"]
    assert learn_site_names(titles) == ()
    assert learn_site_names([f"{t} | Report.az" for t in titles]) == ("Report.az",)


def test_different_suffixes_teach_nothing() -> None:
    titles = ["Bakıda tıxac azaldı | Cəmiyyət", "Neft qiyməti bahalaşdı | İqtisadiyyat", "Yığma qalib gəldi | İdman"]
    assert learn_site_names(titles) == ()


def test_the_learner_is_bounded_and_least_recently_used_hosts_go() -> None:
    learner = SiteNameLearner(titles_per_host=3, max_hosts=2)
    learner.add("a.az", "Bir | A Saytı")
    assert learner.add("a.az", "İki | A Saytı") == ("A Saytı",)
    learner.add("b.az", "Bir | B")
    learner.add("a.az", "Üç | A Saytı")  # a.az used last: b.az is the oldest
    learner.add("c.az", "Bir | C")
    assert learner.hosts() == ["a.az", "c.az"]
    assert learner.names("b.az") == ()
    for n in range(10):
        learner.add("a.az", f"Xəbər {n} | A Saytı")
    assert learner.titles("a.az") == ("Xəbər 7 | A Saytı", "Xəbər 8 | A Saytı", "Xəbər 9 | A Saytı")
    assert learner.names("a.az") == ("A Saytı",)


def test_the_learner_depends_only_on_the_order_of_titles() -> None:
    titles = [("x.az", "Bir | X"), ("y.az", "Bir | Y"), ("x.az", "İki | X"), ("y.az", "İki - Y"), ("y.az", "Üç - Y")]
    runs = []
    for _ in range(2):
        learner = SiteNameLearner()
        runs.append([learner.add(host, title) for host, title in titles])
    assert runs[0] == runs[1] == [(), (), ("X",), ("Y",), ("Y",)]  # "Y" after " | " and " - " alike
    restored = SiteNameLearner()
    restored.restore("x.az", ["Bir | X", "İki | X"])
    assert restored.names("x.az") == ("X",)


def test_page_title_reads_the_first_title_with_entities_decoded() -> None:
    html = "<html><head><TITLE>\n  Bakı &amp; Gəncə | Xəbər&nbsp;Mərkəzi </TITLE></head><body><svg><title>x</title>"
    assert page_title(html) == "Bakı & Gəncə | Xəbər Mərkəzi"
    assert page_title("<html><body>no title</body></html>") is None
    # hostile input: one search for the first tag and one, bounded, for its end (was 12 s with a lazy regex)
    started = time.perf_counter()
    assert page_title("<title>" * 200_000) is None and page_title("<title " * 300_000) is None
    assert time.perf_counter() - started < 1.0


# -- the page object --------------------------------------------------------------------------
def xyz_page(headline: str, section: str) -> str:
    """A hand-made page of a site whose name appears only in its ``<title>``: no ``og:site_name``, no
    JSON-LD publisher, and its host (``xyz-news.az``) is not its name; the headline in an ``<h2>``."""
    full = f"{headline} | {section} | Xəbər Mərkəzi"
    return (f'<html><head><meta charset="utf-8"><title>{full}</title><meta property="og:title" content="{full}">'
            '</head><body><header><a href="/">XƏBƏR MƏRKƏZİ</a></header><div class="content">'
            f'<h2 class="news-title">{headline}</h2><div class="text"><p>Bakı şəhərində yeni metro stansiyasının '
            "tikintisinə başlanılıb. Layihənin iki il ərzində başa çatdırılması nəzərdə tutulur.</p>"
            "<p>Stansiyanın gündə əlli min sərnişinə xidmət göstərəcəyi bildirilir.</p></div></div></body></html>")


def test_a_title_only_learned_names_can_clean() -> None:
    url = "https://xyz-news.az/xeber/yeni-metro-stansiyasi-123"
    html = xyz_page("Yeni metro stansiyasının tikintisinə başlanılıb", "Cəmiyyət")
    # on its own, the page cannot tell its name from its headline
    assert GenericArticlePage(url=url, html=html).to_item().title == (
        "Yeni metro stansiyasının tikintisinə başlanılıb | Cəmiyyət | Xəbər Mərkəzi")
    learner = SiteNameLearner()
    for headline in ("Bakıda tıxac azaldı", "Neft qiyməti bahalaşdı"):
        learner.add("xyz-news.az", page_title(xyz_page(headline, "Cəmiyyət")))
    names = learner.add("xyz-news.az", page_title(html))
    assert names == ("Xəbər Mərkəzi", "Cəmiyyət")
    page = GenericArticlePage(url=url, html=html, known_site_names=names)
    item = page.to_item()
    assert item.title == "Yeni metro stansiyasının tikintisinə başlanılıb"
    assert item.field_methods["title"] == "meta"
    # a plain value: the page object (with its input) crosses a process boundary
    assert pickle.loads(pickle.dumps(GenericArticlePage(url=url, html=html, known_site_names=names))).to_item().title \
        == item.title


# -- the state store ---------------------------------------------------------------------------
def store_round_trip(store: SiteNameStore, again: SiteNameStore) -> None:
    """*store* saves three hosts; *again* (another connection, the next run) loads the two most recent,
    least recent first, and a learner restored from them knows their names."""
    store.save("a.az", ["Bir | A", "İki | A"], ["A"])
    store.save("b.az", ["Bir | Bəs", "İki | Bəs"], ["Bəs"])
    store.save("a.az", ["Bir | A", "İki | A", "Üç | A"], ["A"])  # a.az fetched again: now the most recent
    store.save("c.az", ["Bir - C", "İki - C"], ["C"])
    loaded = again.load(2)
    assert loaded == [("a.az", ["Bir | A", "İki | A", "Üç | A"]), ("c.az", ["Bir - C", "İki - C"])]
    learner = SiteNameLearner()
    for host, titles in loaded:
        learner.restore(host, titles)
    assert (learner.names("a.az"), learner.names("b.az"), learner.names("c.az")) == (("A",), (), ("C",))


def test_the_sqlite_state_store_keeps_titles_for_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    first = StateStore(path).open()
    store = open_site_names(first, Settings(), "icma")
    assert store is not None
    store_round_trip(store, store)
    first.close()  # the names commit with the state store
    second = StateStore(path).open()
    again = open_site_names(second, Settings(), "icma")
    assert again is not None and [h for h, _ in again.load(10)] == ["b.az", "a.az", "c.az"]
    second.close()


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(), reason="no redis-server binary and no NEWSARCHIVE_TEST_REDIS_URL")
def test_the_redis_state_store_shares_titles_between_workers() -> None:
    with RedisServer() as redis:
        settings = Settings({"NEWSARCHIVE_REDIS_URL": redis.url, "REDIS_URL": redis.url})
        one = open_site_names(open_state_store(settings, "icma"), settings, "icma")
        two = open_site_names(open_state_store(settings, "icma"), settings, "icma")
        assert one is not None and two is not None
        store_round_trip(one, two)
        assert redis.client().hexists("newsarchive:icma:site_names", "b.az")


# -- crawls of the mirror ---------------------------------------------------------------------
def blog_posts(mirror: MirrorServer) -> list[Post]:
    """bakivaxti.az's reader posts (blog template, ``<title>`` ``… | Oxucu bloqu | Bakı Vaxtı``) whose
    headline holds no separator of its own (``Oxucu məktubu — …`` is a label in front: cut once learned)."""
    app = SourceApp(mirror.site, "bakivaxti.az")
    return [p for p in app.posts() if p.key.startswith("decoy") and not SEPARATORS.search(p.title)]


def test_crawl_titles_come_out_clean_after_the_second_page_of_a_site(mirror: MirrorServer, tmp_path: Path) -> None:
    posts = blog_posts(mirror)[:5]
    assert len(posts) == 5
    result = run_crawl(mirror, tmp_path, "-a", "urls=" + ",".join(p.url for p in posts), spider="sources")
    assert result.returncode == 0, result.log[-2000:]
    got = {item["url"]: item["title"] for item in result.items}
    assert set(got) == {p.url for p in posts}
    suffix = " | Oxucu bloqu | Bakı Vaxtı"
    # the first page parsed had no other page of its site to learn from: it keeps the suffix; every later one is clean
    unclean = [p for p in posts if got[p.url] != p.title]
    assert len(unclean) == 1 and got[unclean[0].url] == unclean[0].title + suffix, got
    assert result.stats["newsarchive/site_names/pages_with_names"] == 4


def test_a_replay_learns_from_the_archive_before_it_extracts(mirror: MirrorServer, tmp_path: Path) -> None:
    posts = blog_posts(mirror)[:4]
    urls = "urls=" + ",".join(p.url for p in posts)
    live = run_crawl(mirror, tmp_path / "live", "-a", urls, spider="sources")
    assert live.returncode == 0, live.log[-2000:]
    out = tmp_path / "replayed.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "replay", str(tmp_path / "live" / "warc"), "--spider", "sources",
         "--output-dir", str(tmp_path / "replay"), "-a", urls, "-O", str(out), "-s", "NEWSARCHIVE_PROGRESS=off"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    replayed = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # no state store in a replay: it reads the titles of the archived pages first, so even the page it
    # extracts first comes out clean (the live run could not clean its first page), and the names do not
    # depend on which pages a process replays (a worker of a sharded replay learns the same)
    titles = {item["url"]: item["title"] for item in replayed}
    assert set(titles) == {p.url for p in posts}
    assert all(titles[p.url] == p.title for p in posts), titles
    assert sum(item["title"] != p.title for item in live.items for p in posts if item["url"] == p.url) == 1
    (report,) = [json.loads(path.read_text(encoding="utf-8")) for path in (tmp_path / "replay").rglob("runs/*.json")]
    assert report["stats"]["newsarchive/site_names/loaded"] >= 1


def test_learned_names_persist_in_the_state_store_for_the_next_run(mirror: MirrorServer, tmp_path: Path) -> None:
    posts = blog_posts(mirror)[5:8]
    assert len(posts) == 3
    first = run_crawl(mirror, tmp_path / "first", "-a", "backlog=1", "-a", f"urls={posts[0].url},{posts[1].url}",
                      spider="sources")
    assert first.returncode == 0, first.log[-2000:]
    state = tmp_path / "first" / "state.sqlite3"
    with closing(sqlite3.connect(state)) as conn:
        rows = dict(conn.execute("SELECT host, names FROM site_names").fetchall())
    assert json.loads(rows["bakivaxti.az"]) == ["Bakı Vaxtı", "Oxucu bloqu"]
    # the next run fetches one page of the site: clean at once, from what the first run learned
    second = run_crawl(mirror, tmp_path / "second", "-a", "backlog=1", "-a", f"urls={posts[2].url}",
                       spider="sources", settings={"NEWSARCHIVE_STATE_PATH": str(state)})
    assert second.returncode == 0, second.log[-2000:]
    assert [item["title"] for item in second.items] == [posts[2].title]
    assert second.stats["newsarchive/site_names/loaded"] == 1


def test_icma_crawl_keeps_cited_sites_names_and_exact_titles(mirror: MirrorServer, tmp_path: Path) -> None:
    result = run_crawl(mirror, tmp_path)
    assert result.returncode == 0, result.log[-2000:]
    with closing(sqlite3.connect(tmp_path / "state.sqlite3")) as conn:
        names = {host: json.loads(raw) for host, raw in conn.execute("SELECT host, names FROM site_names")}
    # what each cited site's <title> adds (newsarchive/mirror/sources.py); bare titles teach nothing
    assert names["report.az"] == ["Report.az"]
    assert names["apa.az"] == ["APA"]
    assert names["mia.az"] == ["Mia.az"]
    assert names.get("azertag.az", []) == [] and names.get("bakivaxti.az", []) == []
    truth = {a.url: a.origin for a in mirror.site.articles() if a.origin is not None}
    checked = 0
    for item in result.items:
        if item.get("origin_status") == "ok" and truth.get(item["url"]) is not None:
            assert item["origin"]["title"] == truth[item["url"]].title, item["url"]
            checked += 1
    assert checked >= 20


def test_a_replay_reads_the_archived_titles_per_host_in_capture_order(tmp_path: Path) -> None:
    """Hand-made WARC: a gzip-encoded UTF-8 page, a Windows-1251 page captured earlier, a JSON
    response and an aggregator page (neither read)."""
    import gzip
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from newsarchive.replay import ReplayIndex, archived_titles

    path = tmp_path / "titles.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, headers, date in [
            ("https://a.az/2", gzip.compress("<title>İki | Xəbər Mərkəzi</title>".encode()),
             [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")], "2025-10-02T00:00:00Z"),
            ("https://a.az/1", "<html><title>Бир | Сайт</title></html>".encode("cp1251"),
             [("Content-Type", "text/html; charset=windows-1251")], "2025-10-01T00:00:00Z"),
            ("https://a.az/api.json", b'{"title": "x"}', [("Content-Type", "application/json")],
             "2025-10-03T00:00:00Z"),
            ("https://icma.az/news/x-1", b"<title>Icma</title>", [("Content-Type", "text/html")],
             "2025-10-04T00:00:00Z"),
        ]:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                                          warc_headers_dict={"WARC-Date": date}))
    index = ReplayIndex.build([path], repair_indexes=False)
    entries = [entry for url in index.by_url if (entry := index.choose(url)) is not None]
    assert len(entries) == 4
    assert archived_titles(entries, 8, frozenset({"icma.az"})) == [("a.az", ["Бир | Сайт", "İki | Xəbər Mərkəzi"])]
    assert archived_titles(entries, 1, frozenset({"icma.az"})) == [("a.az", ["İki | Xəbər Mərkəzi"])]


def test_a_replay_reads_only_each_host_s_last_titled_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-made WARC: b.az's pages are older than a.az's last one, a.az's newest page has no title.
    Only the pages that give the last titles (and the untitled one before them) are read; hosts
    come least recently titled first, as a run's learner holds them."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    import newsarchive.replay as replay

    pages = [(f"https://a.az/{k}", f"<title>A {k} | A.az</title>", f"2025-10-0{k}T00:00:00Z") for k in range(1, 6)]
    pages += [(f"https://b.az/{k}", f"<title>B {k} | B.az</title>", f"2025-10-0{k}T12:00:00Z") for k in range(1, 4)]
    pages.append(("https://a.az/6", "<p>no title</p>", "2025-10-07T00:00:00Z"))
    path = tmp_path / "titles.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, date in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body.encode()),
                                                          http_headers=http, warc_headers_dict={"WARC-Date": date}))
    index = replay.ReplayIndex.build([path], repair_indexes=False)
    entries = [entry for url in index.by_url if (entry := index.choose(url)) is not None]
    read: list[str] = []
    real = replay.entry_title

    def counted(entry: replay.Entry) -> str | None:
        read.append(entry.url)
        return real(entry)

    monkeypatch.setattr(replay, "entry_title", counted)
    assert replay.archived_titles(entries, 2, frozenset()) == [
        ("b.az", ["B 2 | B.az", "B 3 | B.az"]), ("a.az", ["A 4 | A.az", "A 5 | A.az"])]
    assert sorted(read) == ["https://a.az/4", "https://a.az/5", "https://a.az/6", "https://b.az/2", "https://b.az/3"]
