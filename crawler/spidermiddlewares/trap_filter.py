"""``TrapFilterMiddleware`` (950): strips session ids from outgoing request URLs and
drops URLs shaped like spider traps.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.downloadermiddlewares.refusals import count_skip
from crawler.net import safety

logger = logging.getLogger(__name__)


class TrapFilterMiddleware(BaseSpiderMiddleware):
    """Strips session ids from outgoing request URLs and drops URLs shaped like spider traps.

    Besides the URL shapes of ``safety.trap_reason`` it bounds chains of
    same-shaped hops (``/cal/2026/05/01`` -> ``/cal/2026/05/02`` -> ...) to
    ``TRAP_MAX_CHAIN``: calendar "next" links never end, and pagination does not
    add to the link depth.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_chain = crawler.settings.getint("TRAP_MAX_CHAIN")

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None or request.dont_filter:
            return request  # start requests and the spider's own discovery documents
        assert self.crawler.stats is not None
        clean = safety.strip_session_ids(request.url)
        if clean != request.url:
            self.crawler.stats.inc_value("discovery/session_ids_stripped")
            logger.debug("Stripped session id: %s -> %s", request.url, clean)
            request = request.replace(url=clean)
        reason = safety.trap_reason(request.url)
        if reason is None and self.max_chain > 0:
            chain = 0
            if safety.url_template(request.url) == safety.url_template(response.url):
                chain = response.meta.get("trap_chain", 0) + 1
            if chain > self.max_chain:
                reason = "chain"
            request.meta["trap_chain"] = chain
        if reason is not None:
            self.crawler.stats.inc_value(f"skip/trap/{reason}")
            count_skip(self.crawler, "trap", request.url, reason, logging.DEBUG)
            return None
        return request
