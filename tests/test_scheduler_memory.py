"""Memory that does not grow with the number of pages: pending requests and seen URLs.

Scrapy's scheduler held every pending request as an object, and the spider and the
duplicate filter held every URL and fingerprint in Python sets: a 20,000-article
sitemap cost the crawl process about 3 KB a page. ``SpillingLifoQueue`` keeps at
most ``SCHEDULER_MEMORY_REQUESTS`` per queue in memory (the rest in a temporary
file, same LIFO order); ``DiskSet``/``DiskDict`` and ``DiskDupeFilter`` keep the
URLs and fingerprints in a temporary SQLite database.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.squeues import LifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.runtime.diskset import DiskDict, DiskSet, TemporaryDatabase
from crawler.scheduler.dupefilter import DiskDupeFilter
from crawler.scheduler.spilling_queue import SpillingLifoQueue
from spiders.news import NewsSpider
from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl
from tests.request_probe import probe_extensions


def crawler_with_spider(limit: int) -> tuple[Crawler, NewsSpider]:
    crawler = get_crawler(NewsSpider, {"SCHEDULER_MEMORY_REQUESTS": limit})
    spider = NewsSpider.from_crawler(crawler, start="http://example.com/")
    crawler.spider = spider
    return crawler, spider


def page_request(spider: NewsSpider, n: int) -> Request:
    return Request(
        f"http://example.com/news/{n}.html",
        callback=spider.parse_page,
        errback=spider._page_failed,
        headers={"If-None-Match": f'"{n}"'} if n % 3 == 0 else None,
        meta={"site": "example.com", "hints": {"lastmod": f"2026-01-{n % 28 + 1:02d}"}, "n": n},
        priority=n % 2,
    )


@pytest.mark.parametrize("limit", [1, 2, 7, 64])
def test_spilling_queue_pops_in_the_order_of_scrapys_lifo_queue(limit: int) -> None:
    crawler, spider = crawler_with_spider(limit)
    queue = SpillingLifoQueue.from_crawler(crawler, "")
    reference = LifoMemoryQueue()
    rng = random.Random(limit)
    popped: list[tuple[Request | None, Request | None]] = []
    for n in range(3000):
        if rng.random() < 0.6:
            request = page_request(spider, n)
            queue.push(request)
            reference.push(request)
        else:
            popped.append((queue.pop(), reference.pop()))
        assert len(queue) == len(reference)
        assert queue.in_memory <= limit
    while reference:
        popped.append((queue.pop(), reference.pop()))
    assert queue.pop() is None and len(queue) == 0
    spilled = crawler.stats.get_value("scheduler/spilled", 0)
    assert spilled >= 200
    for got, want in popped:
        if want is None:
            assert got is None
            continue
        assert got is not None
        # a spilled request comes back as an equal copy, a kept one as itself
        assert (got.url, got.meta, got.priority, got.headers) == (
            want.url,
            want.meta,
            want.priority,
            want.headers,
        )
        assert (got.callback, got.errback) == (spider.parse_page, spider._page_failed)
    queue.close()


def test_unserialisable_request_stays_in_memory_in_its_place() -> None:
    crawler, spider = crawler_with_spider(4)
    queue = SpillingLifoQueue.from_crawler(crawler, "")
    lock = threading.Lock()  # cannot be pickled
    requests = [page_request(spider, n) for n in range(20)]
    requests[3] = Request("http://example.com/lambda", callback=lambda r: None)
    requests[5] = Request("http://example.com/lock", callback=spider.parse_page, meta={"l": lock})
    for request in requests:
        queue.push(request)
    assert len(queue) == 20 and queue.in_memory == 4 + 2
    assert crawler.stats.get_value("scheduler/unspillable") == 2
    out = [queue.pop() for _ in range(20)]
    assert [r.url for r in out if r] == [r.url for r in reversed(requests)]
    assert out[-4] is requests[3] and out[-6] is requests[5]
    assert queue.peek() is None


def test_disk_set_and_dict_behave_like_set_and_dict() -> None:
    db = TemporaryDatabase()
    a, b = DiskSet(db), DiskSet(db)  # two sets on one database do not mix
    assert a.add("http://x/1") and not a.add("http://x/1")
    assert "http://x/1" in a and "http://x/1" not in b and len(a) == 1 and len(b) == 0
    b.update(["http://x/2", b"\x00\xff"])
    assert b"\x00\xff" in b and "http://x/2" in b and len(b) == 2
    assert sorted(map(str, b)) == sorted(map(str, ["http://x/2", b"\x00\xff"]))
    known = DiskDict(db)
    assert known.entry("k") is None and known.get("k") is None and "k" not in known
    known["k"] = None
    assert known.entry("k") == (None,) and "k" in known and known["k"] is None
    known["k"] = "2026-01-01"
    assert known["k"] == "2026-01-01" and len(known) == 1
    with pytest.raises(KeyError):
        known["missing"]
    db.close()
    with pytest.raises(RuntimeError):
        "http://x/1" in a  # noqa: B015 - the lookup itself must fail


def test_disk_dupefilter_filters_what_scrapys_filters_and_resumes_a_jobdir(
    tmp_path: Path,
) -> None:
    crawler, spider = crawler_with_spider(10)
    urls = [f"http://example.com/{n % 40}.html?b=2&a=1" for n in range(100)]
    urls += [f"http://example.com/{n}.html?a=1&b=2" for n in range(20)]  # same, reordered
    requests = [Request(u, callback=spider.parse_page) for u in urls]
    requests.append(Request(urls[0], method="POST", body=b"x"))
    fingerprinter = crawler.request_fingerprinter
    ours = DiskDupeFilter(fingerprinter=fingerprinter)
    scrapys = RFPDupeFilter(fingerprinter=fingerprinter)
    assert [ours.request_seen(r) for r in requests] == [scrapys.request_seen(r) for r in requests]
    ours.close("finished")
    # JOBDIR: the fingerprints go to requests.seen as Scrapy's do, and come back on resume
    first = DiskDupeFilter(str(tmp_path), fingerprinter=fingerprinter)
    assert not any(first.request_seen(r) for r in requests[:10])
    first.close("shutdown")
    resumed = DiskDupeFilter(str(tmp_path), fingerprinter=fingerprinter)
    assert all(resumed.request_seen(r) for r in requests[:10])
    assert not resumed.request_seen(Request("http://example.com/new.html"))
    resumed.close("finished")


ARTICLES = 300
LIMIT = 20
#: Each article answers after this delay (4 at a time): the sitemap is read long
#: before its articles are fetched.
DELAY = 0.1


def test_sitemap_of_300_articles_is_crawled_with_few_requests_in_memory(
    serve, tmp_path: Path
) -> None:
    """A sitemap lists 300 articles that answer slowly, so most of them wait in the
    scheduler at once; with 20 requests a queue in memory, the crawl process never
    holds more than a small number of Request objects, and every article is written
    once."""
    server = serve()
    urls = []
    for n in range(ARTICLES):
        path = f"/news/2026/03/{n:03d}/story-{n}.html"
        urls.append(server.url(path))
        server.route(path, article_html(server.url(path), seed=5000 + n))
        server.fault(path, delay=DELAY)
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    robots = f"User-agent: *\nSitemap: {server.url('/sitemap.xml')}\n"
    server.route("/robots.txt", robots, "text/plain")
    server.route("/", "<html><body><h1>Big Site</h1><p>News.</p></body></html>")

    result = run_crawl(
        tmp_path,
        settings={
            "SCHEDULER_MEMORY_REQUESTS": str(LIMIT),
            "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
            "EXTENSIONS": probe_extensions(),
        },
        start=server.url("/"),
    )

    assert result.returncode == 0, result.log[-4000:]
    ids = Counter(r["id"] for r in result.records)
    assert len(ids) == ARTICLES and set(ids.values()) == {1}
    assert {r["url"] for r in result.records} == set(urls)
    pending = result.stat("probe/peak_pending_requests")
    live = result.stat("probe/peak_live_requests")
    assert pending >= ARTICLES * 2 // 3  # most of the sitemap waited at once ...
    assert live <= 100, (live, pending)  # ... but only a few requests as objects
    assert result.stat("scheduler/spilled") >= pending - LIMIT
    assert result.stat("scheduler/unspillable") == 0
