"""Reading NEWSARCHIVE_* settings the same way in every component (the values live in :mod:`newsarchive.settings`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def load_json_setting(settings: BaseSettings, name: str, default: Any) -> Any:
    """A setting given either as a Python value or as JSON text (``-s NAME='…'``)."""
    value = settings.get(name, default)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} must be JSON, got {value!r}: {exc}") from exc
    return value
