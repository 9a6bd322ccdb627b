"""Feed export helpers: the JSON-lines preset of ``FEEDS`` in settings.

The preset writes ``<NEWSARCHIVE_DATA_DIR>/<spider>-<UTC time>.jsonl`` (``.jsonl.gz``
when the environment has ``NEWSARCHIVE_FEED_GZIP=1``). ``-O file.jsonl`` /
``-o`` on the command line replace the preset, as in any Scrapy project.
"""

from __future__ import annotations

from typing import Any

import scrapy


def uri_params(params: dict[str, Any], spider: scrapy.Spider) -> dict[str, Any]:
    """Add ``%(data_dir)s`` (``NEWSARCHIVE_DATA_DIR``) to the feed URI parameters."""
    params["data_dir"] = str(spider.settings.get("NEWSARCHIVE_DATA_DIR") or "data").rstrip("/")
    return params


def preset(gzip: bool) -> dict[str, dict[str, Any]]:
    options: dict[str, Any] = {"format": "jsonlines", "encoding": "utf-8", "uri_params": "newsarchive.feeds.uri_params"}
    if gzip:
        options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
    return {f"%(data_dir)s/%(name)s-%(time)s.jsonl{'.gz' if gzip else ''}": options}
