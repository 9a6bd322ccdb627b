"""The Datasette browser (newsarchive.browse) on a real SQLite archive, in process (no browser)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
from contextlib import closing
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("datasette", reason="datasette (the browse extra) is not installed")

from newsarchive.archive.db import ArticleStore
from newsarchive.browse.__main__ import make_datasette, unfinished_wal
from newsarchive.browse.article import inline_diff, replay_url, side_by_side
from newsarchive.items import Article, Origin


def record(n: int, title: str, body: str, *, origin: Origin | None = None, source: str = "Report.az",
           published_at: str = "2025-03-01T10:00:00+04:00", lang: str = "az", **changes: Any) -> Article:
    return Article(url=f"https://icma.az/news/xeber-{n}", article_id=str(n), kind="news", lang=lang,  # type: ignore[arg-type]
                   title=title, body=body, views=10 * n, comments=n, published_at=published_at,
                   source_name=source, source_url="https://report.az/", origin_url=origin.url if origin else None,
                   origin=origin, origin_status="ok" if origin else "not_found",
                   origin_method="link" if origin else None, origin_similarity=changes.pop("similarity", None),
                   fetched_at="2025-03-01T08:00:00Z", content_hash=f"sha256:{n:064x}",
                   warc_record_id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>", **changes)


ORIGIN_1 = Origin(url="https://report.az/xeber/1", site="report.az", title="Qarabağda yeni kompleks açıldı",
                  body="Ağdam rayonunda 300 ailə köçürüldü.\n\nMənbə: Report")
RECORDS = [
    record(1, "Qarabağda yeni yaşayış kompleksi açıldı", "Ağdam rayonunda 200 ailə köçürüldü.", origin=ORIGIN_1,
           similarity=0.62),
    record(2, "SEÇKİ MƏNTƏQƏLƏRİ AÇIQDIR", "Mərkəzi Seçki Komissiyası <script>alert(1)</script> bəyanat yayıb.",
           source="Apa.az", published_at="2025-03-02T02:30:00+04:00",  # 2025-03-01 in UTC, 03-02 in Baku
           origin=Origin(url="https://apa.az/2", site="apa.az", title="Seçki", body="Mərkəzi Seçki Komissiyası"),
           similarity=0.95),
    record(3, "Выборы в Азербайджане", "ЦИК сообщил итоги.", lang="ru", source="Apa.az",
           published_at="2025-03-02T12:00:00+04:00"),
]
EDIT_1 = replace(RECORDS[0], body="Ağdam rayonunda 250 ailə köçürüldü.", content_hash="sha256:" + "1" * 64,
                 fetched_at="2025-03-02T09:30:00Z", views=99,
                 warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000101>")  # a capture of its own


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    store = ArticleStore.from_url(f"sqlite:///{path}")
    store.open()
    for item in RECORDS:
        store.upsert(asdict(item))
    store.upsert(asdict(EDIT_1))
    store.commit()
    store.close()
    return path


def fetch(path: Path, *paths: str, live: bool = False) -> list[Any]:
    """Responses of Datasette (with the plugin) serving *path* to GET requests for *paths*."""
    async def run() -> list[Any]:
        ds = make_datasette(path, live=live)
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(run())


def article_page(path: Path, url: str) -> str:
    (response,) = fetch(path, f"/-/article/archive?url={quote(url, safe='')}")
    assert response.status_code == 200, response.text[:2000]
    return str(response.text)


def urls_of(rows: list[dict[str, Any]]) -> list[int]:
    return [int(row["url"].rsplit("-", 1)[1]) for row in rows]


@pytest.mark.parametrize(("query", "expected"), [
    ("Qarabag", [1]), ("QARABAĞ", [1]), ("seçki", [2]), ("SECKI komissiya", [2]), ("выборы", [3]),
    ("ВЫБОРЫ", [3]), ("vibori", [3]), ("Qаrаbаğ", [1]), ("kompleks", [1]), ("ailə 300", [1]),
    ("nothing-here", []), ("", []), ("?!", []),
])
def test_search_query_folds(archive: Path, query: str, expected: list[int]) -> None:
    (response,) = fetch(archive, f"/archive/search.json?_shape=array&q={quote(query)}")
    assert response.status_code == 200, response.text
    assert urls_of(response.json()) == expected


def test_canned_reports(archive: Path) -> None:
    latest, per_day, differs, edited = fetch(
        archive, "/archive/latest_articles.json?_shape=array", "/archive/articles_per_source_per_day.json?_shape=array",
        "/archive/origin_differs_most.json?_shape=array", "/archive/edited_articles.json?_shape=array")
    assert urls_of(latest.json()) == [3, 2, 1]
    assert per_day.json() == [{"published_day": "2025-03-02", "source_name": "Apa.az", "articles": 2},
                              {"published_day": "2025-03-01", "source_name": "Report.az", "articles": 1}]
    assert [(r["url"][-1], r["similarity"]) for r in differs.json()] == [("1", 0.62), ("2", 0.95)]
    assert [(r["url"][-1], r["revision_count"]) for r in edited.json()] == [("1", 2)]


def test_gone_from_site(archive: Path) -> None:
    (before,) = fetch(archive, "/archive/gone_from_site.json?_shape=array")
    assert before.json() == []
    with closing(sqlite3.connect(archive)) as conn, conn:
        conn.execute("UPDATE articles SET gone_at = '2025-03-05T00:00:00Z' WHERE url LIKE '%-3'")
    (gone,) = fetch(archive, "/archive/gone_from_site.json?_shape=array")
    assert [(r["url"][-1], r["gone_at"]) for r in gone.json()] == [("3", "2025-03-05T00:00:00Z")]


def test_metadata_and_facets(archive: Path) -> None:
    html, facets = fetch(archive, "/archive/articles", "/archive/article_list.json")
    assert "View count (Baxış sayı) at fetch time." in html.text  # items.Article.views, rendered
    assert "One row per article, keyed by url" in html.text          # the table list of archive/db.py
    assert "One JSON-lines record: an icma.az article page" in html.text  # schema/article.schema.json
    results = facets.json()["facet_results"]
    assert set(results) == {"source_name", "kind", "lang", "origin_status", "published_day"}
    counts = {facet: {v["value"]: v["count"] for v in results[facet]["results"]} for facet in results}
    assert counts["published_day"] == {"2025-03-02": 2, "2025-03-01": 1}  # Baku days, not UTC days
    assert counts["origin_status"] == {"ok": 2, "not_found": 1}
    assert counts["source_name"] == {"Apa.az": 2, "Report.az": 1}


@pytest.mark.parametrize("live", [False, True], ids=["immutable", "live"])
def test_read_only(archive: Path, live: bool) -> None:
    before = hashlib.sha256(archive.read_bytes()).hexdigest()
    writes = ["UPDATE articles SET title = 'x'", "DELETE FROM articles", "DROP TABLE revisions",
              "INSERT INTO articles_fts_keys (url) VALUES ('x')", "PRAGMA journal_mode = DELETE",
              "WITH t AS (SELECT 1) DELETE FROM articles", "ATTACH DATABASE 'x.db' AS x"]
    responses = fetch(archive, *(f"/archive.json?sql={quote(sql)}" for sql in writes), live=live)
    for sql, response in zip(writes, responses, strict=True):
        assert response.status_code == 400, (sql, response.text)
        assert response.json()["ok"] is False

    async def direct() -> str:
        ds = make_datasette(archive, live=live)
        await ds.invoke_startup()
        db = ds.get_database("archive")
        try:  # under Datasette's own SQL check: the connection itself refuses to write
            await db.execute("UPDATE articles SET title = 'x'")
        except sqlite3.OperationalError as exc:
            return str(exc)
        return "written"

    assert "readonly" in asyncio.run(direct())
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == before
    with closing(sqlite3.connect(archive)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles WHERE title = 'x'").fetchone()[0] == 0


def test_an_archive_being_written_is_served_live(archive: Path) -> None:
    """Immutable mode ignores the -wal file: an archive with uncheckpointed commits must be served live."""
    assert unfinished_wal(archive) is None  # the store checkpointed on close
    writer = sqlite3.connect(archive)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        with writer:
            writer.execute("UPDATE articles SET views = 12345 WHERE url LIKE '%-3'")
        assert unfinished_wal(archive) is not None
        immutable, live = (fetch(archive, "/archive.json?sql=select+max(views)+as+v+from+articles&_shape=array",
                                 live=mode)[0].json()[0]["v"] for mode in (False, True))
        assert (immutable, live) == (99, 12345)
    finally:
        writer.close()


def test_article_page(archive: Path) -> None:
    page = article_page(archive, RECORDS[0].url)
    aggregator = page[page.index('id="na-aggregator"'):page.index('id="na-origin"')]
    origin = page[page.index('id="na-origin"'):page.index("<h2>Provenance")]
    assert "yeni <del>yaşayış kompleksi </del>açıldı" in aggregator  # words only the copy has
    assert "<del>250 </del>" in aggregator                           # (the second revision's number)
    assert "yeni <ins>kompleks </ins>açıldı" in origin and "<ins>300 </ins>" in origin and "Mənbə: Report" in origin
    assert "<ins>" not in aggregator and "<del>" not in origin
    provenance = page[page.index('id="na-provenance"'):]
    assert "<th>method</th><td>link</td>" in provenance and "<th>similarity</th><td>0.62</td>" in provenance
    # two revisions, the second with its change against the first
    assert page.count('class="na-revision"') == 2
    assert "<del>200 </del><ins>250 </ins>" in page
    # views and comments: one point per capture (observations), two charts
    assert page.count("<circle") == 4 and "<title>2025-03-02 09:30 UTC: 99</title>" in page
    assert 'href="http://localhost:8080/newsarchive/20250301080000/https://icma.az/news/xeber-1"' in page
    assert 'href="http://localhost:8080/newsarchive/20250302093000/https://icma.az/news/xeber-1"' in page
    assert 'href="http://localhost:8080/newsarchive/20250302093000/https://report.az/xeber/1"' in page


def test_article_page_escapes_and_404(archive: Path) -> None:
    page = article_page(archive, RECORDS[1].url)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    missing, unknown_db = fetch(archive, "/-/article/archive?url=https%3A%2F%2Ficma.az%2Fnews%2Fnone-9",
                                "/-/article/nodb?url=x")
    assert (missing.status_code, unknown_db.status_code) == (404, 404)


def test_article_page_with_observations_and_field_methods(archive: Path) -> None:
    """A capture between the two of the fixture, and a per-field method record of the origin."""
    url = RECORDS[0].url
    with closing(sqlite3.connect(archive)) as conn, conn:
        conn.execute("INSERT INTO observations (article_url, fetched_at, status, views, comments, warc_record_id, "
                     "recorded_at) VALUES (?, '2025-03-01T20:00:00Z', 'ok', 55, 3, '<urn:uuid:b>', "
                     "'2025-03-01T20:00:00Z')", (url,))
        conn.execute("""UPDATE origins SET field_methods = '{"title": "json-ld", "body": "trafilatura"}'""")
    page = article_page(archive, url)
    charts = page[page.index('id="na-charts"'):page.index("<h2>Revisions")]
    assert charts.count("<circle") == 6  # three visits, two charts
    assert "<title>2025-03-01 20:00 UTC: 55</title>" in charts and "<title>2025-03-01 20:00 UTC: 3</title>" in charts
    captures = page[page.index('id="na-captures"'):]
    assert "&lt;urn:uuid:b&gt;" in captures
    assert 'href="http://localhost:8080/newsarchive/20250301200000/https://icma.az/news/xeber-1"' in captures
    assert "<th>title</th><td>json-ld</td>" in page and "<th>body</th><td>trafilatura</td>" in page


def test_query_results_link_to_the_article_page(archive: Path) -> None:
    (response,) = fetch(archive, "/archive/search?q=Qarabag")
    links = re.findall(r'href="(/-/article/archive\?url=[^"]+)"', response.text)
    assert links == ["/-/article/archive?url=https%3A%2F%2Ficma.az%2Fnews%2Fxeber-1"]


def test_diff_helpers() -> None:
    left, right = side_by_side("Bakıda <b>külək</b> əsir", "Bakıda güclü külək əsir")
    assert str(left) == "Bakıda <del>&lt;b&gt;külək&lt;/b&gt; </del>əsir"
    assert str(right) == "Bakıda <ins>güclü külək </ins>əsir"
    assert str(inline_diff("a b c", "a x c")) == "a <del>b </del><ins>x </ins>c"
    assert str(inline_diff(None, "yeni")) == "<ins>yeni</ins>"
    assert replay_url("http://localhost:8080/coll/", "2025-03-01T12:00:00+04:00", "https://icma.az/a") == \
        "http://localhost:8080/coll/20250301080000/https://icma.az/a"
    assert replay_url("http://p/c", None, "https://icma.az/a") == "http://p/c/*/https://icma.az/a"
