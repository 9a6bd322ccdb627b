"""Layout drift: the comparison rules, the baseline store, and the done-when crawl of a mirror whose
markup changes between runs (``--markup 1``: counters and author line gone, body in a new container)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsarchive.drift import BaselineStore, Figures, RunFigures, Thresholds, compare
from newsarchive.extensions.report import run_files
from newsarchive.items import Article, Origin
from newsarchive.mirror import MirrorServer
from newsarchive.state import StateStore
from tests.crawl import CrawlResult, run_crawl

ROOT = Path(__file__).resolve().parent.parent
LIMITS = Thresholds(min_pages=20, min_run_pages=10, max_fill_drop=0.3, max_body_drop=0.5, max_share_change=0.3)


def figures(pages: int, filled: dict[str, int], bodies: int = 1000, shares: dict[str, int] | None = None) -> Figures:
    return Figures(float(pages), {k: float(v) for k, v in filled.items()},
                   {k: float(v) for k, v in (shares or {}).items()}, [bodies] * pages)


@pytest.mark.parametrize(
    ("run", "fields"),
    [
        (figures(30, {"title": 30, "author": 27, "views": 30}), []),  # unchanged
        (figures(30, {"title": 30, "author": 20, "views": 30}), []),  # 90 % → 67 %: within 0.3
        (figures(30, {"title": 30, "author": 0, "views": 30}), ["author"]),
        (figures(30, {"title": 30, "author": 27}), ["views"]),  # the field vanished
        (figures(30, {"title": 30, "author": 27, "views": 30}, bodies=300),
         ["body length median", "body length p10"]),
        (figures(30, {"title": 30, "author": 27, "views": 30}, shares={"method/author/jsonld": 30}),
         ["method/author/jsonld"]),
    ],
)
def test_compare(run: Figures, fields: list[str]) -> None:
    baseline = figures(100, {"title": 100, "author": 90, "views": 100})
    found = compare("icma.az/az/news", baseline, run, LIMITS)
    assert found is not None
    assert [f.field for f in found] == fields


def test_a_field_that_fills_up_is_not_drift() -> None:
    baseline = figures(100, {"title": 100, "views": 0})
    assert compare("s", baseline, figures(30, {"title": 30, "views": 30}), LIMITS) == []


@pytest.mark.parametrize(("baseline_pages", "run_pages"), [(19, 30), (100, 9), (0, 30)])
def test_too_little_to_judge(baseline_pages: int, run_pages: int) -> None:
    baseline = figures(baseline_pages, {"views": baseline_pages}) if baseline_pages else None
    assert compare("s", baseline, figures(run_pages, {}), LIMITS) is None


def test_baseline_keeps_a_window_of_pages() -> None:
    old = figures(1000, {"views": 1000})
    merged = old.merged(figures(100, {"views": 0}), keep_pages=1000)
    assert merged.pages == pytest.approx(1000)
    assert merged.rate("views") == pytest.approx(1000 / 1100)


def test_run_figures_by_source_with_methods_and_samples() -> None:
    run = RunFigures(samples=2)
    for number in range(3):
        run.add_item(Article(url=f"https://icma.az/news/a-{number}", kind="news", lang="az", title="T", body="B" * 50,
                             views=None, origin=Origin(url=f"https://report.az/x-{number}", title="O")), None)
    run.add_item({"url": "https://apa.az/y", "title": "t", "field_methods": {"author": "trafilatura"}}, None)
    news = run.figures["icma.az/az/news"]
    assert news.pages == 3 and news.rate("title") == 1.0 and news.rate("views") == 0.0
    assert news.bodies == [50, 50, 50]
    assert run.figures["report.az"].rate("title") == 1.0
    assert run.figures["apa.az"].share("method/author/trafilatura") == 1.0
    assert [s.url for s in run.samples[("icma.az/az/news", "views")]] == ["https://icma.az/news/a-0",
                                                                          "https://icma.az/news/a-1"]


def test_store_round_trip_keeps_a_valid_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = BaselineStore(path)
    assert store.load() == ({}, {})
    store.save_baselines({"icma.az/az/news": figures(40, {"views": 40})})
    store.save_candidates({"icma.az/az/news": (figures(30, {"views": 0}), [])})
    baselines, candidates = store.load()
    assert baselines["icma.az/az/news"].rate("views") == 1.0
    assert candidates["icma.az/az/news"].rate("views") == 0.0
    assert store.accept(["nope"]) == []
    assert store.accept() == ["icma.az/az/news"]
    baselines, candidates = store.load()
    assert baselines["icma.az/az/news"].rate("views") == 0.0 and candidates == {}
    StateStore(path).open().close()  # still a state store the spiders accept


# --- the done-when crawl -------------------------------------------------------------------

def drift_crawl(out: Path, markup: int) -> tuple[CrawlResult, dict[str, Any]]:
    with MirrorServer(60, markup=markup) as mirror:
        # not incremental: every run reads all 60 pages, so each run is judged; origins are not needed here
        result = run_crawl(mirror, out, "-a", "follow_origins=0", settings={"NEWSARCHIVE_INCREMENTAL": False})
    report = json.loads(run_files(out / "runs")[-1].read_text(encoding="utf-8"))
    return result, report


def drift_monitor(report: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in report["monitors"] if m["name"] == "drift")


def accept(out: Path, *sources: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "drift", "accept", *sources,
                           "-s", f"NEWSARCHIVE_STATE_PATH={out / 'state.sqlite3'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.slow
def test_markup_change_fails_the_run_until_accepted(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    # runs 1-2, old markup: the baseline is built, then judged; nothing is raised
    for _ in range(2):
        result, report = drift_crawl(out, markup=0)
        assert result.returncode == 0, result.log[-3000:]
    assert drift_monitor(report)["passed"]
    assert report["drift"]["sources"]["icma.az/az/news"]["judged"] is True

    # run 3, the redesign: the run fails and names every emptied field, with samples and evidence
    result, report = drift_crawl(out, markup=1)
    assert result.returncode == 1
    monitor = drift_monitor(report)
    assert not monitor["passed"]
    assert [m["name"] for m in report["monitors"] if not m["passed"]] == ["drift"]
    findings = {(f["source"], f["field"]): f for f in report["drift"]["findings"]}
    for field in ("views", "comments", "author"):
        finding = findings[("icma.az/az/news", field)]
        assert finding["new"] == 0.0 and finding["baseline"] > 0.3
        assert len(finding["samples"]) == 3 and all(u.startswith("https://icma.az/") for u in finding["samples"])
        assert f"{field} " in monitor["message"]
    assert ("icma.az/az/news", "title") not in findings
    assert "icma.az/az/news: " in monitor["message"]
    evidence = out / "drift" / "icma.az_az_news"
    saved = sorted(evidence.rglob("*.json"))
    assert saved, list(out.iterdir())
    meta = json.loads(saved[0].read_text(encoding="utf-8"))
    assert meta["url"].startswith("https://icma.az/") and meta["fetched_at"] and meta["field"] in findings[
        ("icma.az/az/news", meta["field"])]["field"]
    html = saved[0].with_suffix(".html").read_text(encoding="utf-8")
    assert 'class="post-content"' in html  # the changed page itself, ready to become a fixture

    # run 4, old markup back: nothing is raised (the failed run taught the baseline nothing)
    result, report = drift_crawl(out, markup=0)
    assert result.returncode == 0, result.log[-3000:]
    assert drift_monitor(report)["passed"]

    # run 5, the redesign again: fails again; the operator accepts it; run 6 passes
    result, report = drift_crawl(out, markup=1)
    assert result.returncode == 1
    done = accept(out, "icma.az/az/news", "icma.az/ru/news")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Accepted as new baseline: icma.az/az/news, icma.az/ru/news" in done.stdout
    result, report = drift_crawl(out, markup=1)
    assert result.returncode == 0, [m for m in report["monitors"] if not m["passed"]]
    assert drift_monitor(report)["passed"]


def test_status_lists_baselines_and_pending_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsarchive.commands.drift import Command

    store = BaselineStore(tmp_path / "state.sqlite3")
    store.save_baselines({"icma.az/az/news": figures(40, {"views": 40, "author": 30})})
    found = compare("icma.az/az/news", figures(40, {"views": 40, "author": 30}), figures(20, {"author": 30}), LIMITS)
    assert found is not None
    store.save_candidates({"icma.az/az/news": (figures(20, {}), found)})
    Command.status(store)
    out = capsys.readouterr().out
    assert "icma.az/az/news" in out and "author 75%  views 100%" in out
    assert "Changes waiting for `scrapy drift accept`:" in out
    assert "icma.az/az/news: views 1.00 → 0.00" in out
