"""The main text of a cited article: trafilatura's recall-leaning extraction, pruned.

Measured on real pages (``bench/extraction.py``), trafilatura's precision mode
loses whole paragraphs and its fast mode can return the wrong few hundred
characters (a login prompt, a reprint notice) while the full extraction would
have found the article. So:

1. one trafilatura pass in fast, recall-leaning mode with tables (layout tables
   hold whole articles on some sites) and links kept, so that each block's
   **link density** is known;
2. :func:`prune`: leading headings (the headline and standfirst, which are
   separate fields) and trailing blocks that are page furniture — headings,
   link lists, blocks whose text is mostly links, short blocks in the
   boilerplate vocabulary (newsletter, subscribe, log in, cookies, copyright,
   credits, comments, related/read more) — are dropped from the ends; inside
   the text only "Related: …"-style lead-ins and link lists go;
3. when what is left is short, or mostly paywall/login/consent text, the full
   extraction (readability/jusText comparison, no links) runs and the longer
   clean result wins;
4. JSON-LD ``articleBody`` replaces the extraction when it is a real article
   body (long, mostly not boilerplate) and clearly longer than what the page
   shows (truncated or paywalled pages), or the same words with its paragraph
   breaks (trafilatura's own JSON-LD rescue returns one block).

Layout tables whose cells hold paragraphs are opened into their cells' blocks
(link cells dropped), so the headline and date line in the cell are pruned like
any other.

Paragraphs: one per block, list items one each, table rows one each (cells
joined by a space).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import trafilatura
from lxml import etree

from newsarchive.pages.extract_helpers import clean, decode, extractor_options

#: Pruned main text shorter than this makes the full extraction run as well.
SHORT_BODY_CHARS = 400
#: A block with at least this share of its text in links is navigation.
LINK_DENSITY = 0.5
#: Only blocks shorter than this can be dropped for their vocabulary alone.
BOILERPLATE_MAX_CHARS = 220
#: A line shorter than this before the text, with a date or without a sentence end, is a date/byline line.
LEAD_LINE_MAX_CHARS = 80
_DATE_OR_TIME = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b")
_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;\"”»)。！？」]\s*$")
#: trafilatura's block elements (what a layout table cell is opened into).
BLOCK_TAGS = frozenset({"p", "head", "list", "quote", "table", "code", "div"})
#: JSON-LD ``articleBody`` is used when at least this long …
JSONLD_MIN_CHARS = 300
#: … and this many times longer than the extracted text.
JSONLD_LONGER = 1.3

#: Vocabulary of page furniture, in the languages the project meets (en, az, ru, tr), as whole words.
BOILERPLATE = re.compile(
    r"(?<!\w)(?:newsletters?|subscri\w*|sign(?:ing)?[ -]?up|sign[ -]?in|log[ -]?in|register|create an account|"
    r"follow (?:us|her|him|them)|copyright|all rights reserved|comments?|share (?:this|on)|"
    r"click here|read more|see more|also on|you may also like|don'?t miss|most read|popular on|"
    r"advertis\w*|sponsored|cookies?|consent|privacy policy|terms of (?:use|service)|reprint\w*|"
    r"getty images|photo credit|image credit|credits?|enjoying our|already a (?:subscriber|member)|"
    r"continue reading|paywall|(?:additional )?reporting by|editing by|writing by|contributed reporting|"
    r"abunə|daxil ol|qeydiyyat|şərh\w*|müəllif hüquq\w*|bütün hüquqlar|"
    r"подпис\w*|войти|регистрац\w*|комментари\w*|все права защищены|реклам\w*|"
    r"abone|giriş yap|yorum\w*|tüm hakları)(?!\w)|[©ⓒ]",
    re.IGNORECASE,
)
#: Login walls and consent banners: a short text made of these is not the article.
PAYWALL = re.compile(
    r"(?<!\w)(?:log ?in|sign ?in|subscri\w*|already a (?:subscriber|member)|create an account|continue reading|"
    r"enjoying our|cookies?|consent|register|paywall|premium|abunə|daxil ol|подпис\w*|войти)(?!\w)",
    re.IGNORECASE,
)
#: Lead-ins of cross-links inside an article ("Related: …", "READ MORE: …").
LEAD_IN = re.compile(
    r"^\s*(?:related(?: articles?| stories)?|read more|see more|read also|also read|see also|also on|more|"
    r"watch|listen|recommended|don'?t miss|most read|popular|trending|oxu|həmçinin oxuyun|"
    r"читайте также|по теме|смотрите также)\b\s*[:|\-–—]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Body:
    paragraphs: list[str]
    method: str | None
    """``trafilatura`` or ``jsonld`` (``None`` when there is no body)."""


def _text(node: etree._Element) -> str:
    return clean(" ".join(node.itertext())) or ""


def _link_chars(node: etree._Element) -> int:
    return sum(len(_text(ref)) for ref in node.iter("ref"))


def link_density(node: etree._Element) -> float:
    size = len(_text(node))
    return _link_chars(node) / size if size else 1.0


def is_furniture(node: etree._Element) -> bool:
    """A block that is page furniture wherever it stands (the ends of the text)."""
    text = _text(node)
    if not text or node.tag == "head":
        return True
    if link_density(node) >= LINK_DENSITY:
        return True
    if node.tag == "list" and is_tag_list(node):
        return True
    return len(text) < BOILERPLATE_MAX_CHARS and (bool(BOILERPLATE.search(text)) or bool(LEAD_IN.match(text)))


def is_tag_list(node: etree._Element) -> bool:
    """A list of single words (tags, categories, CSS class names), not of sentences."""
    items = [_text(item) for item in node.iter("item")]
    items = [t for t in items if t]
    return len(items) >= 3 and sum(" " not in t for t in items) * 2 > len(items)


def is_lead_furniture(node: etree._Element) -> bool:
    """A block before the text that is the headline, a standfirst heading or a date/byline line."""
    if node.tag == "head":
        return True
    text = _text(node)
    if len(text) >= LEAD_LINE_MAX_CHARS:
        return False
    return bool(_DATE_OR_TIME.search(text)) or not _SENTENCE_END.search(text)


def flatten(blocks: Sequence[etree._Element]) -> list[etree._Element]:
    """Layout tables (cells holding paragraphs) opened up into their cells' blocks; link cells dropped."""
    out: list[etree._Element] = []
    for node in blocks:
        if node.tag == "table" and node.xpath(".//cell/*[self::p or self::head or self::list or self::quote]"):
            for cell in node.iter("cell"):
                if link_density(cell) < LINK_DENSITY:
                    out += _cell_blocks(cell)
        else:
            out.append(node)
    return out


def _cell_blocks(cell: etree._Element) -> list[etree._Element]:
    blocks: list[etree._Element] = []
    loose = [cell.text or ""]

    def flush() -> None:
        text = clean(" ".join(loose))
        loose.clear()
        if text:
            para = etree.Element("p")
            para.text = text
            blocks.append(para)

    for child in cell:
        if child.tag in BLOCK_TAGS:
            flush()
            blocks += flatten([child])
        else:
            loose.append(" ".join(child.itertext()))
        loose.append(child.tail or "")
    flush()
    return blocks


def prune(blocks: Sequence[etree._Element]) -> list[etree._Element]:
    """The blocks of the article itself (see the module docstring)."""
    nodes = [n for n in flatten(blocks) if _text(n)]
    while nodes and is_lead_furniture(nodes[0]):
        nodes.pop(0)
    while nodes and is_furniture(nodes[-1]):
        nodes.pop()
    out = []
    for node in nodes:
        text = _text(node)
        if node.tag in ("p", "head") and len(text) < BOILERPLATE_MAX_CHARS and LEAD_IN.match(text):
            continue
        if node.tag == "list" and link_density(node) > 0.8:
            continue
        out.append(node)
    return out


def render(blocks: Sequence[etree._Element], title: str | None = None) -> list[str]:
    """Paragraph strings of *blocks*; a heading equal to *title* is left out."""
    out: list[str] = []
    for node in blocks:
        if node.tag == "list":
            out += [t for item in node.iter("item") if (t := _text(item))]
        elif node.tag == "table":
            for row in node.iter("row"):
                cells = [t for cell in row.iter("cell") if (t := _text(cell))]
                if cells:
                    out.append(" ".join(cells))
        else:
            text = _text(node)
            if text and not (node.tag == "head" and text == title):
                out.append(text)
    return out


def is_paywall(paragraphs: Sequence[str]) -> bool:
    """Short text that is mostly login/subscription/consent prompts."""
    text = " ".join(paragraphs)
    if len(text) >= 3 * SHORT_BODY_CHARS:
        return False
    prompts = sum(len(p) for p in paragraphs if PAYWALL.search(p))
    return prompts * 2 >= len(text) > 0


def _extract(html: str, url: str, *, fast: bool, links: bool) -> list[etree._Element]:
    options = extractor_options(url, output_format="python", recall=True, comments=False, tables=True, links=links,
                                fast=fast, with_metadata=False)
    try:
        doc = trafilatura.bare_extraction(html, options=options)
    except (ValueError, TypeError, etree.LxmlError):
        return []
    body = getattr(doc, "body", None)
    return list(body) if body is not None else []


def extract_body(html: str, url: str, *, title: str | None = None, jsonld_body: str | None = None) -> Body:
    """The article's paragraphs and the method that found them."""
    paragraphs = render(prune(_extract(html, url, fast=True, links=True)), title)
    size = sum(map(len, paragraphs))
    if size < SHORT_BODY_CHARS or is_paywall(paragraphs):
        full = render(prune(_extract(html, url, fast=False, links=False)), title)
        if not is_paywall(full) and (sum(map(len, full)) > size or is_paywall(paragraphs)):
            paragraphs, size = full, sum(map(len, full))
    ld = jsonld_paragraphs(jsonld_body)
    ld_size = sum(map(len, ld))
    if ld_size >= JSONLD_MIN_CHARS and not is_paywall(ld) and (
            ld_size > JSONLD_LONGER * size or is_paywall(paragraphs) or same_text(ld, paragraphs)):
        return Body(ld, "jsonld")
    if paragraphs:
        return Body(paragraphs, "trafilatura")
    if ld:
        return Body(ld, "jsonld")
    return Body([], None)


def same_text(ld: Sequence[str], paragraphs: Sequence[str]) -> bool:
    """*paragraphs* are JSON-LD's text with fewer breaks (trafilatura's own JSON-LD rescue joins them)."""
    if len(paragraphs) >= len(ld):
        return False
    return _WORDS.findall(" ".join(ld).casefold()) == _WORDS.findall(" ".join(paragraphs).casefold())


def jsonld_paragraphs(value: str | None) -> list[str]:
    """JSON-LD ``articleBody`` as paragraphs (its line breaks; tags and entities undone)."""
    if not isinstance(value, str) or not value.strip():
        return []
    out = []
    for line in re.split(r"\n\s*\n|\r?\n|<br\s*/?>|</p>", value):
        text = decode(line)
        if text:
            out.append(text)
    return out
