"""Archiving backends as plain classes, testable without a crawl.

- :mod:`~newsarchive.archive.warc`: WARC files (writer with rotation and CDXJ index; readers).
- :mod:`~newsarchive.archive.db`: the article database (SQLite or PostgreSQL), :class:`ArticleStore`.
- :mod:`~newsarchive.archive.spool`: JSON-lines spool for records the database could not take.
"""
