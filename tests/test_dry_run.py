"""`scrapy crawl news -a dry_run=1`: what discovery finds, without fetching articles.

One crawl over three fixture sites (a sitemap index, feeds only, paginated listings
only): the report counts every site's sitemaps, feeds, listing pages and article
URLs; the servers' request logs show that no article page was requested; no JSONL
is written. Listing pages are fetched on a listing-only site (that is how its
articles are found); article-shaped URLs are noted, never fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import SITES, run_crawl
from tests.server import FixtureServer


def host_of(server: FixtureServer) -> str:
    return urlsplit(server.base).hostname or ""


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def article_paths(site: str) -> set[str]:
    data = json.loads((SITES / site / "expected.json").read_text(encoding="utf-8"))
    return set(data["articles"])


@pytest.fixture
def three_sites() -> Iterator[dict[str, FixtureServer]]:
    """The three fixture sites, each on its own loopback address (a site is a host)."""
    servers = {
        name: FixtureServer(SITES / name, host=f"127.0.0.{i + 1}").start()
        for i, name in enumerate(("sitemap_index", "feed_only", "paginated"))
    }
    yield servers
    for server in servers.values():
        server.stop()


def test_dry_run_reports_discovery_without_fetching_articles(
    three_sites: dict[str, FixtureServer], tmp_path: Path
) -> None:
    servers = three_sites
    start = ",".join(s.base + "/" for s in servers.values())
    result = run_crawl(tmp_path, start=start, dry_run="1")
    assert result.returncode == 0, result.log[-3000:]

    # no records: no JSONL (nor a .part) written
    folder = result.output_dir / "news"
    assert not list(folder.glob("*.jsonl*"))
    assert result.stat("records/written") == 0
    reports = list(folder.glob("*.discovery.json"))
    assert len(reports) == 1
    assert f"Full discovery report: {reports[0]}" in result.log
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    by_site = {urlsplit(s["start_url"]).hostname: s for s in report["sites"]}

    for name, server in servers.items():
        site = by_site[host_of(server)]
        expected = article_paths(name)
        found = {path_of(u) for u in site["article_urls"]}
        assert found == expected, name
        assert site["counts"]["article_urls"] == len(expected)
        # not one article page requested
        requested = set(server.paths())
        assert not requested & expected, f"{name}: fetched {sorted(requested & expected)}"
        assert "/private/draft/" not in requested

    index = by_site[host_of(servers["sitemap_index"])]
    assert index["counts"]["robots_sitemaps"] == 1
    assert index["counts"]["sitemap_indexes"] == 1
    assert index["counts"]["sitemaps"] == 2  # the monthly children, one gzipped
    assert index["counts"]["robots_disallowed"] == 1  # the private draft it lists
    assert not index["link_following"]

    feeds = by_site[host_of(servers["feed_only"])]
    assert feeds["counts"]["feeds"] == 2  # RSS and Atom; the comment feed is not read
    assert feeds["counts"]["sitemaps"] == 0
    assert not feeds["link_following"]

    paginated = by_site[host_of(servers["paginated"])]
    assert paginated["link_following"]
    pages = {path_of(u) for u in paginated["listing_pages"]}
    assert {"/news/", "/news/?page=2", "/news/?page=3"} <= pages
    assert paginated["counts"]["listing_pages"] == len(pages)

    totals = report["totals"]
    assert totals["article_urls"] == sum(len(article_paths(n)) for n in servers)
    assert result.stat("discovery/dry_run/not_fetched") >= totals["article_urls"]
    assert "Dry run: discovery found" in result.log
