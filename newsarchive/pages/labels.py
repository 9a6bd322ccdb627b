"""What icma.az pages say, per edition: labels, attribution vocabulary, closing lines, icon words.

Data, not code: :mod:`newsarchive.pages.aggregator` compiles these into regexes
once at import. Correct them here against the live site without touching logic.

Conventions for the label strings:

- matching ignores case (``BAXIŞ SAYI:`` matches; Python's ``re`` folds ``I``/``ı``
  and ``İ``/``i`` together) and tolerates any whitespace between words, also none
  (``Baxış\\n  sayı :``), and around ``:``;
- ``{date}`` / ``{n}`` mark where the value sits;
- a trailing ``*`` lets the word go on (``Şərh*`` matches ``Şərh``, ``Şərhlər``).

The AZ values come from the text of real pages (``shared/seed``, SITE_NOTES). The RU
edition was **not observed**: every RU value here is unverified against the live
site; they match what the mirror renders (:data:`newsarchive.mirror.icma_pages.LABELS`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EditionLabels:
    views: tuple[str, ...]
    """Label before the view count."""
    source: tuple[str, ...]
    """Label before the source link."""
    archive: tuple[str, ...]
    """The archive line, ``{date}`` where the date sits."""
    comments: tuple[str, ...]
    """The comment count heading, ``{n}`` where the number sits."""
    stops: tuple[str, ...]
    """Whole lines that end the article text (comment widget, sidebars)."""
    site_words: tuple[str, ...]
    """Attribution: the word after the source name (``saytından``, ``портала``)."""
    connectors: tuple[str, ...]
    """Attribution: words that make a sentence an attribution (``görə``, ``ссылкой``)."""
    verbs: tuple[str, ...]
    """Attribution: what Icma.az does (``xəbər verir``); stripped when they lead the sentence."""
    closing: tuple[str, ...]
    """Regexes for the closing line family (``{icma}`` is the site name)."""


#: How the aggregator names itself in attribution and closing lines (regex; misspellings welcome).
ICMA_NAME = r"(?:[Iİi]cma|İCMA|ICMA)\s?\.\s?az"

#: Icon-font ligature words printed as text next to buttons and labels (``see``Baxış sayı).
ICON_WORDS: tuple[str, ...] = ("close", "up", "see", "embed", "archive", "top", "news", "menu",
                               "search", "share", "visibility", "link", "schedule", "comment")

#: Line beginnings of the page chrome that end the article text in both editions (footer).
COMMON_STOPS: tuple[str, ...] = ("©", "Copyright ©", "(c) Icma")

AZ = EditionLabels(
    views=("Baxış sayı:", "Baxış:", "Baxışların sayı:"),
    source=("Mənbə:",),
    archive=("Bu xəbər {date} mənbədən arxivləşdirilmişdir",),
    comments=("{n} Şərh*", "Şərhlər ({n})", "Şərh: {n}", "Şərhlər: {n}"),
    stops=("Daxil olun, şərh yazmaq üçün*", "İlk cavab verən siz olun*", "Günün ən çox oxunanları",
           "Hal-hazırda ən çox müzakirə olunan hadisələr", "Son xəbərlər", "Günün ən son və aktual hadisələri",
           "Oxşar xəbərlər", "Digər xəbərlər", "Şərh yaz*"),
    site_words=(
        "xəbər portalından", "xəbər portalına", "xəbər portalının", "xəbər saytından", "xəbər saytına",
        "informasiya agentliyindən", "informasiya agentliyinə",
        "saytından", "saytına", "saytının", "saytı", "portalından", "portalına", "portalının", "portalı",
        "agentliyindən", "agentliyinə", "agentliyinin", "qəzetindən", "qəzetinə", "qəzetinin",
        "resursundan", "resursuna", "hesabından", "hesabına", "kanalından", "kanalına",
    ),
    connectors=("görə", "əsasən", "əsaslanaraq", "əsaslanıb", "istinadən", "istinad edərək", "istinadla"),
    verbs=("xəbər verir", "xəbər yayır", "məlumat yayır", "məlumat verir", "bildirir", "xəbər verib",
           "yazır", "çatdırır", "paylaşır", "açıqlayır", "məlumat paylaşır", "diqqətə çatdırır"),
    closing=(
        r"[^.!?\n]{0,160}?{icma}\s*(?:saytını|saytına|portalını|-ı|-i)?\s*izləyin\s*[.!]*",
        r"[^.!?\n]{0,160}?{icma}\s+(?:ilə|ilən)\s+(?:izləyin|qalın)\s*[.!]*",
    ),
)

# Unverified against the live site (the RU edition was not observed); these match
# newsarchive.mirror.icma_pages.LABELS["ru"] and content.RU_ATTRIBUTIONS / RU_CLOSINGS.
RU = EditionLabels(
    views=("Просмотров:", "Просмотры:", "Просмотр:"),
    source=("Источник:",),
    archive=("Эта новость {date} архивирована из источника", "Новость {date} архивирована из источника"),
    comments=("{n} Комментари*", "{n} Коммент*", "Комментарии ({n})", "Комментарии: {n}"),
    stops=("Войдите, чтобы написать комментарий*", "Будьте первым, кто ответит*", "Самое читаемое за день",
           "Самые обсуждаемые события", "Последние новости", "Самые свежие события дня", "Похожие новости"),
    site_words=("сайт", "портал", "агентство", "издание", "сайта", "портала", "агентства", "издания",
                "информационного агентства", "информационного портала", "ресурс", "ресурса"),
    connectors=("со ссылкой на", "ссылаясь на", "по информации", "по данным", "по сообщению",
                "как сообщает", "как передает", "как передаёт"),
    verbs=("сообщает", "передает", "передаёт", "информирует", "пишет"),
    closing=(
        r"[^.!?\n]{0,160}?[Сс]ледите[^.!?\n]{0,100}?{icma}\s*[.!]*",
        r"[^.!?\n]{0,160}?{icma}[^.!?\n]{0,60}?следите\s*[.!]*",
        r"[^.!?\n]{0,160}?[Пп]одписывайтесь[^.!?\n]{0,60}?{icma}\s*[.!]*",
    ),
)

EDITIONS: dict[str, EditionLabels] = {"az": AZ, "ru": RU}

# Attribution sentence shapes per edition. ``{site}``, ``{conn}``, ``{verb}``, ``{icma}`` are filled
# from that edition's table; ``name`` is the source as printed. Tried in order on the first sentence
# of the article text, after a leading "Icma.az <verb>," clause has been set aside; a name that
# contains Icma.az itself is never taken.
ATTRIBUTION_SHAPES: dict[str, tuple[str, ...]] = {
    "az": (
        # "<name> saytından alınan məlumata görə, …", "<name> portalına istinadən …", "Xalq qazeti saytına …"
        r"^(?P<name>[^,]+?)\s+{site}(?=[\s,.]|$)",
        # "<name>-a istinadən", "Report.az-ın məlumatına görə"
        r"^(?P<name>[^\s,]+?)\s?[-'’](?:y?a|y?ə|dan|dən|ın|in|un|ün|nın|nin)\s+"
        r"(?:məlumatına\s+|xəbərinə\s+)?{conn}",
    ),
    # Unverified against the live site.
    "ru": (
        # "… со ссылкой на сайт <name>." / "… ссылаясь на <name>."
        r"(?:со\s+ссылкой|ссылаясь)\s+на\s+(?:{site}\s+)?(?P<name>[^,]+?)\s*[.!]?$",
        # "По информации портала <name>, передает Icma.az."
        r"^По\s+(?:информации|данным|сообщению)\s+(?:{site}\s+)?(?P<name>[^,]+?),",
        # "Как сообщает <name>, …" (not Icma.az itself)
        r"^Как\s+(?:сообщает|передает|передаёт)\s+(?P<name>[^,]+?),",
    ),
}

# Abbreviated counters ("1.2K", "1,2 min", "3 млн"): the unit after the number and what it multiplies by
# ("min" is the Azerbaijani "thousand"). Keys are lower case; a unit is a whole word.
COUNT_UNITS: dict[str, int] = {
    "k": 1_000, "min": 1_000, "тыс": 1_000, "тыс.": 1_000, "к": 1_000,
    "m": 1_000_000, "mln": 1_000_000, "млн": 1_000_000,
    "b": 1_000_000_000, "mlrd": 1_000_000_000, "млрд": 1_000_000_000,
}
