"""Article pages of the mirror's icma.az.

The page text follows ``shared/seed`` (icon ligature words glued to labels,
title twice, attribution sentence, author and closing lines, views, ``Mənbə:``,
the archive line, comments, "most read" and "latest" sidebars). Template 0 is
the layout guessed from the seed; more templates render the same article with
other markup, to prove the extractor does not depend on it:

- 0 ``template_classic``: seed layout, JSON-LD + OpenGraph + canonical.
- 1 ``template_hashed``: hashed class names, OpenGraph only, a "Menu" of ~20 other
  headlines at the top, the body as ``<br><br>``-separated text in one ``<div>``,
  labels split across elements (``<i>see</i><span>Baxış sayı:</span><b>49</b>``).
- 2 ``template_semantic``: ``<article>``/``<dl>``/``<time>``, no structured data,
  "most read" before the article in the DOM, labels and values in separate blocks,
  all non-ASCII text as numeric character references, hidden and script noise.
- 3 ``template_table``: table layout, JSON-LD ``@graph`` only, attribute order shuffled.

Every template shows the same article text: title twice, attribution, body,
author, closing, then the views / source / archive block and the comment widget.
Story pages are short (SITE_NOTES): attribution glued to the first paragraph,
body, closing; no counters block and no comment widget.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from html import escape
from itertools import islice

from newsarchive.mirror.content import MirrorArticle, MirrorSite, dirty_text, format_az, format_ru, lang_of

LABELS = {
    "az": {
        "views": "Baxış sayı:", "source": "Mənbə:", "archive": "Bu xəbər {date} mənbədən arxivləşdirilmişdir",
        "comments": "{n} Şərh", "login": "Daxil olun, şərh yazmaq üçün...", "first": "İlk cavab verən siz olun...",
        "most_read": "Günün ən çox oxunanları", "most_read_sub": "Hal-hazırda ən çox müzakirə olunan hadisələr",
        "latest": "Son xəbərlər", "latest_sub": "Günün ən son və aktual hadisələri",
        "menu": "Menu", "home": "Ana səhifə", "switch": "RU", "switch_href": "/ru/",
    },
    # The RU edition was not observed: these labels are our guess (unverified).
    "ru": {
        "views": "Просмотров:", "source": "Источник:", "archive": "Эта новость {date} архивирована из источника",
        "comments": "{n} Комментариев", "login": "Войдите, чтобы написать комментарий...",
        "first": "Будьте первым, кто ответит...", "most_read": "Самое читаемое за день",
        "most_read_sub": "Самые обсуждаемые события", "latest": "Последние новости",
        "latest_sub": "Самые свежие события дня",
        "menu": "Меню", "home": "Главная", "switch": "AZ", "switch_href": "/",
    },
}


def sidebar_title(title: str) -> str:
    """Headlines in icma's lists lose apostrophes and hyphens (``ABŞ ın``)."""
    return title.replace("'", " ").replace("’", " ").replace("-", " ")


def body_paragraphs(art: MirrorArticle) -> list[str]:
    """The body as printed: dirt sprinkled in; on story pages the attribution glued to the first line."""
    rng = random.Random(f"dirt:{art.k}")
    paras = [dirty_text(p, rng) for p in art.paragraphs]
    if art.kind == "story" and paras:
        paras[0] = f"{art.attribution} {paras[0]}"
    return paras


def render_article(art: MirrorArticle, site: MirrorSite, template: int | None = None) -> str:
    if template is None and site.config.markup:
        return template_redesign(art, site)
    template = art.template if template is None else template
    return TEMPLATES[template % len(TEMPLATES)](art, site)


def _sidebar(art: MirrorArticle, site: MirrorSite) -> list[tuple[str, str, str, int]]:
    rows = []
    for k in art.related:
        other = site.article(k)
        when = site.published(k)
        shown = format_ru(when) if other.lang == "ru" else format_az(when)
        rows.append((other.url, sidebar_title(other.title), shown, other.views))
    return rows


def _latest(art: MirrorArticle, site: MirrorSite) -> list[tuple[str, str]]:
    ks = [k for k in range(len(site) - 1, max(-1, len(site) - 12), -1) if k != art.k and not site.deleted(k)]
    return [(site.article(k).url, sidebar_title(site.article(k).title)) for k in ks[:10]]


def _jsonld(art: MirrorArticle) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
            "mainEntityOfPage": art.url, "inLanguage": art.lang,
            "publisher": {"@type": "Organization", "name": "Icma.az"}}
    if art.published_at is not None:
        data["datePublished"] = art.published_at.isoformat()
    return json.dumps(data, ensure_ascii=False)


def template_classic(art: MirrorArticle, site: MirrorSite) -> str:
    """Template 0: the layout read off the seed page, with JSON-LD and OpenGraph."""
    lab = LABELS[art.lang]
    paras = body_paragraphs(art)
    body = [] if art.kind == "story" else [f"<p>{escape(art.attribution)}</p>"]
    body += [f"<p>{escape(p)}</p>" for p in paras]
    if art.author:
        body.append(f"<p><strong>{escape(art.author)}</strong></p>")
    body.append(f"<p>{escape(art.closing)}</p>")
    meta = ""
    if art.kind == "news":
        archive = lab["archive"].format(date=art.published_at_raw)
        source = escape(art.source_url or "")
        meta = (
            '<div class="news-info">'
            f'<div class="item"><i class="material-icons">see</i>{lab["views"]}{art.views}</div>'
            f'<div class="item"><i class="material-icons">embed</i>{lab["source"]}'
            f'<a href="{source}" target="_blank" rel="nofollow">{source}</a></div>'
            f'<div class="item"><i class="material-icons">archive</i>{archive}</div>'
            "</div>"
        )
    if art.kind == "news":  # story pages: no counters block, no comment widget
        meta += (f'<div class="comments"><h4>{lab["comments"].format(n=art.comments)}</h4>'
                 f'<p>{lab["login"]}</p><p>{lab["first"]}</p></div>')
    most = "".join(
        f'<li><a href="{u}">{escape(t)}</a><div class="meta">{d}<i class="material-icons">see</i>{v}</div></li>'
        for u, t, d, v in _sidebar(art, site)
    )
    latest = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for u, t in _latest(art, site))
    title = escape(art.title)
    return f"""<!doctype html>
<html lang="{art.lang}"><head><meta charset="utf-8"><title>{title} - Icma.az</title>
<link rel="canonical" href="{art.url}">
<meta property="og:title" content="{title}"><meta property="og:url" content="{art.url}">
<script type="application/ld+json">{_jsonld(art)}</script>
</head><body>
<header class="header"><a class="logo" href="/">Icma.az</a><button><i class="material-icons">close</i></button>
<button><i class="material-icons">up</i></button><a href="{lab["switch_href"]}">{lab["switch"]}</a></header>
<div class="container"><div class="row"><div class="col-md-8">
<div class="news-title-top">{title}</div>
<h1 class="news-title">{title}</h1>
<div class="news-text">{''.join(body)}</div>
{meta}
</div><div class="col-md-4">
<div class="sidebar"><h3><i class="material-icons">top</i>{lab["most_read"]}</h3>
<p>{lab["most_read_sub"]}</p><ul>{most}</ul></div>
<div class="sidebar"><h3><i class="material-icons">news</i>{lab["latest"]}</h3>
<p>{lab["latest_sub"]}</p><ul>{latest}</ul></div>
</div></div></div>
<footer>© Icma.az</footer></body></html>"""




def _archive_line(art: MirrorArticle, date_html: str, esc: Callable[[str], str] = escape) -> str:
    """The archive line with its date as *date_html* (``Bu xəbər <date> mənbədən arxivləşdirilmişdir``)."""
    head, _, tail = LABELS[art.lang]["archive"].partition("{date}")
    return f"{esc(head)}{date_html}{esc(tail)}"


def _comments_line(art: MirrorArticle, number_html: str, esc: Callable[[str], str] = escape) -> str:
    head, _, tail = LABELS[art.lang]["comments"].partition("{n}")
    return f"{esc(head)}{number_html}{esc(tail)}"


def _menu(art: MirrorArticle, site: MirrorSite, n: int = 20) -> list[tuple[str, str]]:
    """~20 other headlines of the same edition, newest first (SITE_NOTES item 2)."""
    # lang_of(k) is site.article(k).lang without building the article: the walk stops after n
    same = (k for k in range(len(site) - 1, -1, -1) if k != art.k and lang_of(k) == art.lang)
    ks = list(islice(same, n))
    return [(site.article(k).url, sidebar_title(site.article(k).title)) for k in ks]


def _ncr(text: str) -> str:
    """Escaped, and every non-ASCII character as a numeric character reference."""
    return escape(text).encode("ascii", "xmlcharrefreplace").decode("ascii")


def template_hashed(art: MirrorArticle, site: MirrorSite) -> str:
    """Template 1: hashed class names, OpenGraph only, a Menu on top, ``<br><br>`` body, split labels."""
    lab = LABELS[art.lang]
    title = escape(art.title)
    chunks = [] if art.kind == "story" else [escape(art.attribution)]
    chunks += [escape(p) for p in body_paragraphs(art)]
    if art.author:
        chunks.append(f'<em class="c-5d0e1">{escape(art.author)}</em>')
    chunks.append(f'<span class="c-9b3aa">{escape(art.closing)}</span>')
    meta = ""
    if art.kind == "news":
        source = escape(art.source_url or "")
        meta = (
            '<div class="c-77f0e">'
            f'<div class="c-2b8d4"><i aria-hidden="true" class="c-i">see</i><span>{lab["views"]}</span>'
            f'<b class="c-0aa1f">{art.views}</b></div>'
            f'<div class="c-2b8d4"><i class="c-i">embed</i><span>{lab["source"]}</span>'
            f'<a rel="nofollow noopener" target="_blank" href="{source}">{source}</a></div>'
            f'<div class="c-2b8d4"><i class="c-i">archive</i>'
            f'{_archive_line(art, f"<span class=c-d4>{art.published_at_raw}</span>")}</div>'
            "</div>"
        )
    if art.kind == "news":  # story pages: no counters block, no comment widget
        meta += (f'<section class="c-c0m"><div class="c-c1">{_comments_line(art, f"<b>{art.comments}</b>")}</div>'
                 f'<div class="c-c2"><a href="/login">{lab["login"]}</a></div><div class="c-c3">{lab["first"]}</div>'
                 "</section>")
    menu = "".join(f'<li class="c-m1"><a class="c-m2" href="{u}">{escape(t)}</a></li>' for u, t in _menu(art, site))
    most = "".join(
        f'<div class="c-s1"><a href="{u}" class="c-s2">{escape(t)}</a><div class="c-s3"><span>{d}</span>'
        f"<i>see</i><span>{v}</span></div></div>"
        for u, t, d, v in _sidebar(art, site)
    )
    latest = "".join(f'<div class="c-s1"><a href="{u}">{escape(t)}</a></div>' for u, t in _latest(art, site))
    return f"""<!DOCTYPE html>
<html lang="{art.lang}" dir="ltr">
<head>
<meta content="width=device-width, initial-scale=1" name="viewport">
<meta charset="utf-8">
<title>{title} | Icma.az</title>
<meta content="{title}" property="og:title">
<meta content="article" property="og:type">
<meta content="{art.url}" property="og:url">
<style>.c-3f2a9{{display:flex}} .c-x{{display:none}}</style>
</head>
<body class="c-b7">
<div class="c-3f2a9"><div class="c-1a9f3"><a href="/" class="c-88e0b">Icma.az</a></div>
<div class="c-0d1c2"><span role="button"><i class="c-i">close</i></span></div>
<div class="c-0d1c2"><span role="button"><i class="c-i">up</i></span></div>
<div class="c-0d1c2"><a href="{lab["switch_href"]}">{lab["switch"]}</a></div></div>
<nav class="c-4e11b"><div class="c-4e11c">{lab["menu"]}</div><ul class="c-4e11d">{menu}</ul></nav>
<main class="c-6a0f2">
  <div class="c-81c3d"><div class="c-81c3e">{title}</div></div>
  <h2 class="c-e93b0">
     {title}
  </h2>
  <div class="c-0f5e7">{"<br><br>".join(chunks)}</div>
  {meta}
</main>
<aside class="c-aa01b"><div class="c-aa01c"><i class="c-i">top</i>{lab["most_read"]}</div>
<div class="c-aa01d">{lab["most_read_sub"]}</div>{most}</aside>
<aside class="c-aa01b"><div class="c-aa01c"><i class="c-i">news</i>{lab["latest"]}</div>
<div class="c-aa01d">{lab["latest_sub"]}</div>{latest}</aside>
<div class="c-ft">© Icma.az</div>
</body>
</html>"""


def template_semantic(art: MirrorArticle, site: MirrorSite) -> str:
    """Template 2: semantic tags, no structured data, sidebar first, values in their own blocks, NCRs."""
    lab = LABELS[art.lang]
    title = _ncr(art.title)
    paras = body_paragraphs(art)
    body = []
    if art.kind == "news":
        body.append(f"<p><em>{_ncr(art.attribution)}</em></p>")
        body += [f"<p><span>{_ncr(p)}</span></p>" for p in paras]
    else:
        first, *others = paras  # "<attribution> <first paragraph>" (body_paragraphs glued them)
        head = art.attribution
        body.append(f"<p><strong>{_ncr(head)}</strong> {_ncr(first[len(head) + 1:])}</p>")
        body += [f"<p><span>{_ncr(p)}</span></p>" for p in others]
    body.insert(1, '<script>window.__ads = ["Reklam"];</script><noscript>JavaScript lazımdır</noscript>')
    body.append('<div hidden><p>Reklam: bu mətn görünmür</p></div><div style="display: none">Gizli</div>')
    if art.author:
        body.append(f"<address>{_ncr(art.author)}</address>")
    body.append(f"<footer><p>{_ncr(art.closing)}</p></footer>")
    meta = ""
    if art.kind == "news":
        when = art.published_at.isoformat() if art.published_at else ""
        time_html = f'<time datetime="{when}">{_ncr(art.published_at_raw or "")}</time>'
        meta = (
            "<dl>"
            f'<dt><i>see</i>{_ncr(lab["views"]).replace(" ", chr(10) + "    ", 1)}</dt><dd>{art.views}</dd>'
            f'<dt><i>embed</i>{_ncr(lab["source"])}</dt><dd><a href="{escape(art.source_url or "")}">'
            f"{escape(art.source_url or '')}</a></dd>"
            "</dl>"
            f"<p><i>archive</i>{_archive_line(art, time_html, _ncr)}</p>"
        )
    if art.kind == "news":  # story pages: no counters block, no comment widget
        meta += (f'<section id="comments"><h3>{_comments_line(art, f"<span>{art.comments}</span></h3><h3>", _ncr)}</h3>'
                 f'<form><label>{_ncr(lab["login"])}</label><textarea></textarea></form>'
                 f'<p>{_ncr(lab["first"])}</p></section>')
    most = "".join(
        f'<li><article><h4><a href="{u}">{_ncr(t)}</a></h4><p>{_ncr(d)}<i>see</i>{v}</p></article></li>'
        for u, t, d, v in _sidebar(art, site)
    )
    latest = "".join(f'<li><a href="{u}">{_ncr(t)}</a></li>' for u, t in _latest(art, site))
    crumbs = (f'<nav aria-label="breadcrumb"><ol><li><a href="{lab["switch_href"] if art.lang == "az" else "/ru/"}">'
              f'{_ncr(lab["home"])}</a></li><li>{title}</li></ol></nav>')
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{title}</title></head>
<body>
<header><h5><a href="/">Icma.az</a></h5><nav><i>close</i></nav><nav><i>up</i></nav>
<nav><a href="{lab["switch_href"]}">{lab["switch"]}</a></nav></header>
<aside><h2><i>top</i>{_ncr(lab["most_read"])}</h2><p>{_ncr(lab["most_read_sub"])}</p><ol>{most}</ol></aside>
<main><article>
{crumbs}
<header><h1>{title}</h1></header>
<section>
<!-- article text -->
{"".join(body)}
</section>
{meta}
</article></main>
<aside><h2><i>news</i>{_ncr(lab["latest"])}</h2><p>{_ncr(lab["latest_sub"])}</p><ul>{latest}</ul></aside>
<footer><p>© Icma.az</p></footer>
</body></html>"""


def _jsonld_graph(art: MirrorArticle) -> str:
    article: dict[str, object] = {"@type": "NewsArticle", "@id": f"{art.url}#article", "headline": art.title,
                                  "inLanguage": art.lang, "isPartOf": {"@id": "https://icma.az/#website"}}
    if art.author:
        article["author"] = {"@type": "Person", "name": art.author}
    if art.published_at is not None:
        article["datePublished"] = art.published_at.isoformat()
    graph = [{"@type": "WebSite", "@id": "https://icma.az/#website", "name": "Icma.az"},
             {"@type": "WebPage", "@id": art.url, "name": art.title}, article]
    return json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False).replace("</", "<\\/")


def template_table(art: MirrorArticle, site: MirrorSite) -> str:
    """Template 3: tables and ``<font>``, JSON-LD ``@graph`` only, attributes in another order."""
    lab = LABELS[art.lang]
    title = escape(art.title)
    rows = [] if art.kind == "story" else [
        f'<tr><td colspan="2"><font size="2">{escape(art.attribution)}</font></td></tr>']
    rows += [f'<tr><td colspan="2"><font>{escape(p)}</font></td></tr>' for p in body_paragraphs(art)]
    if art.author:
        rows.append(f'<tr><td align="right" colspan="2"><b><font>{escape(art.author)}</font></b></td></tr>')
    rows.append(f'<tr><td colspan="2"><small>{escape(art.closing)}</small></td></tr>')
    if art.kind == "news":
        source = escape(art.source_url or "")
        rows += [
            f'<tr><td width="30%"><i>see</i><u>{lab["views"]}</u></td><td><tt>{art.views}</tt></td></tr>',
            f'<tr><td width="30%"><i>embed</i><u>{lab["source"]}</u></td>'
            f'<td><a target="_blank" href="{source}" title="{source}">{source}</a></td></tr>',
            f'<tr><td colspan="2"><i>archive</i>'
            f'{_archive_line(art, f"<font color=#888>{art.published_at_raw}</font>")}</td></tr>',
        ]
        rows += [f'<tr><td colspan="2"><font>{_comments_line(art, f"<b>{art.comments}</b>")}</font></td></tr>',
                 f'<tr><td colspan="2">{lab["login"]}</td></tr><tr><td colspan="2">{lab["first"]}</td></tr>']
    most = "".join(
        f'<tr><td><a href="{u}">{escape(t)}</a></td></tr><tr><td>{d}<i>see</i>{v}</td></tr>'
        for u, t, d, v in _sidebar(art, site)
    )
    latest = "".join(f'<tr><td><a href="{u}">{escape(t)}</a></td></tr>' for u, t in _latest(art, site))
    return f"""<!doctype html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="{art.lang}">
<head>
<script type="application/ld+json">{_jsonld_graph(art)}</script>
<meta charset="UTF-8"><title>{title}</title>
</head>
<body bgcolor="#ffffff">
<table width="100%" border="0"><tr><td><a href="/">Icma.az</a></td><td><i>close</i></td><td><i>up</i></td>
<td><a href="{lab["switch_href"]}">{lab["switch"]}</a></td></tr></table>
<table width="100%" cellpadding="4"><tr><td valign="top" width="70%">
<table width="100%">
<tr><td colspan="2"><font size="5"><b>{title}</b></font></td></tr>
<tr><td colspan="2"><font size="6">{title}</font></td></tr>
{"".join(rows)}
</table>
</td><td valign="top">
<table><tr><th><i>top</i>{lab["most_read"]}</th></tr><tr><td>{lab["most_read_sub"]}</td></tr>{most}</table>
<table><tr><th><i>news</i>{lab["latest"]}</th></tr><tr><td>{lab["latest_sub"]}</td></tr>{latest}</table>
</td></tr></table>
<center><small>© Icma.az</small></center>
</body></html>"""


TEMPLATES = [template_classic, template_hashed, template_semantic, template_table]


def template_redesign(art: MirrorArticle, site: MirrorSite) -> str:
    """``--markup 1``: a redesign for the layout-drift tests. Views and comments counters and the
    author line are gone, the body sits in a new container; title, ``Mənbə:`` and archive line stay."""
    lab = LABELS[art.lang]
    paras = body_paragraphs(art)
    body = [] if art.kind == "story" else [f'<div class="lead">{escape(art.attribution)}</div>']
    body += [f'<div class="txt-row">{escape(p)}</div>' for p in paras]
    body.append(f'<div class="txt-row">{escape(art.closing)}</div>')
    meta = ""
    if art.kind == "news":
        source = escape(art.source_url or "")
        meta = (f'<ul class="post-meta"><li>{lab["source"]} <a href="{source}">{source}</a></li>'
                f'<li>{lab["archive"].format(date=art.published_at_raw)}</li></ul>')
    latest = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for u, t in _latest(art, site))
    title = escape(art.title)
    return f"""<!doctype html>
<html lang="{art.lang}"><head><meta charset="utf-8"><title>{title} - Icma.az</title>
<link rel="canonical" href="{art.url}"></head><body>
<div class="topbar"><a href="/">Icma.az</a> <a href="{lab["switch_href"]}">{lab["switch"]}</a></div>
<main class="post"><h1 class="post-title">{title}</h1>
<section class="post-content">{''.join(body)}</section>
{meta}</main>
<aside class="rail"><h3>{lab["latest"]}</h3><ul>{latest}</ul></aside>
<footer>© Icma.az</footer></body></html>"""
