"""Distributed crawls join multi-page articles whole: two `scrapy crawl news` workers
share one redis-server (``tests/test_distributed.py``'s helpers) and a site of 3-page
articles whose sitemap lists only page 1, beside one-page articles.

The worker holding a page 1 fetches the pages it waits for itself: the requests the
multi-page pipeline asks for (``request_continuation``) stay in that worker's local
queue instead of the shared Redis queue, where another worker would pop them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.articles import article_html, sitemap_xml
from tests.redis_server import RedisServer, redis_server  # noqa: F401  (fixture)
from tests.server import FixtureServer
from tests.test_distributed import (  # noqa: F401  (autouse fixture)
    Worker,
    _no_worker_outlives_its_test,
    output_records,
    stats_of,
    wait_for_records,
)
from tests.test_multipage import Pager, paged_article

PAGED = 40
SINGLE = 40


def route_paged_site(site: FixtureServer) -> dict[str, list[str]]:
    """Serve the site; {page-1 URL: its paragraphs} of the paged articles, [] for the
    one-page ones. The sitemap lists page 1 of each paged article only."""
    expected: dict[str, list[str]] = {}
    for i in range(PAGED):
        path = f"/news/2026/05/paged-story-{i}"
        pages, paras = paged_article(site.base, path, 7000 + i, Pager())
        for page_path, page in pages.items():
            site.route(page_path, page)
        expected[site.url(path)] = paras
    for i in range(SINGLE):
        path = f"/news/2026/05/short-story-{i}"
        site.route(path, article_html(site.url(path), 8000 + i))
        expected[site.url(path)] = []
    site.route("/sitemap.xml", sitemap_xml(list(expected)), "application/xml")
    site.route("/robots.txt", f"User-agent: *\nSitemap: {site.url('/sitemap.xml')}\n")
    site.route("/", "<html><body><h1>Harbour Gazette</h1></body></html>")
    return expected


def test_two_workers_join_every_multipage_article_whole_and_once(
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer() as site:
        expected = route_paged_site(site)
        workers = [Worker(tmp_path, redis_server.url, site.base + "/", f"w{i}") for i in range(2)]
        codes = [w.wait() for w in workers]
        assert codes == [0, 0], workers[0].log()[-3000:]
        records, _ = output_records(tmp_path)
        stats = stats_of(tmp_path)
        assert len(stats) == 2
        incomplete = [s.get("multipage/incomplete", 0) for s in stats]
        urls = Counter(r["url"] for r in records)
        assert not [u for u, c in urls.items() if c > 1], "an article was emitted twice"
        assert set(urls) == set(expected), f"missing: {sorted(set(expected) - set(urls))[:3]}"
        assert incomplete == [0, 0], incomplete
        for record in records:
            paras = expected[record["url"]]
            if not paras:
                assert record["pages"] == 1, record["url"]
                continue
            assert record["pages"] == 3, record["url"]
            got = record["text"].split("\n\n")
            assert [p for p in got if p in paras] == paras, record["url"]
        # both workers worked; the pages a held page 1 waited for stayed in its worker
        assert all(s.get("records/written", 0) > 0 for s in stats)
        assert sum(s.get("multipage/articles", 0) for s in stats) == PAGED
        local = [s.get("scheduler/enqueued/local", 0) for s in stats]
        assert local == [s.get("scheduler/dequeued/local", 0) for s in stats]
        assert sum(local) == 2 * PAGED
        # every page fetched once
        hits = Counter(p for p in site.paths() if p.startswith("/news/"))
        assert len(hits) == 3 * PAGED + SINGLE and max(hits.values()) == 1


def test_a_worker_killed_while_holding_pages_loses_no_article_to_a_rerun(
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    """A worker SIGKILLed while it holds page-1 records: those records die with it,
    neither written nor marked. The pages they waited for were in its in-flight hash
    and go back to the shared queue; a later run (its frontier flushed) writes the
    articles the crawl lost, so every article comes out, and whole in its last version.

    (A page 1 still in the killed worker's in-flight hash goes back too; the worker
    that pops one of its recovered later pages fetches page 1 as well, and may get
    both: the lone page 1 can then come out first, as version 1 of the article. The
    same happens without local queues: there the later pages were in the shared queue.)
    """
    with FixtureServer() as site:
        expected = route_paged_site(site)
        for i in range(PAGED):  # slow later pages: records are held when the kill comes
            site.fault(f"/news/2026/05/paged-story-{i}?page=2", delay=0.3)
        w0 = Worker(tmp_path, redis_server.url, site.base + "/", "w0")
        w1 = Worker(tmp_path, redis_server.url, site.base + "/", "w1")
        wait_for_records(tmp_path, SINGLE // 2, [w0, w1])
        w0.kill()
        w2 = Worker(tmp_path, redis_server.url, site.base + "/", "w2")
        assert w1.wait() == 0, w1.log()[-3000:]
        assert w2.wait() == 0, w2.log()[-3000:]
        stats = stats_of(tmp_path)
        assert sum(s.get("distributed/recovered_requests", 0) for s in stats) > 0
        rerun = Worker(
            tmp_path, redis_server.url, site.base + "/", "w9", SCHEDULER_FLUSH_ON_START="1"
        )
        assert rerun.wait() == 0, rerun.log()[-3000:]
        records, _ = output_records(tmp_path)
        latest = {r["url"]: r for r in sorted(records, key=lambda r: r["version"])}
        assert set(latest) == set(expected), f"missing: {sorted(set(expected) - set(latest))[:3]}"
        assert all(r["pages"] == (3 if expected[r["url"]] else 1) for r in latest.values())
        assert len({(r["url"], r["content_hash"]) for r in records}) == len(records)
        once = Counter(r["url"] for r in records if not expected[r["url"]])
        assert set(once.values()) == {1}, "a one-page article was emitted twice"
