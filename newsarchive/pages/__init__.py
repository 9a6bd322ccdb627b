"""Page objects: URL + HTML in, item out. Pure extraction (parsel/lxml only, never ``scrapy``)."""
