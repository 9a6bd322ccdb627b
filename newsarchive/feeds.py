"""Feed export helpers: the JSON-lines preset of ``FEEDS`` in settings.

The preset writes ``<NEWSARCHIVE_DATA_DIR>/<spider>-<UTC time>.jsonl`` (``.jsonl.gz``
when the environment has ``NEWSARCHIVE_FEED_GZIP=1``). ``-O file.jsonl`` /
``-o`` on the command line replace the preset: Scrapy itself merges ``FEEDS`` into
the command-line feeds (``feed_process_params_from_cli``), so the project's
``crawl`` command drops the preset first (:func:`drop_preset`), and a run writes
one JSON-lines file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import scrapy

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

URI_PARAMS = "newsarchive.feeds.uri_params"


def uri_params(params: dict[str, Any], spider: scrapy.Spider) -> dict[str, Any]:
    """Add ``%(data_dir)s`` (``NEWSARCHIVE_DATA_DIR``) to the feed URI parameters."""
    params["data_dir"] = str(spider.settings.get("NEWSARCHIVE_DATA_DIR") or "data").rstrip("/")
    return params


def preset(gzip: bool) -> dict[str, dict[str, Any]]:
    options: dict[str, Any] = {"format": "jsonlines", "encoding": "utf-8", "uri_params": URI_PARAMS}
    if gzip:
        options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
    return {f"%(data_dir)s/%(name)s-%(time)s.jsonl{'.gz' if gzip else ''}": options}


def drop_preset(settings: BaseSettings) -> None:
    """Remove the preset's feed from ``FEEDS`` (call before Scrapy merges ``FEEDS`` with ``-o``/``-O``).

    Feeds a user added to ``FEEDS`` (``-s FEEDS=...``, another settings module) stay and are
    merged with the command-line ones, as Scrapy does.
    """
    feeds = {uri: options for uri, options in settings.getdict("FEEDS").items()
             if not (isinstance(options, dict) and options.get("uri_params") == URI_PARAMS)}
    settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "project")
