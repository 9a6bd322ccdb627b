"""The archive record: one :class:`Article` per aggregator page.

Field names are a contract with downstream users (JSON lines, database rows);
``schema/article.schema.json`` describes the same record as JSON Schema and the
tests check that every record a crawl yields validates against it.

Timestamps are ISO 8601 strings with an explicit offset; ``*_raw`` fields keep
the string exactly as the page showed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["news", "story"]
Lang = Literal["az", "ru"]
OriginStatus = Literal["ok", "not_found", "unreachable", "blocked", "not_attempted"]
OriginMethod = Literal["link", "matched"]

#: Version of the record's shape (``MAJOR.MINOR``): additive changes (a new optional field) raise
#: the minor number; anything else a new major number with an upgrade note in the README. Records
#: of release 8d32d38 and earlier carry no version and are ``1.0``; ``1.2`` added ``origin.key``.
SCHEMA_VERSION = "1.2"


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
    """Publication time from the source, ISO 8601 in the offset the source
    states (an instant keeps its offset; Asia/Baku only when the source gives
    no zone); a bare date (``YYYY-MM-DD``) when the source shows no time."""

    published_at_raw: str | None = None
    """The source's date string as seen (JSON-LD, meta or visible text)."""

    site: str | None = None
    """Host name of the source site, without ``www.`` (``report.az``)."""

    authors: list[str] = field(default_factory=list)
    """The byline's person names, one per entry (no labels, e-mails, handles or
    organisations); ``author`` is these joined by ``, `` (kept for compatibility)."""

    publisher: str | None = None
    """The organisation behind the article (JSON-LD publisher, an agency byline
    like ``USA TODAY``, ``og:site_name``)."""

    modified_at: str | None = None
    """When the source says it last changed the article, ISO 8601 in the offset
    it states (Asia/Baku when none); null when the page does not say."""

    field_methods: dict[str, str] = field(default_factory=dict)
    """Field name → how it was found: ``jsonld``, ``meta`` (``<meta>``,
    microdata, ``<title>``), ``time`` (the article's ``<time>``), ``visible``
    (the ``<h1>``, a date line, a byline link), ``trafilatura``, ``feed`` (the
    matched feed item), ``profile:<site>``. Only fields that have a value."""

    flags: list[str] = field(default_factory=list)
    """Disagreements between sources on the page: ``date_disagrees`` (structured
    and visible dates more than a day apart), ``title_h1_unrelated``."""

    key: str | None = None
    """The original's identity (:func:`newsarchive.origin.identity.origin_key`): the same for
    every URL of one original (tracking parameters, ``http``/``https``, ``www.``, another slug
    with the same article id on a site whose ids are known, the page's own canonical URL):
    ``id:<host>/[<scope>/]<id>`` or ``url:<canonical URL without scheme>``."""


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

    schema_version: str = SCHEMA_VERSION
    """Version of the record shape this record follows (:data:`SCHEMA_VERSION`)."""


@dataclass(kw_only=True)
class ArticleGone:
    """An archived article's page now answers 404/410: the archive marks it gone, never deletes it.

    Not a record of the feed: the database pipeline consumes (and drops) it.
    """

    url: str
    """Canonical aggregator URL of the article."""

    status: int
    """HTTP status of the answer (404 or 410)."""

    fetched_at: str | None = None
    """When the answer arrived, ISO 8601 UTC (the capture's ``WARC-Date``)."""

    warc_record_id: str | None = None
    """``WARC-Record-ID`` of the response record of the answer, or null."""
