"""What the hundredth scheduled run costs: ``python bench/life.py [--runs 100]``.

The mirror's life mode (``tests/test_life.py``, without its kills): one run per epoch into one
archive, the mirror's clock moved on by an epoch each time (new articles, edits, deletions, cited
sites going down and coming back), with the life test's settings. Every run does about the same
work (the new articles and the re-visits of the young ones) while the archive, its database, WARC
folder and run reports grow. For each block of ten runs it prints the median wall time, CPU time
(the crawl process's user + system), Scrapy's own ``elapsed_time_seconds``, records, requests and
bytes, and the archive's size after the block.

Target: the median CPU time of the last block at most ``TARGET`` × that of runs 11–20 (the first
ten build the site up), and every run exits 0. Exit status 1 when missed. The site grows too (its
sitemaps and the cited sites' lists hold every article so far), so bytes per run grow with it.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the script's own directory (bench/) first on sys.path would shadow packages by its modules' names
# (bench/incremental.py hides the `incremental` package that Twisted imports), as in bench/crawl.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from newsarchive.mirror import MirrorServer  # noqa: E402
from tests.crawl import crawl_command, read_result  # noqa: E402
from tests.test_life import ARTICLES, SETTINGS  # noqa: E402

TARGET = 1.5
BLOCK = 10


def run(epoch: int, out: Path, timeout: float) -> dict[str, Any]:
    with MirrorServer(articles=ARTICLES, epoch=epoch, life=True) as mirror:
        cmd, env, feed = crawl_command(mirror, out, settings=SETTINGS)
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    result = read_result(proc.returncode, proc.stderr, out, feed)
    stats = result.stats
    return {
        "epoch": epoch, "exit": proc.returncode, "wall": wall,
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "elapsed": stats.get("elapsed_time_seconds", 0.0), "items": len(result.items),
        "requests": stats.get("downloader/request_count", 0), "bytes": stats.get("downloader/response_bytes", 0),
        "archive": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()),
        "log": proc.stderr,
    }


def median(block: list[dict[str, Any]], name: str) -> float:
    return float(statistics.median(r[name] for r in block))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="scheduled runs (at least 30)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench" / "life", help="archive (emptied)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run")
    args = parser.parse_args(argv)
    if args.runs < 3 * BLOCK:
        parser.error(f"--runs must be at least {3 * BLOCK}")
    shutil.rmtree(args.out, ignore_errors=True)
    rows = []
    print("| runs | wall s | CPU s | Scrapy elapsed s | records | requests | KB | archive MB | failed runs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for start in range(0, args.runs, BLOCK):
        block = [run(epoch, args.out, args.timeout) for epoch in range(start, min(start + BLOCK, args.runs))]
        rows.append(block)
        for r in block:
            if r["exit"] != 0:
                print(f"run {r['epoch'] + 1} exited {r['exit']}:\n{r['log'][-2000:]}", file=sys.stderr)

        print(f"| {start + 1}–{start + len(block)} | {median(block, 'wall'):.2f} | {median(block, 'cpu'):.2f} "
              f"| {median(block, 'elapsed'):.2f} | {median(block, 'items'):.0f} | {median(block, 'requests'):.0f} "
              f"| {median(block, 'bytes') / 1024:,.0f} | {block[-1]['archive'] / 1e6:.1f} "
              f"| {sum(r['exit'] != 0 for r in block)} |", flush=True)
    ratio = median(rows[-1], "cpu") / median(rows[1], "cpu")
    failed = sum(r["exit"] != 0 for block in rows for r in block)
    print(f"CPU per run, runs {rows[-1][0]['epoch'] + 1}–{args.runs} against runs 11–20: {ratio:.2f}x "
          f"(target <= {TARGET}) {'PASS' if ratio <= TARGET else 'MISS'}; runs that failed: {failed}")
    return 0 if ratio <= TARGET and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
