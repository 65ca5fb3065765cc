"""`scrapy crawl news -a start=URL[,URL...] [-a max_pages=N]`: find a news site's articles.

(`-a sources=FILE` reads the sites from a sources file instead: crawler/discovery/sources.py.
`-a dry_run=1` reports what discovery finds without fetching articles. In distributed
mode `-a start` may be empty: workers take start URLs pushed to Redis.)

For a site root the spider reads robots.txt ``Sitemap:`` lines, ``/sitemap.xml``,
``/sitemap_index.xml`` and the feeds the start page announces. When those list
article URLs, they are the articles; when a site has neither, the spider follows
same-site links from the start page through section and listing pages and their
pagination, within a page budget. A start URL that is a sitemap or a feed is read
as such; any other non-root start URL is a listing page to follow links from.

Every page that may be an article goes to the pipelines as a ``FetchedPage``; the
extract pipeline decides what is an article. A page the spider does not parse for
links (an article a sitemap or feed lists) goes with its raw body, which the
extraction worker decodes (``crawler/extract/pagework.py``). URLs an earlier run already emitted
are not requested again unless their sitemap ``lastmod`` or feed date is newer;
then they are requested with ``If-None-Match`` / ``If-Modified-Since``.

The spider is the request flow: start, pages, links, continuation pages. It calls
components for the rest (``crawler/spider_parts/``): ``SiteDiscovery`` reads
robots.txt, sitemaps and feeds, ``FetchedPageBuilder`` makes the items,
``DryRunReporter`` notes a dry run's findings; the decisions are pure logic in
``crawler/discovery/`` (sites, incremental fetch, sitemaps, feeds, links, dates).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals as cleanwire_signals
from crawler.discovery.feeds import feed_links
from crawler.discovery.incremental import IncrementalFetch
from crawler.discovery.links import page_links, url_kind
from crawler.discovery.parsing import parse_html
from crawler.discovery.site_state import (
    SiteRegistry,
    SiteState,
    with_scheme,
)
from crawler.net.urls import canonicalize, on_site, site_host
from crawler.runtime import preflight
from crawler.scheduler import LOCAL
from crawler.spider_parts.base import CleanwireSpider, header, usage_error
from crawler.spider_parts.dry_run_reporter import DryRunReporter
from crawler.spider_parts.fetched_pages import FetchedPageBuilder
from crawler.spider_parts.site_discovery import SiteDiscovery

_KIND_PRIORITY = {"pagination": 30, "listing": 10, "": 5, "article": 0}
_TRUE = ("1", "true", "yes", "on")
logger = logging.getLogger(__name__)


def _positive_int(value: str | int | None, name: str) -> int | None:
    """A numeric ``-a`` value; a bad one is a usage error (``scrapy crawl`` checks first)."""
    if value in (None, ""):
        return None
    problems = preflight.check_positive_int(name, value)
    if problems:
        usage_error(logger, problems[0])
    return int(str(value).strip())


class NewsSpider(CleanwireSpider):
    """Discovers and fetches the articles of the sites given with ``-a start=...``."""

    name = "news"

    def __init__(
        self,
        start: str = "",
        max_pages: str | int | None = None,
        sources: str = "",
        dry_run: str = "",
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_sources: list[Any] = []
        if sources:
            from crawler.discovery.sources import SourcesError, load_sources

            try:
                self.site_sources = load_sources(sources)
            except SourcesError as exc:
                usage_error(logger, f"Bad sources file: {exc}")
        urls = [u.strip() for u in start.split(",") if u.strip()]
        self.start_list = [with_scheme(u) for u in urls]
        self.dry_run = str(dry_run).strip().lower() in _TRUE
        self.max_pages_arg = _positive_int(max_pages, "max_pages")
        hosts = {site_host(u) for u in self.start_list}
        for source in self.site_sources:
            hosts |= {site_host(u) for u in [*source.start, *source.sitemaps, *source.feeds]}
        self.allowed_domains = sorted(hosts)

    @classmethod
    def check_arguments(cls, args: dict[str, str]) -> list[str]:
        """Problems with the ``-a`` values, found before crawling (``scrapy crawl``)."""
        problems = preflight.check_start_urls(args.get("start") or "")
        if args.get("max_pages") not in (None, ""):
            problems += preflight.check_positive_int("max_pages", args["max_pages"])
        return problems

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # the spider is built before add-ons run: REDIS_URL alone also means distributed
        distributed = settings.getbool("DISTRIBUTED") or bool(settings.get("REDIS_URL"))
        if not spider.start_list and not spider.site_sources and not distributed:
            usage_error(
                logger,
                "scrapy crawl news needs -a start=URL[,URL...] or -a sources=FILE "
                "(or distributed mode, REDIS_URL=..., to take start URLs from Redis)",
            )
        spider.reporter = DryRunReporter(spider)
        if spider.dry_run:
            # nothing is extracted or written: skip the pipelines (and their worker pool)
            settings.set("ITEM_PIPELINES", {}, priority="spider")
            crawler.signals.connect(spider.reporter.write, signal=signals.spider_closed)
        spider.retry_codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}
        spider.registry = SiteRegistry(
            spider.max_pages_arg or settings.getint("MAX_PAGES", 1000),
            max_pages_given=bool(spider.max_pages_arg),
            dry_run=spider.dry_run,
        )
        spider.max_depth = settings.getint("DISCOVERY_MAX_DEPTH", 6)
        spider.max_url_length = settings.getint("DISCOVERY_MAX_URL_LENGTH", 2000)
        spider.tracking_params = settings.getlist("TRACKING_PARAMS")
        spider.incremental = IncrementalFetch(spider.emitted_articles, spider.tracking_params)
        spider.discovery = SiteDiscovery(spider)
        spider.page_builder = FetchedPageBuilder(spider)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ sites
    @property
    def sites(self) -> dict[str, SiteState]:
        """The crawl's sites by bare host (``SiteRegistry``)."""
        return self.registry.sites

    def start_sites(self) -> dict[str, str]:
        """The sites this run crawls, host -> start URL (``crawler/extensions/outcome.py``)."""
        return {host: site.start_url for host, site in self.sites.items()}

    def adopt_site(self, host: str) -> None:
        """Crawl ``host`` too: a start URL from Redis, or a site another worker started."""
        if host and host not in self.allowed_domains:
            self.allowed_domains = sorted({*self.allowed_domains, host})

    def source_for(self, url: str) -> Any:
        """The sources-file entry (``crawler.discovery.sources.SiteSource``) of ``url``'s site,
        if any."""
        site = self.sites.get(site_host(url))
        return site.source if site is not None else None

    def site_of(self, response: Response) -> SiteState:
        """The site a response belongs to (created on demand: in a distributed crawl a
        worker may handle requests that another worker's start() scheduled)."""
        return self.registry.site_for(response.url, host=response.meta.get("site"))

    def closed(self, reason: str) -> None:
        """Delete the sites' seen and known URLs (a temporary database)."""
        self.registry.close()

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_list:
            for request in self.start_requests_for(url):
                yield request
        for source in self.site_sources:
            for request in self.discovery.source_requests(source):
                yield request

    def start_requests_for(self, url: str) -> Iterator[Request]:
        """The first requests for one start URL (a site root, listing page, sitemap or feed).

        ``start()`` uses it for ``-a start``; in distributed mode an idle worker calls
        it for each URL taken from the Redis start-URL list.
        """
        url = with_scheme(url.strip())
        self.adopt_site(site_host(url))
        yield from self.discovery.start_requests(url, self.registry.site_for(url))

    # ------------------------------------- discovery documents (SiteDiscovery reads them)
    def parse_robots(self, response: Response) -> Iterator[Request]:
        """robots.txt: the sitemaps it names."""
        return self.discovery.parse_robots(response)

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A sitemap index, urlset or feed: the pages and sitemaps it lists."""
        return self.discovery.parse_document(response)

    def _doc_failed(self, failure: Failure) -> Iterator[Request]:
        """A discovery document (or start page) that could not be fetched."""
        return self.discovery.document_failed(failure)

    # ------------------------------------------------------------------ pages
    def parse_start(self, response: Response) -> Iterator[Any]:
        """The start page: a candidate article, the feeds it announces, links to follow."""
        site = self.site_of(response)
        html = self.page_builder.decode(response)
        if html is None:
            yield from self.discovery.sniff_document(response)
            return
        if self.dry_run:
            self.reporter.note(site, "listing_pages", response.url)
        else:
            yield self.page_builder.page(response, html, "start", {})
        site.start_html = html
        site.start_page_url = response.url
        tree = parse_html(html, response.url)
        if tree is None:
            return
        for feed in feed_links(tree, response.url):
            self.count("discovery/feed_links")
            req = self.discovery.document_request(feed, site, depth=0)
            if req is not None:
                yield req
        if site.link_mode:
            yield from self.follow_links(tree, response.url, site, 0)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """A page that may be an article; in link-following mode also a source of links."""
        site = self.site_of(response)
        self.discovery.announce(site)
        if response.status == 304:
            self.skip("not_modified", response.url)
            self._refresh_known(response)
            return
        follow = site.link_mode and response.meta.get("follow")
        source = response.meta.get("source", "listing")
        hints = response.meta.get("hints") or {}
        if not follow and not self.dry_run and not self.page_builder.edits(response.url):
            # nothing here reads the text: the extraction worker decodes the body
            if self.page_builder.is_html(response):
                yield self.page_builder.page(response, None, source, hints)
            return
        html = self.page_builder.decode(response)
        if html is None:
            return
        if not self.dry_run:
            yield self.page_builder.page(response, html, source, hints)
        if follow:
            tree = parse_html(html, response.url)
            if self.dry_run:
                self.reporter.note_listing(site, response.url, tree)
            if tree is not None:
                depth = response.meta.get("discovery_depth", 0)
                yield from self.follow_links(tree, response.url, site, depth)

    def follow_links(self, tree: Any, url: str, site: SiteState, depth: int) -> Iterator[Request]:
        """Requests for the same-site links of a start, section or listing page."""
        links = page_links(tree, url, site.host)
        pagination = set(links.pagination)
        for link in links.links:
            is_next = link in pagination
            next_depth = depth if is_next else depth + 1
            if next_depth > self.max_depth:
                self.skip("max_depth", link)
                continue
            req = self.page_request(
                link, site, "listing", {}, next_depth, follow=True, pagination=is_next
            )
            if req is not None:
                yield req

    def page_request(
        self,
        url: str,
        site: SiteState,
        source: str,
        hints: dict[str, Any],
        depth: int,
        follow: bool = False,
        pagination: bool = False,
    ) -> Request | None:
        """A request for a page that may be an article, or None when it is not needed."""
        if len(url) > self.max_url_length:  # before any work on it
            self.skip("url_too_long", url)
            return None
        key = canonicalize(url, self.tracking_params)
        kind = "pagination" if pagination else url_kind(url)
        if self._refused(url, key, site, follow, kind):
            return None
        conditional = self._conditional(url, key, site, hints.get("lastmod"))
        if conditional is None:
            return None
        headers, meta = conditional
        if site.pages >= site.budget:
            site.seen.add(key)
            self.skip("page_budget", url)
            self.reporter.over_budget(site)
            return None
        site.pages += 1
        site.seen.add(key)
        if site.report is not None and not (follow and kind in ("listing", "pagination", "")):
            self.reporter.not_fetched(url, site)
            return None
        clean_hints = {k: v for k, v in hints.items() if v}
        if kind:
            clean_hints["url_kind"] = kind
        meta.update(
            site=site.host, source=source, hints=clean_hints, discovery_depth=depth, follow=follow
        )
        return Request(
            url,
            callback=self.parse_page,
            errback=self._page_failed,
            headers=headers or None,
            meta=meta,
            priority=_KIND_PRIORITY.get(kind, 0) - depth if follow else 0,
        )

    def _refused(self, url: str, key: str, site: SiteState, follow: bool, kind: str) -> bool:
        """True (counted) for a URL not to request: seen, denied by the sources file, or
        a followed link shaped like no content."""
        if key in site.seen:
            return True
        if site.source is not None and not site.source.allows(url):
            site.seen.add(key)
            self.skip("source_filter", url)
            return True
        if follow and kind == "non_content":
            site.seen.add(key)
            self.skip("url_shape", url)
            return True
        return False

    # ------------------------------------------------------------ incremental fetch
    def _conditional(
        self, url: str, key: str, site: SiteState, lastmod: str | None
    ) -> tuple[dict[str, str], dict[str, Any]] | None:
        """Incremental fetch (``IncrementalFetch``): None when the page is known and not
        newer than when it was emitted (counted); else the request's headers and meta
        (a conditional request for a known page listed with a newer date)."""
        decision = self.incremental.decide(url, key, site.known, lastmod)
        if decision.skip is not None:
            self.skip(decision.skip, url)
        if decision.unchanged:
            self.reporter.known_url(site)
        if decision.changed:
            self.count("discovery/changed_urls")
        return (decision.headers, decision.meta) if decision.fetch else None

    def _refresh_known(self, response: Response) -> None:
        """After a 304, remember the newer lastmod, so the next run does not ask again."""
        self.incremental.refresh(
            response.meta.get("known_id"),
            response.url,
            (response.meta.get("hints") or {}).get("lastmod"),
            header(response, "ETag"),
            header(response, "Last-Modified"),
        )

    def _page_failed(self, failure: Failure) -> None:
        """A candidate page that could not be fetched; counted once under ``skip/``.

        Middlewares already count their refusals (``skip/<reason>``), network errors
        and retryable statuses whose retries ran out (``skip/failed``); a final error
        status such as 404 or 410 is ``skip/http_error``.
        """
        request = failure.request  # type: ignore[attr-defined]
        self.count("discovery/page_failed")
        self.crawler.signals.send_catch_log(
            signal=cleanwire_signals.page_unavailable, url=request.url
        )
        self.logger.debug("Page %s failed: %s", request.url, failure.value)
        if failure.check(HttpError):
            status = failure.value.response.status
            if status not in self.retry_codes:
                self.crawler.stats.inc_value("skip/http_error")
                self.logger.debug("Skipped %s (http_error): status %d", request.url, status)

    # ------------------------------------------------------------ whole articles
    def request_continuation(self, url: str, article_url: str) -> Request | None:
        """Fetch ``url``, a page the crawl needs to write the article at ``article_url``
        whole (``pipelines/multipage.py``): a later page its pager links to, its page 1
        when a later page came first, or the canonical page of an AMP or print copy.

        Scheduled at once (``dont_filter``; robots.txt is obeyed as for any request;
        in a distributed crawl this worker fetches it: ``meta[LOCAL]``)
        unless ``url`` was requested in this run already (its page is on its way, or
        failed: no revisits), is not on the article's site, or the sources file denies
        it. The page budget does not count it (``MAX_ARTICLE_PAGES`` bounds an article).
        Returns the scheduled Request, or None.
        """
        site = self.sites.get(site_host(article_url))
        if site is None or self.dry_run or len(url) > self.max_url_length:
            return None
        if not on_site(url, site.host):
            return None
        if site.source is not None and not site.source.allows(url):
            return None
        key = canonicalize(url, self.tracking_params)
        if key in site.seen:
            return None
        site.seen.add(key)
        request = Request(
            url,
            callback=self.parse_page,
            errback=self._page_failed,
            meta={
                "site": site.host,
                "source": "multipage",
                "hints": {},
                "discovery_depth": 0,
                "follow": False,
                LOCAL: True,  # the record waits in this process
            },
            priority=50,  # before other pages: a record waits for it
            dont_filter=True,
        )
        return self.schedule(request)

    def _on_idle(self) -> None:
        """When sitemaps and feeds are done and listed no article, follow links instead."""
        scheduled = False
        for request in self.discovery.link_fallback():
            self.crawler.engine.crawl(request)
            scheduled = True
        if scheduled:
            raise DontCloseSpider
