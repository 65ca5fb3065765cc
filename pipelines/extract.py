"""Extract pipeline: FetchedPage -> ArticleRecord, or DropItem with a counted reason.

Thin glue around ``crawler.extract.record.build_record`` (pure, picklable), which
does the parsing, article detection, extraction and clean-up, run through
``crawler.extract.pagework.extract_page``, which first decodes a page the spider left
undecoded (``skip/undecodable`` when no charset reads it). With worker processes
both run there only: this module imports the light ``crawler.extract.options``,
so the crawl process never loads trafilatura.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import internals
from crawler.extract.detect import JSON_MAX_CHARS
from crawler.extract.options import ExtractOptions, Skip
from crawler.items import ArticleRecord, FetchedPage
from crawler.runtime.workers import ExtractionRunner, ExtractTimeout, WorkerCrashed

logger = logging.getLogger(__name__)


def options_from_settings(settings: Any) -> ExtractOptions:
    """The extraction options a crawl's settings ask for."""
    return ExtractOptions(
        min_words=settings.getint("EXTRACT_MIN_WORDS", 60),
        max_link_density=settings.getfloat("EXTRACT_MAX_LINK_DENSITY", 0.5),
        tracking_params=tuple(settings.getlist("TRACKING_PARAMS", [])),
        cleanup=settings.getbool("EXTRACT_CLEANUP", True),
        fallback=settings.getbool("EXTRACT_FALLBACK", True),
        language_max_chars=settings.getint("LANGUAGE_MAX_CHARS", 600),
        language_seed=settings.getint("LANGUAGE_SEED", 0),
        # the MinHash the dedupe pipeline needs, computed in the worker (none without dedupe)
        num_perm=(
            settings.getint("DEDUPE_NUM_PERM", 128)
            if settings.getbool("DEDUPE_ENABLED", True)
            else 0
        ),
        shingle_size=settings.getint("DEDUPE_SHINGLE_SIZE", 5),
    )


PAYWALLED_MODES = ("mark", "keep", "drop")


class ExtractPipeline:
    """Turns fetched pages into article records; non-articles are dropped and counted."""

    def __init__(self, crawler: Crawler, options: ExtractOptions) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.options = options
        #: runs EXTRACT_FUNCTION (default build_record) in worker processes, or here
        self.runner = ExtractionRunner.from_settings(crawler.settings)
        #: pages inside process_item at once; past ``max_waiting`` new downloads pause
        self.waiting = 0
        self.max_waiting = crawler.settings.getint("EXTRACT_MAX_WAITING", 0) or (
            4 * self.runner.workers
        )
        self.paused = False
        #: what becomes of paywalled teasers: "mark" (written, paywalled true), "keep"
        #: (written like any article, not marked) or "drop"
        self.paywalled = str(crawler.settings.get("PAYWALLED", "mark")).strip().lower()
        if self.paywalled not in PAYWALLED_MODES:
            raise ValueError(
                f"PAYWALLED must be one of {', '.join(PAYWALLED_MODES)}, got {self.paywalled!r}"
            )

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
        self._enter()
        try:
            done = await self.runner.run(item, self.options)
        except (ExtractTimeout, WorkerCrashed) as exc:
            reason = "extract_timeout" if isinstance(exc, ExtractTimeout) else "extract_crashed"
            logger.info("skip/%s %s: %s", reason, item.url, exc)
            return self.handle_result(item, Skip(reason, str(exc)))
        finally:
            self._leave()
        self.stats.inc_value("time/extract_ms", round(done.seconds * 1000))
        return self.handle_result(item, done.value)

    # -- backpressure ------------------------------------------------------------
    # A page waiting here keeps its response (and decoded HTML) in memory. Scrapy's
    # own bound (SCRAPER_SLOT_MAX_ACTIVE_SIZE) is sized for records the boilerplate
    # pipeline holds, so it lets hundreds of pages queue up in front of a slow pool;
    # pausing the engine's scheduling bounds them to about max_waiting plus the
    # downloads already under way. Pages here always drain (the workers have a
    # deadline), so the pause cannot deadlock with records held further down.
    def _engine(self) -> Any:
        try:
            return self.crawler.engine
        except RuntimeError:  # a pipeline used outside a running crawl
            return None

    def _enter(self) -> None:
        self.waiting += 1
        if self.waiting >= self.max_waiting and not self.paused:
            engine = self._engine()
            if engine is not None:
                self.paused = True
                self.stats.inc_value("extract/download_pauses")
                engine.pause()

    def _leave(self) -> None:
        self.waiting -= 1
        if self.paused and self.waiting <= self.max_waiting // 2:
            self.paused = False
            engine = self._engine()
            if engine is None:
                return
            engine.unpause()
            # wake the scheduling loop now rather than at its next heartbeat
            internals.wake_engine(engine)

    def handle_result(self, page: FetchedPage, result: ArticleRecord | Skip) -> ArticleRecord:
        """Count and return a record, or count and drop a skip."""
        if isinstance(result, Skip):
            self.stats.inc_value(f"skip/{result.reason}")
            logger.debug("skip/%s %s (%s)", result.reason, page.url, result.detail)
            raise DropItem(f"skip/{result.reason}: {page.url} {result.detail}".strip())
        if result.paywalled:
            self.stats.inc_value("paywall/teasers")
            if self.paywalled == "drop":
                self.stats.inc_value("drop/paywalled")
                raise DropItem(f"drop/paywalled: {page.url}")
            result.paywalled = self.paywalled == "mark"
        self.stats.inc_value("extract/records")
        if result.crawl_meta.get("decoded_how"):
            self.stats.inc_value(f"charset/{result.crawl_meta['decoded_how']}")
        if result.crawl_meta.get("json_ld_skipped"):
            self.stats.inc_value("extract/json_ld_skipped", result.crawl_meta["json_ld_skipped"])
            logger.info(
                "%s: %d JSON-LD block(s) over %d characters not read",
                page.url,
                result.crawl_meta["json_ld_skipped"],
                JSON_MAX_CHARS,
            )
        if result.crawl_meta.get("extract_fallback"):
            self.stats.inc_value("extract/fallback")
            logger.debug(
                "extract/fallback %s (%s)", page.url, result.crawl_meta["extract_fallback"]
            )
        return result
