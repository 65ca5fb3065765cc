"""Distributed crawling: several ``scrapy crawl news`` workers share one frontier in Redis.

The distribution itself is scrapy-redis (its Redis priority queue, request
serialisation and request-fingerprint dupefilter); ``crawler/scheduler/redis_scheduler.py``
adds what a crawl that must lose nothing needs on top of it (in-flight requests
that survive a dead worker, atomic dupefilter-and-push, retried Redis restarts,
idle workers that wait for start URLs pushed to ``<spider>:start_urls``).

``DistributedAddon`` (listed in ``ADDONS``) switches all this on when
``DISTRIBUTED`` is true or ``REDIS_URL`` is set. This module imports nothing
heavy: every ``scrapy`` command loads the add-on, and only distributed runs pay
for redis, scrapy-redis and the Redis state store (they load with the scheduler).
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings


def redis_url(settings: BaseSettings) -> str:
    """The frontier's Redis: ``REDIS_URL``, else a ``redis://`` ``STATE_URL``."""
    url = settings.get("REDIS_URL") or ""
    state = settings.get("STATE_URL") or ""
    if not url and state.startswith(("redis://", "rediss://", "unix://")):
        url = state
    if not url:
        raise ValueError(
            "DISTRIBUTED needs a Redis: set REDIS_URL=redis://host:port/db "
            "(or STATE_URL=redis://...)"
        )
    return url


class DistributedAddon:
    """Scrapy add-on: in distributed mode, use the shared Redis frontier and state."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not (settings.getbool("DISTRIBUTED") or settings.get("REDIS_URL")):
            return
        url = redis_url(settings)
        settings.set("DISTRIBUTED", True, priority="addon")
        settings.set("REDIS_URL", url, priority="addon")
        settings.set(
            "SCHEDULER", "crawler.scheduler.redis_scheduler.RedisScheduler", priority="addon"
        )
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority="addon")
        # One state store for every worker: the default local SQLite file would let
        # each machine emit the same article. A STATE_URL given on the command line is kept.
        state = str(settings.get("STATE_URL") or "")
        if (
            not state.startswith(("redis://", "rediss://", "unix://"))
            and (settings.getpriority("STATE_URL") or 0) <= SETTINGS_PRIORITIES["project"]
        ):
            settings.set("STATE_URL", url, priority="project")
