"""The news spider's dry run (``-a dry_run=1``): what discovery found, noted and reported.

In a dry run every site has a ``DiscoveryReport`` (``crawler/discovery/dry_run.py``):
the sitemaps, feeds and listing pages read, the article URLs a crawl would fetch
(not fetched), those robots.txt disallows. When the spider closes, the reports are
logged and written to ``<run>.discovery.json``. Outside a dry run sites have no
report and every note is a no-op.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crawler.discovery.site_state import SiteState, may_be_article
from crawler.runtime.run import output_dir, run_name

if TYPE_CHECKING:
    from scrapy import Spider

    from spiders.news import NewsSpider


class DryRunReporter:
    """Notes what discovery finds in the sites' reports and writes them at the end."""

    def __init__(self, spider: NewsSpider) -> None:
        self.spider = spider

    def note(self, site: SiteState, kind: str, url: str) -> None:
        """Add ``url`` to the report's list ``kind`` (``sitemaps``, ``feeds``...)."""
        if site.report is not None:
            site.report.note(kind, url)

    def link_following(self, site: SiteState) -> None:
        if site.report is not None:
            site.report.link_following = True

    def over_budget(self, site: SiteState) -> None:
        if site.report is not None:
            site.report.over_budget += 1

    def known_url(self, site: SiteState) -> None:
        if site.report is not None:
            site.report.known_urls += 1

    def read_robots(self, site: SiteState, text: str) -> None:
        """Keep the site's robots.txt rules, to tell which listed URLs it disallows."""
        settings = self.spider.settings
        if site.report is None or not settings.getbool("ROBOTSTXT_OBEY"):
            return
        from scrapy.utils.misc import load_object

        parser = load_object(settings.get("ROBOTSTXT_PARSER"))
        site.robots = parser.from_crawler(self.spider.crawler, text.encode("utf-8"))

    def not_fetched(self, url: str, site: SiteState) -> None:
        """An article (or a URL a sitemap or feed lists) is noted, not fetched."""
        report = site.report
        if report is None:
            return
        if site.robots is not None and not site.robots.allowed(url, self._robots_agent()):
            report.robots_disallowed += 1
            return
        self.spider.count("discovery/dry_run/not_fetched")
        self.note(site, "article_urls" if may_be_article(url, site) else "other_urls", url)

    def note_listing(self, site: SiteState, url: str, tree: Any) -> None:
        """A page fetched while following links: a listing, or an article whose URL
        shape did not tell (then its markup does)."""
        from crawler.extract.detect import PageEvidence

        if tree is not None and PageEvidence.from_tree(tree).says_article:
            self.note(site, "article_urls", url)
        else:
            self.note(site, "listing_pages", url)

    def _robots_agent(self) -> str:
        settings = self.spider.settings
        return str(settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "")

    def write(self, spider: Spider, reason: str) -> None:
        """Log the dry run's findings per start site and write them as JSON
        (``spider_closed``)."""
        crawler = self.spider.crawler
        reports = [s.report for s in self.spider.sites.values() if s.report is not None]
        path = output_dir(crawler) / f"{run_name(crawler)}.discovery.json"
        data = {
            "finish_reason": reason,
            "sites": [r.to_dict() for r in reports],
            "totals": {
                key: sum(r.counts()[key] for r in reports)
                for key in (reports[0].counts() if reports else {})
            },
        }
        logger = self.spider.logger
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            logger.error("Could not write the discovery report %s: %s", path, exc)
            path = None  # type: ignore[assignment]
        lines = "\n".join(r.summary() for r in reports) or "no start site answered"
        logger.info(
            "Dry run: discovery found (no article fetched, no record written):\n%s%s",
            lines,
            f"\nFull discovery report: {path}" if path else "",
        )
