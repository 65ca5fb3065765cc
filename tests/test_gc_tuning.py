"""Garbage-collector tuning: what the extension does to the collector when a spider opens,
and that a crawl with it writes the same records as one without it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extensions.gc_tuning import CollectorTuning
from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Restore the process-wide collector state the test changes."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def _open(settings: dict[str, Any]) -> CollectorTuning:
    crawler = get_crawler(Spider, settings)
    tuning = CollectorTuning.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.spider_opened, spider=Spider("s"))
    return tuning


def test_spider_open_freezes_the_heap_and_raises_the_young_threshold(collector_state) -> None:
    gc.unfreeze()
    _, older, oldest = gc.get_threshold()
    _open({"GC_FREEZE": True, "GC_THRESHOLD": 12345})
    assert gc.get_freeze_count() > 1000  # the modules loaded so far, at least
    assert gc.get_threshold() == (12345, older, oldest)


def test_threshold_zero_keeps_pythons_and_no_freeze_freezes_nothing(collector_state) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    _open({"GC_FREEZE": False, "GC_THRESHOLD": 500})
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[0] == 500
    gc.set_threshold(*before)
    _open({"GC_FREEZE": True, "GC_THRESHOLD": 0})
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before


def test_both_off_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(get_crawler(Spider, {"GC_FREEZE": False, "GC_THRESHOLD": 0}))


def _enabled_extensions(log: str) -> str:
    """The list Scrapy logs after "Enabled extensions:"."""
    return log.split("Enabled extensions:", 1)[1].split("]", 1)[0]


def test_crawl_with_tuning_writes_the_same_records_as_without(tmp_path, serve) -> None:
    server = serve()
    urls = [server.url(f"/news/2026/04/0{i}/gc-story-{i}.html") for i in range(1, 7)]
    for seed, url in enumerate(urls):
        server.route(url[len(server.base) :], article_html(url, seed=40 + seed))
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.base}/sitemap.xml\n", "text/plain"
    )
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route("/", "<html><head><title>Home</title></head><body><h1>Home</h1></body></html>")
    # a tiny threshold makes young collections run constantly during the crawl
    # LOG_STARTUP_DETAILS: Scrapy's "Enabled extensions" list at INFO, to read below
    tuned = run_crawl(
        tmp_path / "tuned",
        start=server.url("/"),
        settings={"GC_THRESHOLD": "5", "LOG_STARTUP_DETAILS": "1"},
    )
    plain = run_crawl(
        tmp_path / "plain",
        start=server.url("/"),
        settings={"GC_FREEZE": "0", "GC_THRESHOLD": "0", "LOG_STARTUP_DETAILS": "1"},
    )
    assert tuned.returncode == 0, tuned.log[-3000:]
    assert plain.returncode == 0, plain.log[-3000:]
    assert "CollectorTuning" in _enabled_extensions(tuned.log)
    assert "CollectorTuning" not in _enabled_extensions(plain.log)
    assert len(tuned.records) == 6

    def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(
            ({k: v for k, v in r.items() if k != "fetched_at"} for r in records),
            key=lambda r: r["url"],
        )

    assert comparable(tuned.records) == comparable(plain.records)
