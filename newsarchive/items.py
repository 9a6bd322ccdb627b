"""The archive record: one :class:`Article` per aggregator page.

Field names are a contract with downstream users (JSON lines, database rows);
``schema/article.schema.json`` describes the same record as JSON Schema and the
tests check that every record a crawl yields validates against it.

Timestamps are ISO 8601 strings with an explicit offset; ``*_raw`` fields keep
the string exactly as the page showed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["news", "story"]
Lang = Literal["az", "ru"]
OriginStatus = Literal["ok", "not_found", "unreachable", "blocked", "not_attempted"]
OriginMethod = Literal["link", "matched"]


@dataclass(kw_only=True)
class Origin:
    """The original article on the cited source site."""

    url: str
    """Final URL of the original after redirects, canonicalised."""

    title: str | None = None
    """Headline as the source shows it, normalised."""

    body: str | None = None
    """Main text, normalised, paragraphs joined by a blank line."""

    author: str | None = None
    """Byline, when the source names one."""

    published_at: str | None = None
    """Publication time from the source, ISO 8601 with offset (Asia/Baku when
    the source gives no zone); a bare date (``YYYY-MM-DD``) when the source
    shows no time."""

    published_at_raw: str | None = None
    """The source's date string as seen (JSON-LD, meta or visible text)."""

    site: str | None = None
    """Host name of the source site, without ``www.`` (``report.az``)."""


@dataclass(kw_only=True)
class Article:
    """One aggregator article page and what is known about its origin."""

    url: str
    """Canonical aggregator URL (``https://icma.az/news/<slug>-<id>``); the archive key."""

    article_id: str | None = None
    """Trailing numeric id of the URL slug, as a string. ``/news/`` and
    ``/story/`` ids are separate number spaces: key on ``url``."""

    kind: Kind | None = None
    """``news`` for ``/news/`` pages, ``story`` for ``/story/`` pages."""

    lang: Lang | None = None
    """Edition: ``az`` or ``ru``."""

    title: str | None = None
    """Headline, normalised, once."""

    body: str | None = None
    """Article text, normalised; paragraphs joined by a blank line; the
    attribution sentence, closing line, author line, icon words, comments and
    sidebars removed."""

    author: str | None = None
    """Author line at the end of the body, when present."""

    views: int | None = None
    """View count (``Baxış sayı``) at fetch time."""

    comments: int | None = None
    """Comment count (``N Şərh``) at fetch time."""

    published_at: str | None = None
    """When the aggregator took the item from the source (the line ``Bu xəbər
    <date> mənbədən arxivləşdirilmişdir``), ISO 8601 with the Asia/Baku offset."""

    published_at_raw: str | None = None
    """The date string of the archive line as seen."""

    source_name: str | None = None
    """Source named in the attribution sentence (``Bakivaxti``, ``Mia.az``)."""

    source_url: str | None = None
    """The ``Mənbə:`` link exactly as given (may be a home page only)."""

    origin_url: str | None = None
    """URL of the original article on the source site, or null."""

    origin: Origin | None = None
    """The original article, when it was fetched and extracted."""

    origin_status: OriginStatus = "not_attempted"
    """What happened when following the citation."""

    origin_method: OriginMethod | None = None
    """``link``: the ``Mənbə:`` link was the article; ``matched``: found on the
    source's feed/sitemap/listing by title; null when no origin was found."""

    origin_similarity: float | None = None
    """Share (0..1) of the aggregator body found in the original's text."""

    fetched_at: str | None = None
    """When the aggregator page was downloaded, ISO 8601 UTC (``Z``)."""

    content_hash: str | None = None
    """``sha256:<hex>`` of the normalised title and body; a change means a new revision."""

    warc_record_id: str | None = None
    """``WARC-Record-ID`` of the response record holding the raw page, or null."""

    origin_note: str | None = None
    """Why ``origin_status`` is not ``ok``: a short machine-readable word
    (``domain_cap``, ``follow_origins_off``, ``http_503``, ``timeout``, ``no_match``,
    ``dropped_depth``, ``run_ended``, ...; the list is in
    :mod:`newsarchive.origin.notes`); null when the origin is ``ok``."""

