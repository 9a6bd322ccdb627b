"""The origin page object for any cited site: URL + HTML in, :class:`~newsarchive.items.Origin` out.

Pure (parsel, lxml, trafilatura; never ``scrapy``, never the network). Every
field is a small method, layered from the most to the least explicit source,
and :meth:`GenericArticlePage.to_item` records in ``field_methods`` which layer
filled each field (``jsonld``, ``meta``, ``time``, ``visible``, ``trafilatura``;
profiles name themselves ``profile:<site>``):

- **title** (:mod:`~newsarchive.pages.title`): JSON-LD ``headline`` →
  ``og:title`` / ``twitter:title`` → microdata ``headline``, entities decoded;
  the page's ``<h1>`` when it agrees with them (the on-page headline, not the
  SEO title), else the structured title without site name and section labels;
  the only ``<h1>`` → ``<title>`` → trafilatura's title. Site names also come
  from the caller (``known_site_names``: learned from the ``<title>`` of the
  site's other pages, :mod:`~newsarchive.pages.site_names`).
- **body** (:mod:`~newsarchive.pages.body`): trafilatura (recall-leaning, tables,
  link density), pruned of page furniture; the full extraction when the fast
  one is short or a login wall; JSON-LD ``articleBody`` when it is the fuller
  real body.
- **authors** (:mod:`~newsarchive.pages.authors`): JSON-LD ``author`` persons →
  ``<meta name=author>`` / ``article:author`` (not a URL) → microdata
  ``author`` → ``rel=author`` links near the headline → trafilatura's author;
  labels, e-mails, handles dropped, names split; organisations go to
  ``publisher`` (with JSON-LD ``publisher`` and ``og:site_name``). ``author`` is
  the names joined by ``, ``.
- **published_at_raw** (the string exactly as found) and **published_at**
  (:mod:`~newsarchive.pages.dates`: read with our ``parse_datetime``, in the
  offset the string states, Asia/Baku without one; ``None`` when the reading
  needs the fetch time, which the normalisation pipeline has): JSON-LD
  ``datePublished`` → ``<meta>`` (``article:published_time`` and kin) →
  microdata ``datePublished`` → the article's own ``<time>`` (after the
  headline, outside chrome and teaser lists; its text when its ``datetime`` is
  broken) → the visible date line after the headline → trafilatura's date.
  A structured date without a time of day gives way to a visible date line of
  the same day that has one. **modified_at** likewise from ``dateModified`` /
  ``article:modified_time``.
- **flags**: ``date_disagrees`` (structured and visible dates more than a day
  apart), ``title_h1_unrelated``.

Site profiles (:mod:`newsarchive.pages.sites`) subclass this and override only
the fields the generic layers get wrong for their site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from lxml import etree
from parsel import Selector
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Extractor
from trafilatura.utils import load_html
from w3lib.encoding import html_to_unicode

from newsarchive.items import Origin
from newsarchive.normalize.dates import parse_datetime
from newsarchive.pages.authors import split_byline
from newsarchive.pages.body import Body, extract_body
from newsarchive.pages.dates import days_apart, find_date, has_time, read_date
from newsarchive.pages.extract_helpers import (
    ARTICLE_TYPES,
    CHROME,
    ORGANISATION_TYPES,
    clean,
    decode,
    extractor_options,
    iter_jsonld,
    trafilatura_author,
    types_of,
)
from newsarchive.pages.title import choose_title, title_site_names
from newsarchive.urls import host_of

__all__ = ["GenericArticlePage", "jsonld_person", "strip_byline_label"]

T = TypeVar("T")

# --------------------------------------------------------------------------- data

#: ``<meta>`` keys (``property`` or ``name``, lower-case) per field, best first.
META_TITLE = ("og:title", "twitter:title", "dc.title")
META_AUTHOR = ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author")
META_DATE = ("article:published_time", "og:published_time", "og:article:published_time", "datepublished",
             "pubdate", "publishdate", "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created",
             "sailthru.date", "parsely-pub-date")
META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified")
META_SITE = ("og:site_name", "application-name", "twitter:site")
#: ``class``/``id`` words of containers of other articles (teasers, related lists): their dates and
#: bylines are not this article's.
TEASER_WORDS = "related|sidebar|teaser|widget|recommend|popular|most-|more-|trending|promo"
TEASER = f"ancestor::*[re:test(concat(@class, ' ', @id), '{TEASER_WORDS}', 'i')]"
#: The same containers for a walk of the tree (``class`` and ``id`` joined).
_TEASER_RE = re.compile(TEASER_WORDS, re.IGNORECASE)
#: Elements whose text is never the article's date line.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "header", "nav", "footer", "aside"})
#: Labels that lead a byline (``Müəllif: Əli Hüseynov``); matched case-insensitively.
BYLINE_LABELS = ("müəllif", "müəllifi", "автор", "author", "by", "yazar", "hazırladı")
_BYLINE_RE = re.compile(r"^\s*(?:" + "|".join(BYLINE_LABELS) + r")\b\s*[:\-–—]?\s*", re.IGNORECASE)
#: Host labels that are not a site's name.
GENERIC_LABELS = frozenset({"www", "m", "mobile", "amp", "news", "com", "net", "org", "co", "az", "ru", "uk", "tr",
                            "info", "gov", "edu", "en", "de", "fr", "es", "it"})


def strip_byline_label(value: str | None) -> str | None:
    return clean(_BYLINE_RE.sub("", value)) if value else None


def jsonld_person(value: Any) -> str | None:
    """Names of the persons in a JSON-LD ``author`` value, joined (organisations are not bylines)."""
    return ", ".join(jsonld_people(value)[0]) or None


def jsonld_people(value: Any) -> tuple[list[str], list[str]]:
    """``(persons, organisations)`` of a JSON-LD ``author`` value."""
    persons: list[str] = []
    orgs: list[str] = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, str):
            p, o = split_byline(entry)
            persons += p
            orgs += o
        elif isinstance(entry, dict):
            name = decode(entry.get("name"))
            if not name:
                continue
            if types_of(entry) & ORGANISATION_TYPES:
                orgs.append(name)
            else:
                p, o = split_byline(name, persons_only=True)
                persons += p
                orgs += o
    return list(dict.fromkeys(persons)), list(dict.fromkeys(orgs))


# --------------------------------------------------------------------------- page


@dataclass
class GenericArticlePage:
    """An article page of a cited site (see the module docstring for the layers)."""

    url: str
    """The page's final URL (after redirects), as the spider canonicalised it."""
    html: str | bytes
    headers: Mapping[str, str] | None = None
    """Response headers; only ``Content-Type`` is read, to decode *html* given as bytes."""
    known_site_names: tuple[str, ...] = ()
    """The site's names and section labels learned from the ``<title>`` of its other pages
    (:mod:`newsarchive.pages.site_names`): cut from the title's ends like the host's own label."""

    # -- parsed inputs (each computed once) ------------------------------------------
    @cached_property
    def text(self) -> str:
        if isinstance(self.html, str):
            return self.html
        content_type = None
        for name, value in (self.headers or {}).items():
            if name.lower() == "content-type":
                content_type = value
        return html_to_unicode(content_type, self.html)[1]

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text or "<html></html>")

    @cached_property
    def jsonld(self) -> Mapping[str, Any]:
        """The first JSON-LD object typed as an article, or ``{}``."""
        for raw in self.selector.xpath("//script[@type='application/ld+json']/text()").getall():
            try:
                data = json.loads(raw, strict=False)
            except ValueError:
                continue
            for node in iter_jsonld(data):
                if types_of(node) & ARTICLE_TYPES:
                    return node
        return {}

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` contents by lower-case ``property``/``name``; the first occurrence wins."""
        found: dict[str, str] = {}
        for node in self.selector.xpath("//meta[@content]"):
            key = (node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop") or "")
            if key:
                found.setdefault(key.strip().lower(), node.attrib["content"])
        return found

    def microdata(self, prop: str) -> Selector | None:
        """The first element with ``itemprop=<prop>`` outside page chrome."""
        nodes = self.selector.xpath(f"//*[@itemprop='{prop}'][not({CHROME})]")
        return nodes[0] if nodes else None

    @cached_property
    def h1s(self) -> list[str]:
        """Texts of the ``<h1>`` elements outside page chrome (entities decoded)."""
        return [t for h in self.selector.xpath(f"//h1[not({CHROME})]")
                if (t := decode(" ".join(h.xpath(".//text()").getall())))]

    @cached_property
    def site_names(self) -> list[str]:
        """What the site calls itself: ``og:site_name`` and kin, the JSON-LD publisher, the host's name."""
        names = [decode(self.meta.get(k, "").lstrip("@")) for k in META_SITE]
        publisher = self.jsonld.get("publisher")
        if isinstance(publisher, dict):
            names.append(decode(publisher.get("name")))
        names += title_site_names(decode(self.selector.xpath("//title//text()").get()), self.h1s)
        return [n for n in dict.fromkeys(names) if n]

    @cached_property
    def host_names(self) -> list[str]:
        """The host and its distinctive labels (``espn.com`` → ``espn``): site names matched only whole."""
        host = host_of(self.url)
        return [x for x in host.split(".")[:-1] if x not in GENERIC_LABELS] + ([host] if host else [])

    @cached_property
    def methods(self) -> dict[str, str]:
        """Field → the layer that filled it (see :meth:`note`)."""
        return {}

    @cached_property
    def flags(self) -> list[str]:
        """Disagreements noticed while extracting (``date_disagrees``, ``title_h1_unrelated``)."""
        return []

    def note(self, field: str, method: str | None) -> None:
        """Record that *method* filled *field* (profiles pass ``profile:<site>``)."""
        if method:
            self.methods[field] = method

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def _on_trafilatura_tree(self, read: Callable[[Extractor, Any], T]) -> T | None:
        """*read* (metadata options, trafilatura's own parse of the page), or ``None`` when the page does
        not parse or trafilatura fails on it."""
        options = extractor_options(self.url, output_format="python", with_metadata=True)
        try:
            tree = load_html(self.text, options.max_file_size)
            return None if tree is None else read(options, tree)
        except (TypeError, ValueError, AssertionError, etree.LxmlError):  # htmldate's drop_tree of the root
            return None

    @cached_property
    def extracted_metadata(self) -> Any:
        """trafilatura's metadata of the page (``title``, ``author``, ``date``), computed only when a
        field falls back that far (it costs a third of an extraction)."""

        def read(options: Extractor, tree: Any) -> Any:
            # no "extensive" date search: it reads a copyright year as January 1st
            options.date_params = {**(options.date_params or {}), "extensive_search": False}
            return extract_metadata(tree, options.url, options.date_params, options.fast, options.author_blacklist)

        return self._on_trafilatura_tree(read)

    @cached_property
    def extracted_author(self) -> str | None:
        """trafilatura's byline of the page: :attr:`extracted_metadata`'s ``author`` (read from it when
        another field needed it already, else found alone: the common fallback, as bylines are often
        unmarked while titles and dates rarely are)."""
        if "extracted_metadata" in self.__dict__:
            return getattr(self.extracted_metadata, "author", None)
        return self._on_trafilatura_tree(lambda options, tree: trafilatura_author(tree, options.author_blacklist))

    # -- title -------------------------------------------------------------------------
    def title(self) -> str | None:
        value, method = self._title
        self.note("title", method)
        return value

    @cached_property
    def _title(self) -> tuple[str | None, str | None]:
        structured: list[tuple[str, str]] = []
        if value := decode(self.jsonld.get("headline")):
            structured.append(("jsonld", value))
        if value := self._first_meta(META_TITLE):
            structured.append(("meta", value))
        node = self.microdata("headline")
        if node is not None and (value := decode(" ".join(node.xpath(".//text()").getall()))):
            structured.append(("meta", value))
        page_title = decode(self.selector.xpath("//title//text()").get())
        title, method, flag = choose_title(structured, self.h1s[:3], self.site_names, page_title,
                                           exact_names=[*self.host_names, *self.known_site_names])
        if flag:
            self.flag(flag)
        if title:
            return title, method
        return decode(getattr(self.extracted_metadata, "title", None)), "trafilatura"

    # -- body --------------------------------------------------------------------------
    @cached_property
    def _body(self) -> Body:
        ld = self.jsonld.get("articleBody")
        return extract_body(self.text, self.url, title=self.title(), jsonld_body=ld if isinstance(ld, str) else None)

    def paragraphs(self) -> list[str]:
        """Main-text paragraphs (the headline itself left out)."""
        self.note("body", self._body.method)
        return list(self._body.paragraphs)

    def body(self) -> str | None:
        paragraphs = self.paragraphs()
        if paragraphs:
            return "\n\n".join(paragraphs)
        node = self.microdata("articleBody")
        if node is not None:
            self.note("body", "meta")
            return "\n\n".join(t for p in node.xpath(".//p") if (t := clean(" ".join(p.xpath(".//text()").getall()))))
        return None

    # -- authors -----------------------------------------------------------------------
    @cached_property
    def _people(self) -> tuple[list[str], list[str], str | None]:
        """``(persons, organisations, method)`` of the byline."""
        persons, orgs = jsonld_people(self.jsonld.get("author"))
        if persons:
            return persons, orgs, "jsonld"
        sites = self.site_names + self.host_names
        # a byline the page marks up but that names no person (an e-mail, a username) is not
        # handed to trafilatura, which would make "john_doe99" into "John Doe"
        marked = bool(self.jsonld.get("author"))
        for key in META_AUTHOR:
            value = clean(self.meta.get(key))
            marked = marked or bool(value)
            if value and "://" not in value:
                p, o = split_byline(value, sites)
                orgs += o
                if p:
                    return p, orgs, "meta"
        node = self.microdata("author")
        if node is not None:
            marked = True
            texts = node.xpath(".//*[@itemprop='name']//text()").getall() or node.xpath(".//text()").getall()
            p, o = split_byline(texts, sites)
            orgs += o
            if p:
                return p, orgs, "meta"
        links = self.selector.xpath(f"//a[@rel='author'][not({CHROME})][not({TEASER})]")
        if links:
            marked = True
            article = self.selector.xpath("//article[.//h1]")
            if article:
                links = article[0].xpath(f".//a[@rel='author'][not({TEASER})]") or links
            p, o = split_byline([" ".join(a.xpath(".//text()").getall()) for a in links], sites)
            orgs += o
            if p:
                return p, orgs, "visible"
        value = None if marked else clean(self.extracted_author)
        if value:
            p, o = split_byline(value.replace(";", ","), sites)
            orgs += o
            if p:
                return p, orgs, "trafilatura"
        return [], orgs, None

    def authors(self) -> list[str]:
        persons, _, method = self._people
        if persons:
            self.note("authors", method)
        return list(persons)

    def author(self) -> str | None:
        """The person names joined by ``, `` (the record's ``author``)."""
        names = self.authors()
        if names:
            self.note("author", self.methods.get("authors"))
        return ", ".join(names) or None

    def publisher(self) -> str | None:
        """The organisation behind the article: JSON-LD ``publisher``, an organisation byline, ``og:site_name``."""
        publisher = self.jsonld.get("publisher")
        if isinstance(publisher, dict) and (name := decode(publisher.get("name"))):
            self.note("publisher", "jsonld")
            return name
        orgs = self._people[1]
        if orgs:
            self.note("publisher", self._people[2] or "meta")
            return orgs[0]
        if name := self._first_meta(("og:site_name",)):
            self.note("publisher", "meta")
            return name
        return None

    # -- dates -------------------------------------------------------------------------
    def published_at_raw(self) -> str | None:
        raw, method = self._published
        self.note("published_at", method)
        return raw

    @cached_property
    def _published(self) -> tuple[str | None, str | None]:
        structured = [(clean(self.jsonld.get("datePublished")), "jsonld"), (self._first_meta(META_DATE), "meta"),
                      (self._microdata_date("datePublished"), "meta")]
        own_time = self.article_time()
        visible = self.visible_date()
        found = [(raw, m) for raw, m in (*structured, (own_time, "time"), (visible, "visible")) if raw]
        if not found:
            value = clean(getattr(self.extracted_metadata, "date", None))
            return value, "trafilatura" if value else None
        first_structured = next((raw for raw, m in found if m in ("jsonld", "meta")), None)
        if first_structured and visible and (apart := days_apart(first_structured, visible)) is not None and apart > 1:
            self.flag("date_disagrees")
        raw, method = found[0]
        if not has_time(raw):
            # a bare date gives way to a same-day date line that shows the time
            for other, other_method in found[1:]:
                if has_time(other) and (days_apart(raw, other) or 0) <= 1:
                    return other, other_method
        return raw, method

    def published_at(self) -> str | None:
        """``published_at_raw`` read in the offset it states (Baku without one); ``None`` when the
        reading needs the fetch time (the normalisation pipeline reads it then)."""
        return read_date(self.published_at_raw())

    def modified_at(self) -> str | None:
        for raw, method in ((clean(self.jsonld.get("dateModified")), "jsonld"),
                            (self._first_meta(META_MODIFIED), "meta"),
                            (self._microdata_date("dateModified"), "meta")):
            if raw and (value := read_date(raw)):
                self.note("modified_at", method)
                return value
        return None

    def article_time(self) -> str | None:
        """The article's own ``<time>``: after the headline, outside chrome and teaser lists; its text
        when its ``datetime`` is missing, unreadable or more than a day away from a full date in its text."""
        nodes = self.selector.xpath(f"//time[not({CHROME})][not({TEASER})]")
        if not nodes:
            return None
        after = [n for n in nodes if n.xpath("preceding::h1")] if self.h1s else []
        node = (after or nodes)[0]
        attr = clean(node.attrib.get("datetime"))
        text = find_date(node.xpath(".//text()").getall()) or clean(" ".join(node.xpath(".//text()").getall()))
        text_value = read_date(text) if text and find_date([text]) else None
        if attr and parse_datetime(attr) is not None:
            if text_value and (days_apart(attr, text) or 0) > 1:
                return text
            return attr
        return text if text and parse_datetime(text) is not None else None

    def site(self) -> str:
        return host_of(self.url)

    def to_item(self) -> Origin:
        title = self.title()
        body = self.body()
        authors = self.authors()
        author = self.author()
        publisher = self.publisher()
        raw = self.published_at_raw()
        published = read_date(raw)
        modified = self.modified_at()
        methods = {f: m for f, m in self.methods.items()
                   if {"title": title, "body": body, "authors": authors, "author": author, "publisher": publisher,
                       "published_at": raw, "modified_at": modified}.get(f)}
        return Origin(url=self.url, title=title, body=body, author=author, authors=authors, publisher=publisher,
                      published_at=published, published_at_raw=raw, modified_at=modified, site=self.site(),
                      field_methods=methods, flags=list(self.flags))

    # -- helpers -----------------------------------------------------------------------
    def _first_meta(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = decode(self.meta.get(key))
            if value:
                return value
        return None

    def _microdata_date(self, prop: str) -> str | None:
        node = self.microdata(prop)
        if node is None:
            return None
        return clean(node.attrib.get("content") or node.attrib.get("datetime"))

    def visible_date(self, scope: str = "") -> str | None:
        """The first date-shaped text under *scope* (a profile's date element, an XPath), else
        under microdata ``datePublished``, else after the headline (anywhere without one), outside chrome.
        """
        for where in (scope, f"(//*[@itemprop='datePublished'][not({CHROME})])[1]"):
            if where and (found := find_date(self.selector.xpath(f"{where}//text()").getall())):
                return found
        return self._date_after_headline()

    def _date_after_headline(self) -> str | None:
        """:func:`find_date` over the text after the first ``<h1>`` (all of ``<body>`` without one),
        outside scripts, chrome and teaser lists: one walk of the tree, stopping at the first date."""
        body = self.selector.xpath("//body")
        if not body:
            return None
        h1 = self.selector.xpath(f"//h1[not({CHROME})]")
        target = h1[0].root if h1 else None
        started = target is None
        skipping = 0
        for event, element in etree.iterwalk(body[0].root, events=("start", "end")):
            tag = element.tag if isinstance(element.tag, str) else ""
            if event == "start":
                if skipping or not tag or tag in SKIP_TAGS or _TEASER_RE.search(
                        f"{element.get('class', '')} {element.get('id', '')}"):
                    skipping += 1
                elif started and element.text and (found := find_date([element.text])):
                    return found
                continue
            if skipping:
                skipping -= 1
            if element is target:
                started = True
            if not skipping and started and element.tail and (found := find_date([element.tail])):
                return found
        return None
