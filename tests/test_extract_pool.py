"""Extraction in worker processes (newsarchive.extract_pool): the same records as in-process."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsarchive.extract_pool import ExtractionPool, extract_aggregator, extract_origin
from newsarchive.links import html_links
from newsarchive.mirror import MirrorServer
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.mirror.icma_pages import render_article
from tests.crawl import CrawlResult, run_crawl
from tests.test_replay_history import into, read_jsonl, run_replay

VOLATILE = ("fetched_at", "warc_record_id")


def comparable(result: CrawlResult) -> dict[str, dict[str, Any]]:
    """The records by URL, without what differs between any two runs (fetch time, WARC record id)."""
    records = {}
    for item in result.items:
        record = {k: v for k, v in item.items() if k not in VOLATILE}
        if isinstance(record.get("origin"), dict):
            record["origin"] = {k: v for k, v in record["origin"].items() if k not in VOLATILE}
        records[item["url"]] = record
    return records


@pytest.mark.slow
def test_a_crawl_with_extraction_workers_gives_the_records_of_one_without(
        mirror: MirrorServer, tmp_path: Path) -> None:
    inline = run_crawl(mirror, tmp_path / "inline", settings={"NEWSARCHIVE_EXTRACT_WORKERS": 0})
    pooled = run_crawl(mirror, tmp_path / "pooled", settings={"NEWSARCHIVE_EXTRACT_WORKERS": 2})
    assert inline.returncode == 0, inline.log[-3000:]
    assert pooled.returncode == 0, pooled.log[-3000:]
    assert "extracting in-process" not in pooled.log  # the workers ran (no fallback)
    ok = [item for item in inline.items if item.get("origin_status") == "ok"]
    assert len(inline.items) == len(mirror.site.articles()) and len(ok) > 10
    assert comparable(pooled) == comparable(inline)
    for name in ("newsarchive/extract/articles", "newsarchive/origin/status/ok", "newsarchive/extract/not_article"):
        assert pooled.stats.get(name) == inline.stats.get(name), name

    # a replay of the crawl's WARC with workers rebuilds the same records as one without
    replayed = {}
    for workers in (0, 2):
        folder = tmp_path / f"replay-{workers}"
        proc = run_replay(inline.out_dir / "warc", tmp_path, "-O", str(folder / "items.jsonl"),
                          settings={**into(folder), "NEWSARCHIVE_EXTRACT_WORKERS": workers})
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "extracting in-process" not in proc.stderr
        replayed[workers] = read_jsonl(folder / "items.jsonl")
    assert replayed[2] == replayed[0]
    assert replayed[0].keys() == comparable(inline).keys()


def test_the_aggregator_job_reads_links_from_the_page_objects_tree() -> None:
    site = MirrorSite(MirrorConfig(seed=2025, articles=30))
    for art in site.articles()[:10]:
        html = render_article(art, site)
        result = extract_aggregator(art.url, html, None)
        assert result.item is not None and result.item.url == art.url
        assert result.links == list(html_links(html, art.url))  # what a separate parse of the page gives
        assert pickle.loads(pickle.dumps(result)) == result  # it crosses the process boundary


@pytest.mark.parametrize("change", [
    lambda html: html.replace("</a>", "</a>\x07", 5),  # control characters the page object removes
    lambda html: re.sub(r"(<a [^>]*>)", lambda m: m.group(1) + "\x01", html, count=3),
    lambda html: '<?xml version="1.0"?>' + html,  # an XML declaration it removes
])
def test_a_page_the_page_object_had_to_clean_keeps_its_own_link_walk(change: Callable[[str], str]) -> None:
    site = MirrorSite(MirrorConfig(seed=2025, articles=30))
    art = site.articles()[0]
    html = change(render_article(art, site))
    assert extract_aggregator(art.url, html, None).links == list(html_links(html, art.url))


def _boom(x: int) -> int:
    raise ValueError(f"page {x} broke the extractor")


def _where() -> str:
    return "worker" if multiprocessing.parent_process() is not None else "in-process"


def _die_in_worker() -> str:
    if multiprocessing.parent_process() is not None:
        os._exit(1)  # a worker killed mid-job (out of memory, a crash in libxml2)
    return "in-process"


def test_worker_errors_reach_the_caller_and_a_dead_worker_sends_the_work_back_in_process() -> None:
    async def scenario() -> list[Any]:
        pool = ExtractionPool(workers=1, max_pending=2)
        pool.start()
        try:
            seen = [await pool.run(_where), await pool.run(pow, 2, 5)]
            with pytest.raises(ValueError, match="page 3 broke"):
                await pool.run(_boom, 3)
            seen.append(await pool.run(_where))  # the worker survives an exception
            seen.append(await pool.run(_die_in_worker))  # the job is redone here: nothing lost
            seen.append(await pool.run(_where))
            return seen
        finally:
            pool.close()

    assert asyncio.run(scenario()) == ["worker", 32, "worker", "in-process", "in-process"]


def test_the_origin_job_gives_the_origin_its_key_and_the_similarity() -> None:
    # hand-made page: no <h1>, the <title> carries a site name that only the learned names cut
    html = ("<html><head><title>Bakıda yeni məktəb açılıb | Xəbər Mərkəzi</title></head><body><article><p>"
            + "Bakıda bu gün yeni məktəb açılıb və orada min şagird oxuyacaq. " * 5 + "</p></article></body></html>")
    url = "https://apa.az/az/social/bakida-yeni-mekteb-812345"
    result = extract_origin(url, html, None, ("Xəbər Mərkəzi",),
                            "Bakıda bu gün yeni məktəb açılıb və orada min şagird oxuyacaq.")
    assert result.origin.title == "Bakıda yeni məktəb açılıb"
    assert result.origin.key == "id:apa.az/az/812345"  # the id rule of apa.az, computed in the job
    assert result.similarity == 1.0
    unlearned = extract_origin(url, html, None, (), "mətn")
    assert unlearned.origin.title == "Bakıda yeni məktəb açılıb | Xəbər Mərkəzi"
    empty = extract_origin("https://apa.az/az/xeber/2", "<html><body></body></html>", None, (), "mətn")
    assert empty.similarity is None
    assert pickle.loads(pickle.dumps(result)) == result
