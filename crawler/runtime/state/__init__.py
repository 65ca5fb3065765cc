"""Crawl state store: pick a backend from ``STATE_URL``, one store per crawler."""

from __future__ import annotations

from typing import Any

from crawler.runtime.state.base import ArticleState, StateStore

__all__ = ["ArticleState", "StateStore", "open_store", "store_for"]

_STORE_ATTR = "_cleanwire_state_store"


def open_store(
    url: str,
    threshold: float = 0.8,
    num_perm: int = 128,
    prefix: str = "cleanwire",
    retry_seconds: float = 30.0,
    shingle_size: int = 5,
) -> StateStore:
    """Open the store named by ``url`` (``sqlite:///path`` or ``redis://host:port/db``).

    ``prefix`` namespaces a Redis store's keys (``STATE_REDIS_PREFIX``);
    ``retry_seconds`` is how long a Redis outage is retried (``DISTRIBUTED_REDIS_RETRY``);
    ``num_perm`` and ``shingle_size`` make the near-duplicate signature scheme the store
    checks its stored signatures against.
    """
    if url.startswith("sqlite:///"):
        from crawler.runtime.state.sqlite import SqliteStore

        return SqliteStore(
            url[len("sqlite:///") :],
            threshold=threshold,
            num_perm=num_perm,
            shingle_size=shingle_size,
        )
    if url.startswith(("redis://", "rediss://", "unix://")):
        from crawler.runtime.state.redis import RedisStore

        return RedisStore(
            url,
            threshold=threshold,
            num_perm=num_perm,
            prefix=prefix,
            retry_seconds=retry_seconds,
            shingle_size=shingle_size,
        )
    raise ValueError(f"STATE_URL must start with sqlite:/// or redis://, got {url!r}")


def store_for(crawler: Any) -> StateStore:
    """The crawler's one state store, opened on first use and closed when the engine stops."""
    store = getattr(crawler, _STORE_ATTR, None)
    if store is None:
        from scrapy import signals

        settings = crawler.settings
        store = open_store(
            settings.get("STATE_URL"),
            threshold=settings.getfloat("DEDUPE_THRESHOLD", 0.8),
            num_perm=settings.getint("DEDUPE_NUM_PERM", 128),
            prefix=settings.get("STATE_REDIS_PREFIX") or "cleanwire",
            retry_seconds=settings.getfloat("DISTRIBUTED_REDIS_RETRY", 30.0),
            shingle_size=settings.getint("DEDUPE_SHINGLE_SIZE", 5),
        )
        setattr(crawler, _STORE_ATTR, store)
        crawler.signals.connect(store.close, signal=signals.engine_stopped, weak=False)
    return store
