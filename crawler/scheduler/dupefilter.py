"""The scheduler's duplicate-request filter, with its fingerprints on disk.

Scrapy's ``RFPDupeFilter`` keeps the fingerprint of every request a crawl
scheduled in a Python set (about 150 bytes a request, for the whole crawl).
``DiskDupeFilter`` (``DUPEFILTER_CLASS``) filters the same requests the same
way (the crawler's request fingerprinter, ``REQUEST_FINGERPRINTER_CLASS``) but
holds the fingerprints in a temporary SQLite database (``crawler/runtime/diskset.py``).
With ``JOBDIR`` it appends them to ``requests.seen`` in Scrapy's format (each
fingerprint's 2-byte big-endian length, then its bytes) and reads them back on
resume. Built on Scrapy's public ``BaseDupeFilter`` interface only. A
distributed crawl filters in Redis instead (``crawler/scheduler/redis_scheduler.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinter, RequestFingerprinterProtocol, referer_str

from crawler.runtime.diskset import DiskSet

logger = logging.getLogger(__name__)

#: bytes of the length prefix of each fingerprint in ``requests.seen``
_SIZE_BYTES = 2


def read_fingerprints(data: bytes) -> Iterator[bytes]:
    """The fingerprints of a ``requests.seen`` file (a truncated last one is left out)."""
    pos = 0
    while pos + _SIZE_BYTES <= len(data):
        size = int.from_bytes(data[pos : pos + _SIZE_BYTES], "big")
        pos += _SIZE_BYTES
        fingerprint = data[pos : pos + size]
        if len(fingerprint) < size:
            return  # cut short by an unclean shutdown
        yield fingerprint
        pos += size


class DiskDupeFilter(BaseDupeFilter):
    """A request filter like ``RFPDupeFilter`` whose fingerprint set is a ``DiskSet``."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        self.fingerprinter = fingerprinter or RequestFingerprinter()
        self.debug = debug
        self.logdupes = True
        self.fingerprints = DiskSet()
        self.file: IO[bytes] | None = None
        if path:  # JOBDIR: those of the run resumed
            self.file = Path(path, "requests.seen").open("a+b")  # noqa: SIM115 (closed in close)
            self.file.seek(0)
            self.fingerprints.update(read_fingerprints(self.file.read()))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskDupeFilter:
        return cls(
            job_dir(crawler.settings),
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.fingerprinter.fingerprint(request)
        if not self.fingerprints.add(fingerprint):
            return True
        if self.file is not None:
            self.file.write(len(fingerprint).to_bytes(_SIZE_BYTES, "big") + fingerprint)
        return False

    def close(self, reason: str) -> None:
        if self.file is not None:
            self.file.close()
        self.fingerprints.close()

    def log(self, request: Request, spider: Spider) -> None:
        if self.debug:
            logger.debug(
                "Filtered duplicate request: %(request)s (referer: %(referer)s)",
                {"request": request, "referer": referer_str(request)},
            )
        elif self.logdupes:
            logger.debug(
                "Filtered duplicate request: %(request)s - no more duplicates will be shown"
                " (see DUPEFILTER_DEBUG to show all duplicates)",
                {"request": request},
            )
            self.logdupes = False
        crawler: Any = getattr(spider, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value("dupefilter/filtered")
