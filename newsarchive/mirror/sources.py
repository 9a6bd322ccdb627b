"""The cited source sites of the mirror (placeholder: every page is a 404 for now)."""

from __future__ import annotations

from newsarchive.mirror.content import MirrorSite
from newsarchive.mirror.server import MirrorRequest, Reply


class SourceApp:
    def __init__(self, site: MirrorSite, host: str) -> None:
        self.site = site
        self.host = host

    def handle(self, request: MirrorRequest) -> Reply | None:
        return None
