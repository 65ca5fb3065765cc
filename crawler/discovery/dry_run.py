"""The dry-run report (``-a dry_run=1``): what discovery found for one start site."""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------------- dry-run report


@dataclass
class DiscoveryReport:
    """What discovery found for one start site (``-a dry_run=1``), without fetching articles.

    Every list holds URLs in the order they were found; ``article_urls`` are the
    article-shaped URLs a crawl would fetch (within the page budget, not emitted before).
    """

    site: str
    start_url: str
    robots_sitemaps: list[str] = field(default_factory=list)
    sitemap_indexes: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    listing_pages: list[str] = field(default_factory=list)
    article_urls: list[str] = field(default_factory=list)
    other_urls: list[str] = field(default_factory=list)  # listed, but not article-shaped
    failed_documents: list[str] = field(default_factory=list)  # absent or unreadable
    known_urls: int = 0  # emitted by an earlier run and not changed since
    over_budget: int = 0  # found beyond the page budget
    robots_disallowed: int = 0  # listed, but robots.txt disallows them
    link_following: bool = False

    def note(self, kind: str, url: str) -> None:
        """Add ``url`` to the list ``kind`` once."""
        urls: list[str] = getattr(self, kind)
        if url not in urls:
            urls.append(url)

    def counts(self) -> dict[str, int]:
        return {
            "robots_sitemaps": len(self.robots_sitemaps),
            "sitemap_indexes": len(self.sitemap_indexes),
            "sitemaps": len(self.sitemaps),
            "feeds": len(self.feeds),
            "listing_pages": len(self.listing_pages),
            "article_urls": len(self.article_urls),
            "other_urls": len(self.other_urls),
            "failed_documents": len(self.failed_documents),
            "known_urls": self.known_urls,
            "over_budget": self.over_budget,
            "robots_disallowed": self.robots_disallowed,
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "start_url": self.start_url,
            "link_following": self.link_following,
            "counts": self.counts(),
            "robots_sitemaps": self.robots_sitemaps,
            "sitemap_indexes": self.sitemap_indexes,
            "sitemaps": self.sitemaps,
            "feeds": self.feeds,
            "listing_pages": self.listing_pages,
            "article_urls": self.article_urls,
            "other_urls": self.other_urls,
            "failed_documents": self.failed_documents,
        }

    def summary(self, sample: int = 3) -> str:
        """A few human-readable lines for the log."""
        c = self.counts()
        how = "links from listing pages" if self.link_following else "sitemaps and feeds"
        lines = [
            f"{self.site} ({self.start_url}): {c['article_urls']} article URLs via {how}",
            f"  robots.txt sitemaps: {c['robots_sitemaps']}, sitemap indexes: "
            f"{c['sitemap_indexes']}, sitemaps: {c['sitemaps']}, feeds: {c['feeds']}, "
            f"listing pages fetched: {c['listing_pages']}",
            f"  not article-shaped: {c['other_urls']}, emitted before: {c['known_urls']}, "
            f"over the page budget: {c['over_budget']}, disallowed by robots.txt: "
            f"{c['robots_disallowed']}, absent/failed documents: {c['failed_documents']}",
        ]
        for kind, label in (
            ("sitemap_indexes", "sitemap index"),
            ("sitemaps", "sitemap"),
            ("feeds", "feed"),
        ):
            for url in getattr(self, kind)[:sample]:
                lines.append(f"  {label}: {url}")
        for url in self.article_urls[:sample]:
            lines.append(f"  article: {url}")
        return "\n".join(lines)
