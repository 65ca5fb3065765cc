"""Language pipeline: ``language`` and ``language_confidence`` on every record.

Settings: ``LANGUAGES`` (keep only these ISO 639-1 codes; empty keeps all),
``LANGUAGE_SEED`` (langdetect seed) and ``LANGUAGE_MAX_CHARS`` (characters of
title and leading text examined). The extraction workers normally detect the
language already (``build_record``); this pipeline then only applies the hint
fallback and the filter. A sitemap's language hint (Google News
``<news:language>``) is used only when the text is too short to detect.
This module imports langdetect only for a record that arrives without a detected
language, so the crawl process normally never loads it.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)


def hint_language(crawl_meta: dict[str, Any] | None) -> str | None:
    """The ISO 639-1 language a sitemap or feed entry declared, if any."""
    if not crawl_meta:
        return None
    hints = crawl_meta.get("hints") or {}
    raw = hints.get("language") or crawl_meta.get("hint_language")
    if not isinstance(raw, str):
        return None
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


class LanguagePipeline:
    """Detects each record's language and applies the ``LANGUAGES`` filter."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.keep = {code.strip().lower() for code in settings.getlist("LANGUAGES") if code.strip()}
        self.seed = settings.getint("LANGUAGE_SEED", 0)
        self.max_chars = settings.getint("LANGUAGE_MAX_CHARS", 600)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        crawl_meta = adapter.get("crawl_meta") or {}
        if crawl_meta.get("language_detected"):
            # the extraction worker already ran the same detection on the same text
            language, confidence = adapter.get("language"), adapter.get("language_confidence")
            spent_ms = float(crawl_meta.get("language_ms") or 0.0)
        else:
            # langdetect is loaded only when a record arrives without a language
            from crawler.text.language import detect_language

            started = time.perf_counter()
            language, confidence = detect_language(
                adapter.get("text") or "",
                adapter.get("title"),
                max_chars=self.max_chars,
                seed=self.seed,
            )
            spent_ms = 1000 * (time.perf_counter() - started)
        if self.stats is not None:
            self.stats.inc_value("time/language_ms", round(spent_ms))
        if language is None:
            language = hint_language(adapter.get("crawl_meta"))
            if language is not None:
                self._inc("language/from_hint")
        adapter["language"] = language
        adapter["language_confidence"] = confidence
        # a sources file's per-site `languages` overrides the LANGUAGES setting
        site_languages = (crawl_meta.get("hints") or {}).get("languages")
        keep = {code.lower() for code in site_languages} if site_languages else self.keep
        if keep and language not in keep:
            self._inc("drop/language")
            logger.debug("drop/language: %s is %s, not in %s", adapter.get("url"), language, keep)
            raise DropItem(f"language {language} not in {sorted(keep)}")
        return item

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
