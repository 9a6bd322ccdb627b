"""Crawl throughput and memory benchmark: ``python bench/crawl.py [--articles 10000]``.

One run, one offline mirror (:class:`newsarchive.mirror.MirrorServer`), three measurements:

0. **mirror alone**: a concurrent keep-alive HTTP client (no Scrapy) fetching the URL list
   of (b), to show the mirror is not what limits (a) and (b);
b. **full**: ``scrapy crawl icma`` with the project settings plus
   :func:`newsarchive.mirror.offline_settings` (extraction, origin following, normalisation,
   JSON lines feed, WARC, SQLite archive, incremental state, run report);
a. **plain**: a minimal Scrapy spider (no extraction, no item pipelines, no WARC, no
   retries, no redirects, no robots.txt parsing) fetching *exactly the responses (b)
   received*: every response record of (b)'s WARC (retried and redirected hops included),
   through the same download handler (host map), with the same concurrency settings
   (``CONCURRENT_REQUESTS*`` and ``CONCURRENT_ITEMS``).

Both crawls run twice: a discarded warm-up pass (b then a: the mirror's caches, the OS page cache,
Python's bytecode caches) and the measured pass in the other order (a then b), so neither side
gains from going second. (a) fetches the responses of the warm-up (b); the mirror is
deterministic, so the measured (b) receives the same ones (both counts are printed).

Pages/s is ``downloader/response_count / elapsed_time_seconds`` of each crawl process; CPU ms per
response is the crawl process's user + system CPU time (``getrusage``; not its extraction worker
processes, which exit after the last sample) per response from the first sample (250 responses:
start-up excluded) to the end: the figure that load from other jobs on the machine changes least.
Memory is sampled inside each crawl process by :class:`RssProbe` (an extension enabled
only here): ``VmRSS`` every 250 responses, and ``VmHWM`` (peak) at the end.

Targets (issue 8): b/a ≥ 0.5; RSS after 10,000 responses ≤ 1.2 × RSS after 2,000.
Exit status 1 when a target is missed (or a crawl failed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# the script's own directory (bench/) first on sys.path would shadow packages by its modules' names
# (bench/incremental.py hides the `incremental` package that Twisted imports)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROBE = "bench.crawl.RssProbe"
PROBE_EVERY = 250
RATIO_TARGET = 0.5
RSS_GROWTH_TARGET = 1.2


# -- memory probe (runs inside the crawl processes) ----------------------------------------
def proc_status_kb(field_name: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``); 0 where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children that have exited."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class RssProbe:
    """Write ``{"responses", "rss_kb", "t"}`` lines every ``BENCH_PROBE_EVERY`` downloaded responses.

    Enabled only by this benchmark (``-s EXTENSIONS=...``); the file is ``BENCH_PROBE_FILE``.
    The last line (``"final": true``) adds the peak RSS (``VmHWM``) and the crawl's
    ``downloader/response_count`` and ``elapsed_time_seconds``.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("BENCH_PROBE_FILE")
        self.every = crawler.settings.getint("BENCH_PROBE_EVERY", PROBE_EVERY)
        self.count = 0
        self.start = time.monotonic()
        self.fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed on spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RssProbe:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.get("BENCH_PROBE_FILE"):
            raise NotConfigured
        probe = cls(crawler)
        crawler.signals.connect(probe.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(probe.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        return probe

    def _line(self, **extra: Any) -> None:
        row = {"responses": self.count, "rss_kb": proc_status_kb("VmRSS"),
               "t": round(time.monotonic() - self.start, 3), "cpu": round(cpu_seconds(), 3), **extra}
        self.fh.write(json.dumps(row) + "\n")
        self.fh.flush()

    def spider_opened(self, spider: Any) -> None:
        self.start = time.monotonic()
        self._line()

    def response_downloaded(self, response: Any, request: Any, spider: Any) -> None:
        self.count += 1
        if self.count % self.every == 0:
            self._line()

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        elapsed = stats.get("elapsed_time_seconds") or (time.monotonic() - self.start)
        self._line(final=True, peak_rss_kb=proc_status_kb("VmHWM"), reason=reason,
                   response_count=stats.get("downloader/response_count", 0), elapsed=elapsed,
                   items=stats.get("item_scraped_count", 0), cpu_s=cpu_seconds())
        self.fh.close()


# -- the plain spider (mode a) ---------------------------------------------------------------
def plain_settings(offline: dict[str, Any], probe_file: Path, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Plain Scrapy: the project's download handler and concurrency, nothing of the project's processing.

    Concurrency includes ``CONCURRENT_ITEMS`` (the project's, or the full crawl's ``-s`` value): the
    number of asyncio tasks Scrapy starts per callback, a cost of plain Scrapy too.
    """
    from newsarchive import settings as project

    return {
        **offline,
        "CONCURRENT_ITEMS": int((extra or {}).get("CONCURRENT_ITEMS", project.CONCURRENT_ITEMS)),
        "USER_AGENT": project.USER_AGENT,
        "DOWNLOAD_HANDLERS": project.DOWNLOAD_HANDLERS,  # the host map: how the mirror is reached
        "DOWNLOAD_TIMEOUT": project.DOWNLOAD_TIMEOUT,
        "DOWNLOAD_MAXSIZE": project.DOWNLOAD_MAXSIZE,
        "ROBOTSTXT_OBEY": False,  # robots.txt responses are in the URL list like any other
        "RETRY_ENABLED": False,  # every retried attempt of (b) is its own entry in the list
        "REDIRECT_ENABLED": False,  # every redirect hop of (b) is its own entry in the list
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 30.0,
        "EXTENSIONS": {PROBE: 1000},
        "BENCH_PROBE_FILE": str(probe_file),
    }


def run_plain_worker(urls_file: Path, settings_file: Path) -> int:
    """``python bench/crawl.py _plain URLS SETTINGS``: crawl a URL list without processing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = urls_file.read_text(encoding="utf-8").split()

    class PlainSpider(scrapy.Spider):
        name = "plain"

        async def start(self) -> AsyncIterator[scrapy.Request]:
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response: Any) -> Iterator[Any]:
            return iter(())

    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(PlainSpider)
    process.start()
    return 0


# -- measurements -------------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    responses: int = 0
    elapsed: float = 0.0
    peak_rss_kb: int = 0
    items: int = 0
    cpu_s: float = 0.0
    returncode: int = 0
    samples: list[tuple[int, int, float, float]] = field(default_factory=list)  # responses, rss_kb, seconds, CPU s

    @property
    def pages_per_s(self) -> float:
        return self.responses / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms_per_response(self) -> float:
        """From the first sample after the start (imports, the first pages) to the end: the steady state."""
        if len(self.samples) >= 2 and self.responses > self.samples[1][0]:
            count, cpu = self.samples[1][0], self.samples[1][3]
            return 1000 * (self.cpu_s - cpu) / (self.responses - count)
        return 1000 * self.cpu_s / self.responses if self.responses else 0.0

    def rss_at(self, responses: int) -> int | None:
        """RSS (kB) at the first sample taken at or after *responses* responses."""
        for count, rss, _, _ in self.samples:
            if count >= responses:
                return rss
        return None

    def rate_between(self, low: int, high: int) -> float | None:
        """Responses/s between the samples at *low* and *high* responses (steady state, no start-up)."""
        at = {count: t for count, _, t, _ in self.samples}
        if low in at and high in at and at[high] > at[low]:
            return (high - low) / (at[high] - at[low])
        return None


def read_probe(name: str, path: Path, returncode: int) -> Run:
    run = Run(name, returncode=returncode)
    if not path.exists():
        return run
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("final"):
            run.responses = int(row["response_count"])
            run.elapsed = float(row["elapsed"])
            run.peak_rss_kb = int(row["peak_rss_kb"])
            run.items = int(row.get("items") or 0)
            run.cpu_s = float(row.get("cpu_s") or 0.0)
        else:
            run.samples.append((int(row["responses"]), int(row["rss_kb"]), float(row["t"]), float(row.get("cpu") or 0)))
    return run


def run_full(mirror: Any, out: Path, timeout: float, extra: dict[str, str] | None = None) -> Run:
    from newsarchive import settings as project
    from tests.crawl import crawl_command

    probe = out / "probe.jsonl"
    extensions = {**project.EXTENSIONS, PROBE: 1000}
    cmd, env, _feed = crawl_command(mirror, out, settings={
        "EXTENSIONS": json.dumps(extensions), "BENCH_PROBE_FILE": str(probe),
        "LOGSTATS_INTERVAL": 30.0, **(extra or {}),
    })
    with open(out / "crawl.log", "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    return read_probe("b full", probe, proc.returncode)


def warc_urls(warc_dir: Path) -> list[str]:
    """Target URI of every response record of the WARC files (from their CDXJ indexes), in capture order."""
    rows: list[tuple[str, int, str]] = []
    for index in sorted(warc_dir.glob("*.cdxj")):
        for line in index.read_text(encoding="utf-8").splitlines():
            _key, stamp, data = line.split(" ", 2)
            meta = json.loads(data)
            rows.append((stamp + meta["filename"], int(meta["offset"]), meta["url"]))
    rows.sort()
    return [url for _, _, url in rows]


def run_plain(mirror: Any, out: Path, urls: list[str], timeout: float, extra: dict[str, str] | None = None) -> Run:
    from newsarchive.mirror import offline_settings

    out.mkdir(parents=True, exist_ok=True)
    probe = out / "probe.jsonl"
    (out / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    settings = plain_settings(offline_settings(mirror.url, mirror.site.now), probe, extra)
    (out / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    cmd = [sys.executable, str(Path(__file__).resolve()), "_plain", str(out / "urls.txt"), str(out / "settings.json")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    with open(out / "crawl.log", "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    return read_probe("a plain", probe, proc.returncode)


def mirror_alone(base_url: str, urls: list[str], host_map: dict[str, str], connections: int = 16) -> float:
    """Responses/s of the mirror to a keep-alive client with *connections* threads (no Scrapy)."""
    netloc = urlsplit(base_url).netloc
    work: queue.Queue[str] = queue.Queue()
    for url in urls:
        if urlsplit(url).hostname and (urlsplit(url).hostname or "").removeprefix("www.") in host_map:
            work.put(url)
    total = work.qsize()

    def worker() -> None:
        conn = http.client.HTTPConnection(netloc, timeout=30)
        while True:
            try:
                url = work.get_nowait()
            except queue.Empty:
                break
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            try:
                conn.request("GET", path or "/", headers={"Host": parts.netloc})
                resp = conn.getresponse()
                resp.read()
                if resp.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(netloc, timeout=30)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(netloc, timeout=30)
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start)


# -- report ---------------------------------------------------------------------------------------
def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(full: Run, plain: Run, mirror_rate: float | None, marks: tuple[int, int]) -> bool:
    low, high = marks
    ratio = full.pages_per_s / plain.pages_per_s if plain.pages_per_s else 0.0
    rss_low, rss_high = full.rss_at(low), full.rss_at(high)
    growth = rss_high / rss_low if rss_low and rss_high else None
    mb = 1024.0

    def rss(value: int | None) -> str:
        return f"{value / mb:.0f} MB" if value else "n/a"

    rows = [
        ("", "responses", "items", "elapsed s", "pages/s", "CPU ms/resp", "peak RSS", f"RSS@{low:,}", f"RSS@{high:,}"),
    ]
    for run in (plain, full):
        rows.append((run.name, f"{run.responses:,}", f"{run.items:,}", f"{run.elapsed:.1f}",
                     f"{run.pages_per_s:.1f}", f"{run.cpu_ms_per_response:.2f}",
                     rss(run.peak_rss_kb), rss(run.rss_at(low)), rss(run.rss_at(high))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    print()
    if mirror_rate is not None:
        print(f"mirror alone (16 keep-alive connections, same URLs): {mirror_rate:.0f} pages/s")
    early, late = full.rate_between(0, low), full.rate_between(high - low, high)
    if plain.cpu_ms_per_response:
        print(f"CPU per response: full {full.cpu_ms_per_response:.2f} ms, plain {plain.cpu_ms_per_response:.2f} ms "
              f"(ratio {plain.cpu_ms_per_response / full.cpu_ms_per_response:.2f})")
    if early and late:
        print(f"full crawl pages/s over responses 0-{low:,}: {early:.1f}; {high - low:,}-{high:,}: {late:.1f} "
              "(per-item work that grew with the archive would show as a drop)")
    ratio_ok = ratio >= RATIO_TARGET
    growth_ok = growth is not None and growth <= RSS_GROWTH_TARGET
    print(f"throughput ratio b/a = {ratio:.2f}   target >= {RATIO_TARGET}   {mark(ratio_ok)}")
    shown = f"{growth:.2f}" if growth is not None else "n/a (crawl too small)"
    print(f"RSS growth {high:,}/{low:,} responses = {shown}   target <= {RSS_GROWTH_TARGET}   {mark(growth_ok)}")
    crawls_ok = full.returncode == 0 and plain.returncode == 0
    if not crawls_ok:
        print(f"crawl exit status: full {full.returncode}, plain {plain.returncode}   MISS")
    return ratio_ok and growth_ok and crawls_ok


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_plain"]:
        return run_plain_worker(Path(argv[1]), Path(argv[2]))
    parser = argparse.ArgumentParser(prog="python bench/crawl.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000, help="aggregator articles in the mirror")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench", help="output directory (emptied)")
    parser.add_argument("--marks", default="2000,10000", help="response counts to compare RSS at")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per crawl")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the full crawl (b), e.g. NEWSARCHIVE_EXTRACT_WORKERS=1")
    parser.add_argument("--no-mirror-check", action="store_true", help="skip the mirror-alone measurement")
    args = parser.parse_args(argv)
    low, high = (int(x) for x in args.marks.split(","))
    extra = dict(item.split("=", 1) for item in args.set)

    from newsarchive.mirror import MirrorServer

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    with MirrorServer(articles=args.articles) as mirror:
        print(f"mirror: {args.articles:,} articles at {mirror.url}", flush=True)
        print("warm-up (discarded): b) full crawl ...", flush=True)
        warm = run_full(mirror, args.out / "warmup-full", args.timeout, extra)
        urls = warc_urls(args.out / "warmup-full" / "warc")
        print(f"   {warm.responses:,} responses in {warm.elapsed:.1f} s, {warm.items:,} items", flush=True)
        print(f"warm-up (discarded): a) plain Scrapy, the same {len(urls):,} responses ...", flush=True)
        warm_plain = run_plain(mirror, args.out / "warmup-plain", urls, args.timeout, extra)
        print(f"   {warm_plain.responses:,} responses in {warm_plain.elapsed:.1f} s", flush=True)
        print(f"a) plain Scrapy, the same {len(urls):,} responses ...", flush=True)
        plain = run_plain(mirror, args.out / "plain", urls, args.timeout, extra)
        print(f"   {plain.responses:,} responses in {plain.elapsed:.1f} s", flush=True)
        print("b) full crawl ...", flush=True)
        full = run_full(mirror, args.out / "full", args.timeout, extra)
        print(f"   {full.responses:,} responses in {full.elapsed:.1f} s, {full.items:,} items", flush=True)
        mirror_rate = None
        if not args.no_mirror_check:
            mirror_rate = mirror_alone(mirror.url, urls, mirror.host_map)
    ok = report(full, plain, mirror_rate, (low, high))
    print(f"\noutputs and logs: {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
