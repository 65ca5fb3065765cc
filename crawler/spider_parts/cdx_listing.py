"""The archive spider's listing of each asked site's captures, page by CDX page.

Every capture a CDX page lists is decided on at once (``CaptureSelector``: fetched,
or skipped by rule, counted as ``archive/skipped/<rule>``); the wanted ones go to
the ``CaptureSequencer``. The next CDX page is requested while the capture budget
lasts. A CDX server that fails or answers unreadably stops its site's listing and
tells the run outcome. The CDX protocol and its dialects are
``crawler/discovery/cdx.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import signals as cleanwire_signals
from crawler.discovery.cdx import CdxError, timestamp_iso
from crawler.runtime.outcome import failure_reason
from crawler.spider_parts.capture_sequencer import archive_meta

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.discovery.cdx import Capture, CdxRequest
    from spiders.archive import ArchiveSpider, SiteBackfill

#: CDX pages wait behind replays (``CAPTURE_PRIORITY``): the queue holds about one page.
CDX_PRIORITY = -10


def why_failed(failure: Failure) -> str:
    """A failed request's reason, for a log line: ``HTTP <status>`` or the error's."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return failure_reason(failure.value)


class CdxListingReader:
    """Requests each site's CDX pages in turn and decides on every capture they list."""

    def __init__(self, spider: ArchiveSpider) -> None:
        self.spider = spider
        self.timeout = spider.crawler.settings.getfloat("CDX_TIMEOUT", 120.0)

    def start_requests(self) -> Iterator[Request]:
        """The first CDX page of every site, each announced with one INFO line."""
        spider = self.spider
        span = " ".join(
            part
            for part in (
                f"from {timestamp_iso(spider.start_ts)}" if spider.start_ts else "",
                f"to {timestamp_iso(spider.end_ts)}" if spider.end_ts else "",
            )
            if part
        )
        for name, site in spider.sites.items():
            spider.logger.info(
                "Listing the captures of %s%s (CDX %s, dialect %s)",
                name,
                f" {span}" if span else "",
                site.listing.query.endpoint,
                site.listing.setting,
            )
            yield self.request(site, site.listing.first())

    def request(self, site: SiteBackfill, cdx: CdxRequest) -> Request:
        return Request(
            cdx.url,
            callback=self.spider.parse_cdx,
            errback=self.spider.cdx_failed,
            dont_filter=True,
            priority=CDX_PRIORITY,
            # no "site": a CDX answer alone does not make the site answered (the run
            # outcome): its listing must be readable, and a capture it wants fetched
            meta={
                "archive_site": site.scope.name,
                "cdx": cdx,
                "download_timeout": self.timeout,
                **archive_meta(),
            },
        )

    def parse(self, response: Response) -> Iterator[Request]:
        """One CDX answer: decide on every capture it lists, request the next page."""
        spider = self.spider
        site = spider.sites[response.meta["archive_site"]]
        known_dialect = site.listing.dialect
        try:
            captures, following = site.listing.answer(response.meta["cdx"], response.body)
        except CdxError as exc:
            self._unreadable(site, response, exc)
            return
        spider.count("archive/cdx_pages")
        if site.listing.dialect and site.listing.dialect != known_dialect:
            spider.count(f"archive/dialect/{site.listing.dialect}")
            spider.logger.info(
                "The CDX server answers in the %s dialect (%s)",
                site.listing.dialect,
                site.scope.name,
            )
        yield from self._select(site, captures)
        if following is not None and not site.selector.exhausted:
            yield self.request(site, following)
            return
        self._done(site, following)

    def _select(self, site: SiteBackfill, captures: list[Capture]) -> Iterator[Request]:
        """Fetch or skip (counted, by rule) each capture a CDX page lists."""
        spider = self.spider
        for capture in captures:
            spider.count("archive/captures_listed")
            decision = site.selector.decide(capture)
            if decision.skip is not None:
                spider.count(f"archive/skipped/{decision.skip}")
                spider.logger.debug(
                    "Capture %s of %s skipped (%s)",
                    capture.timestamp,
                    capture.original,
                    decision.skip,
                )
                continue
            spider.count("archive/captures_selected")
            request = spider.sequencer.add(site, capture, decision.key, decision.page_url)
            if request is not None:
                yield request

    def _done(self, site: SiteBackfill, following: CdxRequest | None) -> None:
        """The site's listing is over: all listed, maybe cut short by the server, or
        the capture budget reached (``following`` is the CDX page not requested)."""
        spider = self.spider
        site.listing_done = True
        if site.listing.maybe_cut:
            spider.count("archive/cdx_maybe_cut")
            site.notes.append("listing maybe cut at CDX_LIMIT")
            spider.logger.warning(
                "%s: the CDX server gave CDX_LIMIT=%d captures and no resumeKey: its "
                "listing may be cut short; raise CDX_LIMIT or list by date ranges",
                site.scope.name,
                site.listing.query.limit,
            )
        if following is not None:
            spider.count("archive/budget_reached")
            site.notes.append(f"max_captures={site.selector.budget} reached")
            spider.logger.info(
                "%s: max_captures=%d reached; its further captures are not listed",
                site.scope.name,
                site.selector.budget,
            )
        spider.logger.info(
            "%s: listing done, %d captures listed, %d to fetch",
            site.scope.name,
            site.selector.listed,
            site.selector.selected,
        )

    def _unreadable(self, site: SiteBackfill, response: Response, exc: CdxError) -> None:
        """A CDX answer that cannot be read: the site's listing stops there."""
        self.spider.count("archive/cdx_unreadable")
        site.cdx_problem = f"unreadable CDX answer: {exc}"
        site.listing_done = True
        self._site_failed(response.request, "unreadable CDX answer", exc)
        self.spider.logger.error(
            "%s: the CDX answer of %s cannot be read (%s); listing stopped",
            site.scope.name,
            response.url,
            exc,
        )

    def failed(self, failure: Failure) -> None:
        """A CDX request that failed for good: the site's listing stops there."""
        request = failure.request  # type: ignore[attr-defined]
        site = self.spider.sites[request.meta["archive_site"]]
        site.listing_done = True
        self.spider.count("archive/cdx_failed")
        why = why_failed(failure)
        site.cdx_problem = f"CDX request failed: {why}"
        self._site_failed(request, why, failure.value)
        self.spider.logger.warning(
            "%s: the CDX server did not answer %s (%s); listing stopped",
            site.scope.name,
            request.url,
            why,
        )

    def _site_failed(self, request: Request | None, why: str, exception: BaseException) -> None:
        """Tell the run outcome (``crawler/extensions/outcome.py``) that a request of the
        site failed: a site none of whose requests succeeded is a failed site."""
        if request is None:
            return
        attributed = request.replace(meta={**request.meta, "site": request.meta["archive_site"]})
        self.spider.crawler.signals.send_catch_log(
            signal=cleanwire_signals.download_failed,
            request=attributed,
            exception=exception,
            reason=why,
        )
