"""Randomly generated aggregator templates: the same ground-truth article in markup nobody designed.

:func:`random_template` draws a :class:`Template` (one value per *feature*: tag
names, nesting, class names, attribute order, labels split across elements, icon
words glued or not, JSON-LD/OpenGraph present or absent, sidebars before or after
the text, comment widget, attribution glued to the first sentence, ...);
:func:`render` prints a :class:`~newsarchive.mirror.content.MirrorArticle` with it.
:func:`truth` is what any correct extractor must return for it and :func:`run`
compares :class:`~newsarchive.pages.aggregator.AggregatorPage` with it over many
templates, and :func:`breaks` names the feature values behind each wrong field.

Used by ``tests/test_template_fuzz.py`` (a few hundred templates in CI) and
``bench/template_fuzz.py`` (thousands).
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import Any

from newsarchive.mirror.content import MirrorArticle, MirrorConfig, MirrorSite
from newsarchive.mirror.icma_pages import LABELS, body_paragraphs, sidebar_title

#: Feature → the values a template may take (the first is the seed page's own).
FEATURES: dict[str, tuple[str, ...]] = {
    "block_tag": ("div", "section", "article", "span"),  # tag of the containers (body, counters lines)
    "nesting": ("0", "1", "3"),  # extra wrappers around every block
    "classes": ("seed", "hashed", "none", "semantic"),
    "attr_order": ("fixed", "shuffled"),
    "title_top": ("div", "h2", "none", "span"),  # the title shown above the <h1> (the seed shows it twice)
    "title_tag": ("h1", "h2", "div"),
    "body": ("p", "br", "div", "p_span", "br1"),  # <p>, <br><br>-separated text, <div>s, <p><span>, one <br>
    "label_case": ("as_is", "upper"),  # "Baxış sayı:" or "BAXIŞ SAYI:" (text-transform done in the HTML)
    "attribution": ("own_line", "glued", "em", "strong"),  # its own paragraph, glued to the first sentence, ...
    "author": ("strong", "em", "b", "plain", "address"),
    "labels": ("inline", "split", "split_newline", "dl", "space"),  # "Baxış sayı:49", <span>..</span><b>49</b>, ...
    "icons": ("glued", "none", "spaced", "material", "text_glued"),  # <i>see</i>Baxış, none, "see ", class, seeBaxış
    "views_format": ("plain", "thousands"),  # 3021 or "3 021" (non-breaking space)
    "source_link": ("url", "name", "word"),  # the Mənbə: link's text: its URL, the source's name, a word
    "comments_position": ("after", "between"),  # the comment widget after the counters or between text and them
    "counters": ("after", "above"),  # the views/archive lines after the text or between the two titles
    "jsonld": ("simple", "none", "graph"),
    "opengraph": ("yes", "no"),
    "sidebar": ("after", "before", "none"),
    "menu": ("no", "yes"),  # ~10 other headlines in a nav above the article
    "comments": ("heading", "split", "form", "none"),
    "noise": ("no", "script", "hidden"),
    "entities": ("utf8", "ncr"),
}


@dataclass(frozen=True)
class Template:
    seed: int
    choice: dict[str, str] = field(hash=False)

    def features(self) -> list[str]:
        return [f"{name}={value}" for name, value in sorted(self.choice.items())]


def random_template(seed: int) -> Template:
    rng = random.Random(f"template:{seed}")
    return Template(seed, {name: rng.choice(values) for name, values in FEATURES.items()})


def truth(art: MirrorArticle, tpl: Template) -> dict[str, Any]:
    """The record every template must give for *art* (story pages have no counters block)."""
    news = art.kind == "news"
    comments = art.comments if news and tpl.choice["comments"] != "none" else None
    return {
        "url": art.url, "article_id": art.article_id, "kind": art.kind, "lang": art.lang, "title": art.title,
        "body": art.body, "author": art.author, "views": art.views if news else None, "comments": comments,
        "source_name": art.source_name, "source_url": art.source_url, "published_at_raw": art.published_at_raw,
    }


class _Html:
    """Tags with the template's class names, attribute order, nesting and entity style."""

    def __init__(self, tpl: Template, rng: random.Random) -> None:
        self.c, self.rng = tpl.choice, rng

    def text(self, s: str) -> str:
        out = escape(s, quote=False)
        return out.encode("ascii", "xmlcharrefreplace").decode("ascii") if self.c["entities"] == "ncr" else out

    def cls(self, role: str) -> str | None:
        style = self.c["classes"]
        if style == "none":
            return None
        if style == "hashed":
            return f"c-{self.rng.getrandbits(20):05x}"
        return {"seed": role, "semantic": f"article__{role.replace('-', '_')}"}[style]

    def tag(self, name: str, inner: str, role: str = "", **attrs: str) -> str:
        pairs = [(k.rstrip("_").replace("_", "-"), v) for k, v in attrs.items()]
        klass = self.cls(role) if role else None
        if klass:
            pairs.append(("class", klass))
        if self.c["attr_order"] == "shuffled":
            self.rng.shuffle(pairs)
        attr = "".join(f' {k}="{escape(v)}"' for k, v in pairs)
        return f"<{name}{attr}>{inner}</{name}>"

    def block(self, inner: str, role: str = "") -> str:
        name = self.c["block_tag"]
        out = self.tag(name if name != "span" else "div", inner, role)
        for depth in range(int(self.c["nesting"])):
            out = self.tag(self.rng.choice(("div", "section", "span" if name == "span" else "div")), out,
                           f"{role}-wrap{depth}" if role else "")
        return out

    def icon(self, word: str) -> str:
        style = self.c["icons"]
        if style == "none":
            return ""
        if style == "spaced":
            return f"{word} "
        if style == "text_glued":
            return word
        if style == "material":
            return f'<i class="material-icons" aria-hidden="true">{word}</i>'
        return f"<i>{word}</i>"

    def labelled(self, icon: str, label: str, value_html: str) -> str:
        """One counters line: icon word, label, value, split or not."""
        style = self.c["labels"]
        head = self.icon(icon)
        label = label.upper() if self.c["label_case"] == "upper" else label
        if style == "inline":
            return self.block(f"{head}{self.text(label)}{value_html}", "item")
        if style == "space":
            return self.block(f"{head}{self.text(label)} {value_html}", "item")
        if style == "split":
            return self.block(f"{head}{self.tag('span', self.text(label))}{self.tag('b', value_html, 'value')}", "item")
        if style == "split_newline":
            return self.block(f"{head}{self.tag('span', self.text(label).replace(' ', chr(10) + '   ', 1))}\n"
                              f"{self.tag('span', value_html, 'value')}", "item")
        return f"<dl><dt>{head}{self.text(label)}</dt><dd>{value_html}</dd></dl>"


def render(art: MirrorArticle, site: MirrorSite, tpl: Template) -> str:
    """*art* printed with template *tpl* (deterministic for a given template seed)."""
    c = tpl.choice
    h = _Html(tpl, random.Random(f"render:{tpl.seed}:{art.k}"))
    lab = LABELS[art.lang]
    paras = [h.text(p) for p in body_paragraphs(art)]  # story: attribution glued to the first line already
    lines: list[str] = []
    if art.kind == "news":
        attribution = h.text(art.attribution)
        if c["attribution"] == "glued" and paras:
            paras[0] = f"{attribution} {paras[0]}"
        else:
            wrap = {"em": "em", "strong": "strong"}.get(c["attribution"])
            lines.append(h.tag(wrap, attribution) if wrap else attribution)
    lines += paras
    if art.author:
        who = h.text(art.author)
        lines.append(who if c["author"] == "plain" else h.tag(c["author"], who, "author"))
    lines.append(h.text(art.closing))
    if c["noise"] == "script":
        lines.insert(1, '<script>window.__ads = ["Reklam"];</script>')
    elif c["noise"] == "hidden":
        lines.insert(1, '<div hidden>Reklam: bu mətn görünmür</div>')
    if c["body"] in ("br", "br1"):
        body = h.block(("<br><br>" if c["body"] == "br" else "<br>\n").join(lines), "news-text")
    else:
        inner = {"p": "<p>{}</p>", "div": "<div>{}</div>", "p_span": "<p><span>{}</span></p>"}[c["body"]]
        body = h.block("".join(inner.format(line) for line in lines), "news-text")
    counters = ""
    if art.kind == "news":
        source = escape(art.source_url or "")
        archive_head, _, archive_tail = lab["archive"].partition("{date}")
        views = f"{art.views:,}".replace(",", "\u00a0") if c["views_format"] == "thousands" else str(art.views)
        shown = {"url": source, "name": h.text(art.source_name), "word": h.text(lab["source"].rstrip(":"))}
        link = h.tag("a", shown[c["source_link"]], href=source, target="_blank", rel="nofollow")
        counters = "".join((
            h.labelled("see", lab["views"], views),
            h.labelled("embed", lab["source"], link),
            h.block(f"{h.icon('archive')}{h.text(archive_head)}{h.tag('span', h.text(art.published_at_raw or ''))}"
                    f"{h.text(archive_tail)}", "item"),
        ))
        counters = h.block(counters, "news-info")
    widget = ""
    if art.kind == "news" and c["comments"] != "none":
        head, _, tail = lab["comments"].partition("{n}")
        if c["comments"] == "split":
            count = f"{h.tag('b', str(art.comments))}{h.text(tail)}"
            widget = h.block(f"{h.text(head)}{count}{h.tag('a', h.text(lab['login']), href='/login')}", "comments")
        elif c["comments"] == "form":
            widget = h.block(f"<h3>{h.text(head)}{art.comments}{h.text(tail)}</h3><form><label>"
                             f"{h.text(lab['login'])}</label><textarea></textarea></form>", "comments")
        else:
            widget = h.block(f"<h4>{h.text(head)}{art.comments}{h.text(tail)}</h4><p>{h.text(lab['login'])}</p>"
                             f"<p>{h.text(lab['first'])}</p>", "comments")
    title = h.text(art.title)
    top = "" if c["title_top"] == "none" else h.tag(c["title_top"], title, "news-title-top")
    main_title = h.tag(c["title_tag"], title, "news-title")
    if c["counters"] == "above":
        article = top + counters + main_title + body + widget
    elif c["comments_position"] == "between":
        article = top + main_title + body + widget + counters
    else:
        article = top + main_title + body + counters + widget
    article = h.tag("main" if c["block_tag"] != "article" else "article", article, "content")
    rows = []
    for k in art.related:
        other = site.article(k)
        rows.append(f'<li><a href="{other.url}">{h.text(sidebar_title(other.title))}</a>'
                    f"<span>{other.views}</span></li>")
    sidebar = h.tag("aside", f"<h3>{h.icon('top')}{h.text(lab['most_read'])}</h3><ul>{''.join(rows)}</ul>",
                    "sidebar")
    menu = ""
    if c["menu"] == "yes":
        same = [site.article(k) for k in range(len(site) - 1, max(-1, len(site) - 12), -1) if k != art.k]
        menu = h.tag("nav", h.text(lab["menu"]) + "".join(
            f'<a href="{o.url}">{h.text(sidebar_title(o.title))}</a>' for o in same), "menu")
    page = {"before": sidebar + article, "after": article + sidebar, "none": article}[c["sidebar"]]
    head_tags = [f"<title>{title} - Icma.az</title>"]
    if c["opengraph"] == "yes":
        head_tags.append(f'<meta property="og:title" content="{escape(art.title)}">')
    if c["jsonld"] != "none":
        head_tags.append(f'<script type="application/ld+json">{_jsonld(art, graph=c["jsonld"] == "graph")}</script>')
    switch = h.tag("a", lab["switch"], href=lab["switch_href"])
    header = h.tag("header", f'<a href="/">Icma.az</a>{h.icon("close")}{h.icon("up")}{switch}', "header")
    return (f'<!doctype html><html lang="{art.lang}"><head><meta charset="utf-8">{"".join(head_tags)}</head>'
            f"<body>{header}{menu}{page}<footer>© Icma.az</footer></body></html>")


def _jsonld(art: MirrorArticle, *, graph: bool) -> str:
    data: dict[str, Any] = {"@type": "NewsArticle", "headline": art.title, "inLanguage": art.lang}
    if art.published_at is not None:
        data["datePublished"] = art.published_at.isoformat()
    if art.author and graph:
        data["author"] = {"@type": "Person", "name": art.author}
    doc: dict[str, Any] = {"@context": "https://schema.org", "@graph": [data]} if graph else {
        "@context": "https://schema.org", **data}
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")


@dataclass
class Outcome:
    """Templates tried, and per wrong field the templates (and their features) that broke it."""

    templates: int = 0
    pages: int = 0
    wrong: dict[str, list[tuple[Template, int, Any, Any]]] = field(default_factory=lambda: defaultdict(list))
    seen: Counter[str] = field(default_factory=Counter)


def comparable(name: str, value: Any) -> Any:
    from newsarchive.normalize.text import normalize_text

    text = name in ("title", "body", "author", "source_name") and isinstance(value, str)
    return normalize_text(value) if text else value


def run(templates: int, *, start: int = 0, site: MirrorSite | None = None, ks: tuple[int, ...] = ()) -> Outcome:
    """Render ground-truth articles through *templates* random templates and compare the extraction."""
    from newsarchive.pages.aggregator import AggregatorPage

    site = site or MirrorSite(MirrorConfig(seed=2025, articles=60))
    ks = ks or tuple(range(len(site)))
    out = Outcome()
    for seed in range(start, start + templates):
        tpl = random_template(seed)
        art = site.article(ks[seed % len(ks)])
        item = AggregatorPage(url=art.url, html=render(art, site, tpl)).to_item()
        out.templates += 1
        out.pages += 1
        out.seen.update(tpl.features())
        for name, want in truth(art, tpl).items():
            got = comparable(name, getattr(item, name))
            if got != want:
                out.wrong[name].append((tpl, art.k, got, want))
    return out


def breaks(out: Outcome, *, min_share: float = 0.5) -> dict[str, list[tuple[str, int, int]]]:
    """Per wrong field, the feature values behind it: ``(feature, failures with it, templates with it)``.

    A feature value is named when the share of templates with it that break the field exceeds the
    share of templates without it by at least *min_share* (a value every failure has, and no other
    template breaks, scores 1).
    """
    named: dict[str, list[tuple[str, int, int]]] = {}
    for name, cases in out.wrong.items():
        counts = Counter(f for tpl, *_ in cases for f in tpl.features())
        rows = []
        for feature, n in counts.items():
            seen = out.seen[feature]
            others = out.templates - seen
            lift = n / seen - ((len(cases) - n) / others if others else 0.0)
            if lift >= min_share:
                rows.append((lift, feature, n, seen))
        named[name] = [(f, n, seen) for _, f, n, seen in sorted(rows, key=lambda r: (-r[0], r[1]))]
    return named


def report(out: Outcome) -> str:
    lines = [f"{out.templates} templates, {sum(len(v) for v in out.wrong.values())} wrong fields"]
    for name, rows in sorted(breaks(out).items()):
        cases = out.wrong[name]
        tpl, k, got, want = cases[0]
        lines.append(f"- {name}: {len(cases)} templates wrong, e.g. template {tpl.seed} (k={k}): {got!r} != {want!r}")
        lines += [f"    {f}: {n}/{seen}" for f, n, seen in rows]
    return "\n".join(lines)
