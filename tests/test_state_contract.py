"""The crawl state store contract: the same behaviour from every backend.

Each test runs against SQLite (a real file) and Redis (a real redis-server on a
loopback port), through ``open_store`` as the pipelines use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.runtime.state import open_store
from crawler.runtime.state.base import ArticleState, StateStore
from crawler.text import neardup
from tests.articles import article_text
from tests.redis_server import REDIS_BINARY, RedisServer

BACKENDS = ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def open_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], StateStore]]:
    """``open_backend()`` opens (or reopens) one store of the parametrised backend."""
    opened: list[StateStore] = []
    server: RedisServer | None = None
    if request.param == "sqlite":
        pytest.importorskip("crawler.runtime.state.sqlite")
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        if REDIS_BINARY is None:
            pytest.skip("redis-server binary not found (apt-get install redis-server)")
        server = RedisServer(tmp_path / "redis").start()
        url = server.url

    def factory(**options: Any) -> StateStore:
        store = open_store(url, **{"threshold": 0.8, "num_perm": 128, **options})
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()
    if server is not None:
        server.stop()


def text(seed: int) -> str:
    headline, paras = article_text(seed)
    return headline + "\n\n" + "\n\n".join(paras)


def state(record_id: str, version: int = 1, content_hash: str | None = None) -> ArticleState:
    url = f"https://news.example/{record_id}"
    return ArticleState(
        id=record_id,
        url=url,
        canonical_url=url,
        version=version,
        content_hash=content_hash or f"hash-{record_id}-{version}",
        lastmod="2026-01-02T03:04:05Z",
        etag='"abc"',
        last_modified=None,
    )


def test_unknown_article_url_and_text_are_absent(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    assert store.get_article("nope") is None
    assert store.get_by_url("https://news.example/nope") is None
    assert store.find_content("hash-nope") is None
    assert store.near_duplicates("nope", neardup.minhash(text(1))) == []


def test_marked_article_is_found_by_id_fetched_url_canonical_url_and_hash(
    open_backend: Callable[[], StateStore],
) -> None:
    store = open_backend()
    st = state("a1")
    store.mark_emitted(st, "https://news.example/a1?utm_source=x", neardup.minhash(text(1)))
    store.commit()
    assert store.get_article("a1") == st
    assert store.get_by_url("https://news.example/a1") == st
    assert store.get_by_url("https://news.example/a1?utm_source=x") == st
    assert store.find_content(st.content_hash) == "a1"


def test_state_survives_reopening_the_store(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    st = state("a1")
    store.mark_emitted(st, st.url, neardup.minhash(text(1)))
    store.save_blocks("news.example", 5, {"b1": 4})
    store.close()
    again = open_backend()
    assert again.get_article("a1") == st
    assert again.near_duplicates("other", neardup.minhash(text(1))) == ["a1"]
    assert again.load_blocks("news.example") == (5, {"b1": 4})


def test_near_copy_is_found_and_different_story_is_not(
    open_backend: Callable[[], StateStore],
) -> None:
    store = open_backend()
    original = text(7)
    store.mark_emitted(state("orig"), "https://news.example/orig", neardup.minhash(original))
    copy = "LISBON (Wire) - " + original.replace("Officials", "Authorities", 1)
    assert store.near_duplicates("copy", neardup.minhash(copy)) == ["orig"]
    assert store.near_duplicates("other", neardup.minhash(text(8))) == []
    # an article is never its own near duplicate
    assert store.near_duplicates("orig", neardup.minhash(original)) == []


def test_signatures_of_another_scheme_are_dropped_not_compared(
    open_backend: Callable[..., StateStore], caplog: pytest.LogCaptureFixture
) -> None:
    """A store remembers the scheme its signatures were made with (hash, shingle size,
    permutations); opened by a crawl with another scheme, it drops them with a warning
    instead of comparing incomparable signatures. The articles stay."""
    original = text(7)
    first = open_backend()
    first.mark_emitted(state("orig"), "https://news.example/orig", neardup.minhash(original))
    first.close()
    same = open_backend()
    assert same.near_duplicates("copy", neardup.minhash(original)) == ["orig"]
    same.close()
    other = open_backend(shingle_size=3)
    assert "near-duplicate signatures" in caplog.text
    assert other.near_duplicates("copy", neardup.minhash(original, shingle_size=3)) == []
    assert other.get_article("orig") is not None
    other.mark_emitted(state("new"), "https://news.example/new", neardup.minhash(text(9), 128, 3))
    assert other.near_duplicates("copy", neardup.minhash(text(9), 128, 3)) == ["new"]
    assert neardup.signature_scheme(128, 5) != neardup.signature_scheme(128, 3)
    assert neardup.signature_scheme(128, 5) != neardup.signature_scheme(64, 5)


def test_near_duplicates_are_listed_oldest_first(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    base = text(11)
    for rid, prefix in (("z-first", "A. "), ("a-second", "B. "), ("m-third", "C. ")):
        store.mark_emitted(
            state(rid), f"https://news.example/{rid}", neardup.minhash(prefix + base)
        )
    assert store.near_duplicates("q", neardup.minhash(base)) == ["z-first", "a-second", "m-third"]


def test_empty_or_missing_signature_is_never_indexed(
    open_backend: Callable[[], StateStore],
) -> None:
    store = open_backend()
    empty = neardup.minhash("")
    store.mark_emitted(state("e"), "https://news.example/e", empty)
    store.mark_emitted(state("n"), "https://news.example/n", None)
    assert store.get_article("n") is not None
    assert store.near_duplicates("q", empty) == []


def test_re_marking_the_same_version_is_a_no_op(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    st = state("a1")
    hv = neardup.minhash(text(3))
    store.mark_emitted(st, st.url, hv)
    store.mark_emitted(st, st.url, hv)
    store.commit()
    assert store.get_article("a1") == st
    assert store.near_duplicates("q", hv) == ["a1"]
    if hasattr(store, "count"):
        assert store.count() == 1  # type: ignore[attr-defined]


def test_new_version_replaces_state_and_moves_the_near_duplicate_index(
    open_backend: Callable[[], StateStore],
) -> None:
    store = open_backend()
    old_text, new_text = text(21), text(22)
    store.mark_emitted(state("a1", 1), "https://news.example/a1", neardup.minhash(old_text))
    v2 = state("a1", 2)
    store.mark_emitted(v2, "https://news.example/a1", neardup.minhash(new_text))
    assert store.get_article("a1") == v2
    assert store.find_content(v2.content_hash) == "a1"
    assert store.find_content(state("a1", 1).content_hash) == "a1"
    assert store.near_duplicates("q", neardup.minhash(new_text)) == ["a1"]
    assert store.near_duplicates("q", neardup.minhash(old_text)) == []


def test_older_version_never_overwrites_a_newer_one(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    v2 = state("a1", 2)
    store.mark_emitted(v2, v2.url, neardup.minhash(text(4)))
    store.mark_emitted(state("a1", 1), v2.url, neardup.minhash(text(5)))
    assert store.get_article("a1") == v2


def test_first_article_keeps_its_content_hash(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    store.mark_emitted(state("first", content_hash="same"), "https://a.example/1", None)
    store.mark_emitted(state("second", content_hash="same"), "https://b.example/2", None)
    assert store.find_content("same") == "first"


def test_learned_blocks_round_trip_and_save_replaces(
    open_backend: Callable[[], StateStore],
) -> None:
    store = open_backend()
    assert store.load_blocks("news.example") == (0, {})
    store.save_blocks("news.example", 3, {"b1": 3, "b2": 2})
    store.save_blocks("news.example", 4, {"b1": 4})
    store.commit()
    assert store.load_blocks("news.example") == (4, {"b1": 4})
    assert store.load_blocks("other.example") == (0, {})


def test_claim_reserves_an_emission_until_marked(open_backend: Callable[[], StateStore]) -> None:
    store = open_backend()
    if not hasattr(store, "claim"):
        pytest.skip(
            f"{type(store).__name__} has no claim() yet (see crawler/runtime/state/base.py)"
        )
    st = state("a1")
    assert store.claim("a1", 1, st.content_hash) is True
    # a second item with the same id or the same text while the first is pending
    assert store.claim("a1", 1, "other-hash") is False
    assert store.claim("b2", 1, st.content_hash) is False
    store.mark_emitted(st, st.url, None)
    # emitted: the same version or text again is a duplicate; a new version is not
    assert store.claim("a1", 1, st.content_hash) is False
    assert store.claim("c3", 1, st.content_hash) is False
    assert store.claim("a1", 2, "hash-a1-2") is True
    store.release("a1", "hash-a1-2")
    assert store.claim("a1", 2, "hash-a1-2") is True
