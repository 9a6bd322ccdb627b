"""URL helpers shared by page objects, spiders and the network layer (pure, no Scrapy)."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """Host name of *url*: lower-case, without ``www.`` or a trailing dot; ``""`` when malformed.

    Never raises: a cited link is untrusted input (``http://[::1`` makes ``urlsplit`` raise).
    """
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".").removeprefix("www.")
