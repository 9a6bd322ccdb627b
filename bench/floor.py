"""What the libraries alone cost per response of a full crawl: ``python bench/floor.py [--run data/bench/full]``.

Reads the WARC files and JSON lines of a finished crawl (by default the full crawl that
``bench/crawl.py`` leaves in ``data/bench/full``) and times, in this process, only the library
calls a full crawl cannot do without, on exactly those responses and records:

- ``lxml.html`` parsing every HTML response;
- trafilatura's main-text extraction (fast mode, no metadata) of every cited page;
- gzip at the WARC writer's level of every exchange (headers and body);
- ``json.dumps`` of every record (the feed);
- an SQLite insert of every record (the record as JSON, and title and body into an FTS5 table).

It prints CPU ms per response for each and their sum: the floor under ``bench/crawl.py``'s "CPU
ms/response" of the full crawl, above plain Scrapy's. Everything between the floor and the full
crawl's figure is the project's own Python (extraction logic, normalisation, matching, the
pipelines' bookkeeping) and Scrapy's machinery for items. A report, not a target: exit 0.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the script's own directory (bench/) first on sys.path would shadow packages by its modules' names
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from newsarchive.archive.warc import GZIP_LEVEL, warc_paths  # noqa: E402

AGGREGATOR = "icma.az"


def exchanges(folder: Path) -> list[tuple[str, bytes, bytes]]:
    """(URL, HTTP headers, body) of every response record under *folder*."""
    found = []
    for path in warc_paths(folder):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.http_headers is not None:
                    found.append((record.rec_headers.get_header("WARC-Target-URI"),
                                  record.http_headers.to_str().encode(), record.content_stream().read()))
    return found


def cpu_ms(work: Callable[[Any], object], things: Iterable[Any], per: int) -> float:
    started = time.process_time()
    for thing in things:
        work(thing)
    return (time.process_time() - started) * 1000 / per


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, default=ROOT / "data" / "bench" / "full",
                        help="a crawl's output folder (warc/ and items.jsonl); default: bench/crawl.py's full crawl")
    args = parser.parse_args(argv)
    responses = exchanges(args.run / "warc")
    records = [json.loads(line) for line in (args.run / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    if not responses or not records:
        print(f"no responses or records under {args.run}: run bench/crawl.py first", file=sys.stderr)
        return 1
    n = len(responses)
    html = [body for _, _, body in responses if b"<html" in body[:4096].lower()]
    cited = [body.decode("utf-8", "replace") for url, _, body in responses
             if AGGREGATOR not in url and b"<html" in body[:4096].lower()]
    rows: list[tuple[str, int, float]] = [
        ("lxml.html parse, every HTML response", len(html), cpu_ms(lxml.html.fromstring, html, n)),
        ("trafilatura main text (fast), every cited page", len(cited),
         cpu_ms(lambda text: trafilatura.bare_extraction(text, fast=True, with_metadata=False), cited, n)),
        (f"gzip level {GZIP_LEVEL}, every exchange", n,
         cpu_ms(lambda ex: zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16).compress(ex[1] + ex[2]),
                responses, n)),
        ("json.dumps, every record", len(records),
         cpu_ms(lambda record: json.dumps(record, ensure_ascii=False), records, n)),
    ]
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "floor.sqlite3")
        db.execute("CREATE TABLE articles (url TEXT PRIMARY KEY, record TEXT)")
        db.execute("CREATE VIRTUAL TABLE search USING fts5(title, body)")

        def insert(record: dict[str, Any]) -> None:
            db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?)", (record["url"], json.dumps(record)))
            db.execute("INSERT INTO search VALUES (?, ?)", (record.get("title"), record.get("body")))

        started = time.process_time()
        for k, record in enumerate(records):
            insert(record)
            if k % 100 == 99:
                db.commit()
        db.commit()
        rows.append(("SQLite insert + FTS5, every record", len(records), (time.process_time() - started) * 1000 / n))
        db.close()
    print(f"{n:,} responses, {len(records):,} records from {args.run}")
    for what, calls, ms in rows:
        print(f"  {what:<48} {calls:>7,} calls  {ms:6.3f} ms per response")
    print(f"  {'floor (sum)':<48} {'':>13}  {sum(ms for _, _, ms in rows):6.3f} ms per response")
    return 0


if __name__ == "__main__":
    sys.exit(main())
