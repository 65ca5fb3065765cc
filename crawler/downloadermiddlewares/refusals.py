"""What the safety middlewares share: counting and logging a refused request
(``skip/<reason>``) and the hosts a crawl may reach (start hosts, allowed redirect hosts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from crawler.net import safety

logger = logging.getLogger(__name__)


def count_skip(
    crawler: Crawler, reason: str, url: str, detail: str = "", level: int = logging.INFO
) -> None:
    assert crawler.stats is not None
    crawler.stats.inc_value(f"skip/{reason}")
    logger.log(level, "Skipped %s (%s)%s", url, reason, f": {detail}" if detail else "")


def start_hosts(spider: Any) -> list[str]:
    """Hosts the user asked to crawl: ``spider.start_hosts``, else allowed domains or start URLs."""
    hosts = getattr(spider, "start_hosts", None) or getattr(spider, "allowed_domains", None)
    if not hosts:
        urls = getattr(spider, "start_list", None) or getattr(spider, "start_urls", None) or []
        hosts = [urlsplit(u).hostname or "" for u in urls]
    return [h for h in hosts if h]


def redirect_allowed(host: str, starts: Iterable[str], extra: Iterable[str]) -> bool:
    """True when a redirect may lead to ``host``: a start site or an allowed extra host."""
    return safety.host_allowed(host, [*starts, *extra])
