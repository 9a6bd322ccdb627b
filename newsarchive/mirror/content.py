"""The mirror's ground truth: every article of the simulated icma.az and its origin.

Everything is a pure function of ``(seed, k)``: article ``k`` (0 = oldest) can be
built on its own, so a 10,000-article mirror costs nothing until a page is asked
for, and tests compare what a crawl extracted with :meth:`MirrorSite.article`.

Values here are *clean* (what a perfect extractor plus normaliser returns); the
renderers sprinkle the normalisation problems of real pages over them with
:func:`dirty_text`, which :func:`newsarchive.normalize.text.normalize_text`
must undo exactly.

Citation cases cycle with ``k`` (see :data:`CASE_CYCLE`) so that even a
40-article mirror holds every kind of origin: deep links to a JSON-LD site, an
OpenGraph-only site and a plain site, a redirecting link, home-page-only
citations that can and cannot be resolved, and the failure modes.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsarchive.mirror import text as words

BAKU = ZoneInfo("Asia/Baku")

#: Host of the aggregator.
ICMA_HOST = "icma.az"

AZ_MONTHS = ("Yanvar", "Fevral", "Mart", "Aprel", "May", "İyun", "İyul", "Avqust", "Sentyabr",
             "Oktyabr", "Noyabr", "Dekabr")
RU_MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                 "сентября", "октября", "ноября", "декабря")

CATEGORIES = ("siyaset", "iqtisadiyyat", "cemiyyet", "idman", "dunya", "medeniyyet")


@dataclass(frozen=True)
class SourceSite:
    """A cited site served by the mirror."""

    host: str
    names: tuple[str, ...]
    """How icma's attribution sentence spells the source (one is picked per article)."""
    markup: str
    """``jsonld`` | ``opengraph`` | ``plain`` | ``homeonly`` | ``redirect``."""
    langs: tuple[str, ...] = ("az",)


SOURCES: dict[str, SourceSite] = {
    s.host: s
    for s in (
        SourceSite("report.az", ("Report.az", "Report"), "jsonld", ("az", "ru")),
        SourceSite("apa.az", ("APA", "Apa.az"), "opengraph", ("az", "ru")),
        SourceSite("azertag.az", ("Azertag", "AZƏRTAC"), "plain"),
        SourceSite("bakivaxti.az", ("Bakivaxti", "Bakıvaxtı.az"), "homeonly"),
        SourceSite("mia.az", ("Mia.az", "Mia"), "redirect"),
    )
}

#: Hosts that are cited but that the mirror does not serve (unreachable).
UNREACHABLE_HOST = "olke.az"

#: Citation cases, one per ``k % len(CASE_CYCLE)``.
CASE_CYCLE: tuple[str, ...] = (
    # positions 2, 7, 12, ... fall on RU articles (k % 5 == 2): only RU-capable cases there
    "report", "apa", "apa", "bakivaxti", "mia", "report", "apa", "report", "azertag", "unreachable",
    "report", "apa_404", "report_500", "bakivaxti_nomatch", "private", "apa", "ftp", "report", "mia",
    "bakivaxti", "azertag", "apa", "apa", "bakivaxti", "report", "mia", "apa", "report", "azertag",
    "bakivaxti", "apa", "azertag", "report", "bakivaxti", "mia", "apa", "azertag", "apa", "azertag",
    "bakivaxti",
)
#: Cases whose origin exists on a source site, with the host serving it.
CASE_HOST = {
    "report": "report.az", "apa": "apa.az", "azertag": "azertag.az", "bakivaxti": "bakivaxti.az",
    "mia": "mia.az", "report_500": "report.az", "apa_404": "apa.az", "bakivaxti_nomatch": "bakivaxti.az",
    "unreachable": UNREACHABLE_HOST, "private": "report.az", "ftp": "report.az",
}
#: What following the citation must end in: (origin_status, origin_method).
CASE_EXPECTED: dict[str, tuple[str, str | None]] = {
    "report": ("ok", "link"), "apa": ("ok", "link"), "azertag": ("ok", "link"),
    "mia": ("ok", "link"), "bakivaxti": ("ok", "matched"),
    "bakivaxti_nomatch": ("not_found", None), "apa_404": ("not_found", None),
    "report_500": ("unreachable", None), "unreachable": ("unreachable", None),
    "private": ("blocked", None), "ftp": ("blocked", None),
    "story": ("not_attempted", None),
}

#: Variants mode: position in the case cycle -> (position of the article whose original it cites, how).
#: ``utm``/``http``/``www``: that original's URL with tracking parameters, over http, with ``www.``;
#: ``slug``: its URL with this article's slug (same article id; the site serves any slug);
#: ``short``: mia.az's short form ``/w<id>/<slug>`` with this article's slug (301 to the dated URL);
#: ``old_slug``: report.az (no id in its URLs) under this article's slug, served with a canonical
#: link naming the original's URL; ``same_number``: bakivaxti.az deep links to two *different* posts
#: published in the same second (their URLs end in the same number, which is not an id).
VARIANT_CITATIONS: dict[int, tuple[int, str]] = {
    6: (1, "utm"), 15: (1, "http"), 21: (1, "www"), 26: (1, "slug"),
    20: (8, "slug"), 25: (18, "short"), 10: (0, "old_slug"), 33: (29, "same_number"),
}

AZ_ATTRIBUTIONS = (
    "{name} portalından verilən məlumata görə, Icma.az xəbər yayır.",
    "{name} saytından alınan məlumatlara görə, Icma.az xəbər verir.",
    "Icma.az bildirir, {name} saytına əsaslanaraq.",
    "Icma.az, {name} portalına istinadən məlumat yayır.",
    "{name} saytına əsasən Icma.az xəbər verir.",
    "Icma.az xəbər yayır, {name} portalından alınan məlumata əsasən.",
)
# Russian wordings are our guess: the RU edition was not observed (unverified).
RU_ATTRIBUTIONS = (
    "Как сообщает Icma.az со ссылкой на сайт {name}.",
    "По информации портала {name}, передает Icma.az.",
    "Icma.az сообщает, ссылаясь на {name}.",
)
AZ_CLOSINGS = (
    "Ən son xəbərləri və yenilikləri almaq üçün Icma.az saytını izləyin.",
    "Sonrakı hadisələr barədə daha çox məlumat almaq üçün Icma.az saytını izləyin.",
)
RU_CLOSINGS = (
    "Следите за самыми свежими новостями на сайте Icma.az.",
    "Чтобы узнать больше о дальнейших событиях, следите за сайтом Icma.az.",
)

_ASCII = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "İ": "i", "ş": "s", "Ş": "s", "ç": "c", "Ç": "c",
                        "ğ": "g", "Ğ": "g", "ö": "o", "Ö": "o", "ü": "u", "Ü": "u"})
_RU_ASCII = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                      "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "", "e",
                      "yu", "ya"], strict=True))


def slugify(title: str) -> str:
    """icma's slug: the title transliterated to ASCII, punctuation dropped, words joined by ``-``."""
    s = title.translate(_ASCII).lower()
    s = "".join(_RU_ASCII.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    out = "".join(c if c.isalnum() else " " for c in s)
    return "-".join(out.split())


def format_az(dt: datetime) -> str:
    """``23 Oktyabr 2025 09:32``: how icma shows a time."""
    return f"{dt.day} {AZ_MONTHS[dt.month - 1]} {dt.year} {dt:%H:%M}"


def format_ru(dt: datetime) -> str:
    return f"{dt.day} {RU_MONTHS_GEN[dt.month - 1]} {dt.year} {dt:%H:%M}"


@dataclass(frozen=True)
class OriginTruth:
    """The original article as the source site serves it (clean values)."""

    site: str
    url: str
    """Canonical final URL of the article page."""
    title: str
    paragraphs: tuple[str, ...]
    author: str | None
    published_at: datetime
    lang: str

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class MirrorArticle:
    """One aggregator article with everything its page shows, and the expected origin outcome."""

    k: int
    url: str
    path: str
    article_id: str
    kind: str
    lang: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    """The body as the aggregator shows it (cuts and glued lines included), clean."""
    author: str | None
    views: int
    comments: int
    published_at: datetime | None
    """Time of icma's archive line; ``None`` on story pages (they have none)."""
    attribution: str
    source_name: str
    source_url: str | None
    """The ``Mənbə:`` link as given; ``None`` on story pages."""
    closing: str
    template: int
    case: str
    origin: OriginTruth | None
    """The original as served by a source site; ``None`` when none exists."""
    expected_origin_status: str
    expected_origin_method: str | None
    expected_origin_url: str | None
    related: tuple[int, ...] = field(default=())
    """``k`` of the articles in this page's "most read" sidebar."""

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def published_at_raw(self) -> str | None:
        if self.published_at is None:
            return None
        return format_ru(self.published_at) if self.lang == "ru" else format_az(self.published_at)


@dataclass(frozen=True)
class MirrorConfig:
    seed: int = 2025
    articles: int = 60
    epoch: int = 0
    """Later epochs add ``new_per_epoch`` articles and edit some recent ones (scheduled-run tests)."""
    new_per_epoch: int = 5
    base_time: datetime = datetime(2025, 10, 1, 8, 0, tzinfo=BAKU)
    step: timedelta = timedelta(minutes=23)
    sitemap_size: int = 1000
    """URLs per child of the sitemap index."""
    life: bool = False
    """"Life" mode for soak tests (each epoch a scheduled run later): edits accumulate over epochs,
    articles get deleted (410/404), cited sites go down for an epoch and come back, and some source
    pages carry characters no database stores (lone surrogates, NUL) in their JSON-LD."""
    markup: int = 0
    """0: icma's layouts (templates 0-3); 1: a redesign (no counters, no author line, body in a new container)."""
    variants: bool = False
    """Some originals are cited by several articles under other URLs of theirs (:data:`VARIANT_CITATIONS`)."""


class MirrorSite:
    """Random access to the generated site: ``site.article(k)`` for ``0 <= k < len(site)``."""

    def __init__(self, config: MirrorConfig | None = None) -> None:
        self.config = config or MirrorConfig()
        # ~5 kB and ~0.5 ms per article; an article page also shows ~30 others, so the cache must hold
        # a benchmark-sized site (10,000+ articles) or the mirror, not the crawler, sets the pace
        self._article = lru_cache(maxsize=32768)(self._build)
        self._source_index: dict[str, dict[str, int]] = {}

    def __len__(self) -> int:
        return self.config.articles + self.config.epoch * self.config.new_per_epoch

    @property
    def now(self) -> datetime:
        """The mirror's clock: a little after its newest article."""
        return self.published(len(self) - 1) + timedelta(minutes=7)

    def published(self, k: int) -> datetime:
        return self.config.base_time + k * self.config.step

    def rng(self, k: int, purpose: str) -> random.Random:
        return random.Random(f"{self.config.seed}:{k}:{purpose}")

    def article(self, k: int) -> MirrorArticle:
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self._article(k)

    def articles(self) -> list[MirrorArticle]:
        return [self.article(k) for k in range(len(self))]

    def newest_first(self, *, lang: str | None = None, kind: str | None = None) -> list[int]:
        """Articles still on the site, newest first."""
        return [k for k in range(len(self) - 1, -1, -1)
                if (lang is None or lang_of(k) == lang) and (kind is None or kind_of(k) == kind)
                and not self.deleted(k)]

    def find(self, path: str) -> MirrorArticle | None:
        """The article served at *path* (``/news/<slug>-<id>``), or ``None``."""
        k = k_from_path(path)
        if k is None or not 0 <= k < len(self):
            return None
        art = self.article(k)
        return art if art.path == path else None

    def by_source_path(self, host: str, path: str) -> MirrorArticle | None:
        """The aggregator article whose citation or origin lives at *path* on *host*."""
        index = self._source_index.get(host)
        if index is None:
            index = self._source_index[host] = {}
            for k in range(len(self)):
                art = self.article(k)
                for url in (art.source_url, art.expected_origin_url,
                            art.origin.url if art.origin else None):
                    if url and (urlsplit(url).hostname or "").removeprefix("www.") == host:
                        index.setdefault(urlsplit(url).path, k)
        found = index.get(path)
        return None if found is None else self.article(found)

    def edited(self, k: int, epoch: int | None = None) -> bool:
        """Whether article *k* was edited in *epoch* (default: the current one; its title/body changed)."""
        epoch = self.config.epoch if epoch is None else epoch
        if epoch == 0:
            return False
        recent = self.config.articles + (epoch - 3) * self.config.new_per_epoch
        if self.config.life and k >= self.config.articles + (epoch - 1) * self.config.new_per_epoch:
            return False  # life mode: only articles a run before this one could have seen are edited
        return k >= recent and random.Random(f"{self.config.seed}:{k}:edit:{epoch}").random() < 0.3

    def edits(self, k: int) -> int:
        """How many times article *k* has been edited up to the current epoch (life mode: edits stay)."""
        if not self.config.life:
            return int(self.edited(k))
        return sum(self.edited(k, e) for e in range(1, self.config.epoch + 1))

    # -- life mode ----------------------------------------------------------------------
    def first_epoch(self, k: int) -> int:
        """The epoch in which article *k* was first published."""
        extra = k - self.config.articles
        return 0 if extra < 0 else extra // self.config.new_per_epoch + 1

    def deleted_since(self, k: int) -> int | None:
        """Life mode: the epoch from which article *k*'s page is gone (410 or 404), or ``None``."""
        if not self.config.life:
            return None
        rng = random.Random(f"{self.config.seed}:{k}:delete")
        if rng.random() >= 0.06:
            return None
        return self.first_epoch(k) + 1 + rng.randrange(5)

    def deleted(self, k: int) -> bool:
        since = self.deleted_since(k)
        return since is not None and self.config.epoch >= since

    def site_down(self, host: str) -> bool:
        """Life mode: whether a cited site answers nothing but 503 in the current epoch."""
        if not self.config.life or host == ICMA_HOST or self.config.epoch == 0:
            return False
        return random.Random(f"{self.config.seed}:{host}:down:{self.config.epoch}").random() < 0.15

    def odd_characters(self, k: int) -> bool:
        """Life mode: whether the source page of article *k* carries lone surrogates and NULs in its JSON-LD."""
        return self.config.life and k % 6 == 1

    # -- building -----------------------------------------------------------------
    def _build(self, k: int) -> MirrorArticle:
        rng = self.rng(k, "article")
        kind, lang = kind_of(k), lang_of(k)
        case = "story" if kind == "story" else case_of(k, lang)
        title = words.make_title(rng, lang)
        origin_paragraphs = words.make_paragraphs(rng, lang)
        author = words.make_author(rng, lang) if rng.random() < 0.6 else None
        slug = slugify(title)  # an edit changes the title, never the URL
        edits = self.edits(k)
        if edits:
            mark = "yenilənib" if lang == "az" else "обновлено"
            title = f"{title} ({mark})" if edits == 1 else f"{title} ({mark} {edits})"
            # life mode: edit text from its own generator, so an edit changes nothing else (category, source)
            erng = self.rng(k, "edits") if self.config.life else rng
            origin_paragraphs += [words.make_sentence(erng, lang) for _ in range(edits)]
        published = self.published(k)
        host = CASE_HOST.get(case)
        site = SOURCES.get(host or "")
        name = site.names[rng.randrange(len(site.names))] if site else _story_source_name(rng)
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        if kind == "story":
            article_id = str(170_000 + 3 * k)
            token = slugify(name).replace("-", "") or "azertac"
            path = f"/story/{slug}-{token}-{article_id}"
        else:
            article_id = str(1_250_000 + 7 * k)
            path = f"{'/ru' if lang == 'ru' else ''}/news/{slug}-{article_id}"
        origin = None
        if site is not None and case not in ("private", "ftp", "unreachable"):
            origin_time = published - timedelta(minutes=rng.randint(3, 95))
            origin = OriginTruth(
                site=site.host, url=origin_url(site.host, k, slug, lang, origin_time, category),
                title=title, paragraphs=tuple(origin_paragraphs), author=author,
                published_at=origin_time, lang=lang,
            )
        shown = _aggregator_cut(rng, origin_paragraphs)
        templates = ATTRIBUTIONS[lang]
        status, method = CASE_EXPECTED[case]
        art = MirrorArticle(
            k=k, url=f"https://{ICMA_HOST}{path}", path=path, article_id=article_id, kind=kind,
            lang=lang, category=category, title=title, paragraphs=tuple(shown), author=author,
            views=rng.randint(0, 5000) + self.config.epoch * (k % 7), comments=rng.choice((0, 0, 0, 1, 2, 3, 5, 12)),
            published_at=None if kind == "story" else published,
            attribution=templates[rng.randrange(len(templates))].format(name=name),
            source_name=name, source_url=None if kind == "story" else cited_url(case, origin, k, slug),
            closing=(RU_CLOSINGS if lang == "ru" else AZ_CLOSINGS)[rng.randrange(2)],
            template=k % 3, case=case, origin=origin if case in ("report", "apa", "azertag", "mia",
                                                                 "bakivaxti") else None,
            expected_origin_status=status, expected_origin_method=method,
            expected_origin_url=origin.url if origin is not None and status == "ok" else None,
            related=tuple(self._related(k)),
        )
        return self._variant(art, slug) if self.config.variants else art

    def _variant(self, art: MirrorArticle, slug: str) -> MirrorArticle:
        """Variants mode: *art* cites another article's original under another URL (:data:`VARIANT_CITATIONS`)."""
        cycle = len(CASE_CYCLE)
        position = art.k % cycle
        if position == 29 and art.k + 4 < len(self):  # the first post of a same_number pair: a deep link
            return replace(art, source_url=art.origin.url if art.origin else art.source_url,
                           expected_origin_method="link")
        if position not in VARIANT_CITATIONS:
            return art
        cited_position, how = VARIANT_CITATIONS[position]
        cited = self.article(art.k - position + cited_position)
        if how == "same_number" and art.origin is not None and cited.origin is not None:
            number = urlsplit(cited.origin.url).path.rsplit("-", 1)[-1]
            own = replace(art.origin, url=art.origin.url.rsplit("-", 1)[0] + "-" + number,
                          published_at=cited.origin.published_at)
            return replace(art, origin=own, source_url=own.url, expected_origin_url=own.url,
                           expected_origin_method="link")
        origin = cited.origin
        assert origin is not None, (art.k, how)
        url = origin.url
        if how == "utm":
            url += "?utm_source=icma.az&utm_medium=referral&utm_campaign=xeber"
        elif how == "http":
            url = "http://" + url.removeprefix("https://")
        elif how == "www":
            url = url.replace("://", "://www.", 1)
        elif how == "slug":
            url = origin_url(origin.site, cited.k, slug, origin.lang, origin.published_at, cited.category)
        elif how == "short":
            url = f"http://www.mia.az/w{450_000 + cited.k}/{slug}"
        elif how == "old_slug":
            url = f"https://report.az/{cited.category}/{slug}/"
        return replace(art, origin=origin, source_url=url,
                       expected_origin_status="ok", expected_origin_method="link", expected_origin_url=origin.url)

    def _related(self, k: int) -> list[int]:
        rng = self.rng(k, "related")
        n = len(self)
        return sorted(r for r in {rng.randrange(n) for _ in range(min(8, n))} - {k} if not self.deleted(r))


ATTRIBUTIONS = {"az": AZ_ATTRIBUTIONS, "ru": RU_ATTRIBUTIONS}


def kind_of(k: int) -> str:
    return "story" if k % 9 == 4 else "news"


def lang_of(k: int) -> str:
    return "ru" if k % 5 == 2 and kind_of(k) == "news" else "az"


def case_of(k: int, lang: str) -> str:
    case = CASE_CYCLE[k % len(CASE_CYCLE)]
    if lang == "ru" and CASE_HOST[case] not in ("report.az", "apa.az", UNREACHABLE_HOST):
        return "report"
    return case


def k_from_path(path: str) -> int | None:
    """Recover ``k`` from an article path (ids are ``1_250_000 + 7k`` and ``170_000 + 3k``)."""
    tail = path.rstrip("/").rsplit("-", 1)[-1]
    if not tail.isdigit():
        return None
    n = int(tail)
    base, step = (170_000, 3) if path.startswith("/story/") else (1_250_000, 7)
    if n < base or (n - base) % step:
        return None
    return (n - base) // step


def origin_url(host: str, k: int, slug: str, lang: str, when: datetime, category: str) -> str:
    """Canonical URL of the original article, in each site's own URL shape (SITE_NOTES)."""
    if host == "report.az":
        return f"https://report.az/{'ru/' if lang == 'ru' else ''}{category}/{slug}/"
    if host == "apa.az":
        return f"https://apa.az/{lang}/xeber/{category}/{slug}-{880_000 + k}"
    if host == "azertag.az":
        underscored = "_".join(w.capitalize() for w in slug.split("-")[:8])
        return f"https://azertag.az/xeber/{underscored}-{3_500_000 + k}"
    if host == "bakivaxti.az":
        return f"https://bakivaxti.az/az/posts/detail/{slug}-{int(when.timestamp())}"
    if host == "mia.az":
        return f"https://mia.az/w{450_000 + k}/{slug}-{when:%Y-%m-%d-%H%M%S}"
    return f"https://{host}/news/detail/{slug}-{k}"


def cited_url(case: str, origin: OriginTruth | None, k: int, slug: str) -> str:
    """The ``Mənbə:`` link icma shows for a case."""
    if case in ("bakivaxti", "bakivaxti_nomatch"):
        return "https://bakivaxti.az"
    if case == "mia" and origin is not None:
        return f"http://mia.az/w{450_000 + k}/{slug}"  # redirects to the dated https URL
    if case == "private":
        return f"http://192.168.10.5/xeber/{slug}"
    if case == "ftp":
        return f"ftp://ftp.report.az/arxiv/{slug}.txt"
    if case == "unreachable":
        return f"https://{UNREACHABLE_HOST}/news/detail/{slug}-{k}"
    assert origin is not None
    return origin.url


def _story_source_name(rng: random.Random) -> str:
    return ("Azertac", "Report", "Apa", "Trend")[rng.randrange(4)]


def _aggregator_cut(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """icma's copy of a body: sometimes the tail is cut, sometimes two lines are glued."""
    shown = list(paragraphs)
    if len(shown) > 3 and rng.random() < 0.3:
        shown = shown[:-1]
    if len(shown) > 2 and rng.random() < 0.25:
        i = rng.randrange(len(shown) - 1)
        shown[i : i + 2] = [shown[i] + shown[i + 1]]  # glued without a space, as seen on icma
    return shown


# -- dirt ---------------------------------------------------------------------------------
_LATIN_TO_CYR = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
                 "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "X": "Х", "K": "К", "H": "Н"}
_CYR_TO_LATIN = {"о": "o", "а": "a", "е": "e", "р": "p", "с": "c"}
_DECOMPOSE = {"ü": "u\u0308", "ö": "o\u0308", "ç": "c\u0327", "ş": "s\u0327", "Ü": "U\u0308"}


def dirty_text(text: str, rng: random.Random, *, rate: float = 0.04) -> str:
    """Sprinkle the problems of real pages over clean *text*, reversibly.

    Look-alike letters (one per word, only in words of 4+ letters so the word
    stays mostly in its own script), ``ǝ`` for ``ə``, decomposed letters,
    no-break spaces, zero-width spaces and soft hyphens inside words.
    """
    out: list[str] = []
    for word in text.split(" "):
        if len(word) >= 4 and rng.random() < rate * 4:
            word = _dirty_word(word, rng)
        out.append(word)
        out.append("\u00a0" if rng.random() < rate else " ")
    return "".join(out[:-1])


def _dirty_word(word: str, rng: random.Random) -> str:
    trick = rng.randrange(5)
    cyrillic = any("\u0400" <= c <= "\u04ff" for c in word)
    if trick == 0:
        table = _CYR_TO_LATIN if cyrillic else _LATIN_TO_CYR
        spots = [i for i, c in enumerate(word) if c in table and 0 < i < len(word) - 1]
        if spots:
            i = spots[rng.randrange(len(spots))]
            return word[:i] + table[word[i]] + word[i + 1 :]
    if trick == 1 and "ə" in word:
        return word.replace("ə", "ǝ", 1)
    if trick == 2:
        for plain, decomposed in _DECOMPOSE.items():
            if plain in word:
                return word.replace(plain, decomposed, 1)
    if trick == 3 and word.isalpha():
        i = rng.randrange(1, len(word))
        return word[:i] + "\u200b" + word[i:]
    if trick == 4 and word.isalpha():
        i = rng.randrange(1, len(word))
        return word[:i] + "\u00ad" + word[i:]
    return word
