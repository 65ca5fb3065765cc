"""Whole articles: join the pages of a multi-page article; fold AMP and print copies.

Runs right after the extract pipeline, so language detection, dedupe and the
site boilerplate see an article's whole text. Extraction (``crawler.extract.multipage``)
reports, in ``crawl_meta``, the later pages a page-1 record's pager links to
(``next_pages``), a continuation page's page 1 (``continuation_of``,
``page_number``) and an AMP or print copy's canonical URL (``copy_of``).

- A page-1 record whose pages are all here goes on at once with the pages'
  texts joined in page order and ``pages`` set. Otherwise it is *held*: it
  leaves Scrapy's item flow (``DropItem``, counted only as ``multipage/held``),
  the news spider is asked for the missing pages (``request_continuation``; the
  warc spider has none: they come from the archive, in any order), and the
  record comes back when its last page arrives (the continuation item is
  replaced by the joined record), or is sent through the pipelines again
  (Scrapy's ``start_itemproc_async``) with the pages it has when the others
  failed, after ``MULTIPAGE_HOLD_SECONDS``, beyond ``MULTIPAGE_MAX_HELD``, when
  the spider goes idle and when an archive is read to its end
  (``pages_exhausted``). Holding never stalls other records.
- A continuation page is never a record of its own: its text is kept for its
  page 1 and the item dropped (``skip/continuation_page``). One seen before its
  page 1 makes the news spider fetch page 1; if page 1 never comes it is counted
  (``multipage/continuation_skipped``).
- An AMP or print copy is the article of its canonical URL: dropped
  (``drop/alternate_copy``) when that article passed in this run or is in the
  state store (a copy never makes a new version); else held while the news
  spider fetches the canonical page, and written under the canonical URL
  (``url`` and ``canonical_url``) only if that page gives no record.

Records still held when a crawl stops early (``CLOSESPIDER_*``, SIGTERM; Scrapy first
finishes the downloads under way) are neither written nor marked: the next run fetches
them again (``multipage/unreleased``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from crawler import internals
from crawler import signals as cleanwire_signals
from crawler.extract.multipage import ArticlePages, RecentSet, loose_key, url_key
from crawler.items import ArticleRecord, FetchedPage
from crawler.runtime.state import store_for
from crawler.runtime.timing import timed
from crawler.text.normalize import content_hash, word_count

logger = logging.getLogger(__name__)

#: Seconds between two looks at how long records have been held.
WATCH_INTERVAL = 1.0
#: Record ids and article keys remembered as passed in this run (for late copies and
#: pages); the state store remembers what was written before them.
RECENT = 10000


class MultipagePipeline:
    """Holds page-1 records until their pages arrived; folds copies into their article."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("MULTIPAGE_ENABLED", True):
            raise NotConfigured("MULTIPAGE_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_pages = max(1, settings.getint("MAX_ARTICLE_PAGES", 20))
        self.hold_seconds = settings.getfloat("MULTIPAGE_HOLD_SECONDS", 120.0)
        self.max_held = max(1, settings.getint("MULTIPAGE_MAX_HELD", 500))
        #: Articles waiting for pages (or continuation pages for their page 1), oldest first.
        self.articles: OrderedDict[str, tuple[float, ArticlePages]] = OrderedDict()
        #: Other keys of a held page 1 (its canonical URL) -> its article key.
        self.aliases: dict[str, str] = {}
        #: Key of a page some article waits for -> (article key, page number).
        self.awaited: dict[str, tuple[str, int]] = {}
        #: Held copies by record id: (since, item); and their canonical page's key -> id.
        self.copies: OrderedDict[str, tuple[float, ArticleRecord]] = OrderedDict()
        self.copy_keys: dict[str, str] = {}
        #: Ids of (non-copy) records that passed, article keys of articles let go,
        #: AMP URLs (their keys) that pages named as their AMP copy.
        self.passed_ids = RecentSet(RECENT)
        self.finished = RecentSet(RECENT)
        self.amp_keys = RecentSet(RECENT)
        self._reinjected: set[Any] = set()
        self._watch: Any = None
        self.store: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> MultipagePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(
            pipeline.page_unavailable, signal=cleanwire_signals.page_unavailable
        )
        crawler.signals.connect(pipeline.pages_exhausted, signal=cleanwire_signals.pages_exhausted)
        return pipeline

    # -- lifecycle -------------------------------------------------------------
    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        self._watch = create_looping_call(self._tick)
        self._watch.start(WATCH_INTERVAL, now=False)

    def close_spider(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        held = sum(entry.first is not None for _, entry in self.articles.values())
        held += len(self.copies)
        if held:
            self.stats.inc_value("multipage/unreleased", held)
            logger.info(
                "%d record(s) still waiting for pages of their article when the crawl "
                "stopped were not written; the next run fetches them again",
                held,
            )

    # -- items -----------------------------------------------------------------
    @timed("multipage")
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleRecord):
            return item
        meta = item.crawl_meta
        if meta.get("multipage_released"):
            return item
        if "continuation_of" in meta:
            return self._continuation(item)
        if "copy_of" in meta or "amp_page" in meta:
            return self._copy(item)
        self._passed(item)
        if "next_pages" in meta or self.articles:
            return self._first_page(item)
        return item

    def _passed(self, item: ArticleRecord) -> None:
        """Remember the article (and its AMP URL); a copy of it held until now goes."""
        self.passed_ids.add(item.id)
        amp_key = item.crawl_meta.get("amp_key")
        if amp_key:
            self.amp_keys.add(amp_key)
        if item.id in self.copies:
            _since, copy = self.copies.pop(item.id)
            self.copy_keys.pop(url_key(copy.crawl_meta.get("copy_of") or copy.url), None)
            self._drop_copy(copy, f"its article came from {item.url}", raise_it=False)

    def _first_page(self, item: ArticleRecord) -> ArticleRecord:
        keys = [url_key(item.url)]
        if item.canonical_url != item.url:
            keys.append(url_key(item.canonical_url))
        entry = None
        for key in keys:
            entry = entry or self._entry(key)
        links = item.crawl_meta.pop("next_pages", None) or []
        if (
            entry is not None
            and entry.first is None
            and item.crawl_meta.get("detected_by") == "text"
        ):
            # an article by its text alone (a listing may pass so): nothing joins it
            self._release(entry, "first_page_not_joinable")
            return item
        if entry is None:
            if not links:
                return item
            entry = ArticlePages(keys[0], item.url, self.max_pages)
            self.articles[entry.key] = (time.monotonic(), entry)
            # another version of an article joined before (a later capture in an
            # archive): its pages join this one
            self.finished.discard(entry.key)
        elif entry.first is not None:
            if (item.id, item.content_hash) == (entry.first.id, entry.first.content_hash):
                # the held page 1 fetched again (a worker's requests recovered after it
                # died): written alone now, it would come out twice, alone and joined
                self.stats.inc_value("drop/duplicate_pending")
                raise DropItem(f"drop/duplicate_pending: {item.url} is held, waiting for pages")
            return item  # page 1 again with other text (a later capture): dedupe decides
        entry.first = item
        self.awaited.pop(url_key(item.url), None)
        for key in keys:
            if key != entry.key:
                self.aliases[key] = entry.key
        self._expect(entry, links)
        if entry.complete:
            return self._joined(self._pop(entry))
        self._cap()
        self.stats.inc_value("multipage/held")
        raise DropItem(f"multipage/held: {item.url} waits for pages {entry.missing()}")

    def _continuation(self, item: ArticleRecord) -> Any:
        meta = item.crawl_meta
        first_url = meta["continuation_of"]
        number = int(meta.get("page_number") or 2)
        key = self.aliases.get(url_key(first_url), url_key(first_url))
        self.stats.inc_value("skip/continuation_page")
        reason = f"skip/continuation_page: {item.url} is page {number} of {first_url}"
        if key in self.finished:
            self.stats.inc_value("multipage/continuation_skipped")
            logger.debug("%s, already written without it", reason)
            raise DropItem(reason)
        entry = self._entry(key)
        if entry is None:
            entry = ArticlePages(key, first_url, self.max_pages)
            self.articles[key] = (time.monotonic(), entry)
            # page 1 may not be coming: ask for it (the news spider fetches it once)
            self._fetch(first_url, first_url, "first_pages", key, 1)
        if not entry.add(number, item.text):
            if number > self.max_pages:
                self.stats.inc_value("multipage/over_limit")
            logger.debug("%s, not joined (page over the limit or seen)", reason)
            raise DropItem(reason)
        self.awaited.pop(url_key(item.url), None)
        self._settle(entry, number)
        self._expect(entry, meta.get("next_pages") or [])
        if entry.complete:
            # the page that completes its article carries the joined record on
            return self._joined(self._pop(entry))
        self._cap()
        logger.debug("%s, kept for its article", reason)
        raise DropItem(reason)

    def _copy(self, item: ArticleRecord) -> Any:
        meta = item.crawl_meta
        canonical = meta.get("copy_of")
        if item.id in self.passed_ids or item.id in self.copies:
            self._drop_copy(item, "its article passed in this run")
        if canonical is None:
            if loose_key(item.url) in self.amp_keys:
                self._drop_copy(item, "a page named it its AMP copy")
            self._passed(item)
            return item  # an AMP page that names no other canonical page: an article
        if self.store.get_article(item.id) is not None:
            self._drop_copy(item, "its article was emitted by an earlier run")
        self.copies[item.id] = (time.monotonic(), item)
        self.copy_keys[url_key(canonical)] = item.id
        self._fetch(canonical, canonical, "canonical_pages")
        self._cap()
        self.stats.inc_value("multipage/held")
        raise DropItem(f"multipage/held: {item.url} waits for its canonical page {canonical}")

    def _drop_copy(self, item: ArticleRecord, why: str, raise_it: bool = True) -> None:
        self.stats.inc_value("drop/alternate_copy")
        reason = f"drop/alternate_copy: {item.url} is a copy of {item.canonical_url} ({why})"
        logger.debug(reason)
        if raise_it:
            raise DropItem(reason)

    # -- pages -----------------------------------------------------------------
    def _entry(self, key: str) -> ArticlePages | None:
        held = self.articles.get(self.aliases.get(key, key))
        return held[1] if held is not None else None

    def _expect(self, entry: ArticlePages, links: list[Any]) -> None:
        """Note the pages a pager links to and ask the spider for the new ones (of page
        1's pager, the first only until it shows the pager is the article's)."""
        new = entry.expect((int(n), str(u)) for n, u in links)
        for number, url in entry.probe(new):
            self._fetch(url, entry.first_url, "pages", entry.key, number)

    def _settle(self, entry: ArticlePages, number: int) -> None:
        """Page ``number`` came or failed: fetch the pages held back for it, or count
        the pager as no pager of the article's."""
        if not entry.deferred or entry.first is None:
            return
        held = len(entry.deferred)
        for page, url in entry.settle(entry.first.text, number):
            self._fetch(url, entry.first_url, "pages", entry.key, page)
        if entry.not_pages:
            self.stats.inc_value("multipage/not_article_pager")
            self.stats.inc_value("multipage/pages_not_fetched", held)
            logger.debug(
                "%s: page %d of its pager adds nothing to the article; its %d other "
                "page(s) are not fetched",
                entry.first_url,
                number,
                held,
            )

    def _fetch(
        self, url: str, article_url: str, kind: str, key: str | None = None, number: int = 0
    ) -> None:
        if key is not None:
            self.awaited[url_key(url)] = (key, number)
        request = getattr(self.crawler.spider, "request_continuation", None)
        if request is not None and request(url, article_url) is not None:
            self.stats.inc_value(f"multipage/requested/{kind}")

    def _pop(self, entry: ArticlePages) -> ArticlePages:
        self.articles.pop(entry.key, None)
        if self.aliases:
            self.aliases = {k: v for k, v in self.aliases.items() if v != entry.key}
        for url in [entry.first_url, *entry.known.values()]:
            self.awaited.pop(url_key(url), None)
        return entry

    def _joined(self, entry: ArticlePages) -> ArticleRecord:
        """Page 1's record with every page's text, in order; counted."""
        record = entry.first
        self.finished.add(entry.key)
        first_text = record.text
        text, pages = entry.joined(first_text)
        missing = sorted({n for n, _url in entry.missing()} | entry.failed)
        if pages > 1:
            record.text = text
            record.word_count = word_count(text)
            record.content_hash = content_hash(text)
            record.pages = pages  # language: page 1's, detected in the worker, stands
            self.stats.inc_value("multipage/articles")
            self.stats.inc_value("multipage/pages_joined", pages - 1)
        if missing or entry.over_limit:
            self.stats.inc_value("multipage/incomplete")
            logger.info(
                "%s: written with %d page(s); pages %s did not come, %d over MAX_ARTICLE_PAGES",
                record.url,
                pages,
                missing,
                entry.over_limit,
            )
        return record

    # -- releasing -------------------------------------------------------------
    def _release(self, entry: ArticlePages, reason: str) -> bool:
        """Let a held article go with the pages it has; True when a record goes on."""
        self._pop(entry)
        if entry.first is None:
            self.stats.inc_value("multipage/continuation_skipped", len(entry.texts))
            logger.debug(
                "Page 1 %s never came: %d later page(s) not written (%s)",
                entry.first_url,
                len(entry.texts),
                reason,
            )
            return False
        self.stats.inc_value(f"multipage/released/{reason}")
        self._reinject(self._joined(entry))
        return True

    def _release_copy(self, item_id: str, reason: str) -> bool:
        _since, copy = self.copies.pop(item_id)
        canonical = copy.crawl_meta.get("copy_of") or copy.canonical_url
        self.copy_keys.pop(url_key(canonical), None)
        copy.url = copy.canonical_url  # the record stands for its canonical page
        self.stats.inc_value("multipage/copies_as_canonical")
        self.stats.inc_value(f"multipage/released/{reason}")
        self._reinject(copy)
        return True

    def _reinject(self, record: ArticleRecord) -> None:
        """Send a released record through the item pipelines (it skips this one)."""
        record.crawl_meta["multipage_released"] = True
        self.passed_ids.add(record.id)
        scraper = self.crawler.engine.scraper
        done = deferred_from_coro(scraper.start_itemproc_async(record, response=None))
        self._reinjected.add(done)
        done.addBoth(self._reinjected_done, done)

    def _reinjected_done(self, result: Any, done: Any) -> Any:
        self._reinjected.discard(done)
        # the engine checks for idleness at its next heartbeat; look now
        internals.wake_engine(self.crawler.engine)
        return result

    def release_all(self, reason: str) -> bool:
        """Let every held article and copy go; True when a record was sent on."""
        sent = False
        while self.articles:
            _key, (_since, entry) = next(iter(self.articles.items()))
            sent |= self._release(entry, reason)
        while self.copies:
            sent |= self._release_copy(next(iter(self.copies)), reason)
        return sent

    def _cap(self) -> None:
        while len(self.articles) + len(self.copies) > self.max_held:
            self._release_oldest("cap")

    def _release_oldest(self, reason: str) -> None:
        article = next(iter(self.articles.values()), None)
        copy = next(iter(self.copies.items()), None)
        if copy is not None and (article is None or copy[1][0] < article[0]):
            self._release_copy(copy[0], reason)
        elif article is not None:
            self._release(article[1], reason)

    def _tick(self) -> None:
        deadline = time.monotonic() - self.hold_seconds
        while True:
            article = next(iter(self.articles.values()), None)
            copy = next(iter(self.copies.values()), None)
            oldest = min((held[0] for held in (article, copy) if held is not None), default=None)
            if oldest is None or oldest > deadline:
                return
            self._release_oldest("timeout")

    # -- signals -----------------------------------------------------------------
    def spider_idle(self) -> None:
        """Nothing is being fetched: no page a held record waits for is coming."""
        if self.release_all("idle") or self._reinjected:
            raise DontCloseSpider

    async def pages_exhausted(self) -> None:
        """The archive is read to its end: let everything go, and wait until it went."""
        self.release_all("archive_end")
        while self._reinjected:
            await maybe_deferred_to_future(next(iter(self._reinjected)))

    def page_unavailable(self, url: str) -> None:
        """A page request failed for good: the record waiting for it need not wait."""
        if self.awaited or self.copy_keys:
            self._unavailable(url)

    def item_dropped(self, item: Any, **_: Any) -> None:
        """A fetched page gave no record (not an article, an error status ...)."""
        if isinstance(item, FetchedPage) and (self.awaited or self.copy_keys):
            self._unavailable(item.url)

    def _unavailable(self, url: str) -> None:
        key = url_key(url)
        copy_id = self.copy_keys.get(key)
        if copy_id is not None and copy_id in self.copies:
            self._release_copy(copy_id, "canonical_unavailable")
        awaited = self.awaited.pop(key, None)
        if awaited is None:
            return
        entry = self._entry(awaited[0])
        if entry is None:
            return
        if awaited[1] == 1:  # page 1 of later pages that came on their own
            if entry.first is None:
                self._release(entry, "first_page_unavailable")
            return
        entry.fail(awaited[1])
        self._settle(entry, awaited[1])
        if entry.complete:
            self._pop(entry)
            self.stats.inc_value("multipage/released/page_unavailable")
            self._reinject(self._joined(entry))
