"""The mirror's icma.az: navigation pages, listings, sitemaps and robots.txt.

Article pages themselves are rendered by :mod:`newsarchive.mirror.icma_pages`.
URL map (both editions; RU under ``/ru``):

- ``/``, ``/ru/``: home page, newest 20 items of the edition
- ``/son-xeberler?page=N``, ``/ru/poslednie-novosti?page=N``: latest listing, 20 per page
- ``/kateqoriya/<slug>?page=N``: category listing (AZ)
- ``/sitemap.xml`` (index) → ``/sitemap/news-<n>.xml`` (1,000 URLs each)
- ``/robots.txt``
- ``/news/<slug>-<id>``, ``/ru/news/<slug>-<id>``, ``/story/<slug>-<source>-<id>``
"""

from __future__ import annotations

import hashlib
from html import escape

from newsarchive.mirror.content import CATEGORIES, MirrorArticle, MirrorSite, format_az, format_ru
from newsarchive.mirror.icma_pages import render_article, sidebar_title
from newsarchive.mirror.server import NOT_FOUND_PAGE, MirrorRequest, Reply

PAGE_SIZE = 20
SITEMAP_SIZE = 1000
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
                return Reply(body=self._listing(lang, self._newest[lang], page, listing))
        if path.startswith("/kateqoriya/"):
            cat = path.removeprefix("/kateqoriya/").strip("/")
            if cat in self._by_category:
                return Reply(body=self._listing("az", self._by_category[cat], page, path))
            return None
        if path == "/sitemap.xml":
            return Reply(body=self._sitemap_index(), content_type="application/xml")
        if path.startswith("/sitemap/news-") and path.endswith(".xml"):
            n = path.removeprefix("/sitemap/news-").removesuffix(".xml")
            sitemap = self._sitemap(int(n)) if n.isdigit() else None
            return None if sitemap is None else Reply(body=sitemap, content_type="application/xml")
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

    def _sitemap_index(self) -> str:
        n = (len(self.site) + SITEMAP_SIZE - 1) // SITEMAP_SIZE
        entries = "".join(f"<sitemap><loc>https://icma.az/sitemap/news-{i}.xml</loc></sitemap>"
                          for i in range(n))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')

    def _sitemap(self, n: int) -> str | None:
        ks = range(n * SITEMAP_SIZE, min(len(self.site), (n + 1) * SITEMAP_SIZE))
        if not ks:
            return None
        urls = "".join(
            f"<url><loc>{self.site.article(k).url}</loc>"
            f"<lastmod>{self.site.published(k).isoformat()}</lastmod></url>"
            for k in ks if not self.site.deleted(k)
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


def _page_number(request: MirrorRequest) -> int:
    raw = request.arg("page", "1") or "1"
    return max(1, int(raw)) if raw.isdigit() else 1


def _layout(lang: str, title: str, main: str) -> str:
    cats = "".join(f'<li><a href="/kateqoriya/{c}">{n}</a></li>' for c, n in CATEGORY_NAMES.items())
    switch = '<a href="/ru/">RU</a>' if lang == "az" else '<a href="/">AZ</a>'
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><header><a href="/">Icma.az</a><nav><ul>{cats}</ul></nav>{switch}</header>'
            f"<main>{main}</main><footer>© Icma.az</footer></body></html>")
