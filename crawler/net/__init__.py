"""URLs and network safety (pure, no Scrapy): canonical URLs, address checks, WARC reading."""
