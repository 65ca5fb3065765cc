"""Scrapy extensions: run report, WARC archiving."""
