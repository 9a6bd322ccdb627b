"""Home-page-only citations: candidate lists, title matching, body similarity."""

from __future__ import annotations

import gzip
import random
import time
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from rapidfuzz import fuzz

from newsarchive.mirror.content import BAKU, MirrorArticle, MirrorConfig, MirrorSite, dirty_text
from newsarchive.mirror.http import MirrorRequest
from newsarchive.mirror.sources import SourceApp
from newsarchive.origin.listing import Candidate, looks_like_article, parse_feed, parse_listing_html, parse_sitemap
from newsarchive.origin.match import (
    CandidatePool,
    _score,
    best_match,
    candidate_key,
    candidate_time,
    distance,
    title_key,
)
from newsarchive.origin.similarity import origin_similarity

SITE = MirrorSite(MirrorConfig(articles=60))
BIG = MirrorSite(MirrorConfig(seed=11, articles=400))
WHEN = datetime(2025, 10, 23, 9, 32, tzinfo=BAKU)


def bakivaxti(site: MirrorSite, path: str) -> bytes:
    reply = SourceApp(site, "bakivaxti.az").handle(MirrorRequest("bakivaxti.az", path, {}, {}))
    assert reply is not None and reply.status == 200
    return reply.payload()


def lists(site: MirrorSite) -> dict[str, list[Candidate]]:
    sitemap, children = parse_sitemap(bakivaxti(site, "/sitemap.xml"))
    assert children == []
    return {
        "sitemap": sitemap,
        "feed": parse_feed(bakivaxti(site, "/rss"), "https://bakivaxti.az/rss"),
        "home": parse_listing_html(bakivaxti(site, "/").decode(), "https://bakivaxti.az/", "bakivaxti.az"),
    }


def cited(site: MirrorSite, case: str) -> list[MirrorArticle]:
    return [a for a in site.articles() if a.case == case]


# -- the mirror's bakivaxti.az --------------------------------------------------------------
@pytest.mark.parametrize("site", [SITE, BIG], ids=["60", "400"])
def test_sitemap_resolves_every_bakivaxti_citation(site: MirrorSite) -> None:
    candidates = lists(site)["sitemap"]
    arts = cited(site, "bakivaxti")
    assert arts
    for art in arts:
        found, score = best_match(art.title, art.published_at, candidates)
        assert found is not None and found.url == art.expected_origin_url, art.k
        assert score == 1.0


@pytest.mark.parametrize("source", ["feed", "home"])
def test_feed_and_home_resolve_the_recent_ones(source: str) -> None:
    candidates = lists(SITE)[source]
    listed = {c.url for c in candidates}
    resolved = 0
    for art in cited(SITE, "bakivaxti"):
        found, _ = best_match(art.title, art.published_at, candidates)
        if art.expected_origin_url in listed:
            assert found is not None and found.url == art.expected_origin_url
            resolved += 1
        else:
            assert found is None
    assert resolved >= 3


@pytest.mark.parametrize("site", [SITE, BIG], ids=["60", "400"])
def test_nomatch_citations_find_nothing(site: MirrorSite) -> None:
    candidates = [c for found in lists(site).values() for c in found]
    arts = cited(site, "bakivaxti_nomatch")
    assert arts
    for art in arts:
        assert best_match(art.title, art.published_at, candidates)[0] is None, art.k


def test_decoys_only_match_themselves() -> None:
    sitemap = lists(SITE)["sitemap"]
    cited_urls = {a.expected_origin_url for a in cited(SITE, "bakivaxti")}
    decoys = [c for c in sitemap if c.url not in cited_urls]
    assert len(decoys) >= 5
    for decoy in decoys:  # a repeated decoy headline resolves by time
        assert decoy.published is not None
        found, _ = best_match(decoy.title, datetime.fromisoformat(decoy.published), sitemap)
        assert found == decoy


def test_listing_candidates_carry_titles_and_dates() -> None:
    found = lists(SITE)
    for name, candidates in found.items():
        assert candidates, name
        assert all(c.title and c.published for c in candidates), name
        assert all(c.url.startswith("https://bakivaxti.az/az/posts/detail/") for c in candidates), name


# -- matching rules --------------------------------------------------------------------------
TITLE = "Gəncədə yeni məktəb açılıb — 960 şagird yeri"


@pytest.mark.parametrize(("listed", "matched"), [
    (TITLE, True),
    ("GƏNCƏDƏ YENİ MƏKTƏB AÇILIB - 960 ŞAGİRD YERİ", True),  # case, dash
    ("Gencede yeni mekteb acilib 960 sagird yeri", True),  # transliterated
    ("Gəncədə yeni məktəb açılıb — 960 şagird yeri.", True),  # punctuation
    ("Gəncədə yeni məktəb açılıb: 960 şagird yerlik", True),  # small edit
    ("Gəncədə yeni məktəb açılıb — 980 şagird yeri", False),  # another figure: another story
    ("Gəncədə yeni xəstəxana açılıb — 960 çarpayı", False),
    ("Sumqayıtda yeni park salınıb", False),
    ("Gəncədə yeni məktəb açılıb — 960...", True),  # cut by the site, same head
    ("Gəncədə yeni...", False),  # cut too short to tell
])
def test_title_rules(listed: str, matched: bool) -> None:
    candidate = Candidate("https://x.az/news/1", listed, None)
    found, score = best_match(TITLE, WHEN, [candidate])
    assert (found is not None) is matched, score


def test_threshold_is_a_parameter() -> None:
    candidate = Candidate("https://x.az/news/1", "Gəncədə yeni məktəb binası açılıb — 960 şagird yeri", None)
    found, score = best_match(TITLE, WHEN, [candidate])
    assert found is not None and 0.85 <= score < 1.0
    assert best_match(TITLE, WHEN, [candidate], threshold=0.99)[0] is None
    assert best_match(TITLE, WHEN, [candidate], threshold=score - 0.001)[0] == candidate


@pytest.mark.parametrize(("published", "matched"), [
    ("2025-10-23T09:00:00+04:00", True),
    ("Thu, 20 Oct 2025 10:00:00 +0400", True),
    ("2025-10-19T09:00:00+04:00", False),  # four days before
    ("2025-10-27T10:00:00+04:00", False),
    ("2025-10-25", True),  # a bare date counts as the whole day
    ("2025-10-27", False),
    ("tezliklə", True),  # unreadable: no date known, title decides
    (None, True),
])
def test_time_window(published: str | None, matched: bool) -> None:
    candidate = Candidate("https://x.az/news/1", TITLE, published)
    assert (best_match(TITLE, WHEN, [candidate])[0] is not None) is matched
    assert best_match(TITLE, None, [candidate])[0] is not None  # no aggregator date: no window
    wide = best_match(TITLE, WHEN, [candidate], window=timedelta(days=30))
    assert wide[0] is not None


def test_ties_go_to_the_closest_then_smallest_url_whatever_the_order() -> None:
    far = Candidate("https://x.az/news/a", TITLE, "2025-10-21T09:00:00+04:00")
    near = Candidate("https://x.az/news/z", TITLE, "2025-10-23T08:00:00+04:00")
    undated = Candidate("https://x.az/news/0", TITLE, None)
    for order in ([far, near, undated], [undated, near, far], [near, undated, far]):
        assert best_match(TITLE, WHEN, order)[0] == near
    twins = [Candidate("https://x.az/news/b", TITLE), Candidate("https://x.az/news/a", TITLE)]
    assert best_match(TITLE, WHEN, twins)[0] == twins[1]
    assert best_match(TITLE, WHEN, twins[::-1])[0] == twins[1]


def test_better_title_beats_closer_time() -> None:
    exact = Candidate("https://x.az/news/1", TITLE, "2025-10-21T09:00:00+04:00")
    close = Candidate("https://x.az/news/2", "Gəncədə yeni məktəb açılıb: 960 şagird yerlik",
                      "2025-10-23T09:30:00+04:00")
    assert best_match(TITLE, WHEN, [close, exact])[0] == exact


def test_plain_sitemap_entries_match_by_slug() -> None:
    candidates = [Candidate("https://bakivaxti.az/az/posts/detail/gencede-yeni-mekteb-acilib-960-sagird-yeri-1761197520",
                            ""),
                  Candidate("https://bakivaxti.az/az/posts/detail/sumqayitda-park-1761197520", "")]
    assert best_match(TITLE, WHEN, candidates)[0] == candidates[0]
    dated = Candidate("https://mia.az/w1/gencede-yeni-mekteb-acilib-960-sagird-yeri-2025-10-23-093200", "")
    assert best_match(TITLE, WHEN, [dated])[0] == dated


# -- many candidates: a pool compares only the days a headline's window reaches ------------------
VARIANTS = (TITLE, "GƏNCƏDƏ YENİ MƏKTƏB AÇILIB - 960 ŞAGİRD YERİ", "Gəncədə yeni məktəb açılıb: 960 şagird yerlik",
            "Gəncədə yeni məktəb açılıb — 980 şagird yeri", "Gəncədə yeni məktəb açılıb — 960...", "Sumqayıtda park",
            "Gəncədə yeni...", "")


def random_published(rng: random.Random) -> str | None:
    """A listing's date string in one of the forms sites give, around :data:`WHEN` (± 6 days)."""
    moment = WHEN + timedelta(minutes=rng.randrange(-6 * 1440, 6 * 1440))
    utc = moment.astimezone(UTC)
    return rng.choice([
        moment.isoformat(), utc.isoformat().replace("+00:00", "Z"), moment.date().isoformat(),
        utc.strftime("%a, %d %b %Y %H:%M:%S +0000"), f"{moment.day} oktyabr {moment.year}",
        f"{moment.day} oktyabr {moment:%H:%M}",  # no year: read against the headline's date
        "tezliklə", None])


def brute_force(title: str, published_at: datetime | None, candidates: list[Candidate], *,
                window: timedelta) -> tuple[Candidate | None, float]:
    """:func:`best_match` by its definition: every candidate looked at, one by one (threshold 0.85)."""
    query = title_key(title)
    if not query or not candidates:
        return None, 0.0
    ranked: list[tuple[float, timedelta, str, Candidate]] = []
    seen = 0.0
    for candidate in candidates:
        key, cut = candidate_key(candidate)
        when = candidate_time(candidate, published_at) if published_at is not None else None
        gap = distance(published_at, when) if published_at is not None and when is not None else None
        if (gap is not None and gap > window) or not (cut or fuzz.ratio(query, key) >= 85 - 1e-9):
            continue
        score = _score(query, key, cut)
        seen = max(seen, score)
        if score >= 0.85:
            ranked.append((-score, gap if gap is not None else timedelta.max, candidate.url, candidate))
    if not ranked:
        return None, round(seen, 4)
    best = min(ranked, key=lambda r: r[:3])
    return best[3], round(-best[0], 4)


ZONES = (UTC, BAKU, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)))


@pytest.mark.parametrize("seed", range(40))
def test_a_pool_finds_what_comparing_every_candidate_finds(seed: int) -> None:
    rng = random.Random(seed)
    listed = [Candidate(f"https://x.az/news/{k}", rng.choice(VARIANTS), random_published(rng))
              for k in range(rng.randrange(1, 120))]
    for _ in range(25):
        title = rng.choice(VARIANTS[:3])
        moment = WHEN + timedelta(minutes=rng.randrange(-5 * 1440, 5 * 1440))
        published_at = rng.choice([None, moment.astimezone(rng.choice(ZONES))])
        window = rng.choice([timedelta(0), timedelta(hours=12), timedelta(days=1), timedelta(days=3),
                             timedelta(days=30), timedelta.max])
        # and a few just inside or outside the window's edges, in other zones (a day apart on the calendar)
        edges = [Candidate(f"https://x.az/edge/{k}", rng.choice(VARIANTS[:3]), (moment + sign * min(
            window, timedelta(days=40)) + timedelta(minutes=rng.randrange(-300, 300))).astimezone(
            rng.choice(ZONES)).isoformat()) for k, sign in enumerate(rng.choices((-1, 1), k=6))]
        candidates = listed + edges
        pool = CandidatePool(candidates)
        expected = brute_force(title, published_at, candidates, window=window)
        assert best_match(title, published_at, pool, window=window) == expected
        assert best_match(title, published_at, candidates, window=window) == expected


def test_a_pool_compares_only_the_days_the_window_reaches() -> None:
    days = [WHEN + timedelta(days=d) for d in range(-300, 300)]
    dated = [Candidate(f"https://x.az/news/{k}", TITLE, day.isoformat()) for k, day in enumerate(days)]
    undated = [Candidate("https://x.az/news/u", TITLE), Candidate("https://x.az/news/y", TITLE, "23 oktyabr")]
    pool = CandidatePool(dated + undated)
    near = [pool.candidates[i] for i in pool.near(WHEN, timedelta(days=3))]
    assert set(undated) <= set(near) and 7 <= len(near) - len(undated) <= 9  # ±3 days and a day either side
    assert best_match(TITLE, WHEN, pool)[0] == dated[300]  # the same day
    assert len(pool.near(None, timedelta(days=3))) == len(pool)  # no headline date: every candidate


def test_empty_inputs() -> None:
    assert best_match("", WHEN, [Candidate("https://x.az/1", "")]) == (None, 0.0)
    assert best_match(TITLE, WHEN, []) == (None, 0.0)
    assert title_key("  Azərbaycan-Qazaxıstan!  ") == "azerbaycan qazaxistan"


# -- list parsers ------------------------------------------------------------------------------
RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>X</title>
<item><title><![CDATA[Birinci <b>xəbər</b> &amp; davamı]]></title><link>/news/birinci-1</link>
<pubDate>Thu, 23 Oct 2025 09:32:00 +0400</pubDate></item>
<item><title>İkinci xəbər</title><guid>https://x.az/news/ikinci-2</guid><dc:date>2025-10-23T08:00:00+04:00</dc:date></item>
<item><title>Linksiz</title></item>
</channel></rss>""".encode()
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><title type="html">Atom xəbəri</title><link rel="related" href="https://x.az/other"/>
<link href="https://x.az/news/atom-3"/><published>2025-10-22T10:00:00Z</published></entry>
</feed>""".encode()


def test_parse_rss_and_atom() -> None:
    assert parse_feed(RSS, "https://x.az/rss") == [
        Candidate("https://x.az/news/birinci-1", "Birinci xəbər & davamı", "Thu, 23 Oct 2025 09:32:00 +0400"),
        Candidate("https://x.az/news/ikinci-2", "İkinci xəbər", "2025-10-23T08:00:00+04:00"),
    ]
    assert parse_feed(ATOM, "https://x.az/atom") == [
        Candidate("https://x.az/news/atom-3", "Atom xəbəri", "2025-10-22T10:00:00Z")]
    assert parse_feed(b"not xml at all", "https://x.az/") == []
    assert parse_feed(b"", "https://x.az/") == []


def test_parse_sitemap_index_plain_and_gzip() -> None:
    index = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://x.az/s-1.xml</loc></sitemap><sitemap><loc> https://x.az/s-2.xml </loc>"
             b"</sitemap></sitemapindex>")
    assert parse_sitemap(index) == ([], ["https://x.az/s-1.xml", "https://x.az/s-2.xml"])
    plain = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.az/a-1</loc>'
             b"<lastmod>2025-10-23</lastmod></url></urlset>")
    assert parse_sitemap(plain) == ([Candidate("https://x.az/a-1", "", None)], [])
    assert parse_sitemap(gzip.compress(plain)) == parse_sitemap(plain)
    assert parse_sitemap(b"\x1f\x8bnot gzip") == ([], [])


def test_xml_entities_are_not_expanded() -> None:
    lol = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
                   for i in range(1, 10))
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">' + lol
            + b'<!ENTITY ext SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&l9;&ext;x</title>'
            b"<link>https://x.az/news/a-1</link></item></channel></rss>")
    started = time.perf_counter()
    found = parse_feed(bomb, "https://x.az/")
    assert time.perf_counter() - started < 1.0
    assert len(found) <= 1
    assert all("lol" not in c.title and "root:" not in c.title for c in found)


def test_listing_html_keeps_article_links_only() -> None:
    html = """<html><body><header><a href="/news/header-link-3-4-5-123456">Başlıqdakı keçid uzun mətn</a></header>
    <nav><a href="/siyaset">Siyasət bölməsi üzrə xəbərlər</a></nav>
    <main><ul>
      <li><a href="/az/posts/detail/gencede-yeni-mekteb-acilib-1761197520">Gəncədə yeni məktəb açılıb</a>
          <span class="date">23.10.2025 09:32</span></li>
      <li><a href="https://x.az/az/posts/detail/gencede-yeni-mekteb-acilib-1761197520"><img src="a.jpg"></a></li>
      <li><a href="/news/12345.html">Sumqayıtda yeni park salınıb bu gün</a></li>
      <li><a href="/tag/gence-mekteb-tehsil-xeber">Gəncə məktəb təhsil xəbərləri</a></li>
      <li><a href="/news/qisa-1234567">Qısa</a></li>
      <li><a href="https://other.az/news/basqa-sayt-xeberi-1234567">Başqa saytın xəbəri burada</a></li>
    </ul></main><footer><a href="/haqqimizda">Haqqımızda bölməsi və əlaqə</a></footer></body></html>"""
    found = parse_listing_html(html, "https://x.az/", "x.az")
    assert found == [
        Candidate("https://x.az/az/posts/detail/gencede-yeni-mekteb-acilib-1761197520", "Gəncədə yeni məktəb açılıb",
                  "23.10.2025 09:32"),
        Candidate("https://x.az/news/12345.html", "Sumqayıtda yeni park salınıb bu gün", None),
    ]


@pytest.mark.parametrize(("url", "expected"), [
    ("https://apa.az/az/xeber/siyaset/bir-iki-uc-880001", True),
    ("https://www.report.az/siyaset/bir-iki-uc-dord/", True),
    ("https://mia.az/w450018/qisa", True),
    ("https://en.apa.az/news/123456", True),
    ("https://apa.az/siyaset", False),
    ("https://apa.az/author/eli-huseynov-12345", False),
    ("https://apa.az/img/photo-1234.jpg", False),
    ("mailto:x@apa.az", False),
    ("https://evil-apa.az/news/123456", False),
])
def test_looks_like_article(url: str, expected: bool) -> None:
    assert looks_like_article(url, "apa.az" if "apa" in urlsplit(url).netloc else urlsplit(url).hostname or "") is (
        expected)


# -- body similarity -----------------------------------------------------------------------------
def test_aggregator_copies_score_high() -> None:
    pairs = [(a.k, a.paragraphs, a.origin) for a in BIG.articles() if a.origin is not None]
    assert sum(mine != origin.paragraphs for _, mine, origin in pairs) >= 20  # cut tails and glued lines
    for k, mine, origin in pairs:
        assert origin_similarity("\n\n".join(mine), origin.body) >= 0.9, k


def test_dirt_inside_words_does_not_split_them() -> None:
    rng = random.Random(5)
    for art in [a for a in SITE.articles() if a.origin is not None]:
        assert art.origin is not None
        dirty = dirty_text(art.body, rng, rate=0.1), dirty_text(art.origin.body, rng, rate=0.1)
        assert origin_similarity(*dirty) >= 0.9, art.k
    heading = "Azərbaycan Respublikası: Orta Dəhliz marşrutu prioritetdir — 51 yenilik"
    candidate = Candidate("https://x.az/news/1", dirty_text(heading, random.Random(2), rate=0.25))
    assert best_match(heading, None, [candidate]) == (candidate, 1.0)


def test_unrelated_bodies_score_low() -> None:
    arts = [a for a in BIG.articles() if a.origin is not None and a.lang == "az"]
    scores = sorted(origin_similarity(a.body, b.origin.body)  # type: ignore[union-attr]
                    for shift in (1, 5, 17) for a, b in zip(arts, arts[shift:], strict=False))
    assert scores[len(scores) // 2] <= 0.05
    assert scores[int(len(scores) * 0.95)] <= 0.2
    news = ("Şuşada “Xarıbülbül” beynəlxalq musiqi festivalı öz işinə başlayıb. Festivalda 12 ölkədən 300-dən çox "
            "ifaçı çıxış edəcək. Festival noyabrın 28-dək davam edəcək.")
    assert origin_similarity(news, arts[0].origin.body) <= 0.2  # type: ignore[union-attr]


@pytest.mark.parametrize(("aggregator", "original", "low", "high"), [
    ("Bir iki üç dörd beş altı yeddi səkkiz doqquz on.", "Bir iki üç dörd beş altı yeddi səkkiz doqquz on.", 1, 1),
    ("BİR İKİ ÜÇ dörd beş altı yeddi səkkiz", "bir iki uc dord bes alti yeddi sekkiz doqquz", 1, 1),
    ("Bir iki üç dörd beş.Altı yeddi səkkiz doqquz on", "Bir iki üç dörd beş.\n\nAltı yeddi səkkiz doqquz on", 1, 1),
    ("", "Bir iki üç", 0, 0),
    ("Bir iki üç", "", 0, 0),
    ("Qısa mətn", "Qısa mətn burada", 1, 1),
])
def test_similarity_edges(aggregator: str, original: str, low: float, high: float) -> None:
    assert low <= origin_similarity(aggregator, original) <= high


def test_similarity_is_fast() -> None:
    pairs = [(a.body, a.origin.body) for a in BIG.articles() if a.origin is not None]
    started = time.perf_counter()
    for _ in range(5):
        for mine, theirs in pairs:
            origin_similarity(mine, theirs)
    per_pair = (time.perf_counter() - started) / (5 * len(pairs))
    assert per_pair < 0.002  # 10,000 articles in well under 20 s
