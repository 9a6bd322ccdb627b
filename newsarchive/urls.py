"""URL helpers shared by page objects, spiders and the network layer (pure, no Scrapy)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url


def host_of(url: str) -> str:
    """Host name of *url*: lower-case, without ``www.`` or a trailing dot; ``""`` when malformed.

    Never raises: a cited link is untrusted input (``http://[::1`` makes ``urlsplit`` raise).
    """
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".").removeprefix("www.")


#: Query parameters that only track a visit (campaigns, click ids, mail and analytics cookies):
#: they never select another page, so the archive key drops them. ``utm_*`` is matched by prefix.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "yclid", "msclkid", "twclid", "igshid", "ttclid", "wbraid", "gbraid",
    "_ga", "_gl", "_hsenc", "_hsmi", "mc_cid", "mc_eid", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
    "ref_src", "ref_url", "spm", "_openstat", "from_yandex",
})
TRACKING_PREFIXES = ("utm_",)
#: Hosts served only over https: an ``http://`` link to them names the same page.
HTTPS_HOSTS = frozenset({"icma.az"})


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """*url* without tracking parameters (:data:`TRACKING_PARAMS`, ``utm_*``) and without a fragment;
    the remaining query keeps its order and spelling. Never raises (a malformed URL comes back as it is)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query and not parts.fragment:
        return url
    kept = [pair for pair in parts.query.split("&") if pair and not is_tracking_param(pair.split("=", 1)[0])]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def fixed_scheme(url: str) -> str:
    """``http://`` becomes ``https://`` for :data:`HTTPS_HOSTS` (and their ``www.``)."""
    if url[:7].lower() == "http://" and host_of(url) in HTTPS_HOSTS:
        return "https://" + url[7:]
    return url


@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """One spelling per page, the archive's key: sorted query without tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, … :data:`TRACKING_PARAMS`), no fragment,
    lower-case host, no ``www.``, ``https`` for hosts that serve only that
    (:data:`HTTPS_HOSTS`: ``icma.az``).

    Memoised (bounded): the same sidebar and menu links come back on every article page.
    """
    url = canonicalize_url(strip_tracking(url), keep_fragments=False)
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return fixed_scheme(parts._replace(netloc=netloc).geturl())
