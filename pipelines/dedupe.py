"""Drop URL, exact and near duplicates; turn changed re-fetches into new versions.

Decisions, in order, against the crawl state store (every earlier run, and the
records of this run already written; see below):

1. the canonical id was emitted from another URL, and this page's canonical
   differs from its own URL: ``drop/duplicate_url`` (most such pages never get
   here: ``pipelines/emitted.py`` drops them before extraction);
2. the canonical id was emitted: same text ``skip/unchanged``, otherwise a new
   version (same id, ``version + 1``, ``updated_at``);
3. the same normalised text under another id: ``drop/duplicate_exact``;
4. a near duplicate (MinHash + LSH, Jaccard >= ``DEDUPE_THRESHOLD``):
   ``drop/near_duplicate``, or with ``NEAR_DUPLICATES = "mark"`` kept with
   ``duplicate_of`` set to the first copy's id.

A record that passes claims its emission in the store (``claim``), which the
writer's mark (or ``release`` when the write fails) ends; a second copy in
flight at the same time, here or in another worker, is ``drop/duplicate_pending``.

Decisions use the text as extracted, before site-level boilerplate stripping
(this pipeline runs before ``pipelines/boilerplate.py``): the copies of one
article are one record whatever the site has learned when each arrives, and a
duplicate never teaches the site's statistics. ``content_hash`` is that text's
hash, so a version changes only when the article does.

Records of the same run: the writer marks a record right after writing it, in
the same synchronous step of Scrapy's pipeline chain (sync ``process_item``
methods run back to back without yielding to the reactor), so the next record
that reaches this pipeline already sees it. A record the boilerplate pipeline
holds is claimed but not yet marked: its copies are found among the text hashes
and signatures of the last ``DEDUPE_RECENT`` records let through.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.runtime.run import utc_now_iso
from crawler.runtime.state import store_for
from crawler.runtime.state.base import ArticleState, is_copy_url
from crawler.runtime.timing import timed
from crawler.text.neardup import RecentSignatures, minhash

logger = logging.getLogger(__name__)

NEAR_DUPLICATE_MODES = ("drop", "mark")


class DedupePipeline:
    """Decide whether a record is new, a new version, or a duplicate."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("DEDUPE_ENABLED", True):
            raise NotConfigured("DEDUPE_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.mode = str(settings.get("NEAR_DUPLICATES", "drop")).strip().lower()
        if self.mode not in NEAR_DUPLICATE_MODES:
            raise ValueError(f"NEAR_DUPLICATES must be 'drop' or 'mark', got {self.mode!r}")
        self.num_perm = settings.getint("DEDUPE_NUM_PERM", 128)
        self.shingle_size = settings.getint("DEDUPE_SHINGLE_SIZE", 5)
        self.recent = RecentSignatures(
            settings.getint("DEDUPE_RECENT", 1024),
            self.num_perm,
            settings.getfloat("DEDUPE_THRESHOLD", 0.8),
        )
        self.store: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)

    def _drop(self, kind: str, reason: str, url: str, detail: str) -> DropItem:
        self.stats.inc_value(f"{kind}/{reason}")
        logger.debug("%s/%s %s (%s)", kind, reason, url, detail)
        return DropItem(f"{kind}/{reason}: {url} ({detail})")

    @timed("dedupe")
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        rid = adapter["id"]
        url = adapter["url"]
        canonical = adapter["canonical_url"]
        chash = adapter["content_hash"]
        meta = adapter.get("crawl_meta")
        if meta is None:
            meta = {}
            adapter["crawl_meta"] = meta
        store = self.store

        existing = store.get_article(rid)
        if existing is not None:
            if is_copy_url(store, rid, url, canonical):
                raise self._drop("drop", "duplicate_url", url, f"canonical {canonical} emitted")
            if existing.content_hash == chash:
                self._refresh_validators(existing, meta, url)
                raise self._drop("skip", "unchanged", url, f"version {existing.version}")
            self._claim(rid, existing.version + 1, chash, url)
            adapter["version"] = existing.version + 1
            # when this version was seen: the fetch (a backfilled capture: its capture time)
            adapter["updated_at"] = adapter.get("fetched_at") or utc_now_iso()
            self.stats.inc_value("dedupe/new_version")
            logger.debug("dedupe/new_version %s (version %d)", url, existing.version + 1)
            meta["minhash"] = self._signature(adapter["text"], chash, meta)
            return item

        same_text = store.find_content(chash) or self.recent.same_text(rid, chash)
        if same_text is not None and same_text != rid:
            raise self._drop("drop", "duplicate_exact", url, f"same text as {same_text}")

        hashvalues = self._signature(adapter["text"], chash, meta)
        meta["minhash"] = hashvalues
        near = store.near_duplicates(rid, hashvalues) or self.recent.similar(rid, hashvalues)
        if near and self.mode == "drop":
            raise self._drop("drop", "near_duplicate", url, f"near copy of {near[0]}")
        self._claim(rid, int(adapter.get("version") or 1), chash, url)
        self.recent.add(rid, chash, hashvalues if not near else [])
        if near:
            adapter["duplicate_of"] = near[0]
            self.stats.inc_value("dedupe/near_duplicate_marked")
            logger.debug("dedupe/near_duplicate_marked %s (copy of %s)", url, near[0])
        return item

    def _signature(self, text: str | None, chash: str, meta: dict[str, Any]) -> list[int]:
        """The text's MinHash: the one the extraction worker computed while the text
        is still the one it saw (boilerplate removed nothing), else computed here."""
        computed = meta.get("minhash")
        if (
            computed is not None
            and meta.get("minhash_of") == chash
            and len(computed) == self.num_perm
        ):
            self.stats.inc_value("dedupe/minhash_reused")
            return list(computed)
        return minhash(text or "", self.num_perm, self.shingle_size)

    def _claim(self, rid: str, version: int, chash: str, url: str) -> None:
        """Reserve the emission in the store, so a copy in flight at the same time
        (in this process or another worker) cannot pass too."""
        if self.store.claim(rid, version, chash):
            return
        existing = self.store.get_article(rid)
        if existing is not None and existing.content_hash == chash:
            raise self._drop("skip", "unchanged", url, f"version {existing.version}")
        owner = self.store.find_content(chash)
        if owner is not None and owner != rid:
            raise self._drop("drop", "duplicate_exact", url, f"same text as {owner}")
        raise self._drop("drop", "duplicate_pending", url, "another copy is being written")

    def _refresh_validators(self, existing: ArticleState, meta: dict[str, Any], url: str) -> None:
        """Remember a re-fetched unchanged article's new lastmod / ETag, so the
        next run does not fetch it again for the same reason."""
        hints = meta.get("hints") or {}
        validators = meta.get("validators") or {}
        fresh = ArticleState(
            id=existing.id,
            url=existing.url,
            canonical_url=existing.canonical_url,
            version=existing.version,
            content_hash=existing.content_hash,
            lastmod=hints.get("lastmod") or existing.lastmod,
            etag=validators.get("etag") or existing.etag,
            last_modified=validators.get("last_modified") or existing.last_modified,
        )
        if (fresh.lastmod, fresh.etag, fresh.last_modified) != (
            existing.lastmod,
            existing.etag,
            existing.last_modified,
        ):
            self.store.mark_emitted(fresh, url, None)
