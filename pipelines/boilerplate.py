"""Strip lines that repeat across a site's articles (``crawler.text.site_lines``).

Runs after the dedupe pipeline, so only an article's first copy reaches it:
duplicates (exact, near, or the same article under another URL) never teach a
site's statistics. Learns from every first version of an article, strips the
learned lines (never half of a record or more: ``SiteBoilerplate.clean_article``)
and recomputes ``text`` and ``word_count``; ``content_hash`` stays the hash of
the text as extracted, so it changes only when the article does. What was
learned is saved to the state store periodically and at close, so the next run
starts with it.

On a site's first crawl nothing is known yet. When the spider requested at least
``BOILERPLATE_HOLD`` article pages of the site, or is still reading its sitemaps
and feeds (``site_pages_expected``), the site's first records are *held* until
that many of its articles were learned (or its discovery ends with fewer pages),
then cleaned and handed to the writer (``record_released``). Holding never
happens inside Scrapy's item flow: a held item finishes its pipelines at once
(the writer leaves it for later), so Scrapy's item counts, ``CLOSESPIDER_*``
and throughput are those of a crawl without holding. Held records are released
early when ``BOILERPLATE_MAX_HELD`` is reached (oldest first), when they waited
``BOILERPLATE_HOLD_SECONDS``, when the spider is idle, and when the writer
closes. A held record is claimed in the store but not marked, so a run killed
while holding it crawls it again next time: nothing lost, nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler import signals as cleanwire_signals
from crawler.net.urls import bare_host, site_host
from crawler.runtime.state import store_for
from crawler.runtime.timing import timed
from crawler.text.site_lines import SiteBoilerplate

logger = logging.getLogger(__name__)

#: Seconds between two looks at held records' age and at the save interval.
WATCH_INTERVAL = 1.0


class BoilerplatePipeline:
    """Learn per-site repeated blocks and strip them from records."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("BOILERPLATE_ENABLED", True):
            raise NotConfigured("BOILERPLATE_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.min_docs = settings.getint("BOILERPLATE_MIN_DOCS", 3)
        self.min_share = settings.getfloat("BOILERPLATE_MIN_SHARE", 0.3)
        self.max_block_words = settings.getint("BOILERPLATE_MAX_BLOCK_WORDS", 40)
        self.max_blocks = settings.getint("BOILERPLATE_MAX_BLOCKS", 20000)
        self.hold = max(0, settings.getint("BOILERPLATE_HOLD", 8))
        self.max_held = max(1, settings.getint("BOILERPLATE_MAX_HELD", 200))
        self.hold_seconds = settings.getfloat("BOILERPLATE_HOLD_SECONDS", 60.0)
        self.save_interval = settings.getfloat("BOILERPLATE_SAVE_INTERVAL", 60.0)
        self.max_sites = max(1, settings.getint("BOILERPLATE_MAX_SITES", 1000))
        self.sites: OrderedDict[str, SiteBoilerplate] = OrderedDict()  # least recent first
        self._dirty: set[str] = set()
        #: (article pages requested, discovery running) per (bare) host, from the
        #: spider's site_pages_expected.
        self._expected: dict[str, tuple[int, bool]] = {}
        #: Held records, oldest first: (site, time held, item).
        self._held: deque[tuple[str, float, Any]] = deque()
        self._held_per_site: dict[str, int] = {}
        self._last_save = time.monotonic()
        self._watch: Any = None
        self.store: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> BoilerplatePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(
            pipeline.site_pages_expected, signal=cleanwire_signals.site_pages_expected
        )
        crawler.signals.connect(pipeline.release_all, signal=cleanwire_signals.release_held_records)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    # -- lifecycle -------------------------------------------------------------
    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        self._watch = create_looping_call(self._tick)
        self._watch.start(WATCH_INTERVAL, now=False)

    def close_spider(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        self.release_all("close")  # normally done already, when the writer closed
        self.save()

    def save(self) -> None:
        """Persist the statistics of every site learned from since the last save."""
        for site in sorted(self._dirty):
            state = self.sites[site]
            self.store.save_blocks(site, state.documents, dict(state.counts))
        if self._dirty:
            self.store.commit()
            logger.debug("Saved boilerplate statistics of %d site(s)", len(self._dirty))
        self._dirty.clear()
        self._last_save = time.monotonic()

    # -- signals -----------------------------------------------------------------
    def site_pages_expected(self, site: str, pages: int, discovering: bool = False) -> None:
        host = bare_host(site)
        self._expected[host] = (int(pages), bool(discovering))
        if not discovering and pages < self.hold:
            # discovery is over and the site is too small to learn from: no wait pays off
            self._release_where(lambda held: bare_host(held) == host, "small_site")

    def spider_idle(self) -> None:
        """Nothing is being fetched or processed: no record of a held site is coming."""
        self.release_all("idle")

    # -- items -----------------------------------------------------------------
    @timed("boilerplate")
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("text")
        site = adapter.get("site")
        if not text or not site:
            return item
        state = self._site(site)
        if self._teaches(adapter):
            state.learn(text)
            self._dirty.add(site)
            self.stats.inc_value("boilerplate/documents_learned")
        if self._held_per_site.get(site) and state.documents >= self.hold:
            self._release_where(lambda held: held == site, "learned")
        if self._must_hold(site, state, adapter):
            self._keep(site, item)
            return item
        return self._clean(site, adapter, item)

    def _site(self, site: str) -> SiteBoilerplate:
        state = self.sites.get(site)
        if state is not None:
            self.sites.move_to_end(site)
        else:
            state = SiteBoilerplate(
                min_docs=self.min_docs,
                min_share=self.min_share,
                max_block_words=self.max_block_words,
                max_blocks=self.max_blocks,
            )
            documents, counts = self.store.load_blocks(site)
            if documents:
                state.load(documents, counts)
                self.stats.inc_value("boilerplate/sites_loaded")
            self.sites[site] = state
        if len(self.sites) > self.max_sites:
            self._evict(keep=site)
        return state

    def _evict(self, keep: str) -> None:
        """Keep at most BOILERPLATE_MAX_SITES sites in memory; the store keeps the rest."""
        while len(self.sites) > self.max_sites:
            idle = (s for s in self.sites if s != keep and not self._held_per_site.get(s))
            site = next(idle, None)
            if site is None:
                return
            if site in self._dirty:
                # committed with the writer's next batch (or the next save): a site
                # read back before then is read from the same connection
                state = self.sites[site]
                self.store.save_blocks(site, state.documents, state.counts)
                self._dirty.discard(site)
            del self.sites[site]
            self.stats.inc_value("boilerplate/sites_evicted")

    @staticmethod
    def _teaches(adapter: ItemAdapter) -> bool:
        """Only an article's first version, and not a marked near copy, is counted.

        The dedupe pipeline ran first, so exact copies and copies under other URLs
        never get here; a later version (``version`` > 1) was counted by the run
        that first emitted the article.
        """
        return int(adapter.get("version") or 1) == 1 and not adapter.get("duplicate_of")

    def _must_hold(self, site: str, state: SiteBoilerplate, adapter: ItemAdapter) -> bool:
        """Hold a record of a site still being learned, when the crawl will bring
        enough of the site's articles for the wait to pay off."""
        if not self.hold or state.documents >= self.hold:
            return False
        host = bare_host(site)
        pages, discovering = self._expected.get(host, (0, False))
        if pages < self.hold and not discovering:
            return False  # a site of a few pages (a WARC, a feed of other sites' URLs)
        return site_host(adapter.get("url") or "") == host

    def _clean(self, site: str, adapter: ItemAdapter, item: Any) -> Any:
        cleaned = self._site(site).clean_article(adapter["text"])
        if cleaned.spared:
            self.stats.inc_value("boilerplate/records_spared")
            logger.debug(
                "Kept %d learned line(s) in %s: they are half of its text or more",
                len(cleaned.spared),
                adapter.get("url"),
            )
        if not cleaned.removed:
            return item
        adapter["text"] = cleaned.text
        adapter["word_count"] = cleaned.words
        meta = adapter.get("crawl_meta")
        if isinstance(meta, dict):  # for `scrapy preview --removed`
            meta.setdefault("removed", []).extend(r.as_dict() for r in cleaned.removed)
        self.stats.inc_value("boilerplate/records_cleaned")
        self.stats.inc_value("boilerplate/blocks_removed", len(cleaned.removed))
        return item

    # -- holding ---------------------------------------------------------------
    def _keep(self, site: str, item: Any) -> None:
        meta = ItemAdapter(item).get("crawl_meta")
        if isinstance(meta, dict):
            meta["held"] = True  # the writer leaves it for record_released
        self._held.append((site, time.monotonic(), item))
        self._held_per_site[site] = self._held_per_site.get(site, 0) + 1
        self.stats.inc_value("boilerplate/held")
        while len(self._held) > self.max_held:
            self._release(*self._held.popleft(), reason="cap")

    def _release(self, site: str, _since: float, item: Any, reason: str) -> None:
        self._held_per_site[site] -= 1
        if not self._held_per_site[site]:
            del self._held_per_site[site]
        adapter = ItemAdapter(item)
        meta = adapter.get("crawl_meta")
        if isinstance(meta, dict):
            meta.pop("held", None)
        self._clean(site, adapter, item)
        self.stats.inc_value(f"boilerplate/released/{reason}")
        self.crawler.signals.send_catch_log(signal=cleanwire_signals.record_released, item=item)

    def _release_where(self, held_site: Callable[[str], bool], reason: str) -> None:
        """Release the held records whose site ``held_site`` accepts, in held order."""
        if not self._held:
            return
        keep: deque[tuple[str, float, Any]] = deque()
        mine = []
        for entry in self._held:
            (mine if held_site(entry[0]) else keep).append(entry)
        self._held = keep
        for entry in mine:
            self._release(*entry, reason=reason)

    def release_all(self, reason: str = "writer_closing") -> None:
        """Release every held record (in the order they were held)."""
        if not self._held:
            return
        logger.debug("Releasing %d held record(s): %s", len(self._held), reason)
        while self._held:
            self._release(*self._held.popleft(), reason=reason)

    def _tick(self) -> None:
        if self._dirty and time.monotonic() - self._last_save >= self.save_interval:
            self.save()
        deadline = time.monotonic() - self.hold_seconds
        while self._held and self._held[0][1] <= deadline:
            self._release(*self._held.popleft(), reason="timeout")
