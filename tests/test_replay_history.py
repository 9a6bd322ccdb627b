"""Replay of a whole history: several incremental runs of the mirror, then ``scrapy replay`` of all their WARCs.

The runs see edits, ``304`` answers, new articles, an article deleted (404) and a source that is down;
the replay must rebuild exactly the records the runs left, fetch nothing, and let no live budget
(the per-site cap) re-decide which citations resolve.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from newsarchive.archive.warc import iter_records, surt, warc_paths
from newsarchive.mirror import MirrorServer, MirrorSite
from newsarchive.mirror.content import MirrorConfig
from newsarchive.origin import notes
from tests.crawl import ROOT, CrawlResult, run_crawl
from tests.forked_scan import scan_in_fresh_process

CDXJ_INDEXER = Path(sys.executable).with_name("cdxj-indexer")
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"  # WARC 1.1, 6.7.3
ARTICLES = 40
REVISIT = {"NEWSARCHIVE_REVISIT_DAYS": 0.3}  # the last ~19 articles are re-visited by each run
DELETED = 35  # re-visited by the third run, which finds it gone (404)


def new_articles_down(epoch: int) -> dict[str, dict[str, Any]]:
    """Fault rules: the cited originals of the articles new in *epoch* 1 answer with a connection reset."""
    site = MirrorSite(MirrorConfig(articles=ARTICLES, epoch=epoch))
    rules: dict[str, dict[str, Any]] = {}
    for k in range(ARTICLES, ARTICLES + site.config.new_per_epoch):
        art = site.article(k)
        for url in (art.source_url, art.origin.url if art.origin else None):
            if url and urlsplit(url).path.strip("/"):
                rules[urlsplit(url).path] = {"reset": True}
    return rules


# ``python -m scrapy`` with the engine's heartbeat (its look for work every 5 s) once an hour: a run then
# ends only if the project wakes the engine after what it emits outside a callback (spider_idle records)
NO_HEARTBEAT = [sys.executable, "-c", "import sys, scrapy.core.engine as e; "
                "e.ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 3600.0; from scrapy.cmdline import execute; "
                "sys.argv = ['scrapy', *sys.argv[1:]]; execute()"]


def run_replay(warc: Path, out_dir: Path, *args: str, settings: dict[str, Any] | None = None,
               env: dict[str, str] | None = None, python: list[str] | None = None, timeout: float = 300,
               ) -> subprocess.CompletedProcess[str]:
    cmd = [*(python or [sys.executable, "-m", "scrapy"]), "replay", str(warc), *args,
           "-s", f"NEWSARCHIVE_START_URLS={json.dumps(['https://icma.az/', 'https://icma.az/sitemap.xml'])}",
           "-s", "NEWSARCHIVE_PROGRESS=off"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def into(folder: Path) -> dict[str, str]:
    """A replay's outputs in *folder*, named with ``-s`` (which wins over the command's own defaults)."""
    return {"NEWSARCHIVE_DATABASE_URL": f"sqlite:///{folder / 'newsarchive.sqlite3'}",
            "NEWSARCHIVE_RUNS_DIR": str(folder / "runs"), "NEWSARCHIVE_DATABASE_SPOOL": str(folder / "spool.jsonl")}


def export_db(database: Path, out: Path) -> dict[str, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-m", "scrapy", "export-db", "--database", f"sqlite:///{database}",
                           "-O", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def read_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines() if path.exists()
                                     else [])}


def differences(left: dict[str, Any], right: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Fields present on both sides whose values differ (robust to fields other branches add)."""
    diff = {name: (left[name], right[name]) for name in left.keys() & right.keys()
            if name not in skip and left[name] != right[name]}
    # a citation the runs never fetched: the replay knows it was not fetched, not why (the cap, ...)
    if diff.get("origin_note", ("",))[0] == notes.NOT_IN_ARCHIVE and "origin_status" not in diff:
        del diff["origin_note"]
    return diff


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CrawlResult]]:
    """Three incremental runs into one archive: the mirror at epochs 0, 1 and 1 again (unchanged: 304s)."""
    out = tmp_path_factory.mktemp("history") / "archive"
    runs: list[CrawlResult] = []
    down = new_articles_down(1)
    deleted_path = urlsplit(MirrorSite(MirrorConfig(articles=ARTICLES)).article(DELETED).url).path
    for run, (epoch, faults) in enumerate(((0, {}), (1, down), (1, {**down, deleted_path: {"status": 404}}))):
        with MirrorServer(articles=ARTICLES, epoch=epoch, faults=faults) as mirror:
            result = run_crawl(mirror, out, settings={**REVISIT, "NEWSARCHIVE_MONITOR_MIN_ITEMS": 0})
        assert result.returncode == 0, result.log[-3000:]
        runs.append(result)
        (out / "items.jsonl").rename(out / f"items-{run}.jsonl")
    return out, runs


def last_records(out: Path, runs: int) -> dict[str, dict[str, Any]]:
    """The record each article was last emitted as, over the runs' JSON lines in order."""
    merged: dict[str, dict[str, Any]] = {}
    for run in range(runs):
        merged.update(read_jsonl(out / f"items-{run}.jsonl"))
    return merged


def test_the_runs_meet_every_case(history: tuple[Path, list[CrawlResult]]) -> None:
    out, runs = history
    second, third = runs[1].stats, runs[2].stats
    assert second["newsarchive/db/updated"] > 0  # edits
    assert third.get("newsarchive/incremental/not_modified", 0) > 10  # 304s
    assert third.get("newsarchive/extract/failed/http_404") == 1  # the deleted article
    emitted = read_jsonl(out / "items-1.jsonl")
    assert any(r["origin_status"] == "unreachable" and r["source_url"] and urlsplit(r["source_url"]).path
               in new_articles_down(1) for r in emitted.values())  # the down source


def test_304_becomes_a_revisit_of_the_capture_it_confirms(history: tuple[Path, list[CrawlResult]]) -> None:
    out, _ = history
    records = list(iter_records(out / "warc"))
    responses = {(r.url, r.date): r for r in records if r.rec_type == "response"}
    revisits = [r for r in records if r.rec_type == "revisit"]
    assert revisits
    assert not [r for r in records if r.rec_type == "response" and r.status == 304]
    for revisit in revisits:
        headers = dict(revisit.warc_headers)
        assert headers["WARC-Profile"] == SERVER_NOT_MODIFIED
        original = responses[(headers["WARC-Refers-To-Target-URI"], headers["WARC-Refers-To-Date"])]
        assert original.url == revisit.url and original.status == 200
        assert original.filename != revisit.filename  # an earlier run's file
        assert original.date < revisit.date
        assert headers["WARC-Refers-To"] == original.record_id
        assert headers["WARC-Payload-Digest"] == dict(original.warc_headers)["WARC-Payload-Digest"]
        assert revisit.body == b""  # players replay the original (a 304 block replays as an empty page)


def test_the_index_is_what_pywb_needs(history: tuple[Path, list[CrawlResult]]) -> None:
    """Every .cdxj line equals cdxj-indexer's; every line reads back as its record; revisits resolve."""
    out, _ = history
    files = warc_paths(out / "warc")
    theirs = subprocess.run([str(CDXJ_INDEXER), *map(str, files)], capture_output=True, text=True, check=True)
    ours = [line for path in files for line in path.with_name(path.name + ".cdxj").read_text().splitlines()]
    assert sorted(ours) == sorted(theirs.stdout.splitlines())
    assert any(line.startswith("az,icma)/ ") for line in ours)  # the home page: no urlkey "az,icma)//"
    entries = [(line.split(" ", 2)[0], line.split(" ", 2)[1], json.loads(line.split(" ", 2)[2])) for line in ours]
    captures = {(e["url"], stamp, e.get("digest")) for _, stamp, e in entries if e.get("status", "").startswith("2")}
    data = {path.name: path.read_bytes() for path in files}
    revisits = 0
    for key, stamp, entry in entries:
        start, length = int(entry["offset"]), int(entry["length"])
        (record,) = list(ArchiveIterator(BytesIO(data[entry["filename"]][start:start + length])))
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"] and key == surt(entry["url"])
        assert stamp == iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
        if entry.get("mime") == "warc/revisit":
            revisits += 1
            assert record.rec_type == "revisit"
            target = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
            when = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Refers-To-Date"))
            # pywb looks the original up by url, closest date and digest
            assert (target, when, entry["digest"]) in captures
        else:
            assert record.rec_type == "response"
    assert revisits > 10


def test_replay_of_every_warc_rebuilds_what_the_runs_left(history: tuple[Path, list[CrawlResult]],
                                                          tmp_path: Path) -> None:
    out, runs = history
    assert len(warc_paths(out / "warc")) >= 3
    proc = run_replay(out / "warc", tmp_path, "-O", str(tmp_path / "replayed.jsonl"),
                      settings=into(tmp_path / "replay"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    replayed = read_jsonl(tmp_path / "replayed.jsonl")
    expected = last_records(out, len(runs))
    assert replayed.keys() == expected.keys()
    for url, record in expected.items():
        assert differences(replayed[url], record) == {}, url
    statuses = {r["origin_status"] for r in replayed.values()}
    assert {"ok", "unreachable", "not_attempted"} <= statuses

    # the database the replay wrote (in its own folder) against the live one
    live = export_db(out / "archive.sqlite3", tmp_path / "live.jsonl")
    again = export_db(tmp_path / "replay" / "newsarchive.sqlite3", tmp_path / "again.jsonl")
    assert again.keys() == live.keys() == expected.keys()
    for url, row in live.items():
        assert differences(again[url], row) == {}, url


def test_replay_writes_a_new_data_folder_by_default(history: tuple[Path, list[CrawlResult]],
                                                    tmp_path: Path) -> None:
    out, _ = history
    data_dir = tmp_path / "data"  # the live archive's data folder: its database is the default one
    data_dir.mkdir()
    live = data_dir / "newsarchive.sqlite3"
    live.write_bytes((out / "archive.sqlite3").read_bytes())
    before = live.read_bytes()
    env = {"NEWSARCHIVE_DATA_DIR": str(data_dir)}
    env.pop("NEWSARCHIVE_DATABASE_URL", None)
    proc = run_replay(out / "warc", tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (folder,) = data_dir.glob("replay-*")
    with sqlite3.connect(folder / "newsarchive.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(last_records(out, 3))
    assert list(folder.glob("icma-*.jsonl")) and list((folder / "runs").glob("*.json"))
    assert live.read_bytes() == before


def test_replay_of_a_capped_run_keeps_its_origin_outcomes(mirror: MirrorServer, tmp_path: Path) -> None:
    cap = {"NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN": 3}
    run = run_crawl(mirror, tmp_path / "run", settings=cap)
    assert run.returncode == 0, run.log[-3000:]
    assert run.stats.get("newsarchive/origin/over_domain_cap", 0) > 0
    # without the engine's heartbeat: the records left waiting at the end must not wait for it
    proc = run_replay(tmp_path / "run" / "warc", tmp_path, "-O", str(tmp_path / "replayed.jsonl"),
                      settings={**cap, **into(tmp_path / "replay")}, python=NO_HEARTBEAT, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    replayed = read_jsonl(tmp_path / "replayed.jsonl")
    original = run.by_url()
    assert replayed.keys() == original.keys()
    changed = {url: differences(replayed[url], record) for url, record in original.items()
               if differences(replayed[url], record)}
    assert changed == {}
    unarchived = sum(r["origin_note"] == notes.NOT_IN_ARCHIVE for r in replayed.values())
    assert unarchived > 0
    # the cap's citations are ordinary in a replay: said once, not as a warning
    assert f"INFO: {unarchived} record(s) cite pages the replayed runs never fetched" in proc.stderr
    assert "still waited for their origin" not in proc.stderr


def test_a_replay_that_reads_its_index_in_processes_leaves_none_behind(mirror: MirrorServer, tmp_path: Path) -> None:
    """The index of a two-file archive is read by two forked workers, which must end with the pass:
    they inherit the crawl's SIGTERM handler, and workers left to ``Pool.terminate()`` outlived the
    replay, holding its output pipes open, so that the caller waited forever (a run of this file hung
    on b664e65's code; on that code this test failed in one run of two). Five replays, each with a
    time limit."""
    run = run_crawl(mirror, tmp_path / "run", settings={"NEWSARCHIVE_WARC_MAX_SIZE": 300_000})
    assert run.returncode == 0, run.log[-3000:]
    warc = tmp_path / "run" / "warc"
    assert len(warc_paths(warc)) >= 2
    for k in range(5):
        proc = run_replay(warc, tmp_path, "-L", "DEBUG", timeout=60,
                          settings={**into(tmp_path / f"replay-{k}"), "NEWSARCHIVE_REPLAY_INDEX_PROCESSES": 2})
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "read by 2 forked processes" in proc.stderr
    left = subprocess.run(["pgrep", "-f", str(warc)], capture_output=True, text=True)
    assert left.stdout == ""


def test_replay_into_the_live_database_only_when_asked(history: tuple[Path, list[CrawlResult]],
                                                       tmp_path: Path) -> None:
    out, _ = history
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    live = data_dir / "newsarchive.sqlite3"
    live.write_bytes((out / "archive.sqlite3").read_bytes())
    before = export_db(live, tmp_path / "before.jsonl")
    proc = run_replay(out / "warc", tmp_path, "--into-live-database", "--output-dir", str(tmp_path / "replay"),
                      env={"NEWSARCHIVE_DATA_DIR": str(data_dir)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "'newsarchive/db/unchanged': " in proc.stderr and "'newsarchive/db/new'" not in proc.stderr
    after = export_db(live, tmp_path / "after.jsonl")
    assert after.keys() == before.keys()
    for url, row in before.items():  # the archive's own history, written again: nothing changes
        assert differences(after[url], row) == {}, url
    assert not (tmp_path / "replay" / "newsarchive.sqlite3").exists()
    assert list((tmp_path / "replay" / "runs").glob("*.json"))


def one_pass(path: Path) -> list[tuple[Any, ...]]:
    """The records a replay indexes, read with warcio's own full parse (every record's HTTP headers)."""
    found: list[tuple[Any, ...]] = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            body = record.content_stream().read() if record.rec_type == "metadata" else b""
            offset = records.get_record_offset()
            get = record.rec_headers.get_header
            head = (get("WARC-Target-URI"), get("WARC-Date"), offset, get("WARC-Record-ID"))
            if record.rec_type == "response" and record.http_headers is not None:
                found.append(("response", *head, int(record.http_headers.get_statuscode()),
                              get("WARC-Payload-Digest"), "", "", "", ""))
            elif record.rec_type == "revisit":
                found.append(("revisit", *head, None, get("WARC-Payload-Digest"), get("WARC-Refers-To") or "",
                              get("WARC-Refers-To-Target-URI"), get("WARC-Refers-To-Date"), ""))
            elif record.rec_type == "metadata" and b"fetch-error:" in body:
                error = body.decode().split("fetch-error:", 1)[1].splitlines()[0].strip()
                found.append(("failure", *head, None, "", "", "", "", error))
    return found


def without_path(entry: Any) -> tuple[Any, ...]:
    """An index entry's fields as :func:`one_pass` gives them (its file is the one read)."""
    return (entry.kind, entry.url, entry.date, entry.offset, entry.record_id, entry.status, entry.digest,
            entry.refers_to, entry.refers_to_uri, entry.refers_to_date, entry.error)


def test_the_index_read_in_ranges_by_processes_is_one_pass(history: tuple[Path, list[CrawlResult]],
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every WARC of the runs cut at its .cdxj offsets and read by forked processes gives what warcio's
    full parse of the file gives, and the CDXJ lines cdxj-indexer writes; a .cdxj whose offsets are not
    on records (another file's) is caught and the file read in one pass."""
    from newsarchive.archive import scan

    out, _ = history
    monkeypatch.setattr(scan, "MIN_RANGE_BYTES", 0)  # the runs' files are small: cut them all the same
    files = warc_paths(out / "warc")
    expected = [one_pass(path) for path in files]
    assert {record[0] for records in expected for record in records} == {"response", "revisit", "failure"}
    assert all(len(scan.file_parts(path, 3)) == 3 for path in files)
    scans = scan_in_fresh_process(files, 3, 0, tmp_path)  # forked processes, not this process's one pass
    assert [list(map(without_path, found.records)) for found in scans] == expected
    theirs = subprocess.run([str(CDXJ_INDEXER), *map(str, files)], capture_output=True, text=True, check=True)
    assert sorted(line for found in scans for line in found.lines) == sorted(theirs.stdout.splitlines(keepends=True))

    # the index of another file: its offsets fall inside this one's records
    copies = []
    for k, path in enumerate(files):
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        other = files[(k + 1) % len(files)]
        (tmp_path / (path.name + ".cdxj")).write_bytes((other.parent / (other.name + ".cdxj")).read_bytes())
        copies.append(copy)
    parts = [part for copy in copies for part in scan.file_parts(copy, 3)]
    assert any(not scan.scan_part(part).complete for part in parts)
    again = scan_in_fresh_process(copies, 3, 0, tmp_path)
    assert [list(map(without_path, found.records)) for found in again] == expected
