"""``SharedRobotsTxtMiddleware`` (100, replaces Scrapy's ``RobotsTxtMiddleware``): one
robots.txt download per site, shared with the spider, read as RFC 9309 says.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawler import internals

logger = logging.getLogger(__name__)


#: Redirects followed to a site's robots.txt (RFC 9309 2.3.1.2).
ROBOTS_MAX_REDIRECTS = 5
#: The rules of a site whose robots.txt cannot be read.
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class SharedRobotsTxtMiddleware(internals.robots_txt_middleware()):  # type: ignore[misc]
    """Scrapy's robots.txt middleware, whose one download of a site's robots.txt also
    answers the spider's own read of it (for its ``Sitemap:`` lines).

    Without this, a site's robots.txt is fetched twice per run: once by the
    middleware for its rules, once by the spider. The spider marks its request
    with ``meta["robots_shared"]``; such a request waits for the middleware's copy
    (downloading it if nobody has yet) and gets that response instead of a second
    download (``robotstxt/shared``). When the middleware's download failed, the
    spider's request goes to the site itself, as before.
    """

    #: Largest robots.txt kept for the spider (Google reads the first 500 KiB).
    MAX_BODY = 512 * 1024

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._responses: dict[str, Response] = {}

    async def process_request(self, request: Request) -> Response | None:  # type: ignore[override]
        if request.meta.get("robots_shared") or (
            request.meta.get("dont_obey_robotstxt") and request.callback is NO_CALLBACK
        ):
            # a robots.txt download: RFC 9309 follows at most five redirects, then takes
            # the file as unavailable (no rules)
            request.meta.setdefault("redirect_ttl", ROBOTS_MAX_REDIRECTS)
        if not request.meta.get("robots_shared"):
            await super().process_request(request)
            return None
        await self.robot_parser(request)  # the one download (or the one in flight)
        response = self._responses.get(urlparse_cached(request).netloc)
        if response is None:
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("robotstxt/shared")
        return response.replace(url=request.url, request=request)

    async def robot_parser(self, request: Request) -> Any:
        """The site's parser. Scrapy's own gives it only to the first request that
        waited for the download: every later waiter on the same Deferred receives
        the previous callback's return value (None, "no rules"), so a site's first
        sitemap and start page requests were fetched whatever robots.txt said."""
        parser = await super().robot_parser(request)
        if parser is None:
            current = internals.robots_parsers(self).get(urlparse_cached(request).netloc)
            if current is not None and not isinstance(current, Deferred):
                return current
        return parser

    async def parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        """RFC 9309: a robots.txt answered with a server error is "unreachable", and
        the site is complete disallow until it can be read; 4xx allows everything;
        only the first ``MAX_BODY`` bytes of rules are read."""
        if response.status >= 500:
            self._unreachable(netloc, f"robots.txt answered {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        elif len(response.body) > self.MAX_BODY:
            response = response.replace(body=response.body[: self.MAX_BODY])
        await super().parse_robots(response, netloc, request)

    def robots_error(self, exc: Exception, netloc: str) -> None:
        """A robots.txt that could not be downloaded (DNS, refused, TLS, timeout) makes
        the site complete disallow for this run (RFC 9309 2.3.1.4), not allow-all."""
        if isinstance(exc, IgnoreRequest):
            super().robots_error(exc, netloc)
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"robots.txt unreachable ({type(exc).__name__})")
        parser = build_from_crawler(internals.robots_parser_class(self), self.crawler, DISALLOW_ALL)
        parsers = internals.robots_parsers(self)
        pending = parsers[netloc]
        parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def _unreachable(self, netloc: str, why: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("robotstxt/unreachable")
        logger.warning("%s: %s; nothing of the site is fetched this run (RFC 9309)", netloc, why)

    def process_response(self, request: Request, response: Response) -> Response:
        """Keep the middleware's own robots.txt response (after redirects) for the spider."""
        if request.meta.get("dont_obey_robotstxt") and request.callback is NO_CALLBACK:
            first = urlsplit(request.meta.get("redirect_urls", [request.url])[0])
            if first.path == "/robots.txt" and len(response.body) <= self.MAX_BODY:
                self._responses[first.netloc] = response
        return response
