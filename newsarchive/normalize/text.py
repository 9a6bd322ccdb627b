"""Text normalisation for Azerbaijani (and Russian) news text.

:func:`normalize_text` is pure and cheap on clean text: every expensive step sits
behind a precheck (a substring test or one compiled regex ``search``) and the
character work is done by ``str.translate`` tables. Steps, in order:

1. HTML entities decoded (w3lib, also ``&quot`` without ``;`` and double-escaped
   ``&amp;quot;``) and formatting tags that leaked into the text stripped (``<br>`` and
   block tags become line breaks); other markup-like text (``<script>``) is content and stays.
2. Zero-width characters, BOM and C0 control characters removed.
3. Mojibake (UTF-8 read as Windows-1252/1254/1251, ``Ã¼``, ``Ä±``, ``Й™``)
   repaired word by word by re-encoding, with ftfy as a last resort; only when a
   regex finds the tell-tale byte pairs.
4. ``ǝ Ǝ`` (U+01DD, U+018E) → ``ə Ə``; no-break and other spaces → space; soft
   hyphens removed; CR/CRLF, line and paragraph separators → newlines.
5. Unicode NFC (again after step 6 when a fixed letter composes with a mark).
6. Look-alike letters: Cyrillic letters inside Latin words → Latin (``Azәrbaycan``),
   Latin letters inside Cyrillic words → Cyrillic (``Meдиа``). All-Cyrillic words
   (Russian) and all-Latin words are left alone.
7. Whitespace: runs of spaces collapsed, lines trimmed, 3+ newlines → one blank
   line, text stripped.

When a late step completes something an early one handles (a look-alike put
back inside ``&quоt;``, an NBSP that split a mojibake pair), the pass is run
again, so the function is idempotent (checked by property tests).

Typographic quotes, apostrophes and dashes are content and are kept.

Also: Azerbaijani-aware case mapping (:func:`az_lower`, :func:`az_upper`,
:func:`az_casefold`), an ASCII key (:func:`fold_key`), icma-style slugs
(:func:`slugify`) and :func:`content_hash`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable

from w3lib.html import replace_entities

__all__ = [
    "az_casefold",
    "az_lower",
    "az_upper",
    "content_hash",
    "fix_lookalikes",
    "fix_mojibake",
    "fold_key",
    "normalize_text",
    "slugify",
    "storable_text",
]

# --------------------------------------------------------------------------- tables

#: Cyrillic letters that look like Latin ones, as used inside Azerbaijani words.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y",
    "і": "i", "ј": "j", "һ": "h", "к": "k", "ә": "ə", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J",
    "Һ": "H", "Ә": "Ə", "Ѕ": "S",
}  # fmt: skip

#: Latin letters that look like Cyrillic ones, as used inside Russian words.
LATIN_TO_CYRILLIC: dict[str, str] = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у",
    "k": "к",
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О",
    "P": "Р", "C": "С", "T": "Т", "X": "Х", "Y": "У",
}  # fmt: skip

#: Deleted before anything else: zero-width characters, BOM, C0/C1-free controls.
_DELETE_CHARS = (
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
    + "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c")
    + "\x7f"
)

#: Text is every code point except lone surrogates (a JSON "\\ud800" decodes to one; no UTF-8 encoder or
#: database takes it) and the Unicode noncharacters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF in every plane);
#: written as the complement of ranges, which ``re`` scans ten times faster than a list of exclusions.
_TEXT_RANGES = "\ue000-\ufdcf\ufdf0-\ufffd" + "".join(
    f"{chr(plane * 0x10000)}-{chr(plane * 0x10000 + 0xFFFD)}" for plane in range(1, 17))
_NOT_TEXT_RE = re.compile(f"[^\x00-\ud7ff{_TEXT_RANGES}]")
#: What no database stores: the above, NUL and the other C0/C1 controls except tab and newline.
_UNSTORABLE_RE = re.compile(f"[^\t\n\x20-\x7e\xa0-\ud7ff{_TEXT_RANGES}]")

#: Characters mapped after mojibake repair (NBSP and SHY are also mojibake bytes).
_CHAR_MAP: dict[str, str] = {
    "\u01dd": "ə", "\u018e": "Ə",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ",
    "\u1680": " ", "\t": " ", "\x0b": " ", "\x0c": " ",
    "\u00ad": "",
    "\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n",
    **{chr(c): " " for c in range(0x2000, 0x200B)},
    **{chr(c): "" for c in range(0x80, 0xA0) if c != 0x85},
}  # fmt: skip

#: Azerbaijani letters (and Russian ones) to ASCII for keys and slugs.
_ASCII_FOLD: dict[str, str] = {
    "ə": "e", "ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u",
    "а": "a", "б": "b", "в": "v", "г": "q", "д": "d", "е": "e", "ё": "yo",
    "ж": "j", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "x", "ц": "ts", "ч": "c", "ш": "s", "щ": "sc", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "e", "ғ": "g",
    "ҹ": "c", "һ": "h", "ј": "y", "ү": "u", "ө": "o", "ҝ": "g", "і": "i",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l",
}  # fmt: skip

_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0259"
_CYRILLIC = "\u0400-\u04ff"
_BLOCK_TAGS = "p|div|h[1-6]|li|ul|ol|tr|table|blockquote|section|article|header|footer|pre"

# --------------------------------------------------------------------------- regexes

#: Common entities written without ``;`` and glued to the next word (``&quotQarabağ``).
_BARE_ENTITY_RE = re.compile(r"&(quot|amp|lt|gt|nbsp|laquo|raquo|ldquo|rdquo|ndash|mdash)(?=[^\W\d_])")
#: Formatting tags an extractor can leak into text. Anything else (``<script>``, ``<img onerror=…>``)
#: written on a page is content — shown as text there, kept as literal text here.
_LEAKED_TAGS = ("a|abbr|article|b|big|blockquote|br|center|cite|code|del|div|em|figcaption|figure|font|footer|"
                "h[1-6]|header|i|ins|li|mark|ol|p|pre|q|s|section|small|span|strike|strong|sub|sup|table|tbody|"
                "td|th|thead|tr|tt|u|ul")
_TAG_RE = re.compile(rf"<(?:!--.*?--|/?(?:{_LEAKED_TAGS})\b(?:\s[^<>]*)?/?)>", re.DOTALL | re.IGNORECASE)
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_RE = re.compile(rf"</?(?:{_BLOCK_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_DELETE_RE = re.compile("[" + re.escape(_DELETE_CHARS) + "]")
_CHAR_RE = re.compile("[" + re.escape("".join(_CHAR_MAP)) + "]")
_CYR_RE = re.compile(f"[{_CYRILLIC}]")
#: A word where a Latin and a Cyrillic letter touch; a word with Cyrillic ә.
_MIXED_WORD_RE = re.compile(
    rf"\b[{_LATIN}{_CYRILLIC}]*?(?:[{_LATIN}][{_CYRILLIC}]|[{_CYRILLIC}][{_LATIN}])[^\W\d_]*"
)
_SCHWA_WORD_RE = re.compile(r"\b[^\W\d_]*?[әӘ][^\W\d_]*")
#: What every match of the two regexes above holds, found fast (a regex led by a class, :func:`_sub_in_tokens`):
#: a Cyrillic letter with a Latin one before or after it, or the other way round (the rarer script leads,
#: :func:`_mixed_pair_hint`); a Cyrillic ә.
_CYR_PAIR_RE = re.compile(rf"[{_CYRILLIC}](?:(?<=[{_LATIN}][{_CYRILLIC}])|(?=[{_LATIN}]))")
_LAT_PAIR_RE = re.compile(rf"[{_LATIN}](?:(?<=[{_CYRILLIC}][{_LATIN}])|(?=[{_CYRILLIC}]))")
_SCHWA_RE = re.compile("[әӘ]")
#: What can make another look-alike pass change something (:func:`_settle_lookalikes`).
_LOOKALIKES_UNSETTLED_RE = re.compile("[әӘ\u0482-\u0489]")
_CYR_WORD_RE = re.compile(rf"\b[{_CYRILLIC}]+\b")
_LAT_WORD_RE = re.compile(rf"\b[{_LATIN}]+\b")
_CYR_TO_LAT_TABLE = str.maketrans(CYRILLIC_TO_LATIN)
_LAT_TO_CYR_TABLE = str.maketrans(LATIN_TO_CYRILLIC)
_FOLD_DROP_RE = re.compile(r"[^a-z0-9\s]+")
_WS_RE = re.compile(r"\s+")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_FOLD_TABLE = str.maketrans(_ASCII_FOLD)


def _byte_table(encoding: str) -> dict[int, int]:
    """``str.translate`` table: a code page's characters → the Latin-1 char of their byte.

    Undefined bytes map to themselves ("sloppy" decoders keep them as C1
    controls); other characters below U+0100 map to U+FFFF, which Latin-1
    cannot encode, so a word holding one fails cleanly.
    """
    table: dict[int, int] = {c: 0xFFFF for c in range(0x80, 0x100)}
    for byte in range(256):
        try:
            char = bytes([byte]).decode(encoding)
        except UnicodeDecodeError:
            char = chr(byte)
        table[ord(char)] = byte
    return table


_CODEPAGES: tuple[dict[int, int], ...] = tuple(
    _byte_table(enc) for enc in ("cp1252", "cp1254", "cp1251", "latin-1")
)


def _continuations(encoding: str) -> str:
    return "".join(
        bytes([b]).decode(encoding, errors="ignore") or chr(b) for b in range(0x80, 0xC0)
    )


_CONT_LATIN = "".join(sorted(set(_continuations("cp1252") + _continuations("cp1254"))))
_CONT_CYR = _continuations("cp1251")
_LEAD_LATIN = "\u00c2-\u00df\u011e\u0130\u015e"  # 0xC2-0xDF in cp1252/cp1254
_LEAD_CYR = "\u0412-\u042f"  # 0xC2-0xDF in cp1251
#: Two characters that are the cp125x reading of a UTF-8 lead and continuation byte. Written as one
#: class of every lead, then the continuation that lead takes (a look-behind per code page): a regex
#: that starts with a class is scanned by ``re`` in a tight loop, four times faster on clean text than
#: the alternation of pairs, which ``re`` tries at every position. Same matches, same spans.
_MOJIBAKE_RE = re.compile(
    f"[{_LEAD_LATIN}{_LEAD_CYR}\u00e2\u0432]"
    f"(?:(?<=[{_LEAD_LATIN}])[{re.escape(_CONT_LATIN)}]|(?<=[{_LEAD_CYR}])[{re.escape(_CONT_CYR)}]"
    "|(?<=\u00e2)\u20ac|(?<=\u0432)\u0402)"
)
_TOKEN_RE = re.compile(r"[^ \n]+")
#: What a repaired word may contain: Latin, IPA ə, Cyrillic, punctuation, symbols.
_PLAUSIBLE_RE = re.compile(r"[\x20-\x7e\u00a0-\u024f\u0259\u0400-\u04ff\u2000-\u206f\u20ac\u2116\u2122\ufeff]*")

# --------------------------------------------------------------------------- steps


def _decode_html(s: str) -> str:
    """Decode entities (repeatedly: ``&amp;quot;``) and strip leaked tags."""
    while True:
        out = s
        if "&" in out:
            out = _BARE_ENTITY_RE.sub(r"&\1;", out)
            out = replace_entities(out, remove_illegal=False)
        if "<" in out and _TAG_RE.search(out):
            out = _BR_RE.sub("\n", out)
            out = _BLOCK_RE.sub("\n\n", out)
            out = _TAG_RE.sub("", out)
        if out == s:
            return out
        s = out


def _reencode(text: str) -> str | None:
    """The UTF-8 reading of *text*'s bytes in a cp125x code page, if plausible."""
    for table in _CODEPAGES:
        try:
            fixed = text.translate(table).encode("latin-1").decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text and _PLAUSIBLE_RE.fullmatch(fixed):
            return fixed
    return None


def _fix_line(line: str) -> str:
    """Re-encode a whole line when it was misread as a whole, else word by word."""
    fixed = _fix_token(line)
    if fixed is not line and not _MOJIBAKE_RE.search(fixed):
        return fixed
    return _replace_spans(
        line, {_token_span(line, m.start()) for m in _MOJIBAKE_RE.finditer(line)}, _fix_token
    )


def _token_span(s: str, pos: int) -> tuple[int, int]:
    """Bounds of the space-delimited token around *pos*."""
    start = max(s.rfind(" ", 0, pos), s.rfind("\n", 0, pos)) + 1
    match = _TOKEN_RE.match(s, pos)
    return start, match.end() if match else pos + 1


def _replace_spans(s: str, spans: set[tuple[int, int]], fix: Callable[[str], str]) -> str:
    """*s* with each span's text replaced by ``fix(text)``; spans of one word collapse."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if not kept or start >= kept[-1][1]:  # else the same word reached twice
            kept.append((start, end))
    return _splice(s, kept, [fix(s[start:end]) for start, end in kept])


def _splice(s: str, spans: list[tuple[int, int]], texts: list[str]) -> str:
    """*s* with each of the sorted, disjoint *spans* replaced by the text at the same place in *texts*."""
    parts: list[str] = []
    last = 0
    for (start, end), text in zip(spans, texts, strict=True):
        parts += (s[last:start], text)
        last = end
    parts.append(s[last:])
    return "".join(parts)


def _fix_token(token: str) -> str:
    for _ in range(3):  # double-encoded text takes two rounds
        fixed = _reencode(token)
        if fixed is None:
            break
        token = fixed
        if not _MOJIBAKE_RE.search(token):
            break
    return token


def fix_mojibake(s: str, *, use_ftfy: bool = True) -> str:
    """Repair UTF-8 text that was decoded as Windows-1252/1254/1251.

    Words holding a tell-tale pair (``Ã¼``, ``Ä±``, ``Й™``, ``Рѕ``) are re-encoded
    in each code page and decoded as UTF-8; a word is replaced only when that
    succeeds and yields plausible letters. What is still broken afterwards goes
    to ``ftfy.fix_encoding``. Text without such pairs is returned at once.
    """
    if not _MOJIBAKE_RE.search(s):
        return s
    lines = s.split("\n")
    s = "\n".join(_fix_line(line) if _MOJIBAKE_RE.search(line) else line for line in lines)
    if use_ftfy and _MOJIBAKE_RE.search(s):
        import ftfy  # slow; only for text that still looks broken

        s = ftfy.fix_encoding(s)
    return s


def _fix_word(word: str, cyrillic_text: Callable[[], bool]) -> str:
    """*word* in one script; *cyrillic_text* () is asked only for a word of look-alikes only."""
    lat_only = cyr_only = lat = cyr = 0
    for ch in word:
        if ch in CYRILLIC_TO_LATIN:
            cyr += 1
        elif ch in LATIN_TO_CYRILLIC:
            lat += 1
        elif "\u0400" <= ch <= "\u04ff":
            cyr += 1
            cyr_only += 1
        elif ch.isalpha():
            lat += 1
            lat_only += 1
    if cyr_only and not lat_only:
        to_cyrillic = True
    elif lat_only and not cyr_only:
        to_cyrillic = False
    elif lat == 0:  # all Cyrillic look-alikes with ә: an Azerbaijani word
        return word.translate(_CYR_TO_LAT_TABLE) if "ә" in word or "Ә" in word else word
    elif cyr_only:  # letters of both scripts: the majority wins
        to_cyrillic = cyr > lat
    else:  # only look-alikes: the script of the surrounding text
        to_cyrillic = cyrillic_text()
    return word.translate(_LAT_TO_CYR_TABLE if to_cyrillic else _CYR_TO_LAT_TABLE)


def _is_cyrillic_text(s: str) -> bool:
    return len(_CYR_WORD_RE.findall(s)) > len(_LAT_WORD_RE.findall(s))


def fix_lookalikes(s: str) -> str:
    """Put look-alike letters of the other script back into each mixed word.

    A word decides by its letters that exist in only one script (``д`` is
    Cyrillic, ``ş`` Latin); when it has both, the majority wins. A word made of
    look-alikes only (``Cоx``) follows the script most single-script words of
    the text use. Words in one script only are never touched, except that
    Cyrillic ``ә`` among Latin look-alikes is taken as Azerbaijani ``ə``.
    """
    if not _CYR_RE.search(s):
        return s
    cyrillic_text = functools.cache(lambda: _is_cyrillic_text(s))  # counted once, only if a word needs it

    def fix(match: re.Match[str]) -> str:
        return _fix_word(match.group(), cyrillic_text)

    out = _sub_in_tokens(_MIXED_WORD_RE, _mixed_pair_hint(s), fix, s)
    if "ә" in out or "Ә" in out:
        out = _sub_in_tokens(_SCHWA_WORD_RE, _SCHWA_RE, fix, out)
    return s if out == s else out


_SCRIPT_SAMPLE = 400  # characters of a text that decide its rarer script (_mixed_pair_hint)


def _mixed_pair_hint(s: str) -> re.Pattern[str]:
    """The faster of two hints that find the same tokens: led by the letters of the script that is rarer
    at the start of *s* (Cyrillic in Azerbaijani text, Latin in Russian text)."""
    sample = s[:_SCRIPT_SAMPLE]
    return _LAT_PAIR_RE if len(_CYR_RE.findall(sample)) * 4 > len(sample) else _CYR_PAIR_RE


def _sub_in_tokens(regex: re.Pattern[str], hint: re.Pattern[str], fix: Callable[[re.Match[str]], str], s: str) -> str:
    """``regex.sub(fix, s)``, run only on the tokens (between spaces and newlines) where *hint* matches.

    The same result when every match of *regex* holds a match of *hint* and no space or newline, and
    *fix* puts none in: then each match lies in one token, a token's bounds are word bounds (``\\b``)
    in *s* as in the tokens joined by spaces, and the tokens without a hint have no match. ``re``
    tries a regex led by ``\\b`` at every position; a hint led by a rare class it scans in a tight
    loop, and the regex then reads the few tokens found.
    """
    spans: list[tuple[int, int]] = []
    for m in hint.finditer(s):
        if not spans or m.start() >= spans[-1][1]:  # not in the token found last
            spans.append(_token_span(s, m.start()))
    if not spans:
        return s
    return _splice(s, spans, regex.sub(fix, " ".join(s[start:end] for start, end in spans)).split(" "))


def _collapse_whitespace(s: str) -> str:
    while "  " in s:  # str.replace beats a regex on text this short
        s = s.replace("  ", " ")
    if " \n" in s or "\n " in s:
        s = "\n".join(line.strip(" ") for line in s.split("\n"))
    while "\n\n\n" in s:
        s = s.replace("\n\n\n", "\n\n")
    return s.strip(" \n")


def _delete_chars(s: str) -> str:
    for ch in set(_DELETE_RE.findall(s)):  # str.replace beats str.translate on long text
        s = s.replace(ch, "")
    return s


def _map_chars(s: str) -> str:
    for ch in set(_CHAR_RE.findall(s)):
        s = s.replace(ch, _CHAR_MAP[ch])
    return s


def _settle_lookalikes(s: str) -> str:
    """:func:`fix_lookalikes` until it changes nothing (at most three passes), NFC after each.

    A Cyrillic с before U+0327 becomes c and composes to ç, joining words: hence the passes.
    The next pass is skipped when it would change nothing: a fixed word is in one script, or
    still holds letters of both and goes the same way again (the side it went to only gained
    letters), and the words, their bounds and the other words are as they were. Two things
    make a next pass differ, and then it runs: a composition (new words: ``rѕ̧о`` gives ``rşо``,
    then ``rşo``), and the Cyrillic marks U+0482-U+0489, which are in ``_MIXED_WORD_RE``'s
    letter class but end a word, so the next pass can reach past them. It also runs when a
    Cyrillic ә is left (no case is known where that pass changes anything; it is cheap to
    keep). ``tests/test_normalize_properties.py`` checks this against the passes run in full.
    """
    for _ in range(3):
        fixed = fix_lookalikes(s)
        if fixed == s:
            break
        s = _nfc(fixed)
        if s == fixed and not _LOOKALIKES_UNSETTLED_RE.search(s):
            break
    return s


def _normalize_once(s: str) -> tuple[str, bool]:
    """One pass of every step; also whether a later step may have enabled an
    earlier one (a deletion or a look-alike fix that completes an entity, a
    deleted character that joins the halves of a mojibake pair)."""
    if "&" in s or "<" in s:
        s = _decode_html(s)
    before = s
    s = _delete_chars(s)
    fixed = fix_mojibake(s)
    if fixed is not s:  # repaired words may hold zero-width characters
        s = _delete_chars(fixed)
    if "\r\n" in s:
        s = s.replace("\r\n", "\n")
    s = _nfc(_map_chars(s))
    s = _settle_lookalikes(s)
    # A deleted soft hyphen, an NBSP become a space or a look-alike put back
    # can complete an entity or expose a mojibake pair.
    unstable = s != before and ("&" in s or "<" in s or bool(_MOJIBAKE_RE.search(s)))
    return _collapse_whitespace(s), unstable


def _nfc(s: str) -> str:
    if s.isascii() or unicodedata.is_normalized("NFC", s):
        return s
    return unicodedata.normalize("NFC", s)


#: Recent results of :func:`normalize_text`, each also under its own result (idempotence): a record's
#: body is normalised for the origin similarity, by the pipeline and for the content hash. Bounded in
#: entries and in the length of a text kept (~13 MB at most of Azerbaijani or Russian text, twice that
#: of text with characters beyond the BMP).
_RECENT: dict[str, str] = {}
_RECENT_SIZE = 128
_RECENT_MAX_CHARS = 50_000


def normalize_text(s: str) -> str:
    """Return *s* cleaned for storage and comparison (see the module docstring).

    Idempotent: ``normalize_text(normalize_text(s)) == normalize_text(s)``.
    The result is always :func:`storable_text`.
    """
    out = _RECENT.get(s)
    if out is None:
        out = _normalize_text(s)
        if len(s) <= _RECENT_MAX_CHARS:
            if len(_RECENT) >= _RECENT_SIZE:
                _RECENT.clear()  # the entries that matter are a few records old at most
            _RECENT[s] = _RECENT[out] = out
    return out


def _normalize_text(s: str) -> str:
    # One scan for what no database stores; C1 controls stay for the mojibake repair, which consumes
    # them, and entities (&#xD800;) may decode to more: only then is the result scanned again.
    recheck = "&" in s
    if not s.isascii() and _UNSTORABLE_RE.search(s) is not None:
        s = _NOT_TEXT_RE.sub("", s)
        recheck = True
    out, unstable = _normalize_once(s)
    for _ in range(3):  # rare: settle what one step exposed to an earlier one
        if not unstable:
            break
        s = out
        out, unstable = _normalize_once(s)
        unstable = unstable and out != s
    return storable_text(out) if recheck else out


def storable_text(s: str) -> str:
    """*s* without what no database or UTF-8 file can store, and no text needs.

    Removed: lone surrogates, NUL and the other C0 and C1 control characters except tab and
    newline, and the Unicode noncharacters (U+FDD0..U+FDEF, U+FFFE/U+FFFF of every plane).
    Everything else is kept as it is (this is not :func:`normalize_text`).
    """
    if _UNSTORABLE_RE.search(s) is None:
        return s
    return _UNSTORABLE_RE.sub("", s)


# --------------------------------------------------------------------------- case, keys

_LOWER_TABLE = str.maketrans({"I": "ı", "İ": "i"})
_UPPER_TABLE = str.maketrans({"i": "İ", "ı": "I"})


def az_lower(s: str) -> str:
    """Lower-case with Azerbaijani dotted/dotless i: ``I → ı``, ``İ → i``."""
    return s.translate(_LOWER_TABLE).lower()


def az_upper(s: str) -> str:
    """Upper-case with Azerbaijani dotted/dotless i: ``i → İ``, ``ı → I``."""
    return s.translate(_UPPER_TABLE).upper()


def az_casefold(s: str) -> str:
    """Case-fold for caseless comparison, keeping ``ı`` and ``i`` apart."""
    return az_lower(s).casefold()


def _strip_marks(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: Distinct non-ASCII characters up to which :func:`fold_key` replaces each (Azerbaijani, Russian text).
_FOLD_REPLACE_MAX = 64


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """What :func:`fold_key` makes of one non-ASCII character of lower-cased text."""
    return _FOLD_DROP_RE.sub("", _strip_marks(az_lower(ch).translate(_FOLD_TABLE)))


def fold_key(s: str) -> str:
    """ASCII search/dedup key: ``"Azərbaycan-Qazaxıstan 14-də!"`` → ``"azerbaycanqazaxistan 14de"``.

    Look-alikes fixed, lower-cased (``I → ı``, ``İ → i``), Azerbaijani letters
    folded (``ə→e ı→i ş→s ç→c ğ→g ö→o ü→u``), Cyrillic transliterated, other
    accents stripped, punctuation deleted (``14-də`` → ``14de``, as icma does in
    slugs), whitespace collapsed to one space.
    """
    # Every step is one character at a time (str.lower's only context rule, a final sigma, folds to
    # nothing either way; I and İ lower to i and i + a combining dot, which folds to nothing), so
    # each distinct non-ASCII character is folded once and replaced: str.replace beats str.translate.
    s = fix_lookalikes(s).lower()
    if not s.isascii():
        chars = set(_NON_ASCII_RE.findall(s))
        if len(chars) <= _FOLD_REPLACE_MAX:
            for ch in chars:
                s = s.replace(ch, _fold_char(ch))
        else:  # a replace per character would make this quadratic
            s = _strip_marks(s.translate(_FOLD_TABLE))
    s = _FOLD_DROP_RE.sub("", s)
    return _WS_RE.sub(" ", s).strip()


def slugify(s: str) -> str:
    """icma-style URL slug: :func:`fold_key` with words joined by ``-``."""
    return fold_key(s).replace(" ", "-")


def content_hash(title: str | None, body: str | None) -> str:
    """``sha256:<hex>`` of the UTF-8 bytes of ``T + "\\n\\n" + B``.

    ``T`` and ``B`` are :func:`normalize_text` of the title and body, ``""`` for
    ``None``. Normalising first means whitespace, entity or look-alike noise
    does not count as a new revision.
    """
    text = normalize_text(title or "") + "\n\n" + normalize_text(body or "")
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

