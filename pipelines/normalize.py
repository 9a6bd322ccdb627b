"""Normalise every record: text fields, publication times, content hash.

``NormalizePipeline`` is the first pipeline after extraction. It

- runs :func:`~newsarchive.normalize.text.normalize_text` over the text fields
  of the record (``title``, ``body``, ``author``, ``source_name``) and of its
  ``origin`` (``title``, ``body``, ``author``); URL fields are left alone; a
  field that normalises to ``""`` becomes ``None``;
- parses ``published_at_raw`` (and ``origin.published_at_raw``) with the
  record's ``fetched_at`` as the reference and its ``lang`` as a hint, and writes
  ``published_at`` as ISO 8601 with offset, unless the page already set
  ``published_at`` (structured data wins); a string it cannot read is counted
  in ``newsarchive/dates/unparsed`` and logged at DEBUG;
- removes what no database or UTF-8 file can store (lone surrogates, NUL and the other
  C0/C1 controls except tab and newline, Unicode noncharacters;
  :func:`~newsarchive.normalize.text.storable_text`) from every other string field of the
  record and of its ``origin``, URLs and raw dates included, so the database never sees
  them; each field that had some is counted in ``newsarchive/normalize/unstorable``;
- sets ``content_hash`` from the normalised title and body.

It only cleans what is there: it never adds text.

Enable with ``ITEM_PIPELINES = {"pipelines.normalize.NormalizePipeline": 300}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from newsarchive.items import ArticleGone, Origin
from newsarchive.normalize.dates import parse_datetime, to_iso
from newsarchive.normalize.text import content_hash, normalize_text, storable_text

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Text fields of the record and of its origin.
ARTICLE_TEXT_FIELDS = ("title", "body", "author", "source_name")
ORIGIN_TEXT_FIELDS = ("title", "body", "author", "publisher")

STAT_PARSED = "newsarchive/dates/parsed"
STAT_UNPARSED = "newsarchive/dates/unparsed"
STAT_KEPT = "newsarchive/dates/structured"
STAT_UNSTORABLE = "newsarchive/normalize/unstorable"


class NormalizePipeline:
    """Normalise text, parse ``published_at_raw``, compute ``content_hash``."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleGone):
            return item  # an event for the database, no text to normalise
        adapter = ItemAdapter(item)
        reference = self._reference(adapter.get("fetched_at"))
        lang = adapter.get("lang")
        self._storable(adapter, ARTICLE_TEXT_FIELDS)
        _normalize_fields(adapter, ARTICLE_TEXT_FIELDS)
        self._published_at(adapter, reference, lang)
        origin = adapter.get("origin")
        if origin is not None and ItemAdapter.is_item(origin):
            origin_adapter = ItemAdapter(origin)
            self._storable(origin_adapter, ORIGIN_TEXT_FIELDS)
            _normalize_fields(origin_adapter, ORIGIN_TEXT_FIELDS)
            if isinstance(authors := origin_adapter.get("authors"), list):  # the names behind ``author``
                origin_adapter["authors"] = [n for a in authors if isinstance(a, str) and (n := normalize_text(a))]
            self._published_at(origin_adapter, reference, lang)
        if not isinstance(item, Origin):  # originals archived by the sources spider carry no hash
            adapter["content_hash"] = content_hash(adapter.get("title"), adapter.get("body"))
        return item

    @staticmethod
    def _reference(fetched_at: object) -> datetime | None:
        if not isinstance(fetched_at, str):
            return None
        value = parse_datetime(fetched_at)
        return value if isinstance(value, datetime) else None

    def _published_at(
        self, adapter: ItemAdapter, reference: datetime | None, lang: str | None
    ) -> None:
        if adapter.get("published_at"):
            self._inc(STAT_KEPT)
            return
        raw = adapter.get("published_at_raw")
        if not isinstance(raw, str) or not raw.strip():
            return
        value = parse_datetime(raw, reference=reference, lang=lang)
        if value is None:
            self._inc(STAT_UNPARSED)
            logger.debug("Unparsed date %(raw)r", {"raw": raw})
            return
        self._inc(STAT_PARSED)
        adapter["published_at"] = to_iso(value)

    def _storable(self, adapter: ItemAdapter, text_fields: tuple[str, ...]) -> None:
        """:func:`storable_text` over every string field except *text_fields* (``normalize_text`` cleans those)."""
        for name in adapter.field_names():
            if name in text_fields:
                continue
            value = adapter.get(name)
            if isinstance(value, str):
                clean = storable_text(value)
                if clean != value:
                    adapter[name] = clean
                    self._inc(STAT_UNSTORABLE)
                    logger.debug("Removed unstorable characters from %(field)s", {"field": name})

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _normalize_fields(adapter: ItemAdapter, fields: tuple[str, ...]) -> None:
    for name in fields:
        value = adapter.get(name)
        if isinstance(value, str):
            adapter[name] = normalize_text(value) or None
