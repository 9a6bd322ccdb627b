"""Which cited links may be fetched: a cited link is untrusted input.

Rules, applied to every request the download handler sees (so also to every
redirect hop, and after DNS resolution):

- only ``http`` and ``https``;
- never a private, loopback, link-local, multicast, reserved or unspecified
  address, whether written in the URL or answered by DNS, unless
  ``NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES`` is true; hosts served through
  ``NEWSARCHIVE_HOST_MAP`` are allowed (that is how the mirror and tests work);
- ``NEWSARCHIVE_SOURCE_DOMAINS_ALLOW`` / ``NEWSARCHIVE_SOURCE_DOMAINS_DENY``
  (lists of domains; a domain covers its subdomains) restrict cited sources;
  the aggregator host is always allowed.

A refused request fails with :class:`BlockedURLError`; the spider records
``origin_status = "blocked"``. DNS is checked when the handler connects; a
resolver that answers differently a moment later (DNS rebinding) is not covered.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

ALLOWED_SCHEMES = frozenset({"http", "https"})
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}$", re.IGNORECASE)


class BlockedURLError(Exception):
    """A URL the network policy refuses to fetch."""


def _parse_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address, also in the legacy spellings resolvers accept (``127.1``, ``0x7f.1``)."""
    address = address.strip("[]")
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(address):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(address))
        except OSError:
            return None
    return None


def is_public_ip(address: str) -> bool:
    """Whether *address* is a globally routable unicast address."""
    ip = _parse_ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def ip_literal(host: str) -> bool:
    return _parse_ip(host) is not None


def _in_domains(host: str, domains: frozenset[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class NetPolicy:
    allow_private: bool = False
    allow_domains: frozenset[str] = field(default_factory=frozenset)
    deny_domains: frozenset[str] = field(default_factory=frozenset)
    always_allowed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NetPolicy:
        def domains(name: str) -> frozenset[str]:
            return frozenset(d.lower().removeprefix("www.") for d in settings.getlist(name) if d)

        return cls(
            allow_private=settings.getbool("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES"),
            allow_domains=domains("NEWSARCHIVE_SOURCE_DOMAINS_ALLOW"),
            deny_domains=domains("NEWSARCHIVE_SOURCE_DOMAINS_DENY"),
            always_allowed=domains("NEWSARCHIVE_AGGREGATOR_HOSTS"),
        )

    def check_url(self, url: str) -> str | None:
        """Why *url* must not be fetched (before any DNS look-up), or ``None``."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return "malformed URL"
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
        if not host:
            return "no host"
        bare = host.removeprefix("www.")
        if _in_domains(bare, self.always_allowed):
            return None
        if _in_domains(bare, self.deny_domains):
            return f"domain {bare} is denied by NEWSARCHIVE_SOURCE_DOMAINS_DENY"
        if self.allow_domains and not _in_domains(bare, self.allow_domains):
            return f"domain {bare} is not in NEWSARCHIVE_SOURCE_DOMAINS_ALLOW"
        if ip_literal(host) and not self.allow_private and not is_public_ip(host):
            return f"address {host} is not public"
        return None

    def check_addresses(self, host: str, addresses: list[str]) -> str | None:
        """Why a host that resolved to *addresses* must not be fetched, or ``None``."""
        if self.allow_private:
            return None
        bad = [a for a in addresses if not is_public_ip(a)]
        if bad or not addresses:
            return f"{host} resolves to non-public address {', '.join(bad) or '(none)'}"
        return None
