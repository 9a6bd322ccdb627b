"""Host → origin page class: a site profile when there is one, the generic page otherwise.

Like web-poet's rules, the most specific host wins: ``en.azertag.az`` uses the
``azertag.az`` profile unless it has its own entry; ``www.`` is ignored.
"""

from __future__ import annotations

from newsarchive.pages.generic import GenericArticlePage
from newsarchive.pages.sites.azertag_az import AzertagArticlePage
from newsarchive.urls import host_of

#: Host (without ``www.``) → page class. Add a profile module under ``pages/sites/`` and list it here.
PROFILES: dict[str, type[GenericArticlePage]] = {
    "azertag.az": AzertagArticlePage,
}


def page_for(url: str) -> type[GenericArticlePage]:
    """The page class for *url*: the profile of its host or of the nearest parent domain."""
    host = host_of(url)
    labels = host.split(".")
    for i in range(len(labels) - 1):
        profile = PROFILES.get(".".join(labels[i:]))
        if profile is not None:
            return profile
    return GenericArticlePage
