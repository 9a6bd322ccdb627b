"""Replay archived WARC files instead of the network.

``scrapy replay data/warc`` (or ``scrapy crawl icma -s NEWSARCHIVE_REPLAY_WARC=data/warc``)
runs the normal spider and pipelines, but every request is answered from the
WARC files of any number of runs: improved extractors can re-process the whole
archive without touching the network.

Which record answers a URL (:meth:`ReplayIndex.choose`):

1. its latest usable capture: a 2xx ``response``, or a ``revisit`` resolved to
   the capture it refers to (``WARC-Refers-To``, else ``-Target-URI`` and
   ``-Date``, else the latest earlier capture with the same payload digest).
   The request gets the *original* capture's record id and date, as the
   database kept them when the server answered ``304``;
2. else its latest other response (a redirect hop, a 404, a 500 after retries);
3. else its latest recorded failure (a ``metadata`` record with ``fetch-error``),
   raised again: :class:`~newsarchive.netpolicy.BlockedURLError` for a blocked
   address, :class:`ReplayedFailureError` (with the recorded error) otherwise;
4. else :class:`ReplayMissError` (``newsarchive/replay/miss``): the runs never
   fetched it. The origin follower leaves such a citation as the runs left it.

The index is built once when the crawl starts, in one pass over the files (files and
ranges of a large file read in parallel: :mod:`newsarchive.archive.scan`); that pass also
rewrites a ``.cdxj`` index that is missing, unsorted or incomplete (a killed run), counted
in ``newsarchive/replay/indexes_rebuilt``.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request as ScrapyRequest
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from w3lib.encoding import http_content_type_encoding
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsarchive.archive.scan import Entry, default_processes, scan_files
from newsarchive.archive.warc import SERVER_NOT_MODIFIED, ensure_index, warc_paths
from newsarchive.charset import page_text
from newsarchive.netpolicy import BlockedURLError
from newsarchive.origin.identity import origin_key, page_key
from newsarchive.pages.site_names import TITLE_SEARCH_CHARS, page_title
from newsarchive.urls import canonical_url, host_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: What reading an archived record can raise when the record is damaged (truncated, not gzip, ...).
UNREADABLE = (OSError, ValueError, StopIteration, ArchiveLoadFailed)


class ReplayMissError(Exception):
    """The requested URL has no record in the replayed WARC files: the runs never fetched it."""


class ReplayedFailureError(Exception):
    """The runs' request for this URL failed; the message is the recorded ``fetch-error``."""


# kept for callers of the old API
RecordRef = Entry


@dataclass
class ReplayIndex:
    """Every response, revisit and failure of the replayed files, by URL, in date order."""

    by_url: dict[str, list[Entry]] = field(default_factory=dict)
    by_id: dict[str, Entry] = field(default_factory=dict)
    rebuilt: list[Path] = field(default_factory=list)
    files: int = 0

    @classmethod
    def build(cls, paths: list[Path], *, repair_indexes: bool = True, processes: int = 1) -> ReplayIndex:
        """The index of *paths*, read in up to *processes* processes (:func:`~newsarchive.archive.scan.scan_files`)."""
        index = cls(files=len(paths))
        for path, scan in zip(paths, scan_files(paths, processes), strict=True):
            for entry in scan.records:
                index.by_url.setdefault(entry.url, []).append(entry)
                index.by_id[entry.record_id] = entry
            if repair_indexes and path.name.endswith(".warc.gz"):
                try:
                    if ensure_index(path, sorted(scan.lines)):
                        index.rebuilt.append(path)
                except OSError as exc:  # a read-only archive: replay it all the same
                    logger.warning("Replay: cannot rewrite the index of %(path)s: %(error)s",
                                   {"path": path, "error": exc})
        for entries in index.by_url.values():
            entries.sort(key=lambda e: e.date)
        return index

    def __len__(self) -> int:
        return len(self.by_url)

    def latest_is_revisit(self, url: str) -> bool:
        entries = self.by_url.get(url)
        return entries is not None and entries[-1].kind == "revisit"

    def original(self, revisit: Entry) -> Entry | None:
        """The 2xx capture a revisit refers to, or ``None`` when the replayed files do not hold it."""
        seen = 0
        entry: Entry | None = revisit
        while entry is not None and entry.kind == "revisit" and seen < 10:
            seen += 1
            entry = self._referred(entry)
        return entry if entry is not None and entry.ok else None

    def _referred(self, revisit: Entry) -> Entry | None:
        if revisit.refers_to and revisit.refers_to in self.by_id:
            return self.by_id[revisit.refers_to]
        candidates = self.by_url.get(revisit.refers_to_uri or revisit.url, [])
        if revisit.refers_to_date:
            for entry in candidates:
                if entry.date == revisit.refers_to_date and entry.kind != "failure":
                    return entry
        for entry in reversed(candidates):  # identical-payload-digest without a date: latest earlier match
            if entry.date < revisit.date and entry.ok and revisit.digest and entry.digest == revisit.digest:
                return entry
        return None

    def choose(self, url: str) -> Entry | None:
        """The record that answers *url* (see the module docs); a resolved revisit gives its original."""
        entries = self.by_url.get(url)
        if not entries:
            return None
        for entry in reversed(entries):
            if entry.ok:
                return entry
            if entry.kind == "revisit":
                original = self.original(entry)
                if original is not None:
                    return original
        for entry in reversed(entries):
            if entry.kind == "response":
                return entry
        return entries[-1] if entries[-1].kind == "failure" else None


def index_processes(settings: BaseSettings) -> int:
    """How many processes read the WARC files when a replay starts (``NEWSARCHIVE_REPLAY_INDEX_PROCESSES``)."""
    return settings.getint("NEWSARCHIVE_REPLAY_INDEX_PROCESSES") or default_processes()


def build_index(paths: list[Path]) -> dict[str, Entry]:
    """URL → the record that answers it (see :meth:`ReplayIndex.choose`)."""
    index = ReplayIndex.build(paths, repair_indexes=False)
    return {url: chosen for url in index.by_url if (chosen := index.choose(url)) is not None}


def read_response(ref: Entry, request: Request) -> Response:
    with ref.path.open("rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh)))
        http = record.http_headers
        status = int(http.get_statuscode()) if http is not None else 200
        headers = Headers([(k, v) for k, v in http.headers] if http is not None else [])
        body = record.raw_stream.read()
    # The WARC keeps the body as received (still Content-Encoded); HttpCompressionMiddleware
    # decodes it as on a live crawl. Transfer-Encoding was already undone by the client.
    headers.pop(b"Transfer-Encoding", None)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=headers, body=body, request=request,
               flags=["replayed"])


class WarcReplayDownloadHandler:
    """A download handler that answers from WARC files (``NEWSARCHIVE_REPLAY_WARC``)."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        source = crawler.settings.get("NEWSARCHIVE_REPLAY_WARC")
        if not source:
            raise ValueError("WarcReplayDownloadHandler needs NEWSARCHIVE_REPLAY_WARC (a WARC file or folder)")
        files = warc_paths(source)
        if not files:
            raise FileNotFoundError(f"no .warc/.warc.gz files under {source}")
        self.index: ReplayIndex | ReplayShare
        share = crawler_share(crawler)  # one worker of a sharded replay: the parent read the files
        shared: ReplayIndex | None = getattr(crawler, "_newsarchive_replay_index", None)
        if share is not None:
            self.index = share
        elif shared is not None:  # the http and https handlers of one crawl: one index, built once
            self.index = shared
            return
        else:
            self.index = ReplayIndex.build(files, processes=index_processes(crawler.settings))
            crawler._newsarchive_replay_index = self.index  # type: ignore[attr-defined]
        stats = self.stats
        if stats.get_value("newsarchive/replay/files") is not None:
            return  # the other scheme's handler of a sharded worker
        stats.set_value("newsarchive/replay/files", self.index.files)
        stats.set_value("newsarchive/replay/indexed", len(self.index))
        if isinstance(self.index, ReplayIndex):
            stats.set_value("newsarchive/replay/indexes_rebuilt", len(self.index.rebuilt))
            for path in self.index.rebuilt:
                logger.warning("Replay: rewrote the CDXJ index of %(path)s (missing, unsorted or incomplete)",
                               {"path": path})
        logger.info("Replaying %(n)d URLs from %(files)d WARC files", {"n": len(self.index), "files": self.index.files})

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        entry = self.index.choose(request.url)
        if entry is None:
            self.stats.inc_value("newsarchive/replay/miss")
            raise ReplayMissError(f"not in the replayed WARC files: {request.url}")
        if entry.kind == "failure":
            self.stats.inc_value("newsarchive/replay/failure")
            if entry.error.startswith("BlockedURLError"):
                raise BlockedURLError(entry.error.partition(": ")[2] or entry.error)
            raise ReplayedFailureError(entry.error)
        self.stats.inc_value("newsarchive/replay/hit")
        if self.index.latest_is_revisit(request.url) and entry.ok:
            self.stats.inc_value("newsarchive/replay/revisit_resolved")
        # The archived capture's identity and time, so replayed records match the originals.
        request.meta["warc_record_id"] = entry.record_id
        request.meta["newsarchive_fetched_at"] = entry.date
        return read_response(entry, request)

    async def close(self) -> None:
        pass


@dataclass(frozen=True)
class ReplayShare:
    """One worker's share of a sharded replay, written by the parent (``scrapy replay --workers N``).

    The parent reads the WARC files once (:meth:`ReplayIndex.build`, no HTML parsed) and gives
    each worker the aggregator articles it re-extracts (``articles``) and the record that
    answers each URL it may request (``choices``: its own articles and every URL that is not
    an aggregator article, i.e. lists, cited pages, robots.txt, redirect hops), already chosen
    by :meth:`ReplayIndex.choose`. A worker reads no list and no other worker's article.
    """

    shard: int
    count: int
    articles: tuple[str, ...]
    choices: dict[str, Entry]
    revisited: frozenset[str]  # URLs whose latest record is a revisit (``newsarchive/replay/revisit_resolved``)
    files: int
    indexed: int

    def choose(self, url: str) -> Entry | None:
        return self.choices.get(url)

    def latest_is_revisit(self, url: str) -> bool:
        return url in self.revisited

    def __len__(self) -> int:
        return self.indexed

    def write(self, path: Path) -> None:
        with path.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def read(cls, path: str | Path) -> ReplayShare:
        """A share file the parent wrote (trusted input: the replay's own output folder)."""
        with Path(path).open("rb") as fh:
            share = pickle.load(fh)  # written by this replay's parent process
        if not isinstance(share, cls):
            raise TypeError(f"not a replay share file: {path}")
        return share


def replayed_urls(crawler: Crawler) -> Iterable[str]:
    """Every URL the replay of *crawler* can answer (a worker's: its share's); none outside a replay
    (or before the replay's download handler has read the archive)."""
    share = crawler_share(crawler)
    if share is not None:
        return share.choices.keys()
    index: ReplayIndex | None = getattr(crawler, "_newsarchive_replay_index", None)
    return index.by_url.keys() if index is not None else ()


def replayed_entries(crawler: Crawler) -> Iterable[Entry]:
    """The record that answers each URL the replay of *crawler* can answer (a worker's: its share's)."""
    share = crawler_share(crawler)
    if share is not None:
        return share.choices.values()
    index: ReplayIndex | None = getattr(crawler, "_newsarchive_replay_index", None)
    if index is None:
        return ()
    return [chosen for url in index.by_url if (chosen := index.choose(url)) is not None]


def archived_titles(entries: Iterable[Entry], per_host: int,
                    skip_hosts: frozenset[str] = frozenset()) -> list[tuple[str, list[str]]]:
    """Per host, the ``<title>`` of its last *per_host* archived HTML pages (2xx, in capture order).

    What a replay learns site names from (:class:`spiders.origins.SiteNameMemory`): the archive's
    own titles, read before anything is extracted, so every process of a sharded replay learns the
    same names whatever pages it replays. Pages of *skip_hosts* (the aggregator's) are not read.
    Each host's pages are read newest first, only until it has *per_host* titles (not the whole
    archive at every replay's start). Hosts come in the order of their last titled page, the
    least recent first: as a run that captured the pages holds them (its learner keeps the most
    recently used hosts).
    """
    by_host: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.ok and (host := host_of(entry.url)) not in skip_hosts:
            by_host.setdefault(host, []).append(entry)
    found: list[tuple[tuple[str, str], str, list[str]]] = []
    for host, pages in by_host.items():
        titles: list[str] = []
        last: tuple[str, str] | None = None
        for entry in sorted(pages, key=lambda e: (e.date, e.url), reverse=True):
            if len(titles) >= per_host:
                break
            try:
                title = entry_title(entry)
            except UNREADABLE:
                continue  # an unreadable record: its own replay fails on it too, and says so (replay stats)
            if title:
                titles.append(title)
                last = last or (entry.date, entry.url)
        if last is not None:
            found.append((last, host, titles[::-1]))
    return [(host, titles) for _, host, titles in sorted(found)]


def entry_title(entry: Entry) -> str | None:
    """The ``<title>`` of the archived page of *entry*; ``None`` when it is not HTML or has none."""
    html = entry_html(entry)
    return page_title(html) if html is not None else None


def entry_html(entry: Entry) -> str | None:
    """The opening of the archived page of *entry* (where its ``<head>`` is), decoded; ``None`` when not HTML."""
    with entry.path.open("rb") as fh:
        fh.seek(entry.offset)
        record = next(iter(ArchiveIterator(fh)))
        http = record.http_headers
        content_type = (http.get_header("Content-Type") or "") if http is not None else ""
        if "html" not in content_type.lower():
            return None
        body = record.content_stream().read(4 * TITLE_SEARCH_CHARS)  # content encoding undone
    return page_text(body, http_content_type_encoding(content_type))[0]


def declared_aliases(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """Identity key → the URLs of the archived pages among *entries* (2xx HTML) that name themselves by a
    URL of that key (canonical link, ``og:url``) while their own URL gives another key: an old slug whose
    page names the current URL. A run that fetched such a page under the old slug shared it with the
    records citing the current URL, which it never requested; a replay finds it here. The key is the one
    the extraction gives the page (:func:`~newsarchive.origin.identity.page_key` of its final URL)."""
    aliases: dict[str, list[str]] = {}
    for entry in entries:
        if not entry.ok:
            continue
        try:
            html = entry_html(entry)
        except UNREADABLE:
            continue  # an unreadable record: its own replay fails on it too, and says so (replay stats)
        if not html:
            continue
        url = canonical_url(entry.url)
        key = page_key(url, html)
        if key != origin_key(url):
            aliases.setdefault(key, []).append(entry.url)
    return aliases


def split_shares(index: ReplayIndex, is_article: Callable[[str], bool], count: int) -> list[ReplayShare]:
    """Divide the archive's aggregator articles over *count* workers (round robin over the sorted URLs).

    An article is a URL of the index that *is_article* accepts and that is its own canonical
    form (the spider requests articles by canonical URL; another form is only reached through
    a redirect or a link, never requested as an article of its own).
    """
    choices: dict[str, Entry] = {}
    revisited: set[str] = set()
    articles: list[str] = []
    for url, entries in index.by_url.items():
        chosen = index.choose(url)
        if chosen is not None:
            choices[url] = chosen
        if entries[-1].kind == "revisit":
            revisited.add(url)
        if is_article(url) and canonical_url(url) == url:
            articles.append(url)
    articles.sort()
    listed = set(articles)
    shared = {url: entry for url, entry in choices.items() if url not in listed}
    shares: list[ReplayShare] = []
    for k in range(count):
        own = tuple(articles[k::count])
        mine = dict(shared)
        mine.update((url, choices[url]) for url in own if url in choices)
        shares.append(ReplayShare(k, count, own, mine, frozenset(u for u in revisited if u in mine),
                                  index.files, len(index)))
    return shares


def crawler_share(crawler: Crawler) -> ReplayShare | None:
    """The share file of this worker (``NEWSARCHIVE_REPLAY_SHARE``), read once per crawl; ``None`` when unsharded."""
    path = crawler.settings.get("NEWSARCHIVE_REPLAY_SHARE")
    if not path:
        return None
    share: ReplayShare | None = getattr(crawler, "_newsarchive_replay_share", None)
    if share is None:
        share = ReplayShare.read(path)
        crawler._newsarchive_replay_share = share  # type: ignore[attr-defined]
    return share


class ReplayShardMiddleware:
    """One worker's share of a sharded replay (``scrapy replay --workers N``, ``NEWSARCHIVE_REPLAY_SHARE``).

    The worker does not walk the lists: the spider's start requests are replaced by requests for
    the share's articles (through the spider's own ``_article_request``, so they are made exactly
    as a listed article's), and an article request the spider yields for a link on an article page
    is dropped (every archived article is already some worker's). Citations and everything else
    go on as usual. Counted in ``newsarchive/replay/shard/own`` and ``newsarchive/replay/shard/dropped``.
    """

    def __init__(self, crawler: Crawler, share: ReplayShare) -> None:
        self.crawler = crawler
        self.share = share
        self.own = frozenset(share.articles)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        share = crawler_share(crawler)
        if share is None:
            raise NotConfigured("NEWSARCHIVE_REPLAY_SHARE is not set (an unsharded replay)")
        return cls(crawler, share)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider: Any = self.crawler.spider
        self.stats.set_value("newsarchive/replay/shard/own", len(self.share.articles))
        logger.info("Replay worker %(k)d of %(n)d: %(articles)d articles",
                    {"k": self.share.shard, "n": self.share.count, "articles": len(self.share.articles)})
        for url in self.share.articles:
            for request in spider._article_request(url):
                yield request

    def process_spider_output(self, response: Response, result: Iterable[object]) -> Iterator[object]:
        for thing in result:
            if self._keep(thing):
                yield thing

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[object]) -> AsyncIterator[object]:
        async for thing in result:
            if self._keep(thing):
                yield thing

    def _keep(self, thing: object) -> bool:
        if not isinstance(thing, ScrapyRequest) or getattr(thing.callback, "__name__", "") != "parse_article" \
                or thing.url in self.own:
            return True
        self.stats.inc_value("newsarchive/replay/shard/dropped")
        return False


__all__ = ["SERVER_NOT_MODIFIED", "Entry", "ReplayIndex", "ReplayMissError", "ReplayShardMiddleware",
           "ReplayShare", "ReplayedFailureError", "WarcReplayDownloadHandler", "build_index", "crawler_share",
           "read_response", "split_shares"]
