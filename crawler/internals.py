"""Every private name of Scrapy, scrapy-redis and multiprocessing the crawler uses.

Each has no public equivalent in the pinned versions (Scrapy 2.19, scrapy-redis
0.9.1, Python 3.11+). They live here, and only here, so an upgrade that renames
one breaks one module, and ``tests/test_internals.py`` fails loudly on it
instead of a crawl slowing down or deduplicating wrongly in silence.

- the engine's slot: its ``nextcall`` (run the scheduling loop now rather than
  at its next 5 s heartbeat) and its ``inprogress`` requests;
- scrapy-redis's request (de)serialisation, which its queues keep private;
- the multiprocessing fork server, to start it before the first pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request


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
