"""Scrapy extensions: early fork server, progress, GC, run outcome and report, WARC output."""
