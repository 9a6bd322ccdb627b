"""Scrapy settings for newsarchive.

Grouped like Scrapy's ``default_settings.py``: Scrapy's own settings first, then
the project's ``NEWSARCHIVE_*`` settings (enabling flags first, then
alphabetical). Every value can be overridden per run with ``-s NAME=value``;
dict and list settings accept JSON there. Secrets come from the environment and
never appear in logs or stats.

Docs: https://docs.scrapy.org/en/latest/topics/settings.html
"""

from __future__ import annotations

import os
from pathlib import Path

from newsarchive import secrets
from newsarchive.feeds import preset
from newsarchive.items import Article

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "article.schema.json"
DATA_DIR = os.environ.get("NEWSARCHIVE_DATA_DIR", "data").rstrip("/")

BOT_NAME = "newsarchive"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Politeness -------------------------------------------------------------
# Identify ourselves; replace the contact with a real address before live use.
USER_AGENT = os.environ.get(
    "NEWSARCHIVE_USER_AGENT",
    "newsarchive/0.1 (+https://example.org/newsarchive; contact: archive-admin@example.org)",
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Scrapy's default headers, plus only the content encodings warcio and pywb decode from the WARC:
# Scrapy alone would advertise br and zstd (zstd: neither tool; br: warcio 1.8 only with brotlipy).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}

# --- Limits -----------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is never 16 MB; refuse it
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
DNS_TIMEOUT = 15

# --- Retries (with backoff; see newsarchive/middlewares/retry.py) -----------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A cited site that stays down is ordinary; the spiders log what it means for the record.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsarchive.middlewares.retry.BackoffRetryMiddleware": 550,
    # an unreachable host's robots.txt is one WARNING line, not an ERROR (newsarchive/middlewares/robots.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsarchive.middlewares.robots.RobotsTxtMiddleware": 100,
    # below HttpCompression (590) and Redirect (600): raw bodies and every redirect hop
    "newsarchive.middlewares.warc.WarcCaptureMiddleware": 950,
}

# Host map (offline mirror, tests): both schemes go through our handler, which is
# Scrapy's HTTP/1.1 handler when NEWSARCHIVE_HOST_MAP is empty.
DOWNLOAD_HANDLERS = {
    "http": "newsarchive.hostmap.HostMapDownloadHandler",
    "https": "newsarchive.hostmap.HostMapDownloadHandler",
}

# --- Resuming (-s JOBDIR=...): a disk queue that survives kill -9 (newsarchive/queues.py)
SCHEDULER_DISK_QUEUE = "newsarchive.queues.CrashTolerantLifoDiskQueue"

# --- Item flow: normalise first, archive last ------------------------------
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 300,
    # every article record against schema/article.schema.json; errors counted in spidermon/validation/*
    # (spidermon's pipeline with the schema compiled: pipelines/validation.py)
    "pipelines.validation.ItemValidationPipeline": 800,
    "pipelines.database.DatabasePipeline": 900,
}
# Every pipeline above is synchronous, so items go through them one at a time whatever this is; Scrapy's
# default (100) only starts 100 asyncio tasks per callback (~2 ms per response, bench/crawl.py).
# Raise it if you add a pipeline that waits on I/O.
CONCURRENT_ITEMS = 1

COMMANDS_MODULE = "newsarchive.commands"

ADDONS = {
    "newsarchive.addons.DistributedAddon": 100,  # no-op unless NEWSARCHIVE_REDIS_URL is set
    "newsarchive.datadir.DataDirAddon": 50,  # -s NEWSARCHIVE_DATA_DIR moves every default path; -s secrets redacted
    "newsarchive.addons.ResumeAddon": 200,  # JOBDIR: a corrupt active.json is moved aside (newsarchive/queues.py)
}

# Records waiting for origin requests are never lost when a filter drops one (newsarchive/middlewares/records.py).
SPIDER_MIDDLEWARES = {
    "newsarchive.middlewares.records.RecordPassMarker": 5,  # engine side of every filter
    "newsarchive.middlewares.records.RecordDropGuard": 950,  # spider side of Depth (900) and UrlLength (800)
}

EXTENSIONS = {
    "newsarchive.extensions.progress.Progress": 500,  # lower than RunReport: cleared before the summary
    "newsarchive.extensions.report.RunReport": 900,
    # below RunReport: the monitors run (spider_closed) before the report reads their results
    "newsarchive.monitors.Spidermon": 800,
    "newsarchive.drift.DriftTracker": 700,  # layout-drift figures per source (newsarchive/drift.py)
}

# --- Security: no remote access to a running crawl --------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Output -----------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"  # keep ə, ş, ğ, ı readable in JSON lines
# data/<spider>-<time>.jsonl (.jsonl.gz with NEWSARCHIVE_FEED_GZIP=1); -O/-o replace it.
FEEDS = preset(gzip=os.environ.get("NEWSARCHIVE_FEED_GZIP") == "1")
LOG_LEVEL = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "INFO")
LOGSTATS_INTERVAL = 30.0

# --- newsarchive ------------------------------------------------------------
# Folder of the default outputs (feeds, WARC, database, spool, dead letters, state, run reports), each of which
# also has its own setting, which wins; the environment variable or -s NEWSARCHIVE_DATA_DIR moves them all
# (newsarchive/datadir.py).
NEWSARCHIVE_DATA_DIR = DATA_DIR
# Host -> base URL of a local server (dict, or JSON with -s). Empty: live sites.
NEWSARCHIVE_HOST_MAP: dict[str, str] = {}
# Retry backoff: base * 2 ** (attempt - 1) seconds, capped; Retry-After wins.
NEWSARCHIVE_RETRY_BACKOFF_BASE = 1.0
NEWSARCHIVE_RETRY_BACKOFF_MAX = 60.0
# Where the icma spider starts (list, or JSON with -s).
NEWSARCHIVE_START_URLS = [
    "https://icma.az/",
    "https://icma.az/sitemap.xml",
]
# Highest listing page followed (?page=N). Paging also stops at a page that shows no article
# its listing has not shown (empty or repeating pages: a pagination trap).
NEWSARCHIVE_MAX_LISTING_PAGES = 10000

# --- Cited sources (untrusted links; see newsarchive/netpolicy.py) -----------
# Fetch private/loopback/link-local addresses. Never in production.
NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES = False
# The aggregator's own hosts: always allowed by the domain lists.
NEWSARCHIVE_AGGREGATOR_HOSTS = ["icma.az"]
# Title similarity (0..1) a home-page-only citation's candidate must reach.
NEWSARCHIVE_ORIGIN_MATCH_THRESHOLD = 0.85
# Candidates must be published within this many hours of the aggregator's time.
NEWSARCHIVE_ORIGIN_MATCH_WINDOW_HOURS = 72
# Child sitemaps read per source site when resolving home-page-only citations.
NEWSARCHIVE_ORIGIN_MAX_SITEMAPS = 20
# Nesting of sitemap indexes followed on a source site (robots.txt/feed-declared sitemaps are depth 0).
NEWSARCHIVE_ORIGIN_MAX_SITEMAP_DEPTH = 2
# Per-run cap on requests to one source domain (articles and its lists: home page, robots.txt, feeds, sitemaps).
NEWSARCHIVE_ORIGIN_MAX_REQUESTS_PER_DOMAIN = 2000
# Cited originals whose outcome (origin and text, ~2 KB) a run keeps in memory for later records citing them;
# older ones move to a temporary SQLite file (newsarchive/origin/spill.py), so a long backfill's memory stays flat.
NEWSARCHIVE_ORIGIN_OUTCOMES_IN_MEMORY = 10000
# Site names learned from the <title> of a source site's pages (newsarchive/pages/site_names.py): the last
# this many titles per host are kept (in memory and in the state store) …
NEWSARCHIVE_SITE_NAMES_TITLES = 8
# … for at most this many hosts, the least recently fetched dropped first.
NEWSARCHIVE_SITE_NAMES_HOSTS = 2000
# If set, only these source domains (and subdomains) are fetched.
NEWSARCHIVE_SOURCE_DOMAINS_ALLOW: list[str] = []
# Source domains never fetched.
NEWSARCHIVE_SOURCE_DOMAINS_DENY: list[str] = []

# --- Incremental scheduled runs (see newsarchive/state.py) ------------------
# Skip articles earlier runs archived; re-visit recent ones; stop paging at known territory.
NEWSARCHIVE_INCREMENTAL = True
# Listing pages made only of known articles to read before paging stops.
NEWSARCHIVE_INCREMENTAL_OVERLAP_PAGES = 1
# Articles published in the last N days are re-visited (views, comments, edits).
NEWSARCHIVE_REVISIT_DAYS = 2.0
# The state store (SQLite); never silently recreated when unreadable.
NEWSARCHIVE_STATE_PATH = f"{DATA_DIR}/state.sqlite3"
# "Now" for re-visits and relative dates (ISO 8601); empty: the clock. For replays and the mirror.
NEWSARCHIVE_REFERENCE_TIME = ""

# --- Origin backlog: citations a run could not resolve, retried by later runs (newsarchive/origin/backlog.py)
# Work through the backlog at the start of every icma run (and with `scrapy crawl sources -a backlog=1`).
NEWSARCHIVE_BACKLOG_ENABLED = True
# Hours a site waits after a failed backlog attempt, doubled per further failure, up to _MAX_HOURS.
NEWSARCHIVE_BACKLOG_BACKOFF_HOURS = 0.5
NEWSARCHIVE_BACKLOG_BACKOFF_MAX_HOURS = 48.0
# Attempts (the first run's included) after which a citation leaves the backlog unresolved.
NEWSARCHIVE_BACKLOG_MAX_ATTEMPTS = 10
# Backlog entries taken per run (oldest first); 0: all that are due.
NEWSARCHIVE_BACKLOG_MAX_PER_RUN = 5000
# A not_found citation leaves the backlog when it is still not found this many hours after the first time.
NEWSARCHIVE_BACKLOG_NOT_FOUND_HOURS = 24.0

# --- Sitemaps of scheduled runs (newsarchive/validators.py) -------------------
# Hours between full sitemap sweeps (every child re-read unconditionally, to catch what listings
# missed); between sweeps only children whose <lastmod> is newer than the last complete run are
# fetched, conditionally. 0: every run sweeps.
NEWSARCHIVE_SITEMAP_FULL_SWEEP_HOURS = 24.0

# --- Archive: WARC (newsarchive/middlewares/warc.py) -------------------------
NEWSARCHIVE_WARC_ENABLED = True
NEWSARCHIVE_WARC_DIR = f"{DATA_DIR}/warc"
# Bytes per file before rotating (a file may exceed it by one record).
NEWSARCHIVE_WARC_MAX_SIZE = 1024**3
# File name prefix; empty: the spider name.
NEWSARCHIVE_WARC_PREFIX = ""

# --- Archive: database (pipelines/database.py) ------------------------------
NEWSARCHIVE_DATABASE_ENABLED = True
# sqlite:///path or postgresql://user:password@host/db (needs the "postgres" extra).
NEWSARCHIVE_DATABASE_URL = os.environ.get("NEWSARCHIVE_DATABASE_URL", f"sqlite:///{DATA_DIR}/newsarchive.sqlite3")
NEWSARCHIVE_DATABASE_BATCH_SIZE = 100
# Where records wait when the database is down; empty: data/spool/<db-name>.jsonl.
NEWSARCHIVE_DATABASE_SPOOL = ""
# Refusals (this run's write, then later runs' drains) after which a record leaves the spool.
NEWSARCHIVE_DATABASE_MAX_ATTEMPTS = 3
# Where such records go, with the reason; empty: <data dir>/dead-letter/<db-name>.jsonl.
NEWSARCHIVE_DATABASE_DEAD_LETTER = ""

# --- Run report and monitors (see newsarchive/monitors.py) -------------------
# Write the end-of-run summary and data/runs/<spider>-<UTC>.json; `scrapy crawl` exits 1 when a monitor fails.
NEWSARCHIVE_REPORT_ENABLED = True
# Live progress line on stderr: "auto" (only on a terminal), "on", "off".
NEWSARCHIVE_PROGRESS = "auto"
NEWSARCHIVE_PROGRESS_INTERVAL = 2.0
# finish_reason values that count as a complete run.
NEWSARCHIVE_MONITOR_FINISH_REASONS = ["finished"]
# Minimum share of items with a non-empty field (merged over these defaults; null disables a field).
NEWSARCHIVE_MONITOR_FIELD_COVERAGE = {"title": 1.0, "body": 0.95, "published_at": 0.95, "source_name": 0.95}
# Max (ERROR + CRITICAL log lines) / downloader/request_count.
NEWSARCHIVE_MONITOR_MAX_ERROR_RATE = 0.1
# Max newsarchive/dates/unparsed / item_scraped_count.
NEWSARCHIVE_MONITOR_MAX_UNPARSED_DATES = 0.05
# Minimum item_scraped_count per run.
NEWSARCHIVE_MONITOR_MIN_ITEMS = 1
# Where run reports go.
NEWSARCHIVE_RUNS_DIR = f"{DATA_DIR}/runs"
# Fields a page kind never has: left out of that field's coverage (story pages: no archive line, counters, link).
NEWSARCHIVE_MONITOR_COVERAGE_NOT_APPLICABLE = {
    "story": ["published_at", "published_at_raw", "views", "comments", "source_url", "origin_url"],
}
# Max records that fail schema/article.schema.json (spidermon/validation/items/errors).
NEWSARCHIVE_MONITOR_MAX_INVALID_ITEMS = 0
# Alerts when a monitor fails: "email", "slack", "telegram", "sentry" or dotted paths of spidermon actions;
# each reads its SPIDERMON_* settings (SPIDERMON_TELEGRAM_SENDER_TOKEN, SPIDERMON_SMTP_HOST, ...).
NEWSARCHIVE_ALERTS: list[str] = []
# Telegram Bot API base URL of the "telegram" alert.
NEWSARCHIVE_ALERT_TELEGRAM_API = "https://api.telegram.org"

# --- Spidermon: runs the monitors (newsarchive/monitors.py) and validates items --------
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newsarchive.monitors.RunMonitors"]
# Article records only (the sources spider's Origin records have their own shape); a deployed egg
# without schema/ validates nothing (item_validation then passes with 0 records checked).
SPIDERMON_VALIDATION_SCHEMAS = {Article: str(SCHEMA_PATH)} if SCHEMA_PATH.exists() else {}

# --- Layout drift (newsarchive/drift.py): per-source baselines in the state file ----
NEWSARCHIVE_DRIFT_ENABLED = True
# A source is judged only once its baseline holds this many pages, and the run this many.
NEWSARCHIVE_DRIFT_MIN_PAGES = 20
NEWSARCHIVE_DRIFT_MIN_RUN_PAGES = 10
# Drift: a field's fill rate falls by more than this (absolute share, 0..1).
NEWSARCHIVE_DRIFT_MAX_FILL_DROP = 0.3
# Drift: the median or 10th-percentile body length falls by more than this fraction.
NEWSARCHIVE_DRIFT_MAX_BODY_DROP = 0.5
# Drift: the share of an extraction method, or of not-an-article pages, moves by more than this.
NEWSARCHIVE_DRIFT_MAX_SHARE_CHANGE = 0.3
# Pages a baseline remembers (older runs fade out proportionally).
NEWSARCHIVE_DRIFT_BASELINE_PAGES = 1000
# Sample pages saved per drifted field, and where (<dir>/<source>/<run>/<field>/); empty: <NEWSARCHIVE_DATA_DIR>/drift.
NEWSARCHIVE_DRIFT_SAMPLES = 3
NEWSARCHIVE_DRIFT_DIR = ""

# --- Distributed mode (newsarchive/distributed) ------------------------------
# Redis URL of the shared frontier (redis://host:6379/0, unix:///path); empty: one process alone.
NEWSARCHIVE_REDIS_URL = os.environ.get("NEWSARCHIVE_REDIS_URL", "")
# Key prefix of one frontier (per spider; add a run id for per-run frontiers).
NEWSARCHIVE_REDIS_PREFIX = "newsarchive:%(spider)s"
# Requests popped per round trip.
NEWSARCHIVE_REDIS_BATCH = 16
# Heartbeat period, and silence after which a worker is dead and its requests re-queued.
NEWSARCHIVE_REDIS_HEARTBEAT = 1.0
NEWSARCHIVE_REDIS_WORKER_TIMEOUT = 10.0
# How often an idle worker looks for new work while others still hold some.
NEWSARCHIVE_REDIS_IDLE_POLL = 0.1
# Requests with any of these meta keys stay in their process (they depend on its memory).
NEWSARCHIVE_REDIS_LOCAL_META = ["newsarchive_origin"]
# The run-wide filter also applies to dont_filter requests (not retries).
NEWSARCHIVE_REDIS_FILTER_DONT_FILTER = True
# Seconds a worker keeps retrying an unreachable Redis before it stops (exit 1), leaving its work to others.
NEWSARCHIVE_REDIS_OUTAGE_TIMEOUT = 30.0
# This worker's name in the frontier, stats and logs; empty: <host>:<pid>:<random>.
NEWSARCHIVE_REDIS_WORKER_ID = ""
# Keep the frontier after a finished run (False: the last worker clears it).
SCHEDULER_PERSIST = False

# Sharded replay (``scrapy replay --workers N`` sets it in each worker): the file of this worker's share,
# written by the parent (newsarchive.replay.ReplayShare: its articles, the records that answer its requests);
# empty: an unsharded replay (every article, its own WARC index).
NEWSARCHIVE_REPLAY_SHARE = ""
# WARC file or folder the replay download handler answers from (`scrapy replay` sets it); empty: none.
NEWSARCHIVE_REPLAY_WARC = ""
# Processes that read the WARC files' record headers when a replay starts (files, and ranges of a large file,
# in parallel; newsarchive.archive.scan); 0: one per CPU this process may use, 1: one pass in the replay's process.
NEWSARCHIVE_REPLAY_INDEX_PROCESSES = 0

# Database passwords (environment or settings, any form) are redacted from every log line from here on.
secrets.install(globals())

# --- Extraction workers (newsarchive/extract_pool.py) ------------------------------------------
# Worker processes that run the page objects (aggregator and cited pages) off the reactor thread;
# 0: in the crawl's own process (the default: on the shared 2-core development machine the pool showed
# no reproducible gain, README "Performance"). Needs the asyncio reactor (else in-process, with a warning).
# With workers, responses wait for them in Scrapy's scraper slot: SCRAPER_SLOT_MAX_ACTIVE_SIZE = 500000
# keeps that memory bounded (the default 5 MB let the crawl's RSS grow by ~120 MB at 1,000 articles).
NEWSARCHIVE_EXTRACT_WORKERS = 0
# Extraction jobs in flight at most (0: 4 per worker); a callback past it waits (back-pressure).
NEWSARCHIVE_EXTRACT_MAX_PENDING = 0
