"""Resolving a citation to its original article, as pure functions.

- :mod:`~newsarchive.origin.listing`: candidates from a source's RSS/Atom feeds,
  sitemaps (Google News, indexes) and HTML listing pages;
- :mod:`~newsarchive.origin.match`: pick the candidate whose title matches the
  aggregator's headline (home-page-only citations);
- :mod:`~newsarchive.origin.similarity`: how much of the aggregator body is the
  original's text.

The spider that fetches the lists is :mod:`spiders.origins`.
"""
