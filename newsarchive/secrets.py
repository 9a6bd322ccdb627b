"""Secrets never leave memory: redaction of database URLs in every form, and a logging filter.

A database password can reach an output in three shapes, and each is handled:

- a URL, ``postgresql://user:password@host/db``, also when the password holds
  unescaped reserved characters (``/``, ``@``, ``#``, ``?``, ``:``), which
  ``urllib.parse.urlsplit`` mis-reads (the userinfo is taken to be everything
  between ``://`` and the *last* ``@``: over-redaction is the safe error), and
  a ``password=`` query parameter;
- a libpq ``key=value`` DSN: ``host=db password=secret dbname=news`` (values
  may be quoted: ``password='a b\\'c'``);
- the environment variable ``NEWSARCHIVE_DATABASE_URL`` (either of the above).

:func:`redact_url` gives the display form of a URL or DSN. :func:`register`
remembers the secret *values* (the password, percent-decoded and as written,
and its pieces between reserved characters, which a driver's parse error may
quote) so that :func:`redact` can remove them from any text: log lines,
exception messages, run reports, WARC records. :func:`install` registers the
secrets of the settings and the environment and puts :class:`RedactingFilter`
in front of every log record (through the log record factory, so every logger
and handler Scrapy creates later is covered, tracebacks included) and of
uncaught exceptions (``sys.excepthook``). ``newsarchive/settings.py`` calls it
when Scrapy loads the settings, before any log line; the commands and the
data-folder add-on call it again with the ``-s`` values.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

MASK = "***"
#: Settings and environment variables that may hold a database (or Redis) URL with a password.
SECRET_SETTINGS = ("NEWSARCHIVE_DATABASE_URL", "NEWSARCHIVE_REDIS_URL", "NEWSARCHIVE_TEST_POSTGRES_URL",
                   "NEWSARCHIVE_TEST_REDIS_URL", "REDIS_URL")
#: Shorter secret pieces are not replaced in free text (they would mangle ordinary words);
#: the patterns below still redact them where they stand in a URL or DSN.
MIN_SECRET_LENGTH = 4
#: Characters that split a password into the pieces a driver's parse error may quote.
_RESERVED = re.compile(r"[/@#?:&=\s'\"]+")

_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.-]*://"
# scheme://user:password@ : the password runs to the last "@" before whitespace or a closing quote
_URL_CREDENTIALS = re.compile(rf"(?P<head>\b{_SCHEME}(?P<user>[^\s:/?#@'\"]*)):(?P<password>[^\s'\"]*)@")
# password=... in a DSN or a URL query, quoted or not
_PASSWORD_PARAM = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd)\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s&'\"]+)",
    re.IGNORECASE)

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def password_of(value: str) -> list[str]:
    """The password(s) written in a URL or DSN *value*, as written (possibly empty list)."""
    found = []
    userinfo = _userinfo(value)
    if userinfo is not None and ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    for match in _PASSWORD_PARAM.finditer(value):
        raw = match.group("value")
        if raw[:1] in "'\"":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1] if len(raw) > 1 and raw[-1] == raw[0] else raw[1:])
        found.append(raw)
    return [p for p in found if p]


_QUERY_PASSWORD = re.compile(r"[?&;](?:password|passwd|pwd)\s*=", re.IGNORECASE)


def _userinfo(url: str) -> str | None:
    """The ``user:password`` part of a URL, read so that reserved characters may stand in the password:
    everything between ``://`` and the last ``@`` before a ``password=`` query parameter (if any)."""
    scheme = re.match(_SCHEME, url)
    if not scheme:
        return None
    rest = url[scheme.end():]
    query_password = _QUERY_PASSWORD.search(rest)
    if query_password:
        rest = rest[:query_password.start()]
    userinfo, at, _ = rest.rpartition("@")
    return userinfo if at else None


def register(*values: str | None) -> None:
    """Remember the passwords of these URLs/DSNs so :func:`redact` removes them from any text."""
    global _pattern
    new: set[str] = set()
    for value in values:
        if not value or not isinstance(value, str):
            continue
        for password in password_of(value):
            for form in {password, unquote(password)}:
                new.add(form)
                new.update(piece for piece in _RESERVED.split(form) if piece)
    new = {s for s in new if len(s) >= MIN_SECRET_LENGTH}
    with _lock:
        if new <= _secrets:
            return
        _secrets.update(new)
        # longest first, so a password is replaced whole before its pieces
        _pattern = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))


def register_settings(settings: Mapping[str, Any] | Any, environ: Mapping[str, str] | None = None) -> None:
    """Register the secrets of the URL settings in *settings* (a Scrapy Settings or a dict) and the environment."""
    environ = os.environ if environ is None else environ
    values: list[str | None] = [environ.get(name) for name in SECRET_SETTINGS]
    for name in SECRET_SETTINGS:
        try:
            value = settings.get(name)
        except Exception:  # a settings object that cannot answer has no secret for us
            continue
        values.append(value if isinstance(value, str) else None)
    register(*values)


def known() -> frozenset[str]:
    """The registered secret values (for tests)."""
    with _lock:
        return frozenset(_secrets)


def redact(text: str) -> str:
    """*text* with every registered secret and every URL/DSN password replaced by ``***``."""
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    if "=" in text:
        text = _PASSWORD_PARAM.sub(lambda m: m.group("key") + MASK, text)
    return text


def redact_value(value: Any) -> Any:
    """:func:`redact` applied to every string in *value* (dicts, keys included, lists, tuples, sets)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(key): redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [redact_value(item) for item in value]
    return value


def redact_url(url: str) -> str:
    """The display form of a database URL or DSN: its password (however written) replaced by ``***``."""
    userinfo = _userinfo(url)
    if userinfo is not None and ":" in userinfo:
        head = url.index("://") + 3
        user = userinfo.split(":", 1)[0]
        url = f"{url[:head]}{user}:{MASK}{url[head + len(userinfo):]}"
    url = _PASSWORD_PARAM.sub(lambda m: m.group("key") + MASK, url)
    pattern = _pattern
    return pattern.sub(MASK, url) if pattern is not None else url


class RedactingFilter(logging.Filter):
    """Redact the known secrets (and URL/DSN passwords) from a log record's message and traceback.

    On a handler it runs only for records that handler emits. The record's message is formatted
    once (``msg % args``) and replaced by its redacted text; a traceback is formatted into
    ``exc_text``, which the formatters use as is.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactedLogRecord(logging.LogRecord):
    """A log record whose message, traceback text and stack are redacted when they are formatted.

    Lazy: a DEBUG record that no handler emits costs nothing more.
    """

    _exc_text: str | None = None
    _stack_info: str | None = None

    def getMessage(self) -> str:
        return redact(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        return self._exc_text

    @exc_text.setter
    def exc_text(self, value: str | None) -> None:
        self._exc_text = redact(value) if value else value

    @property
    def stack_info(self) -> str | None:
        return self._stack_info

    @stack_info.setter
    def stack_info(self, value: str | None) -> None:
        self._stack_info = redact(value) if value else value


FILTER = RedactingFilter()
_installed = False


def install(settings: Mapping[str, Any] | Any = None, environ: Mapping[str, str] | None = None) -> None:
    """Register the secrets of *settings* and the environment; redact every log record and uncaught exception.

    Every log record is made a :class:`RedactedLogRecord` (the record factory), whatever logger or
    handler it goes through; uncaught exceptions are printed redacted. Idempotent: later calls only
    register more secrets (and put :data:`FILTER` on the root logger's handlers of the moment).
    """
    global _installed
    register_settings(settings or {}, environ)
    add_filter()
    with _lock:
        if _installed:
            return
        _installed = True
    previous_factory = logging.getLogRecordFactory()
    if previous_factory is logging.LogRecord:
        logging.setLogRecordFactory(RedactedLogRecord)
    else:
        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous_factory(*args, **kwargs)
            FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        import traceback

        sys.stderr.write(redact("".join(traceback.format_exception(kind, exc, tb))))

    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = excepthook


def add_filter(handlers: Iterable[logging.Handler] | None = None) -> None:
    """Put :data:`FILTER` on *handlers* (default: the root logger's)."""
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
