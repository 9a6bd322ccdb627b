"""``scrapy fixture``: a page (live through Scrapy, or from WARC files) becomes a fixture folder with provenance.

The proposed expectation is checked against the mirror's ground truth (never against
the page object's own output); the command never writes ``expected.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.commands.fixture import PROPOSED, default_page, proposal
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.mirror.icma_pages import render_article
from newsarchive.normalize.text import normalize_text
from newsarchive.pages import registry
from newsarchive.pages.generic import GenericArticlePage

ROOT = Path(__file__).resolve().parent.parent
SITE = MirrorSite(MirrorConfig(seed=2025, articles=60))


def scrapy_fixture(*args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "fixture", *args]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)


def served(mirror: MirrorServer, url: str) -> bytes:
    parts = urlsplit(url)
    req = urllib.request.Request(mirror.url.rstrip("/") + parts.path, headers={"Host": parts.netloc})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return bytes(resp.read())


def test_live_page_becomes_an_unreviewed_fixture(mirror: MirrorServer, tmp_path: Path) -> None:
    art = next(a for a in mirror.site.articles() if a.kind == "news" and a.lang == "az" and a.author)
    out = tmp_path / "live"
    proc = scrapy_fixture(art.url, "-o", str(out), settings={"NEWSARCHIVE_HOST_MAP": json.dumps(mirror.host_map)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["expected.proposed.json", "meta.json", "page.html"]
    assert (out / "page.html").read_bytes() == served(mirror, art.url)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert (meta["url"], meta["final_url"], meta["obtained"], meta["http_status"]) == (art.url, art.url, "live", 200)
    assert meta["reviewed_by"] is None and meta["page"] == "aggregator"
    assert meta["page_class"] == "newsarchive.pages.aggregator.AggregatorPage"
    assert abs((datetime.fromisoformat(meta["fetched_at"]) - datetime.now().astimezone()).total_seconds()) < 300
    got = json.loads((out / PROPOSED).read_text(encoding="utf-8"))
    assert normalize_text(got["title"]) == art.title and normalize_text(got["body"]) == art.body  # mirror's truth
    assert (got["author"], got["views"], got["comments"]) == (art.author, art.views, art.comments)
    assert (got["source_url"], got["published_at_raw"]) == (art.source_url, art.published_at_raw)
    assert got["is_article"] is True and got["missing_fields"] == []


def _warc(folder: Path, url: str, body: bytes, when: str) -> str:
    folder.mkdir(parents=True)
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                       warc_headers_dict={"WARC-Date": when})
    writer.write_record(record)
    (folder / "run.warc.gz").write_bytes(buf.getvalue())
    return str(record.rec_headers.get_header("WARC-Record-ID"))


def test_archived_page_keeps_its_capture_time(tmp_path: Path) -> None:
    art = next(a for a in SITE.articles() if a.kind == "news" and a.lang == "ru")
    page = render_article(art, SITE).encode("utf-8")
    record_id = _warc(tmp_path / "warc", art.url, page, "2025-11-05T10:00:00Z")
    out = tmp_path / "fx"
    proc = scrapy_fixture(art.url, "--from-warc", str(tmp_path / "warc"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "page.html").read_bytes() == page
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert (meta["obtained"], meta["fetched_at"], meta["warc_record_id"]) == ("archived", "2025-11-05T10:00:00Z",
                                                                              record_id)
    got = json.loads((out / PROPOSED).read_text(encoding="utf-8"))
    assert (got["lang"], normalize_text(got["title"]), got["views"]) == ("ru", art.title, art.views)
    assert not (out / "expected.json").exists()


def test_a_url_missing_from_the_archive_writes_nothing(tmp_path: Path) -> None:
    _warc(tmp_path / "warc", "https://icma.az/news/a-1250001", b"<html></html>", "2025-11-05T10:00:00Z")
    out = tmp_path / "fx"
    proc = scrapy_fixture("https://icma.az/news/b-1250002", "--from-warc", str(tmp_path / "warc"), "-o", str(out))
    assert proc.returncode == 1
    assert not out.exists() or not any(out.iterdir())


def test_a_fixture_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "expected.json").write_text("{}")
    proc = scrapy_fixture("https://icma.az/news/a-1250001", "-o", str(tmp_path / "fx"))
    assert proc.returncode != 0 and "not empty" in proc.stderr
    assert (tmp_path / "fx" / "expected.json").read_text() == "{}"


class OldAzertag(GenericArticlePage):
    pass


def test_the_proposal_uses_the_profile_of_the_capture_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.PROFILES, "azertag.az", [(registry.EPOCH, OldAzertag),
                                                          (date(2026, 1, 1), registry.PROFILES["azertag.az"][-1][1])])
    body = b"<html><body><h1>Bashliq</h1><p>Metn.</p></body></html>"
    old, _ = proposal("origin", "https://azertag.az/xeber/x-1", body, "utf-8", "2025-06-01T00:00:00Z")
    new, _ = proposal("origin", "https://azertag.az/xeber/x-1", body, "utf-8", "2026-06-01T00:00:00Z")
    assert old.endswith(".OldAzertag") and new.endswith(".AzertagArticlePage")


def test_default_page_by_host() -> None:
    assert default_page("https://icma.az/news/x-1") == "aggregator"
    assert default_page("https://www.icma.az/ru/news/x-1") == "aggregator"
    assert default_page("https://report.az/x/") == "origin"
