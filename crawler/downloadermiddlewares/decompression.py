"""``BoundedDecompressionMiddleware`` (590, replaces Scrapy's ``HttpCompressionMiddleware``):
the same size-bounded decompression, with ``skip/too_large`` counted.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by ``DOWNLOAD_MAXSIZE``), with ``skip/too_large`` counted."""

    def process_response(self, request: Request, response: Response) -> Any:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("skip/too_large")
            raise
