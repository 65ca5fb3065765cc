"""Run report: ``<run>.stats.json`` beside the JSONL, and a human summary in the log."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.runtime.outcome import describe_failed, failed_sites_of
from crawler.runtime.run import output_dir, run_name

logger = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def _by_prefix(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """``{suffix: count}`` of the stats named ``prefix<suffix>``, largest first."""
    found = {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def report_fields(stats: dict[str, Any]) -> dict[str, Any]:
    """The run's headline numbers: what a person or a monitoring job reads first."""
    return {
        "pages_fetched": int(stats.get("response_received_count", 0)),
        #: pages that may be articles (the rest are robots.txt, sitemaps, feeds, listings)
        "candidate_pages": sum(_by_prefix(stats, "discovery/pages/").values()),
        "records_written": int(stats.get("records/written", 0)),
        "duration_seconds": round(float(stats.get("elapsed_time_seconds", 0) or 0), 3),
        "started": stats.get("start_time"),
        "finished": stats.get("finish_time"),
        "skips": _by_prefix(stats, "skip/"),
        "drops": _by_prefix(stats, "drop/"),
        "records_by_language": _by_prefix(stats, "records/language/"),
        "records_by_site": _by_prefix(stats, "records/site/"),
        "exit_code": int(stats.get("run/exit_code", 0) or 0),
        "failed_sites": failed_sites_of(stats),
    }


def _counts(counts: dict[str, int], limit: int = 10) -> str:
    parts = [f"{k}={v}" for k, v in list(counts.items())[:limit]]
    if len(counts) > limit:
        parts.append(f"... {len(counts) - limit} more")
    return ", ".join(parts) or "none"


def summarize(stats: dict[str, Any]) -> str:
    """One paragraph a person reads at the end of a run: where every page went."""
    r = report_fields(stats)
    reasons = {f"skip/{k}": v for k, v in r["skips"].items()}
    reasons.update({f"drop/{k}": v for k, v in r["drops"].items()})
    reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    failed = ""
    if r["failed_sites"]:
        start_sites = int(stats.get("run/start_sites", 0) or 0)
        failed = "; " + describe_failed(r["failed_sites"], start_sites)
    return (
        f"{r['records_written']} records written from {r['pages_fetched']} pages fetched "
        f"({r['candidate_pages']} candidate articles) in {r['duration_seconds']:.1f}s; "
        f"drops and skips: {_counts(reasons)}; "
        f"languages: {_counts(r['records_by_language'])}; "
        f"sites: {_counts(r['records_by_site'], limit=5)}{failed}"
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
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        """Sum download latencies: the report's (and the benchmark's) download stage time."""
        latency = request.meta.get("download_latency")
        if latency is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("time/download_ms", latency * 1000.0)

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        folder = output_dir(self.crawler)
        path = folder / f"{run_name(self.crawler)}.stats.json"
        tmp = path.with_suffix(".json.part")
        report = {
            "run": run_name(self.crawler),
            "spider": spider.name,
            "reason": reason,
            "summary": summarize(stats),
            **report_fields(stats),
            "stats": stats,
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tmp.open("w", encoding="utf-8") as fh:
                json.dump(report, fh, ensure_ascii=False, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            self.crawler.stats.inc_value("write/errors")
            logger.error("Could not write the run report %s: %s", path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
            logger.info("Run summary: %s", report["summary"])
            return
        logger.info("Run summary: %s (report: %s)", report["summary"], path)
