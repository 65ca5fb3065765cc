"""Extract pipeline: FetchedPage -> ArticleRecord, or DropItem with a counted reason.

Thin glue around ``crawler.extraction.build_record`` (pure, picklable), which
does the parsing, article detection, extraction and clean-up.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extraction import ExtractOptions, Skip
from crawler.items import ArticleRecord, FetchedPage
from crawler.workers import ExtractionRunner, ExtractTimeout, WorkerCrashed

logger = logging.getLogger(__name__)


def options_from_settings(settings: Any) -> ExtractOptions:
    """The extraction options a crawl's settings ask for."""
    return ExtractOptions(
        min_words=settings.getint("EXTRACT_MIN_WORDS", 60),
        max_link_density=settings.getfloat("EXTRACT_MAX_LINK_DENSITY", 0.5),
        tracking_params=tuple(settings.getlist("TRACKING_PARAMS", [])),
        cleanup=settings.getbool("EXTRACT_CLEANUP", True),
        fallback=settings.getbool("EXTRACT_FALLBACK", True),
    )


class ExtractPipeline:
    """Turns fetched pages into article records; non-articles are dropped and counted."""

    def __init__(self, crawler: Crawler, options: ExtractOptions) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.options = options
        #: runs EXTRACT_FUNCTION (default build_record) in worker processes, or here
        self.runner = ExtractionRunner.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler, options_from_settings(crawler.settings))

    def open_spider(self) -> None:
        self.runner.start()

    def close_spider(self) -> None:
        self.runner.close()
        for key, value in self.runner.stats().items():
            self.stats.set_value(key, value)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        try:
            done = await self.runner.run(item, self.options)
        except (ExtractTimeout, WorkerCrashed) as exc:
            reason = "extract_timeout" if isinstance(exc, ExtractTimeout) else "extract_crashed"
            logger.info("skip/%s %s: %s", reason, item.url, exc)
            return self.handle_result(item, Skip(reason, str(exc)))
        self.stats.inc_value("time/extract_ms", round(done.seconds * 1000))
        return self.handle_result(item, done.value)

    def handle_result(self, page: FetchedPage, result: ArticleRecord | Skip) -> ArticleRecord:
        """Count and return a record, or count and drop a skip."""
        if isinstance(result, Skip):
            self.stats.inc_value(f"skip/{result.reason}")
            logger.debug("skip/%s %s (%s)", result.reason, page.url, result.detail)
            raise DropItem(f"skip/{result.reason}: {page.url} {result.detail}".strip())
        self.stats.inc_value("extract/records")
        if result.crawl_meta.get("extract_fallback"):
            self.stats.inc_value("extract/fallback")
            logger.debug(
                "extract/fallback %s (%s)", page.url, result.crawl_meta["extract_fallback"]
            )
        return result
