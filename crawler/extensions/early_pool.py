"""Start the extraction workers' fork server while Scrapy is still starting up.

The extraction pool's fork server imports trafilatura and loads the language
profiles (about 0.5 s of one core) before it can fork the first worker. The
extract pipeline starts its pool when the spider opens; this extension, built
with the other extensions before Scrapy builds its middlewares and pipelines,
starts the fork server a little earlier, on the idle second core, so the first
record arrives sooner. Nothing else changes: the pool forks its workers from
this server as it would from one it started itself.

``EXTRACT_EARLY_START`` (default True) switches it; it does nothing when
extraction runs in the crawl process (``EXTRACT_WORKERS = 1``) or where there
is no fork server.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.runtime.workers import ExtractionRunner, default_workers, start_fork_server

logger = logging.getLogger(__name__)


class EarlyForkServer:
    """Starts the extraction pool's fork server when the crawler is built."""

    def __init__(self, started: bool) -> None:
        self.started = started

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EarlyForkServer:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_EARLY_START", True):
            raise NotConfigured
        if default_workers(settings.getint("EXTRACT_WORKERS", 0)) == 1:
            raise NotConfigured
        function = settings.get("EXTRACT_FUNCTION") or "crawler.extract.record.build_record"
        try:
            started = start_fork_server(ExtractionRunner.preload(function))
        except Exception as exc:  # the pool starts it later, as it would without us
            logger.warning("Could not start the extraction fork server early: %r", exc)
            started = False
        if started:
            logger.debug("Extraction fork server starting (preloading %s)", function)
        return cls(started)
