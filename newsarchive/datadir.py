"""One data folder means one archive: ``NEWSARCHIVE_DATA_DIR`` moves every default path.

``newsarchive/settings.py`` computes the default paths from the environment
variable ``NEWSARCHIVE_DATA_DIR`` (or ``data``) when it is imported, before any
``-s`` is known. :func:`resolve` moves the paths that still hold those defaults
under the folder the settings name now, so ``-s NEWSARCHIVE_DATA_DIR=X`` (or the
setting in a spider, or Scrapyd's ``setting=``) moves the feed, the WARC files,
the database, the incremental state, the spool and dead-letter files (which
:mod:`pipelines.database` derives from the setting at run time) and the run
reports, exactly as the environment variable does. A path given explicitly
(``-s``, a spider's ``custom_settings``, the environment variable
``NEWSARCHIVE_DATABASE_URL``) differs from the default and is kept: explicit
per-path settings win. Logs have no default file (Scrapy logs to stderr); a
``LOG_FILE`` may name the folder as ``{data_dir}`` (or ``%(data_dir)s``), put in by
the project's commands, which also create the log file's folder.

:class:`DataDirAddon` (in ``ADDONS``) runs :func:`resolve` for every crawler,
whatever command made it; the commands also run it before their input checks.
It also registers the run's secrets (:func:`newsarchive.secrets.install`), now
that the ``-s`` values are known.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES

from newsarchive import secrets

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Path settings with a default under the data folder, as templates of that folder.
PATH_TEMPLATES = {
    "NEWSARCHIVE_STATE_PATH": "{data}/state.sqlite3",
    "NEWSARCHIVE_WARC_DIR": "{data}/warc",
    "NEWSARCHIVE_DATABASE_URL": "sqlite:///{data}/newsarchive.sqlite3",
    "NEWSARCHIVE_RUNS_DIR": "{data}/runs",
}


def env_data_dir() -> str:
    """The data folder ``settings.py`` computed its defaults from."""
    return os.environ.get("NEWSARCHIVE_DATA_DIR", "data").rstrip("/") or "data"


def data_dir(settings: BaseSettings) -> str:
    return str(settings.get("NEWSARCHIVE_DATA_DIR") or "data").rstrip("/") or "data"


def resolve(settings: BaseSettings) -> dict[str, str]:
    """Move the default paths under ``NEWSARCHIVE_DATA_DIR``; return what changed (name -> new value).

    A setting is moved only when it still holds the default computed from the environment's
    folder and was not given at a priority above the project's (``-s``, spider settings).
    """
    folder = data_dir(settings)
    base = env_data_dir()
    changed: dict[str, str] = {}
    if folder == base:
        return changed
    for name, template in PATH_TEMPLATES.items():
        priority = settings.getpriority(name)
        if priority is not None and priority > SETTINGS_PRIORITIES["project"]:
            continue
        if settings.get(name) != template.format(data=base):
            continue
        value = template.format(data=folder)
        settings.set(name, value, priority=priority if priority is not None else "project")
        changed[name] = value
    return changed


#: How a ``LOG_FILE`` names the data folder (``{data_dir}`` also works in a crontab, where ``%`` is special).
LOG_FILE_PLACEHOLDERS = ("%(data_dir)s", "{data_dir}")


def expand_log_file(settings: BaseSettings) -> None:
    """``LOG_FILE`` with the data folder put in (``-s LOG_FILE={data_dir}/logs/icma.log``)."""
    log_file = settings.get("LOG_FILE")
    if not isinstance(log_file, str) or not any(p in log_file for p in LOG_FILE_PLACEHOLDERS):
        return
    for placeholder in LOG_FILE_PLACEHOLDERS:
        log_file = log_file.replace(placeholder, data_dir(settings))
    settings.set("LOG_FILE", log_file, priority=settings.getpriority("LOG_FILE") or "cmdline")


class DataDirAddon:
    """Apply :func:`resolve` (and register the secrets of ``-s``) for every crawler."""

    def update_settings(self, settings: BaseSettings) -> None:
        secrets.install(settings)
        resolve(settings)
