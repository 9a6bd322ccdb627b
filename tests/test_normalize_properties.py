"""Property tests: text normalisation is idempotent; the date parser's results are well-formed and round-trip."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsarchive.normalize import dates
from newsarchive.normalize.dates import BAKU, _parse, _reference, parse_datetime, to_iso
from newsarchive.normalize.text import (
    _CONT_CYR,
    _CONT_LATIN,
    _CYR_PAIR_RE,
    _LAT_PAIR_RE,
    _LEAD_CYR,
    _LEAD_LATIN,
    _MIXED_WORD_RE,
    _MOJIBAKE_RE,
    _SCHWA_RE,
    _SCHWA_WORD_RE,
    _nfc,
    _normalize_text,
    _settle_lookalikes,
    _sub_in_tokens,
    content_hash,
    fix_lookalikes,
    fold_key,
    normalize_text,
    slugify,
)
from tests.data.normalize_dates_cases import REFERENCE

# Characters that exercise every step: look-alikes, mojibake halves, spaces,
# zero-width, entities, tags, combining marks.
_TRICKY = (
    "aeopcxyAEOPCXYBKMHTаеорсхуАЕОРСХУВКМНТіјһәӘǝƎəƏıİIşŞçÇğĞöÖüÜ"
    "ÃÄÅÉÐÑÂ¼±Ÿ™€‰ЙЖДРСЏ‘’“”«»—–…"
    "\u00a0\u00ad\u200b\u200d\ufeff\u2028\u2029\u202f\u0308\u0327\u0307"
    "&;#<>/=\"' \n\r\t.,-:0123456789"
)
tricky_text = st.text(alphabet=_TRICKY, max_size=80)
entity_text = st.lists(
    st.sampled_from(["&quot", "&amp;", "&quot;", "&nbsp;", "<b>", "</p>", "<br>", "Bakı", " ", "\n", "x"]),
    max_size=12,
).map("".join)
any_text = st.one_of(st.text(), tricky_text, entity_text)


# Look-alikes of both scripts, letters of one script only, Cyrillic ә, the Cyrillic marks U+0482-U+0489,
# combining marks (U+0327 composes with c and s) and what ends a word.
_LOOKALIKES = (
    "aeopcxykABEKMHOPCTXY" "аеорсхукАВЕКМНОРСТХУіјһәӘѕІЈҺЅ" "bdfghijlmnqrstuvwzşçğıöüəƏ"
    "дбвгжзилнпфцчшщДБГЖЗИЛПФЦЧШЩ" "\u0327\u0308\u0482\u0483\u0489 _1.\n"
)


def _lookalike_passes_in_full(s: str) -> str:
    """What ``_settle_lookalikes`` shortens: every pass, until one changes nothing."""
    for _ in range(3):
        fixed = fix_lookalikes(s)
        if fixed == s:
            break
        s = _nfc(fixed)
    return s


@given(st.text(alphabet=_LOOKALIKES, max_size=40))
@example("ѕK\u0483kıа")  # a Cyrillic mark (U+0483): the second pass reaches past it
@example("rѕ\u0327о")  # Cyrillic ѕ + U+0327 becomes ş: a new word for the second pass
@settings(max_examples=1000, deadline=None)
def test_settled_lookalikes_are_the_passes_run_in_full(s: str) -> None:
    s = _nfc(s)
    assert _settle_lookalikes(s) == _lookalike_passes_in_full(s)


def _bracket(match: re.Match[str]) -> str:
    return f"[{match.group()}]"


@given(st.text(alphabet=_LOOKALIKES + "\t\u00a0'-", max_size=60))
@example("aд bд")
@example("д\u0483aд b")  # a Cyrillic mark (not a word character) inside a match: "д\u0483a" is its pair
@settings(max_examples=1000, deadline=None)
def test_lookalike_words_found_in_tokens_are_those_of_the_whole_text(s: str) -> None:
    # fix_lookalikes runs its two regexes only on the tokens a fast hint finds: the same matches, the same
    # result as the regexes on the whole text (bracketed, so a wrong span shows), with either hint
    for hint in (_CYR_PAIR_RE, _LAT_PAIR_RE):
        assert _sub_in_tokens(_MIXED_WORD_RE, hint, _bracket, s) == _MIXED_WORD_RE.sub(_bracket, s)
    assert _sub_in_tokens(_SCHWA_WORD_RE, _SCHWA_RE, _bracket, s) == _SCHWA_WORD_RE.sub(_bracket, s)


def test_mojibake_regex_finds_the_code_page_pairs() -> None:
    # _MOJIBAKE_RE is written lead-class first (fast); the plain alternation of pairs is what it means
    pairs = re.compile(
        f"[{_LEAD_LATIN}][{re.escape(_CONT_LATIN)}]|[{_LEAD_CYR}][{re.escape(_CONT_CYR)}]|\u00e2\u20ac|\u0432\u0402"
    )
    chars = [chr(c) for c in (*range(0x20, 0x530), *range(0x2000, 0x2130))]
    for first in chars:
        text = "".join(first + second + "\n" for second in chars)
        assert [m.span() for m in _MOJIBAKE_RE.finditer(text)] == [m.span() for m in pairs.finditer(text)], first


def test_a_composed_letter_joins_a_word_that_is_fixed_again() -> None:
    # Cyrillic ѕ, U+0327 and Cyrillic о in a Latin word: s + U+0327 is ş, and the word it joins is Latin
    assert normalize_text("rѕ\u0327о") == "rşo"


@given(any_text)
@settings(max_examples=400, deadline=None)
def test_normalize_text_is_idempotent(s: str) -> None:
    # the computation itself: normalize_text remembers each result as its own normal form
    once = _normalize_text(s)
    assert _normalize_text(once) == once


@given(any_text)
@settings(max_examples=200, deadline=None)
def test_remembered_results_are_the_computed_ones(s: str) -> None:
    first = normalize_text(s)
    assert first == _normalize_text(s)
    assert normalize_text(s) == first  # now remembered
    assert normalize_text(first) == _normalize_text(first)


@given(any_text)
@settings(max_examples=200, deadline=None)
def test_normalize_text_output_shape(s: str) -> None:
    out = normalize_text(s)
    assert out == out.strip(" \n")
    assert "\n\n\n" not in out
    assert "  " not in out
    assert "\u00a0" not in out and "\u200b" not in out and "\r" not in out


@given(any_text)
@settings(max_examples=200, deadline=None)
def test_keys_never_raise_and_are_ascii(s: str) -> None:
    key = fold_key(s)
    assert key.isascii()
    assert slugify(s) == key.replace(" ", "-")
    assert content_hash(s, s).startswith("sha256:")


_AZ_MONTHS = ["Yanvar", "fevral", "MART", "Aprel", "may", "İyun", "Iyun", "iyul", "Avqust",
              "sentyabr", "Oktyabr", "noyabr", "dekabr", "avq", "sen", "okt", "dek."]
_RU_MONTHS = ["января", "Февраля", "марта", "апреля", "мая", "июня", "Июль", "августа",
              "сентября", "октября", "ноября", "дек.", "янв"]
_EN_MONTHS = ["January", "Feb", "March", "Apr", "June", "July", "Aug", "Sept", "October", "Dec"]


@st.composite
def date_strings(draw: st.DrawFn) -> str:
    """Realistic date strings, well-formed or slightly off."""
    day = draw(st.integers(0, 35))
    month = draw(st.integers(0, 14))
    year = draw(st.integers(1990, 2040))
    hour = draw(st.integers(0, 25))
    minute = draw(st.integers(0, 61))
    name = draw(st.sampled_from(_AZ_MONTHS + _RU_MONTHS + _EN_MONTHS))
    sep = draw(st.sampled_from([" / ", " | ", " • ", ", ", " - ", " ", "["]))
    body = draw(
        st.sampled_from(
            [
                f"{day} {name} {year}",
                f"{day} {name}",
                f"{name} {day}, {year}",
                f"{day:02d}.{month:02d}.{year}",
                f"{day}-{month}-{year}",
                f"{day}/{month}/{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{year}.{month:02d}.{day:02d}",
                f"{day:02d}.{month:02d}.{year % 100:02d}",
                f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+04:00",
                f"{name}ın {day}-də",
                f"{day} saat əvvəl",
                "bu gün",
                "dünən",
                "вчера",
            ]
        )
    )
    clock = f"{hour:02d}:{minute:02d}"
    shape = draw(st.sampled_from(["{b}", "{b}{s}{t}", "{t}{s}{b}", "Tarix: {b} {t}", "{b}-ci il"]))
    return shape.format(b=body, s=sep, t=clock)


def check_parser_result(value: object, ref: datetime) -> None:
    """Properties of every result of the inner parser: type, Baku offset, round trip of its own ISO output."""
    if value is None:
        return
    assert isinstance(value, date)
    assert 1925 <= value.year <= 2100
    iso = to_iso(value)
    if isinstance(value, datetime):
        assert value.tzinfo is BAKU
        offset = value.utcoffset()
        assert offset is not None and offset.seconds % 3600 == 0, iso  # whole hours since 1924
        # Azerbaijan's own time: +04:00, summer time +05:00 until 2015; until September 1992 it kept
        # Moscow's +03:00/+04:00 (tzdata's Asia/Baku: "3:00 RussiaAsia +03/+04 1992 Sep lastSun")
        if value.year >= 1993:
            assert offset in (timedelta(hours=4), timedelta(hours=5)), iso
            if offset == timedelta(hours=5):
                assert value.year <= 2015 and 3 <= value.month <= 10, iso
        assert value.microsecond == 0 or "." not in iso
    again = _parse(iso, ref)
    assert type(again) is type(value) and again == value, (iso, again)
    assert to_iso(again) == iso


#: The characters the date parser's fold changes, and some it keeps (ə, Cyrillic, digits, marks).
FOLD_ALPHABET = "".join(map(chr, dates._FOLD_TABLE)) + "aIiəƏşçöüğдятАЯ0123456789 :-.\u0301"


@given(st.text(alphabet=FOLD_ALPHABET))
@settings(max_examples=1000, deadline=None)
@example("İyunun 5-də")
@example("23\u00a0окт\u2013")
def test_the_fold_translates_every_string_that_needs_it(s: str) -> None:
    lower = s.lower()
    assert dates._fold(s) == (lower if lower.isascii() else lower.translate(dates._FOLD_TABLE))


@given(st.one_of(st.text(), date_strings()), st.one_of(st.none(), st.datetimes()))
@settings(max_examples=500, deadline=None)
def test_inner_parser_results_are_well_formed(s: str, reference: datetime | None) -> None:
    # The inner parser: parse_datetime itself catches everything, so a test of it could not fail.
    ref = _reference(reference)
    check_parser_result(_parse(s, ref), ref)


def test_parse_datetime_logs_what_it_swallows(monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(s: str, ref: datetime) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(dates, "_parse", broken)
    with caplog.at_level(logging.WARNING, logger="newsarchive.normalize.dates"):
        assert parse_datetime("23 oktyabr 2025", reference=REFERENCE) is None
    (record,) = caplog.records
    assert "23 oktyabr 2025" in record.getMessage() and "newsarchive/dates/unparsed" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


@given(date_strings())
@settings(max_examples=300, deadline=None)
def test_parse_datetime_results_round_trip(s: str) -> None:
    value = parse_datetime(s, reference=REFERENCE)
    if value is None:
        return
    again = parse_datetime(to_iso(value), reference=REFERENCE)
    assert again == value


@given(st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2035, 12, 31)))
@settings(max_examples=300, deadline=None)
def test_iso_instants_survive(moment: datetime) -> None:
    aware = moment.replace(microsecond=0, tzinfo=UTC)
    parsed = parse_datetime(to_iso(aware))
    assert isinstance(parsed, datetime)
    # the same instant; compared as timestamps: Python never finds an aware time in a fold (Baku's last
    # summer-time hour, given as fold=1) equal to one in another zone (PEP 495)
    assert parsed.timestamp() == aware.timestamp()
