"""Benchmark of home-page-only matching at archive scale: ``python bench/match.py``.

A home-page-only citation (``Mənbə:https://bakivaxti.az``) is matched by its headline against
every article the source site lists (:func:`newsarchive.origin.match.best_match`). A replay of
the archive matches every such citation of a site against the candidates of all its lists, and
a site's (news) sitemap lists thousands of articles, so the cost per citation must not grow
with the site's list.

For each size in ``--articles`` this builds the offline mirror's bakivaxti.az sitemap children
(news entries: headline and date), takes ``--queries`` of their headlines with their dates, and
prints milliseconds per :func:`best_match` call:

- **pool**: against a :class:`~newsarchive.origin.match.CandidatePool` built once (what the
  origin follower does when a site's lists are read; the build time is printed too);
- **list**: against the plain list (what a single call gets, and every call got before pools):
  every candidate compared, the cost that grows with the list;
- **compared**: candidates a pooled call looks at, on average (those of the days its window
  reaches, and the undated ones).

Times are CPU time of this process, best of :data:`ROUNDS` rounds. Target: pool calls at the
largest size within 2× of the smallest (flat in the list's length). Exit status 1 on a miss.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsarchive.mirror.content import MirrorConfig, MirrorSite  # noqa: E402
from newsarchive.mirror.http import MirrorRequest  # noqa: E402
from newsarchive.mirror.sources import SourceApp  # noqa: E402
from newsarchive.origin.listing import Candidate, parse_sitemap  # noqa: E402
from newsarchive.origin.match import CandidatePool, best_match  # noqa: E402

ROUNDS = 5
#: best_match's default window.
WINDOW = timedelta(days=3)
HOST = "bakivaxti.az"


def sitemap_candidates(articles: int) -> list[Candidate]:
    """Every entry of the mirror's bakivaxti.az sitemap children for a mirror of *articles*."""
    app = SourceApp(MirrorSite(MirrorConfig(articles=articles)), HOST)

    def get(path: str) -> bytes:
        reply = app.handle(MirrorRequest(HOST, path, {}, {}))
        assert reply is not None and reply.status == 200, path
        return reply.payload()

    found, children = parse_sitemap(get("/sitemap.xml"))
    for child in children:
        found += parse_sitemap(get(urlsplit(child).path))[0]
    return found


def per_call(queries: list[tuple[str, datetime]], against: list[Candidate] | CandidatePool) -> float:
    """Best-of-rounds CPU milliseconds per best_match call."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for title, when in queries:
            best_match(title, when, against)
        best = min(best, time.process_time() - started)
    return 1000 * best / len(queries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", default="2500,10000,40000", help="mirror sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="headlines matched per size")
    opts = parser.parse_args(argv)
    sizes = [int(n) for n in opts.articles.split(",")]
    print(f"{'articles':>9} {'candidates':>10} {'compared':>9} {'pool build ms':>13} {'pool ms/call':>12} "
          f"{'list ms/call':>12}")
    pooled: list[float] = []
    for size in sizes:
        candidates = sitemap_candidates(size)
        dated = [c for c in candidates if c.title and c.published]
        picked = random.Random(size).sample(dated, min(opts.queries, len(dated)))
        queries = [(c.title, datetime.fromisoformat(c.published or "")) for c in picked]
        started = time.process_time()
        pool = CandidatePool(candidates)  # keys and dates cached from here on: the build of a warm process
        build = 1000 * (time.process_time() - started)
        compared = sum(len(pool.near(when, WINDOW)) for _, when in queries) / len(queries)
        found = sum(1 for title, when in queries if best_match(title, when, pool)[0] is not None)
        if found != len(queries):
            print(f"{size}: {len(queries) - found} of {len(queries)} headlines found no candidate", file=sys.stderr)
            return 1
        pooled.append(per_call(queries, pool))
        listed = per_call(queries, candidates)
        print(f"{size:>9,} {len(candidates):>10,} {compared:>9,.0f} {build:>13.1f} {pooled[-1]:>12.3f} {listed:>12.3f}")
    growth = pooled[-1] / pooled[0]
    ok = growth <= 2.0
    print(f"pool ms/call, largest / smallest size: {growth:.2f}   target <= 2   {'PASS' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
