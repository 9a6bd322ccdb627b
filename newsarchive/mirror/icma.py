"""The mirror's icma.az: navigation pages, listings, sitemaps and robots.txt.

Article pages themselves are rendered by :mod:`newsarchive.mirror.icma_pages`.
URL map (both editions; RU under ``/ru``):

- ``/``, ``/ru/``: home page, newest 20 items of the edition
- ``/son-xeberler?page=N``, ``/ru/poslednie-novosti?page=N``: latest listing, 20 per page
- ``/kateqoriya/<slug>?page=N``: category listing (AZ)
- ``/sitemap.xml``: sitemap index of fixed-size children ``/sitemap/articles-<n>.xml``
  (``MirrorConfig.sitemap_size`` URLs each, oldest first), each with the ``<lastmod>`` of its newest
  article, and the Google News sitemap ``/sitemap/google-news.xml`` (articles of the last 2 days)
- sitemaps and listings carry ``ETag`` and ``Last-Modified`` and answer conditional requests
  (``If-None-Match``, ``If-Modified-Since``) with ``304``
- ``/robots.txt``
- ``/news/<slug>-<id>``, ``/ru/news/<slug>-<id>``, ``/story/<slug>-<source>-<id>``
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape

from newsarchive.mirror.content import CATEGORIES, MirrorArticle, MirrorSite, format_az, format_ru
from newsarchive.mirror.http import NOT_FOUND_PAGE, MirrorRequest, Reply
from newsarchive.mirror.icma_pages import render_article, sidebar_title

PAGE_SIZE = 20
NEWS_SITEMAP_PATH = "/sitemap/google-news.xml"
NEWS_SITEMAP_WINDOW = timedelta(days=2)  # what Google News sitemaps hold
LATEST_PATH = {"az": "/son-xeberler", "ru": "/ru/poslednie-novosti"}
NEXT_LABEL = {"az": "Növbəti səhifə", "ru": "Следующая страница"}
CATEGORY_NAMES = {"siyaset": "Siyasət", "iqtisadiyyat": "İqtisadiyyat", "cemiyyet": "Cəmiyyət",
                  "idman": "İdman", "dunya": "Dünya", "medeniyyet": "Mədəniyyət"}
ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /axtaris
Sitemap: https://icma.az/sitemap.xml
"""


class IcmaApp:
    def __init__(self, site: MirrorSite) -> None:
        self.site = site
        self._newest = {lang: site.newest_first(lang=lang) for lang in ("az", "ru")}
        self._by_category = {c: [k for k in self._newest["az"] if site.article(k).category == c]
                             for c in CATEGORIES}

    def handle(self, request: MirrorRequest) -> Reply | None:
        path = request.path
        page = _page_number(request)
        if path == "/robots.txt":
            return Reply(body=ROBOTS, content_type="text/plain; charset=utf-8")
        if path in ("/", "/ru", "/ru/"):
            lang = "ru" if path.startswith("/ru") else "az"
            return Reply(body=self._listing(lang, self._newest[lang], 1, None, home=True))
        for lang, listing in LATEST_PATH.items():
            if path == listing:
                return self._listing_reply(request, lang, self._newest[lang], page, listing)
        if path.startswith("/kateqoriya/"):
            cat = path.removeprefix("/kateqoriya/").strip("/")
            if cat in self._by_category:
                return self._listing_reply(request, "az", self._by_category[cat], page, path)
            return None
        if path == "/sitemap.xml":
            return _validated(request, self._sitemap_index(), self._newest_time(), "application/xml")
        if path == NEWS_SITEMAP_PATH:
            return _validated(request, self._news_sitemap(), self._newest_time(), "application/xml")
        if path.startswith("/sitemap/articles-") and path.endswith(".xml"):
            n = path.removeprefix("/sitemap/articles-").removesuffix(".xml")
            sitemap = self._sitemap(int(n)) if n.isdigit() else None
            if sitemap is None:
                return None
            return _validated(request, sitemap, self._child_lastmod(int(n)), "application/xml")
        article = self.site.find(path)
        if article is None:
            return None
        if self.site.deleted(article.k):  # life mode: taken down, "gone" (410) or plain 404
            return Reply(410 if article.k % 2 == 0 else 404, NOT_FOUND_PAGE)
        body = render_article(article, self.site).encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", headers={"ETag": etag})
        return Reply(body=body, headers={"ETag": etag})

    # -- pages ----------------------------------------------------------------------
    def _listing_reply(self, request: MirrorRequest, lang: str, ks: list[int], page: int, base: str) -> Reply:
        newest = self.site.published(ks[0]) if ks else self.site.config.base_time
        return _validated(request, self._listing(lang, ks, page, base), newest, "text/html; charset=utf-8")

    def _listing(self, lang: str, ks: list[int], page: int, base: str | None, *, home: bool = False) -> str:
        start = (page - 1) * PAGE_SIZE
        chunk = ks[start : start + PAGE_SIZE]
        if not chunk and not home:
            return _layout(lang, "Səhifə boşdur", "<p>Xəbər yoxdur.</p>")
        items = "\n".join(self._list_item(self.site.article(k)) for k in chunk)
        nav = ""
        if base and start + PAGE_SIZE < len(ks):
            nav = f'<div class="pager"><a class="next" href="{base}?page={page + 1}">{NEXT_LABEL[lang]}</a></div>'
        if home:
            nav = f'<div class="pager"><a href="{LATEST_PATH[lang]}?page=2">{NEXT_LABEL[lang]}</a></div>'
        title = "Icma.az — Son xəbərlər" if lang == "az" else "Icma.az — Последние новости"
        return _layout(lang, title, f'<ul class="news-list">\n{items}\n</ul>\n{nav}')

    def _list_item(self, art: MirrorArticle) -> str:
        when = self.site.published(art.k)
        shown = format_ru(when) if art.lang == "ru" else format_az(when)
        return (f'<li><a href="{art.url}">{escape(sidebar_title(art.title))}</a>'
                f'<span class="date">{shown}</span></li>')

    def _newest_time(self) -> datetime:
        return self.site.published(len(self.site) - 1)

    def _child_count(self) -> int:
        size = self.site.config.sitemap_size
        return (len(self.site) + size - 1) // size

    def _child_lastmod(self, n: int) -> datetime:
        """A child's ``<lastmod>``: its newest article (children are filled oldest first)."""
        return self.site.published(min(len(self.site), (n + 1) * self.site.config.sitemap_size) - 1)

    def _sitemap_index(self) -> str:
        entries = [f"<sitemap><loc>https://icma.az/sitemap/articles-{i}.xml</loc>"
                   f"<lastmod>{self._child_lastmod(i).isoformat()}</lastmod></sitemap>"
                   for i in range(self._child_count())]
        entries.append(f"<sitemap><loc>https://icma.az{NEWS_SITEMAP_PATH}</loc>"
                       f"<lastmod>{self._newest_time().isoformat()}</lastmod></sitemap>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f'{"".join(entries)}</sitemapindex>')

    def _sitemap(self, n: int) -> str | None:
        size = self.site.config.sitemap_size
        ks = range(n * size, min(len(self.site), (n + 1) * size))
        if not ks:
            return None
        urls = "".join(
            f"<url><loc>{self.site.article(k).url}</loc>"
            f"<lastmod>{self.site.published(k).isoformat()}</lastmod></url>"
            for k in ks if not self.site.deleted(k)
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')

    def _news_sitemap(self) -> str:
        """Google News sitemap: the articles of the last two days (of the mirror's clock), newest first."""
        oldest = self.site.now - NEWS_SITEMAP_WINDOW
        urls = []
        for k in range(len(self.site) - 1, -1, -1):
            when = self.site.published(k)
            if when < oldest:
                break
            if self.site.deleted(k):
                continue
            art = self.site.article(k)
            urls.append(f"<url><loc>{art.url}</loc><news:news><news:publication><news:name>Icma.az</news:name>"
                        f"<news:language>{art.lang}</news:language></news:publication>"
                        f"<news:publication_date>{when.isoformat()}</news:publication_date>"
                        f"<news:title>{escape(sidebar_title(art.title))}</news:title></news:news></url>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{"".join(urls)}</urlset>')


def _validated(request: MirrorRequest, body: str, modified: datetime, content_type: str) -> Reply:
    """*body* with ``ETag`` (its hash) and ``Last-Modified``; ``304`` when the request's validators match.

    ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110 13.2.2).
    """
    payload = body.encode("utf-8")
    headers = {"ETag": '"' + hashlib.sha1(payload).hexdigest()[:20] + '"',
               "Last-Modified": format_datetime(modified.astimezone(UTC).replace(microsecond=0), usegmt=True)}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if headers["ETag"] in [tag.strip() for tag in if_none_match.split(",")]:
            return Reply(304, b"", content_type, headers)
    elif request.headers.get("if-modified-since"):
        try:
            since = parsedate_to_datetime(request.headers["if-modified-since"])
        except (TypeError, ValueError):
            since = None
        if since is not None and since.tzinfo is not None and modified.replace(microsecond=0) <= since:
            return Reply(304, b"", content_type, headers)
    return Reply(body=payload, content_type=content_type, headers=headers)


def _page_number(request: MirrorRequest) -> int:
    raw = request.arg("page", "1") or "1"
    return max(1, int(raw)) if raw.isdigit() else 1


def _layout(lang: str, title: str, main: str) -> str:
    cats = "".join(f'<li><a href="/kateqoriya/{c}">{n}</a></li>' for c, n in CATEGORY_NAMES.items())
    switch = '<a href="/ru/">RU</a>' if lang == "az" else '<a href="/">AZ</a>'
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><header><a href="/">Icma.az</a><nav><ul>{cats}</ul></nav>{switch}</header>'
            f"<main>{main}</main><footer>© Icma.az</footer></body></html>")
