"""``Retry-After`` on 429 and 503 answers, honoured (``RETRY_AFTER_MAX`` caps it).

Scrapy's ``RetryMiddleware`` retries a 429 or 503 after our exponential backoff,
whatever the server asked. This middleware sits just below it (its
``process_response`` sees the answer first) and reads ``Retry-After``, in seconds
or as an HTTP date; ``RetryBackoffMiddleware`` then waits at least that long
before the retry. A server asking for more than ``RETRY_AFTER_MAX`` seconds gets
no retry: the page is skipped (``skip/retry_after_too_long``) and a later run
fetches it.
"""

from __future__ import annotations

import email.utils
import logging
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Answers whose Retry-After is honoured.
PUSH_BACK_STATUSES = frozenset({429, 503})


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait (delay-seconds or an HTTP date);
    None when it is absent or unreadable, 0 for a date in the past."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """Puts a 429/503 answer's ``Retry-After`` on the request its retry copies."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.maximum = crawler.settings.getfloat("RETRY_AFTER_MAX", 600.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in PUSH_BACK_STATUSES:
            return response
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None:
            return response
        stats = self.crawler.stats
        assert stats is not None
        if wait > self.maximum:
            stats.inc_value("skip/retry_after_too_long")
            logger.info(
                "skip/retry_after_too_long %s: asked to wait %.0f s (RETRY_AFTER_MAX %.0f)",
                request.url,
                wait,
                self.maximum,
            )
            raise IgnoreRequest(f"Retry-After {wait:.0f} s is over RETRY_AFTER_MAX")
        stats.inc_value("retry/retry_after")
        request.meta["retry_after"] = wait  # copied onto the retry by RetryMiddleware
        return response
