"""The news spider's responses as ``FetchedPage`` items for the record pipelines.

Only HTML goes on (``skip/not_html``). A page the spider does not parse goes with
its raw body, which the extraction worker decodes (``crawler/extract/pagework.py``);
one it parses for links is decoded here (``skip/undecodable``, ``charset/<how>``).
The sources file's ``remove`` selectors and ``languages`` of the page's site apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.extract.source_removal import compile_selectors, remove_selected
from crawler.items import FetchedPage
from crawler.runtime.run import utc_now_iso
from crawler.spider_parts.base import header, names_other_type
from crawler.text.charset import NOTABLE_DECODES, decode_html_how

if TYPE_CHECKING:
    from scrapy.http import Response

    from spiders.news import NewsSpider


class FetchedPageBuilder:
    """Checks, decodes and edits the news spider's pages and makes their items."""

    def __init__(self, spider: NewsSpider) -> None:
        self.spider = spider
        self._selectors: dict[int, list[Any]] = {}  # id(SiteSource) -> compiled remove selectors

    def is_html(self, response: Response) -> bool:
        """False (counted as ``skip/not_html``) when the Content-Type names no HTML type."""
        if names_other_type(header(response, "Content-Type")):
            self.spider.skip("not_html", response.url)
            return False
        return True

    def decode(self, response: Response) -> str | None:
        """The page's text; None (counted) when it is no HTML or no charset reads it."""
        if not self.is_html(response):
            return None
        html, how = decode_html_how(response.body, header(response, "Content-Type"))
        if not html:
            self.spider.skip("undecodable", response.url)
            return None
        if how in NOTABLE_DECODES:
            self.spider.count(f"charset/{how}")
        return html

    def edits(self, url: str) -> bool:
        """True when the sources file has ``remove`` selectors for ``url``'s site."""
        site_source = self.spider.source_for(url)
        return bool(site_source is not None and site_source.remove)

    def page(
        self, response: Response, html: str | None, source: str, hints: dict[str, Any]
    ) -> FetchedPage:
        """The page for the pipelines; with ``html`` None it carries the raw body, which
        the extraction worker decodes (``crawler.extract.pagework``)."""
        validators = {}
        etag = header(response, "ETag")
        last_modified = header(response, "Last-Modified")
        if etag:
            validators["etag"] = etag
        if last_modified:
            validators["last_modified"] = last_modified
        self.spider.count(f"discovery/pages/{source}")
        hints = dict(hints)
        site_source = self.spider.source_for(response.url)
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
            content_type=header(response, "Content-Type") if raw else None,
        )

    def _remove(self, html: str, site_source: Any, url: str) -> str:
        """The page without the elements the sources file's ``remove`` selectors match."""
        selectors = self._selectors.get(id(site_source))
        if selectors is None:
            selectors = self._selectors[id(site_source)] = compile_selectors(site_source.remove)
        html, removed = remove_selected(html, selectors)
        if removed:
            self.spider.count("sources/removed_elements", removed)
            self.spider.logger.debug("Removed %d elements from %s (sources file)", removed, url)
        return html
