"""``python -m newsarchive.mirror``: serve the mirror until interrupted.

Prints the base URL on the first line, the matching ``NEWSARCHIVE_HOST_MAP`` (JSON)
on the second and, on the third, a ``scrapy crawl`` command for it, then serves. The
command carries the mirror's clock (``NEWSARCHIVE_REFERENCE_TIME``): without it the
articles of the mirror's timeline look old to a second run, which then re-visits none,
so an edit (``--epoch 1``) never became a revision.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.mirror.server import FaultRule, host_map, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsarchive.mirror", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--articles", type=int, default=60, help="number of aggregator articles")
    parser.add_argument("--seed", type=int, default=2025, help="content seed")
    parser.add_argument("--epoch", type=int, default=0, help="later epochs add and edit articles")
    parser.add_argument("--sitemap-size", type=int, default=1000, help="URLs per child of the sitemap index")
    parser.add_argument("--life", action="store_true",
                        help="life mode: edits accumulate, articles get deleted, cited sites go down (soak tests)")
    parser.add_argument("--markup", type=int, default=0, help="1: the article pages' redesign (layout drift)")
    parser.add_argument("--variants", action="store_true",
                        help="some originals cited by several articles under other URLs (utm, http, www., slug)")
    parser.add_argument("--faults", default="{}", help='JSON: {"/path-prefix": {"status": 503, "times": 2}}')
    args = parser.parse_args(argv)
    faults = {prefix: FaultRule(**spec) for prefix, spec in json.loads(args.faults).items()}
    config = MirrorConfig(seed=args.seed, articles=args.articles, epoch=args.epoch, life=args.life,
                          markup=args.markup, sitemap_size=args.sitemap_size, variants=args.variants)
    server = serve(config, host=args.host, port=args.port, faults=faults)
    url = f"http://{args.host}:{server.server_address[1]}"
    print(url, flush=True)
    print(json.dumps(host_map(url)), flush=True)
    print(crawl_command(url, MirrorSite(config).now.isoformat()), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def crawl_command(url: str, now: str) -> str:
    """The ``scrapy crawl`` command line that crawls the mirror at *url* whose clock reads *now*."""
    settings = {"NEWSARCHIVE_HOST_MAP": json.dumps(host_map(url)), "NEWSARCHIVE_REFERENCE_TIME": now,
                "AUTOTHROTTLE_ENABLED": "0"}
    return "scrapy crawl icma " + " ".join(f"-s {name}={shlex.quote(value)}" for name, value in settings.items())


if __name__ == "__main__":
    sys.exit(main())
