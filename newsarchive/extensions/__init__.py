"""Scrapy extensions: the end-of-run report (:mod:`.report`) and the terminal progress line (:mod:`.progress`)."""
