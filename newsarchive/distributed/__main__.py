"""Inspect or clear a shared frontier: ``python -m newsarchive.distributed {status,flush}``.

``status`` prints the queue length, the dupefilter size and each registered worker (alive or
not, how many requests it holds). ``flush`` deletes the run (queue, dupefilter, registry,
processing sets): do it before a scheduled run that reuses a prefix after a run that did not
finish (or ran with ``SCHEDULER_PERSIST = True``); otherwise its duplicate filter would make the
new run skip every URL the old one saw. It refuses while a worker is alive unless ``--force``.

    python -m newsarchive.distributed status --redis-url redis://host:6379/0 --prefix newsarchive:icma
"""

from __future__ import annotations

import argparse
import sys

from scrapy.settings import Settings

from newsarchive.distributed.connection import redis_from_settings
from newsarchive.distributed.frontier import Frontier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsarchive.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("status", "flush"))
    parser.add_argument("--redis-url", required=True, help="as NEWSARCHIVE_REDIS_URL")
    parser.add_argument("--prefix", default="newsarchive:icma",
                        help="NEWSARCHIVE_REDIS_PREFIX with the spider filled in (default newsarchive:icma)")
    parser.add_argument("--force", action="store_true", help="flush even while workers are alive")
    opts = parser.parse_args(argv)
    server = redis_from_settings(Settings({"NEWSARCHIVE_REDIS_URL": opts.redis_url}))
    frontier = Frontier(server, opts.prefix, worker="(cli)")
    workers = sorted(frontier.workers())
    alive = [w for w in workers if server.exists(f"{opts.prefix}:alive:{w}")]
    if opts.command == "status":
        print(f"{opts.prefix}: {frontier.queued()} queued, {server.scard(frontier.dupefilter_key)} fingerprints seen")
        for w in workers:
            held = server.zcard(f"{opts.prefix}:processing:{w}")
            print(f"  worker {w}: {'alive' if w in alive else 'dead (not yet reclaimed)'}, holds {held} requests")
        return 0
    if alive and not opts.force:
        print(f"refusing to flush {opts.prefix}: workers alive: {', '.join(alive)} (use --force)", file=sys.stderr)
        return 1
    frontier.clear()
    print(f"{opts.prefix}: flushed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
