"""Dropped items are freed at once: the drop's reference cycle is broken
(``crawler/extensions/drop_tracebacks.py``), checked in a real crawl with the
cyclic collector switched off, so only reference counting can free an item."""

from __future__ import annotations

import json
import subprocess
import sys

from crawler.extensions.drop_tracebacks import clear_tracebacks
from tests.conftest import ROOT

ITEMS = 50


class DropAll:
    """A pipeline that drops every item."""

    def process_item(self, item: object) -> object:
        from scrapy.exceptions import DropItem

        raise DropItem("drop/test")


def crawl_main(settings_json: str) -> None:
    """Subprocess: yield ITEMS records that a pipeline drops; print how many survive."""
    import gc
    import weakref

    from scrapy import Spider, signals
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.items import FetchedPage

    refs: list[weakref.ref[FetchedPage]] = []

    class PageSpider(Spider):
        name = "pages"

        async def start(self):  # type: ignore[override]
            for i in range(ITEMS):
                page = FetchedPage(url=f"https://a.example/{i}", html="x" * 10_000, fetched_at="")
                refs.append(weakref.ref(page))
                yield page

    settings = get_project_settings()
    settings.setdict(
        {
            "ITEM_PIPELINES": {"tests.test_drop_tracebacks.DropAll": 100},
            "EXTENSIONS": {
                "crawler.extensions.drop_tracebacks.DroppedItemRelease": 0,
                "crawler.extensions.gc_tuning.CollectorTuning": None,
            },
            "LOG_LEVEL": "WARNING",
            **json.loads(settings_json),
        },
        priority="cmdline",
    )
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(PageSpider)
    alive: list[int] = []

    def count_alive() -> None:
        alive.append(sum(r() is not None for r in refs))

    crawler.signals.connect(count_alive, signal=signals.spider_closed, weak=False)
    gc.disable()
    process.crawl(crawler)
    process.start()
    print(json.dumps({"alive": alive[0], "dropped": crawler.stats.get_value("item_dropped_count")}))


def _run(settings: dict[str, object]) -> dict[str, int]:
    code = (
        "from tests.test_drop_tracebacks import crawl_main; "
        f"crawl_main({json.dumps(json.dumps(settings))})"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_dropped_items_are_freed_without_a_garbage_collection() -> None:
    released = _run({})
    kept = _run({"GC_RELEASE_DROPPED": False})
    assert released["dropped"] == kept["dropped"] == ITEMS
    assert kept["alive"] >= ITEMS - 2  # the cycle holds every dropped page
    assert released["alive"] <= 2  # at most the last pages still in Scrapy's hands


def test_clear_tracebacks_follows_the_cause_and_context_chain() -> None:
    try:
        try:
            raise ValueError("inner")
        except ValueError as inner:
            raise KeyError("outer") from inner
    except KeyError as outer:
        exc = outer
    assert exc.__traceback__ is not None and exc.__cause__ is not None
    assert exc.__cause__.__traceback__ is not None
    clear_tracebacks(exc)
    assert exc.__traceback__ is None and exc.__cause__.__traceback__ is None
