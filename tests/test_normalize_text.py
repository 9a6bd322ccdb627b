"""Table-driven tests for :mod:`newsarchive.normalize.text`."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from newsarchive.normalize import text
from newsarchive.normalize.text import (
    _normalize_text,
    az_casefold,
    az_lower,
    az_upper,
    content_hash,
    fix_lookalikes,
    fix_mojibake,
    fold_key,
    normalize_text,
    slugify,
)

TEXT_CASES: list[tuple[str, str]] = [
    # clean text is returned as is
    ("Azərbaycan və Qazaxıstan", "Azərbaycan və Qazaxıstan"),
    ("Президент Ильхам Алиев", "Президент Ильхам Алиев"),
    ("", ""),
    # entities, also broken ones
    ("&quot;Qarabağ&quot; klubu", '"Qarabağ" klubu'),
    ("&quotQarabağ&quot klubu", '"Qarabağ" klubu'),
    ("&amp;quot;Qarabağ&amp;quot;", '"Qarabağ"'),
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("&laquo;Azərsu&raquo; ASC", "«Azərsu» ASC"),
    ("&#601;l&#601; &#x259;", "ələ ə"),
    ("AT&T və R&D", "AT&T və R&D"),
    ("x &bogus; y", "x &bogus; y"),
    ("Bakı&nbsp;şəhəri", "Bakı şəhəri"),
    ("&lt;b&gt;Vacib&lt;/b&gt; xəbər", "Vacib xəbər"),
    # leaked tags
    ("<p>Birinci abzas.</p><p>İkinci abzas.</p>", "Birinci abzas.\n\nİkinci abzas."),
    ("Sətir<br>yeni sətir", "Sətir\nyeni sətir"),
    ("Sətir<br/>yeni<BR />sətir", "Sətir\nyeni\nsətir"),
    ('<a href="https://apa.az">APA</a> xəbər verir', "APA xəbər verir"),
    ("<strong>Diqqət:</strong> yol bağlıdır", "Diqqət: yol bağlıdır"),
    ("<!-- reklam -->Mətn", "Mətn"),
    ("3 < 5 və 7 > 2", "3 < 5 və 7 > 2"),
    # NFC
    ("u\u0308zu\u0308m", "üzüm"),
    ("s\u0327əhər c\u0327ay", "şəhər çay"),
    ("I\u0307lham", "İlham"),
    ("g\u0306ənc", "ğənc"),
    # ǝ / Ǝ
    ("Azǝrbaycan", "Azərbaycan"),
    ("ƎLİYEV", "ƏLİYEV"),
    # Cyrillic look-alikes inside Latin words
    ("Azәrbaycan", "Azərbaycan"),
    ("ӘLİYEV", "ƏLİYEV"),
    ("Bаkı şəhəri", "Bakı şəhəri"),
    ("Prezidеnt İlham Əliyev", "Prezident İlham Əliyev"),
    ("Qаzаxıstаn", "Qazaxıstan"),
    ("Kаpital Bаnk", "Kapital Bank"),
    ("һəyat", "həyat"),
    ("Јapоniya", "Japoniya"),
    ("Naxçıvаn Muxtar Rеspublikаsı", "Naxçıvan Muxtar Respublikası"),
    ("Cоx gözəl", "Cox gözəl"),
    # Russian words stay Cyrillic; Latin look-alikes in them become Cyrillic
    ("Москва и Баку", "Москва и Баку"),
    ("Meдиа", "Медиа"),
    ("Пpезидент Aзербайджана", "Президент Азербайджана"),
    ("Coх хорошо сказал", "Сох хорошо сказал"),
    ("Медиа и Mедиа", "Медиа и Медиа"),
    ("iPhone в Баку", "iPhone в Баку"),
    # spaces, zero-width, soft hyphens
    ("Bakı\u00a0şəhəri", "Bakı şəhəri"),
    ("Bakı\u202fşəhəri", "Bakı şəhəri"),
    ("Bakı\u2009şəhəri", "Bakı şəhəri"),
    ("Bakı\u3000şəhəri", "Bakı şəhəri"),
    ("Ba\u200bkı", "Bakı"),
    ("\ufeffBakı", "Bakı"),
    ("Azər\u00adbaycan", "Azərbaycan"),
    ("söz\u200d söz\u2060", "söz söz"),
    ("Bakı \t  şəhəri", "Bakı şəhəri"),
    ("  Bakı  ", "Bakı"),
    ("a\x00b\x07c", "abc"),
    # lines and paragraphs
    ("Birinci.  \n  İkinci.", "Birinci.\nİkinci."),
    ("Birinci.\n\nİkinci.", "Birinci.\n\nİkinci."),
    ("Birinci.\n\n\n\nİkinci.", "Birinci.\n\nİkinci."),
    ("Birinci.\n \n \n İkinci.", "Birinci.\n\nİkinci."),
    ("Birinci.\r\nİkinci.", "Birinci.\nİkinci."),
    ("Birinci.\r\n\r\n\r\nİkinci.", "Birinci.\n\nİkinci."),
    ("Birinci.\u2029İkinci.", "Birinci.\n\nİkinci."),
    ("\n\nBirinci.\n\n", "Birinci."),
    # mojibake
    ("Ã¼Ã§ Ä±ÅŸÄ±q", "üç ışıq"),
    ("AzÉ™rbaycan", "Azərbaycan"),
    ("ÅŸÉ™hÉ™r", "şəhər"),
    ("Ã‡ox gÃ¶zÉ™l", "Çox gözəl"),
    ("Ã‰tienne", "Étienne"),
    ("Ä°lham Æ\x8fliyev", "İlham Əliyev"),
    ("AzЙ™rbaycan", "Azərbaycan"),
    ("Prezident Д°lham ЖЏliyevin QazaxД±stana sЙ™fЙ™ri", "Prezident İlham Əliyevin Qazaxıstana səfəri"),
    ("РџСЂРµР·РёРґРµРЅС‚ РњРѕСЃРєРІСѓ", "Президент Москву"),
    ("Ð¡Ð¾Ð²ÐµÑ‚ Ð‘Ð°ÐºÑƒ", "Совет Баку"),
    ("â€œQarabaÄŸâ€\x9d", "“Qarabağ”"),
    ("Ã„Â±", "ı"),
    # typographic quotes and apostrophes are content
    ("“Qarabağ”", "“Qarabağ”"),
    ("«Azərsu» ASC", "«Azərsu» ASC"),
    ("Bakı’da", "Bakı’da"),
    ("ABŞ'ın", "ABŞ'ın"),
    ("„Слово“ — это", "„Слово“ — это"),
    ("“GÜC”", "“GÜC”"),
    ("ÇÖL–ÜÇ", "ÇÖL–ÜÇ"),
]


@pytest.mark.parametrize(("raw", "expected"), TEXT_CASES, ids=[repr(c[0])[:50] for c in TEXT_CASES])
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), TEXT_CASES)
def test_normalize_text_is_idempotent_on_the_table(raw: str, expected: str) -> None:
    assert _normalize_text(expected) == expected  # not normalize_text: it remembers its results


def test_fix_mojibake_leaves_clean_text_alone() -> None:
    text = "Günay Ağamalı: “Birlikdə güclüyük” — Москва"
    assert fix_mojibake(text) is text


def test_fix_lookalikes_leaves_single_script_text_alone() -> None:
    text = "Azərbaycan Москва"
    assert fix_lookalikes(text) is text


@pytest.mark.parametrize(
    ("raw", "lower", "upper", "folded"),
    [
        ("İLHAM", "ilham", "İLHAM", "ilham"),
        ("IŞIQ", "ışıq", "IŞIQ", "ışıq"),
        ("işıq", "işıq", "İŞIQ", "işıq"),
        ("Qarabağ", "qarabağ", "QARABAĞ", "qarabağ"),
        ("Əliyev", "əliyev", "ƏLİYEV", "əliyev"),
        ("İstanbul Irəvan", "istanbul ırəvan", "İSTANBUL IRƏVAN", "istanbul ırəvan"),
        ("Москва", "москва", "МОСКВА", "москва"),
        ("Straße", "straße", "STRASSE", "strasse"),
    ],
)
def test_az_case(raw: str, lower: str, upper: str, folded: str) -> None:
    assert az_lower(raw) == lower
    assert az_upper(raw) == upper
    assert az_casefold(raw) == folded


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Türk dünyasında güc birliyi", "turk dunyasinda guc birliyi"),
        ("Azərbaycan Qazaxıstan münasibətləri", "azerbaycan qazaxistan munasibetleri"),
        ("İLHAM ƏLİYEV", "ilham eliyev"),
        ("IŞIQ", "isiq"),
        ("Çempionlar Liqası: “Qarabağ” 18-cidir", "cempionlar liqasi qarabag 18cidir"),
        ("ABŞ-ın  prezidenti!!", "absin prezidenti"),
        ("Azәrbaycan", "azerbaycan"),
        ("  Bakı,\n\nGəncə  ", "baki gence"),
        ("Москва", "moskva"),
        ("Ağdam — 100 il", "agdam 100 il"),
        ("Étienne Möller", "etienne moller"),
        ("", ""),
    ],
)
def test_fold_key(raw: str, key: str) -> None:
    assert fold_key(raw) == key


def _fold_key_by_its_definition(s: str) -> str:
    """fold_key as its docstring defines it, step by step over the whole text."""
    s = az_lower(fix_lookalikes(s)).translate(str.maketrans(text._ASCII_FOLD))
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9\s]+", "", s).split())


def test_fold_key_folds_every_character_as_its_definition_does() -> None:
    # fold_key folds each distinct non-ASCII character once (up to _FOLD_REPLACE_MAX of them, then the
    # whole text at once): every assigned code point in runs of both sizes, alone, inside words, beside final
    # sigmas (str.lower's one context rule), before combining marks
    points = [ch for ch in map(chr, range(0x110000)) if unicodedata.category(ch) not in ("Cn", "Co", "Cs")]
    for size in (text._FOLD_REPLACE_MAX - 2, 500):
        for start in range(0, len(points), size):
            run = points[start : start + size]
            for s in (" ".join(run), "A" + "b".join(run) + "Σ", "Σ".join(run) + " ", "\u0301".join(run)):
                assert fold_key(s) == _fold_key_by_its_definition(s), (size, hex(ord(run[0])))
    mixed = "İLHAM ƏLİYEV: «Москва» — Étienne Möller, ﬁnal ½ Σ\u00a0ℌ IŞIQ Azәrbaycan 14-də"
    assert fold_key(mixed) == _fold_key_by_its_definition(mixed) == (
        "ilham eliyev moskva etienne moller final 12 isiq azerbaycan 14de")


def test_normalize_text_remembers_a_bounded_number_of_results() -> None:
    text._RECENT.clear()
    for i in range(text._RECENT_SIZE * 3):
        assert normalize_text(f"  Bakı {i}\u00a0 ") == f"Bakı {i}"
        assert len(text._RECENT) <= text._RECENT_SIZE + 1
    long = "Bakı " * (text._RECENT_MAX_CHARS // 5 + 1)
    assert normalize_text(long) == long.strip()
    assert long not in text._RECENT


def test_the_benchmark_times_normalisation_not_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench/normalize.py`` measures MB/s of real work: every timed call normalises its text.

    Timed on one text, the memo above answered every call after the first (the bench printed
    over 5,000 MB/s).
    """
    from bench.normalize import _article, _dirty, _round, variants

    calls: list[str] = []
    work = text._normalize_text
    monkeypatch.setattr(text, "_normalize_text", lambda s: calls.append(s) or work(s))
    text._RECENT.clear()
    for base in (_article(), _dirty(_article())):
        copies = variants(base)
        calls.clear()
        _round(normalize_text, copies, 0.0)  # one pass
        _round(normalize_text, copies, 0.0)  # and again, as the bench's rounds do
        assert len(calls) == 2 * len(copies)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "Gürcüstanda prezident seçkiləri dekabrın 14-də keçiriləcək",
            "gurcustanda-prezident-seckileri-dekabrin-14de-kecirilecek",
        ),
        ("100 il əvvəldən gələn səslər", "100-il-evvelden-gelen-sesler"),
        (
            "Türk dünyasında güc birliyi: Azərbaycan Qazaxıstan münasibətləri yüksələn xətdə",
            "turk-dunyasinda-guc-birliyi-azerbaycan-qazaxistan-munasibetleri-yukselen-xetde",
        ),
        ("Tramp Makronun təklifini rədd etdi", "tramp-makronun-teklifini-redd-etdi"),
        ("“Kapital Bank”ın İdarə Heyəti", "kapital-bankin-idare-heyeti"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_content_hash_input_is_documented() -> None:
    expected = hashlib.sha256("Başlıq\n\nMətn.".encode()).hexdigest()
    assert content_hash("Başlıq", "Mətn.") == f"sha256:{expected}"
    assert content_hash(" Başlıq\u00a0", "Mətn.\n\n\n") == f"sha256:{expected}"


def test_content_hash_none_is_empty() -> None:
    empty = hashlib.sha256(b"\n\n").hexdigest()
    assert content_hash(None, None) == f"sha256:{empty}"
    assert content_hash("a", None) != content_hash(None, "a")


def test_markup_written_as_text_is_content() -> None:
    # leaked formatting tags go; a page that shows "<script>" as text keeps it as text
    assert normalize_text("<p>Salam</p><p>dünya</p>") == "Salam\n\ndünya"
    kept = "Hücum: <script>alert(1)</script> və <img src=x onerror=alert(2)>"
    assert normalize_text(kept) == kept
