"""Scheduled runs read only the sitemaps that changed: lastmod skipping, conditional requests, the full sweep.

The mirror's sitemap index lists fixed-size children (10 URLs each here) with the ``<lastmod>`` of
their newest article and a Google News sitemap; sitemaps answer conditional requests with ``304``.
The clock of each run is ``NEWSARCHIVE_REFERENCE_TIME``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive.mirror import MirrorServer
from newsarchive.sitemaps import sitemap_locs
from tests.crawl import CrawlResult, run_crawl
from tests.test_mirror import fetch

ARTICLES = 60
SIZE = 10  # 6 children of 10 articles + the news sitemap
QUIET = ("-a", "follow_origins=0")


def crawl(mirror: MirrorServer, out: Path, at: datetime, **settings: object) -> CrawlResult:
    result = run_crawl(mirror, out, *QUIET, settings={"NEWSARCHIVE_REFERENCE_TIME": at.isoformat(), **settings})
    assert result.returncode in (0, 1), result.log[-3000:]  # 1: a run with no new items fails the min-items monitor
    return result


def index_children(mirror: MirrorServer) -> dict[str, datetime]:
    """The mirror's sitemap index, read over HTTP: child URL -> its lastmod."""
    status, body, _ = fetch(mirror, "icma.az", "/sitemap.xml")
    assert status == 200
    locs, is_index = sitemap_locs(body)
    assert is_index
    return {loc: datetime.fromisoformat(lastmod or "") for loc, lastmod in locs}


def marks(out: Path) -> dict[str, str]:
    with sqlite3.connect(out / "state.sqlite3") as db:
        return dict(db.execute("SELECT name, at FROM run_marks WHERE spider = 'icma'").fetchall())


def test_quiet_run_fetches_only_children_changed_since_the_last_complete_run(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE) as mirror:
        now = mirror.site.now
        children = index_children(mirror)
        assert len(children) == ARTICLES // SIZE + 1
        earlier = now - timedelta(hours=6)  # the first run's clock: the last 6 hours' children are newer
        first = crawl(mirror, out, earlier)
        assert len(first.items) == ARTICLES
        assert first.stats["newsarchive/sitemap/full_sweep"] == 1
        assert first.stats["newsarchive/sitemap/read"] == len(children) + 1  # index + every child
        second = crawl(mirror, out, now)
    newer = [url for url, lastmod in children.items() if lastmod >= earlier]
    assert 0 < len(newer) < len(children)
    stats = second.stats
    assert stats["newsarchive/sitemap/full_sweep"] == 0
    # the index answers 304; its children as the last complete run saw them: the unchanged ones are
    # not requested, the newer ones conditionally, and they answer 304 too
    assert stats["newsarchive/sitemap/requests"] == 1 + len(newer)
    assert stats["newsarchive/sitemap/conditional"] == 1 + len(newer)
    assert stats["newsarchive/sitemap/not_modified"] == 1 + len(newer)
    assert stats["newsarchive/sitemap/skipped_unchanged"] == len(children) - len(newer)
    assert stats.get("newsarchive/sitemap/read", 0) == 0
    assert second.items == []
    assert marks(out) == {"complete": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                          "sweep": earlier.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}


def test_sweep_after_its_interval_reads_every_sitemap(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE) as mirror:
        now = mirror.site.now
        every = len(index_children(mirror)) + 1
        assert crawl(mirror, out, now).stats["newsarchive/sitemap/read"] == every
        soon = crawl(mirror, out, now + timedelta(hours=1))
        sweep = crawl(mirror, out, now + timedelta(hours=25))  # NEWSARCHIVE_SITEMAP_FULL_SWEEP_HOURS = 24
        after = crawl(mirror, out, now + timedelta(hours=26))
        short = crawl(mirror, out, now + timedelta(hours=27), NEWSARCHIVE_SITEMAP_FULL_SWEEP_HOURS=0.5)
    assert soon.stats["newsarchive/sitemap/full_sweep"] == 0
    assert soon.stats["newsarchive/sitemap/requests"] == 1  # the index, 304; every child older than the last run
    assert soon.stats["newsarchive/sitemap/not_modified"] == 1
    # the sweep reads everything in full, without validators
    assert sweep.stats["newsarchive/sitemap/full_sweep"] == 1
    assert sweep.stats["newsarchive/sitemap/read"] == every
    assert sweep.stats.get("newsarchive/sitemap/conditional", 0) == 0
    assert sweep.stats.get("newsarchive/sitemap/not_modified", 0) == 0
    # the next sweep is 24 hours after that one
    assert after.stats["newsarchive/sitemap/full_sweep"] == 0
    assert after.stats["newsarchive/sitemap/requests"] == 1
    assert short.stats["newsarchive/sitemap/full_sweep"] == 1


def test_new_article_only_in_a_sitemap_child_is_found(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE, epoch=0) as before:
        assert len(crawl(before, out, before.site.now).items) == ARTICLES
    # five new articles; the run starts from the sitemap only (no home page) and the news sitemap is
    # missing, so a sitemap child is the only list that names the new AZ articles
    missing_news = {"/sitemap/google-news.xml": {"status": 404}}
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE, epoch=1, faults=missing_news) as after:
        site = after.site
        result = crawl(after, out, site.now,
                       NEWSARCHIVE_START_URLS=json.dumps(["https://icma.az/sitemap.xml"]))
    new = {site.article(k).url for k in range(ARTICLES, len(site))}
    assert len(new) == 5
    assert new <= {item["url"] for item in result.items}
    stats = result.stats
    assert stats["newsarchive/sitemap/skipped_unchanged"] == ARTICLES // SIZE  # children 0-5: older than run 1
    assert stats["newsarchive/sitemap/read"] == 2  # the changed index and the new child
    assert stats["newsarchive/sitemap/failed"] == 1  # the news sitemap's 404
    assert stats["newsarchive/sitemap/complete"] == 0  # so this run is not recorded as complete


def test_a_run_with_an_unreadable_sitemap_is_not_complete(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    broken = {"/sitemap/articles-2.xml": {"status": 503}}
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE, faults=broken) as mirror:
        first = crawl(mirror, out, mirror.site.now)
    assert first.stats["newsarchive/sitemap/complete"] == 0
    assert marks(out) == {}
    with MirrorServer(articles=ARTICLES, sitemap_size=SIZE) as mirror:
        again = crawl(mirror, out, mirror.site.now + timedelta(hours=1))
    assert again.stats["newsarchive/sitemap/full_sweep"] == 1  # no complete run yet: everything again
    assert again.stats["newsarchive/sitemap/complete"] == 1
    assert set(marks(out)) == {"complete", "sweep"}


def test_news_sitemap_publication_date_stands_in_for_lastmod() -> None:
    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://icma.az/news/a-1</loc>'
            b"<news:news><news:publication_date>2025-10-01T08:00:00+04:00</news:publication_date></news:news>"
            b"</url></urlset>")
    assert sitemap_locs(body) == ([("https://icma.az/news/a-1", "2025-10-01T08:00:00+04:00")], False)
