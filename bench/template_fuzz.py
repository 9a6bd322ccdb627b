"""Template fuzzing at scale: ``python bench/template_fuzz.py [--templates 5000] [--start 0]``.

Renders the mirror's ground-truth articles (seed 2025, 60 articles: AZ and RU, news and
story pages) through that many randomly generated aggregator templates
(:mod:`newsarchive.mirror.template_fuzz`), extracts each page with
:class:`~newsarchive.pages.aggregator.AggregatorPage` and prints, per wrong field, the
template features behind it. Exit status 1 when any field was wrong. CI runs a few
hundred templates (``tests/test_template_fuzz.py``); this is the nightly/bench mode.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newsarchive.mirror.template_fuzz import report as describe  # noqa: E402 (after the sys.path entry)
from newsarchive.mirror.template_fuzz import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=5000)
    parser.add_argument("--start", type=int, default=0, help="first template seed")
    args = parser.parse_args()
    began = time.perf_counter()
    out = run(args.templates, start=args.start)
    print(describe(out))
    print(f"{out.templates / (time.perf_counter() - began):.0f} templates/s")
    return 1 if out.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
