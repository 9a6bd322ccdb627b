"""The mirror's HTTP value types: what a site app is asked (:class:`MirrorRequest`) and answers (:class:`Reply`).

Shared by the server (:mod:`~newsarchive.mirror.server`) and the site apps (:mod:`~newsarchive.mirror.icma`,
:mod:`~newsarchive.mirror.sources`), which therefore never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Reply:
    """What a site app answers for one request."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return self.body.encode("utf-8")


@dataclass(frozen=True)
class MirrorRequest:
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


class SiteApp(Protocol):
    def handle(self, request: MirrorRequest) -> Reply | None:
        """The reply for *request*, or ``None`` for 404."""


NOT_FOUND_PAGE = "<!doctype html><html><head><title>404</title></head><body><h1>Səhifə tapılmadı</h1></body></html>"
