"""Project commands for ``scrapy`` (``COMMANDS_MODULE = "newsarchive.commands"``).

- ``scrapy crawl``: Scrapy's crawl; exit status 1 when a run monitor fails or the run report is missing.
- ``scrapy export-db``: re-export the article database as JSON lines.
- ``scrapy replay``: re-run a spider over archived WARC files, without the network.
"""
