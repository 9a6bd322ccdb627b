"""Article pages of the mirror's icma.az.

The page text follows ``shared/seed`` (icon ligature words glued to labels,
title twice, attribution sentence, author and closing lines, views, ``Mənbə:``,
the archive line, comments, "most read" and "latest" sidebars). Template 0 is
the layout guessed from the seed; more templates render the same article with
other markup, to prove the extractor does not depend on it.
"""

from __future__ import annotations

import json
import random
from html import escape

from newsarchive.mirror.content import MirrorArticle, MirrorSite, dirty_text, format_az, format_ru

LABELS = {
    "az": {
        "views": "Baxış sayı:", "source": "Mənbə:", "archive": "Bu xəbər {date} mənbədən arxivləşdirilmişdir",
        "comments": "{n} Şərh", "login": "Daxil olun, şərh yazmaq üçün...", "first": "İlk cavab verən siz olun...",
        "most_read": "Günün ən çox oxunanları", "most_read_sub": "Hal-hazırda ən çox müzakirə olunan hadisələr",
        "latest": "Son xəbərlər", "latest_sub": "Günün ən son və aktual hadisələri",
    },
    # The RU edition was not observed: these labels are our guess (unverified).
    "ru": {
        "views": "Просмотров:", "source": "Источник:", "archive": "Эта новость {date} архивирована из источника",
        "comments": "{n} Комментариев", "login": "Войдите, чтобы написать комментарий...",
        "first": "Будьте первым, кто ответит...", "most_read": "Самое читаемое за день",
        "most_read_sub": "Самые обсуждаемые события", "latest": "Последние новости",
        "latest_sub": "Самые свежие события дня",
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
    ks = [k for k in range(len(site) - 1, max(-1, len(site) - 12), -1) if k != art.k]
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
        meta = (
            '<div class="news-info">'
            f'<div class="item"><i class="material-icons">see</i>{lab["views"]}{art.views}</div>'
            f'<div class="item"><i class="material-icons">embed</i>{lab["source"]}'
            f'<a href="{escape(art.source_url or "")}" target="_blank" rel="nofollow">{escape(art.source_url or "")}</a></div>'
            f'<div class="item"><i class="material-icons">archive</i>{archive}</div>'
            "</div>"
            f'<div class="comments"><h4>{lab["comments"].format(n=art.comments)}</h4>'
            f'<p>{lab["login"]}</p><p>{lab["first"]}</p></div>'
        )
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
<button><i class="material-icons">up</i></button><a href="{'/' if art.lang == 'ru' else '/ru/'}">{'AZ' if art.lang == 'ru' else 'RU'}</a></header>
<div class="container"><div class="row"><div class="col-md-8">
<div class="news-title-top">{title}</div>
<h1 class="news-title">{title}</h1>
<div class="news-text">{''.join(body)}</div>
{meta}
</div><div class="col-md-4">
<div class="sidebar"><h3><i class="material-icons">top</i>{lab["most_read"]}</h3><p>{lab["most_read_sub"]}</p><ul>{most}</ul></div>
<div class="sidebar"><h3><i class="material-icons">news</i>{lab["latest"]}</h3><p>{lab["latest_sub"]}</p><ul>{latest}</ul></div>
</div></div></div>
<footer>© Icma.az</footer></body></html>"""


TEMPLATES = [template_classic]
