"""Reading Scrapy responses the same way in every spider."""

from __future__ import annotations

import codecs
import logging
from typing import TYPE_CHECKING

from scrapy.http import TextResponse

from newsarchive.charset import page_text

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def response_text(response: Response, stats: StatsCollector | None = None) -> str:
    """The page's text, read right even when its charset label is wrong or missing ("" for non-text)."""
    if not isinstance(response, TextResponse):
        return ""
    text, encoding = page_text(response.body, response.encoding)
    if codecs.lookup(encoding).name != codecs.lookup(response.encoding).name:
        if stats is not None:
            stats.inc_value("newsarchive/extract/charset_corrected")
        logger.info("Charset of %(url)s is %(actual)s, not %(declared)s as labelled or guessed",
                    {"url": response.url, "actual": encoding, "declared": response.encoding})
    return text
