"""Layout-drift detection: per-source baselines kept across runs, and the evidence of a change.

A site that changes its markup does not fail a crawl: fields just come back
empty. :class:`DriftTracker` (an extension) counts, per source, what each run
extracted, and the ``drift`` monitor (:mod:`newsarchive.monitors`) compares it
with the source's baseline.

Sources
    ``icma.az/<lang>/<kind>`` for aggregator records (``icma.az/az/news``, …),
    the cited site's host for origins (``report.az``), and ``icma.az`` for the
    aggregator's not-an-article rate (``newsarchive/extract/not_article``).

Figures per source (:class:`Figures`)
    pages; pages with each field filled (fill rate); body lengths (median and
    10th percentile); shares: the extraction method per field where the record
    has ``field_methods`` (``origin.field_methods``: ``{"author": "jsonld", …}``;
    a method of ``generic``/``trafilatura`` is the generic-extractor fallback), and
    not-an-article pages.

Drift (thresholds are settings)
    judged only when the baseline holds ``NEWSARCHIVE_DRIFT_MIN_PAGES`` pages and
    the run ``NEWSARCHIVE_DRIFT_MIN_RUN_PAGES``: a fill rate falls by more than
    ``NEWSARCHIVE_DRIFT_MAX_FILL_DROP`` (a field that fills up is not drift); the
    median or p10 body length falls by more than ``NEWSARCHIVE_DRIFT_MAX_BODY_DROP``;
    a share moves by more than ``NEWSARCHIVE_DRIFT_MAX_SHARE_CHANGE``.

Baselines learn only from good runs
    When every monitor passed, each source's run figures are added to its
    baseline (which keeps ``NEWSARCHIVE_DRIFT_BASELINE_PAGES`` pages; older ones
    fade out). A run that drifted changes no baseline: its figures become the
    source's *candidate*, and ``scrapy drift accept [source …]`` makes the
    candidate the baseline (the operator's decision that the new layout is right,
    or the extractor was fixed). A broken extractor never becomes the norm by itself.

Evidence
    For each drifted field, up to ``NEWSARCHIVE_DRIFT_SAMPLES`` pages where the field
    was empty are saved under ``NEWSARCHIVE_DRIFT_DIR/<source>/<run time>/<field>/``
    (default ``<NEWSARCHIVE_DATA_DIR>/drift``): ``<n>.html`` (the page as received,
    when the record arrived with its own response; a record completed by an origin
    follow-up keeps the WARC record id instead) and ``<n>.json`` (URL, fetch time,
    field, WARC record id, baseline and new rate), ready to become a fixture.

Storage
    Tables ``drift_baselines`` and ``drift_candidates`` in the state file
    (``NEWSARCHIVE_STATE_PATH``), opened through :class:`newsarchive.state.StateStore`
    so the file stays a valid state store. In distributed (Redis) mode each worker
    keeps baselines in its own state file (a documented limitation).
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse

from newsarchive.monitors import Verdict, is_empty
from newsarchive.state import StateStore
from newsarchive.urls import host_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

AGGREGATOR_FIELDS = ("title", "body", "author", "views", "comments", "published_at", "source_name", "source_url")
ORIGIN_FIELDS = ("title", "body", "author", "published_at")
BODY_KEEP = 400  # body lengths a baseline remembers
NOT_ARTICLE = "not_article"

SCHEMA = """
CREATE TABLE IF NOT EXISTS drift_baselines (
    source TEXT PRIMARY KEY, figures TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drift_candidates (
    source TEXT PRIMARY KEY, figures TEXT NOT NULL, findings TEXT NOT NULL, seen_at TEXT NOT NULL);
"""


@dataclass
class Figures:
    """What one source's pages held: counts, so that runs add up."""

    pages: float = 0.0
    filled: dict[str, float] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    bodies: list[int] = field(default_factory=list)

    def rate(self, name: str) -> float:
        return self.filled.get(name, 0.0) / self.pages if self.pages else 0.0

    def share(self, name: str) -> float:
        return self.shares.get(name, 0.0) / self.pages if self.pages else 0.0

    def body_quantiles(self) -> tuple[float, float] | None:
        """(median, 10th percentile) of the body lengths, ``None`` without bodies."""
        if not self.bodies:
            return None
        ordered = sorted(self.bodies)
        p10 = ordered[int(0.1 * (len(ordered) - 1))]
        return float(statistics.median(ordered)), float(p10)

    def merged(self, other: Figures, keep_pages: int) -> Figures:
        """This baseline plus a run; when over ``keep_pages`` pages, every count is scaled down alike."""
        pages = self.pages + other.pages
        scale = min(1.0, keep_pages / pages) if pages else 1.0
        names = set(self.filled) | set(other.filled)
        shares = set(self.shares) | set(other.shares)
        return Figures(
            pages=pages * scale,
            filled={n: (self.filled.get(n, 0.0) + other.filled.get(n, 0.0)) * scale for n in sorted(names)},
            shares={n: (self.shares.get(n, 0.0) + other.shares.get(n, 0.0)) * scale for n in sorted(shares)},
            bodies=(self.bodies + other.bodies)[-BODY_KEEP:],
        )

    def to_json(self) -> str:
        return json.dumps({"pages": self.pages, "filled": self.filled, "shares": self.shares, "bodies": self.bodies})

    @classmethod
    def from_json(cls, text: str) -> Figures:
        data = json.loads(text)
        return cls(float(data.get("pages", 0)), dict(data.get("filled", {})), dict(data.get("shares", {})),
                   [int(n) for n in data.get("bodies", [])])


@dataclass
class Sample:
    url: str
    fetched_at: str | None
    warc_record_id: str | None
    html: str | None


@dataclass(frozen=True)
class Thresholds:
    min_pages: int = 20
    min_run_pages: int = 10
    max_fill_drop: float = 0.3
    max_body_drop: float = 0.5
    max_share_change: float = 0.3


@dataclass(frozen=True)
class Finding:
    """One field of one source that left its baseline."""

    source: str
    field: str
    baseline: float
    new: float
    unit: str  # "rate" (0..1) or "chars"
    samples: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.unit == "chars":
            return f"{self.field} {self.baseline:.0f} → {self.new:.0f} chars"
        return f"{self.field} {self.baseline:.0%} → {self.new:.0%}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "field": self.field, "baseline": round(self.baseline, 4),
                "new": round(self.new, 4), "unit": self.unit, "samples": list(self.samples)}


def compare(source: str, baseline: Figures | None, run: Figures, limits: Thresholds) -> list[Finding] | None:
    """Findings of *run* against *baseline*; ``None`` when there is too little to judge."""
    if baseline is None or baseline.pages < limits.min_pages or run.pages < limits.min_run_pages:
        return None
    findings = []
    for name in sorted(set(baseline.filled) | set(run.filled)):
        before, now = baseline.rate(name), run.rate(name)
        if before - now > max(limits.max_fill_drop, sampling_noise(before, run.pages)):
            findings.append(Finding(source, name, before, now, "rate"))
    before_q, now_q = baseline.body_quantiles(), run.body_quantiles()
    if before_q and now_q:
        for label, before_len, now_len in (("body length median", before_q[0], now_q[0]),
                                           ("body length p10", before_q[1], now_q[1])):
            if before_len > 0 and now_len < before_len * (1 - limits.max_body_drop):
                findings.append(Finding(source, label, before_len, now_len, "chars"))
    for name in sorted(set(baseline.shares) | set(run.shares)):
        before, now = baseline.share(name), run.share(name)
        if abs(now - before) > max(limits.max_share_change, sampling_noise(before, run.pages)):
            findings.append(Finding(source, name, before, now, "rate"))
    return findings


def sampling_noise(rate: float, pages: float) -> float:
    """Three standard deviations of a share measured on *pages* pages when its true value is *rate*:
    a small run (a re-run after a crash, a quiet hour) moves a share that much by chance alone."""
    return 3 * math.sqrt(rate * (1 - rate) / pages) if pages else 1.0


def source_of(item: Mapping[str, Any]) -> str:
    return f"icma.az/{item.get('lang') or '?'}/{item.get('kind') or '?'}"


class RunFigures:
    """A run's figures per source, and a few sample pages per empty field."""

    def __init__(self, samples: int = 3) -> None:
        self.figures: dict[str, Figures] = {}
        self.samples: dict[tuple[str, str], list[Sample]] = {}
        self.max_samples = samples

    def _add(self, source: str, record: Mapping[str, Any], fields: Iterable[str], methods: Any,
             sample: Sample) -> None:
        figures = self.figures.setdefault(source, Figures())
        figures.pages += 1
        for name in fields:
            if is_empty(record.get(name)):
                self._sample(source, name, sample)
            else:
                figures.filled[name] = figures.filled.get(name, 0.0) + 1
        body = record.get("body")
        figures.bodies.append(len(body) if isinstance(body, str) else 0)
        if isinstance(methods, Mapping):
            for name, method in methods.items():
                key = f"method/{name}/{method}"
                figures.shares[key] = figures.shares.get(key, 0.0) + 1
                self._sample(source, key, sample, empty_only=False)

    def _sample(self, source: str, name: str, sample: Sample, *, empty_only: bool = True) -> None:
        kept = self.samples.setdefault((source, name), [])
        if len(kept) < self.max_samples:
            kept.append(sample)

    def add_item(self, item: Any, response: Any) -> None:
        if not ItemAdapter.is_item(item):
            return
        record = ItemAdapter(item)  # read only: a view, not a copy
        origin = record.get("origin")
        if ItemAdapter.is_item(origin):
            origin = ItemAdapter(origin)
        if "kind" in record:  # an aggregator record
            self._add(source_of(record), record, AGGREGATOR_FIELDS, record.get("field_methods"),
                      _sample(record.get("url"), record, response))
            if isinstance(origin, Mapping) and origin.get("url"):
                self._add(host_of(str(origin["url"])) or "?", origin, ORIGIN_FIELDS, origin.get("field_methods"),
                          _sample(origin.get("url"), {}, response))
        elif record.get("url"):  # an Origin record (``sources`` spider)
            self._add(host_of(str(record["url"])) or "?", record, ORIGIN_FIELDS, record.get("field_methods"),
                      _sample(record.get("url"), record, response))

    def add_not_articles(self, articles: int, not_articles: int) -> None:
        if articles + not_articles:
            self.figures["icma.az"] = Figures(pages=articles + not_articles, shares={NOT_ARTICLE: not_articles})


def _sample(url: Any, record: Mapping[str, Any], response: Any) -> Sample:
    html = None
    if isinstance(response, TextResponse) and url and host_of(response.url) == host_of(str(url)):
        try:
            html = response.text
        except (AttributeError, ValueError):
            html = None
    return Sample(str(url), record.get("fetched_at"), record.get("warc_record_id"), html)


class BaselineStore:
    """The drift tables in the state file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> tuple[dict[str, Figures], dict[str, Figures]]:
        """(baselines, candidates); empty when the file or the tables do not exist yet."""
        if not self.path.exists():
            return {}, {}
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                base = {s: Figures.from_json(f) for s, f in conn.execute(
                    "SELECT source, figures FROM drift_baselines")}
                cand = {s: Figures.from_json(f) for s, f in conn.execute(
                    "SELECT source, figures FROM drift_candidates")}
            finally:
                conn.close()
        except sqlite3.OperationalError:  # no drift tables yet
            return {}, {}
        return base, cand

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        store = StateStore(self.path).open()  # creates or validates the state file itself
        try:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    store.conn.execute(statement)
            for sql, params in statements:
                store.conn.execute(sql, params)
        finally:
            store.close()

    def save_baselines(self, baselines: Mapping[str, Figures]) -> None:
        """Store the baselines of a good run; a source's pending change is moot once it is back to normal."""
        now = datetime.now(tz=UTC).isoformat()
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for source, figures in baselines.items():
            statements.append(("INSERT OR REPLACE INTO drift_baselines VALUES (?, ?, ?)",
                               (source, figures.to_json(), now)))
            statements.append(("DELETE FROM drift_candidates WHERE source = ?", (source,)))
        self._write(statements)

    def save_candidates(self, candidates: Mapping[str, tuple[Figures, list[Finding]]]) -> None:
        now = datetime.now(tz=UTC).isoformat()
        self._write([("INSERT OR REPLACE INTO drift_candidates VALUES (?, ?, ?, ?)",
                      (s, f.to_json(), json.dumps([x.to_dict() for x in found], ensure_ascii=False), now))
                     for s, (f, found) in candidates.items()])

    def accept(self, sources: Iterable[str] = ()) -> list[str]:
        """Make the candidates of *sources* (all when empty) their baselines; the sources accepted."""
        _, candidates = self.load()
        wanted = list(sources) or sorted(candidates)
        accepted = [s for s in wanted if s in candidates]
        now = datetime.now(tz=UTC).isoformat()
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for source in accepted:
            statements.append(("INSERT OR REPLACE INTO drift_baselines VALUES (?, ?, ?)",
                               (source, candidates[source].to_json(), now)))
            statements.append(("DELETE FROM drift_candidates WHERE source = ?", (source,)))
        if statements:
            self._write(statements)
        return accepted

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        """Candidates waiting for the operator: source -> findings."""
        if not self.path.exists():
            return {}
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                rows = conn.execute("SELECT source, findings FROM drift_candidates ORDER BY source").fetchall()
            finally:
                conn.close()
        except sqlite3.OperationalError:
            return {}
        return {source: json.loads(findings) for source, findings in rows}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "_"


class DriftTracker:
    """Counts figures per source during the run; judges them (the ``drift`` monitor) and keeps baselines."""

    def __init__(self, crawler: Crawler, store: BaselineStore, limits: Thresholds, evidence_dir: Path,
                 keep_pages: int, samples: int) -> None:
        self.crawler = crawler
        self.store = store
        self.limits = limits
        self.evidence_dir = evidence_dir
        self.keep_pages = keep_pages
        self.run = RunFigures(samples)
        self.baselines: dict[str, Figures] = {}
        self.findings: list[Finding] = []
        self.judged: dict[str, bool] = {}
        self.evidence: list[str] = []
        self._save: Callable[[], None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_DRIFT_ENABLED"):
            raise NotConfigured
        limits = Thresholds(
            min_pages=settings.getint("NEWSARCHIVE_DRIFT_MIN_PAGES"),
            min_run_pages=settings.getint("NEWSARCHIVE_DRIFT_MIN_RUN_PAGES"),
            max_fill_drop=settings.getfloat("NEWSARCHIVE_DRIFT_MAX_FILL_DROP"),
            max_body_drop=settings.getfloat("NEWSARCHIVE_DRIFT_MAX_BODY_DROP"),
            max_share_change=settings.getfloat("NEWSARCHIVE_DRIFT_MAX_SHARE_CHANGE"),
        )
        tracker = cls(crawler, BaselineStore(settings["NEWSARCHIVE_STATE_PATH"]), limits,
                      Path(settings.get("NEWSARCHIVE_DRIFT_DIR") or f"{settings['NEWSARCHIVE_DATA_DIR']}/drift"),
                      settings.getint("NEWSARCHIVE_DRIFT_BASELINE_PAGES"),
                      settings.getint("NEWSARCHIVE_DRIFT_SAMPLES"))
        crawler.signals.connect(tracker.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(tracker.engine_stopped, signal=signals.engine_stopped)
        return tracker

    def item_scraped(self, item: Any, response: Any = None) -> None:
        self.run.add_item(item, response)  # response: a Failure for records of an errback

    def judge(self) -> Verdict:
        """The ``drift`` monitor: compare every source of the run with its baseline."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        self.run.add_not_articles(int(stats.get("newsarchive/extract/articles") or 0),
                                  int(stats.get("newsarchive/extract/not_article") or 0))
        try:
            self.baselines, _ = self.store.load()
        except sqlite3.DatabaseError as exc:
            return Verdict(False, f"drift baselines unreadable in {self.store.path}: {exc}")
        self.findings = []
        for source, figures in sorted(self.run.figures.items()):
            found = compare(source, self.baselines.get(source), figures, self.limits)
            self.judged[source] = found is not None
            for finding in found or []:
                urls = tuple(s.url for s in self.run.samples.get((source, finding.field), []))
                self.findings.append(Finding(finding.source, finding.field, finding.baseline, finding.new,
                                             finding.unit, urls))
        judged = sum(self.judged.values())
        if not self.findings:
            return Verdict(True, f"{judged} of {len(self.run.figures)} sources judged, no drift")
        by_source: dict[str, list[str]] = {}
        for finding in self.findings:
            by_source.setdefault(finding.source, []).append(finding.describe())
        detail = "; ".join(f"{source}: {', '.join(items)}" for source, items in by_source.items())
        return Verdict(False, f"layout drift in {len(by_source)} source(s): {detail}")

    def finish(self, *, run_passed: bool) -> None:
        """After the monitors: good run → baselines learn; drift → candidates and evidence.

        The tables are written at ``engine_stopped``, once the spider has closed its own
        connection to the state file.
        """
        if run_passed:
            updated = {s: self.baselines[s].merged(f, self.keep_pages) if s in self.baselines else f
                       for s, f in self.run.figures.items()}
            if updated:
                self._save = lambda: self.store.save_baselines(updated)
        elif self.findings:
            drifted = {f.source for f in self.findings}
            candidates = {s: (self.run.figures[s], [f for f in self.findings if f.source == s]) for s in drifted}
            self._save = lambda: self.store.save_candidates(candidates)
            try:
                self.save_evidence()
            except OSError as exc:
                logger.error("Drift evidence could not be saved to %(dir)s: %(error)s",
                             {"dir": self.evidence_dir, "error": exc})
        self._report()

    def engine_stopped(self) -> None:
        if self._save is None:
            return
        try:
            self._save()
        except (OSError, sqlite3.DatabaseError, RuntimeError) as exc:
            logger.error("Drift baselines could not be saved to %(path)s: %(error)s",
                         {"path": self.store.path, "error": exc})

    def save_evidence(self) -> None:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        for finding in self.findings:
            samples = self.run.samples.get((finding.source, finding.field), [])
            folder = self.evidence_dir / _safe(finding.source) / stamp / _safe(finding.field)
            for number, sample in enumerate(samples, 1):
                folder.mkdir(parents=True, exist_ok=True)
                meta = {"url": sample.url, "fetched_at": sample.fetched_at, "warc_record_id": sample.warc_record_id,
                        "source": finding.source, "field": finding.field, "baseline": finding.baseline,
                        "new": finding.new, "html_saved": sample.html is not None}
                (folder / f"{number}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                                       encoding="utf-8")
                if sample.html is not None:
                    (folder / f"{number}.html").write_text(sample.html, encoding="utf-8")
            if samples:
                self.evidence.append(str(folder))
                logger.warning("Layout drift evidence for %(source)s %(field)s saved in %(folder)s",
                               {"source": finding.source, "field": finding.field, "folder": folder})

    def _report(self) -> None:
        from newsarchive.extensions.report import RunReport

        report = self.crawler.get_extension(RunReport)
        if report is None:
            return
        report.extra["drift"] = {
            "findings": [f.to_dict() for f in self.findings],
            "evidence": self.evidence,
            "sources": {s: {"pages": f.pages, "baseline_pages": round(self.baselines[s].pages, 1)
                            if s in self.baselines else 0, "judged": self.judged.get(s, False)}
                        for s, f in sorted(self.run.figures.items())},
        }


__all__ = ["BaselineStore", "DriftTracker", "Figures", "Finding", "RunFigures", "Thresholds", "compare"]
