"""The cited source sites of the mirror, each with its own markup.

One :class:`SourceApp` per host in :data:`~newsarchive.mirror.content.SOURCES`.
Article pages show the ground truth (:class:`~newsarchive.mirror.content.OriginTruth`:
title, paragraphs, author, the original's own ``published_at``) with light
:func:`~newsarchive.mirror.content.dirty_text` on the body paragraphs, which
:func:`newsarchive.normalize.text.normalize_text` undoes.

Where each site keeps what a page object should read (``origin.published_at_raw``
is the string in the last column):

============  ==================================================  ====================================
host          markup                                              date string taken (``*_raw``)
============  ==================================================  ====================================
report.az     JSON-LD ``NewsArticle`` (some pages inside          JSON-LD ``datePublished``
              ``@graph``), header clock, related box              ``2025-10-23T09:32:00+04:00``
apa.az        OpenGraph, ``<meta name="author">``, no JSON-LD     ``article:published_time`` meta
                                                                  ``2025-10-23T09:32:00+04:00``
azertag.az    plain HTML; dateline without year in the first      visible ``23.10.2025 [09:32]``
              paragraph (``Bakı, 23 oktyabr, AZƏRTAC``)            (profile ``pages/sites/azertag_az``)
bakivaxti.az  OpenGraph title only, ``<time datetime>``,          ``<time datetime>``
              ``rel="author"`` byline; home-page-only citations   ``2025-10-23T09:32:00+04:00``
              (decoys: blog template, ``<h2>``, no OpenGraph,
              ``<title>`` ``… | Oxucu bloqu | Bakı Vaxtı``)
mia.az        microdata (``itemprop``); cited ``/w<id>/<slug>``   visible ``itemprop=datePublished``
              301-redirects to the dated URL                      ``12.07.2025 / 14:30``
============  ==================================================  ====================================

Every host serves ``/robots.txt`` and a home page ``/``; bakivaxti.az also
``/rss`` and ``/feed`` (RSS 2.0, newest 50), ``/sitemap.xml`` (a Google News
sitemap of *all* its posts; an index of 1,000-URL parts when larger) and decoy
posts icma never cited. Citation cases: ``report_500`` answers 500 and
``apa_404`` 404 on the cited URL; ``bakivaxti_nomatch`` articles appear nowhere.

Listings are built once per app on first use; a page costs one indexed
look-up (:meth:`~newsarchive.mirror.content.MirrorSite.by_source_path`).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from urllib.parse import urlsplit

from newsarchive.mirror import text as words
from newsarchive.mirror.content import (
    AZ_MONTHS,
    RU_MONTHS_GEN,
    SOURCES,
    MirrorSite,
    OriginTruth,
    dirty_text,
    slugify,
)
from newsarchive.mirror.http import MirrorRequest, Reply

#: Posts per bakivaxti.az list: home page, RSS feed, sitemap part.
HOME_SIZE = 30
FEED_SIZE = 50
SITEMAP_SIZE = 1000
RELATED = 5
#: One bakivaxti-only decoy post per this many minutes of the mirror's timeline.
DECOY_EVERY = timedelta(minutes=97)

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"

SITE_NAMES = {"report.az": "Report.az", "apa.az": "APA", "azertag.az": "AZƏRTAC", "bakivaxti.az": "Bakıvaxtı",
              "mia.az": "Mia.az"}
LABELS = {
    "az": {"related": "Digər xəbərlər", "author": "Müəllif", "rights": "Bütün hüquqlar qorunur",
           "read": "Oxunub", "latest": "Son xəbərlər"},
    "ru": {"related": "Читайте также", "author": "Автор", "rights": "Все права защищены",
           "read": "Просмотров", "latest": "Последние новости"},
}
NAV = ("Siyasət", "İqtisadiyyat", "Cəmiyyət", "İdman", "Dünya", "Mədəniyyət")
DATELINE_CITIES = ("Bakı", "Bakı", "Bakı", "Gəncə", "Şuşa", "Ankara", "Astana")
#: Decoy headlines of bakivaxti.az (posts icma never cited): another register than icma's titles.
DECOY_HEADS = ("{place} {tail}", "Bakıvaxtı sorğusu: {tail}", "Hava şəraiti: {place} {tail}",
               "Oxucu məktubu — {tail}", "{place} tıxac: {tail}")


@dataclass(frozen=True)
class Post(OriginTruth):
    """One article a source site serves: an origin of the ground truth, or a decoy."""

    key: str
    """Seed of its dirt and variations: ``k`` of the aggregator article, or ``decoy<n>``."""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @classmethod
    def of(cls, k: int, truth: OriginTruth) -> Post:
        return cls(**{f.name: getattr(truth, f.name) for f in fields(truth)}, key=str(k))


class SourceApp:
    """One cited site of the mirror (see the module docstring)."""

    def __init__(self, site: MirrorSite, host: str) -> None:
        if host not in SOURCES:
            raise ValueError(f"not a source host: {host!r}")
        self.site = site
        self.host = host
        self.render: Callable[[SourceApp, Post], str] = RENDERERS[host]
        self._posts: list[Post] | None = None
        self._position: dict[str, int] = {}
        self._decoys: dict[str, Post] = {}

    # -- routing ----------------------------------------------------------------------
    def handle(self, request: MirrorRequest) -> Reply | None:
        path = request.path
        if path == "/robots.txt":
            return Reply(body=self._robots(), content_type="text/plain; charset=utf-8")
        if path in ("/", "/ru", "/ru/"):
            lang = "ru" if path.startswith("/ru") else "az"
            return Reply(body=self._home(lang), content_type=HTML)
        if self.host == "bakivaxti.az":
            if path in ("/rss", "/feed", "/rss.xml"):
                return Reply(body=self._feed(), content_type="application/rss+xml; charset=utf-8")
            if path == "/sitemap.xml" or (path.startswith("/sitemap-") and path.endswith(".xml")):
                part = path.removeprefix("/sitemap").removeprefix("-").removesuffix(".xml")
                body = self._sitemap(int(part) if part else None) if part.isdigit() or not part else None
                return None if body is None else Reply(body=body, content_type=XML)
        return self._article(request, path)

    def _article(self, request: MirrorRequest, path: str) -> Reply | None:
        self.posts()
        post = self._decoys.get(path)
        if post is None:
            art = self.site.by_source_path(self.host, path)
            if art is None:
                return None
            if art.case == "report_500":
                return Reply(500, "<html><body><h1>500 Internal Server Error</h1></body></html>")
            if art.case == "apa_404" or art.origin is None or art.origin.site != self.host:
                return None
            if path != urlsplit(art.origin.url).path and self.host == "mia.az":  # the short cited URL
                return Reply(301, b"", headers={"Location": art.origin.url})
            # another slug of the article (the mirror's variants mode): served as it is, the page naming
            # its URL where the site does (report.az rel=canonical, apa.az og:url)
            post = Post.of(art.k, art.origin)
        body = self.render(self, post).encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", headers={"ETag": etag})
        return Reply(body=body, content_type=HTML, headers={"ETag": etag})

    # -- listings (built once) ----------------------------------------------------------
    def posts(self) -> list[Post]:
        """Every post of this host, newest first (decoys included on bakivaxti.az)."""
        if self._posts is None:
            found = [Post.of(art.k, art.origin) for art in self.site.articles()
                     if art.origin is not None and art.origin.site == self.host]
            if self.host == "bakivaxti.az":
                decoys = self._make_decoys()
                self._decoys = {p.path: p for p in decoys}
                found += decoys
            found.sort(key=lambda p: (p.published_at, p.url), reverse=True)
            self._posts = found
            self._position = {p.url: i for i, p in enumerate(found)}
        return self._posts

    def related(self, post: Post) -> list[Post]:
        posts = self.posts()
        i = self._position.get(post.url, 0)
        near = posts[max(0, i - RELATED) : i] + posts[i + 1 : i + 1 + RELATED]
        return [p for p in near if p.lang == post.lang][:RELATED]

    def _make_decoys(self) -> list[Post]:
        seed = self.site.config.seed
        start, end = self.site.config.base_time, self.site.now
        decoys = []
        n = 0
        while start + n * DECOY_EVERY < end:
            rng = random.Random(f"{seed}:bakivaxti-decoy:{n}")
            title = decoy_title(rng)
            when = start + n * DECOY_EVERY + timedelta(minutes=rng.randint(0, 40))
            url = f"https://bakivaxti.az/az/posts/detail/{slugify(title)}-{int(when.timestamp())}"
            author = words.make_author(rng, "az") if rng.random() < 0.5 else None
            decoys.append(Post(site=self.host, url=url, title=title, paragraphs=tuple(words.make_paragraphs(rng, "az")),
                               author=author, published_at=when, lang="az", key=f"decoy{n}"))
            n += 1
        return decoys

    # -- small pages --------------------------------------------------------------------
    def _robots(self) -> str:
        lines = ["User-agent: *", "Disallow: /admin", "Disallow: /axtar", ""]
        if self.host == "bakivaxti.az":
            lines.append("Sitemap: https://bakivaxti.az/sitemap.xml")
        return "\n".join(lines) + "\n"

    def _home(self, lang: str) -> str:
        latest = [p for p in self.posts() if p.lang == lang][:HOME_SIZE]
        items = "\n".join(
            f'<li class="news-item"><a href="{escape(p.url)}">{escape(p.title)}</a>'
            f'<span class="date">{p.published_at:%d.%m.%Y %H:%M}</span></li>' for p in latest)
        name = SITE_NAMES[self.host]
        feed = ('<link rel="alternate" type="application/rss+xml" title="RSS" href="https://bakivaxti.az/rss">'
                if self.host == "bakivaxti.az" else "")
        return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(name)}</title>'
                f"{feed}</head><body>{_header(name, lang)}<main><h2>{LABELS[lang]['latest']}</h2>"
                f'<ul class="news-list">\n{items}\n</ul></main>{_footer(name, lang)}</body></html>')

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{escape(p.title)}</title><link>{escape(p.url)}</link>"
            f'<guid isPermaLink="true">{escape(p.url)}</guid>'
            f"<pubDate>{format_datetime(p.published_at)}</pubDate>"
            f"<description>{escape(p.paragraphs[0][:200])}</description></item>"
            for p in self.posts()[:FEED_SIZE]
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                "<title>Bakıvaxtı</title><link>https://bakivaxti.az/</link><language>az</language>"
                f"<description>Bakıvaxtı xəbərləri</description>{items}</channel></rss>")

    def _sitemap(self, part: int | None) -> str | None:
        posts = self.posts()
        parts = max(1, (len(posts) + SITEMAP_SIZE - 1) // SITEMAP_SIZE)
        if part is None and parts > 1:
            entries = "".join(f"<sitemap><loc>https://bakivaxti.az/sitemap-{i}.xml</loc></sitemap>"
                              for i in range(parts))
            return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
                    f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')
        if part is not None and not 0 <= part < parts:
            return None
        chunk = posts[(part or 0) * SITEMAP_SIZE : ((part or 0) + 1) * SITEMAP_SIZE]
        urls = "".join(
            f"<url><loc>{escape(p.url)}</loc><news:news><news:publication><news:name>Bakıvaxtı</news:name>"
            f"<news:language>{p.lang}</news:language></news:publication>"
            f"<news:publication_date>{p.published_at.isoformat()}</news:publication_date>"
            f"<news:title>{escape(p.title)}</news:title></news:news></url>"
            for p in chunk
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


def decoy_title(rng: random.Random) -> str:
    head = DECOY_HEADS[rng.randrange(len(DECOY_HEADS))]
    place = words.AZ_PLACES[rng.randrange(len(words.AZ_PLACES))]
    tail = words.AZ_TAILS[rng.randrange(len(words.AZ_TAILS))]
    title = head.format(place=place, tail=tail)
    return title[0].upper() + title[1:]


# -- shared pieces -----------------------------------------------------------------------
def _header(name: str, lang: str, clock: str = "") -> str:
    nav = "".join(f'<li><a href="/{slugify(c)}">{c}</a></li>' for c in NAV)
    clock_html = f'<div class="header-clock">{clock}</div>' if clock else ""
    return (f'<header class="site-header"><a class="logo" href="/">{escape(name)}</a>{clock_html}'
            f'<nav><ul>{nav}</ul></nav><a class="lang" href="{"/" if lang == "ru" else "/ru/"}">'
            f'{"AZ" if lang == "ru" else "RU"}</a></header>')


def _footer(name: str, lang: str) -> str:
    return (f'<footer class="site-footer"><p>© 2025 {escape(name)}. {LABELS[lang]["rights"]}.</p>'
            '<p><a href="/haqqimizda">Haqqımızda</a> | <a href="/elaqe">Əlaqə</a> | <a href="/reklam">Reklam</a>'
            "</p></footer>")


def _related(app: SourceApp, post: Post, *, with_dates: bool = False) -> str:
    items = "".join(
        f'<li><a href="{escape(p.url)}">{escape(p.title)}</a>'
        + (f' <span class="date">{p.published_at:%d.%m.%Y %H:%M}</span>' if with_dates else "") + "</li>"
        for p in app.related(post)
    )
    return f'<aside class="related"><h3>{LABELS[post.lang]["related"]}</h3><ul>{items}</ul></aside>'


def _dirty_paragraphs(host: str, post: Post) -> list[str]:
    rng = random.Random(f"source-dirt:{host}:{post.key}")
    return [dirty_text(p, rng, rate=0.02) for p in post.paragraphs]


def _paras_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _page(lang: str, head: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head>'
            f"<body>{body}</body></html>")


def month_date(dt: datetime, lang: str, *, year: bool = True) -> str:
    """``23 oktyabr 2025`` / ``23 октября 2025`` (``year=False``: ``23 oktyabr``)."""
    month = RU_MONTHS_GEN[dt.month - 1] if lang == "ru" else AZ_MONTHS[dt.month - 1].lower()
    return f"{dt.day} {month} {dt.year}" if year else f"{dt.day} {month}"


# -- report.az: JSON-LD ------------------------------------------------------------------
def render_report(app: SourceApp, post: Post) -> str:
    variant = int(hashlib.md5(post.key.encode()).hexdigest(), 16) % 3
    article: dict[str, object] = {
        "@type": "NewsArticle", "headline": post.title, "datePublished": post.published_at.isoformat(),
        "dateModified": (post.published_at + timedelta(hours=2, minutes=11)).isoformat(),
        "mainEntityOfPage": post.url, "inLanguage": post.lang,
        "publisher": {"@type": "Organization", "name": "Report.az",
                      "logo": {"@type": "ImageObject", "url": "https://report.az/logo.png"}},
    }
    if post.author:
        article["author"] = {"@type": "Person", "name": post.author}
    else:
        article["author"] = {"@type": "Organization", "name": "Report.az"}
    if variant == 1:
        article["articleBody"] = "\n\n".join(post.paragraphs)
    if variant == 2:
        crumbs = {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Report.az", "item": "https://report.az/"}]}
        data: object = {"@context": "https://schema.org",
                        "@graph": [{"@type": "WebPage", "@id": post.url, "name": post.title}, crumbs, article]}
    else:
        data = {"@context": "https://schema.org", **article}
    now = app.site.now
    clock = f"{month_date(now, post.lang)}, {now:%H:%M}"
    title = escape(post.title)
    byline = (f'<div class="author">{LABELS[post.lang]["author"]}: {escape(post.author)}</div>'
              if post.author else "")
    jsonld = json.dumps(data, ensure_ascii=False)
    if post.key.isdigit() and app.site.odd_characters(int(post.key)):
        # life mode: what some real CMSs emit, a lone surrogate and a NUL escaped in the JSON text
        jsonld = jsonld.replace('"headline": "', '"headline": "\\ud800', 1).replace(
            '"inLanguage": "', '"description": "\\u0000\\udfff", "inLanguage": "', 1)
    head = (f"<title>{title} | Report.az</title><link rel=\"canonical\" href=\"{post.url}\">"
            f'<script type="application/ld+json">{jsonld}</script>')
    body = (f"{_header('Report.az', post.lang, clock)}<main><article class=\"news\">"
            f'<h1 class="news-title">{title}</h1>'
            f'<div class="news-date">{month_date(post.published_at, post.lang)} {post.published_at:%H:%M}</div>'
            f'<div class="news-text">{_paras_html(_dirty_paragraphs(app.host, post))}</div>{byline}'
            f"</article>{_related(app, post)}</main>{_footer('Report.az', post.lang)}")
    return _page(post.lang, head, body)


# -- apa.az: OpenGraph + <meta> ----------------------------------------------------------
def render_apa(app: SourceApp, post: Post) -> str:
    title = escape(post.title)
    iso = post.published_at.isoformat()
    author_meta = f'<meta name="author" content="{escape(post.author)}">' if post.author else ""
    shown = (f"{month_date(post.published_at, post.lang)}, {post.published_at:%H:%M}" if int(post.key[-1:] or 0) % 2
             else f"{post.published_at:%H:%M / %d-%m-%Y}")
    head = (f"<title>{title} - APA</title>"
            f'<meta property="og:type" content="article"><meta property="og:site_name" content="APA">'
            f'<meta property="og:title" content="{title}"><meta property="og:url" content="{post.url}">'
            f'<meta property="og:description" content="{escape(post.paragraphs[0][:160])}">'
            f'<meta property="article:published_time" content="{iso}">{author_meta}')
    byline = f'<div class="news-author">{escape(post.author)}</div>' if post.author else ""
    body = (f"{_header('APA', post.lang)}<div class=\"container\"><div class=\"content\">"
            f'<h2 class="title_news">{title}</h2><div class="date">{shown}</div>'
            f'<div class="texts">{_paras_html(_dirty_paragraphs(app.host, post))}</div>{byline}'
            f"</div>{_related(app, post, with_dates=True)}</div>{_footer('APA', post.lang)}")
    return _page(post.lang, head, body)


# -- azertag.az: plain HTML ---------------------------------------------------------------
def azertag_dateline(post: Post) -> str:
    city = DATELINE_CITIES[int(hashlib.md5(post.key.encode()).hexdigest(), 16) % len(DATELINE_CITIES)]
    return f"{city}, {month_date(post.published_at, 'az', year=False)}, AZƏRTAC"


def render_azertag(app: SourceApp, post: Post) -> str:
    title = escape(post.title)
    paras = _dirty_paragraphs(app.host, post)
    first = f"<p><strong>{azertag_dateline(post)}</strong> {escape(paras[0])}</p>"
    byline = (f'<p class="author-line">{LABELS["az"]["author"]}: {escape(post.author)}</p>'
              if post.author else "")
    today = f'<div class="today">{app.site.now:%d.%m.%Y}</div>'
    body = (f"{_header('AZƏRTAC', post.lang)}{today}<div class=\"wrapper\"><div class=\"news-content\">"
            f"<h1>{title}</h1><div class=\"news-date\">{post.published_at:%d.%m.%Y [%H:%M]}</div>"
            f'<div class="news-body">{first}{_paras_html(paras[1:])}{byline}</div></div>'
            f"{_related(app, post, with_dates=True)}</div>{_footer('AZƏRTAC', post.lang)}")
    return _page(post.lang, f"<title>{title}</title>", body)


# -- bakivaxti.az: OpenGraph title + <time datetime> ---------------------------------------
def render_bakivaxti(app: SourceApp, post: Post) -> str:
    if post.key.startswith("decoy"):
        return render_bakivaxti_blog(app, post)
    title = escape(post.title)
    byline = (f'<div class="post-author">{LABELS["az"]["author"]}: '
              f'<a rel="author" href="/author/{slugify(post.author)}">{escape(post.author)}</a></div>'
              if post.author else "")
    head = (f"<title>{title}</title><meta property=\"og:title\" content=\"{title}\">"
            f'<meta property="og:url" content="{post.url}"><meta property="og:site_name" content="Bakıvaxtı">')
    body = (f"{_header('Bakıvaxtı', post.lang)}<div class=\"post\"><h1 class=\"post-title\">{title}</h1>"
            f'<time datetime="{post.published_at.isoformat()}">{post.published_at:%d.%m.%Y %H:%M}</time>'
            f'<div class="post-body">{_paras_html(_dirty_paragraphs(app.host, post))}</div>{byline}</div>'
            f"{_related(app, post)}{_footer('Bakıvaxtı', post.lang)}")
    return _page(post.lang, head, body)


#: The ``<title>`` of bakivaxti.az's reader blog: a section label and a site name no markup of the page states.
BAKIVAXTI_BLOG_TITLE = "{title} | Oxucu bloqu | Bakı Vaxtı"


def render_bakivaxti_blog(app: SourceApp, post: Post) -> str:
    """bakivaxti.az's reader posts (the decoys icma never cites) keep its older blog template: no OpenGraph,
    the headline in an ``<h2>``, and a ``<title>`` whose suffix only the site's other pages reveal."""
    title = escape(post.title)
    byline = (f'<div class="post-author">{LABELS["az"]["author"]}: {escape(post.author)}</div>'
              if post.author else "")
    body = (f"{_header('Bakıvaxtı', post.lang)}<div class=\"blog-post\"><h2 class=\"blog-title\">{title}</h2>"
            f'<time datetime="{post.published_at.isoformat()}">{post.published_at:%d.%m.%Y %H:%M}</time>'
            f'<div class="post-body">{_paras_html(_dirty_paragraphs(app.host, post))}</div>{byline}</div>'
            f"{_related(app, post)}{_footer('Bakıvaxtı', post.lang)}")
    return _page(post.lang, f"<title>{BAKIVAXTI_BLOG_TITLE.format(title=title)}</title>", body)


# -- mia.az: microdata ---------------------------------------------------------------------
def render_mia(app: SourceApp, post: Post) -> str:
    title = escape(post.title)
    author = (f'<div class="author" itemprop="author" itemscope itemtype="https://schema.org/Person">'
              f'<span itemprop="name">{escape(post.author)}</span></div>' if post.author else "")
    body = (f"{_header('Mia.az', post.lang)}<div class=\"main\">"
            '<article itemscope itemtype="https://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{title}</h1>'
            f'<div class="news-date"><span itemprop="datePublished">{post.published_at:%d.%m.%Y / %H:%M}</span></div>'
            f'<div class="news-text" itemprop="articleBody">{_paras_html(_dirty_paragraphs(app.host, post))}</div>'
            f"{author}</article>{_related(app, post)}</div>{_footer('Mia.az', post.lang)}")
    return _page(post.lang, f"<title>{title} | Mia.az</title>", body)


RENDERERS: dict[str, Callable[[SourceApp, Post], str]] = {
    "report.az": render_report, "apa.az": render_apa, "azertag.az": render_azertag,
    "bakivaxti.az": render_bakivaxti, "mia.az": render_mia,
}
