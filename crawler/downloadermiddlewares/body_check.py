"""``BodyCheckMiddleware`` (560): skips empty bodies, 204s and binary bodies
before any spider callback sees them.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.downloadermiddlewares.refusals import count_skip
from crawler.net import safety


class BodyCheckMiddleware:
    """Skips empty bodies, 204s and binary bodies (PDF, images, archives) served as pages."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyCheckMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not 200 <= response.status < 300:
            return response
        path = urlparse_cached(request).path
        if safety.is_empty_body(response.status, response.body):
            if path == "/robots.txt":  # an empty robots.txt is valid and allows everything
                return response
            count_skip(self.crawler, "empty_body", request.url, f"status {response.status}")
            raise IgnoreRequest("empty body")
        kind = safety.sniff_binary(response.body)
        if kind is None:
            return response
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if kind == "gzip" and "html" not in ctype:
            return response  # a gzipped sitemap (sitemap.xml.gz); discovery unpacks it
        count_skip(
            self.crawler, "binary_body", request.url, f"{kind} served as {ctype or 'no type'}"
        )
        raise IgnoreRequest(f"binary body ({kind})")
