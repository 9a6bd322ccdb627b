"""Bad input gets one clear line and exit status 2, before any request.

The commands call these checks in ``process_options``, before a crawler exists, so
nothing is fetched, opened or written when one fails. Each check raises
:class:`BadInput` with a one-line message; :func:`refuse` prints it as
``scrapy <command>: error: <message>`` on stderr and makes Scrapy exit with status 2
(no usage text, no traceback). Unknown ``-a`` names only warn: a spider may read
arguments these tables do not know.

What is checked:

- ``-s`` values against the type of the setting's default (project or Scrapy):
  JSON for dicts (``NEWSARCHIVE_HOST_MAP='{bad'``) and ``[``-lists, numbers,
  boolean words;
- ``-a`` values of the project's spiders: ``since`` (``YYYY-MM-DD``), ``lang``
  (``az``/``ru``/``all``), ``max_articles`` (an integer ≥ 1), ``follow_origins``
  (``1/0``, ``yes/no``, ``true/false``, ``on/off``), ``file`` (a readable file);
- the database URL (a known scheme, the driver installed);
- that every output folder of the run can be created and written;
- a replay source (an existing WARC file, or a folder holding some);
- a database to export (an SQLite file that exists: never create one).
"""

from __future__ import annotations

import gzip
import inspect
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES, default_settings

from newsarchive import secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from scrapy.settings import BaseSettings

BOOLEAN_WORDS = {"1": True, "0": False, "yes": True, "no": False, "true": True, "false": False,
                 "on": True, "off": False}
LANGS = ("az", "ru", "all")
#: ``-a`` names every spider takes (Scrapy's own, Scrapyd's job id).
GENERIC_ARGUMENTS = frozenset({"name", "_job"})


class BadInput(ValueError):
    """One line saying what is wrong with the command line or the configuration."""


def refuse(command: str, problem: BadInput | str) -> NoReturn:
    """Print ``scrapy <command>: error: <problem>`` (redacted) and exit with status 2."""
    print(f"scrapy {command}: error: {secrets.redact(str(problem))}", file=sys.stderr, flush=True)
    raise UsageError("", print_help=False)  # Scrapy turns this into exit status 2, printing nothing more


def warn(command: str, message: str) -> None:
    print(f"scrapy {command}: warning: {secrets.redact(message)}", file=sys.stderr, flush=True)


# -- -a spider arguments ---------------------------------------------------------------------------


def _since(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"-a since must be a date YYYY-MM-DD, got {value!r}") from None


def _lang(value: str) -> None:
    if value not in LANGS:
        raise BadInput(f"-a lang must be one of {', '.join(LANGS)}, got {value!r}")


def _max_articles(value: str) -> None:
    try:
        number = int(value.strip())
    except ValueError:
        raise BadInput(f"-a max_articles must be a whole number of at least 1, got {value!r}") from None
    if number < 1:
        raise BadInput(f"-a max_articles must be at least 1, got {value!r}")


def _boolean(name: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value.strip().lower() not in BOOLEAN_WORDS:
            raise BadInput(f"-a {name} must be one of {'/'.join(BOOLEAN_WORDS)}, got {value!r}")
    return check


def _file(value: str) -> None:
    path = Path(value)
    if not path.is_file() or not os.access(path, os.R_OK):
        raise BadInput(f"-a file: no readable file {value!r}")


#: Value checks by argument name (the same name means the same thing in every spider).
ARGUMENT_CHECKS: dict[str, Callable[[str], None]] = {
    "since": _since,
    "lang": _lang,
    "max_articles": _max_articles,
    "follow_origins": _boolean("follow_origins"),
    "file": _file,
}


def spider_argument_names(spidercls: type) -> frozenset[str] | None:
    """The keyword arguments a spider's ``__init__`` names (None: it takes any)."""
    try:
        parameters = inspect.signature(spidercls.__init__).parameters  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    names = {name for name, p in parameters.items()
             if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return frozenset(names)


def check_spider_arguments(spargs: Mapping[str, Any], spidercls: type | None) -> list[str]:
    """Raise :class:`BadInput` for a bad value; return warnings for names the spider does not know."""
    for name, value in spargs.items():
        check = ARGUMENT_CHECKS.get(name)
        if check is not None and isinstance(value, str):
            check(value)
    if spidercls is None:
        return []
    known = spider_argument_names(spidercls)
    if known is None:
        return []
    unknown = sorted(set(spargs) - known - GENERIC_ARGUMENTS)
    takes = ", ".join(sorted(known - {"name"})) or "none"
    return [f"unknown spider argument -a {name} (ignored; {spidercls.__name__} takes: {takes})" for name in unknown]


# -- -s settings -----------------------------------------------------------------------------------


def _project_default(name: str) -> Any:
    from newsarchive import settings as project

    if hasattr(project, name):
        return getattr(project, name)
    return getattr(default_settings, name, None)


def check_setting(settings: BaseSettings, name: str) -> None:
    """Raise :class:`BadInput` when *name*'s value cannot be read as the type of its default
    (with the getter the components use: ``getbool``, ``getint``, ``getfloat``, ``getdict``, JSON lists)."""
    value = settings.get(name)
    default = _project_default(name)
    if not isinstance(value, str) or default is None or isinstance(default, str):
        return
    text = value.strip()
    try:
        if isinstance(default, bool):
            settings.getbool(name)
        elif isinstance(default, int | float):  # some int settings are read with getfloat (DOWNLOAD_TIMEOUT)
            settings.getfloat(name)
        elif isinstance(default, dict):
            if text and not isinstance(json.loads(text), dict):
                raise ValueError("expected a JSON object")
        elif isinstance(default, list | tuple) and text.startswith("[") and not isinstance(json.loads(text), list):
            raise ValueError("expected a JSON array")
    except ValueError as exc:
        kind = {"bool": "boolean (True/False/1/0)", "int": "number", "float": "number",
                "dict": "JSON object", "list": "JSON array", "tuple": "JSON array"}[type(default).__name__]
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise BadInput(f"-s {name} must be a {kind}, got {shown!r} ({str(exc).splitlines()[0]})") from None


def check_settings(settings: BaseSettings) -> None:
    """Check every setting given on the command line (``-s``) and every ``NEWSARCHIVE_*`` setting."""
    for name in list(settings.attributes):
        if name.startswith("NEWSARCHIVE_") or (settings.getpriority(name) or 0) >= SETTINGS_PRIORITIES["cmdline"]:
            check_setting(settings, name)


# -- database, folders, replay -------------------------------------------------------------------------


def check_database_url(url: str) -> None:
    from newsarchive.archive.db import backend_for

    try:
        backend_for(url)
    except (ValueError, ImportError) as exc:
        raise BadInput(str(exc).replace("\n", " ")) from None


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases)."""
    if not url.lower().startswith("sqlite:"):
        return None
    return Path(unquote(urlsplit(url).path)[1:])


def check_writable(folder: str | Path, what: str) -> None:
    """Create *folder* if needed and write a file into it; :class:`BadInput` if that fails."""
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(f"{what} {str(path)!r} is not a writable folder ({reason})") from None


def output_folders(settings: BaseSettings) -> dict[str, str]:
    """The folders a crawl with these settings writes into, by what they hold."""
    folders = {"data folder (NEWSARCHIVE_DATA_DIR)": settings.get("NEWSARCHIVE_DATA_DIR") or "data"}
    if settings.get("LOG_FILE"):
        folders["log folder (LOG_FILE)"] = str(Path(settings.get("LOG_FILE")).parent)
    if settings.getbool("NEWSARCHIVE_WARC_ENABLED"):
        folders["WARC folder (NEWSARCHIVE_WARC_DIR)"] = settings.get("NEWSARCHIVE_WARC_DIR") or "data/warc"
    if settings.getbool("NEWSARCHIVE_REPORT_ENABLED"):
        folders["run report folder (NEWSARCHIVE_RUNS_DIR)"] = settings.get("NEWSARCHIVE_RUNS_DIR") or "data/runs"
    if settings.getbool("NEWSARCHIVE_INCREMENTAL") and not settings.get("NEWSARCHIVE_REDIS_URL"):
        state = settings.get("NEWSARCHIVE_STATE_PATH") or "data/state.sqlite3"
        folders["state folder (NEWSARCHIVE_STATE_PATH)"] = str(Path(state).parent)
    if settings.getbool("NEWSARCHIVE_DATABASE_ENABLED"):
        db = sqlite_path(settings.get("NEWSARCHIVE_DATABASE_URL") or "")
        if db is not None and str(db) != ":memory:":
            folders["database folder (NEWSARCHIVE_DATABASE_URL)"] = str(db.parent)
        spool = settings.get("NEWSARCHIVE_DATABASE_SPOOL")
        if spool:
            folders["spool folder (NEWSARCHIVE_DATABASE_SPOOL)"] = str(Path(spool).parent)
    return folders


def check_crawl(settings: BaseSettings) -> None:
    """Everything a crawl needs before it starts (settings, database URL, output folders)."""
    check_settings(settings)
    if settings.getbool("NEWSARCHIVE_DATABASE_ENABLED") and settings.get("NEWSARCHIVE_DATABASE_URL"):
        check_database_url(settings.get("NEWSARCHIVE_DATABASE_URL"))
    for what, folder in output_folders(settings).items():
        check_writable(folder, what)


def check_warc_source(source: str) -> None:
    """An existing WARC file, or a folder that holds ``*.warc``/``*.warc.gz`` files."""
    from newsarchive.archive.warc import warc_paths

    path = Path(source)
    if not path.exists():
        raise BadInput(f"no such WARC file or folder: {source!r}")
    paths = warc_paths(path)
    if not paths:
        raise BadInput(f"no .warc or .warc.gz files in the folder {source!r}")
    for warc in paths:
        try:
            with warc.open("rb") as fh:
                head = fh.read(2)
                fh.seek(0)
                start = gzip.GzipFile(fileobj=fh).read(8) if head == b"\x1f\x8b" else fh.read(8)
        except (OSError, EOFError) as exc:
            raise BadInput(f"{str(warc)!r} is not a readable WARC file ({exc})") from None
        if not start.startswith(b"WARC/"):
            raise BadInput(f"{str(warc)!r} is not a WARC file (it does not start with a WARC record)")


def check_database_exists(url: str) -> None:
    """For a command that reads a database: an SQLite URL must name an existing file."""
    check_database_url(url)
    path = sqlite_path(url)
    if path is not None and str(path) != ":memory:" and not path.is_file():
        raise BadInput(f"no database at {str(path)!r} (NEWSARCHIVE_DATABASE_URL or --database); nothing to export")

