"""``make demo``: crawl the bundled offline mirror end to end and say what came out.

Starts the mirror (``python -m newsarchive.mirror``) on a free port, runs
``scrapy crawl icma`` against it through ``NEWSARCHIVE_HOST_MAP`` exactly as a
scheduled run would, then prints where the outputs are and a short summary.
Nothing touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from newsarchive.extensions.report import run_files
from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings, output_settings

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsarchive.demo", description=__doc__)
    parser.add_argument("--articles", type=int, default=200, help="size of the mirror (default 200)")
    parser.add_argument("--out", default="data/demo", help="output folder (default data/demo)")
    args = parser.parse_args(argv)
    out = (ROOT / args.out).resolve()
    if out.exists() and (ROOT / "data") in out.parents:
        shutil.rmtree(out)  # the demo always starts from an empty archive
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    feed = out / f"icma-{stamp}.jsonl"
    with MirrorServer(articles=args.articles) as mirror:
        print(f"mirror: {args.articles} articles at {mirror.url}, serving {', '.join(mirror.host_map)}")
        settings = {**offline_settings(mirror.url, mirror.site.now),
                    **output_settings(out, database="newsarchive.sqlite3")}
        cmd = crawl_argv("icma", settings, "-O", str(feed))
        print("crawl:", " ".join(cmd[1:4]), "... (log in", out / "crawl.log", ")")
        with (out / "crawl.log").open("w", encoding="utf-8") as log:
            code = subprocess.call(cmd, cwd=ROOT, stderr=log, env={**os.environ, "PYTHONPATH": str(ROOT)})
    summarise(feed, out)
    print(f"exit status of the crawl: {code}")
    return code


def summarise(feed: Path, out: Path) -> None:
    records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()] if feed.exists() else []
    print()
    print(f"records: {len(records)} in {feed}")
    print("  by kind/lang:", dict(Counter(f"{r['kind']}/{r['lang']}" for r in records)))
    print("  origin_status:", dict(Counter(r["origin_status"] for r in records)))
    warc = out / "warc"
    if warc.exists():  # each WARC file has a .cdxj index beside it: count them apart
        print(f"WARC files: {warc} ({len(list(warc.glob('*.warc.gz')))} files, "
              f"{len(list(warc.glob('*.cdxj')))} .cdxj indexes)")
    db = out / "newsarchive.sqlite3"
    if db.exists():
        print(f"database: {db}")
    runs = run_files(out / "runs")
    if runs:
        report = json.loads(runs[-1].read_text(encoding="utf-8"))
        print(f"run report: {runs[-1]} (ok={report['ok']})")
        for key, value in report["summary"].items():
            print(f"  {key}: {value}")
    if records:
        sample = next((r for r in records if r["origin_status"] == "ok"), records[0])
        print("\nfirst record:")
        for key in ("url", "title", "source_name", "source_url", "published_at", "views", "origin_status",
                    "origin_url", "origin_similarity", "content_hash"):
            print(f"  {key}: {sample.get(key)}")


if __name__ == "__main__":
    sys.exit(main())
