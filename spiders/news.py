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
The parsing lives in ``crawler/discovery/`` (sitemaps, feeds, links, lastmod dates).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals as cleanwire_signals
from crawler.discovery.dry_run import DiscoveryReport
from crawler.discovery.feeds import FeedEntry, feed_links, looks_like_feed_url, parse_feed
from crawler.discovery.lastmod import date_key, is_newer, iso_date
from crawler.discovery.links import page_links, url_kind
from crawler.discovery.parsing import parse_html, xml_kind
from crawler.discovery.sitemaps import (
    Sitemap,
    looks_like_sitemap_url,
    maybe_gunzip,
    order_sitemap_children,
    parse_sitemap,
    robots_sitemaps,
    sitemap_rank,
)
from crawler.extract import multipage
from crawler.items import FetchedPage
from crawler.net.urls import canonicalize
from crawler.runtime import preflight
from crawler.runtime.diskset import DiskDict, DiskSet, TemporaryDatabase
from crawler.runtime.run import output_dir, run_name, utc_now_iso
from crawler.text.charset import NOTABLE_DECODES, decode_html_how

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")
#: Child sitemaps of an index requested at once; more follow while the page budget lasts.
SITEMAPS_IN_FLIGHT = 4
_KIND_PRIORITY = {"pagination": 30, "listing": 10, "": 5, "article": 0}
_TRUE = ("1", "true", "yes", "on")
logger = logging.getLogger(__name__)


def _usage_error(message: str) -> None:
    """Stop ``scrapy crawl`` with one clear ERROR line and exit status 2, no traceback."""
    logger.error(message)
    raise SystemExit(2)


def _positive_int(value: str | int | None, name: str) -> int | None:
    """A numeric ``-a`` value; a bad one is a usage error (``scrapy crawl`` checks first)."""
    if value in (None, ""):
        return None
    problems = preflight.check_positive_int(name, value)
    if problems:
        _usage_error(problems[0])
    return int(str(value).strip())


def remove_selected(html: str, selectors: list[Any]) -> tuple[str, int]:
    """``html`` without the elements matching ``selectors`` (compiled ``CSSSelector``s).

    Returns the page re-serialised and the number of elements removed; the text after
    a removed element (its tail) is kept. Unchanged pages are returned as given.
    """
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html, 0
    removed: set[Any] = set()
    for selector in selectors:
        for element in selector(tree):
            if element.getparent() is None or any(a in removed for a in element.iterancestors()):
                continue
            element.drop_tree()
            removed.add(element)
    if not removed:
        return html, 0
    doctype = tree.getroottree().docinfo.doctype
    text = lxml_html.tostring(tree, encoding="unicode")
    return (f"{doctype}\n{text}" if doctype else text), len(removed)


@dataclass
class SiteState:
    """Discovery bookkeeping for one start URL's site."""

    host: str  # bare host (no "www."): links to it and its subdomains are same-site
    start_url: str
    budget: int
    pages: int = 0  # candidate and listing pages requested (the page budget)
    sitemap_files: int = 0
    found: int = 0  # article URLs listed by sitemaps and feeds
    link_mode: bool = False
    start_html: str | None = None
    start_page_url: str | None = None
    docs: set[str] = field(default_factory=set)  # sitemaps and feeds requested
    # on disk (crawler/runtime/diskset.py): a sitemap may list tens of thousands of URLs
    seen: DiskSet = field(default_factory=DiskSet)  # canonical URLs of pages requested
    known: DiskDict = field(default_factory=DiskDict)  # emitted before: lastmod seen
    source: Any = None  # the crawler.discovery.sources.SiteSource of a -a sources=FILE site
    sitemap_queue: list[tuple[str, int]] = field(default_factory=list)  # index children to read
    sitemaps_in_flight: int = 0  # queued child sitemaps requested and not yet handled
    report: DiscoveryReport | None = None  # what discovery found (dry run only)
    robots: Any = None  # the site's robots.txt rules (dry run only: nothing else asks)
    docs_done: int = 0  # sitemap and feed documents answered or failed
    announced: tuple[int, bool] = (0, False)  # last site_pages_expected (pages, discovering)


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _with_scheme(url: str) -> str:
    return url if "://" in url else "https://" + url


def _iso(value: str | None) -> str | None:
    """A sitemap or feed date as ISO 8601 UTC; unreadable dates are kept as given."""
    return iso_date(value) or value


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


class NewsSpider(Spider):
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
                _usage_error(f"Bad sources file: {exc}")
        urls = [u.strip() for u in start.split(",") if u.strip()]
        self.start_list = [_with_scheme(u) for u in urls]
        self.dry_run = str(dry_run).strip().lower() in _TRUE
        self.max_pages_arg = _positive_int(max_pages, "max_pages")
        hosts = {_bare_host(u) for u in self.start_list}
        for source in self.site_sources:
            hosts |= {_bare_host(u) for u in [*source.start, *source.sitemaps, *source.feeds]}
        self.allowed_domains = sorted(hosts)
        self.sites: dict[str, SiteState] = {}
        self._scratch: TemporaryDatabase | None = None  # every site's seen and known URLs
        self._store: Any = None
        self._store_failed = False
        self._selectors: dict[int, list[Any]] = {}  # id(SiteSource) -> compiled remove selectors

    @classmethod
    def check_arguments(cls, args: dict[str, str]) -> list[str]:
        """Problems with the ``-a`` values, found before crawling (``scrapy crawl``)."""
        problems = preflight.check_start_urls(args.get("start") or "")
        if args.get("max_pages") not in (None, ""):
            problems += preflight.check_positive_int("max_pages", args["max_pages"])
        return problems

    def start_sites(self) -> dict[str, str]:
        """The sites this run crawls, host -> start URL (``crawler/extensions/outcome.py``)."""
        return {host: site.start_url for host, site in self.sites.items()}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # the spider is built before add-ons run: REDIS_URL alone also means distributed
        distributed = settings.getbool("DISTRIBUTED") or bool(settings.get("REDIS_URL"))
        if not spider.start_list and not spider.site_sources and not distributed:
            _usage_error(
                "scrapy crawl news needs -a start=URL[,URL...] or -a sources=FILE "
                "(or distributed mode, REDIS_URL=..., to take start URLs from Redis)"
            )
        if spider.dry_run:
            # nothing is extracted or written: skip the pipelines (and their worker pool)
            settings.set("ITEM_PIPELINES", {}, priority="spider")
            crawler.signals.connect(spider._write_report, signal=signals.spider_closed)
        spider.retry_codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}
        spider.budget = spider.max_pages_arg or settings.getint("MAX_PAGES", 1000)
        spider.max_depth = settings.getint("DISCOVERY_MAX_DEPTH", 6)
        spider.max_url_length = settings.getint("DISCOVERY_MAX_URL_LENGTH", 2000)
        spider.sitemap_max_urls = settings.getint("SITEMAP_MAX_URLS", 50000)
        spider.sitemap_max_depth = settings.getint("SITEMAP_MAX_DEPTH", 4)
        spider.sitemap_max_files = settings.getint("SITEMAP_MAX_FILES", 200)
        spider.sitemap_max_bytes = settings.getint("SITEMAP_MAX_BYTES", 50 * 1024 * 1024)
        spider.tracking_params = settings.getlist("TRACKING_PARAMS")
        spider.page_maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_list:
            for request in self.start_requests_for(url):
                yield request
        for source in self.site_sources:
            for url in source.start:
                for request in self._start_requests(url, self._site_for(url, source)):
                    yield request
            for url in [*source.sitemaps, *source.feeds]:
                self._count("discovery/start/document")
                req = self._doc_request(url, self._site_for(url, source), 0, is_start=True)
                if req is not None:
                    yield req

    def start_requests_for(self, url: str) -> Iterator[Request]:
        """The first requests for one start URL (a site root, listing page, sitemap or feed).

        ``start()`` uses it for ``-a start``; in distributed mode an idle worker calls
        it for each URL taken from the Redis start-URL list.
        """
        url = _with_scheme(url.strip())
        self.adopt_site(_bare_host(url))
        yield from self._start_requests(url, self._site_for(url))

    def adopt_site(self, host: str) -> None:
        """Crawl ``host`` too: a start URL from Redis, or a site another worker started."""
        if host and host not in self.allowed_domains:
            self.allowed_domains = sorted({*self.allowed_domains, host})

    def source_for(self, url: str) -> Any:
        """The sources-file entry (``crawler.discovery.sources.SiteSource``) of ``url``'s site,
        if any."""
        site = self.sites.get(_bare_host(url))
        return site.source if site is not None else None

    def _site_for(self, url: str, source: Any = None) -> SiteState:
        host = _bare_host(url)
        site = self.sites.get(host)
        if site is None:
            budget = self.budget
            if source is not None and source.max_pages and not self.max_pages_arg:
                budget = source.max_pages
            site = self.sites[host] = self._new_site(host, url, budget, source)
            if self.dry_run:
                site.report = DiscoveryReport(host, url)
        return site

    def _new_site(self, host: str, url: str, budget: int, source: Any = None) -> SiteState:
        if self._scratch is None:
            self._scratch = TemporaryDatabase()
        return SiteState(
            host,
            url,
            budget,
            source=source,
            seen=DiskSet(self._scratch),
            known=DiskDict(self._scratch),
        )

    def closed(self, reason: str) -> None:
        """Delete the sites' seen and known URLs (a temporary database)."""
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None

    def _site_of(self, response: Response) -> SiteState:
        """The site a response belongs to (created on demand: in a distributed crawl a
        worker may handle requests that another worker's start() scheduled)."""
        host = response.meta.get("site") or _bare_host(response.url)
        site = self.sites.get(host)
        if site is None:
            site = self.sites[host] = self._new_site(host, response.url, self.budget)
            if self.dry_run:
                site.report = DiscoveryReport(host, response.url)
        return site

    def _start_requests(self, url: str, site: SiteState) -> Iterator[Request]:
        parts = urlsplit(url)
        if looks_like_sitemap_url(url) or looks_like_feed_url(url):
            self._count("discovery/start/document")
            req = self._doc_request(url, site, depth=0, is_start=True)
            if req is not None:
                yield req
            return
        root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
        if parts.path in ("", "/") and not parts.query and site.source and site.source.sitemaps:
            self._count("discovery/start/site")  # the sources file names the sitemaps
        elif parts.path in ("", "/") and not parts.query:
            self._count("discovery/start/site")
            yield Request(
                root + "robots.txt",
                callback=self.parse_robots,
                errback=self._doc_failed,
                # the robots.txt middleware's copy, not a second download of it
                meta={"site": site.host, "robots_shared": True},
                dont_filter=True,
                priority=100,
            )
            for path in ("sitemap.xml", "sitemap_index.xml"):
                req = self._doc_request(root + path, site, depth=0)
                if req is not None:
                    yield req
        else:
            self._count("discovery/start/listing")
            site.link_mode = True
            if site.report is not None:
                site.report.link_following = True
        site.seen.add(canonicalize(url, self.tracking_params))
        yield Request(
            url,
            callback=self.parse_start,
            errback=self._doc_failed,
            meta={"site": site.host, "discovery_depth": 0},
            dont_filter=True,
            priority=90,
        )

    # -------------------------------------------------------------- documents
    def parse_robots(self, response: Response) -> Iterator[Request]:
        site = self._site_of(response)
        text = response.body.decode("utf-8", "replace") if response.status == 200 else ""
        if site.report is not None and self.settings.getbool("ROBOTSTXT_OBEY"):
            from scrapy.utils.misc import load_object

            parser = load_object(self.settings.get("ROBOTSTXT_PARSER"))
            site.robots = parser.from_crawler(self.crawler, text.encode("utf-8"))
        for url in robots_sitemaps(text, response.url):
            self._count("discovery/robots_sitemaps")
            self._note(site, "robots_sitemaps", url)
            req = self._doc_request(url, site, depth=0)
            if req is not None:
                yield req

    def _doc_request(
        self, url: str, site: SiteState, depth: int, is_start: bool = False
    ) -> Request | None:
        """A request for a sitemap or feed, unless already requested or over the limits."""
        key = canonicalize(url)
        if key in site.docs:
            self._skip("sitemap_seen", url)
            return None
        if depth > self.sitemap_max_depth:
            self._skip("sitemap_depth", url)
            return None
        if site.sitemap_files >= self.sitemap_max_files:
            self._skip("sitemap_budget", url)
            return None
        site.docs.add(key)
        site.sitemap_files += 1
        return Request(
            url,
            callback=self.parse_document,
            errback=self._doc_failed,
            meta={
                "site": site.host,
                "sitemap_depth": depth,
                "is_start": is_start,
                # an uncompressed sitemap may be up to 50 MB (the protocol's limit)
                "download_maxsize": max(self.sitemap_max_bytes, self.page_maxsize),
            },
            dont_filter=True,
            priority=80,
        )

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A sitemap index, urlset or feed (sniffed from the content, not the URL)."""
        site = self._site_of(response)
        if response.meta.get("queued"):
            site.sitemaps_in_flight -= 1
        yield from self._read_document(response, site)
        yield from self._next_sitemaps(site)
        if "sitemap_depth" in response.meta:
            site.docs_done += 1
        self._announce(site)

    def _read_document(self, response: Response, site: SiteState) -> Iterator[Any]:
        body = maybe_gunzip(response.body, self.sitemap_max_bytes)
        if body is None:
            self._skip("sitemap_too_large", response.url)
            return
        sitemap = parse_sitemap(body, response.url, self.sitemap_max_urls)
        if sitemap.kind:
            yield from self._read_sitemap(response, sitemap, site)
            return
        entries = parse_feed(body, response.url, self.sitemap_max_urls)
        if entries is not None:
            self._note(site, "feeds", response.url)
            yield from self._read_feed(entries, site)
        elif response.meta.get("is_start"):
            yield from self.parse_start(response)
        else:
            self._skip("not_a_sitemap_or_feed", response.url)

    def _read_sitemap(self, response: Response, sitemap: Sitemap, site: SiteState) -> Iterator[Any]:
        depth = response.meta.get("sitemap_depth", 0)
        if sitemap.truncated:
            self._count("discovery/sitemap_truncated")
            self.logger.info(
                "Sitemap %s lists more than %d URLs; read the first ones",
                response.url,
                self.sitemap_max_urls,
            )
        if sitemap.kind == "index":
            self._count("discovery/sitemap_indexes")
            self._note(site, "sitemap_indexes", response.url)
            children = order_sitemap_children(sitemap.entries)
            preferred = [c for c in children if sitemap_rank(c.loc) < 2]
            for child in children:
                if preferred and sitemap_rank(child.loc) == 2:
                    self._skip("sitemap_non_article", child.loc)
                    continue
                site.sitemap_queue.append((child.loc, depth + 1))
            return
        self._count("discovery/sitemaps")
        self._note(site, "sitemaps", response.url)
        entries = sorted(
            sitemap.entries,
            key=lambda e: date_key(e.lastmod or e.published),
            reverse=True,
        )
        found = site.found
        for entry in entries:
            site.found += self._on_site(entry.loc, site)
            source = "news_sitemap" if entry.is_news else "sitemap"
            self._count(f"discovery/{source}_urls")
            hints = {
                "title": entry.title,
                "published": _iso(entry.published),
                "language": entry.language,
                "lastmod": _iso(entry.lastmod or entry.published),
            }
            req = self._page_request(entry.loc, site, source, hints, depth=0)
            if req is not None:
                yield req
        self._share_found(site, site.found - found)

    def _read_feed(self, entries: list[FeedEntry], site: SiteState) -> Iterator[Any]:
        self._count("discovery/feeds")
        self._share_found(site, sum(self._on_site(e.url, site) for e in entries))
        for entry in entries:
            site.found += self._on_site(entry.url, site)
            self._count("discovery/feed_urls")
            hints = {
                "title": entry.title,
                "published": _iso(entry.published),
                "lastmod": _iso(entry.updated or entry.published),
            }
            req = self._page_request(entry.url, site, "feed", hints, depth=0)
            if req is not None:
                yield req

    def _next_sitemaps(self, site: SiteState) -> Iterator[Request]:
        """Request queued child sitemaps, a few at a time, while the page budget lasts.

        A large index (hundreds of monthly sitemaps) is read newest first and only as
        far as the budget needs, not downloaded whole.
        """
        while site.sitemap_queue and site.sitemaps_in_flight < SITEMAPS_IN_FLIGHT:
            if site.pages >= site.budget:
                for url, _depth in site.sitemap_queue:
                    self._skip("sitemap_budget", url)
                site.sitemap_queue.clear()
                return
            url, depth = site.sitemap_queue.pop(0)
            req = self._doc_request(url, site, depth)
            if req is not None:
                req.meta["queued"] = True
                site.sitemaps_in_flight += 1
                yield req

    def _doc_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        self._count("discovery/document_failed")
        self.logger.debug("Discovery document %s failed: %s", request.url, failure.value)
        host = request.meta.get("site") or _bare_host(request.url)
        site = self.sites.get(host)
        if site is not None:
            self._note(site, "failed_documents", request.url)
        if site is not None and request.meta.get("queued"):
            site.sitemaps_in_flight -= 1
        if site is not None:
            yield from self._next_sitemaps(site)
            if "sitemap_depth" in request.meta:
                site.docs_done += 1
            self._announce(site)

    def _announce(self, site: SiteState) -> None:
        """Tell the pipelines how many article pages of ``site`` this crawl requested
        so far, and whether its sitemaps and feeds are still being read (more may come):
        the boilerplate pipeline holds a site's first records only when it pays off."""
        discovering = site.sitemap_files > site.docs_done or bool(site.sitemap_queue)
        if (site.pages, discovering) != site.announced:
            site.announced = (site.pages, discovering)
            self.crawler.signals.send_catch_log(
                signal=cleanwire_signals.site_pages_expected,
                site=site.host,
                pages=site.pages,
                discovering=discovering,
            )

    # ------------------------------------------------------------------ pages
    def parse_start(self, response: Response) -> Iterator[Any]:
        """The start page: a candidate article, the feeds it announces, links to follow."""
        site = self._site_of(response)
        html = self._decode(response)
        if html is None:
            body = maybe_gunzip(response.body, self.sitemap_max_bytes) or b""
            if xml_kind(body) and not response.meta.get("sniffed"):
                response.meta["sniffed"] = True
                yield from self.parse_document(response)
            return
        if self.dry_run:
            self._note(site, "listing_pages", response.url)
        else:
            yield self._item(response, html, "start", {})
        site.start_html = html
        site.start_page_url = response.url
        tree = parse_html(html, response.url)
        if tree is None:
            return
        for feed in feed_links(tree, response.url):
            self._count("discovery/feed_links")
            req = self._doc_request(feed, site, depth=0)
            if req is not None:
                yield req
        if site.link_mode:
            yield from self._follow(tree, response.url, site, 0)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """A page that may be an article; in link-following mode also a source of links."""
        site = self._site_of(response)
        self._announce(site)
        if response.status == 304:
            self._skip("not_modified", response.url)
            self._refresh_known(response)
            return
        follow = site.link_mode and response.meta.get("follow")
        if not follow and not self.dry_run and not self._edits_pages(response.url):
            # nothing here reads the text: the extraction worker decodes the body
            if self._is_html(response):
                yield self._item(
                    response,
                    None,
                    response.meta.get("source", "listing"),
                    response.meta.get("hints") or {},
                )
            return
        html = self._decode(response)
        if html is None:
            return
        if not self.dry_run:
            yield self._item(
                response,
                html,
                response.meta.get("source", "listing"),
                response.meta.get("hints") or {},
            )
        if follow:
            tree = parse_html(html, response.url)
            if self.dry_run:
                self._note_listing(site, response.url, tree)
            if tree is not None:
                yield from self._follow(
                    tree, response.url, site, response.meta.get("discovery_depth", 0)
                )

    def _follow(self, tree: Any, url: str, site: SiteState, depth: int) -> Iterator[Request]:
        links = page_links(tree, url, site.host)
        pagination = set(links.pagination)
        for link in links.links:
            is_next = link in pagination
            next_depth = depth if is_next else depth + 1
            if next_depth > self.max_depth:
                self._skip("max_depth", link)
                continue
            req = self._page_request(
                link, site, "listing", {}, next_depth, follow=True, pagination=is_next
            )
            if req is not None:
                yield req

    def _page_request(
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
            self._skip("url_too_long", url)
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
            self._skip("page_budget", url)
            if site.report is not None:
                site.report.over_budget += 1
            return None
        site.pages += 1
        site.seen.add(key)
        if site.report is not None and not (follow and kind in ("listing", "pagination", "")):
            self._dry_run_note(url, site)
            return None
        clean_hints = {k: v for k, v in hints.items() if v}
        if kind:
            clean_hints["url_kind"] = kind
        meta.update(
            site=site.host,
            source=source,
            hints=clean_hints,
            discovery_depth=depth,
            follow=follow,
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
            self._skip("source_filter", url)
            return True
        if follow and kind == "non_content":
            site.seen.add(key)
            self._skip("url_shape", url)
            return True
        return False

    def _conditional(
        self, url: str, key: str, site: SiteState, lastmod: str | None
    ) -> tuple[dict[str, str], dict[str, Any]] | None:
        """Incremental fetch: None when the page is known and not newer than when it was
        emitted (counted); else the request's headers and meta (a conditional request,
        ETag / Last-Modified, for a known page listed with a newer date)."""
        listed = site.known.entry(key)  # (lastmod,) when listed earlier in this crawl
        if listed is not None and not is_newer(lastmod, listed[0]):
            return None  # listed again (another feed or sitemap), no newer date
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {}
        known = self._known(url, key)
        if known is None and self._emitted_article_page(url, lastmod):
            self._skip("known_url", url)
            return None
        if known is not None:
            if not is_newer(lastmod, known.lastmod):
                if listed is None:
                    self._skip("known_url", url)
                    if site.report is not None:
                        site.report.known_urls += 1
                site.known[key] = lastmod or (listed[0] if listed else None)
                return None
            self._count("discovery/changed_urls")
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta["handle_httpstatus_list"] = [304]
            meta["known_id"] = known.id
        return headers, meta

    def _dry_run_note(self, url: str, site: SiteState) -> None:
        """Dry run: an article (or a URL a sitemap or feed lists) is noted, not fetched."""
        if site.robots is not None and not site.robots.allowed(url, self._robots_agent()):
            site.report.robots_disallowed += 1
            return
        self._count("discovery/dry_run/not_fetched")
        self._note(site, "article_urls" if self._on_site(url, site) else "other_urls", url)

    def _refresh_known(self, response: Response) -> None:
        """After a 304, remember the newer lastmod, so the next run does not ask again.

        The article is unchanged and already emitted: only its fetch validators change.
        """
        store = self._state_store()
        known_id = response.meta.get("known_id")
        lastmod = (response.meta.get("hints") or {}).get("lastmod")
        if store is None or not known_id or not lastmod:
            return
        state = store.get_article(known_id)
        if state is None:
            return
        state = replace(
            state,
            lastmod=lastmod,
            etag=_header(response, "ETag") or state.etag,
            last_modified=_header(response, "Last-Modified") or state.last_modified,
        )
        store.mark_emitted(state, response.url, None)
        store.commit()

    def _page_failed(self, failure: Failure) -> None:
        """A candidate page that could not be fetched; counted once under ``skip/``.

        Middlewares already count their refusals (``skip/<reason>``), network errors
        and retryable statuses whose retries ran out (``skip/failed``); a final error
        status such as 404 or 410 is ``skip/http_error``.
        """
        request = failure.request  # type: ignore[attr-defined]
        self._count("discovery/page_failed")
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

        Scheduled at once (``dont_filter``; robots.txt is obeyed as for any request)
        unless ``url`` was requested in this run already (its page is on its way, or
        failed: no revisits), is not on the article's site, or the sources file denies
        it. The page budget does not count it (``MAX_ARTICLE_PAGES`` bounds an article).
        Returns the scheduled Request, or None.
        """
        site = self.sites.get(_bare_host(article_url))
        if site is None or self.dry_run or len(url) > self.max_url_length:
            return None
        host = (urlsplit(url).hostname or "").lower()
        if not (host == site.host or host.endswith("." + site.host)):
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
            },
            priority=50,  # before other pages: a record waits for it
            dont_filter=True,
        )
        self.crawler.engine.crawl(request)
        return request

    def _emitted_article_page(self, url: str, lastmod: str | None) -> bool:
        """True for page 2 or later of an article an earlier run emitted (joined into
        its record), unless its sitemap or feed date is newer than the article's."""
        first = multipage.first_page_url(url)
        if first is None:
            return False
        known = self._known(first, canonicalize(first, self.tracking_params))
        return known is not None and not is_newer(lastmod, known.lastmod)

    # ------------------------------------------------------ link-following fallback
    def _on_idle(self) -> None:
        """When sitemaps and feeds are done and listed no article, follow links instead."""
        scheduled = False
        scheduler = self._shared_scheduler()
        for site in self.sites.values():
            if site.link_mode or site.found or site.start_html is None:
                continue
            # distributed: another worker may be reading (or have read) the sitemaps
            if scheduler is not None and (
                not scheduler.frontier_quiet() or scheduler.shared_found(site.host)
            ):
                continue
            site.link_mode = True
            if site.report is not None:
                site.report.link_following = True
            self._count("discovery/link_following_sites")
            self.logger.info("No sitemap or feed articles for %s: following links", site.host)
            tree = parse_html(site.start_html, site.start_page_url or site.start_url)
            site.start_html = None
            if tree is None:
                continue
            for request in self._follow(tree, site.start_page_url or site.start_url, site, 0):
                self.crawler.engine.crawl(request)
                scheduled = True
        if scheduled:
            raise DontCloseSpider

    # ---------------------------------------------------------------- helpers
    def _shared_scheduler(self) -> Any:
        """The distributed scheduler (crawler/scheduler/redis_scheduler.py), or None."""
        scheduler = self.crawler.engine.scheduler
        return scheduler if hasattr(scheduler, "shared_found") else None

    def _share_found(self, site: SiteState, n: int) -> None:
        """Tell the other workers that sitemaps or feeds of ``site`` list articles."""
        scheduler = self._shared_scheduler() if n else None
        if scheduler is not None:
            scheduler.shared_found(site.host, n)

    def _is_html(self, response: Response) -> bool:
        """False (counted as ``skip/not_html``) when the Content-Type names no HTML type."""
        ctype = _header(response, "Content-Type")
        if ctype and not ctype.lower().split(";")[0].strip().startswith(_HTML_TYPES):
            self._skip("not_html", response.url)
            return False
        return True

    def _edits_pages(self, url: str) -> bool:
        """True when the sources file has ``remove`` selectors for ``url``'s site."""
        site_source = self.source_for(url)
        return bool(site_source is not None and site_source.remove)

    def _decode(self, response: Response) -> str | None:
        if not self._is_html(response):
            return None
        html, how = decode_html_how(response.body, _header(response, "Content-Type"))
        if not html:
            self._skip("undecodable", response.url)
            return None
        if how in NOTABLE_DECODES:
            self._count(f"charset/{how}")
        return html

    def _item(
        self, response: Response, html: str | None, source: str, hints: dict[str, Any]
    ) -> FetchedPage:
        """The page for the pipelines; with ``html`` None it carries the raw body, which
        the extraction worker decodes (``crawler.extract.pagework``)."""
        validators = {}
        etag = _header(response, "ETag")
        last_modified = _header(response, "Last-Modified")
        if etag:
            validators["etag"] = etag
        if last_modified:
            validators["last_modified"] = last_modified
        self._count(f"discovery/pages/{source}")
        hints = dict(hints)
        site_source = self.source_for(response.url)
        if site_source is not None:
            if site_source.remove and html is not None:
                html = self._remove(html, site_source, response.url)
            if site_source.languages:
                hints["languages"] = list(site_source.languages)
        raw = html is None
        return FetchedPage(
            url=response.url,
            html=html or "",
            fetched_at=utc_now_iso(),
            status=response.status,
            source=source,
            hints=hints,
            validators=validators,
            body=response.body if raw else None,
            content_type=_header(response, "Content-Type") if raw else None,
        )

    def _remove(self, html: str, site_source: Any, url: str) -> str:
        """The page without the elements the sources file's ``remove`` selectors match."""
        selectors = self._selectors.get(id(site_source))
        if selectors is None:
            from lxml.cssselect import CSSSelector

            selectors = [CSSSelector(s) for s in site_source.remove]
            self._selectors[id(site_source)] = selectors
        html, removed = remove_selected(html, selectors)
        if removed:
            self.crawler.stats.inc_value("sources/removed_elements", removed)
            self.logger.debug("Removed %d elements from %s (sources file)", removed, url)
        return html

    # ---------------------------------------------------------------- dry run
    def _robots_agent(self) -> str:
        return str(
            self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings.get("USER_AGENT") or ""
        )

    def _note(self, site: SiteState, kind: str, url: str) -> None:
        if site.report is not None:
            site.report.note(kind, url)

    def _note_listing(self, site: SiteState, url: str, tree: Any) -> None:
        """A page fetched while following links in a dry run: a listing, or an article
        whose URL shape did not tell (then its markup does)."""
        from crawler.extract.detect import PageEvidence

        if tree is not None and PageEvidence.from_tree(tree).says_article:
            self._note(site, "article_urls", url)
        else:
            self._note(site, "listing_pages", url)

    def _write_report(self, spider: Spider, reason: str) -> None:
        """Log the dry run's findings per start site and write them as JSON."""
        reports = [s.report for s in self.sites.values() if s.report is not None]
        path = output_dir(self.crawler) / f"{run_name(self.crawler)}.discovery.json"
        data = {
            "finish_reason": reason,
            "sites": [r.to_dict() for r in reports],
            "totals": {
                key: sum(r.counts()[key] for r in reports)
                for key in (reports[0].counts() if reports else {})
            },
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            self.logger.error("Could not write the discovery report %s: %s", path, exc)
            path = None  # type: ignore[assignment]
        lines = "\n".join(r.summary() for r in reports) or "no start site answered"
        self.logger.info(
            "Dry run: discovery found (no article fetched, no record written):\n%s%s",
            lines,
            f"\nFull discovery report: {path}" if path else "",
        )

    def _known(self, url: str, key: str) -> Any:
        """The store's record of an emitted article at ``url``, or None."""
        store = self._state_store()
        if store is None:
            return None
        return store.get_by_url(key) or (store.get_by_url(url) if url != key else None)

    def _state_store(self) -> Any:
        if self._store is None and not self._store_failed:
            try:
                from crawler.runtime.state import store_for

                self._store = store_for(self.crawler)
            except ImportError as exc:
                self._store_failed = True
                self.logger.warning("No crawl state store (%s): every URL is fetched", exc)
        return self._store

    @staticmethod
    def _on_site(url: str, site: SiteState) -> bool:
        """True for a URL on the site that may be an article (counts as a found article)."""
        host = (urlsplit(url).hostname or "").lower()
        if not (host == site.host or host.endswith("." + site.host)):
            return False
        return url_kind(url) not in ("non_content", "listing", "pagination")

    def _count(self, name: str) -> None:
        self.crawler.stats.inc_value(name)

    def _skip(self, reason: str, url: str) -> None:
        self.crawler.stats.inc_value(f"skip/{reason}")
        self.logger.debug("Skipped %s (%s)", url, reason)
