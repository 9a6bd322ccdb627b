"""Host (and capture date) → page class: versioned site profiles, as fundus keeps them per publisher.

Like web-poet's rules, the most specific host wins: ``en.azertag.az`` uses the
``azertag.az`` profile unless it has its own entry; ``www.`` is ignored.

A profile is a list of versions, each valid from a date (UTC): when a site is
redesigned, its new page class is *added* with the date of the redesign and the
old one stays, so a capture made before the redesign (a replay passes the
capture's WARC date, ``newsarchive_fetched_at``) is still read with the page
class of its time. A capture without a date (a live fetch) gets the newest version.
The aggregator (icma.az) has its own table, :data:`AGGREGATOR_PROFILES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from newsarchive.pages.aggregator import AggregatorPage
from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.sites.azertag_az import AzertagArticlePage
from newsarchive.urls import host_of

P = TypeVar("P")
#: One version of a profile: (first day it is valid, page class).
Version = tuple[date, type[P]]
#: Before any site's first redesign we know of: the first version of every profile is valid from here.
EPOCH = date(1990, 1, 1)

#: Host (without ``www.``) → versions of its origin page class, oldest first. Add a profile module
#: under ``pages/sites/`` and list it here; a redesign appends ``(date(...), NewPage)``.
PROFILES: dict[str, list[Version[GenericArticlePage]]] = {
    "azertag.az": [(EPOCH, AzertagArticlePage)],
}

#: The aggregator's page classes by host, versioned the same way.
AGGREGATOR_PROFILES: dict[str, list[Version[AggregatorPage]]] = {
    "icma.az": [(EPOCH, AggregatorPage)],
}


def capture_day(at: str | date | datetime | None) -> date | None:
    """The UTC day of a capture time (ISO 8601 string as in ``WARC-Date``, datetime or date); ``None`` if unknown."""
    if at is None or at == "":
        return None
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(at, datetime):
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


def version_at(versions: Sequence[Version[P]], at: str | date | datetime | None) -> type[P]:
    """The version valid on the day of *at* (the newest when *at* is ``None``; the oldest before its start)."""
    ordered = sorted(versions, key=lambda v: v[0])
    day = capture_day(at)
    if day is None:
        return ordered[-1][1]
    chosen = ordered[0][1]
    for valid_from, page in ordered:
        if valid_from <= day:
            chosen = page
    return chosen


def _lookup(table: Mapping[str, Sequence[Version[P]]], url: str) -> Sequence[Version[P]] | None:
    labels = host_of(url).split(".")
    for i in range(len(labels) - 1):
        versions = table.get(".".join(labels[i:]))
        if versions:
            return versions
    return None


def page_for(url: str, at: str | date | datetime | None = None) -> type[GenericArticlePage]:
    """The origin page class for *url* captured at *at*: its host's (or nearest parent's) profile, else generic."""
    versions = _lookup(PROFILES, url)
    return GenericArticlePage if versions is None else version_at(versions, at)


def aggregator_page_for(url: str, at: str | date | datetime | None = None) -> type[AggregatorPage]:
    """The aggregator page class for *url* captured at *at* (:class:`AggregatorPage` for an unknown host)."""
    versions = _lookup(AGGREGATOR_PROFILES, url)
    return AggregatorPage if versions is None else version_at(versions, at)
