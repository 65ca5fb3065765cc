"""Scrapy scheduler glue: Redis scheduler, spilling memory queue, on-disk dupefilter."""

#: Request meta key: a record held in this process waits for this request (a page of
#: its multi-page article, or its canonical page), so in a distributed crawl the worker
#: that scheduled it fetches it (``redis_scheduler.RedisScheduler``'s local queue).
LOCAL = "cleanwire_local"
