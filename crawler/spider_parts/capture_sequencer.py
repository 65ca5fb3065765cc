"""The archive spider's captures of one article, fetched one at a time, oldest first.

The next capture of an article is requested when the previous one has left the
pipelines (Scrapy's ``item_scraped``, ``item_dropped`` and ``item_error`` signals),
so each changed text is stored as the next version before the next is fetched. A
record the multipage pipeline holds for its article's other pages comes back later;
its capture is through only then. At ``spider_idle``, captures still waiting (a
signal that never came) are fetched rather than left behind. Which captures are
wanted, and their order, is decided by ``crawler/discovery/backfill.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

from crawler.discovery.backfill import CaptureQueue, article_key
from crawler.items import ArticleRecord

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.discovery.cdx import Capture
    from spiders.archive import ArchiveSpider, SiteBackfill

#: How the multipage pipeline's drops begin while it holds a page-1 record for its
#: other pages (the record, a later page kept for it): the record comes back later.
STILL_HELD = ("multipage/held", "skip/continuation_page")
#: Replays are taken before the next CDX page, so the queue holds about one page.
CAPTURE_PRIORITY = 10


def archive_meta() -> dict[str, Any]:
    """Request meta of every request to the archive: its robots.txt is not consulted
    (its CDX API and replay service are there for programs), its delay is its own."""
    return {"dont_obey_robotstxt": True, "autothrottle_dont_adjust_delay": True}


class CaptureSequencer:
    """Requests each article's wanted captures in turn, as the pipelines finish them."""

    def __init__(self, spider: ArchiveSpider) -> None:
        crawler = spider.crawler
        self.spider = spider
        self.queue: CaptureQueue[tuple[SiteBackfill, Capture, str]] = CaptureQueue()
        self.progress_every = crawler.settings.getint("ARCHIVE_PROGRESS_EVERY", 100)
        self.done = 0
        #: article -> its capture in flight (a paged article's later pages are taken
        #: from the archive as of that capture's time)
        self.current: dict[str, Capture] = {}
        #: article -> meta of its capture whose record the multipage pipeline holds
        self._held: dict[str, dict[str, Any]] = {}
        self._held_at_idle: set[str] = set()
        crawler.signals.connect(self._item_written, signal=signals.item_scraped)
        crawler.signals.connect(self._item_not_written, signal=signals.item_dropped)
        crawler.signals.connect(self._item_not_written, signal=signals.item_error)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    def add(self, site: SiteBackfill, capture: Capture, key: str, page_url: str) -> Request | None:
        """A wanted capture of the article ``key``: its request when none of the
        article's captures is in flight, else None (it waits its turn)."""
        if self.queue.add(key, (site, capture, page_url)):
            return self.request(site, capture, key, page_url)
        return None

    def request(self, site: SiteBackfill, capture: Capture, key: str, page_url: str) -> Request:
        """The request for a capture's original bytes, from the replay service."""
        self.current[key] = capture
        return Request(
            capture.replay_url(self.spider.archive_url),
            callback=self.spider.parse_capture,
            errback=self.spider.capture_failed,
            dont_filter=True,
            priority=CAPTURE_PRIORITY,
            meta={
                "site": site.scope.name,
                "archive_site": site.scope.name,
                "capture": capture,
                "article": key,
                "page_url": page_url,
                **archive_meta(),
            },
        )

    # ---------------------------------------------------- a capture is through
    def _item_written(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        meta = self._capture_meta(item, response)
        if meta is None:
            return
        site = self.spider.sites.get(meta["site"])
        if site is not None:
            site.written += 1
            self.spider.count("archive/written")
        self.finished(meta)

    def _item_not_written(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        exception = kwargs.get("exception")
        still_held = exception is not None and str(exception).startswith(STILL_HELD)
        if response is not None and "article" in response.meta and still_held:
            # held for its other pages: it comes back through the pipelines later
            self._held[response.meta["article"]] = response.meta
            return
        meta = self._capture_meta(item, response, still_held)
        if meta is not None:
            self.finished(meta)

    def _capture_meta(
        self, item: Any, response: Response | None, still_held: bool = False
    ) -> dict[str, Any] | None:
        """The meta of the capture an item came from: its response's; for a record the
        multipage pipeline held, the one kept when it was held (the record comes back
        with a later page's response, or with none)."""
        if response is not None and "article" in response.meta:
            return response.meta
        if not self._held or still_held:
            return None
        if response is not None and "continues" in response.meta:
            key = response.meta["continues"]
        elif isinstance(item, ArticleRecord):
            key = article_key(item.url, self.spider.tracking_params)
        else:
            return None
        return self._held.pop(key, None)

    def finished(self, meta: dict[str, Any]) -> None:
        """A capture is through (written, dropped, skipped or failed): its article's next
        capture may be fetched now."""
        if meta.get("archive_done"):
            return
        meta["archive_done"] = True
        self.done += 1
        key = meta["article"]
        self.current.pop(key, None)
        following = self.queue.done(key)
        if following is not None:
            site, capture, page_url = following
            self.spider.schedule(self.request(site, capture, key, page_url))
        if self.progress_every > 0 and self.done % self.progress_every == 0:
            self._log_progress()

    def _on_idle(self) -> None:
        """Captures still waiting when nothing is in flight (a signal that never came)
        are fetched now rather than left behind. A record the multipage pipeline holds
        comes back when it lets it go (at this idle); one still missing at the next idle
        never will, and its article goes on without it."""
        held = set(self._held)
        stale = held if held and held == self._held_at_idle else set()
        for key in stale:
            self.spider.count("archive/held_not_returned")
            self.finished(self._held.pop(key))
        self._held_at_idle = set(self._held)
        released = self.queue.release_all(keep=self._held)
        for key, (site, capture, page_url) in released:
            self.spider.count("archive/released_on_idle")
            self.spider.schedule(self.request(site, capture, key, page_url))
        if released or stale or self._held:
            raise DontCloseSpider

    def _log_progress(self) -> None:
        sites = self.spider.sites.values()
        selected = sum(s.selector.selected for s in sites)
        written = sum(s.written for s in sites)
        listing = sum(not s.listing_done for s in sites)
        self.spider.logger.info(
            "Archive progress: %d of %d captures done, %d left%s; %d records written",
            self.done,
            selected,
            selected - self.done,
            f" (listing still running for {listing} sites)" if listing else "",
            written,
        )
