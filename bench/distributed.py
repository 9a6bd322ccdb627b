"""Benchmark of distributed mode: ``python bench/distributed.py [--articles 2000] [--repeat 1]``.

Starts the offline mirror and a throwaway ``redis-server``, then crawls the mirror with
``scrapy crawl icma``:

(a) one plain process (Scrapy's own scheduler),
(b) one Redis-backed worker (``NEWSARCHIVE_REDIS_URL`` set),
(c) two Redis-backed workers started together,

each on a fresh frontier and fresh output folders. The figure is **unique articles
archived per wall-clock second**: the distinct article URLs of all processes' JSON lines
over the wall time from starting the first process to the exit of the last (interpreter
start-up included). Responses are not counted: robots.txt, start pages and each worker's
own feed fetches are overhead, not throughput. An article archived twice (in two
workers' feeds, or twice in one) or one of the mirror's articles never archived fails the
run.

A discarded warm-up pass (one plain crawl: the mirror's page cache, Python's bytecode
cache, the OS file cache) runs first; with ``--repeat N`` the modes run N times, each
repetition in a rotated order (a b c, b c a, c a b, ...), and the median counts.

Targets (issue 7): a Redis-backed worker ≥ 0.8× the plain process; two workers ≥ 1.6× one
worker, both on wall time (the ratio of unique articles per second). Note that the mirror
and Redis share the machine's cores. Exit status 1 on a miss, a failed crawl or an article
archived twice or lost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the script's own directory (bench/) first on sys.path would shadow packages by its modules' names
# (bench/incremental.py hides the `incremental` package that Twisted imports), as in bench/crawl.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from newsarchive.extensions.report import run_files  # noqa: E402
from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings, output_settings  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


@dataclass
class Run:
    mode: str
    responses: int
    items: int
    unique: int
    wall: float
    shares: list[int]

    @property
    def rate(self) -> float:
        """Unique articles archived per wall-clock second."""
        return self.unique / self.wall

    @property
    def duplicates(self) -> int:
        return self.items - self.unique


def _stats(out: Path) -> dict[str, Any]:
    runs = run_files(out / "runs")
    return json.loads(runs[-1].read_text(encoding="utf-8")).get("stats", {}) if runs else {}


def run(mode: str, workers: int, mirror: MirrorServer, redis_url: str | None, base: Path, tag: str,
        args: list[str]) -> Run:
    procs = []
    started = time.monotonic()
    for i in range(workers):
        out = base / f"{tag}-{i}"
        out.mkdir(parents=True)
        settings: dict[str, Any] = {
            **offline_settings(mirror.url, mirror.site.now),
            **output_settings(out),
            "NEWSARCHIVE_PROGRESS": "off",
            "LOG_LEVEL": "INFO",
        }
        if redis_url:
            settings |= {"NEWSARCHIVE_REDIS_URL": redis_url, "NEWSARCHIVE_REDIS_PREFIX": f"bench:{tag}:%(spider)s"}
        cmd = crawl_argv("icma", settings, "-O", str(out / "items.jsonl"), *args)
        log = (out / "crawl.log").open("w", encoding="utf-8")
        # a session of its own, as separate services would run: with autogroup scheduling each worker
        # then gets its own CPU share instead of splitting one with the benchmark (and the mirror)
        procs.append((subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                       stdout=subprocess.DEVNULL, stderr=log, start_new_session=True), out, log))
    try:
        for proc, _, _ in procs:
            proc.wait()
    finally:
        for proc, _, log in procs:  # interrupted: the workers are not in our session, so stop them here
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    for proc, out, _ in procs:
        if proc.returncode != 0:
            raise SystemExit(f"{mode}: crawl failed, see {out / 'crawl.log'}")
    wall = time.monotonic() - started
    stats = [_stats(out) for _, out, _ in procs]
    urls = [json.loads(line)["url"] for _, out, _ in procs
            for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    shares = [int(s.get("item_scraped_count", 0)) for s in stats]
    return Run(mode, sum(int(s.get("downloader/response_count", 0)) for s in stats), len(urls), len(set(urls)),
               wall, shares)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="mirror size (default 2000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode, median reported (default 1)")
    parser.add_argument("--no-origins", action="store_true", help="crawl with -a follow_origins=0")
    opts = parser.parse_args(argv)
    args = ["-a", "follow_origins=0"] if opts.no_origins else []
    modes = [("plain", 1, False), ("redis x1", 1, True), ("redis x2", 2, True)]
    results: dict[str, list[Run]] = {mode: [] for mode, _, _ in modes}
    failures: list[str] = []
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"mirror: {opts.articles} articles, origins: {'off' if opts.no_origins else 'on'}, repeat: {opts.repeat}")
    with MirrorServer(articles=opts.articles) as mirror, RedisServer() as redis, \
            tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        expected = len(mirror.site)
        warm = run("plain", 1, mirror, None, Path(tmp), "warmup", args)
        print(f"  warm-up (discarded): {warm.unique} articles, wall {warm.wall:.1f}s", flush=True)
        for n in range(opts.repeat):
            shift = n % len(modes)
            for mode, workers, distributed in modes[shift:] + modes[:shift]:
                tag = f"{mode.replace(' ', '')}-{n}"
                r = run(mode, workers, mirror, redis.url if distributed else None, Path(tmp), tag, args)
                results[mode].append(r)
                print(f"  {mode:9} #{n + 1}: {r.unique} unique articles ({r.items} records, per worker {r.shares}; "
                      f"{r.responses} responses), wall {r.wall:.1f}s = {r.rate:.1f} articles/s", flush=True)
                if r.duplicates:
                    failures.append(f"{mode} #{n + 1}: {r.duplicates} article(s) archived twice")
                if r.unique < expected:
                    failures.append(f"{mode} #{n + 1}: {expected - r.unique} of {expected} article(s) lost")
    median = {mode: statistics.median(r.rate for r in runs) for mode, runs in results.items()}
    walls = {mode: statistics.median(r.wall for r in runs) for mode, runs in results.items()}
    print()
    print(f"{'mode':10}{'articles/s':>12}{'wall s':>9}")
    for mode, rate in median.items():
        print(f"{mode:10}{rate:12.1f}{walls[mode]:9.1f}")
    print()
    for label, num, den, target in (("redis x1 / plain", "redis x1", "plain", 0.8),
                                    ("redis x2 / redis x1", "redis x2", "redis x1", 1.6)):
        ratio = median[num] / median[den]
        verdict = "ok" if ratio >= target else "MISSED"
        if ratio < target:
            failures.append(f"{label}: {ratio:.2f}x < {target}x")
        print(f"{label:22} {ratio:.2f}x articles/s on wall time (target >= {target}x): {verdict}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
