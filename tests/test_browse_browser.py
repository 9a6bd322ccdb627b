"""``python -m newsarchive.browse`` on an archive made by real mirror crawls, driven by headless Chromium.

Two crawls of the mirror (the second one a day later, with edited and new
articles) make the archive; the server runs as a child process, exactly as
``make browse`` starts it. Needs the system's ``chromium`` and
``chromium-driver`` (``.ci/run`` installs them) and Selenium; skips, saying
so, only when they are absent.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from newsarchive.mirror import MirrorServer
from tests.crawl import run_crawl

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTICLES = 40
REVISIT = {"NEWSARCHIVE_REVISIT_DAYS": 0.3}  # the second run re-visits (and finds edits in) the latest articles

pytestmark = pytest.mark.slow

# (query, what a hit is: case-insensitive word-start patterns over the article's and its origin's title and body)
# Transliterated Russian meets Azerbaijani: Шуша and Şuşa both fold to "susa".
SEARCHES = [
    ("SUSA", [r"\bşuşa", r"\bшуша"]),
    ("mingecevir", [r"\bmingəçevir", r"\bмингечевир"]),
    ("Sumqаyıt", [r"\bsumqayıt", r"\bсумгайыт"]),  # the query has a Cyrillic look-alike а
    ("ikiterefli MUNASIBET", None),               # every word: filled in below
    ("туристического", [r"\bтуристического"]),
    ("БАКУ", [r"\bбаку", r"\bbaku"]),
]


def _need_browser() -> None:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    if not (os.path.exists(CHROMEDRIVER) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip(f"no chromedriver at {CHROMEDRIVER} (apt-get install chromium-driver)")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need_browser()
    out = tmp_path_factory.mktemp("browse-archive")
    with MirrorServer(articles=ARTICLES, epoch=0) as before:
        first = run_crawl(before, out, settings=REVISIT)
    assert first.returncode == 0, first.log[-3000:]
    with MirrorServer(articles=ARTICLES + 5, epoch=1) as after:
        second = run_crawl(after, out, settings=REVISIT)
    assert second.returncode == 0, second.log[-3000:]
    db = out / "archive.sqlite3"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles WHERE revision_count > 1").fetchone()[0] > 0
    return db


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "newsarchive.browse", str(archive), "--port", "0"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    url = None
    deadline = time.monotonic() + 60
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 1)[0]:
            match = re.search(r"browse: (http://\S+?)/? ", proc.stdout.readline())
            url = match.group(1) if match else None
    try:
        assert url, f"the server did not start (exit {proc.poll()})"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _need_browser()
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the dev extra) is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1280,1600"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def archive_texts(db: Path) -> dict[str, str]:
    """url -> title, body, origin title and origin body, as stored."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT a.url, a.title, a.body, o.title, o.body FROM articles a "
                            "LEFT JOIN origins o ON o.article_url = a.url").fetchall()
    return {row[0]: "\n".join(part or "" for part in row[1:]) for row in rows}


def expected_hits(texts: dict[str, str], patterns: list[list[str]]) -> set[str]:
    """Articles where every group (one per query word) has a pattern that matches."""
    return {url for url, text in texts.items()
            if all(any(re.search(p, text, re.IGNORECASE) for p in group) for group in patterns)}


def result_urls(driver: Any) -> set[str]:
    from selenium.webdriver.common.by import By

    links = driver.find_elements(By.CSS_SELECTOR, "a.na-article-link")
    return {parse_qs(urlsplit(link.get_attribute("href")).query)["url"][0] for link in links}


def test_folded_search_in_the_browser(archive: Path, server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    texts = archive_texts(archive)
    for query, patterns in SEARCHES:
        groups = ([[r"\bikitərəfli"], [r"\bmünasibət"]] if patterns is None else [patterns])
        expected = expected_hits(texts, groups)
        assert expected, f"the sample archive has no article for {query!r}"
        browser.get(f"{server}/archive/search?q={quote(query)}")
        assert result_urls(browser) == expected, query
    # typed into the query form, as a reader would
    browser.get(f"{server}/archive/search")
    field = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    field.clear()
    field.send_keys("ŞUŞA")
    field.submit()
    # submit() does not wait for the page it loads: read the results once the browser is on it
    # (a .ci/run on 24f96b3 read the form page, before its results)
    WebDriverWait(browser, 30).until(
        lambda driver: "q=" in driver.current_url and driver.execute_script("return document.readyState") == "complete")
    assert result_urls(browser) == expected_hits(texts, [[r"\bşuşa", r"\bшуша"]])
    assert "q=%C5%9Eu%C5%9EA" in browser.current_url or "q=%C5%9EU%C5%9EA" in browser.current_url


def test_article_page_in_the_browser(archive: Path, server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with closing(sqlite3.connect(archive)) as conn:
        url, title, revisions = conn.execute(
            "SELECT a.url, a.title, a.revision_count FROM articles a JOIN origins o ON o.article_url = a.url "
            "WHERE a.revision_count > 1 AND o.status = 'ok' AND a.lang = 'az' ORDER BY a.url LIMIT 1").fetchone()
        fetched = [r[0] for r in conn.execute("SELECT fetched_at FROM revisions WHERE article_url = ? ORDER BY id",
                                              (url,))]
    # find it by a word of its title, spelled without Azerbaijani letters, and open it from the results
    word = max(re.findall(r"\w+", title), key=len)
    ascii_word = word.translate(str.maketrans("əıişçğöüƏIİŞÇĞÖÜ", "eiiscgouEIISCGOU"))
    browser.get(f"{server}/archive/search?q={quote(ascii_word)}")
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "a.na-article-link") if a.text == url)
    link.click()
    assert browser.find_element(By.ID, "na-title").text == title
    assert browser.find_element(By.ID, "na-compare").is_displayed()  # the copy beside its original
    assert browser.find_element(By.CSS_SELECTOR, "#na-aggregator .na-text").text.strip()
    assert browser.find_element(By.CSS_SELECTOR, "#na-origin .na-text").text.strip()
    assert "link" in browser.find_element(By.ID, "na-provenance").text or \
        "matched" in browser.find_element(By.ID, "na-provenance").text
    shown = browser.find_elements(By.CSS_SELECTOR, ".na-revision")
    assert len(shown) == revisions == len(fetched)
    # the later revision shows what changed against the one before
    assert shown[-1].find_elements(By.TAG_NAME, "del") or shown[-1].find_elements(By.TAG_NAME, "ins")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#na-charts svg.na-chart")) == 2
    replays = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.na-replay")}
    for when in fetched:
        stamp = re.sub(r"\D", "", when)[:14]
        assert f"http://localhost:8080/newsarchive/{stamp}/{url}" in replays
    shot = tmp_path / "article.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_server_refuses_writes(archive: Path, server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    before = archive.read_bytes()
    browser.get(f"{server}/archive?sql={quote('DELETE FROM articles')}")
    assert "Statement must be a SELECT" in browser.find_element(By.TAG_NAME, "body").text
    assert archive.read_bytes() == before
