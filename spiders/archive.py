"""`scrapy crawl archive -a site=example.com[,...]`: backfill a site's history from a web archive.

Lists the site's captures through the archive's CDX API (``CDX_URL``, the Internet
Archive's by default, or a pywb/OutbackCDX install) and fetches each wanted
capture's original bytes from the replay service (``ARCHIVE_URL``, in the ``id_``
form, so nothing is rewritten). ``-a from=YYYY[MM[DD]]`` and ``-a to=...`` bound the
capture dates, ``-a max_captures=N`` (``ARCHIVE_MAX_CAPTURES``) the captures fetched
per site; ``-a sources=FILE`` names the sites one per line (or a TOML sources file).

Which captures are fetched is decided from the CDX rows (``crawler/discovery/backfill.py``);
the CDX protocol and its two dialects are in ``crawler/discovery/cdx.py``. Each capture goes
to the pipelines as a ``FetchedPage`` with its original URL and the capture time as
``fetched_at``, so it is detected, extracted, deduplicated and versioned as a live
page of the same state store would be. The captures of one article are fetched one
at a time, oldest first: the next is requested when the previous one has left the
pipelines (Scrapy's item signals), so each changed text is the next version.

Every request goes to the archive's hosts, whose concurrency and delay are their own
(``ARCHIVE_CONCURRENCY``, ``ARCHIVE_DELAY``: a download slot per host); Scrapy's
retries, ``RetryBackoffMiddleware`` and ``RetryAfterMiddleware`` apply to them. The
archive's hosts are hosts the user configured: the address guard treats them as
start hosts (an intranet pywb is fine). robots.txt of the archive is not consulted:
its CDX API and replay service are there for programs.

The spider is the request flow of captures and continuation pages; its parts are in
``crawler/spider_parts/``: ``CdxListingReader`` reads each site's CDX listing and
``CaptureSequencer`` paces each article's captures through the pipelines.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler import signals as cleanwire_signals
from crawler.discovery.archive_arguments import (
    ARGUMENTS,
    BackfillArguments,
    check_archive_arguments,
    read_sites_file,
)
from crawler.discovery.backfill import SKIP_REASONS, CaptureSelector, article_key
from crawler.discovery.cdx import (
    DIALECTS,
    Capture,
    CdxListing,
    CdxQuery,
    SiteScope,
    memento_iso,
)
from crawler.items import FetchedPage
from crawler.net.urls import canonicalize
from crawler.runtime import preflight
from crawler.spider_parts.base import CleanwireSpider, header, names_other_type, usage_error
from crawler.spider_parts.capture_sequencer import (
    CAPTURE_PRIORITY,
    CaptureSequencer,
    archive_meta,
)
from crawler.spider_parts.cdx_listing import CdxListingReader, why_failed

__all__ = ["ARGUMENTS", "ArchiveSpider", "SiteBackfill", "read_sites_file"]

logger = logging.getLogger(__name__)


@dataclass
class SiteBackfill:
    """One asked site: its CDX listing, its capture decisions and its counts."""

    scope: SiteScope
    listing: CdxListing
    selector: CaptureSelector
    first_url: str = ""
    listing_done: bool = False
    cdx_problem: str | None = None
    fetched: int = 0
    failed: int = 0
    written: int = 0
    notes: list[str] = field(default_factory=list)


class ArchiveSpider(CleanwireSpider):
    """Lists the asked sites' captures in a web archive and fetches the wanted ones."""

    name = "archive"
    store_errors = (ImportError, ValueError)
    store_unavailable = "every capture is fetched"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in list(kwargs) if name in ARGUMENTS}
        unknown = [n for n in kwargs if n not in ("name", "start_urls")]
        for warning in preflight.unknown_arguments(self.name, unknown, ARGUMENTS):
            logger.warning("%s", warning)
        super().__init__(*args, **kwargs)
        problems = self.check_arguments(given)
        if problems:
            for problem in problems[:-1]:
                logger.error("%s", problem)
            usage_error(logger, problems[-1])
        arguments = BackfillArguments.parse(given)
        self.scopes: list[SiteScope] = arguments.scopes
        self.start_ts, self.end_ts = arguments.start_ts, arguments.end_ts
        self.max_captures_arg = arguments.max_captures
        self.sites: dict[str, SiteBackfill] = {}
        #: the archive's hosts: the address guard lets them through like start hosts
        self.start_hosts: list[str] = []
        self._continuations: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ arguments, settings
    @classmethod
    def check_arguments(cls, args: dict[str, Any]) -> list[str]:
        """Problems with the ``-a`` values, found before crawling (``scrapy crawl``)."""
        return check_archive_arguments(args)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The archive's hosts get their own download slots: ``ARCHIVE_CONCURRENCY``
        requests at once, ``ARCHIVE_DELAY`` seconds apart, whatever the crawl's
        per-site settings (AutoThrottle does not lower that delay: see the requests)."""
        super().update_settings(settings)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        own = {
            "concurrency": max(1, settings.getint("ARCHIVE_CONCURRENCY", 2)),
            "delay": max(0.0, settings.getfloat("ARCHIVE_DELAY", 1.0)),
            "jitter": 0.0,
        }
        for name in ("CDX_URL", "ARCHIVE_URL"):
            host = (urlsplit(str(settings.get(name) or "")).hostname or "").lower()
            if host:
                slots.setdefault(host, own)
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ArchiveSpider:
        spider: ArchiveSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        cdx_url = str(settings.get("CDX_URL") or "")
        spider.archive_url = str(settings.get("ARCHIVE_URL") or "")
        for name, url in (("CDX_URL", cdx_url), ("ARCHIVE_URL", spider.archive_url)):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                usage_error(
                    logger, f"-s {name}={url}: not an http(s) URL; give the archive's address"
                )
        dialect = str(settings.get("CDX_DIALECT") or "auto").strip().lower()
        if dialect not in DIALECTS:
            usage_error(logger, f"-s CDX_DIALECT={dialect}: use one of {', '.join(DIALECTS)}")
        spider.start_hosts = sorted(
            {(urlsplit(u).hostname or "").lower() for u in (cdx_url, spider.archive_url)}
        )
        spider.tracking_params = settings.getlist("TRACKING_PARAMS")
        spider._add_sites(cdx_url, dialect)
        spider.cdx = CdxListingReader(spider)
        spider.sequencer = CaptureSequencer(spider)
        return spider

    def _add_sites(self, cdx_url: str, dialect: str) -> None:
        """A listing and a capture selector for each asked site."""
        settings = self.crawler.settings
        budget = self.max_captures_arg or settings.getint("ARCHIVE_MAX_CAPTURES", 10000)
        for scope in self.scopes:
            query = CdxQuery(
                cdx_url,
                scope,
                self.start_ts,
                self.end_ts,
                limit=max(1, settings.getint("CDX_LIMIT", 5000)),
                page_size=settings.getint("CDX_PAGE_SIZE", 0),
            )
            selector = CaptureSelector(
                scope, self.start_ts, self.end_ts, budget, self._known, self.tracking_params
            )
            listing = CdxListing(query, dialect)
            self.sites[scope.name] = SiteBackfill(
                scope, listing, selector, first_url=listing.first().url
            )

    def start_sites(self) -> dict[str, str]:
        """The sites this run backfills, name -> first CDX request (``crawler/extensions/
        outcome.py``: a site whose CDX server cannot be reached failed)."""
        return {name: site.first_url for name, site in self.sites.items()}

    def _known(self, url: str) -> str | None:
        """``CaptureSelector``'s look-up: None when the store never emitted ``url``,
        else the time its stored version is known current at (``""``: unknown)."""
        state = self.emitted_articles.get(url, canonicalize(url, self.tracking_params))
        if state is None:
            return None
        return state.lastmod or ""

    # ------------------------------------------------ listing (CdxListingReader)
    async def start(self) -> AsyncIterator[Any]:
        for request in self.cdx.start_requests():
            yield request

    def parse_cdx(self, response: Response) -> Iterator[Request]:
        """One CDX answer: the wanted captures it lists, the next CDX page."""
        return self.cdx.parse(response)

    def cdx_failed(self, failure: Failure) -> None:
        """A CDX request that failed for good: the site's listing stops there."""
        self.cdx.failed(failure)

    # ------------------------------------------------------------------ captures
    def parse_capture(self, response: Response) -> Iterator[FetchedPage]:
        """A capture's original bytes: a page for the pipelines, at its original URL."""
        meta = response.meta
        site = self.sites[meta["site"]]
        site.fetched += 1
        self.count("archive/fetched")
        page = self._page(response, "archive")
        if page is None:
            self.sequencer.finished(meta)
            return
        self.count("discovery/pages/archive")
        yield page

    def _page(self, response: Response, source: str) -> FetchedPage | None:
        """The page a replay holds, at its original URL, dated by its capture; None (and
        ``skip/not_html``) when the archive holds something else than HTML there."""
        meta = response.meta
        content_type = header(response, "Content-Type")
        if names_other_type(content_type):
            self.count("skip/not_html")
            self.logger.debug("Capture %s is %s, not HTML", response.url, content_type)
            return None
        capture: Capture = meta["capture"]
        fetched_at = memento_iso(response.headers.get("Memento-Datetime")) or capture.captured_at
        return FetchedPage(
            url=meta["page_url"],
            html="",
            fetched_at=fetched_at,
            status=response.status,
            source=source,
            # the stored version is current as of the capture: a live crawl refetches
            # the article only when its sitemap or feed date is later
            hints={"lastmod": fetched_at} if source == "archive" else {},
            body=response.body,
            content_type=content_type,
        )

    def capture_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site = self.sites[request.meta["site"]]
        site.failed += 1
        self.count("archive/fetch_failed")
        self.logger.debug("Capture %s failed: %s", request.url, why_failed(failure))
        self.sequencer.finished(request.meta)

    # ------------------------------------------------------- multi-page articles
    def request_continuation(self, url: str, article_url: str) -> Request | None:
        """Fetch ``url``, a page the multipage pipeline needs to write the article at
        ``article_url`` whole (``pipelines/multipage.py``: a later page of a paged
        article, its page 1, an AMP copy's canonical page), from the archive as it was
        when the article's capture being processed was taken (the replay serves the
        capture nearest in time). None when no capture of that article is in flight,
        ``url`` is not on its site, or it was asked for already."""
        key = article_key(article_url, self.tracking_params)
        capture = self.sequencer.current.get(key)
        site = next((s for s in self.sites.values() if s.scope.contains(url)), None)
        if capture is None or site is None:
            return None
        wanted = Capture("", capture.timestamp, url)
        if (wanted.timestamp, url) in self._continuations:
            return None
        self._continuations.add((wanted.timestamp, url))
        self.count("archive/continuation_pages")
        request = Request(
            wanted.replay_url(self.archive_url),
            callback=self.parse_continuation,
            errback=self.continuation_failed,
            dont_filter=True,
            priority=CAPTURE_PRIORITY + 1,
            meta={
                "site": site.scope.name,
                "archive_site": site.scope.name,
                "capture": wanted,
                "page_url": url,
                "continues": key,
                **archive_meta(),
            },
        )
        return self.schedule(request)

    def parse_continuation(self, response: Response) -> Iterator[FetchedPage]:
        page = self._page(response, "multipage")
        if page is None:
            self._page_unavailable(response.meta["page_url"])
            return
        yield page

    def continuation_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.logger.debug("Page %s not in the archive: %s", request.url, why_failed(failure))
        self._page_unavailable(request.meta["page_url"])

    def _page_unavailable(self, url: str) -> None:
        signal = getattr(cleanwire_signals, "page_unavailable", None)
        if signal is not None:
            self.crawler.signals.send_catch_log(signal=signal, url=url)

    # ------------------------------------------------------------------ reports
    def closed(self, reason: str) -> None:
        """Log one summary line per site: captures listed, skipped by rule, fetched, written."""
        for name, site in self.sites.items():
            selector = site.selector
            skipped = Counter({r: selector.skipped[r] for r in SKIP_REASONS if selector.skipped[r]})
            reasons = ", ".join(f"{r}={n}" for r, n in skipped.most_common()) or "none"
            extra = "; ".join([*site.notes, *([site.cdx_problem] if site.cdx_problem else [])])
            self.logger.info(
                "Archive summary for %s: %d captures listed, %d skipped by rule (%s), "
                "%d fetched, %d failed, %d written%s",
                name,
                selector.listed,
                sum(skipped.values()),
                reasons,
                site.fetched,
                site.failed,
                site.written,
                f"; {extra}" if extra else "",
            )
