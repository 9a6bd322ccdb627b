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

import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from newsarchive.netpolicy import BlockedURLError, NetPolicy, ip_literal
from newsarchive.settings_helpers import load_json_setting
from newsarchive.urls import host_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings


class HostNotMappedError(Exception):
    """The host is not in ``NEWSARCHIVE_HOST_MAP`` while a map is in force.

    Not an :class:`OSError`, so it is not retried: the answer would not change.
    """


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
        mapping = load_json_setting(settings, "NEWSARCHIVE_HOST_MAP") or {}
        if not isinstance(mapping, dict):
            raise ValueError("NEWSARCHIVE_HOST_MAP must be a JSON object: host -> base URL")
        return cls({str(k): str(v) for k, v in mapping.items()})


class HostMapDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that honours ``NEWSARCHIVE_HOST_MAP`` and the network policy.

    Installed for both ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. Every
    request, redirect hops included, is first checked by
    :class:`~newsarchive.netpolicy.NetPolicy` (scheme, domain lists, private
    addresses in the URL or in the DNS answer); refused ones fail with
    :class:`~newsarchive.netpolicy.BlockedURLError` and are never sent. With an
    empty map and a public host it is Scrapy's HTTP/1.1 handler.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.host_map = HostMap.from_settings(crawler.settings)
        self.policy = NetPolicy.from_settings(crawler.settings)
        self._resolved: dict[tuple[str, int], list[str]] = {}

    async def download_request(self, request: Request) -> Response:
        reason = self.policy.check_url(request.url)
        if reason is not None:
            raise BlockedURLError(f"{request.url}: {reason}")
        if not self.host_map:
            await self._check_dns(request.url)
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

    async def _check_dns(self, url: str) -> None:
        """Refuse hosts whose DNS answer holds a non-public address."""
        if self.policy.allow_private:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ip_literal(host):
            return  # already checked by check_url
        key = (host, parts.port or (443 if parts.scheme == "https" else 80))
        addresses = self._resolved.get(key)
        if addresses is None:
            try:
                infos = await maybe_deferred_to_future(
                    deferToThread(socket.getaddrinfo, key[0], key[1], 0, socket.SOCK_STREAM)
                )
            except OSError:
                return  # let the real connection attempt fail and be retried/reported as usual
            addresses = self._resolved[key] = sorted({str(info[4][0]) for info in infos})
        reason = self.policy.check_addresses(host, addresses)
        if reason is not None:
            raise BlockedURLError(f"{url}: {reason}")
