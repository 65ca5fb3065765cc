"""The scheduler's duplicate-request filter, with its fingerprints on disk.

Scrapy's ``RFPDupeFilter`` keeps the fingerprint of every request a crawl
scheduled in a Python set (about 150 bytes a request, for the whole crawl; with
``JOBDIR`` it also appends them to ``requests.seen`` and reads them all back on
resume). ``DiskDupeFilter`` (``DUPEFILTER_CLASS``) filters the same requests the
same way, but holds the fingerprints in a temporary SQLite database
(``crawler/diskset.py``). A distributed crawl filters in Redis instead
(``crawler/redis_scheduler.py``), and does not use this class.
"""

from __future__ import annotations

from typing import Any

from scrapy.dupefilters import RFPDupeFilter

from crawler.diskset import DiskSet


class DiskDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` whose fingerprint set is a :class:`~crawler.diskset.DiskSet`."""

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        super().__init__(path, debug, **kwargs)
        disk = DiskSet()
        disk.update(self._fingerprints)  # with JOBDIR: those of the run resumed
        self._fingerprints = disk  # type: ignore[assignment]

    def close(self, reason: str) -> None:
        super().close(reason)
        self._fingerprints.close()  # type: ignore[attr-defined]
