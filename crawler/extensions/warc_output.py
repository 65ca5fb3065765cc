"""Archive every response of a crawl to ``<run>.warc.gz`` (setting ``WARC_OUTPUT``).

The archive can be re-extracted later with ``scrapy crawl warc``. It is written
as ``.part`` and renamed when the spider closes, like the JSONL.
"""

from __future__ import annotations

import http
import io
import logging
import os
from typing import Any, BinaryIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.runtime.run import output_dir, run_name

logger = logging.getLogger(__name__)

#: Headers that describe the transfer, not the (already decoded) body we store.
_TRANSFER_HEADERS = {b"content-length", b"content-encoding", b"transfer-encoding"}


def _status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class WarcOutput:
    """Writes one WARC response record per downloaded response."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self.path = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcOutput:
        if not crawler.settings.getbool("WARC_OUTPUT"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _open(self) -> WARCWriter:
        if self._writer is None:
            folder = output_dir(self.crawler)
            folder.mkdir(parents=True, exist_ok=True)
            self.path = folder / f"{run_name(self.crawler)}.warc.gz"
            self._fh = open(f"{self.path}.part", "wb")  # noqa: SIM115 - closed at spider_closed
            self._writer = WARCWriter(self._fh, gzip=True)
        return self._writer

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if response.status in (301, 302, 303, 307, 308):
            return
        writer = self._open()
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            if k.lower() not in _TRANSFER_HEADERS
            for v in values
        ]
        http_headers = StatusAndHeaders(_status_line(response.status), headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body), http_headers=http_headers
        )
        writer.write_record(record)
        self.crawler.stats.inc_value("warc/written")

    def spider_closed(self, spider: Any) -> None:
        if self._fh is None or self.path is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(f"{self.path}.part", self.path)
        logger.info(
            "Archived %s responses to %s",
            self.crawler.stats.get_value("warc/written", 0),
            self.path,
        )
