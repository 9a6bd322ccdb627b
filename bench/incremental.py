"""What a quiet scheduled run costs: ``python bench/incremental.py [--articles 2000,20000]``.

For each archive size N: one offline mirror of N articles, a first crawl that builds the archive
(``-a follow_origins=0``: the cited sites do not matter here), then a **quiet run**: the same
command 30 minutes later on the mirror's clock (``NEWSARCHIVE_REFERENCE_TIME``), with nothing new
on the site. It prints the quiet run's requests and bytes (``downloader/request_count``,
``downloader/response_bytes``) and how many of them were sitemaps, and the ratio of the largest
archive to the smallest.

Target (issue 15): the quiet run's requests and bytes grow at most 1.2× from the smallest archive
to the largest. Exit status 1 when missed (or a crawl failed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 1.2
QUIET_AFTER = timedelta(minutes=30)  # a half-hourly schedule


def measure(articles: int, out: Path, timeout: float) -> dict[str, Any]:
    from newsarchive.mirror import MirrorServer
    from tests.crawl import run_crawl

    shutil.rmtree(out, ignore_errors=True)
    with MirrorServer(articles=articles) as mirror:
        started = time.monotonic()
        first = run_crawl(mirror, out, "-a", "follow_origins=0", timeout=timeout)
        build = time.monotonic() - started
        if first.returncode != 0:
            raise SystemExit(f"first crawl of {articles} articles failed:\n{first.log[-3000:]}")
        later = (mirror.site.now + QUIET_AFTER).isoformat()
        quiet = run_crawl(mirror, out, "-a", "follow_origins=0", timeout=timeout,
                          settings={"NEWSARCHIVE_REFERENCE_TIME": later})
    if quiet.returncode not in (0, 1):  # 1: no new items fails the min-items monitor, expected here
        raise SystemExit(f"quiet run at {articles} articles failed:\n{quiet.log[-3000:]}")
    stats = quiet.stats
    return {
        "articles": articles, "archived": len(first.items), "build_s": build, "new": len(quiet.items),
        "requests": stats.get("downloader/request_count", 0), "bytes": stats.get("downloader/response_bytes", 0),
        "not_modified": stats.get("downloader/response_status_count/304", 0),
        "sitemap_requests": stats.get("newsarchive/sitemap/requests", 0),
        "sitemap_skipped": stats.get("newsarchive/sitemap/skipped_unchanged", 0),
        "full_sweep": stats.get("newsarchive/sitemap/full_sweep", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", default="2000,20000", help="comma-separated archive sizes")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench" / "incremental")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per crawl")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.articles.split(","))
    rows = []
    for n in sizes:
        row = measure(n, args.out / str(n), args.timeout)
        rows.append(row)
        print(f"built {row['archived']:,} articles in {row['build_s']:.0f} s; quiet run: {row['requests']} requests,"
              f" {row['bytes']:,} bytes", flush=True)
    print("\n| archived articles | quiet run: requests | bytes | 304 answers | sitemap requests "
          "| sitemaps skipped (lastmod) | new items |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['archived']:,} | {r['requests']} | {r['bytes'] / 1024:,.1f} KB | {r['not_modified']} "
              f"| {r['sitemap_requests']} | {r['sitemap_skipped']} | {r['new']} |")
    small, large = rows[0], rows[-1]
    ok = all(r["archived"] == r["articles"] for r in rows)
    for name in ("requests", "bytes"):
        ratio = large[name] / small[name] if small[name] else float("inf")
        hit = ratio <= TARGET
        ok = ok and hit
        print(f"{name}: {large['archived']:,} vs {small['archived']:,} archived = {ratio:.2f}x "
              f"(target <= {TARGET}) {'PASS' if hit else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
