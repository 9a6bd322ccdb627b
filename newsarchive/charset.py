"""Which encoding a page is really written in when its charset label is missing or wrong (pure, no Scrapy)."""

from __future__ import annotations

import codecs
import re

#: What an icma.az or cited page is written in when its charset label is missing or wrong.
FALLBACK_ENCODINGS = ("utf-8", "cp1254", "cp1251", "cp1252")
_WORD = re.compile(r"[^\W\d_]+")
_AZ_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzəçğıöşüâîû")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ch < "\u0250" or ch in "əƏ"


def _script_score(text: str) -> int:
    """How much *text* reads like Azerbaijani, Russian or English: letters of words in one alphabet.

    Words wholly in the Azerbaijani Latin or in the Cyrillic alphabet count for, words mixing
    Latin and Cyrillic letters (what a wrong single-byte code page makes of them) against;
    other Latin words (``þ``, ``ð``: Turkish letters read as Latin-1) count for nothing.
    """
    score = 0
    for word in _WORD.findall(text):
        low = word.lower()
        if all(c in _AZ_LATIN for c in low) or all(_is_cyrillic(c) for c in low):
            score += len(word)
        elif not all(_is_latin(c) for c in low):
            score -= len(word)
    return score


def page_text(body: bytes, declared: str | None) -> tuple[str, str]:
    """The text of an HTML page and the encoding it was read with, even when its charset label lies.

    A page that decodes as its *declared* encoding (Scrapy's choice: header, ``<meta>``, BOM or
    guess) and is UTF-8 is taken as it is. Otherwise each of the declared encoding and
    :data:`FALLBACK_ENCODINGS` that decodes the bytes strictly is scored by :func:`_script_score`,
    the declared one winning ties: a Windows-1251/1254 page labelled UTF-8 or Windows-1252, or not
    labelled at all, is read right.
    """
    try:
        enc = codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:
        enc = "utf-8"
    if enc == "utf-8":
        try:
            return body.decode("utf-8"), enc
        except UnicodeDecodeError:
            pass
    best: tuple[int, str, str] | None = None
    for candidate in dict.fromkeys((enc, *FALLBACK_ENCODINGS)):
        try:
            text = body.decode(candidate)
        except UnicodeDecodeError:
            continue
        score = _script_score(text)
        if best is None or score > best[0]:
            best = (score, text, candidate)
    if best is None:
        return body.decode(enc, errors="replace"), enc
    return best[1], best[2]
