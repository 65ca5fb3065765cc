"""The run's outcome: which start sites failed and why, and the exit status it means.

Watches every final answer (``response_received``) and every request that failed for
good (``download_failed``, from ``RetryBackoffMiddleware``), per site. When the
spider closes it puts the outcome in the stats, before the run report reads them:

- ``run/start_sites``, ``run/sites_failed``, ``run/failed_site/<host>`` (the reason);
- ``run/exit_code`` and ``run/outcome`` (``crawler.runtime.outcome.OUTCOMES``), which
  ``scrapy crawl`` exits with (``crawler/commands/crawl.py``).

Output failures come from the JSONL writer's stats (``write/errors``,
``write/unmarked``). The spider names its start sites with ``start_sites()``
(host -> start URL); a spider without it (``warc``) has none.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import canonicalize_url

from crawler import signals as cleanwire_signals
from crawler.net.urls import bare_host
from crawler.runtime import outcome


def _site(request: Request) -> str:
    """The site a request belongs to: the spider's ``meta["site"]``, else its bare host."""
    return request.meta.get("site") or bare_host(urlparse_cached(request).hostname or "")


class RunOutcome:
    """Judges each start site and the run as a whole when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sites = outcome.SiteOutcomes()
        self._start_urls: set[str] | None = None  # canonical start URLs, for start pages
        self._known_sites = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOutcome:
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.download_failed, signal=cleanwire_signals.download_failed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _start_sites(self) -> dict[str, str]:
        start_sites = getattr(self.crawler.spider, "start_sites", None)
        return dict(start_sites()) if callable(start_sites) else {}

    def _is_start_page(self, request: Request) -> bool:
        start_sites = self._start_sites()
        if self._start_urls is None or len(start_sites) != self._known_sites:
            self._start_urls = {canonicalize_url(u) for u in start_sites.values()}
            self._known_sites = len(start_sites)
        urls = [*request.meta.get("redirect_urls", []), request.url]
        return any(canonicalize_url(u) in self._start_urls for u in urls)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if response.status < 400:
            self.sites.answered(_site(request))
        else:
            self.sites.response(_site(request), response.status, self._is_start_page(request))

    def download_failed(self, request: Request, exception: BaseException, reason: str) -> None:
        self.sites.failed(_site(request), reason, self._is_start_page(request))

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        start_sites = self._start_sites()
        failed = self.sites.failed_sites(start_sites)
        stats.set_value("run/start_sites", len(start_sites))
        stats.set_value("run/sites_failed", len(failed))
        for site, why in failed.items():
            stats.set_value(f"run/failed_site/{site}", why)
        stats.set_value("run/interrupted", reason == "shutdown")
        code = outcome.run_exit_status(stats.get_stats())
        stats.set_value("run/exit_code", code)
        stats.set_value("run/outcome", outcome.OUTCOMES.get(code, str(code)))
