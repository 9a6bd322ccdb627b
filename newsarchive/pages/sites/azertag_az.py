"""azertag.az: plain HTML (no JSON-LD, no OpenGraph), datelines without a year.

What the generic page gets wrong here:

- the body starts with the agency dateline ``Bakı, 23 oktyabr, AZƏRTAC`` glued
  to the first paragraph: it is stripped;
- the date: the only full date is visible text, ``23.10.2025 [09:32]`` under the
  headline, while the header shows today's date and the related box other
  articles' dates. ``published_at_raw`` is that visible string.
"""

from __future__ import annotations

import re

from newsarchive.pages.generic import GenericArticlePage

#: Where the article's date is printed (class first; the generic "first date after
#: the headline" search is the structural fallback).
DATE_XPATHS = ("//*[contains(concat(' ', normalize-space(@class), ' '), ' news-date ')]",)
#: The dateline that opens the first paragraph: ``<City>, <day> <month>, AZƏRTAC``
#: (also ``(AZƏRTAC)``, ``/AZƏRTAC/``, English ``AZERTAC``), with its trailing punctuation.
DATELINE = re.compile(
    r"^\s*[^\W\d][\w .'-]{0,40},\s*\d{1,2}\s+[^\W\d]+,?\s*[(/]?\s*(?:AZƏRTAC|AZERTAC)\s*[)/]?\s*[.:–—-]?\s*",
    re.IGNORECASE,
)


PROFILE = "profile:azertag.az"


class AzertagArticlePage(GenericArticlePage):
    def paragraphs(self) -> list[str]:
        paragraphs = super().paragraphs()
        if paragraphs:
            first = DATELINE.sub("", paragraphs[0], count=1)
            if first != paragraphs[0]:
                self.note("body", PROFILE)
            paragraphs = ([first] if first else []) + paragraphs[1:]
        return paragraphs

    def published_at_raw(self) -> str | None:
        for xpath in DATE_XPATHS:
            found = self.visible_date(xpath)
            if found:
                self.note("published_at", PROFILE)
                return found
        return super().published_at_raw()
