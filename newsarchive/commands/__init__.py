"""Project commands for ``scrapy`` (``COMMANDS_MODULE = "newsarchive.commands"``).

- ``scrapy crawl``: Scrapy's crawl; exit status 1 when a run monitor fails or the run report is missing.
- ``scrapy export-db``: re-export the article database as JSON lines (an entry point, see
  :mod:`newsarchive.entry_points`; its functions are in ``export_db``).
- ``scrapy replay``: re-run a spider over archived WARC files, without the network.
"""
