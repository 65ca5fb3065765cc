"""Run report: ``<run>.stats.json`` beside the JSONL, and a human summary in the log."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.run import output_dir, run_name

logger = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def summarize(stats: dict[str, Any]) -> str:
    """One paragraph a person reads at the end of a run: where every page went."""
    written = stats.get("records/written", 0)
    pages = stats.get("response_received_count", 0)
    reasons = sorted(
        ((k, v) for k, v in stats.items() if k.startswith(("drop/", "skip/"))),
        key=lambda kv: -int(kv[1]),
    )
    parts = ", ".join(f"{k}={v}" for k, v in reasons) or "none"
    langs = ", ".join(
        f"{k.rsplit('/', 1)[1]}={v}"
        for k, v in sorted(stats.items())
        if k.startswith("records/language/")
    )
    elapsed = stats.get("elapsed_time_seconds", 0) or 0
    return (
        f"{written} records written from {pages} responses in {float(elapsed):.1f}s; "
        f"drops and skips: {parts}; languages: {langs or 'none'}"
    )


class RunReport:
    """Writes the run's stats as JSON when the spider closes (setting ``RUN_REPORT``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        if not crawler.settings.getbool("RUN_REPORT", True):
            raise NotConfigured
        ext = cls(crawler)
        # Receivers run in connection order; extensions load after CoreStats (order 0),
        # so finish_time and elapsed_time_seconds are already set when this runs.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        folder = output_dir(self.crawler)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{run_name(self.crawler)}.stats.json"
        tmp = path.with_suffix(".json.part")
        report = {
            "run": run_name(self.crawler),
            "spider": spider.name,
            "reason": reason,
            "summary": summarize(stats),
            "stats": stats,
        }
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        logger.info("Run summary: %s (report: %s)", report["summary"], path)
