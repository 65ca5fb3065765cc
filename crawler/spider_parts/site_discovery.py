"""How the news spider finds a site's articles: robots.txt, sitemaps, feeds, links.

For a site root it reads robots.txt ``Sitemap:`` lines, ``/sitemap.xml``,
``/sitemap_index.xml`` and the feeds the start page announces; documents are
sniffed from their content. The article URLs they list become the spider's page
requests (``NewsSpider.page_request``). A large sitemap index is read newest first
and only as far as the page budget needs. When a site's sitemaps and feeds are done
and listed no article, the spider follows links from its start page instead
(``link_fallback``). The parsing itself is pure: ``crawler/discovery/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request

from crawler import signals as cleanwire_signals
from crawler.discovery.feeds import FeedEntry, looks_like_feed_url, parse_feed
from crawler.discovery.lastmod import date_key, iso_date
from crawler.discovery.parsing import parse_html, xml_kind
from crawler.discovery.site_state import SiteState, may_be_article
from crawler.discovery.sitemaps import (
    Sitemap,
    looks_like_sitemap_url,
    maybe_gunzip,
    order_sitemap_children,
    parse_sitemap,
    robots_sitemaps,
    sitemap_rank,
)
from crawler.net.urls import canonicalize, site_host
from crawler.spider_parts.coordination import DistributedDiscovery

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from spiders.news import NewsSpider

#: Child sitemaps of an index requested at once; more follow while the page budget lasts.
SITEMAPS_IN_FLIGHT = 4


def _iso(value: str | None) -> str | None:
    """A sitemap or feed date as ISO 8601 UTC; unreadable dates are kept as given."""
    return iso_date(value) or value


class SiteDiscovery:
    """Reads each site's discovery documents and hands the URLs they list to the spider."""

    def __init__(self, spider: NewsSpider) -> None:
        settings = spider.crawler.settings
        self.spider = spider
        self.reporter = spider.reporter
        self.shared = DistributedDiscovery(spider.crawler)
        self.max_urls = settings.getint("SITEMAP_MAX_URLS", 50000)
        self.max_depth = settings.getint("SITEMAP_MAX_DEPTH", 4)
        self.max_files = settings.getint("SITEMAP_MAX_FILES", 200)
        self.max_bytes = settings.getint("SITEMAP_MAX_BYTES", 50 * 1024 * 1024)
        # an uncompressed sitemap may be up to 50 MB (the protocol's limit)
        self.document_maxsize = max(self.max_bytes, settings.getint("DOWNLOAD_MAXSIZE"))

    # ------------------------------------------------------------------ start
    def start_requests(self, url: str, site: SiteState) -> Iterator[Request]:
        """The first requests for a start URL: a sitemap or feed is read as such; a
        site root's robots.txt, sitemaps and start page; any other URL is a listing
        page to follow links from."""
        spider = self.spider
        parts = urlsplit(url)
        if looks_like_sitemap_url(url) or looks_like_feed_url(url):
            spider.count("discovery/start/document")
            req = self.document_request(url, site, depth=0, is_start=True)
            if req is not None:
                yield req
            return
        root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
        if parts.path in ("", "/") and not parts.query and site.source and site.source.sitemaps:
            spider.count("discovery/start/site")  # the sources file names the sitemaps
        elif parts.path in ("", "/") and not parts.query:
            spider.count("discovery/start/site")
            yield Request(
                root + "robots.txt",
                callback=spider.parse_robots,
                errback=spider._doc_failed,
                # the robots.txt middleware's copy, not a second download of it
                meta={"site": site.host, "robots_shared": True},
                dont_filter=True,
                priority=100,
            )
            for path in ("sitemap.xml", "sitemap_index.xml"):
                req = self.document_request(root + path, site, depth=0)
                if req is not None:
                    yield req
        else:
            spider.count("discovery/start/listing")
            site.link_mode = True
            self.reporter.link_following(site)
        site.seen.add(canonicalize(url, spider.tracking_params))
        yield Request(
            url,
            callback=spider.parse_start,
            errback=spider._doc_failed,
            meta={"site": site.host, "discovery_depth": 0},
            dont_filter=True,
            priority=90,
        )

    def source_requests(self, source: Any) -> Iterator[Request]:
        """The first requests for a sources-file entry: its start URLs, sitemaps, feeds."""
        sites = self.spider.registry
        for url in source.start:
            yield from self.start_requests(url, sites.site_for(url, source))
        for url in [*source.sitemaps, *source.feeds]:
            self.spider.count("discovery/start/document")
            req = self.document_request(url, sites.site_for(url, source), 0, is_start=True)
            if req is not None:
                yield req

    # -------------------------------------------------------------- documents
    def parse_robots(self, response: Response) -> Iterator[Request]:
        """robots.txt: its ``Sitemap:`` lines (and, in a dry run, its rules)."""
        site = self.spider.site_of(response)
        text = response.body.decode("utf-8", "replace") if response.status == 200 else ""
        self.reporter.read_robots(site, text)
        for url in robots_sitemaps(text, response.url):
            self.spider.count("discovery/robots_sitemaps")
            self.reporter.note(site, "robots_sitemaps", url)
            req = self.document_request(url, site, depth=0)
            if req is not None:
                yield req

    def document_request(
        self, url: str, site: SiteState, depth: int, is_start: bool = False
    ) -> Request | None:
        """A request for a sitemap or feed, unless already requested or over the limits."""
        key = canonicalize(url)
        if key in site.docs:
            self.spider.skip("sitemap_seen", url)
            return None
        if depth > self.max_depth:
            self.spider.skip("sitemap_depth", url)
            return None
        if site.sitemap_files >= self.max_files:
            self.spider.skip("sitemap_budget", url)
            return None
        site.docs.add(key)
        site.sitemap_files += 1
        return Request(
            url,
            callback=self.spider.parse_document,
            errback=self.spider._doc_failed,
            meta={
                "site": site.host,
                "sitemap_depth": depth,
                "is_start": is_start,
                "download_maxsize": self.document_maxsize,
            },
            dont_filter=True,
            priority=80,
        )

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A sitemap index, urlset or feed (sniffed from the content, not the URL)."""
        site = self.spider.site_of(response)
        if response.meta.get("queued"):
            site.sitemaps_in_flight -= 1
        yield from self._read_document(response, site)
        yield from self._next_sitemaps(site)
        if "sitemap_depth" in response.meta:
            site.docs_done += 1
        self.announce(site)

    def sniff_document(self, response: Response) -> Iterator[Any]:
        """A start page that is not HTML: read it as a sitemap or feed if it is XML."""
        body = maybe_gunzip(response.body, self.max_bytes) or b""
        if xml_kind(body) and not response.meta.get("sniffed"):
            response.meta["sniffed"] = True
            yield from self.parse_document(response)

    def _read_document(self, response: Response, site: SiteState) -> Iterator[Any]:
        body = maybe_gunzip(response.body, self.max_bytes)
        if body is None:
            self.spider.skip("sitemap_too_large", response.url)
            return
        sitemap = parse_sitemap(body, response.url, self.max_urls)
        if sitemap.kind:
            yield from self._read_sitemap(response, sitemap, site)
            return
        entries = parse_feed(body, response.url, self.max_urls)
        if entries is not None:
            self.reporter.note(site, "feeds", response.url)
            yield from self._read_feed(entries, site)
        elif response.meta.get("is_start"):
            yield from self.spider.parse_start(response)
        else:
            self.spider.skip("not_a_sitemap_or_feed", response.url)

    def _read_sitemap(self, response: Response, sitemap: Sitemap, site: SiteState) -> Iterator[Any]:
        spider = self.spider
        depth = response.meta.get("sitemap_depth", 0)
        if sitemap.truncated:
            spider.count("discovery/sitemap_truncated")
            spider.logger.info(
                "Sitemap %s lists more than %d URLs; read the first ones",
                response.url,
                self.max_urls,
            )
        if sitemap.kind == "index":
            spider.count("discovery/sitemap_indexes")
            self.reporter.note(site, "sitemap_indexes", response.url)
            children = order_sitemap_children(sitemap.entries)
            preferred = [c for c in children if sitemap_rank(c.loc) < 2]
            for child in children:
                if preferred and sitemap_rank(child.loc) == 2:
                    spider.skip("sitemap_non_article", child.loc)
                    continue
                site.sitemap_queue.append((child.loc, depth + 1))
            return
        spider.count("discovery/sitemaps")
        self.reporter.note(site, "sitemaps", response.url)
        entries = sorted(
            sitemap.entries,
            key=lambda e: date_key(e.lastmod or e.published),
            reverse=True,
        )
        found = site.found
        for entry in entries:
            site.found += may_be_article(entry.loc, site)
            source = "news_sitemap" if entry.is_news else "sitemap"
            spider.count(f"discovery/{source}_urls")
            hints = {
                "title": entry.title,
                "published": _iso(entry.published),
                "language": entry.language,
                "lastmod": _iso(entry.lastmod or entry.published),
            }
            req = spider.page_request(entry.loc, site, source, hints, depth=0)
            if req is not None:
                yield req
        self.shared.share_found(site.host, site.found - found)

    def _read_feed(self, entries: list[FeedEntry], site: SiteState) -> Iterator[Any]:
        spider = self.spider
        spider.count("discovery/feeds")
        self.shared.share_found(site.host, sum(may_be_article(e.url, site) for e in entries))
        for entry in entries:
            site.found += may_be_article(entry.url, site)
            spider.count("discovery/feed_urls")
            hints = {
                "title": entry.title,
                "published": _iso(entry.published),
                "lastmod": _iso(entry.updated or entry.published),
            }
            req = spider.page_request(entry.url, site, "feed", hints, depth=0)
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
                    self.spider.skip("sitemap_budget", url)
                site.sitemap_queue.clear()
                return
            url, depth = site.sitemap_queue.pop(0)
            req = self.document_request(url, site, depth)
            if req is not None:
                req.meta["queued"] = True
                site.sitemaps_in_flight += 1
                yield req

    def document_failed(self, failure: Failure) -> Iterator[Request]:
        """A robots.txt, sitemap, feed or start page that could not be fetched."""
        request = failure.request  # type: ignore[attr-defined]
        self.spider.count("discovery/document_failed")
        self.spider.logger.debug("Discovery document %s failed: %s", request.url, failure.value)
        site = self.spider.registry.get(request.meta.get("site") or site_host(request.url))
        if site is None:
            return
        self.reporter.note(site, "failed_documents", request.url)
        if request.meta.get("queued"):
            site.sitemaps_in_flight -= 1
        yield from self._next_sitemaps(site)
        if "sitemap_depth" in request.meta:
            site.docs_done += 1
        self.announce(site)

    def announce(self, site: SiteState) -> None:
        """Tell the pipelines how many article pages of ``site`` this crawl requested
        so far, and whether its sitemaps and feeds are still being read (more may come):
        the boilerplate pipeline holds a site's first records only when it pays off."""
        discovering = site.sitemap_files > site.docs_done or bool(site.sitemap_queue)
        if (site.pages, discovering) != site.announced:
            site.announced = (site.pages, discovering)
            self.spider.crawler.signals.send_catch_log(
                signal=cleanwire_signals.site_pages_expected,
                site=site.host,
                pages=site.pages,
                discovering=discovering,
            )

    # ------------------------------------------------------ link-following fallback
    def link_fallback(self) -> Iterator[Request]:
        """For each site whose sitemaps and feeds are done and listed no article, the
        requests for the links of its start page: the site is followed by links now."""
        for site in self.spider.sites.values():
            if site.link_mode or site.found or site.start_html is None:
                continue
            # distributed: another worker may be reading (or have read) the sitemaps
            if self.shared.defers_link_following(site.host):
                continue
            site.link_mode = True
            self.reporter.link_following(site)
            self.spider.count("discovery/link_following_sites")
            self.spider.logger.info(
                "No sitemap or feed articles for %s: following links", site.host
            )
            url = site.start_page_url or site.start_url
            tree = parse_html(site.start_html, url)
            site.start_html = None
            if tree is not None:
                yield from self.spider.follow_links(tree, url, site, 0)
