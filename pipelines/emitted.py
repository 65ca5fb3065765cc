"""Drop a copy of an emitted article before extracting it.

A page fetched under one URL whose declared canonical names an article already
emitted from another URL (in this run or an earlier one) ends as
``drop/duplicate_url`` in the dedupe pipeline, after an extraction that costs
more than the rest of the page's way through the crawl. This pipeline, in front
of the extract pipeline, makes the same decision on the raw page: the canonical
URL comes from a scan of its source (``crawler.extract.canonical.declared_canonical``,
which answers only when it agrees with what extraction would find), and the
decision is the dedupe pipeline's own (canonical id emitted, this URL not one of
its URLs), counted under the name that pipeline, or the multipage pipeline for an
AMP or print copy, would have given it: ``drop/duplicate_url`` or
``drop/alternate_copy``, and again as ``precheck/<reason>``.

Pages it never drops: error responses, a page whose URL carries a page number (a
later page of a multi-page article is no copy: its text joins its page 1), a page
the scan is unsure of, a page whose canonical is its own URL. Off with
``PRECHECK_CANONICAL = False``, and when dedupe is off.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler.extract.canonical import declared_canonical
from crawler.extract.multipage import is_amp_source, is_amp_url, is_print_url, split_page
from crawler.items import FetchedPage
from crawler.net.urls import record_id
from crawler.runtime.state import store_for
from crawler.runtime.state.base import is_copy_url
from crawler.runtime.timing import timed

logger = logging.getLogger(__name__)


class EmittedCanonicalPipeline:
    """Drops, unextracted, a page whose canonical article was emitted from another URL."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("PRECHECK_CANONICAL", True):
            raise NotConfigured("PRECHECK_CANONICAL is off")
        if not settings.getbool("DEDUPE_ENABLED", True):
            raise NotConfigured("DEDUPE_ENABLED is off: nothing drops URL duplicates")
        self.crawler = crawler
        self.stats = crawler.stats
        self.tracking_params = tuple(settings.getlist("TRACKING_PARAMS", []))
        self.store: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> EmittedCanonicalPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)

    @timed("precheck")
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage) or (item.status and item.status >= 400):
            return item
        source = item.body if item.body is not None else item.html
        canonical = self.emitted_elsewhere(item.url, source)
        if canonical is None:
            return item
        copy = is_amp_url(item.url) or is_print_url(item.url) or is_amp_source(source)
        # the name the multipage or the dedupe pipeline would have given the drop
        reason = "alternate_copy" if copy else "duplicate_url"
        self.stats.inc_value(f"drop/{reason}")
        self.stats.inc_value(f"precheck/{reason}")
        logger.debug(
            "drop/%s %s (canonical %s emitted; not extracted)", reason, item.url, canonical
        )
        raise DropItem(f"drop/{reason}: {item.url} (canonical {canonical} emitted)")

    def emitted_elsewhere(self, url: str, source: str | bytes) -> str | None:
        """The canonical URL of the page at ``url`` (raw ``source``) when its article was
        emitted and this URL is a copy of it (the dedupe pipeline's rule)."""
        if split_page(url) is not None:
            return None  # perhaps a later page of its article
        canonical = declared_canonical(source, url, self.tracking_params)
        if canonical is None or canonical == url:
            return None
        rid = record_id(canonical)
        if self.store.get_article(rid) is None or not is_copy_url(self.store, rid, url, canonical):
            return None
        return canonical
