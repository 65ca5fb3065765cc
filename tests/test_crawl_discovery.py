"""End-to-end: `scrapy crawl news` finds every article of a site by each discovery path.

Each fixture site under tests/sites/ offers one way in: a sitemap index (with a
gzipped child, tag/author/page sitemaps and a self-reference), a Google News
sitemap only, RSS and Atom feeds only, or paginated listing pages only. Every
site also has home, section, tag, author, about and login pages that must emit
nothing, and a robots.txt ``Disallow: /private/`` whose page is linked or listed
but must never be requested. ``expected.json`` in each site lists its articles.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import SITES, run_crawl

DISCOVERY_SITES = ["sitemap_index", "news_sitemap", "feed_only", "paginated"]


def expected_articles(site: str, base: str) -> dict[str, str]:
    """{absolute article URL: title} of a fixture site."""
    data = json.loads((SITES / site / "expected.json").read_text(encoding="utf-8"))
    return {base + path: title for path, title in data["articles"].items()}


def assert_exactly_the_articles(records: list[dict], expected: dict[str, str]) -> None:
    urls = [r["url"] for r in records]
    assert sorted(urls) == sorted(expected), "every article once, and nothing else"
    for record in records:
        assert record["title"] == expected[record["url"]]
        assert record["canonical_url"] == record["url"]
        assert record["word_count"] >= 150


def check_sitemap_index(server, result) -> None:
    assert server.hits("/maps/index.xml") == 1  # lists itself: read once, no loop
    assert server.hits("/maps/posts-2026-03.xml.gz") == 1
    assert server.hits("/maps/posts-2026-02.xml") == 1
    for skipped in ("post_tag-sitemap.xml", "author-sitemap.xml", "page-sitemap.xml"):
        assert server.hits(f"/maps/{skipped}") == 0
    assert result.stat("skip/sitemap_non_article") == 3
    assert result.stat("skip/sitemap_seen") >= 1
    assert result.stat("skip/not_article") >= 2  # "/" and "/section/world/" are in a sitemap
    assert result.stat("discovery/link_following_sites") == 0


def check_news_sitemap(server, result) -> None:
    assert result.stat("discovery/news_sitemap_urls") == 6  # five articles and the private draft
    by_path = {r["url"][len(server.base) :]: r for r in result.records}
    assert by_path["/de/politik/leipzig-radwege-konzept-beschlossen"]["language"] == "de"
    assert {r["language"] for p, r in by_path.items() if not p.startswith("/de/")} == {"en"}
    assert result.stat("discovery/link_following_sites") == 0


def check_feed_only(server, result) -> None:
    assert server.hits("/feed.rss") == 1
    assert server.hits("/atom.xml") == 1
    assert server.hits("/comments/feed.rss") == 0  # comment feeds list comments
    assert result.stat("discovery/feeds") == 2
    assert result.stat("discovery/link_following_sites") == 0
    assert server.hits("/section/world/") == 0  # no link-following when feeds list articles


def check_paginated(server, result) -> None:
    assert result.stat("discovery/link_following_sites") == 1
    for page in ("/news/", "/news/?page=2", "/news/?page=3"):
        assert server.hits(page) == 1
    assert result.stat("skip/not_article") >= 5  # home, listings, sections, tag pages
    assert result.stat("skip/url_shape") >= 1  # about, login, search, newsletter links


CHECKS = {
    "sitemap_index": check_sitemap_index,
    "news_sitemap": check_news_sitemap,
    "feed_only": check_feed_only,
    "paginated": check_paginated,
}


@pytest.mark.parametrize("site", DISCOVERY_SITES)
def test_each_discovery_path_finds_every_article_once(serve, tmp_path: Path, site: str) -> None:
    server = serve(site)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-4000:]
    assert_exactly_the_articles(result.records, expected_articles(site, server.base))
    # robots.txt: the disallowed page is listed or linked, refused, and never requested.
    assert not [p for p in server.paths() if p.startswith("/private/")]
    assert result.stat("robotstxt/forbidden") >= 1
    # ... and fetched once: the spider reads its Sitemap: lines from the middleware's copy
    assert server.hits("/robots.txt") == 1
    assert result.stat("robotstxt/shared") == 1
    # Login, search and about pages are never requested.
    assert not [p for p in server.paths() if p.startswith(("/login", "/search", "/about"))]
    CHECKS[site](server, result)


def test_start_url_can_be_a_feed(serve, tmp_path: Path) -> None:
    server = serve("feed_only")
    result = run_crawl(tmp_path, start=server.url("/feed.rss"))
    assert result.returncode == 0, result.log[-4000:]
    every = expected_articles("feed_only", server.base)
    rss_only = {
        u: t
        for u, t in every.items()
        if u.rsplit("-", 1)[1] in {"1.html", "2.html", "3.html", "4.html"}
    }
    assert_exactly_the_articles(result.records, rss_only)
    assert server.hits("/robots.txt") >= 1
    assert server.hits("/sitemap.xml") == 0


def test_start_url_can_be_a_sitemap(serve, tmp_path: Path) -> None:
    server = serve("sitemap_index")
    result = run_crawl(tmp_path, start=server.url("/maps/posts-2026-02.xml"))
    assert result.returncode == 0, result.log[-4000:]
    every = expected_articles("sitemap_index", server.base)
    february = {u: t for u, t in every.items() if "/2026/02/" in u}
    assert_exactly_the_articles(result.records, february)


def test_start_url_can_be_a_listing_page(serve, tmp_path: Path) -> None:
    server = serve("paginated")
    result = run_crawl(tmp_path, start=server.url("/news/"))
    assert result.returncode == 0, result.log[-4000:]
    assert server.hits("/news/?page=3") == 1
    assert_exactly_the_articles(result.records, expected_articles("paginated", server.base))


def test_page_budget_limits_link_following(serve, tmp_path: Path) -> None:
    server = serve("paginated")
    result = run_crawl(tmp_path, start=server.url("/"), max_pages="3")
    assert result.returncode == 0, result.log[-4000:]
    assert result.stat("skip/page_budget") >= 1
    pages = [
        p
        for p in server.paths()
        if p not in ("/", "/robots.txt", "/sitemap.xml", "/sitemap_index.xml")
    ]
    assert len(pages) == 3


def test_sitemap_index_with_hundreds_of_tag_sitemaps_stays_in_budget(serve, tmp_path: Path) -> None:
    server = serve("sitemap_index")
    children = [f"{server.base}/maps/tags-{i}-sitemap.xml" for i in range(400)]
    children.insert(200, f"{server.base}/maps/posts-2026-02.xml")
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
        + "</sitemapindex>"
    )
    server.route("/maps/index.xml", index, "application/xml")
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-4000:]
    assert result.stat("skip/sitemap_non_article") == 400
    assert not [p for p in server.paths() if p.startswith("/maps/tags-")]
    every = expected_articles("sitemap_index", server.base)
    assert_exactly_the_articles(result.records, {u: t for u, t in every.items() if "/02/" in u})


def test_sources_file_names_sitemaps_and_denies_urls(serve, tmp_path: Path) -> None:
    server = serve("sitemap_index")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        "[[site]]\n"
        'name = "Harbour Gazette"\n'
        f'start = ["{server.url("/")}"]\n'
        f'sitemaps = ["{server.url("/maps/posts-2026-02.xml")}"]\n'
        'deny = ["story-3"]\n',
        encoding="utf-8",
    )
    result = run_crawl(tmp_path, sources=str(sources))
    assert result.returncode == 0, result.log[-4000:]
    every = expected_articles("sitemap_index", server.base)
    wanted = {u: t for u, t in every.items() if "/02/" in u and "story-3" not in u}
    assert_exactly_the_articles(result.records, wanted)
    assert result.stat("skip/source_filter") == 1
    # The sources file names the sitemaps: no sitemap discovery.
    assert server.hits("/sitemap.xml") == 0
    assert server.hits("/maps/index.xml") == 0


def test_sitemap_of_static_pages_and_soft_404_fall_back_to_links(serve, tmp_path: Path) -> None:
    server = serve("paginated")
    static = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.base}/</loc></url><url><loc>{server.base}/about/</loc></url>"
        "</urlset>"
    )
    server.route("/sitemap.xml", static, "application/xml")
    server.route("/sitemap_index.xml", "<html><body><h1>Page not found</h1></body></html>")
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-4000:]
    assert result.stat("skip/not_a_sitemap_or_feed") == 1
    assert result.stat("discovery/link_following_sites") == 1
    assert_exactly_the_articles(result.records, expected_articles("paginated", server.base))


def test_gzip_bomb_sitemap_is_refused_and_the_rest_still_crawled(serve, tmp_path: Path) -> None:
    server = serve("sitemap_index")
    bomb = gzip.compress(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b" " * (8 << 20)
    )
    server.route("/maps/posts-2026-02.xml", bomb, "application/x-gzip")
    result = run_crawl(tmp_path, start=server.url("/"), settings={"SITEMAP_MAX_BYTES": "1048576"})
    assert result.returncode == 0, result.log[-4000:]
    assert result.stat("skip/sitemap_too_large") == 1
    every = expected_articles("sitemap_index", server.base)
    assert_exactly_the_articles(result.records, {u: t for u, t in every.items() if "/03/" in u})


def test_large_index_is_read_newest_first_only_as_far_as_the_page_budget(
    serve, tmp_path: Path
) -> None:
    server = serve("sitemap_index")
    months = [f"{year}-{month:02d}" for year in range(2021, 2026) for month in range(1, 13)]
    children = []
    for month in months:
        path = f"/maps/posts-{month}.xml"
        children.append(f"<sitemap><loc>{server.base}{path}</loc></sitemap>")
        urls = "".join(
            f"<url><loc>{server.base}/news/{month}/story-{n}-from-the-archive.html</loc></url>"
            for n in range(3)
        )
        server.route(
            path,
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            "application/xml",
        )
    server.route(
        "/maps/index.xml",
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(children)
        + "</sitemapindex>",
        "application/xml",
    )
    result = run_crawl(tmp_path, start=server.url("/"), max_pages="5")
    assert result.returncode == 0, result.log[-4000:]
    read = [p for p in server.paths() if p.startswith("/maps/posts-")]
    assert "/maps/posts-2025-12.xml" in read
    assert len(read) <= 8
    assert result.stat("skip/sitemap_budget") == len(months) - len(read)
    pages = [p for p in server.paths() if p.startswith("/news/")]
    assert len(pages) == 5
    assert all(p.startswith(("/news/2025-", "/news/2024-")) for p in pages)


def test_gone_and_failing_article_pages_are_counted_once_as_skips(serve, tmp_path: Path) -> None:
    server = serve("feed_only")
    every = sorted(expected_articles("feed_only", server.base))
    gone, missing, broken = (u[len(server.base) :] for u in every[:3])
    server.fault(gone, status=410)
    server.fault(missing, status=404)
    server.fault(broken, status=503)  # retried (RETRY_TIMES=1), then given up
    result = run_crawl(tmp_path, start=server.url("/"), settings={"RETRY_BACKOFF_BASE": "0"})
    assert result.returncode == 0, result.log[-4000:]
    assert len(result.records) == len(every) - 3
    # and the robots.txt refusal of the private draft (robotstxt/forbidden, not a skip)
    assert result.stat("discovery/page_failed") == 3 + result.stat("robotstxt/forbidden")
    assert result.stat("skip/http_error") == 2  # 404 and 410: final answers
    assert result.stat("skip/failed") == 1  # 503: counted by the retry middleware, not again
    assert server.hits(broken) == 2


def test_robots_txt_behind_a_redirect_is_fetched_once_and_read_for_sitemaps(
    serve, tmp_path: Path
) -> None:
    """The robots.txt middleware follows the redirect; the spider reads the Sitemap:
    lines from that same download (the index is only announced there)."""
    server = serve("sitemap_index")
    robots = (SITES / "sitemap_index" / "robots.txt").read_text().replace("{{BASE}}", server.base)
    server.route("/static/robots.txt", robots, "text/plain")
    server.fault("/robots.txt", status=301, headers={"Location": "/static/robots.txt"})
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-4000:]
    assert_exactly_the_articles(result.records, expected_articles("sitemap_index", server.base))
    assert server.hits("/robots.txt") == 1 and server.hits("/static/robots.txt") == 1
    assert result.stat("robotstxt/shared") == 1
    assert result.stat("robotstxt/forbidden") >= 1
    assert not [p for p in server.paths() if p.startswith("/private/")]


def test_failing_robots_txt_is_not_fetched_again_by_the_spider(serve, tmp_path: Path) -> None:
    """A robots.txt answering 503 is retried by the middleware only; the spider gets that
    answer (a failed discovery document), and per RFC 9309 nothing else of the site is
    fetched this run (a failed site: exit status 3)."""
    server = serve("sitemap_index")
    server.fault("/robots.txt", status=503)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 3, result.log[-4000:]
    assert server.hits("/robots.txt") == 2  # the middleware's request and its one retry
    assert set(server.paths()) == {"/robots.txt"}
    assert result.stat("robotstxt/shared") >= 1  # (the spider's retry gets the copy again)
    assert result.stat("robotstxt/unreachable") == 1
    assert result.records == []
