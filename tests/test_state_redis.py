"""Redis store behaviour beyond the shared contract: several workers, faults."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.runtime.state import open_store
from crawler.runtime.state.base import ArticleState
from crawler.runtime.state.redis import RedisStore
from crawler.text import neardup
from tests.redis_server import RedisServer, redis_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def state(record_id: str, version: int = 1, content_hash: str = "h") -> ArticleState:
    url = f"https://news.example/{record_id}"
    return ArticleState(record_id, url, url, version, content_hash)


def test_keys_are_namespaced_by_prefix(redis_server: RedisServer) -> None:  # noqa: F811
    a = open_store(redis_server.url, prefix="site-a")
    b = RedisStore(redis_server.url + "?prefix=site-b")
    try:
        a.mark_emitted(state("x"), "https://news.example/x", None)
        assert a.get_article("x") is not None
        assert b.get_article("x") is None
        keys = {k.decode() for k in redis_server.client().keys("*")}
        assert keys and all(k.startswith("site-a:") or k.startswith("site-b:") for k in keys)
    finally:
        a.close()
        b.close()


def test_concurrent_workers_claim_one_article_exactly_once(
    redis_server: RedisServer,  # noqa: F811
) -> None:
    stores = [RedisStore(redis_server.url, owner=f"worker-{i}") for i in range(8)]
    results: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def race(store: RedisStore, i: int) -> None:
        barrier.wait()
        # half race on the same id, half on the same text under other ids
        rid = "same-id" if i % 2 else f"other-{i}"
        got = store.claim(rid, 1, "same-text")
        results.append(got)
        if got:
            store.mark_emitted(
                state(rid, content_hash="same-text"), f"https://n.example/{rid}", None
            )

    threads = [threading.Thread(target=race, args=(s, i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert sorted(results) == [False] * 7 + [True]
    finally:
        for s in stores:
            s.close()


HOLDER = """
import sys, time
from crawler.runtime.state.redis import RedisStore
from crawler.runtime.state.base import ArticleState
store = RedisStore(sys.argv[1], live_ttl=1.0)
assert store.claim("held", 1, "held-text")
print("claimed", flush=True)
if sys.argv[2] == "mark":
    time.sleep(1.0)
    u = "https://news.example/held"
    store.mark_emitted(ArticleState("held", u, u, 1, "held-text"), u, None)
    print("marked", flush=True)
time.sleep(60)
"""


def _holder(url: str, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
    return proc


def test_claim_of_a_killed_worker_is_taken_over(redis_server: RedisServer) -> None:  # noqa: F811
    holder = _holder(redis_server.url, "hold")
    store = RedisStore(redis_server.url, live_ttl=1.0)
    try:
        holder.kill()  # SIGKILL: no release, the claim stays in Redis
        holder.wait()
        assert store.claim("held", 1, "held-text") is True
    finally:
        store.close()


def test_claim_held_by_a_live_worker_waits_for_its_mark(
    redis_server: RedisServer,  # noqa: F811
) -> None:
    holder = _holder(redis_server.url, "mark")
    store = RedisStore(redis_server.url, live_ttl=1.0)
    try:
        assert store.claim("held", 1, "held-text") is False
        assert store.get_article("held") is not None
    finally:
        holder.kill()
        holder.wait()
        store.close()


def test_redis_restart_is_retried_and_data_persists(redis_server: RedisServer) -> None:  # noqa: F811
    store = open_store(redis_server.url)
    try:
        hv = neardup.minhash(" ".join(f"word{i}" for i in range(200)))
        store.mark_emitted(state("before"), "https://news.example/before", hv)
        redis_server.stop()
        restarter = threading.Timer(1.5, redis_server.start)
        restarter.start()
        # issued while redis-server is down: retried until it is back
        store.mark_emitted(state("during", content_hash="h2"), "https://news.example/during", None)
        restarter.join()
        assert store.get_article("before") is not None
        assert store.get_article("during") is not None
        assert store.near_duplicates("q", hv) == ["before"]
    finally:
        store.close()


def test_long_redis_outage_raises_a_clear_error(redis_server: RedisServer) -> None:  # noqa: F811
    store = RedisStore(redis_server.url, retry_seconds=1.0)
    try:
        redis_server.stop()
        started = time.monotonic()
        try:
            store.get_article("x")
        except Exception as exc:
            assert "connect" in str(exc).lower() or "connection" in type(exc).__name__.lower()
        else:
            raise AssertionError("a Redis outage longer than the retry budget must raise")
        assert time.monotonic() - started < 60
    finally:
        store.close()


def test_after_an_outage_used_up_its_retries_further_calls_fail_fast_then_recover(
    redis_server: RedisServer,  # noqa: F811
) -> None:
    """One call waits out the retry budget; the ones right after it fail at once, and
    once the window has passed and Redis is back, calls work again."""
    import redis as redis_lib

    store = RedisStore(redis_server.url, retry_seconds=1.0)
    try:
        redis_server.stop()
        with pytest.raises(redis_lib.exceptions.ConnectionError):
            store.get_article("x")
        with pytest.raises(redis_lib.exceptions.ConnectionError, match="failing fast"):
            store.find_content("y")
        redis_server.start()
        store.redis._down_until = 0.0  # the window has passed
        assert store.get_article("x") is None
    finally:
        store.close()
