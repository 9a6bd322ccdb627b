"""Folded full-text search (newsarchive.archive.search) on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.archive.db import MIGRATIONS, ArticleStore, for_dialect
from newsarchive.archive.search import SEARCH_MIGRATION, fts5_match, search, search_fold
from newsarchive.items import Article, Origin
from tests import pg

postgres_url = pg.postgres_url
pg_database = pg.pg_database


def article(n: int, title: str, body: str, origin_title: str | None = None, origin_body: str | None = None,
            lang: str = "az") -> Article:
    origin = None
    if origin_title is not None or origin_body is not None:
        origin = Origin(url=f"https://report.az/xeber/{n}", title=origin_title, body=origin_body, site="report.az")
    return Article(url=f"https://icma.az/news/xeber-{n}", article_id=str(n), kind="news", lang=lang,  # type: ignore[arg-type]
                   title=title, body=body, published_at=f"2025-03-{n:02d}T10:00:00+04:00",
                   origin_url=origin.url if origin else None, origin=origin,
                   origin_status="ok" if origin else "not_found", fetched_at="2025-03-01T08:00:00Z",
                   content_hash=f"sha256:{n:064x}")


# Titles and bodies as the pipeline stores them (normalised), except where a row says otherwise.
ARTICLES = [
    article(1, "Qarabağda yeni yaşayış kompleksi açıldı", "Ağdam rayonunda 200 ailə köçürüldü."),
    article(2, "SEÇKİ MƏNTƏQƏLƏRİ AÇIQDIR", "Mərkəzi Seçki Komissiyası bəyanat yayıb."),
    article(3, "Выборы в Азербайджане: явка составила 58%", "ЦИК сообщил предварительные итоги.", lang="ru"),
    article(4, "İqtisadiyyat nazirliyi hesabat verdi", "Büdcə gəlirləri artıb.",
            origin_title="Nazirlik: gəlirlər artıb", origin_body="Şuşa şəhərində investisiya forumu keçirilib."),
    article(5, "Hava haqqında", "Bаkıdа küləkli hava gözlənilir."),  # Cyrillic а inside Latin words, not normalised
    article(6, "Çempionat: Qarabağ qalib gəldi", "Futbol üzrə Azərbaycan çempionatında seçkilər deyil, oyun."),
    article(7, "Погода в Баку", "В Шуше прошёл форум.", lang="ru"),
]

URL = {n: f"https://icma.az/news/xeber-{n}" for n in range(1, 8)}

# (query, the articles it must find) — every row checked on SQLite and PostgreSQL
QUERIES = [
    ("Qarabag", {1, 6}),               # ğ/g, and a word prefix (Qarabağda)
    ("qarabağ", {1, 6}),
    ("QARABAĞ", {1, 6}),
    ("seçki", {2, 6}),                 # finds SEÇKİ (İ/i, ç/c) and seçkilər
    ("SECKI", {2, 6}),
    ("secki merkezi", {2}),            # every word must be found
    ("məntəqə", {2}),                  # ə/e against upper-case MƏNTƏQƏLƏRİ
    ("Qаrаbаğ", {1, 6}),               # the query has Cyrillic look-alikes
    ("Baki", {5}),                     # the stored text has Cyrillic look-alikes
    ("iqtisadiyyat", {4}),             # İ at the start of a word
    ("IQTISADIYYAT", {4}),             # dotless/dotted I: both fold to i
    ("Şuşa", {4}),                     # only in the origin body
    ("susa investisiya", {4}),
    ("nazirlik gelirler", {4}),        # one word in the aggregator title, one in the origin title
    ("выборы", {3}),                   # Russian, any case
    ("ВЫБОРЫ Азербайджан", {3}),
    ("явка", {3}),
    ("Шуша", {4}),                     # transliterated, Russian Шуша is Azerbaijani Şuşa (susa); Шуше is suse
    ("Шуш", {4, 7}),                   # the stem finds both spellings and both cases
    ("Azərbaycan-çempionatında", {6}),  # punctuation is a word break in the query too
    ("58", {3}),
    ("futbol xokkey", set()),
    ("Gəncə", set()),
    ("!!!", set()),                    # no words: nothing
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleStore]:
    url = (f"sqlite:///{tmp_path / 'archive.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_database"))
    store = ArticleStore.from_url(url)
    store.open()
    for item in ARTICLES:
        store.upsert(asdict(item))
    store.commit()
    yield store
    store.close()


def found(store: ArticleStore, query: str) -> set[int]:
    by_url = {url: n for n, url in URL.items()}
    return {by_url[url] for url in search(store, query)}


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_folded_search(store: ArticleStore, query: str, expected: set[int]) -> None:
    assert found(store, query) == expected


def test_index_follows_edits_and_origins(store: ArticleStore) -> None:
    edited = replace(ARTICLES[0], title="Ağdamda yeni məktəb tikilir", body="Tikinti 2026-cı ildə bitəcək.",
                     content_hash="sha256:" + "e" * 64)
    assert store.upsert(asdict(edited)) == "updated"
    with_origin = replace(ARTICLES[1], origin_url="https://apa.az/1", origin_status="ok",
                          origin=Origin(url="https://apa.az/1", title="Seçki", body="Gədəbəy məntəqəsi"))
    assert store.upsert(asdict(with_origin)) == "updated"
    store.commit()
    assert found(store, "Qarabag") == {6}        # the old title is gone from the index
    assert found(store, "mekteb") == {1}         # the new one is in it
    assert found(store, "Gədəbəy") == {2}        # the new origin body
    failed = replace(ARTICLES[3], origin=None, origin_url=None, origin_status="unreachable")
    store.upsert(asdict(failed))
    store.commit()
    assert found(store, "Şuşa") == {4}           # never downgrade: a failed attempt keeps the archived origin
    assert found(store, "iqtisadiyyat") == {4}


def test_sqlite_index_backfilled_and_deletes(tmp_path: Path) -> None:
    """A database made before the search migration is indexed by it; a deleted article leaves the index."""
    path = tmp_path / "old.sqlite3"
    store = ArticleStore.from_url(f"sqlite:///{path}")
    store.open()
    store.upsert(asdict(ARTICLES[0]))
    store.upsert(asdict(ARTICLES[3]))
    store.commit()
    conn: Any = store.conn
    # undo the search migration and those after it, as in an archive written by the version before it
    for name in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete", "origins_fts_insert",
                 "origins_fts_update", "origins_fts_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP VIEW article_list")
    conn.execute("DROP TABLE articles_fts")
    conn.execute("DROP TABLE articles_fts_keys")
    for table in ("origins", "origin_attempts"):  # 5: the cited originals' identity
        conn.execute(f"DROP INDEX {table}_origin_key")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN origin_key")
    conn.execute("DELETE FROM schema_version WHERE version >= ?", (MIGRATIONS.index(SEARCH_MIGRATION) + 1,))
    store.close()
    store.open()  # migrates again
    assert found(store, "Qarabag") == {1}
    assert found(store, "susa") == {4}
    store.conn.execute("DELETE FROM articles WHERE url = ?", (URL[4],))  # type: ignore[union-attr]
    assert found(store, "susa") == set()
    assert store.conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 1  # type: ignore[union-attr]
    store.close()
    # a plain sqlite3 connection reads the index (with the query folded by hand)
    with sqlite3.connect(path) as plain:
        rows = plain.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                             (fts5_match("QARABAĞ"),)).fetchall()
    assert len(rows) == 1


TEXTS = ["Qarabağda yeni yaşayış kompleksi", "SEÇKİ MƏNTƏQƏLƏRİ AÇIQDIR", "İqtisadiyyat, ıslahat və İSLAHAT",
         "Выборы в Азербайджане: явка 58%", "Щёлково, Царицыно, Юрмала, Ярославль, Ёлка", "Öz üzü, Çörək",
         "Mərkəzi «Seçki» Komissiyası — 14-də", "Crème brûlée, Łódź, Straße, Æsir", "ҺӘҖҮӨ ҹәһ"]


@pytest.mark.postgres
def test_postgres_fold_is_the_python_fold(pg_database: str) -> None:
    store = ArticleStore.from_url(pg_database)
    store.open()
    try:
        conn: Any = store.conn
        for text in TEXTS:
            assert conn.execute("SELECT newsarchive_fold(%s)", (text,)).fetchone()[0] == search_fold(text), text
    finally:
        store.close()


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_fold_gives_index_tokens(text: str) -> None:
    folded = search_fold(text)
    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", folded), folded
    assert search_fold(folded) == folded


def test_query_syntax() -> None:
    assert search_fold("Azərbaycan-Qazaxıstan: SEÇKİ 14-də") == "azerbaycan qazaxistan secki 14 de"
    assert fts5_match('Qarabağ "OR" seçki*') == '"qarabag"* "or"* "secki"*'  # user syntax is only words
    assert fts5_match(" — ") == '""'


@pytest.mark.parametrize(("statement", "sqlite", "postgresql"), [
    ("CREATE TABLE t (x INTEGER)", True, True),
    ("-- only sqlite\nCREATE VIRTUAL TABLE t USING fts5(x)", True, False),
    ("  -- only postgresql\nCREATE INDEX i ON t (x)", False, True),
    ("-- a comment\nCREATE TABLE t (x INTEGER)", True, True),
])
def test_migration_statements_per_dialect(statement: str, sqlite: bool, postgresql: bool) -> None:
    assert (for_dialect(statement, "sqlite"), for_dialect(statement, "postgresql")) == (sqlite, postgresql)
