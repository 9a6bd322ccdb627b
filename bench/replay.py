"""Parallel re-extraction benchmark: ``python bench/replay.py [--articles 10000] [--workers 2]``.

Builds an archive once: ``scrapy crawl icma`` of the offline mirror with *--articles*
aggregator articles (kept in ``--archive``, default ``data/bench-replay/archive-<articles>``,
and reused by later runs; ``bench/crawl.py`` empties ``data/bench``, so it lives apart).
Then replays its WARC files with ``scrapy replay`` in one process and with
``scrapy replay --workers N``, each into a fresh output folder (its own SQLite database
and JSON lines), after one discarded warm-up replay (``--warmup 0`` to skip it) that
also brings the WARC files into the page cache; with ``--repeat R`` the two modes run
R times each in alternating order (1, N, N, 1, ...) and the best wall time counts.

pages/s is the same numerator for both modes, the responses a single replay processes
(its ``downloader/response_count``: lists, articles, cited pages), over each mode's wall
time from starting the command to its exit (interpreter start-up and the WARC index
included); the ratio is therefore the wall-time ratio. CPU seconds (user + system) are
measured for each mode as a whole (``getrusage`` of the reaped command and its workers)
and, for the sharded mode, per worker (``<output-dir>/workers/workers.json``): on a
shared machine the wall ratio is noisy, the CPU sum shows the sharding's own cost. A
sharded replay must give the single replay's records: the benchmark checks that both
feeds hold the same records (every field), each once.

Target (issue 15): N=2 workers ≥ 1.7× one worker on 2 cores. Exit status 1 on a miss,
a failed replay or differing records.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 1.7
START_URLS = json.dumps(["https://icma.az/", "https://icma.az/sitemap.xml"])


def build_archive(articles: int, folder: Path, timeout: float) -> dict[str, Any]:
    """Crawl the mirror into *folder* once; ``built.json`` marks a complete archive."""
    marker = folder / "built.json"
    if marker.exists():
        return dict(json.loads(marker.read_text(encoding="utf-8")))
    from newsarchive.mirror import MirrorServer
    from tests.crawl import crawl_command

    if folder.exists():
        shutil.rmtree(folder)
    with MirrorServer(articles=articles) as mirror:
        cmd, env, feed = crawl_command(mirror, folder, settings={"LOGSTATS_INTERVAL": 30.0})
        started = time.monotonic()
        with open(folder / "crawl.log", "w", encoding="utf-8") as log:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"the archive crawl failed (exit {proc.returncode}); see {folder / 'crawl.log'}")
    items = sum(1 for line in feed.read_text(encoding="utf-8").splitlines() if line.strip())
    built = {"articles": articles, "items": items, "crawl_seconds": round(time.monotonic() - started, 1)}
    marker.write_text(json.dumps(built), encoding="utf-8")
    return built


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def replay(warc: Path, out: Path, workers: int, timeout: float
           ) -> tuple[float, float, dict[str, Any], list[dict[str, Any]]]:
    """One replay into a fresh *out*: wall and CPU seconds, the stats of its run report(s), the feed's records."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    feed = out / "items.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "replay", str(warc), "--output-dir", str(out), "-O", str(feed),
           "-s", f"NEWSARCHIVE_START_URLS={START_URLS}", "-s", "NEWSARCHIVE_PROGRESS=off",
           "-s", "LOG_LEVEL=INFO"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu = children_cpu()
    started = time.monotonic()
    with open(out / "replay.log", "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    wall = time.monotonic() - started
    cpu = children_cpu() - cpu  # the command and every worker it reaped
    if proc.returncode != 0:
        raise SystemExit(f"replay with {workers} worker(s) failed (exit {proc.returncode}); see {out / 'replay.log'}")
    stats: dict[str, Any] = {}
    for report in sorted((out / "runs").rglob("*.json")):
        for name, value in json.loads(report.read_text(encoding="utf-8")).get("stats", {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                stats[name] = stats.get(name, 0) + value
    records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
    return wall, cpu, stats, records


def worker_cpu(out: Path) -> str:
    """The sharded replay's CPU seconds (the parent's, each worker's), when each worker ended and how long
    the merge took (``workers.json``): its fixed costs beside the work."""
    path = out / "workers" / "workers.json"
    if not path.exists():
        return ""
    report = json.loads(path.read_text(encoding="utf-8"))
    each = [w["cpu_seconds"] for w in report["workers"]]
    done = " / ".join(f"{w['wall_seconds']:.1f}" for w in report["workers"])
    return (f"parent {report['parent_cpu_seconds']:.1f} CPU s (ready after {report['prepare_seconds']:.1f} s), "
            f"workers {' + '.join(f'{c:.1f}' for c in each)} = {sum(each):.1f} CPU s (done after {done} s), "
            f"merge {report['merge_seconds']:.2f} s")


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "load average unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/replay.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000, help="aggregator articles in the mirror")
    parser.add_argument("--workers", type=int, default=2, help="processes of the sharded replay")
    parser.add_argument("--archive", type=Path, help="archive folder (built once, then reused)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench-replay" / "runs",
                        help="replay outputs (emptied)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded single replays first")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode, alternating")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per crawl or replay")
    args = parser.parse_args(argv)
    archive = args.archive or ROOT / "data" / "bench-replay" / f"archive-{args.articles}"

    print(f"archive: {archive} ({load()})", flush=True)
    built = build_archive(args.articles, archive, args.timeout)
    print(f"   {built['items']:,} records from a {built['articles']:,}-article mirror "
          f"(crawled in {built['crawl_seconds']} s)", flush=True)
    warc = archive / "warc"
    for n in range(args.warmup):
        print(f"warm-up replay {n + 1} (discarded) ...", flush=True)
        replay(warc, args.out / "warmup", 1, args.timeout)
    walls: dict[int, list[float]] = {1: [], args.workers: []}
    cpus: dict[int, list[float]] = {1: [], args.workers: []}
    feeds: dict[int, list[dict[str, Any]]] = {}
    pages = 0
    for r in range(args.repeat):
        order = (1, args.workers) if r % 2 == 0 else (args.workers, 1)
        for workers in order:
            print(f"replay, {workers} worker(s) ({load()}) ...", flush=True)
            out = args.out / f"w{workers}-{r}"
            wall, cpu, stats, records = replay(warc, out, workers, args.timeout)
            walls[workers].append(wall)
            cpus[workers].append(cpu)
            feeds[workers] = records
            if workers == 1:
                pages = int(stats.get("downloader/response_count", 0))
            print(f"   {wall:.1f} s wall, {cpu:.1f} CPU s, {len(records):,} records, "
                  f"{stats.get('downloader/response_count', 0):,} responses over all processes", flush=True)
            if workers > 1:
                print(f"   {worker_cpu(out)}", flush=True)
    ok = True
    single = {r["url"]: r for r in feeds[1]}
    sharded = {r["url"]: r for r in feeds[args.workers]}
    if len(feeds[args.workers]) != len(sharded) or sharded.keys() != single.keys():
        print(f"FAIL: the sharded feed differs: {len(feeds[args.workers]):,} lines, {len(sharded):,} URLs, "
              f"{len(single.keys() - sharded.keys()):,} missing, {len(sharded.keys() - single.keys()):,} extra")
        ok = False
    elif sharded != single:
        changed = sorted(url for url in single if sharded[url] != single[url])
        print(f"FAIL: {len(changed):,} records differ from the single replay's, e.g. {changed[0]}")
        ok = False
    best = {workers: min(range(len(walls[workers])), key=walls[workers].__getitem__) for workers in walls}
    one, many = walls[1][best[1]], walls[args.workers][best[args.workers]]
    ratio = one / many
    print(f"\n{pages:,} pages (the single replay's responses), {len(single):,} records; {load()}")
    print(f"{'workers':>8} {'wall s':>8} {'pages/s':>8} {'CPU s':>8}")
    for workers, wall in ((1, one), (args.workers, many)):
        print(f"{workers:>8} {wall:>8.1f} {pages / wall:>8.1f} {cpus[workers][best[workers]]:>8.1f}")
    overhead = min(cpus[args.workers]) / min(cpus[1]) - 1
    print(f"CPU of {args.workers} workers vs 1 (least of each): {overhead:+.0%}")
    hit = ratio >= TARGET
    print(f"ratio {args.workers} workers / 1: {ratio:.2f}x (target >= {TARGET}x) {'ok' if hit else 'MISSED'}")
    return 0 if ok and hit else 1


if __name__ == "__main__":
    sys.exit(main())
