"""``RetryBackoffMiddleware`` (540): waits exponentially longer before each retry
and counts requests that failed for good.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import CancelledError

from crawler import signals as cleanwire_signals
from crawler.downloadermiddlewares.refusals import count_skip
from crawler.net import safety
from crawler.runtime.outcome import UNREACHABLE, failure_reason

logger = logging.getLogger(__name__)


class RetryBackoffMiddleware:
    """Exponential backoff before retries; ``skip/failed`` once retries are exhausted.

    Sits below Scrapy's ``RetryMiddleware`` (550): a 5xx answer or a download
    error that reaches it was given up on; it says so with the ``download_failed``
    signal. A host that has not answered once in this run and whose request failed
    for good without an answer (DNS, connection refused, TLS, timeout) is
    unreachable: its other requests are tried once, without retries or backoff, until
    it answers (``retry/unreachable_host``), so a site that is down fails in seconds.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.maximum = settings.getfloat("RETRY_BACKOFF_MAX")
        self.failed_codes = {c for c in settings.getlist("RETRY_HTTP_CODES")}
        self.answered: set[str] = set()  # host:port that answered in this run
        self.unreachable: dict[str, str] = {}  # host:port -> why it did not answer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.unreachable and not request.meta.get("dont_retry"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("retry/unreachable_host")
            request.meta["dont_retry"] = True
            return
        delay = safety.backoff_delay(request.meta.get("retry_times", 0), self.base, self.maximum)
        # a 429/503's Retry-After (downloadermiddlewares/retry_after.py), when longer than the
        # backoff
        delay = max(delay, float(request.meta.pop("retry_after", 0.0) or 0.0))
        if delay > 0:
            logger.debug(
                "Retry %d of %s in %.1fs", request.meta.get("retry_times", 0), request.url, delay
            )
            await sleep(delay)

    def process_response(self, request: Request, response: Response) -> Response:
        netloc = urlparse_cached(request).netloc
        self.answered.add(netloc)
        self.unreachable.pop(netloc, None)
        if str(response.status) in self.failed_codes or response.status in self.failed_codes:
            count_skip(
                self.crawler, "failed", request.url, f"status {response.status}", logging.DEBUG
            )
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        if isinstance(exception, (DownloadCancelledError, CancelledError)):
            count_skip(self.crawler, "too_large", request.url, str(exception))
            return
        count_skip(
            self.crawler,
            "failed",
            request.url,
            f"{type(exception).__name__}: {exception}",
            logging.DEBUG,
        )
        reason = failure_reason(exception)
        netloc = urlparse_cached(request).netloc
        if reason in UNREACHABLE and netloc not in self.answered:
            self.unreachable.setdefault(netloc, reason)
        self.crawler.signals.send_catch_log(
            signal=cleanwire_signals.download_failed,
            request=request,
            exception=exception,
            reason=reason,
        )
