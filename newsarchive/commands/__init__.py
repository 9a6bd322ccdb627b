"""Project commands for ``scrapy`` (``COMMANDS_MODULE = "newsarchive.commands"``).

- ``scrapy export-db``: re-export the article database as JSON lines.
"""
