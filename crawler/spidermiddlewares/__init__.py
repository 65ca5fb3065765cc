"""Scrapy spider middlewares: the spider-trap filter."""
