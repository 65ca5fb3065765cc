"""A site's repeated download failures: the first logged, the rest counted, one line per site.

When a site is down, Scrapy logs every request that failed: the retry
middleware's "Gave up retrying <GET url>", the robots.txt middleware's "Error
downloading <GET url>" with a full traceback, the scraper's "Error downloading"
for a request without an errback, the HTTP error middleware's "Ignoring
response". ``SiteFailureLog`` puts a filter on those loggers: the first
``LOG_FAILURES_PER_SITE`` failures of each site (host and port) pass, without
the traceback of a network error (kept at ``LOG_LEVEL=DEBUG``); the others are
re-levelled to DEBUG and counted (``log/failures_not_logged``), and when the
spider closes one line per such site says how many were not logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost, DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from crawler.addons.quiet_startup import log_level, to_debug

logger = logging.getLogger(__name__)

#: logger name -> how its per-request failure messages start (``record.msg``, unformatted)
FAILURE_MESSAGES: dict[str, tuple[str, ...]] = {
    "scrapy.downloadermiddlewares.retry": ("Gave up retrying ",),
    "scrapy.downloadermiddlewares.robotstxt": ("Error downloading ",),
    "scrapy.core.scraper": ("Error downloading ",),
    "scrapy.spidermiddlewares.httperror": ("Ignoring response ",),
}

#: Failures of the network or the server, not of the code: their traceback says nothing.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    DNSLookupError,
    TwistedTimeoutError,
    OSError,
)

#: distinct failed URLs remembered per site (the count stops growing beyond it)
MAX_URLS_PER_SITE = 10_000


@dataclass
class SiteFailures:
    logged: int = 0
    not_logged: int = 0
    urls: set[str] = field(default_factory=set)

    def add_url(self, url: str) -> None:
        if len(self.urls) < MAX_URLS_PER_SITE:
            self.urls.add(url)


def failed_url(record: logging.LogRecord) -> str | None:
    """The URL a failure record is about: its ``request`` or ``response`` argument."""
    args = record.args
    if not isinstance(args, Mapping):
        return None
    for key in ("request", "response"):
        url = getattr(args.get(key), "url", None)
        if isinstance(url, str):
            return url
    return None


class FailureFilter(logging.Filter):
    """Lets the first ``per_site`` failure records of a site through, re-levels the rest
    to DEBUG and counts them; strips network errors' tracebacks unless ``keep_tracebacks``."""

    def __init__(
        self,
        prefixes: tuple[str, ...],
        sites: dict[str, SiteFailures],
        per_site: int,
        keep_tracebacks: bool,
        crawler: Crawler | None = None,
    ) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.sites = sites
        self.per_site = per_site
        self.keep_tracebacks = keep_tracebacks
        self.crawler = crawler

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG or not (
            isinstance(record.msg, str) and record.msg.startswith(self.prefixes)
        ):
            return True
        spider = getattr(record, "spider", None)
        if (
            self.crawler is not None
            and getattr(spider, "crawler", self.crawler) is not self.crawler
        ):
            return True  # another crawler of the same process: its own filter decides
        url = failed_url(record)
        if url is None:
            return True
        # host and port as written (one site per port), not crawler.net.urls.bare_host
        site = self.sites.setdefault(urlsplit(url).netloc.lower(), SiteFailures())
        site.add_url(url)
        if self.per_site and site.logged >= self.per_site:
            site.not_logged += 1
            to_debug(record)
            return True
        site.logged += 1
        if (
            not self.keep_tracebacks
            and record.exc_info
            and isinstance(record.exc_info[1], NETWORK_ERRORS)
        ):
            record.exc_info = None
            record.exc_text = None
        return True


class SiteFailureLog:
    """Installs ``FailureFilter`` on Scrapy's failure loggers for one crawl and, when
    the spider closes, logs one line per site whose failures were not all logged."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sites: dict[str, SiteFailures] = {}
        self.per_site = max(0, crawler.settings.getint("LOG_FAILURES_PER_SITE"))
        keep = log_level(crawler.settings) <= logging.DEBUG
        self.filters = {
            name: FailureFilter(prefixes, self.sites, self.per_site, keep, crawler)
            for name, prefixes in FAILURE_MESSAGES.items()
        }
        for name, f in self.filters.items():
            logging.getLogger(name).addFilter(f)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteFailureLog:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        for host, site in sorted(self.sites.items()):
            if not site.not_logged:
                continue
            self.crawler.stats.inc_value("log/failures_not_logged", site.not_logged)
            urls = len(site.urls)
            logger.warning(
                "%(site)s: %(more)d more download failure %(lines)s not logged "
                "(%(total)d in all, for %(urls)s; LOG_FAILURES_PER_SITE=%(limit)d)",
                {
                    "site": host,
                    "more": site.not_logged,
                    "lines": "line" if site.not_logged == 1 else "lines",
                    "total": site.logged + site.not_logged,
                    "urls": f"{urls}{'+' if urls >= MAX_URLS_PER_SITE else ''} "
                    + ("URL" if urls == 1 else "URLs"),
                    "limit": self.per_site,
                },
                extra={"spider": spider},
            )

    def engine_stopped(self) -> None:
        for name, f in self.filters.items():
            logging.getLogger(name).removeFilter(f)
