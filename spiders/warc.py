"""`scrapy crawl warc -a path=FILE_OR_GLOB[,...]`: clean records out of WARC/ARC archives.

Each HTTP 200 HTML response record becomes a ``FetchedPage`` (target URI,
Content-Type, WARC-Date, the raw body) that goes through the same pipelines as
the ``news`` spider's pages. Other records are counted and skipped.
"""

from __future__ import annotations

import asyncio
import glob
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Spider
from scrapy.exceptions import CloseSpider

from crawler import signals as cleanwire_signals
from crawler.items import FetchedPage
from crawler.net.warc_reader import WarcEntry, iter_warc
from crawler.runtime import preflight


def expand_paths(spec: str) -> list[Path]:
    """Files named by a comma-separated list of paths, globs and ``file:`` URLs."""
    found: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.startswith("file:"):
            part = unquote(urlsplit(part).path)
        matches = sorted(glob.glob(part)) if glob.has_magic(part) else [part]
        found.extend(Path(m) for m in matches)
    return found


class WarcSpider(Spider):
    """Reads archives given with ``-a path=...`` and yields their HTML pages."""

    name = "warc"

    def __init__(self, path: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not path:
            raise ValueError("scrapy crawl warc needs -a path=FILE_OR_GLOB[,...]")
        self.paths = expand_paths(path)

    @classmethod
    def check_arguments(cls, args: dict[str, str]) -> list[str]:
        """Problems with ``-a path``, found before crawling (``scrapy crawl``)."""
        return preflight.check_archive_paths(args.get("path") or "")

    async def start(self) -> AsyncIterator[Any]:
        settings = self.crawler.settings
        stats = self.crawler.stats
        max_body = settings.getint("DOWNLOAD_MAXSIZE")
        max_inflight = settings.getint("WARC_MAX_INFLIGHT")
        if not self.paths:
            self.logger.error("No archive matches the path argument")
        for path in self.paths:
            if not path.is_file():
                self.logger.error("Archive %s does not exist; skipped", path)
                stats.inc_value("skip/warc_missing_file")
                continue
            self.logger.info("Reading archive %s", path)
            stats.inc_value("warc/files")
            for entry in iter_warc(path, max_body=max_body):
                stats.inc_value("warc/records")
                if entry.kind != "page":
                    self._skip(entry, path)
                    continue
                page = self._page(entry)
                # Items from start() bypass the scheduler: bound how many are in flight,
                # so a large archive streams with flat memory.
                await self._in_flight_below(max_inflight)
                yield page
        # Scrapy notices that a spider without requests is done at its next heartbeat
        # (every 5 s); an archive's end is known here, so close as soon as its last
        # page has left the pipelines.
        await self._in_flight_below(1)
        # no page of the archive is still coming: records waiting for theirs go on now
        await self.crawler.signals.send_catch_log_async(signal=cleanwire_signals.pages_exhausted)
        await self._in_flight_below(1)
        raise CloseSpider("finished")

    async def _in_flight_below(self, limit: int) -> None:
        """Wait until fewer than ``limit`` pages are in the item pipelines."""
        while self.crawler.engine.scraper.slot.itemproc_size >= limit:
            await asyncio.sleep(0.005)

    def _skip(self, entry: WarcEntry, path: Path) -> None:
        self.crawler.stats.inc_value(f"skip/warc_{entry.kind}")
        if entry.kind == "corrupt":
            self.logger.warning(
                "Corrupt record in %s at offset %d skipped (%s)", path, entry.offset, entry.error
            )
        else:
            self.logger.debug("Skipped %s record %s", entry.kind, entry.url)

    def _page(self, entry: WarcEntry) -> FetchedPage:
        """The record as a page for the pipelines, undecoded: the extraction worker
        decodes it (``crawler.extract.pagework``, ``skip/undecodable`` when no charset reads
        it), so the crawl process, which reads the archive, does not."""
        content_type = next((v for k, v in entry.headers if k.lower() == "content-type"), "")
        return FetchedPage(
            url=entry.url,
            html="",
            fetched_at=entry.date,
            status=entry.status,
            source="warc",
            body=entry.body,
            content_type=content_type or None,
        )
