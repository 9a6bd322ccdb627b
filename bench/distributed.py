"""Benchmark of distributed mode: ``python bench/distributed.py [--articles 2000] [--repeat 1]``.

Starts the offline mirror and a throwaway ``redis-server``, then crawls the mirror with
``scrapy crawl icma``:

(a) one plain process (Scrapy's own scheduler),
(b) one Redis-backed worker (``NEWSARCHIVE_REDIS_URL`` set),
(c) two Redis-backed workers started together,

each on a fresh frontier and fresh output folders, and prints pages/s: the
``downloader/response_count`` of all processes over the wall time from starting the
first to the exit of the last (interpreter start-up included), and over crawl time
(first ``start_time`` to last ``finish_time`` in the stats). With ``--repeat N`` each
mode runs N times, interleaved, and the median is reported.

Targets (issue 7): a Redis-backed worker ≥ 0.8× the plain process; two workers ≥ 1.6× one
worker on a 2-core machine. Note that the mirror and Redis share those cores.
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
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchive.mirror import MirrorServer, crawl_argv, offline_settings, output_settings  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


@dataclass
class Run:
    mode: str
    responses: int
    items: int
    unique: int
    wall: float
    crawl: float
    shares: list[int]

    @property
    def rate(self) -> float:
        return self.responses / self.wall

    @property
    def crawl_rate(self) -> float:
        return self.responses / self.crawl


def _stats(out: Path) -> dict[str, Any]:
    runs = sorted((out / "runs").glob("*.json"))
    return json.loads(runs[-1].read_text(encoding="utf-8")).get("stats", {}) if runs else {}


def _time(value: Any) -> float:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


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
        procs.append((subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                       stdout=subprocess.DEVNULL, stderr=log), out, log))
    for proc, out, log in procs:
        proc.wait()
        log.close()
        if proc.returncode != 0:
            raise SystemExit(f"{mode}: crawl failed, see {out / 'crawl.log'}")
    wall = time.monotonic() - started
    stats = [_stats(out) for _, out, _ in procs]
    urls = [json.loads(line)["url"] for _, out, _ in procs
            for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    crawl = max(_time(s["finish_time"]) for s in stats) - min(_time(s["start_time"]) for s in stats)
    shares = [int(s.get("item_scraped_count", 0)) for s in stats]
    return Run(mode, sum(int(s.get("downloader/response_count", 0)) for s in stats), len(urls), len(set(urls)),
               wall, crawl, shares)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="mirror size (default 2000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode, median reported (default 1)")
    parser.add_argument("--no-origins", action="store_true", help="crawl with -a follow_origins=0")
    opts = parser.parse_args(argv)
    args = ["-a", "follow_origins=0"] if opts.no_origins else []
    modes = [("plain", 1, False), ("redis x1", 1, True), ("redis x2", 2, True)]
    results: dict[str, list[Run]] = {mode: [] for mode, _, _ in modes}
    print(f"cpus: {os.cpu_count()}, mirror: {opts.articles} articles, "
          f"origins: {'off' if opts.no_origins else 'on'}, repeat: {opts.repeat}")
    with MirrorServer(articles=opts.articles) as mirror, RedisServer() as redis, \
            tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        for n in range(opts.repeat):
            for mode, workers, distributed in modes:
                tag = f"{mode.replace(' ', '')}-{n}"
                r = run(mode, workers, mirror, redis.url if distributed else None, Path(tmp), tag, args)
                results[mode].append(r)
                print(f"  {mode:9} #{n + 1}: {r.responses} responses, {r.items} items ({r.unique} unique), "
                      f"per worker {r.shares}, wall {r.wall:.1f}s = {r.rate:.0f} pages/s, "
                      f"crawl {r.crawl:.1f}s = {r.crawl_rate:.0f} pages/s", flush=True)
                if r.unique != len(mirror.site) or r.items != r.unique:
                    print(f"  !! {mode}: expected {len(mirror.site)} articles exactly once")
    median = {mode: (statistics.median(r.rate for r in runs), statistics.median(r.crawl_rate for r in runs))
              for mode, runs in results.items()}
    print()
    print(f"{'mode':10}{'pages/s (wall)':>16}{'pages/s (crawl)':>17}")
    for mode, (wall, crawl) in median.items():
        print(f"{mode:10}{wall:16.1f}{crawl:17.1f}")
    print()
    for label, num, den, target in (("redis x1 / plain", "redis x1", "plain", 0.8),
                                    ("redis x2 / redis x1", "redis x2", "redis x1", 1.6)):
        wall = median[num][0] / median[den][0]
        crawl = median[num][1] / median[den][1]
        verdict = "ok" if wall >= target else ("ok on crawl time" if crawl >= target else "BELOW")
        print(f"{label:22} {wall:.2f}x wall, {crawl:.2f}x crawl (target >= {target}x): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
