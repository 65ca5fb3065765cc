"""``Crawl-delay`` from robots.txt, honoured per site (``CRAWL_DELAY_MAX`` caps it).

Scrapy reads robots.txt rules but not its ``Crawl-delay``; AutoThrottle adapts each
site's delay to its latency and may go below what the site asked for. This
middleware learns each site's delay from Scrapy's ``robots_parsed`` signal and
spaces that site's requests at least that far apart, whatever AutoThrottle or the
per-site concurrency allow (AutoThrottle keeps working on top: it can only slow a
site down further). A delay above ``CRAWL_DELAY_MAX`` is applied at the cap, with
one warning per site.
"""

from __future__ import annotations

import logging
import time
from asyncio import sleep
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    """Spaces a site's requests by the ``Crawl-delay`` of its robots.txt."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        self.crawler = crawler
        self.maximum = settings.getfloat("CRAWL_DELAY_MAX", 30.0)
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        #: netloc -> seconds between two requests
        self.delays: dict[str, float] = {}
        #: netloc -> monotonic time the next request may start
        self.next_start: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        return middleware

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        crawl_delay = getattr(robotparser, "crawl_delay", None)
        if crawl_delay is None:
            return
        try:
            delay = crawl_delay(self.user_agent)
        except Exception:  # a parser without the notion, or a malformed value
            return
        if not delay or delay <= 0:
            return
        netloc = urlparse_cached(request).netloc
        stats = self.crawler.stats
        assert stats is not None
        if delay > self.maximum:
            logger.warning(
                "%s asks for a Crawl-delay of %.0f s; crawling it at CRAWL_DELAY_MAX (%.0f s)",
                netloc,
                delay,
                self.maximum,
            )
            stats.inc_value("robotstxt/crawl_delay_capped")
            delay = self.maximum
        self.delays[netloc] = float(delay)
        stats.inc_value("robotstxt/crawl_delay_sites")
        logger.debug("Crawl-delay of %s: %.1f s", netloc, delay)

    async def process_request(self, request: Request) -> None:
        if not self.delays:
            return
        netloc = urlparse_cached(request).netloc
        delay = self.delays.get(netloc)
        if delay is None:
            return
        now = time.monotonic()
        start = max(now, self.next_start.get(netloc, now))
        self.next_start[netloc] = start + delay  # the next request's turn
        if start > now:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("robotstxt/crawl_delay_waits")
            await sleep(start - now)
