"""Before/after figures of the full crawl: ``python bench/compare.py REV [--articles 1000] [--runs 3]``.

How the per-change tables of the README's Performance section are measured. *REV* (any git
revision: ``HEAD~3``, a commit, a branch) is checked out into a temporary worktree; then the full
crawl of :mod:`bench.crawl` (``run_full``: the project settings, the offline mirror, the memory
probe) runs from *REV* and from this checkout in alternation, *runs* times each, the order swapped
every round so that neither side always goes second. Each crawl runs its own checkout's code
against a mirror of its own checkout's code, on this checkout's virtualenv (a *REV* that needs
other packages is out of reach). It prints pages/s and CPU ms per response of every crawl (the
figures ``bench/crawl.py`` prints, start-up excluded) and the range of each side.

A report, not a target: exit status 1 only when a crawl failed. The worktree is removed at the end;
outputs stay in ``--out`` (default ``data/bench-compare/``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the script's own directory (bench/) first on sys.path would shadow packages by its modules' names
# (bench/incremental.py hides the `incremental` package that Twisted imports), as in bench/crawl.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def one_crawl(root: Path, articles: int, out: Path) -> dict[str, float | int]:
    """Inside the child: the full crawl of the checkout at *root* (its own ``bench.crawl``, mirror and code)."""
    sys.path.insert(0, str(root))
    from bench.crawl import run_full  # *root*'s, not necessarily this file's checkout
    from newsarchive.mirror import MirrorServer

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with MirrorServer(articles=articles) as mirror:
        run = run_full(mirror, out, 3600)
    return {"pages_per_s": run.pages_per_s, "cpu_ms": run.cpu_ms_per_response, "items": run.items,
            "returncode": run.returncode}


def crawl(root: Path, articles: int, out: Path) -> dict[str, float | int]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_one", str(root), str(articles), str(out)]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-2000:])
        return {"pages_per_s": 0.0, "cpu_ms": 0.0, "items": 0, "returncode": proc.returncode or 1}
    result: dict[str, float | int] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_one"]:
        print(json.dumps(one_crawl(Path(argv[1]), int(argv[2]), Path(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(prog="python bench/compare.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the git revision to compare this checkout with (e.g. HEAD~3)")
    parser.add_argument("--articles", type=int, default=1000, help="aggregator articles in each mirror")
    parser.add_argument("--runs", type=int, default=3, help="crawls of each side")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench-compare", help="outputs (emptied)")
    args = parser.parse_args(argv)
    args.out = args.out.resolve()  # the crawls run in each checkout's directory
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    tree = Path(tempfile.mkdtemp(prefix="newsarchive-compare-")) / "rev"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), args.rev],
                   check=True)
    sides = {args.rev: ("rev", tree), "this checkout": ("this", ROOT)}  # name: (output folder, checkout)
    results: dict[str, list[dict[str, float | int]]] = {name: [] for name in sides}
    try:
        for run in range(args.runs):
            order = list(sides) if run % 2 == 0 else list(reversed(sides))
            for name in order:
                folder, root = sides[name]
                result = crawl(root, args.articles, args.out / f"{folder}{run}")
                results[name].append(result)
                print(f"{name:>16}  run {run + 1}: {result['pages_per_s']:6.1f} pages/s  {result['cpu_ms']:6.2f} "
                      f"ms CPU/response  {result['items']} items  exit {result['returncode']}", flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(tree.parent, ignore_errors=True)
    print()
    for name, runs in results.items():
        pages = [float(r["pages_per_s"]) for r in runs]
        cpu = [float(r["cpu_ms"]) for r in runs]
        print(f"{name:>16}: {min(pages):.1f}–{max(pages):.1f} pages/s, {min(cpu):.2f}–{max(cpu):.2f} ms CPU/response")
    return 1 if any(r["returncode"] for runs in results.values() for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
