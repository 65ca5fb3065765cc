"""Scrapy downloader middlewares: address/redirect guards, body checks, retries, robots.txt."""
