"""Scrapy scheduler glue: Redis scheduler, spilling memory queue, on-disk dupefilter."""
