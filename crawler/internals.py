"""Every private name of Scrapy, scrapy-redis and multiprocessing the crawler uses.

Each has no public equivalent in the pinned versions (Scrapy 2.19, scrapy-redis
0.9.1, Python 3.11+). They live here, and only here, so an upgrade that renames
one breaks one module, and ``tests/test_internals.py`` fails loudly on it
instead of a crawl slowing down or deduplicating wrongly in silence.

- the engine's slot: its ``nextcall`` (run the scheduling loop now rather than
  at its next 5 s heartbeat) and its ``inprogress`` requests;
- scrapy-redis's request (de)serialisation, which its queues keep private;
- the multiprocessing fork server, to start it before the first pool;
- the crawl command's crawler factory (``_create_crawler``: the feed warning Scrapy's
  own ``crawl`` connects);
- the redirect middleware's request building and redirect step, and the meta-refresh
  middleware's settings, for ``HeadMetaRefreshMiddleware``;
- the robots.txt middleware's parsers by site, its parser class and its two hooks
  (``_parse_robots``, ``_robots_error``), for ``SharedRobotsTxtMiddleware``.

(trafilatura's are in ``crawler/extract/trafilatura_adapter.py``; ``tests/test_layout.py``
checks that no other module reaches a private name of these libraries.)
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def _engine_slot(engine: Any) -> Any:
    return getattr(engine, "_slot", None)


def wake_engine(engine: Any) -> bool:
    """Run the engine's scheduling loop soon (Scrapy re-checks an idle engine only
    every 5 s). False when the engine has no open slot (not started, or closing)."""
    slot = _engine_slot(engine)
    if slot is None or slot.closing:
        return False
    slot.nextcall.schedule()
    return True


def requests_in_progress(engine: Any) -> set[Request] | None:
    """The requests the engine is handling now (downloading or in the scraper)."""
    return getattr(_engine_slot(engine), "inprogress", None)


def encode_request(queue: Any, request: Request) -> Any:
    """scrapy-redis's serialised form of ``request`` for ``queue``."""
    return queue._encode_request(request)


def decode_request(queue: Any, data: Any) -> Request:
    """The request scrapy-redis serialised as ``data`` for ``queue``."""
    return queue._decode_request(data)


def forkserver() -> Any:
    """multiprocessing's fork server object (``ensure_running``, and its process id
    while it runs)."""
    from multiprocessing import forkserver as module

    return module._forkserver


def forkserver_running(server: Any) -> bool:
    return getattr(server, "_forkserver_pid", None) is not None


# -- Scrapy components the crawler subclasses ------------------------------------------


def create_crawler(command: Any, name: str) -> Crawler:
    """The crawler of spider ``name`` as Scrapy's run commands make it (they connect a
    warning about feeds no exporter writes)."""
    return command._create_crawler(name)


def meta_refresh_settings(middleware: Any) -> tuple[list[str], float]:
    """A ``MetaRefreshMiddleware``'s ``METAREFRESH_IGNORE_TAGS`` and
    ``METAREFRESH_MAXDELAY``, as it read them."""
    return middleware._ignore_tags, middleware._maxdelay


def redirect_request_using_get(
    middleware: Any, request: Request, response: Response, url: str
) -> Request:
    """The GET request a redirect middleware builds for a redirect of ``request`` to ``url``."""
    return middleware._redirect_request_using_get(request, response, url)


def follow_redirect(middleware: Any, redirected: Request, request: Request, reason: str) -> Any:
    """A redirect middleware's step to ``redirected`` (``REDIRECT_MAX_TIMES``, the
    redirect chain in ``meta``, stats and log line)."""
    return middleware._redirect(redirected, request, reason)


def robots_parsers(middleware: Any) -> dict[str, Any]:
    """A ``RobotsTxtMiddleware``'s parsers by netloc (a Deferred while one downloads)."""
    return middleware._parsers


def robots_parser_class(middleware: Any) -> Any:
    """The ``ROBOTSTXT_PARSER`` class a ``RobotsTxtMiddleware`` builds parsers with."""
    return middleware._parserimpl


@functools.cache
def robots_txt_middleware() -> type:
    """Scrapy's ``RobotsTxtMiddleware`` with its two private hooks under public names,
    for a subclass to override (calling ``super()`` for Scrapy's handling):
    ``parse_robots(response, netloc, request)`` (a downloaded robots.txt) and
    ``robots_error(exc, netloc)`` (a download that failed)."""
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    class HookedRobotsTxtMiddleware(RobotsTxtMiddleware):
        async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
            await self.parse_robots(response, netloc, request)

        async def parse_robots(self, response: Response, netloc: str, request: Request) -> None:
            await super()._parse_robots(response, netloc, request)

        def _robots_error(self, exc: Exception, netloc: str) -> None:
            self.robots_error(exc, netloc)

        def robots_error(self, exc: Exception, netloc: str) -> None:
            super()._robots_error(exc, netloc)

    return HookedRobotsTxtMiddleware
