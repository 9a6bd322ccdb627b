"""Reading NEWSARCHIVE_* settings the same way in every component.

Every default lives in :mod:`newsarchive.settings` and nowhere else: call sites read
``settings.getint(NAME)`` without a default of their own (``tests/test_settings_source.py`` checks
the whole tree). Code that builds settings outside ``scrapy crawl`` (tests, the mirror, tools) starts
from :func:`project_settings` or :func:`project_defaults`, so it reads the same defaults as a crawl
rather than Scrapy's ``None``/``0``/``False`` for an unknown name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings, Settings

PREFIX = "NEWSARCHIVE_"


def project_defaults() -> dict[str, Any]:
    """Every ``NEWSARCHIVE_*`` setting with its value in :mod:`newsarchive.settings` (a fresh copy)."""
    import copy

    import newsarchive.settings as module

    return {name: copy.deepcopy(value) for name, value in vars(module).items() if name.startswith(PREFIX)}


def project_settings(values: Mapping[str, Any] | None = None) -> Settings:
    """Scrapy settings as a crawl of this project sees them: :mod:`newsarchive.settings` at project
    priority, *values* over it (at ``cmdline`` priority, like ``-s``)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newsarchive.settings", priority="project")
    if values:
        settings.setdict(dict(values), priority="cmdline")
    return settings


def load_json_setting(settings: BaseSettings, name: str) -> Any:
    """A setting given either as a Python value or as JSON text (``-s NAME='…'``).

    Empty text (``-s NAME=``) or no value at all is the setting's value in :mod:`newsarchive.settings`.
    """
    value = settings.get(name)
    if value is None:
        return project_defaults().get(name)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return project_defaults().get(name)
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} must be JSON, got {value!r}: {exc}") from exc
    return value
