"""Send requests for chosen hosts to local servers, keeping the real URLs.

``NEWSARCHIVE_HOST_MAP`` maps a host name to a base URL, e.g.
``{"icma.az": "http://127.0.0.1:8080"}``. A request for
``https://icma.az/news/x-1`` is downloaded from ``http://127.0.0.1:8080/news/x-1``
with ``Host: icma.az``, and the response handed back to Scrapy carries the real
URL again, so items, logs, the HTTP cache and WARC records only ever see
``https://icma.az/...``.

While a map is set, a host that is not in it fails like an unreachable site
(:class:`HostNotMappedError`), without a DNS look-up: tests and the offline demo
can never reach the network by accident.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings


class HostNotMappedError(ConnectionError):
    """The host is not in ``NEWSARCHIVE_HOST_MAP`` while a map is in force."""


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


def host_of(url: str) -> str:
    """Lower-case host name of *url*, without port."""
    return (urlsplit(url).hostname or "").lower()


class HostMap:
    """Host → local base URL; ``www.`` prefixes map like the bare host."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self._map: dict[str, tuple[str, str]] = {}
        for host, base in mapping.items():
            parts = urlsplit(base if "//" in base else f"http://{base}")
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError(f"NEWSARCHIVE_HOST_MAP[{host!r}]: not an http(s) base URL: {base!r}")
            self._map[host.lower().removeprefix("www.")] = (parts.scheme, parts.netloc)

    def __bool__(self) -> bool:
        return bool(self._map)

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and host.lower().removeprefix("www.") in self._map

    def target(self, url: str) -> str | None:
        """The local URL to download *url* from, or ``None`` when its host is not mapped."""
        parts = urlsplit(url)
        entry = self._map.get((parts.hostname or "").lower().removeprefix("www."))
        if entry is None:
            return None
        scheme, netloc = entry
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> HostMap:
        mapping = load_json_setting(settings, "NEWSARCHIVE_HOST_MAP", {}) or {}
        if not isinstance(mapping, dict):
            raise ValueError("NEWSARCHIVE_HOST_MAP must be a JSON object: host -> base URL")
        return cls({str(k): str(v) for k, v in mapping.items()})


class HostMapDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that honours ``NEWSARCHIVE_HOST_MAP``.

    Installed for both ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. With an
    empty map it is exactly Scrapy's HTTP/1.1 handler.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.host_map = HostMap.from_settings(crawler.settings)

    async def download_request(self, request: Request) -> Response:
        if not self.host_map:
            return await super().download_request(request)
        target = self.host_map.target(request.url)
        if target is None:
            raise HostNotMappedError(
                f"{host_of(request.url)!r} is not in NEWSARCHIVE_HOST_MAP (treated as unreachable)"
            )
        headers = request.headers.copy()
        headers[b"Host"] = urlsplit(request.url).netloc.encode("idna")
        local = request.replace(url=target, headers=headers)
        response = await super().download_request(local)
        return response.replace(url=request.url, request=request)
