"""Parts the spiders are built from (Scrapy glue): each does one job of a spider.

They build requests, read responses, count decisions in the crawler's stats and
send its signals; the decisions themselves are pure logic in ``crawler/discovery/``.
``base.py`` is what the news and archive spiders share; the news spider's site
discovery, page items, dry-run report and distributed coordination, and the
archive spider's capture sequencing, each have a module.
"""
