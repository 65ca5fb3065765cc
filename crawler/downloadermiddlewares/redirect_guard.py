"""``RedirectGuardMiddleware`` (610): looks at a redirect's ``Location`` before
Scrapy's ``RedirectMiddleware`` follows it.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.downloadermiddlewares.refusals import count_skip, redirect_allowed, start_hosts
from crawler.net import safety


class RedirectGuardMiddleware:
    """Checks a 3xx ``Location`` before Scrapy's ``RedirectMiddleware`` follows it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.extra_hosts = [h.strip() for h in crawler.settings.getlist("ALLOWED_REDIRECT_HOSTS")]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        if request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        parts = urlsplit(target)
        if parts.scheme.lower() not in safety.ALLOWED_SCHEMES:
            count_skip(
                self.crawler, "bad_scheme", target, f"redirect from {request.url}", logging.WARNING
            )
            raise IgnoreRequest(f"redirect to scheme {parts.scheme!r}")
        if not redirect_allowed(
            parts.hostname or "", start_hosts(self.crawler.spider), self.extra_hosts
        ):
            count_skip(self.crawler, "offsite_redirect", target, f"redirect from {request.url}")
            raise IgnoreRequest(f"redirect to another host: {parts.hostname}")
        # The redirect request copies this meta: Scrapy's OffsiteMiddleware must let an
        # allowed host that is not in the spider's allowed_domains through.
        request.meta["allow_offsite"] = True
        return response
