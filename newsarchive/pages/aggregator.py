"""The icma.az article page (``/news/…``, ``/ru/news/…``, ``/story/…``) as an :class:`Article`.

Pure: URL + HTML in, item out (lxml/w3lib only; no Scrapy), never raises.

Markup-proof by design (SITE_NOTES): the page is flattened to the sequence of
lines a reader sees (block elements and ``<br>`` break lines; inline elements
are joined *without* adding spaces, so ``<i>see</i><span>Baxış sayı:</span><b>49</b>``
reads ``seeBaxış sayı:49`` as on the seed page), and that sequence is parsed with
the visible labels of :mod:`newsarchive.pages.labels`:

- the **title** is the line shown twice (else JSON-LD ``headline``, ``og:title``, ``<h1>``);
- the **attribution** sentence ("Bakivaxti portalından verilən məlumata görə, Icma.az
  xəbər yayır.") opens the text (on story pages glued to the first paragraph) and
  names the source;
- the **body** runs from there to the closing line ("… Icma.az saytını izləyin.") or
  the first label line (``Baxış sayı:``, ``Mənbə:``, ``N Şərh``, sidebars); an author
  line at its end is taken apart;
- views, source link, archive date and comment count are read after the body by label.

Class names are never used. Values get light whitespace cleanup only; NBSP,
zero-width characters and look-alike letters are left to
:func:`newsarchive.normalize.text.normalize_text` in the pipeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from w3lib.encoding import html_to_unicode

from newsarchive.items import Article, Kind, Lang
from newsarchive.pages import labels
from newsarchive.urls import canonical_url

__all__ = ["AggregatorPage"]

# ----------------------------------------------------------------------------- markup model
#: Elements that start and end a line of text.
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "button", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "optgroup",
    "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))
#: Elements whose text is never shown.
SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object",
                       "embed", "canvas", "select", "textarea", "math", "audio", "video", "input"))
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle"})

_ASCII_WS = re.compile(r"[ \t\n\r\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# huge_tree: libxml2 otherwise drops everything nested deeper than 256 elements (the page "has no text");
# the size caps of the download (16 MB) bound what it may build. Comments and processing instructions
# stay in the tree (the flattener skips them, keeping their tails), so the tree is the one the link walk
# (newsarchive.links.html_links) would build itself and can be shared with it.
_PARSER = lxml.html.HTMLParser(recover=True, no_network=True, huge_tree=True)

# ----------------------------------------------------------------------------- URL patterns
_ARTICLE_PATH = re.compile(r"^(?P<ru>/ru)?/(?P<kind>news|story)/[^/?#]*?-?(?P<id>\d+)/?$")
_RU_PATH = re.compile(r"^/ru(?:/|$)")
_TITLE_SUFFIX = re.compile(r"\s*[-|–—:]\s*" + labels.ICMA_NAME + r"\s*$", re.I)


# ----------------------------------------------------------------------------- label regexes
def _tolerant(label: str) -> str:
    """A visible label as a regex: any whitespace (or none) between words and around ``:``."""
    out: list[str] = []
    for word in label.split():
        stem, more = (word[:-1], True) if word.endswith("*") and len(word) > 1 else (word, False)
        piece = r"\s*:\s*".join(re.escape(part) for part in stem.split(":"))
        out.append(piece + (r"\w*" if more else ""))
    return r"\s*".join(out)


def _with_value(label: str, slot: str, value: str) -> str:
    head, _, tail = label.partition(slot)
    return (_tolerant(head) + r"\s*" if head.strip() else "") + value + (
        r"\s*" + _tolerant(tail) if tail.strip() else "")


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "(?:" + "|".join(_tolerant(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


_EDITIONS = tuple(labels.EDITIONS.values())
#: "1.2K", "1,2 min", "3 млн": a number with a unit of labels.COUNT_UNITS (tried first: "1.2K" is no "1").
_COMPACT = (r"\d+(?:[.,]\d+)?[ \u00a0\u202f]?(?:"
            + "|".join(re.escape(u) for u in sorted(labels.COUNT_UNITS, key=len, reverse=True))
            + r")(?![^\W\d_])")
_COMPACT_VALUE = re.compile(r"(?P<n>\d+(?:[.,]\d+)?)[ \u00a0\u202f]?(?P<unit>\S+)")
_NUMBER = _COMPACT + r"|\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+(?!\d)|\d+"
_ICON = "(?:" + "|".join(sorted(labels.ICON_WORDS, key=len, reverse=True)) + ")"
_ICON_PREFIX = re.compile(_ICON, re.I)
_ICONS_ONLY = re.compile(rf"^(?:{_ICON}\s*)+$", re.I)
_ICMA = re.compile(labels.ICMA_NAME, re.I)
_ICMA_ONLY = re.compile(rf"^[©\s]*{labels.ICMA_NAME}\s*$", re.I)

_VIEWS = re.compile(_alternation([w for e in _EDITIONS for w in e.views]) + rf"\s*(?P<v>{_NUMBER})?", re.I)
_SOURCE = re.compile(_alternation([w for e in _EDITIONS for w in e.source]), re.I)
_ARCHIVE = re.compile("|".join(f"(?:{_with_value(w, '{date}', rf'(?P<d{i}>.+?)')})"
                               for i, w in enumerate(w for e in _EDITIONS for w in e.archive)), re.I)
_COMMENTS = re.compile("|".join(f"(?:{_with_value(w, '{n}', rf'(?P<n{i}>{_NUMBER})')})"
                                for i, w in enumerate(w for e in _EDITIONS for w in e.comments)), re.I)
_COMMENTS_WORD = re.compile("^" + _alternation(
    [w.replace("{n}", "").strip() for e in _EDITIONS for w in e.comments if w.startswith("{n}")]) + "$", re.I)
_NUMBER_LINE = re.compile(rf"^(?P<v>{_NUMBER})$")
#: A line that ends the article text: a meta label at its start (after an icon word) or a sidebar heading.
_META_START = re.compile(rf"^(?:{_ICON})?\s*(?:{_VIEWS.pattern}|{_SOURCE.pattern}|{_ARCHIVE.pattern}"
                         rf"|{_COMMENTS.pattern})", re.I)
_STOP_LINE = re.compile(rf"^(?:{_ICON})?\s*" + _alternation(
    [w for e in _EDITIONS for w in e.stops]) + r"\s*[:.…]*$"
    + "|^(?:" + "|".join(re.escape(p) for p in labels.COMMON_STOPS) + ")", re.I)
_CLOSING = re.compile("(?:" + "|".join(f"(?:{c.replace('{icma}', labels.ICMA_NAME)})"
                                      for e in _EDITIONS for c in e.closing) + r")\s*$", re.I)
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
_END_PUNCT = re.compile(r"[.!?…”\"»)]\s*$")
_AUTHOR = re.compile(r"^[A-ZÇƏĞIİÖŞÜА-ЯЁ][^\W\d_]*(?:[-'’][^\W\d_]+)?"
                     r"(?:\s+[A-ZÇƏĞIİÖŞÜА-ЯЁ][^\W\d_]*(?:[-'’][^\W\d_]+)?){1,3}$")
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$", re.I)


@dataclass(frozen=True)
class _Attribution:
    compiled: tuple[re.Pattern[str], ...]
    lead: re.Pattern[str]
    trigger: re.Pattern[str]


def _attribution_tables() -> dict[str, _Attribution]:
    tables = {}
    for lang, ed in labels.EDITIONS.items():
        fill = {"{site}": _alternation(ed.site_words), "{conn}": _alternation(ed.connectors),
                "{verb}": _alternation(ed.verbs), "{icma}": labels.ICMA_NAME}
        shapes = []
        for shape in labels.ATTRIBUTION_SHAPES.get(lang, ()):
            for key, value in fill.items():
                shape = shape.replace(key, value)
            shapes.append(re.compile(shape, re.I))
        lead = re.compile(rf"^{labels.ICMA_NAME}\s*(?:{fill['{verb}']}\s*)?,?\s*", re.I)
        trigger = re.compile(fill["{conn}"], re.I)
        tables[lang] = _Attribution(tuple(shapes), lead, trigger)
    return tables


_ATTRIBUTION = _attribution_tables()


# ----------------------------------------------------------------------------- flattening
@dataclass
class _Line:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)
    """``(href, visible text)`` of the links that close on this line."""


class _Flattener:
    """Visible text of a document as lines, the way a browser lays it out (roughly)."""

    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self._buf: list[str] = []
        self._links: list[tuple[str, str]] = []

    def run(self, root: Any) -> list[_Line]:
        self._walk(root)
        self._break()
        return self.lines

    def _walk(self, root: Any) -> None:
        """Depth first, with a stack of its own: a page nested thousands deep must not hit Python's recursion limit."""
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            el, entered = stack.pop()
            if entered:  # all children done
                if el.tag == "a":
                    self._links.append((el.get("href") or "", _ASCII_WS.sub(" ", el.text_content()).strip(" ")))
                if el.tag in BLOCK_TAGS:
                    self._break()
            else:
                tag = el.tag
                if isinstance(tag, str) and tag not in SKIP_TAGS and not _hidden(el):
                    if tag == "br":
                        self._break()
                    else:
                        if tag in BLOCK_TAGS:
                            self._break()
                        if el.text:
                            self._buf.append(el.text)
                        stack.append((el, True))
                        stack.extend((child, False) for child in reversed(el))
                        continue  # the tail follows the children
            if el.tail:
                self._buf.append(el.tail)

    def _break(self) -> None:
        if self._buf:
            text = _ASCII_WS.sub(" ", "".join(self._buf)).strip(" ")
            if text:
                self.lines.append(_Line(text, self._links))
                self._links = []
            self._buf = []


def _hidden(el: Any) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


# ----------------------------------------------------------------------------- the document
@dataclass
class _Doc:
    lines: list[_Line]
    lang_attr: str
    jsonld: dict[str, Any]
    meta: dict[str, str]
    h1: list[str]
    head_title: str
    root: Any = None
    """The parsed tree (read only; the link walk reuses it: :func:`newsarchive.links.html_links`)."""


def _empty() -> _Doc:
    return _Doc([], "", {}, {}, [], "")


def _load(html: str | bytes, encoding: str | None) -> _Doc:
    try:
        if isinstance(html, bytes):
            header = f"text/html; charset={encoding}" if encoding else None
            _, text = html_to_unicode(header, html, default_encoding=encoding or "utf-8")
        else:
            text = html
        cleaned = _XML_DECL.sub("", _CONTROL.sub("", text), count=1)
        # the tree is shared only when it is the one of the caller's text (nothing removed from it)
        shareable = cleaned == html
        text = cleaned
        if not text.strip():
            return _empty()
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (lxml.etree.LxmlError, ValueError, LookupError, TypeError):
        return _empty()
    if root is None:
        return _empty()
    meta: dict[str, str] = {}
    jsonld: dict[str, Any] = {}
    head_title = ""
    for el in root.iter("meta", "link", "script", "title"):
        if el.tag == "meta":
            key = (el.get("property") or el.get("name") or "").lower()
            if key and key not in meta:
                meta[key] = el.get("content") or ""
        elif el.tag == "link":
            if "canonical" in (el.get("rel") or "").lower().split():
                meta.setdefault("canonical", el.get("href") or "")
        elif el.tag == "title":
            head_title = head_title or el.text_content()
        elif "ld+json" in (el.get("type") or "").lower() and not jsonld:
            jsonld = _article_object(el.text or "")
    h1 = [_clean(h.text_content()) for h in root.iter("h1")]
    return _Doc(_Flattener().run(root), root.get("lang") or "", jsonld, meta, [t for t in h1 if t],
                _clean(head_title), root if shareable else None)


def _article_object(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw, strict=False)
    except ValueError:
        return {}
    stack: list[Any] = [data]
    while stack:
        obj = stack.pop(0)
        if isinstance(obj, list):
            stack.extend(obj)
        elif isinstance(obj, dict):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(t in ARTICLE_TYPES for t in types if isinstance(t, str)):
                return obj
            stack.extend(v for k, v in obj.items() if k in ("@graph", "mainEntity"))
    return {}


def _clean(text: str | None) -> str:
    """Light cleanup only: collapse ASCII whitespace and strip (NBSP and friends stay)."""
    return _ASCII_WS.sub(" ", text or "").strip(" ")


def _int(raw: str | None) -> int | None:
    """A counter: ``1 234`` → 1234, ``1.2K`` / ``1,2 min`` → 1200 (:data:`labels.COUNT_UNITS`)."""
    if not raw:
        return None
    compact = _COMPACT_VALUE.fullmatch(raw.strip())
    if compact and compact["unit"].lower() in labels.COUNT_UNITS:
        return round(float(compact["n"].replace(",", ".")) * labels.COUNT_UNITS[compact["unit"].lower()])
    digits = re.sub(r"\D", "", raw)
    return int(digits) if digits else None


def _strip_icons(text: str) -> str:
    m = _ICON_PREFIX.match(text)
    return text[m.end():] if m and m.end() < len(text) else text


# ----------------------------------------------------------------------------- layout
@dataclass
class _Layout:
    title: str | None = None
    attribution_at: int | None = None
    source_name: str | None = None
    body: list[str] = field(default_factory=list)
    author: str | None = None
    closing: bool = False
    body_start: int = 0
    """First line of the text (after the title); counters may sit above it."""
    meta_from: int = 0
    """First line after the text: the counters block, comments, sidebars."""


@dataclass
class AggregatorPage:
    """One icma.az article page. ``to_item()`` gives the :class:`Article`; it never raises."""

    url: str
    html: str | bytes
    encoding: str | None = None

    #: Fields every news page shows; story pages have no counters block (views, source, archive, comments).
    EXPECTED_NEWS: ClassVar[tuple[str, ...]] = ("title", "body", "source_name", "article_id", "kind",
                                                "views", "comments", "source_url", "published_at_raw")
    EXPECTED_STORY: ClassVar[tuple[str, ...]] = ("title", "body", "source_name", "article_id", "kind")

    # -- public API ----------------------------------------------------------------------
    def to_item(self) -> Article:
        return replace(self._item)  # a copy: the caller may fill in more fields

    @cached_property
    def _item(self) -> Article:
        return Article(
            url=self.canonical_url(), article_id=self.article_id(), kind=self.kind(), lang=self.lang(),
            title=self.title(), body=self.body(), author=self.author(), views=self.views(),
            comments=self.comments(), published_at_raw=self.published_at_raw(),
            source_name=self.source_name(), source_url=self.source_url(),
        )

    def missing_fields(self) -> list[str]:
        """Fields this kind of page shows that were not found (for ``newsarchive/extract/missing/<field>``)."""
        expected = self.EXPECTED_STORY if self.kind() == "story" else self.EXPECTED_NEWS
        item = self._item
        return [name for name in expected if getattr(item, name) is None]

    def is_article(self) -> bool:
        """An article page: a title, a body, and at least one sign of icma's article layout."""
        lay = self._layout
        return bool(lay.title and lay.body)  # a body is only taken when something marks an icma article

    # -- fields ----------------------------------------------------------------------------
    def canonical_url(self) -> str:
        try:
            return canonical_url(self.url)
        except (ValueError, TypeError, UnicodeError):
            return self.url

    def article_id(self) -> str | None:
        m = self._path_match
        return m.group("id") if m else None

    def kind(self) -> Kind | None:
        m = self._path_match
        if m is None:
            return None
        return "story" if m.group("kind") == "story" else "news"

    def lang(self) -> Lang:
        if _RU_PATH.match(self._path):
            return "ru"
        doc = self._doc
        declared = doc.lang_attr or str(doc.jsonld.get("inLanguage") or "") or doc.meta.get("og:locale", "")
        return "ru" if declared.lower().startswith("ru") else "az"

    def title(self) -> str | None:
        return self._layout.title

    def body(self) -> str | None:
        return "\n\n".join(self._layout.body) or None

    def author(self) -> str | None:
        return self._layout.author

    def source_name(self) -> str | None:
        return self._layout.source_name

    def views(self) -> int | None:
        for i, text in self._meta_lines():
            m = _VIEWS.search(text)
            if m:
                return _int(m.group("v") or self._number_after(i))
        return None

    def comments(self) -> int | None:
        lines = self._doc.lines
        for i, text in self._meta_lines():
            m = _COMMENTS.search(text)
            if m:
                return _int(next(v for v in m.groups() if v is not None))
            if i > 0 and _COMMENTS_WORD.match(_strip_icons(text)):
                prev = _NUMBER_LINE.match(lines[i - 1].text)
                if prev:
                    return _int(prev.group("v"))
        return None

    def source_url(self) -> str | None:
        lines = self._doc.lines
        for i, text in self._meta_lines():
            m = _SOURCE.search(text)
            if not m:
                continue
            rest = text[m.end():].strip()
            found = _link_value(lines[i], rest, self.url)
            if found:
                return found
            if rest:
                return rest.split()[0]
            if i + 1 < len(lines):
                nxt = lines[i + 1]
                return _link_value(nxt, nxt.text, self.url) or next(iter(nxt.text.split()), None)
            return None
        return None

    def published_at_raw(self) -> str | None:
        for _, text in self._meta_lines():
            m = _ARCHIVE.search(text)
            if m:
                return _clean(next(v for v in m.groups() if v is not None))
        return None

    def tree(self) -> Any:
        """The page's parsed lxml tree (``None`` when it did not parse), to share with other readers of the page."""
        return self._doc.root

    # -- machinery -----------------------------------------------------------------------
    @cached_property
    def _doc(self) -> _Doc:
        return _load(self.html, self.encoding)

    @cached_property
    def _path(self) -> str:
        try:
            return urlsplit(self.url).path
        except (ValueError, TypeError):
            return ""

    @cached_property
    def _path_match(self) -> re.Match[str] | None:
        m = _ARTICLE_PATH.match(self._path)
        if m is None:
            for key in ("canonical", "og:url"):
                candidate = self._doc.meta.get(key)
                if candidate:
                    try:
                        m = _ARTICLE_PATH.match(urlsplit(candidate).path)
                    except ValueError:
                        continue
                    if m:
                        break
        return m

    def _meta_lines(self) -> Iterator[tuple[int, str]]:
        """Lines after the text first, then those above it (a redesign may move the counters up); never the text."""
        lines, lay = self._doc.lines, self._layout
        for i in (*range(lay.meta_from, len(lines)), *range(min(lay.body_start, lay.meta_from))):
            yield i, lines[i].text

    def _number_after(self, i: int) -> str | None:
        lines = self._doc.lines
        if i + 1 < len(lines):
            m = _NUMBER_LINE.match(lines[i + 1].text)
            return m.group("v") if m else None
        return None

    @cached_property
    def _layout(self) -> _Layout:
        lines = [line.text for line in self._doc.lines]
        lay = _Layout()
        order = ("ru", "az") if self.lang() == "ru" else ("az", "ru")
        rest = ""
        for i, text in enumerate(lines):
            found = _attribution(text, order)
            if found is not None:
                lay.attribution_at, (lay.source_name, rest) = i, found
                break
        if lay.attribution_at is not None:
            lay.title, anchor = self._find_title(lines, lay.attribution_at, last=True)
        else:
            lay.title, anchor = self._find_title(lines, min(len(lines), 150), last=False)
        if lay.attribution_at is not None:
            start = lay.attribution_at
            lines = [*lines[:start], rest, *lines[start + 1 :]]
        elif anchor is not None:
            start = anchor + 1
            while start < len(lines) and _META_START.match(lines[start]):
                start += 1  # counters shown between the title and the text
        else:
            return lay
        lay.body_start = start
        stop = start + 1 if lay.attribution_at is not None else start
        while stop < len(lines) and not _ends_text(lines, stop):
            stop += 1
        lay.meta_from = stop
        self._split_body(lay, lines[start:stop])
        labelled = (stop < len(lines) and bool(_META_START.match(lines[stop]))) or (
            anchor is not None and start > anchor + 1)
        if lay.attribution_at is None and not lay.closing and not labelled and not self._doc.jsonld:
            lay.body, lay.author = [], None  # text after a heading, but nothing says it is an icma article
        return lay

    def _find_title(self, lines: list[str], end: int, *, last: bool) -> tuple[str | None, int | None]:
        """The line shown twice (within a few lines) before *end*: the last such pair when the text start is
        known (*end* is the attribution), else the first. Failing that, structured metadata (JSON-LD
        ``headline``, ``og:title``, ``<h1>``, ``<title>``), anchored on the line that shows it if any."""
        best: tuple[str, int] | None = None
        for i in range(end):
            text = lines[i]
            if len(text) < 4 or _ICONS_ONLY.match(text) or _ICMA_ONLY.match(text):
                continue
            j = next((j for j in range(i + 1, min(i + 6, end)) if lines[j] == text), None)
            if j is not None:
                best = (text, j)
                if not last:
                    break
        if best is not None:
            return best
        doc = self._doc
        headline = doc.jsonld.get("headline")
        head_title = _TITLE_SUFFIX.sub("", doc.head_title)
        candidates = [_clean(headline) if isinstance(headline, str) else "",
                      _clean(doc.meta.get("og:title")), *doc.h1,
                      "" if _ICMA.search(head_title) else head_title]  # "Icma.az — Son xəbərlər" is no title
        candidates = [c for c in candidates if c]
        for cand in candidates:
            shown = [j for j in range(len(lines)) if lines[j] == cand]
            if shown:
                return cand, max(j for j in shown if j <= shown[0] + 6)
        return (candidates[0], None) if candidates else (None, None)

    def _split_body(self, lay: _Layout, region: list[str]) -> None:
        body: list[str] = []
        after: list[str] = []
        for text in region:
            if lay.closing:
                after.append(text)
                continue
            m = _CLOSING.search(text, max(0, len(text) - 400)) if _ICMA.search(text) else None
            if m and (m.start() == 0 or _END_PUNCT.search(text[: m.start()])):
                lay.closing = True
                text = text[: m.start()].strip()
            if text and not _ICONS_ONLY.match(text):
                body.append(text)
        jsonld_author = _jsonld_author(self._doc.jsonld)
        if body and (_AUTHOR.match(body[-1]) or body[-1] == jsonld_author) and len(body[-1]) <= 60:
            lay.author = body.pop()
        elif after and (_AUTHOR.match(after[0]) or after[0] == jsonld_author) and len(after[0]) <= 60:
            lay.author = after[0]
        lay.body = body


def _ends_text(lines: list[str], i: int) -> bool:
    """Line *i* starts the part after the text: a label line, a sidebar heading, a comment count."""
    text = lines[i]
    if _META_START.match(text) or _STOP_LINE.match(text) or _COMMENTS_WORD.match(_strip_icons(text)):
        return True
    return bool(_NUMBER_LINE.match(text) and i + 1 < len(lines) and _COMMENTS_WORD.match(_strip_icons(lines[i + 1])))


def _attribution(text: str, order: tuple[str, ...]) -> tuple[str | None, str] | None:
    """``(source name or None, the rest of the paragraph)`` if *text* opens with icma's attribution."""
    if not _ICMA.search(text):
        return None
    end = _SENTENCE_END.search(text)
    sentence = text[: end.end()] if end else text
    if len(sentence) > 300 or not _ICMA.search(sentence):
        return None
    tables = [_ATTRIBUTION[lang] for lang in order if lang in _ATTRIBUTION]
    if not any(t.trigger.search(sentence) for t in tables):
        return None
    rest = text[len(sentence):].strip()
    for table in tables:
        core = table.lead.sub("", sentence, count=1)
        # also the clause after the first comma: "Icma.az xəbər verir ki, <name> saytına əsaslanaraq."
        for clause in (core, core.partition(",")[2].strip()):
            for shape in table.compiled if clause else ():
                m = shape.search(clause)
                if m is None:
                    continue
                name = m.group("name").strip(" ,.:;")
                if name and len(name) <= 60 and not _ICMA.search(name):
                    return name, rest
    return None, rest


def _jsonld_author(data: dict[str, Any]) -> str | None:
    author = data.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return _clean(author) if isinstance(author, str) else None


def _link_value(line: _Line, rest: str, base: str) -> str | None:
    """The source link on a ``Mənbə:`` line: its visible text when that is a URL, else its ``href``.

    A relative ``href`` is resolved against the page URL *base* (an absolute one is kept as given).
    """
    for _, text in line.links:
        if text and _URLISH.match(text) and (not rest or rest.startswith(text)):
            return text
    for href, _ in line.links:
        if href.strip():
            return _resolve(base, href.strip())
    return None


def _resolve(base: str, href: str) -> str:
    try:
        if urlsplit(href).scheme:
            return href
        return urljoin(base, href) if urlsplit(base).scheme in ("http", "https") else href
    except ValueError:  # a malformed URL (``http://[::1``) stays as given
        return href
