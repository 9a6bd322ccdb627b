"""The origin fields of issue 13 in the database: stored, exported unchanged, migrated onto old files."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

import jsonschema

from newsarchive.archive.db import MIGRATIONS, ArticleStore
from newsarchive.items import Article, Origin
from tests import pg

postgres_url = pg.postgres_url
pg_database = pg.pg_database
db_url = pg.db_url

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schema/article.schema.json").read_text())


def record() -> dict[str, object]:
    origin = Origin(url="https://report.az/xeber/1", title="Başlıq", body="Mətn", author="Əli Həsənov, Nigar Quliyeva",
                    authors=["Əli Həsənov", "Nigar Quliyeva"], publisher="Report",
                    published_at="2025-10-23T09:32:00+03:00", published_at_raw="2025-10-23T09:32:00+03:00",
                    modified_at="2025-10-23T11:00:00+03:00", site="report.az",
                    field_methods={"title": "visible", "body": "jsonld", "author": "jsonld", "authors": "jsonld",
                                   "publisher": "jsonld", "published_at": "time", "modified_at": "meta"},
                    flags=["date_disagrees"])
    item = Article(url="https://icma.az/news/xeber-1", article_id="1", kind="news", lang="az", title="Başlıq",
                   body="Mətn", origin=origin, origin_url=origin.url, origin_status="ok", origin_method="link",
                   origin_similarity=0.9, fetched_at="2025-10-23T08:00:00Z",
                   content_hash="sha256:" + "0" * 64)
    return asdict(item)


def test_origin_lists_and_methods_round_trip(db_url: str) -> None:
    store = ArticleStore.from_url(db_url)
    store.open()
    try:
        assert store.upsert(record()) == "new"
        store.commit()
        assert store.upsert(record()) == "unchanged"  # the JSON text compares equal on a re-crawl
        store.commit()
        exported = list(store.iter_articles())
    finally:
        store.close()
    assert exported == [record()]
    jsonschema.Draft202012Validator(SCHEMA).validate(exported[0])


def test_a_version_1_file_gains_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", float="REAL"))
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.execute("INSERT INTO articles (url, first_seen_at, last_seen_at) "
                 "VALUES ('https://icma.az/news/x-2', 'a', 'a')")
    conn.execute("INSERT INTO origins (article_url, status, url, title) "
                 "VALUES ('https://icma.az/news/x-2', 'ok', 'https://apa.az/x', 'Köhnə')")
    conn.commit()
    conn.close()
    store = ArticleStore.from_url(f"sqlite:///{path}")
    store.open()
    try:
        old = next(store.iter_articles())
        assert old["origin"]["title"] == "Köhnə"
        assert (old["origin"]["authors"], old["origin"]["field_methods"], old["origin"]["flags"]) == (None, None, None)
        assert store.upsert(record()) == "new"
        store.commit()
    finally:
        store.close()
