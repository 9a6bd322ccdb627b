"""Any text the web sends is storable; a record a database still refuses is dead-lettered, once.

Crawls put a lone surrogate (``"\\ud800"``) and a NUL (``"\\u0000"``) into a cited page's JSON-LD
(the mirror's ``replace`` fault rule) and check that the article reaches the JSON lines, the
state and the database (SQLite and PostgreSQL) whole; unit tests cover the normaliser, the
savepoint of one record and the dead-letter path.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.archive.db import ArticleStore, RecordError
from newsarchive.archive.spool import DeadLetters, Spool, drain
from newsarchive.commands.crawl import run_problems
from newsarchive.items import Article, Origin
from newsarchive.mirror import MirrorServer, MirrorSite
from newsarchive.mirror.content import MirrorConfig
from newsarchive.normalize.text import normalize_text, storable_text
from pipelines.database import DatabasePipeline
from pipelines.normalize import NormalizePipeline
from tests import pg
from tests.crawl import ROOT, crawl_command, read_result

postgres_url = pg.postgres_url
pg_database = pg.pg_database

UNSTORABLE = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\r", "\x1f", "\x7f", "\x80", "\x9f", "\ud800", "\udfff",
              "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
KEPT = ["\t", "\n", " ", "ə", "Ə", "ı", "İ", "ş", "ç", "ğ", "ö", "ü", "Ж", "\u00a0", "\ufffd", "\ufdcf", "\ufdf0",
        "\U0001f600", "\U0010fffd", "\u200b"]


# -- the normaliser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("char", UNSTORABLE, ids=[f"U+{ord(c):04X}" for c in UNSTORABLE])
def test_storable_text_removes(char: str) -> None:
    assert storable_text(f"Azər{char}baycan") == "Azərbaycan"


@pytest.mark.parametrize("char", KEPT, ids=[f"U+{ord(c):04X}" for c in KEPT])
def test_storable_text_keeps(char: str) -> None:
    assert storable_text(f"a{char}b") == f"a{char}b"


@settings(deadline=None)  # the first call may load ftfy
@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=())))
def test_storable_text_is_always_utf8_and_idempotent(text: str) -> None:
    clean = storable_text(text)
    clean.encode("utf-8")  # no lone surrogate
    assert "\x00" not in clean
    assert storable_text(clean) == clean
    assert normalize_text(text).encode("utf-8") is not None
    assert "\x00" not in normalize_text(text)


def test_normalize_text_drops_a_lone_surrogate() -> None:
    assert normalize_text("Bakı\ud800 xəbərləri\x00") == "Bakı xəbərləri"


def test_pipeline_cleans_every_string_field_the_origins_too() -> None:
    item = Article(url="https://icma.az/news/a-1\x00", title="Baş\ud800lıq", body="Mətn\x00", author="Əli\ufffe",
                   published_at_raw="01.10.2025\x00", source_name="Report\x07", source_url="https://report.az/x\ud800",
                   origin_url="https://report.az/x\ud800", fetched_at="2025-10-01T10:00:00Z",
                   origin=Origin(url="https://report.az/x\ud800", title="\ud800Başlıq", body="a\x00b",
                                 author="\udfffƏli", published_at_raw="\x002025-10-01T06:43:00+04:00",
                                 site="report.az\uffff"))
    NormalizePipeline().process_item(item)
    assert item.url == "https://icma.az/news/a-1"
    assert (item.title, item.body, item.author, item.source_name) == ("Başlıq", "Mətn", "Əli", "Report")
    assert item.published_at_raw == "01.10.2025" and item.published_at is not None
    assert item.source_url == item.origin_url == "https://report.az/x"
    assert item.origin is not None
    assert (item.origin.url, item.origin.title, item.origin.body, item.origin.author, item.origin.site) == (
        "https://report.az/x", "Başlıq", "ab", "Əli", "report.az")
    assert item.origin.published_at == "2025-10-01T06:43:00+04:00"
    json.dumps(item.__dict__, default=lambda o: o.__dict__).encode("utf-8")


# -- one record's failure is all or nothing -------------------------------------------------------------


def record(n: int, **changes: Any) -> dict[str, Any]:
    return {"url": f"https://icma.az/news/x-{n}", "title": f"Başlıq {n}", "body": "Mətn", "origin_url": None,
            "origin": {"url": f"https://report.az/x-{n}", "title": "Orijinal", "body": "Mətn", "author": None,
                       "published_at": None, "published_at_raw": None, "site": "report.az"},
            "origin_status": "ok", "fetched_at": "2025-03-01T08:00:00Z", "content_hash": f"sha256:{n:064x}",
            **changes}


def test_a_record_the_driver_cannot_encode_leaves_nothing_half_written(tmp_path: Path) -> None:
    """The origin's lone surrogate failed after the article row was inserted: the savepoint covers it."""
    store = ArticleStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.open()
    bad = record(1)
    bad["origin"] = {**bad["origin"], "title": "\ud800"}
    with pytest.raises(RecordError):
        store.upsert(bad)
    store.upsert(record(2))
    store.commit()
    assert store.article_row(record(1)["url"]) is None
    assert store.count() == 1
    store.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM origins").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == 1


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def get_stats(self) -> dict[str, Any]:
        return self.values


def run_pipeline(tmp_path: Path, items: list[dict[str, Any]], max_attempts: int = 3) -> tuple[dict[str, Any], list]:
    stats = Stats()
    store = ArticleStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    pipeline = DatabasePipeline(store, Spool(tmp_path / "spool" / "db.jsonl"), 10, stats,  # type: ignore[arg-type]
                                dead_letters=DeadLetters(tmp_path / "dead" / "db.jsonl"), max_attempts=max_attempts)
    pipeline.open_spider()
    passed = [pipeline.process_item(item) for item in items]
    pipeline.close_spider()
    return {k.removeprefix("newsarchive/db/"): v for k, v in stats.values.items()}, passed


def test_a_refused_record_goes_on_and_is_dead_lettered_after_the_last_attempt(tmp_path: Path) -> None:
    bad = record(2, title="Baş\ud800lıq")  # reaches the database only if the normaliser is bypassed
    stats, passed = run_pipeline(tmp_path, [record(1), bad, record(3)])
    assert passed == [record(1), bad, record(3)]  # on to the feed and the state
    assert stats["new"] == 2 and stats["spooled"] == 1 and stats["failed"] is True
    assert "dead_lettered" not in stats and run_problems(stats, report_enabled=False) == []
    spool = Spool(tmp_path / "spool" / "db.jsonl")
    assert [r["url"] for r in spool.read()[0]] == [bad["url"]]
    assert spool.read()[0][0]["title"] == "Baş\ud800lıq"  # kept exactly (escaped in the file)

    stats, _ = run_pipeline(tmp_path, [])  # second attempt: the drain, refused again
    assert stats.get("failed") is True and "dead_lettered" not in stats
    assert spool.attempts()[bad["url"]]["attempts"] == 2

    stats, _ = run_pipeline(tmp_path, [])  # third and last attempt
    assert stats["dead_lettered"] == 1 and stats["dead_lettered_urls"] == [bad["url"]]
    assert "failed" not in stats and not spool.path.exists() and not spool.attempts_path.exists()
    problems = run_problems({"newsarchive/db/dead_lettered": 1, "newsarchive/db/dead_letter_path": "x.jsonl"},
                            report_enabled=False)
    assert problems and "dead-letter file x.jsonl" in problems[0]
    dead = [json.loads(line) for line in (tmp_path / "dead" / "db.jsonl").read_text().splitlines()]
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["record"]["url"] == bad["url"]
    assert "UnicodeEncodeError" in dead[0]["reason"] or "surrogate" in dead[0]["reason"]

    stats, _ = run_pipeline(tmp_path, [])  # once: the next run is clean
    assert stats == {}


def test_drain_without_a_dead_letter_file_keeps_refused_records(tmp_path: Path) -> None:
    store = ArticleStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.open()
    spool = Spool(tmp_path / "s.jsonl")
    spool.append([record(1, title="\ud800"), record(2)])
    for _ in range(4):
        result = drain(spool, store, max_attempts=2)
    assert (result.written, result.kept, result.dead_lettered) == (0, 1, [])
    assert spool.attempts()[record(1)["url"]]["attempts"] == 4
    store.close()


# -- real crawls -----------------------------------------------------------------------------------------


def report_article() -> tuple[str, str]:
    """(aggregator URL, cited path) of the first article of the 12-article mirror citing report.az."""
    site = MirrorSite(MirrorConfig(articles=12))
    for article in site.articles():
        if article.origin is not None and article.origin.site == "report.az" and article.kind == "news":
            from urllib.parse import urlsplit

            return article.url, urlsplit(article.origin.url).path
    raise AssertionError("no report.az article in the mirror")


def hostile_mirror(field: str, escape: str) -> MirrorServer:
    """The mirror, with *escape* (JSON text such as ``\\ud800``) put into one JSON-LD field of a report.az page."""
    _url, path = report_article()
    faults = {path: {"replace": [[f'"{field}": "', f'"{field}": "{escape}']]}}
    return MirrorServer(articles=12, faults=faults)


def crawl(mirror: MirrorServer, out: Path, settings: dict[str, Any] | None = None) -> Any:
    cmd, env, feed = crawl_command(mirror, out, settings={"NEWSARCHIVE_MONITOR_MIN_ITEMS": 1, **(settings or {})})
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    return read_result(proc.returncode, proc.stderr, out, feed)


@pytest.mark.slow
def test_a_lone_surrogate_in_a_cited_pages_json_ld_is_archived_whole(tmp_path: Path) -> None:
    url, _path = report_article()
    with hostile_mirror("headline", "\\ud800") as mirror:
        result = crawl(mirror, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    item = result.by_url().get(url)
    assert item is not None, "the article is missing from the JSON lines"
    assert item["origin_status"] == "ok" and item["origin"]["title"]
    assert "UnicodeEncodeError" not in result.log and "surrogates not allowed" not in result.log
    assert not result.stats.get("newsarchive/db/errors")
    store = ArticleStore.from_url(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    store.open()
    rows = {r["url"]: r for r in store.iter_articles()}
    assert rows[url]["origin"]["title"] == item["origin"]["title"]
    assert len(store.revisions(url)) == 1
    store.close()
    with sqlite3.connect(tmp_path / "state.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM seen WHERE url = ?", (url,)).fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.slow
def test_a_nul_in_a_cited_page_reaches_postgresql_never(pg_database: str, tmp_path: Path) -> None:
    url, _path = report_article()
    with hostile_mirror("datePublished", "\\u0000") as mirror:
        result = crawl(mirror, tmp_path, {"NEWSARCHIVE_DATABASE_URL": pg_database})
    assert result.returncode == 0, result.log[-3000:]
    assert not result.stats.get("newsarchive/db/spooled") and not result.stats.get("newsarchive/db/errors")
    assert result.stats.get("newsarchive/normalize/unstorable", 0) >= 1
    item = result.by_url()[url]
    assert "\x00" not in json.dumps(item, ensure_ascii=False) and "\\u0000" not in json.dumps(item)
    assert item["origin"]["published_at"] == "2025-10-01T06:43:00+04:00"
    store = ArticleStore.from_url(pg_database)
    store.open()
    rows = {r["url"]: r for r in store.iter_articles()}
    assert rows[url]["origin"] == item["origin"]
    store.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_record_postgresql_keeps_refusing_is_dead_lettered_once(
        pg_database: str, tmp_path: Path, mirror: MirrorServer) -> None:
    """A NUL record spooled by an older version: refused on every drain, until it is dead-lettered; exit 1 once."""
    spool = tmp_path / "spool.jsonl"
    bad = record(99, body="Mətn\x00")
    Spool(spool).append([bad])
    settings = {"NEWSARCHIVE_DATABASE_URL": pg_database, "NEWSARCHIVE_DATABASE_MAX_ATTEMPTS": 2,
                "NEWSARCHIVE_DATABASE_DEAD_LETTER": str(tmp_path / "dead.jsonl")}
    runs = []
    for n in range(3):
        out = tmp_path / f"run{n}"
        runs.append(crawl(mirror, out, {**settings, "NEWSARCHIVE_DATABASE_SPOOL": str(spool),
                                        "NEWSARCHIVE_INCREMENTAL": 0}))
    codes = [r.returncode for r in runs]
    assert codes == [1, 1, 0], [r.log[-2000:] for r in runs]
    assert runs[0].stats.get("newsarchive/db/failed") and not runs[0].stats.get("newsarchive/db/dead_lettered")
    assert runs[1].stats.get("newsarchive/db/dead_lettered") == 1
    assert runs[1].stats.get("newsarchive/db/dead_lettered_urls") == [bad["url"]]
    assert "dead-letter" in runs[1].log and "Exit status 1" in runs[1].log
    assert not runs[2].stats.get("newsarchive/db/dead_lettered") and not runs[2].stats.get("newsarchive/db/failed")
    assert not spool.exists()
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert [d["record"]["url"] for d in dead] == [bad["url"]] and dead[0]["attempts"] == 2
    assert "NUL" in dead[0]["reason"] or "0x00" in dead[0]["reason"]


def test_the_schema_says_so() -> None:
    import jsonschema

    schema = json.loads((ROOT / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    assert "lone surrogate" in schema["description"]
    text = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/nullable_string"})
    assert all(text.is_valid(storable_text(f"Azər{c}baycan")) for c in UNSTORABLE + KEPT if c not in "\U0001fffe")
    assert not any(text.is_valid(f"Azər{c}baycan") for c in UNSTORABLE[:-2])
