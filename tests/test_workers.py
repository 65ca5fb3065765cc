"""The extraction worker pool: hangs and crashes cost one page, results keep coming.

The pool runs tasks named by dotted path, so the misbehaving functions below are
what a worker process imports and runs: they hang or kill their process on
chosen inputs and otherwise do the real work.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import as_completed
from typing import Any

import pytest

from crawler import settings as defaults
from crawler.runtime.workers import ExtractionPool, ExtractTimeout, WorkerCrashed, resolve
from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl

HERE = "tests.test_workers"


def behave(kind: str, value: Any = None) -> Any:
    """A task that hangs, crashes its process, raises, or returns ``value``."""
    if kind == "hang":
        time.sleep(600)
    if kind == "crash":
        os._exit(9)
    if kind == "raise":
        raise ValueError(value)
    if kind == "slow":
        time.sleep(0.3)
    return value


def extract_or_misbehave(page: Any, options: Any) -> Any:
    """The real extraction function, except on URLs that ask it to hang or crash."""
    if "/hang-" in page.url:
        time.sleep(600)
    if "/crash-" in page.url:
        os._exit(9)
    return resolve(defaults.EXTRACT_FUNCTION)(page, options)


def slow_extract(page: Any, options: Any) -> Any:
    """The real extraction function, slowed so that downloads outrun it."""
    time.sleep(0.15)
    return resolve(defaults.EXTRACT_FUNCTION)(page, options)


# -- the pool on its own ---------------------------------------------------------


def test_hanging_task_times_out_and_later_tasks_still_complete() -> None:
    with ExtractionPool(workers=2, timeout=1.0) as pool:
        hung = pool.submit(f"{HERE}.behave", "hang")
        after = [pool.submit(f"{HERE}.behave", "ok", i) for i in range(6)]
        with pytest.raises(ExtractTimeout):
            hung.result(timeout=30)
        assert [f.result(timeout=30).value for f in after] == list(range(6))
        assert pool.restarts == 1


def test_crashing_worker_costs_one_task_and_is_replaced() -> None:
    with ExtractionPool(workers=2, timeout=30) as pool:
        first = pool.submit(f"{HERE}.behave", "ok", "before")
        crashed = pool.submit(f"{HERE}.behave", "crash")
        after = [pool.submit(f"{HERE}.behave", "ok", i) for i in range(6)]
        assert first.result(timeout=30).value == "before"
        with pytest.raises(WorkerCrashed, match="exit code 9"):
            crashed.result(timeout=30)
        assert [f.result(timeout=30).value for f in after] == list(range(6))
        assert pool.restarts == 1


def test_exception_in_task_is_reraised_and_keeps_the_worker() -> None:
    with ExtractionPool(workers=1, timeout=30) as pool:
        with pytest.raises(ValueError, match="bad page"):
            pool.submit(f"{HERE}.behave", "raise", "bad page").result(timeout=30)
        pid = pool.pids()  # the process starts on its dispatcher thread, not in start()
        assert len(pid) == 1
        assert pool.submit(f"{HERE}.behave", "ok", 1).result(timeout=30).value == 1
        assert pool.pids() == pid and pool.restarts == 0


def test_start_does_not_wait_for_the_processes() -> None:
    """start() returns at once: the fork server's warm-up must not stall the reactor."""
    import time

    pool = ExtractionPool(workers=2, timeout=30, preload=(f"{HERE}",))
    try:
        started = time.perf_counter()
        pool.start()
        assert time.perf_counter() - started < 0.2
        assert pool.submit(f"{HERE}.behave", "ok", 7).result(timeout=60).value == 7
    finally:
        pool.close()


def test_results_come_back_in_completion_order() -> None:
    with ExtractionPool(workers=2, timeout=30) as pool:
        slow = pool.submit(f"{HERE}.behave", "slow", "slow")
        fast = pool.submit(f"{HERE}.behave", "ok", "fast")
        order = [f.result().value for f in as_completed([slow, fast], timeout=30)]
        assert order == ["fast", "slow"]


def test_worker_is_recycled_after_max_tasks() -> None:
    with ExtractionPool(workers=1, timeout=30, max_tasks=2) as pool:
        pids = []
        for i in range(5):
            assert pool.submit(f"{HERE}.behave", "ok", i).result(timeout=30).value == i
            pids.extend(pool.pids())
        assert len(set(pids)) >= 2 and pool.restarts == 0


def test_run_bounds_tasks_in_flight_to_queue_size() -> None:
    async def main(pool: ExtractionPool) -> list[Any]:
        tasks = [pool.run(f"{HERE}.behave", "ok", i) for i in range(12)]
        return [done.value for done in await asyncio.gather(*tasks)]

    with ExtractionPool(workers=2, timeout=30, queue_size=3) as pool:
        assert asyncio.run(main(pool)) == list(range(12))
        assert pool.peak_in_flight == 3
        assert pool.peak_waiting == 12


# -- a real crawl ------------------------------------------------------------------


def _article_site(serve: Any, names: list[str]) -> Any:
    server = serve()
    urls = [server.url(f"/news/{name}.html") for name in names]
    for seed, url in enumerate(urls):
        server.route(url[len(server.base) :], article_html(url, seed=seed + 1))
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.base}/sitemap.xml\n", "text/plain"
    )
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route("/", "<html><head><title>News</title></head><body><h1>News</h1></body></html>")
    return server


def test_hanging_and_crashing_pages_are_skipped_and_the_crawl_goes_on(tmp_path, serve) -> None:
    names = ["hang-1", "crash-1", *(f"story-{i}" for i in range(8)), "crash-2"]
    server = _article_site(serve, names)
    result = run_crawl(
        tmp_path,
        start=server.url("/"),
        settings={
            "EXTRACT_WORKERS": "2",
            "EXTRACT_TIMEOUT": "3",
            "EXTRACT_FUNCTION": f"{HERE}.extract_or_misbehave",
        },
    )
    assert result.returncode == 0, result.log[-3000:]
    urls = sorted(r["url"].rsplit("/", 1)[-1] for r in result.records)
    assert urls == sorted(f"story-{i}.html" for i in range(8))
    assert result.stat("skip/extract_timeout") == 1
    assert result.stat("skip/extract_crashed") == 2


def test_slow_extraction_pauses_downloads(tmp_path, serve) -> None:
    """Backpressure: pages waiting for extraction stay bounded, far below the site size."""
    names = [f"story-{i}" for i in range(40)]
    server = _article_site(serve, names)
    result = run_crawl(
        tmp_path,
        start=server.url("/"),
        settings={
            "EXTRACT_WORKERS": "2",
            "EXTRACT_QUEUE_SIZE": "2",
            "EXTRACT_FUNCTION": f"{HERE}.slow_extract",
            "CONCURRENT_REQUESTS": "4",
            "SCRAPER_SLOT_MAX_ACTIVE_SIZE": "20000",
        },
    )
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 40
    assert result.stat("extract/peak_in_flight") == 2
    assert 2 <= result.stat("extract/peak_waiting") <= 12


def test_runner_sets_the_switch_interval_while_its_pool_runs() -> None:
    import sys

    from scrapy.settings import Settings

    from crawler.runtime.workers import ExtractionRunner

    before = sys.getswitchinterval()
    settings = Settings(
        {
            "EXTRACT_FUNCTION": f"{HERE}.behave",
            "EXTRACT_WORKERS": 2,
            "EXTRACT_SWITCH_INTERVAL": 0.0007,
        }
    )
    runner = ExtractionRunner.from_settings(settings)
    runner.start()
    try:
        assert sys.getswitchinterval() == pytest.approx(0.0007)
    finally:
        runner.close()
    assert sys.getswitchinterval() == before
