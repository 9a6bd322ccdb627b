"""One original, one identity: the key under which a cited article is known (pure functions, data).

A cited original may be reached under several URLs: with tracking parameters (``?utm_source=…``),
over ``http://`` or ``https://``, with or without ``www.``, or, on a site whose article URLs carry
the article's number, under another slug with the same number. :func:`origin_key` gives all of them
one key:

- ``id:<host>/[<scope>/]<id>`` where the site's article id is known: :data:`ID_RULES` says, per site,
  which part of an article path is the id (and which part, the edition, scopes it);
- ``url:<host><path>?<query>`` elsewhere: the canonical URL
  (:func:`newsarchive.urls.canonical_url`: tracking parameters, fragment and ``www.`` removed,
  query sorted, host lower-case) without its scheme.

A number in a URL is an id only where the site's rule says so: ``bakivaxti.az`` post URLs end in the
post's time (two posts of the same second share it), so ``/a-1759312680`` and ``/b-1759312680`` stay
two originals. After fetching, the page's own ``<link rel=canonical>`` (or ``og:url``) on the same
site is evidence too (:func:`declared_url`): an old slug that a site still serves names its current
URL there. The id in the URL wins over a declared URL that disagrees with it (a template that gives
every page the same canonical is a common fault; the rule is ours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newsarchive.urls import canonical_url, host_of


@dataclass(frozen=True)
class IdRule:
    """Where a site's article id is in its article paths."""

    path: re.Pattern[str]
    """Matched against the canonical URL's path: group ``id`` (the article's number), optional group
    ``scope`` (an edition whose ids are their own number space)."""

    default_scope: str = ""
    """The scope of a path without one (a site's main edition without a language prefix)."""

    shape: str = ""
    """The URL shape the rule reads, for the reader of this table."""


#: Host (without ``www.``; subdomains use their parent's rule) → where its article id is. Only sites
#: whose article URLs carry a stable numeric id; everything else is keyed by its canonical URL.
#: ``report.az`` is not here: its article URLs (``/<section>/<slug>/``) carry no id, its pages name
#: their URL in ``<link rel=canonical>``. ``bakivaxti.az`` is not here: its number is a time.
ID_RULES: dict[str, IdRule] = {
    "apa.az": IdRule(re.compile(r"^(?:/(?P<scope>az|en|ru))?/(?:[^/]+/)*(?:[^/]*-)?(?P<id>\d{4,})/?$"), "az",
                     "/<lang>/<section>/…/<slug>-<id>"),
    "azertag.az": IdRule(re.compile(r"^(?:/(?P<scope>[a-z]{2}))?/xeber/(?:[^/]*-)?(?P<id>\d{4,})/?$"), "az",
                         "/[<lang>/]xeber/<Title_Words>-<id>"),
    "oxu.az": IdRule(re.compile(r"^(?:/(?P<scope>ru|en))?/[^/]+/(?:[^/]*-)?(?P<id>\d{4,})/?$"), "az",
                     "/[<lang>/]<section>/[<slug>-]<id>"),
    "qafqazinfo.az": IdRule(re.compile(r"^/news/detail/(?:[^/]*-)?(?P<id>\d{4,})/?$"), "",
                            "/news/detail/<slug>-<id>"),
    "mia.az": IdRule(re.compile(r"^/w(?P<id>\d{3,})(?:/[^/]*)?/?$"), "",
                     "/w<id>/<slug>[-<date>] (the short /w<id>/<slug> redirects to the dated one)"),
}


def rule_for(host: str) -> IdRule | None:
    """The id rule of *host* or of its nearest parent domain (``en.azertag.az`` → ``azertag.az``)."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        rule = ID_RULES.get(".".join(labels[i:]))
        if rule is not None:
            return rule
    return None


def id_key(url: str) -> str | None:
    """``id:<host>/[<scope>/]<id>`` when *url* is an article URL of a site with an id rule, else ``None``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = host_of(url)
    rule = rule_for(host)
    match = rule.path.match(parts.path) if rule is not None else None
    if rule is None or match is None:
        return None
    scope = match.groupdict().get("scope") or rule.default_scope
    return f"id:{host}/{scope + '/' if scope else ''}{int(match['id'])}"


def url_key(url: str) -> str:
    """``url:`` and the canonical URL without its scheme."""
    canonical = canonical_url(url)
    return "url:" + canonical.split("://", 1)[-1]


def origin_key(url: str, declared: str | None = None) -> str:
    """The identity key of the cited original at *url* (the cited link, or the final URL after redirects).

    *declared* is the page's own URL (:func:`declared_url`), once fetched: used when it is on the same
    site and *url* does not carry an id of its own.
    """
    by_id = id_key(url)
    if by_id is not None:
        return by_id
    if declared and _usable(declared, url):
        return id_key(declared) or url_key(declared)
    return url_key(url)


def page_key(url: str, page: str | Selector) -> str:
    """The identity key of the fetched page at *url* (its final URL): :func:`origin_key` with the URL the
    page names for itself (:func:`declared_url`)."""
    return origin_key(url, declared_url(page, url))


def declared_url(page: str | Selector, base_url: str) -> str | None:
    """The URL a page names for itself: ``<link rel=canonical>``, else ``og:url``; ``None`` without one.
    Only the ``<head>`` is read when the page has one (that is where both belong). *page* is its HTML,
    or its parsed document (a page object's selector: not parsed again)."""
    if isinstance(page, Selector):
        heads = page.xpath("//head")
        head = heads[0] if heads else page
    else:
        end = page.lower().find("</head")
        try:
            head = Selector(text=page[:end] if end > 0 else page)
        except (ValueError, TypeError):
            return None
    for link in head.xpath(".//link[@rel][@href]"):
        if "canonical" in (link.attrib.get("rel") or "").lower().split():
            href = (link.attrib.get("href") or "").strip()
            if href:
                return _absolute(base_url, href)
    for value in head.xpath(".//meta[@property='og:url']/@content").getall():
        if value.strip():
            return _absolute(base_url, value.strip())
    return None


def _absolute(base_url: str, href: str) -> str | None:
    try:
        url = urljoin(base_url, href)
        urlsplit(url).port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    return url


def _usable(declared: str, url: str) -> bool:
    """Whether a page's declared URL may name it: http(s), the same site, not the site's home page."""
    try:
        parts = urlsplit(declared)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and host_of(declared) == host_of(url) != ""
            and parts.path.strip("/") != "")
