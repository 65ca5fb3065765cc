"""Periodic progress line: pages fetched and article records written per minute."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.extensions.logstats import LogStats

logger = logging.getLogger(__name__)


class ProgressLog(LogStats):
    """Scrapy's LogStats, speaking of records written and skipped pages."""

    def log(self, spider: Any) -> None:
        self.calculate_stats()
        stats = self.stats.get_stats()
        skipped = sum(int(v) for k, v in stats.items() if k.startswith(("skip/", "drop/")))
        logger.info(
            "Fetched %(pages)d pages (%(pagerate)d/min), wrote %(records)d records "
            "(%(recordrate)d/min), %(skipped)d skipped or dropped",
            {
                "pages": self.pages,
                "pagerate": self.prate,
                "records": self.items,
                "recordrate": self.irate,
                "skipped": skipped,
            },
            extra={"spider": spider},
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        super().spider_closed(spider, reason)  # responses_per_minute, items_per_minute
        self.stats.set_value("records_per_minute", self.stats.get_value("items_per_minute"))

    def calculate_final_stats(self, spider: Any) -> tuple[float | None, float | None]:
        """Pages and records per minute over the whole run (also for runs under a minute)."""
        start = self.stats.get_value("start_time")
        finish = self.stats.get_value("finish_time")
        if not start or not finish or finish <= start:
            return None, None
        minutes = (finish - start).total_seconds() / 60
        pages = self.stats.get_value("response_received_count", 0)
        records = self.stats.get_value("records/written", 0)
        return round(pages / minutes, 1), round(records / minutes, 1)

    def calculate_stats(self) -> None:
        self.items = self.stats.get_value("records/written", 0)
        self.pages = self.stats.get_value("response_received_count", 0)
        self.irate = (self.items - self.itemsprev) * self.multiplier
        self.prate = (self.pages - self.pagesprev) * self.multiplier
        self.pagesprev, self.itemsprev = self.pages, self.items
