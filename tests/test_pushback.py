"""Polite to servers that push back: robots.txt per RFC 9309, Retry-After, Crawl-delay.
Real crawls of loopback sites; the fixture server records when each request came."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from crawler.downloadermiddlewares.retry_after import parse_retry_after
from tests.articles import route_news_site, sitemap_xml
from tests.conftest import run_crawl

ARTICLES = [f"/news/2026/05/0{n}/story-{n}.html" for n in range(1, 4)]


def _site(server: Any, robots: str | None = None) -> None:
    route_news_site(server, ARTICLES, first_seed=40, robots=robots)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("4", 4.0), (" 120 ", 120.0), ("soon", None), ("", None), (None, None), ("-3", None)],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412500.0) == 0.0


def test_robots_txt_answering_503_means_nothing_of_the_site_is_fetched(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    _site(server)
    server.fault("/robots.txt", status=503)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert {p for p in server.paths()} == {"/robots.txt"}  # not even the sitemaps
    assert result.records == []
    assert result.stat("robotstxt/unreachable") == 1
    assert result.returncode == 3, result.log[-2000:]  # every start site failed
    assert "RFC 9309" in result.log


def test_robots_txt_answering_404_allows_everything(tmp_path: Path, serve: Any) -> None:
    server = serve()
    _site(server)
    server.fault("/robots.txt", status=404, body=b"User-agent: *\nDisallow: /\n")
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.records) == len(ARTICLES)


def test_retry_after_on_429_is_waited_for(tmp_path: Path, serve: Any) -> None:
    server = serve()
    _site(server, robots="User-agent: *\nAllow: /\n")
    server.fault(ARTICLES[0], status=429, headers={"Retry-After": "2"}, times=1)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"RETRY_BACKOFF_BASE": "0.1"})
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.records) == len(ARTICLES)
    hits = [h for h in server.requests if h.path == ARTICLES[0]]
    assert [h.status for h in hits] == [429, 200]
    assert hits[1].at - hits[0].at >= 1.9
    assert result.stat("retry/retry_after") == 1


def test_retry_after_beyond_the_cap_skips_the_page(tmp_path: Path, serve: Any) -> None:
    server = serve()
    _site(server, robots="User-agent: *\nAllow: /\n")
    server.fault(ARTICLES[0], status=503, headers={"Retry-After": "3600"})
    result = run_crawl(tmp_path, start=server.url("/"), settings={"RETRY_AFTER_MAX": "5"})
    assert len(result.records) == len(ARTICLES) - 1
    assert result.stat("skip/retry_after_too_long") == 1
    assert server.hits(ARTICLES[0]) == 1  # not retried


def test_crawl_delay_spaces_the_sites_requests(tmp_path: Path, serve: Any) -> None:
    server = serve()
    robots = f"User-agent: *\nCrawl-delay: 1\nSitemap: {server.url('/sitemap.xml')}\n"
    _site(server, robots=robots)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.records) == len(ARTICLES)
    times = sorted(h.at for h in server.requests if h.path in ARTICLES)
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(times)), times
    assert result.stat("robotstxt/crawl_delay_sites") == 1


def test_crawl_delay_beyond_the_cap_is_applied_at_the_cap(tmp_path: Path, serve: Any) -> None:
    server = serve()
    robots = f"User-agent: *\nCrawl-delay: 3600\nSitemap: {server.url('/sitemap.xml')}\n"
    _site(server, robots=robots)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"CRAWL_DELAY_MAX": "0.5"})
    assert len(result.records) == len(ARTICLES)
    assert result.stat("robotstxt/crawl_delay_capped") == 1
    assert "CRAWL_DELAY_MAX" in result.log


def test_requests_waiting_for_robots_txt_obey_it_too(tmp_path: Path, serve: Any) -> None:
    """Scrapy hands the parsed rules only to the first request that waited for the
    download; the spider's first sitemap and start page requests wait with it."""
    server = serve()
    robots = (
        "User-agent: *\nDisallow: /sitemap_index.xml\nDisallow: /sitemap.xml\n"
        f"Sitemap: {server.url('/feeds/sitemap.xml')}\n"
    )
    _site(server, robots=robots)
    server.route("/feeds/sitemap.xml", sitemap_xml([server.url(p) for p in ARTICLES]))
    server.fault("/robots.txt", delay=0.5, body=robots.encode(), status=200)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-2000:]
    requested = set(server.paths())
    assert "/sitemap_index.xml" not in requested and "/sitemap.xml" not in requested
    assert len(result.records) == len(ARTICLES)
    assert result.stat("robotstxt/forbidden") == 2


def test_robots_txt_behind_more_than_five_redirects_counts_as_unavailable(
    tmp_path: Path, serve: Any
) -> None:
    """RFC 9309: at most five redirects to robots.txt; beyond them it is unavailable,
    which (like a 4xx) means no rules."""
    server = serve()
    _site(server)
    chain = ["/robots.txt", *(f"/r{n}" for n in range(1, 8))]
    for here, there in itertools.pairwise(chain):
        server.fault(here, status=301, headers={"Location": there})
    server.route(chain[-1], "User-agent: *\nDisallow: /\n", "text/plain")
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-2000:]
    assert server.hits("/r5") >= 1 and server.hits("/r6") == 0
    assert len(result.records) == len(ARTICLES)  # no rules: the site is crawled
