"""AggregatorPage against saved pages (web-poet style: one test per fixture × field) and odd inputs.

Fixtures: ``tests/fixtures/aggregator/<case>/`` holds ``page.html`` (the bytes as
served), ``meta.json`` (``url``, optional ``encoding``, provenance: ``obtained``,
``reviewed_by``, a ``note``) and ``expected.json`` (the record fields plus
``is_article`` and ``missing_fields``), written by ``regenerate.py`` from a spec or by
hand, never from the page object. Only a *reviewed* ``expected.json`` is used: an
``expected.proposed.json`` (written by ``scrapy fixture``) is not, nor is a folder whose
``meta.json`` has no ``reviewed_by``.
Text fields are compared after :func:`normalize_text`, as the pipeline will see them.
"""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import pytest

from newsarchive.items import Article
from newsarchive.normalize.text import normalize_text
from newsarchive.pages.aggregator import AggregatorPage

FIXTURES = Path(__file__).parent / "fixtures" / "aggregator"
CASES = sorted(d.name for d in FIXTURES.iterdir() if (d / "expected.json").exists())
OBTAINED = frozenset({"live", "archived", "hand-made", "mirror-generated"})
FIELDS = ("url", "article_id", "kind", "lang", "title", "body", "author", "views", "comments", "source_name",
          "source_url", "published_at_raw")
TEXT_FIELDS = frozenset({"title", "body", "author", "source_name"})


@dataclass(frozen=True)
class Fixture:
    page: AggregatorPage
    item: Article
    expected: dict[str, Any]


@cache
def fixture(case: str) -> Fixture:
    folder = FIXTURES / case
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    page = AggregatorPage(url=meta["url"], html=(folder / "page.html").read_bytes(), encoding=meta.get("encoding"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return Fixture(page, page.to_item(), expected)


def same(field: str, got: Any, want: Any) -> bool:
    if field in TEXT_FIELDS and isinstance(got, str) and isinstance(want, str):
        return normalize_text(got) == normalize_text(want)
    return bool(got == want)


def test_fixture_set_is_complete() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert set(fixture(case).expected) == {*FIELDS, "is_article", "missing_fields"}, case


@pytest.mark.parametrize("case", CASES)
def test_fixture_is_reviewed_and_has_provenance(case: str) -> None:
    meta = json.loads((FIXTURES / case / "meta.json").read_text(encoding="utf-8"))
    assert meta["obtained"] in OBTAINED
    assert meta["reviewed_by"], "an unreviewed fixture (expected.proposed.json only) must not be tested"


def test_generated_fixtures_are_what_the_generator_prints() -> None:
    """page.html and expected.json of the mirror-generated fixtures come from regenerate.py's specs."""
    spec = importlib.util.spec_from_file_location("regenerate", FIXTURES / "regenerate.py")
    assert spec is not None and spec.loader is not None
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    code = (FIXTURES / "regenerate.py").read_text(encoding="utf-8")
    assert "from newsarchive.pages" not in code and "import newsarchive.pages" not in code
    for s in regenerate.GENERATED:
        assert (FIXTURES / s["case"] / "page.html").read_bytes() == regenerate.simple_page(s), s["case"]
        want = regenerate.expected(regenerate.generated_truth(s))
        assert fixture(s["case"]).expected == want, s["case"]
    for case, truth in regenerate.hand().items():
        assert fixture(case).expected == regenerate.expected(truth), case


@pytest.mark.parametrize(("case", "field"), [(c, f) for c in CASES for f in FIELDS])
def test_field(case: str, field: str) -> None:
    fx = fixture(case)
    got, want = getattr(fx.item, field), fx.expected[field]
    assert same(field, got, want), f"{case}.{field}: {got!r} != {want!r}"


@pytest.mark.parametrize("case", CASES)
def test_is_article(case: str) -> None:
    fx = fixture(case)
    assert fx.page.is_article() is fx.expected["is_article"]


@pytest.mark.parametrize("case", CASES)
def test_missing_fields(case: str) -> None:
    fx = fixture(case)
    assert sorted(fx.page.missing_fields()) == fx.expected["missing_fields"]


@pytest.mark.parametrize("case", CASES)
def test_fields_the_pipeline_fills_are_left_alone(case: str) -> None:
    item = fixture(case).item
    assert (item.published_at, item.fetched_at, item.content_hash, item.warc_record_id) == (None,) * 4
    assert (item.origin_url, item.origin, item.origin_status) == (None, None, "not_attempted")


# -- the seed page, beyond field equality ----------------------------------------------
def test_seed_body_is_the_article_text_only() -> None:
    body = normalize_text(fixture("seed_bakivaxti").item.body or "")  # the seed text has NBSPs
    assert body.startswith("Azərbaycan və Qazaxıstan arasındakı münasibətlər yalnız")
    assert body.endswith("gələcək strategiyasının əsas prinsipidir\".")
    assert "Günay Ağamalı: Birlikdə yüksəlmək" in body  # a subheading inside the body stays
    for chrome in ("Icma.az", "portalından verilən", "Baxış", "Mənbə", "Şərh", "Günün ən çox", "Əli Hüseynov",
                   "\nsee", "izləyin", "Lotereyada"):
        assert chrome not in body, chrome
    assert body.count("\n\n") == 9  # ten paragraphs


def test_title_is_given_once() -> None:
    for case in CASES:
        item = fixture(case).item
        if item.title:
            half = len(item.title) // 2
            assert item.title[:half] not in item.title[half + 1 :] or len(item.title) < 8, case


def test_light_cleanup_only() -> None:
    """Whitespace is collapsed, but NBSP and zero-width characters are left for normalize_text."""
    body = fixture("odd_markup").item.body or ""
    assert "Birinci\u00a0abzas" in body and "abzas\u200bda" in body
    assert "İkinci abzas bir neçə sətirdə yazılıb." in body


def test_url_is_canonical_without_fragment() -> None:
    assert AggregatorPage(url="https://icma.az/news/x-1?b=2&a=1#top", html="").to_item().url == (
        "https://icma.az/news/x-1?a=1&b=2")


# -- attribution sentences: written by hand for these tests (not the mirror's wording lists) ---
AZ_FIRST = "Birinci cümlə burada yazılıb."
RU_FIRST = "Первое предложение здесь."
#: Closing lines as icma prints them (seed page), typed here rather than imported from the mirror.
AZ_CLOSING = "Ən son xəbərləri və yenilikləri almaq üçün Icma.az saytını izləyin."
RU_CLOSING = "Следите за самыми свежими новостями на сайте Icma.az."


def _page(sentence: str, *, lang: str = "az", story: bool = False) -> AggregatorPage:
    closing = RU_CLOSING if lang == "ru" else AZ_CLOSING
    first = AZ_FIRST if lang == "az" else RU_FIRST
    text = f"<p>{escape(sentence)} {first}</p>" if story else f"<p>{escape(sentence)}</p><p>{first}</p>"
    path = "/story/bir-xeber-report-170001" if story else ("/ru" if lang == "ru" else "") + "/news/bir-xeber-1250001"
    html = (f'<html lang="{lang}"><body><div>Başlıq</div><h1>Başlıq</h1><div>{text}<p>{closing}</p></div>'
            "</body></html>")
    return AggregatorPage(url=f"https://icma.az{path}", html=html)


#: Azerbaijani attribution sentences in the forms icma prints them (site word, case suffix, verb,
#: word order), with other outlets' names; the source name each must give.
AZ_SENTENCES = [
    ("Qafqazinfo saytından verilən məlumata görə, Icma.az xəbər yayır.", "Qafqazinfo"),
    ("Icma.az, Trend.az portalına istinadən xəbər verir.", "Trend.az"),
    ("Modern.az saytına əsasən Icma.az məlumat yayır.", "Modern.az"),
    ("Musavat.com portalından alınan məlumata əsasən, Icma.az xəbər verir.", "Musavat.com"),
    ("Icma.az bildirir, Milli.Az saytına əsaslanaraq.", "Milli.Az"),
    ("Sonxeber.az saytından alınan məlumatlara görə, Icma.az xəbər verir.", "Sonxeber.az"),
    ("Icma.az, APA agentliyinə istinadən xəbər verir.", "APA"),
    ("Ölkə.az xəbər portalına istinadən Icma.az xəbər verir.", "Ölkə.az"),
    ("Icma.az Oxu.az-a istinadən xəbər verir.", "Oxu.az"),
    ("Publika.az portalından verilən məlumata görə, İcma.az xəbər yayır.", "Publika.az"),
    ("Icma.az xəbər yayır, Azvision.az saytından alınan məlumata əsasən.", "Azvision.az"),
    ("Cebhe.info saytına istinadən Icma.az məlumat yayır.", "Cebhe.info"),
]

#: Russian attribution sentences, typed by hand in the usual forms of Russian-language news sites.
RU_SENTENCES = [
    ("Как сообщает Icma.az со ссылкой на сайт Haqqin.az.", "Haqqin.az"),
    ("По информации портала Vesti.az, передает Icma.az.", "Vesti.az"),
    ("Icma.az сообщает, ссылаясь на Day.Az.", "Day.Az"),
    ("Как сообщает Icma.az со ссылкой на сайт Minval.az.", "Minval.az"),
    ("По информации портала Sputnik Азербайджан, передает Icma.az.", "Sputnik Азербайджан"),
    ("Icma.az сообщает, ссылаясь на Report.az.", "Report.az"),
]


@pytest.mark.parametrize("story", [False, True], ids=["news", "story"])
@pytest.mark.parametrize(("sentence", "name"), AZ_SENTENCES, ids=[n for _, n in AZ_SENTENCES])
def test_az_attribution(sentence: str, name: str, story: bool) -> None:
    page = _page(sentence, story=story)
    assert page.source_name() == name
    assert page.body() == AZ_FIRST


@pytest.mark.parametrize(("sentence", "name"), RU_SENTENCES, ids=[n for _, n in RU_SENTENCES])
def test_ru_attribution(sentence: str, name: str) -> None:
    page = _page(sentence, lang="ru")
    assert page.lang() == "ru"
    assert page.source_name() == name
    assert page.body() == RU_FIRST


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Oxu.az xəbər portalına istinadən Icma.az xəbər verir.", "Oxu.az"),
        ("Icma.az Report-a istinadən xəbər verir.", "Report"),
        ("Icma.az məlumat yayır, Trend agentliyinə istinadən.", "Trend"),
        ("Yeni Azərbaycan qəzetinə əsasən, Icma.az bildirir.", "Yeni Azərbaycan"),
        ("Icma.az xəbər verir ki, Sputnik Azərbaycan saytına əsaslanaraq.", "Sputnik Azərbaycan"),
        ("Icma.az bunu belə çatdırır: görə bilərsiniz.", None),  # no source named: the sentence still goes
        ("Report.az  saytından   alınan məlumatlara görə, İcma.az xəbər verir.", "Report.az"),
    ],
)
def test_attribution_generalises(sentence: str, name: str | None) -> None:
    page = _page(sentence)
    assert page.source_name() == name
    assert page.body() == "Birinci cümlə burada yazılıb."  # the sentence is removed either way


def test_source_attribution_inside_the_body_is_kept() -> None:
    page = _page("Mia.az saytına əsasən Icma.az xəbər verir.")
    html = str(page.html).replace("<p>Birinci", "<p>Mia.az xəbər verir ki, birinci")
    assert AggregatorPage(url=page.url, html=html).body() == "Mia.az xəbər verir ki, birinci cümlə burada yazılıb."


# -- never raise -----------------------------------------------------------------------------
_rng = random.Random(7)
GARBAGE: list[str | bytes] = [
    "", b"", " \n\t ", b"\x00\x00\x00", b"\xff\xfe\x00<\x00h\x00", bytes(_rng.randrange(256) for _ in range(4096)),
    "<<<>>><<", "<html", "</p></p></div>", "<?xml version='1.0' encoding='utf-8'?><html><body>x</body></html>",
    "\ufeff<html><body>Baxış sayı:</body></html>", "<div>" * 3000 + "Mənbə:" + "</div>" * 3000,
    "<html><body><p>Mənbə:</p></body></html>", "<html><body>0 Şərh</body></html>",
    '<html><head><script type="application/ld+json">{"@type": ["NewsArticle"], "headline": 5, "author": [7]}'
    "</script></head><body></body></html>",
    '<html><head><script type="application/ld+json">{not json</script></head><body><h1>Başlıq</h1></body></html>',
    "\x01\x02 Icma.az bildirir, saytına əsaslanaraq. \x7f",
]


@pytest.mark.parametrize("url", ["https://icma.az/news/x-12", "", "not a url", "http://[::1", "https://icma.az/ru/"])
@pytest.mark.parametrize("html", GARBAGE, ids=range(len(GARBAGE)))
def test_never_raises(html: str | bytes, url: str) -> None:
    page = AggregatorPage(url=url, html=html)
    item = page.to_item()
    assert isinstance(item, Article)
    assert page.is_article() is False
    assert isinstance(page.missing_fields(), list)


def test_wrong_declared_encoding_does_not_raise() -> None:
    page = AggregatorPage(url="https://icma.az/news/x-1", html="Mənbə: ə".encode(), encoding="no-such-codec")
    page.to_item()
    assert page.is_article() is False


# -- purity and speed ------------------------------------------------------------------------
def test_page_module_does_not_import_scrapy() -> None:
    code = "import sys, newsarchive.pages.aggregator; sys.exit('scrapy' in sys.modules or 'twisted' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_page_takes_a_few_milliseconds() -> None:
    html = (FIXTURES / "seed_bakivaxti" / "page.html").read_bytes()
    start = time.perf_counter()
    for _ in range(50):
        page = AggregatorPage(url="https://icma.az/news/x-1", html=html)
        page.to_item()
        page.missing_fields()
    assert (time.perf_counter() - start) / 50 < 0.02


def test_source_label_followed_by_a_blank_line_is_not_a_crash() -> None:
    # found by tests/test_fuzz.py: the value line after "Mənbə:" held only a no-break space
    page = AggregatorPage(url="https://icma.az/news/a-1", html="Источник:<p>\xa0")
    assert page.to_item().source_url is None
    page = AggregatorPage(url="https://icma.az/news/a-1", html="Mənbə:<p>\xa0</p>")
    assert page.to_item().source_url is None
