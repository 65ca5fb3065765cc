"""A crawl extension for tests: the most ``Request`` objects alive at once.

Scrapy counts the live instances of its classes (``scrapy.utils.trackref``); this
extension reads the count whenever a request is scheduled or a response arrives
and keeps the peak in the stat ``probe/peak_live_requests`` (and the peak number of
requests waiting in the scheduler in ``probe/peak_pending_requests``), which the run
report writes with the other stats. Tests add it with ``EXTENSIONS`` (``probe_extensions``).
"""

from __future__ import annotations

import json
from typing import Any

from scrapy import Request, signals
from scrapy.utils.trackref import live_refs

from crawler import settings as project_settings


class PeakLiveRequests:
    """Records the peak number of live ``Request`` objects in the crawl process."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        crawler.signals.connect(self._sample, signal=signals.request_scheduled)
        crawler.signals.connect(self._sample, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> PeakLiveRequests:
        return cls(crawler)

    def _sample(self, *args: Any, **kwargs: Any) -> None:
        self.stats.max_value("probe/peak_live_requests", len(live_refs.get(Request, ())))
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            self.stats.max_value("probe/peak_pending_requests", len(slot.scheduler))


def probe_extensions() -> str:
    """The project's ``EXTENSIONS`` plus this probe, as a ``-s EXTENSIONS=...`` value."""
    return json.dumps({**project_settings.EXTENSIONS, f"{__name__}.PeakLiveRequests": 900})
