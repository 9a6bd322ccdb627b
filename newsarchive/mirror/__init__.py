"""An offline mirror of icma.az and the sites it cites, for the demo, tests and benchmarks.

- :mod:`~newsarchive.mirror.content`: the generated ground truth (pure).
- :mod:`~newsarchive.mirror.icma` / :mod:`~newsarchive.mirror.icma_pages`: the aggregator's pages.
- :mod:`~newsarchive.mirror.sources`: the cited source sites.
- :mod:`~newsarchive.mirror.server`: the HTTP server (``python -m newsarchive.mirror``).
- :mod:`~newsarchive.mirror.http`: the request and reply types the server and the site apps share.
"""

from newsarchive.mirror.content import MirrorArticle, MirrorConfig, MirrorSite
from newsarchive.mirror.server import (
    MirrorServer,
    crawl_argv,
    host_map,
    offline_settings,
    output_settings,
)

__all__ = [
    "MirrorArticle", "MirrorConfig", "MirrorServer", "MirrorSite",
    "crawl_argv", "host_map", "offline_settings", "output_settings",
]
