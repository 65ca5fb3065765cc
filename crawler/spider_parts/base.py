"""What the news and archive spiders share: counted decisions, the state store's
record of emitted articles, clear usage errors, response header helpers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn, Self

from scrapy import Request, Spider

from crawler.discovery.incremental import EmittedArticles

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.runtime.state.base import StateStore

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")


def usage_error(logger: logging.Logger, message: str) -> NoReturn:
    """Stop ``scrapy crawl`` with one clear ERROR line and exit status 2, no traceback."""
    logger.error(message)
    raise SystemExit(2)


def header(response: Response, name: str) -> str | None:
    """The value of the response header ``name``, stripped; None when absent or empty."""
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


def names_other_type(content_type: str | None) -> bool:
    """True when a Content-Type is given and names no HTML type."""
    if not content_type:
        return False
    return not content_type.lower().split(";")[0].strip().startswith(HTML_TYPES)


class CleanwireSpider(Spider):
    """Base of the spiders whose pages go to the record pipelines.

    Every decision is counted in the crawler's stats (``count``, ``skip``); the state
    store's record of the articles earlier runs emitted is ``emitted_articles``,
    opened on first use. A spider says which store errors it survives
    (``store_errors``: it then fetches everything, ``store_unavailable`` says so).
    """

    store_errors: tuple[type[Exception], ...] = (ImportError,)
    store_unavailable = "every URL is fetched"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.emitted_articles = EmittedArticles(
            spider._open_state_store,
            spider.logger,
            cls.store_unavailable,
            cls.store_errors,
        )
        return spider

    def _open_state_store(self) -> StateStore:
        from crawler.runtime.state import store_for

        return store_for(self.crawler)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the stat ``name``."""
        self.crawler.stats.inc_value(name, n)

    def skip(self, reason: str, url: str) -> None:
        """``url`` is not requested or not passed on: ``skip/<reason>``, one DEBUG line."""
        self.crawler.stats.inc_value(f"skip/{reason}")
        self.logger.debug("Skipped %s (%s)", url, reason)

    def schedule(self, request: Request) -> Request:
        """Schedule ``request`` now, outside a callback (a pipeline or a signal asked)."""
        self.crawler.engine.crawl(request)
        return request
