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
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals as cleanwire_signals
from crawler.discovery.backfill import SKIP_REASONS, CaptureQueue, CaptureSelector, article_key
from crawler.discovery.cdx import (
    DIALECTS,
    Capture,
    CdxError,
    CdxListing,
    CdxQuery,
    CdxRequest,
    SiteScope,
    memento_iso,
    parse_bound,
    timestamp_iso,
)
from crawler.items import ArticleRecord, FetchedPage
from crawler.net.urls import canonicalize
from crawler.runtime import preflight
from crawler.runtime.outcome import failure_reason

logger = logging.getLogger(__name__)

#: The ``-a`` arguments the spider takes.
ARGUMENTS = ("site", "sources", "from", "to", "max_captures")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")
#: How the multipage pipeline's drops begin while it holds a page-1 record for its
#: other pages (the record, a later page kept for it): the record comes back later.
STILL_HELD = ("multipage/held", "skip/continuation_page")
#: Replays are taken before the next CDX page, so the queue holds about one page.
_CAPTURE_PRIORITY = 10
_CDX_PRIORITY = -10


def _usage_error(message: str) -> None:
    """Stop ``scrapy crawl`` with one clear ERROR line and exit status 2, no traceback."""
    logger.error(message)
    raise SystemExit(2)


def read_sites_file(path: str) -> list[str]:
    """The sites a ``-a sources`` file names: one per line (``#`` starts a comment),
    or each site's first start (or sitemap, or feed) URL in a TOML sources file
    (``crawler/discovery/sources.py``)."""
    if path.endswith(".toml"):
        from crawler.discovery.sources import load_sources

        sources = load_sources(path)
        return [
            [*s.start, *s.sitemaps, *s.feeds][0]
            for s in sources
            if s.start or s.sitemaps or s.feeds
        ]
    text = Path(path).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _bounds(args: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """The ``from``/``to`` timestamps and the problems with them."""
    problems: list[str] = []
    bounds: list[str | None] = []
    for name, upper in (("from", False), ("to", True)):
        value = str(args.get(name) or "").strip()
        if not value:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_bound(value, upper))
        except ValueError as exc:
            problems.append(f"-a {name}={value}: {exc}, e.g. -a {name}=2019 or {name}=20190315")
            bounds.append(None)
    start, end = bounds
    if start and end and start > end:
        problems.append(f"-a from={args.get('from')} is after -a to={args.get('to')}; swap them")
    return start, end, problems


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


class ArchiveSpider(Spider):
    """Lists the asked sites' captures in a web archive and fetches the wanted ones."""

    name = "archive"

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
            _usage_error(problems[-1])
        values: list[str] = [v for v in str(given.get("site") or "").split(",") if v.strip()]
        if given.get("sources"):
            values += read_sites_file(str(given["sources"]))
        scopes = {s.name: s for s in (SiteScope.parse(v) for v in values)}
        self.scopes: list[SiteScope] = list(scopes.values())
        self.start_ts, self.end_ts, _ = _bounds(given)
        max_captures = str(given.get("max_captures") or "").strip()
        self.max_captures_arg = int(max_captures) if max_captures else None
        self.sites: dict[str, SiteBackfill] = {}
        self.queue: CaptureQueue[tuple[SiteBackfill, Capture, str]] = CaptureQueue()
        #: the archive's hosts: the address guard lets them through like start hosts
        self.start_hosts: list[str] = []
        self._store: Any = None
        self._store_failed = False
        self._done = 0
        #: article -> its capture in flight (a paged article's later pages are taken
        #: from the archive as of that capture's time)
        self._current: dict[str, Capture] = {}
        self._continuations: set[tuple[str, str]] = set()
        #: article -> meta of its capture whose record the multipage pipeline holds
        self._held: dict[str, dict[str, Any]] = {}
        self._held_at_idle: set[str] = set()

    # ------------------------------------------------------------ arguments, settings
    @classmethod
    def check_arguments(cls, args: dict[str, Any]) -> list[str]:
        """Problems with the ``-a`` values, found before crawling (``scrapy crawl``)."""
        problems: list[str] = []
        site = str(args.get("site") or "")
        sources = str(args.get("sources") or "")
        if not site.strip() and not sources.strip():
            return [
                "scrapy crawl archive needs -a site=example.com[,other.example] "
                "or -a sources=FILE (one site per line)"
            ]
        problems += preflight.check_start_urls(site, name="site")
        if sources.strip():
            try:
                listed = read_sites_file(sources)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                problems.append(f"-a sources={sources}: cannot be read ({exc}); give a file")
            else:
                if not listed:
                    problems.append(f"-a sources={sources}: names no site; one site per line")
                for value in listed:
                    problems += preflight.check_start_urls(value, name=f"sources={sources}: site")
        problems += _bounds(args)[2]
        if args.get("max_captures") not in (None, ""):
            problems += preflight.check_positive_int("max_captures", args["max_captures"])
        return problems

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
                _usage_error(f"-s {name}={url}: not an http(s) URL; give the archive's address")
        dialect = str(settings.get("CDX_DIALECT") or "auto").strip().lower()
        if dialect not in DIALECTS:
            _usage_error(f"-s CDX_DIALECT={dialect}: use one of {', '.join(DIALECTS)}")
        spider.start_hosts = sorted(
            {(urlsplit(u).hostname or "").lower() for u in (cdx_url, spider.archive_url)}
        )
        budget = spider.max_captures_arg or settings.getint("ARCHIVE_MAX_CAPTURES", 10000)
        spider.progress_every = settings.getint("ARCHIVE_PROGRESS_EVERY", 100)
        spider.cdx_timeout = settings.getfloat("CDX_TIMEOUT", 120.0)
        tracking = settings.getlist("TRACKING_PARAMS")
        spider.tracking_params = tracking
        for scope in spider.scopes:
            query = CdxQuery(
                cdx_url,
                scope,
                spider.start_ts,
                spider.end_ts,
                limit=max(1, settings.getint("CDX_LIMIT", 5000)),
                page_size=settings.getint("CDX_PAGE_SIZE", 0),
            )
            selector = CaptureSelector(
                scope, spider.start_ts, spider.end_ts, budget, spider._known, tracking
            )
            listing = CdxListing(query, dialect)
            spider.sites[scope.name] = SiteBackfill(
                scope, listing, selector, first_url=listing.first().url
            )
        crawler.signals.connect(spider._item_written, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_not_written, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_not_written, signal=signals.item_error)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def start_sites(self) -> dict[str, str]:
        """The sites this run backfills, name -> first CDX request (``crawler/extensions/
        outcome.py``: a site whose CDX server cannot be reached failed)."""
        return {name: site.first_url for name, site in self.sites.items()}

    # ------------------------------------------------------------------- listing
    async def start(self) -> AsyncIterator[Any]:
        span = " ".join(
            part
            for part in (
                f"from {timestamp_iso(self.start_ts)}" if self.start_ts else "",
                f"to {timestamp_iso(self.end_ts)}" if self.end_ts else "",
            )
            if part
        )
        for name, site in self.sites.items():
            self.logger.info(
                "Listing the captures of %s%s (CDX %s, dialect %s)",
                name,
                f" {span}" if span else "",
                site.listing.query.endpoint,
                site.listing.setting,
            )
            yield self._cdx_request(site, site.listing.first())

    def _cdx_request(self, site: SiteBackfill, cdx: CdxRequest) -> Request:
        return Request(
            cdx.url,
            callback=self.parse_cdx,
            errback=self.cdx_failed,
            dont_filter=True,
            priority=_CDX_PRIORITY,
            # no "site": a CDX answer alone does not make the site answered (the run
            # outcome): its listing must be readable, and a capture it wants fetched
            meta={
                "archive_site": site.scope.name,
                "cdx": cdx,
                "download_timeout": self.cdx_timeout,
                **self._archive_meta(),
            },
        )

    @staticmethod
    def _archive_meta() -> dict[str, Any]:
        return {"dont_obey_robotstxt": True, "autothrottle_dont_adjust_delay": True}

    def parse_cdx(self, response: Response) -> Iterator[Request]:
        """One CDX answer: decide on every capture it lists, request the next page."""
        site = self.sites[response.meta["archive_site"]]
        known_dialect = site.listing.dialect
        try:
            captures, following = site.listing.answer(response.meta["cdx"], response.body)
        except CdxError as exc:
            self._count("archive/cdx_unreadable")
            site.cdx_problem = f"unreadable CDX answer: {exc}"
            site.listing_done = True
            self._site_failed(response.request, "unreadable CDX answer", exc)
            self.logger.error(
                "%s: the CDX answer of %s cannot be read (%s); listing stopped",
                site.scope.name,
                response.url,
                exc,
            )
            return
        self._count("archive/cdx_pages")
        if site.listing.dialect and site.listing.dialect != known_dialect:
            self._count(f"archive/dialect/{site.listing.dialect}")
            self.logger.info(
                "The CDX server answers in the %s dialect (%s)",
                site.listing.dialect,
                site.scope.name,
            )
        for capture in captures:
            self._count("archive/captures_listed")
            decision = site.selector.decide(capture)
            if decision.skip is not None:
                self._count(f"archive/skipped/{decision.skip}")
                self.logger.debug(
                    "Capture %s of %s skipped (%s)",
                    capture.timestamp,
                    capture.original,
                    decision.skip,
                )
                continue
            self._count("archive/captures_selected")
            if self.queue.add(decision.key, (site, capture, decision.page_url)):
                yield self._capture_request(site, capture, decision.key, decision.page_url)
        if following is not None and not site.selector.exhausted:
            yield self._cdx_request(site, following)
            return
        site.listing_done = True
        if site.listing.maybe_cut:
            self._count("archive/cdx_maybe_cut")
            site.notes.append("listing maybe cut at CDX_LIMIT")
            self.logger.warning(
                "%s: the CDX server gave CDX_LIMIT=%d captures and no resumeKey: its "
                "listing may be cut short; raise CDX_LIMIT or list by date ranges",
                site.scope.name,
                site.listing.query.limit,
            )
        if following is not None:
            self._count("archive/budget_reached")
            site.notes.append(f"max_captures={site.selector.budget} reached")
            self.logger.info(
                "%s: max_captures=%d reached; its further captures are not listed",
                site.scope.name,
                site.selector.budget,
            )
        self.logger.info(
            "%s: listing done, %d captures listed, %d to fetch",
            site.scope.name,
            site.selector.listed,
            site.selector.selected,
        )

    def cdx_failed(self, failure: Failure) -> None:
        """A CDX request that failed for good: the site's listing stops there."""
        request = failure.request  # type: ignore[attr-defined]
        site = self.sites[request.meta["archive_site"]]
        site.listing_done = True
        self._count("archive/cdx_failed")
        why = self._why(failure)
        site.cdx_problem = f"CDX request failed: {why}"
        self._site_failed(request, why, failure.value)
        self.logger.warning(
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
        self.crawler.signals.send_catch_log(
            signal=cleanwire_signals.download_failed,
            request=attributed,
            exception=exception,
            reason=why,
        )

    # ------------------------------------------------------------------ captures
    def _capture_request(
        self, site: SiteBackfill, capture: Capture, key: str, page_url: str
    ) -> Request:
        self._current[key] = capture
        return Request(
            capture.replay_url(self.archive_url),
            callback=self.parse_capture,
            errback=self.capture_failed,
            dont_filter=True,
            priority=_CAPTURE_PRIORITY,
            meta={
                "site": site.scope.name,
                "archive_site": site.scope.name,
                "capture": capture,
                "article": key,
                "page_url": page_url,
                **self._archive_meta(),
            },
        )

    def parse_capture(self, response: Response) -> Iterator[FetchedPage]:
        """A capture's original bytes: a page for the pipelines, at its original URL."""
        meta = response.meta
        site = self.sites[meta["site"]]
        site.fetched += 1
        self._count("archive/fetched")
        page = self._page(response, "archive")
        if page is None:
            self._finished(meta)
            return
        self._count("discovery/pages/archive")
        yield page

    def _page(self, response: Response, source: str) -> FetchedPage | None:
        """The page a replay holds, at its original URL, dated by its capture; None (and
        ``skip/not_html``) when the archive holds something else than HTML there."""
        meta = response.meta
        ctype = response.headers.get("Content-Type")
        content_type = ctype.decode("latin-1").strip() if ctype else None
        if content_type and not content_type.lower().split(";")[0].strip().startswith(_HTML_TYPES):
            self._count("skip/not_html")
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
        self._count("archive/fetch_failed")
        self.logger.debug("Capture %s failed: %s", request.url, self._why(failure))
        self._finished(request.meta)

    @staticmethod
    def _why(failure: Failure) -> str:
        if failure.check(HttpError):
            return f"HTTP {failure.value.response.status}"
        return failure_reason(failure.value)

    # ------------------------------------------------------- multi-page articles
    def request_continuation(self, url: str, article_url: str) -> Request | None:
        """Fetch ``url``, a page the multipage pipeline needs to write the article at
        ``article_url`` whole (``pipelines/multipage.py``: a later page of a paged
        article, its page 1, an AMP copy's canonical page), from the archive as it was
        when the article's capture being processed was taken (the replay serves the
        capture nearest in time). None when no capture of that article is in flight,
        ``url`` is not on its site, or it was asked for already."""
        key = article_key(article_url, self.tracking_params)
        capture = self._current.get(key)
        site = next((s for s in self.sites.values() if s.scope.contains(url)), None)
        if capture is None or site is None:
            return None
        wanted = Capture("", capture.timestamp, url)
        if (wanted.timestamp, url) in self._continuations:
            return None
        self._continuations.add((wanted.timestamp, url))
        self._count("archive/continuation_pages")
        request = Request(
            wanted.replay_url(self.archive_url),
            callback=self.parse_continuation,
            errback=self.continuation_failed,
            dont_filter=True,
            priority=_CAPTURE_PRIORITY + 1,
            meta={
                "site": site.scope.name,
                "archive_site": site.scope.name,
                "capture": wanted,
                "page_url": url,
                "continues": key,
                **self._archive_meta(),
            },
        )
        self.crawler.engine.crawl(request)
        return request

    def parse_continuation(self, response: Response) -> Iterator[FetchedPage]:
        page = self._page(response, "multipage")
        if page is None:
            self._page_unavailable(response.meta["page_url"])
            return
        yield page

    def continuation_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.logger.debug("Page %s not in the archive: %s", request.url, self._why(failure))
        self._page_unavailable(request.meta["page_url"])

    def _page_unavailable(self, url: str) -> None:
        signal = getattr(cleanwire_signals, "page_unavailable", None)
        if signal is not None:
            self.crawler.signals.send_catch_log(signal=signal, url=url)

    # ---------------------------------------------------- a capture is through
    def _item_written(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        meta = self._capture_meta(item, response)
        if meta is None:
            return
        site = self.sites.get(meta["site"])
        if site is not None:
            site.written += 1
            self._count("archive/written")
        self._finished(meta)

    def _item_not_written(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        exception = kwargs.get("exception")
        still_held = exception is not None and str(exception).startswith(STILL_HELD)
        if response is not None and "article" in response.meta and still_held:
            # held for its other pages: it comes back through the pipelines later
            self._held[response.meta["article"]] = response.meta
            return
        meta = self._capture_meta(item, response, still_held)
        if meta is not None:
            self._finished(meta)

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
            key = article_key(item.url, self.tracking_params)
        else:
            return None
        return self._held.pop(key, None)

    def _finished(self, meta: dict[str, Any]) -> None:
        """A capture is through (written, dropped, skipped or failed): its article's next
        capture may be fetched now."""
        if meta.get("archive_done"):
            return
        meta["archive_done"] = True
        self._done += 1
        key = meta["article"]
        self._current.pop(key, None)
        following = self.queue.done(key)
        if following is not None:
            site, capture, page_url = following
            self.crawler.engine.crawl(self._capture_request(site, capture, key, page_url))
        if self.progress_every > 0 and self._done % self.progress_every == 0:
            self._log_progress()

    def _on_idle(self) -> None:
        """Captures still waiting when nothing is in flight (a signal that never came)
        are fetched now rather than left behind. A record the multipage pipeline holds
        comes back when it lets it go (at this idle); one still missing at the next idle
        never will, and its article goes on without it."""
        held = set(self._held)
        stale = held if held and held == self._held_at_idle else set()
        for key in stale:
            self._count("archive/held_not_returned")
            self._finished(self._held.pop(key))
        self._held_at_idle = set(self._held)
        released = self.queue.release_all(keep=self._held)
        for key, (site, capture, page_url) in released:
            self._count("archive/released_on_idle")
            self.crawler.engine.crawl(self._capture_request(site, capture, key, page_url))
        if released or stale or self._held:
            raise DontCloseSpider

    # ------------------------------------------------------------------ store
    def _known(self, url: str) -> str | None:
        """``CaptureSelector``'s look-up: None when the store never emitted ``url``,
        else the time its stored version is known current at (``""``: unknown)."""
        store = self._state_store()
        if store is None:
            return None
        key = canonicalize(url, self.tracking_params)
        state = store.get_by_url(key) or (store.get_by_url(url) if url != key else None)
        if state is None:
            return None
        return state.lastmod or ""

    def _state_store(self) -> Any:
        if self._store is None and not self._store_failed:
            try:
                from crawler.runtime.state import store_for

                self._store = store_for(self.crawler)
            except (ImportError, ValueError) as exc:
                self._store_failed = True
                self.logger.warning("No crawl state store (%s): every capture is fetched", exc)
        return self._store

    # ------------------------------------------------------------------ reports
    def _log_progress(self) -> None:
        selected = sum(s.selector.selected for s in self.sites.values())
        written = sum(s.written for s in self.sites.values())
        listing = sum(not s.listing_done for s in self.sites.values())
        self.logger.info(
            "Archive progress: %d of %d captures done, %d left%s; %d records written",
            self._done,
            selected,
            selected - self._done,
            f" (listing still running for {listing} sites)" if listing else "",
            written,
        )

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

    def _count(self, name: str) -> None:
        self.crawler.stats.inc_value(name)
