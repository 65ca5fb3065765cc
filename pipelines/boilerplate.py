"""Strip lines that repeat across a site's articles (``crawler.boilerplate``).

Learns from every record of a site, strips learned blocks, and recomputes
``text``, ``word_count`` and ``content_hash``. What was learned is saved to the
state store periodically and at close, so the next run starts with it.

On a site's first crawl nothing is known yet, so its first records are *held*
(``BOILERPLATE_HOLD`` of them) until enough of its articles have been seen, and
then cleaned and released together. Held records keep Scrapy's scraper busy,
and the engine closes a spider only when the scraper is idle, so a watchdog
releases every held record when the crawl has nothing else left to do (or is
closing); ``BOILERPLATE_MAX_HELD`` bounds how many are held at once.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.boilerplate import SiteBoilerplate
from crawler.state import store_for
from crawler.textnorm import content_hash, word_count

logger = logging.getLogger(__name__)

#: Seconds between two looks at whether the crawl is stalled on held records.
WATCH_INTERVAL = 0.5
#: Record ids remembered per run to count each article once.
MAX_REMEMBERED_IDS = 200_000


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
        self.save_interval = settings.getfloat("BOILERPLATE_SAVE_INTERVAL", 60.0)
        self.max_sites = max(1, settings.getint("BOILERPLATE_MAX_SITES", 1000))
        self.sites: OrderedDict[str, SiteBoilerplate] = OrderedDict()  # least recent first
        self._dirty: set[str] = set()
        self._seen: dict[str, int] = {}  # records seen this run, per site
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._held: deque[tuple[str, Deferred[None]]] = deque()
        self._held_per_site: dict[str, int] = {}
        self._stalled_ticks = 0
        self._last_save = time.monotonic()
        self._watch: Any = None
        self.store: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> BoilerplatePipeline:
        return cls(crawler)

    # -- lifecycle -------------------------------------------------------------
    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        self._watch = create_looping_call(self._watchdog)
        self._watch.start(WATCH_INTERVAL, now=False)

    def close_spider(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        self._release_all("close")
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

    # -- items -----------------------------------------------------------------
    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("text")
        site = adapter.get("site")
        if not text or not site:
            return item
        started = time.perf_counter()
        state = self._site(site)
        self._learn(site, state, adapter)
        learned_ms = (time.perf_counter() - started) * 1000.0
        if self._must_hold(site, state):
            await self._hold(site)
        started = time.perf_counter()
        try:
            return self._clean(site, adapter, item)
        finally:
            spent = learned_ms + (time.perf_counter() - started) * 1000.0
            self.stats.inc_value("time/boilerplate_ms", spent)

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
                state = self.sites[site]
                self.store.save_blocks(site, state.documents, dict(state.counts))
                self.store.commit()
                self._dirty.discard(site)
            del self.sites[site]
            self.stats.inc_value("boilerplate/sites_evicted")

    def _learn(self, site: str, state: SiteBoilerplate, adapter: ItemAdapter) -> None:
        """Count the record's article once: not again for a refetch or new version."""
        self._seen[site] = self._seen.get(site, 0) + 1
        record_id = adapter.get("id") or adapter.get("canonical_url") or adapter.get("url")
        if record_id in self._ids:
            return
        self._ids[record_id] = None
        if len(self._ids) > MAX_REMEMBERED_IDS:
            self._ids.popitem(last=False)
        if self.store.get_article(record_id) is not None:
            return  # counted by the run that first emitted it
        state.learn(adapter["text"])
        self._dirty.add(site)
        self.stats.inc_value("boilerplate/documents_learned")

    def _must_hold(self, site: str, state: SiteBoilerplate) -> bool:
        if not self.hold or state.documents >= self.hold or self._seen[site] > self.hold:
            if self._held_per_site.get(site):
                self._release_site(site)
            return False
        return True

    def _clean(self, site: str, adapter: ItemAdapter, item: Any) -> Any:
        text, removed = self._site(site).clean(adapter["text"])
        if not removed:
            return item
        words = word_count(text)
        if words == 0:
            self.stats.inc_value("drop/empty_after_boilerplate")
            logger.debug("Dropped %s: nothing left after boilerplate", adapter.get("url"))
            raise DropItem("empty_after_boilerplate")
        adapter["text"] = text
        adapter["word_count"] = words
        adapter["content_hash"] = content_hash(text)
        meta = adapter.get("crawl_meta")
        if isinstance(meta, dict):  # for `scrapy preview --removed`
            meta.setdefault("removed", []).extend(r.as_dict() for r in removed)
        self.stats.inc_value("boilerplate/records_cleaned")
        self.stats.inc_value("boilerplate/blocks_removed", len(removed))
        return item

    # -- holding ---------------------------------------------------------------
    async def _hold(self, site: str) -> None:
        released: Deferred[None] = Deferred()
        self._held.append((site, released))
        self._held_per_site[site] = self._held_per_site.get(site, 0) + 1
        self.stats.inc_value("boilerplate/held")
        while len(self._held) > self.max_held:
            self._release_oldest()
        await maybe_deferred_to_future(released)

    def _fire(self, site: str, released: Deferred[None]) -> None:
        if not released.called:
            self._held_per_site[site] -= 1
            released.callback(None)

    def _release_oldest(self) -> None:
        site, released = self._held.popleft()
        self.stats.inc_value("boilerplate/released/cap")
        self._fire(site, released)

    def _release_site(self, site: str) -> None:
        keep: deque[tuple[str, Deferred[None]]] = deque()
        mine = []
        for entry in self._held:
            (mine if entry[0] == site else keep).append(entry)
        self._held = keep
        for entry in mine:
            self.stats.inc_value("boilerplate/released/learned")
            self._fire(*entry)

    def _release_all(self, reason: str) -> None:
        if not self._held:
            return
        logger.debug("Releasing %d held record(s): %s", len(self._held), reason)
        held, self._held = self._held, deque()
        for entry in held:
            self.stats.inc_value(f"boilerplate/released/{reason}")
            self._fire(*entry)

    def _watchdog(self) -> None:
        """Release held records when nothing but them keeps the crawl running."""
        if self._dirty and time.monotonic() - self._last_save >= self.save_interval:
            self.save()
        if not self._held:
            self._stalled_ticks = 0
            self._nudge_closing_scraper()
            return
        reason = self._stall_reason()
        if reason == "closing":
            self._release_all("closing")
        elif reason == "idle":
            self._release_all("idle")
        elif reason == "stalled":
            # Requests are queued but none is downloading: a brief gap between
            # downloads, or the engine backing out because held records keep
            # their responses in the scraper (SCRAPER_SLOT_MAX_ACTIVE_SIZE).
            # If it lasts, free the oldest quarter and look again.
            self._stalled_ticks += 1
            if self._stalled_ticks >= 2:
                self._stalled_ticks = 0
                for _ in range(max(1, len(self._held) // 4)):
                    site, released = self._held.popleft()
                    self.stats.inc_value("boilerplate/released/stalled")
                    self._fire(site, released)
        else:
            self._stalled_ticks = 0

    def _nudge_closing_scraper(self) -> None:
        """Let a closing scraper notice that released records are done.

        Scrapy re-checks whether a closing scraper is idle only when a response
        finishes; records a spider yields from ``start()`` that were held while
        the spider began closing would otherwise leave it waiting forever.
        """
        scraper = self.crawler.engine.scraper
        slot = getattr(scraper, "slot", None)
        if slot is not None and slot.closing is not None and not slot.closing.called:
            scraper._check_if_closing()

    def _stall_reason(self) -> str | None:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        scraper_slot = getattr(engine.scraper, "slot", None)
        if (
            slot is None
            or slot.closing is not None
            or not engine.running
            or scraper_slot is None
            or scraper_slot.closing is not None
        ):
            return "closing"
        if engine.downloader.active or scraper_slot.queue:
            return None
        if scraper_slot.itemproc_size > len(self._held):
            return None  # other items are still in the pipelines
        if getattr(engine, "_start", None) is None and not slot.scheduler.has_pending_requests():
            return "idle"
        return "stalled"
