"""The news crawl's sites and their discovery bookkeeping (pure, no Scrapy).

A site is a start URL's bare host (no ``www.``): links to it and its subdomains are
same-site. ``SiteRegistry`` keeps one ``SiteState`` per site, created when a start
URL, a sources-file entry or a response first names it (in a distributed crawl a
worker may handle requests another worker's start scheduled). Every site's seen and
known URLs are rows of one temporary database on disk: a sitemap may list tens of
thousands of URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.discovery.dry_run import DiscoveryReport
from crawler.discovery.links import url_kind
from crawler.net.urls import on_site, site_host
from crawler.runtime.diskset import DiskDict, DiskSet, TemporaryDatabase


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


def with_scheme(url: str) -> str:
    """``url``, with ``https://`` when it names no scheme (``-a start=example.com``)."""
    return url if "://" in url else "https://" + url


def may_be_article(url: str, site: SiteState) -> bool:
    """True for a URL on the site that may be an article (counts as a found article)."""
    if not on_site(url, site.host):
        return False
    return url_kind(url) not in ("non_content", "listing", "pagination")


class SiteRegistry:
    """The crawl's sites by bare host, each with its page budget and discovery state.

    ``budget`` is the page budget of a site (``-a max_pages`` or ``MAX_PAGES``); a
    sources-file entry's ``max_pages`` replaces it unless ``-a max_pages`` was given.
    In a dry run each site gets a ``DiscoveryReport``.
    """

    def __init__(self, budget: int, *, max_pages_given: bool = False, dry_run: bool = False):
        self.budget = budget
        self.max_pages_given = max_pages_given
        self.dry_run = dry_run
        self.sites: dict[str, SiteState] = {}
        self._scratch: TemporaryDatabase | None = None  # every site's seen and known URLs

    def site_for(self, url: str, source: Any = None, host: str | None = None) -> SiteState:
        """The site of ``url`` (or of ``host``), created on first use with ``url`` as
        its start URL and ``source`` (a ``SiteSource``) as its sources-file entry."""
        host = host or site_host(url)
        site = self.sites.get(host)
        if site is None:
            budget = self.budget
            if source is not None and source.max_pages and not self.max_pages_given:
                budget = source.max_pages
            site = self.sites[host] = self._new_site(host, url, budget, source)
        return site

    def get(self, host: str) -> SiteState | None:
        return self.sites.get(host)

    def _new_site(self, host: str, url: str, budget: int, source: Any) -> SiteState:
        if self._scratch is None:
            self._scratch = TemporaryDatabase()
        site = SiteState(
            host,
            url,
            budget,
            source=source,
            seen=DiskSet(self._scratch),
            known=DiskDict(self._scratch),
        )
        if self.dry_run:
            site.report = DiscoveryReport(host, url)
        return site

    def close(self) -> None:
        """Delete the sites' seen and known URLs (a temporary database)."""
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None
