"""What only the SQLite store promises (the shared contract is tests/test_state_contract.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from crawler.runtime.state import open_store
from crawler.runtime.state.base import ArticleState
from crawler.runtime.state.sqlite import SqliteStore
from crawler.text import neardup
from tests.articles import article_text

ROOT = Path(__file__).resolve().parent.parent


def text(seed: int) -> str:
    return "\n\n".join(article_text(seed)[1])


def state(rid: str, version: int = 1, chash: str | None = None) -> ArticleState:
    url = f"https://news.example/{rid}"
    return ArticleState(rid, url, url, version, chash or f"hash-{rid}-{version}")


def test_file_and_parent_folders_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.sqlite3"
    store = open_store(f"sqlite:///{path}")
    assert isinstance(store, SqliteStore)
    store.mark_emitted(state("a"), "https://news.example/a", None)
    store.close()
    assert path.is_file()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


def test_marks_are_durable_only_after_commit_when_the_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, signal
        from crawler.runtime.state.sqlite import SqliteStore
        from crawler.runtime.state.base import ArticleState
        store = SqliteStore({str(path)!r})
        for i in range(15):
            u = f"https://news.example/{{i}}"
            store.mark_emitted(ArticleState(str(i), u, u, 1, f"h{{i}}"), u, None)
            if i == 9:
                store.commit()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert proc.returncode == -9
    store = SqliteStore(path)
    assert store.count() == 10
    assert store.get_article("9") is not None and store.get_article("10") is None
    store.close()


def test_two_crawls_write_the_same_store_at_the_same_time(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    SqliteStore(path).close()
    script = textwrap.dedent(
        """
        import sys, time
        from crawler.runtime.state.sqlite import SqliteStore
        from crawler.runtime.state.base import ArticleState
        from crawler.text import neardup
        site, path = sys.argv[1], sys.argv[2]
        store = SqliteStore(path)
        for i in range(300):
            u = f"https://{site}/a/{i}"
            sig = neardup.minhash(f"{site} story {i} " * 20)
            store.mark_emitted(ArticleState(f"{site}-{i}", u, u, 1, f"{site}-{i}"), u, sig)
            store.save_blocks(site, i, {"b": i})
            if i % 20 == 19:
                store.commit()
                time.sleep(0.005)
        store.close()
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, site, str(path)], cwd=ROOT)
        for site in ("one.example", "two.example")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    store = SqliteStore(path)
    assert store.count() == 600
    assert store.load_blocks("one.example") == (299, {"b": 299})
    assert store.get_by_url("https://two.example/a/299") is not None
    store.close()


def test_reader_sees_committed_marks_of_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    writer, reader = SqliteStore(path), SqliteStore(path)
    writer.mark_emitted(state("a"), "https://news.example/a", None)
    assert reader.get_article("a") is None  # not committed yet
    writer.commit()
    assert reader.get_article("a") is not None
    writer.close()
    reader.close()


def test_changed_threshold_rebuilds_the_lsh_buckets(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    base = text(1)
    edited = base.replace(".", ". Indeed,", 8)  # a few edits: similar (Jaccard 0.76), not identical
    store = SqliteStore(path, threshold=0.9)
    store.mark_emitted(state("orig"), "https://news.example/orig", neardup.minhash(base))
    store.close()
    similarity = neardup.jaccard(neardup.minhash(base), neardup.minhash(edited))
    assert 0.6 < similarity < 0.9
    store = SqliteStore(path, threshold=0.6)
    assert store.near_duplicates("q", neardup.minhash(edited)) == ["orig"]
    store.close()


def test_unchanged_refetch_refreshes_validators_without_a_new_version(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    store.mark_emitted(state("a"), "https://news.example/a", None)
    fresh = state("a")
    fresh.lastmod, fresh.etag = "2026-01-02T00:00:00Z", '"v2"'
    store.mark_emitted(fresh, "https://news.example/a", None)
    replay = state("a")  # a journal replay knows no validators: keeps what is there
    store.mark_emitted(replay, "https://news.example/a", None)
    got = store.get_article("a")
    assert got is not None and got.version == 1
    assert (got.lastmod, got.etag) == ("2026-01-02T00:00:00Z", '"v2"')
    store.close()


def test_near_duplicate_index_stays_precise_with_thousands_of_articles(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    sigs = {}
    for seed in range(2000):
        sig = neardup.minhash(text(seed))
        sigs[seed] = sig
        store.mark_emitted(state(f"a{seed}"), f"https://news.example/a{seed}", sig)
    store.commit()
    assert store.count() == 2000
    for seed in (0, 777, 1999):
        assert store.near_duplicates("q", sigs[seed]) == [f"a{seed}"]
    assert store.near_duplicates("q", neardup.minhash(text(5000))) == []
    store.close()


def test_every_band_of_a_marked_signature_is_indexed_once(tmp_path: Path) -> None:
    """The bands of a mark go in as one statement: every band, each once, and a new
    version's bands replace the old version's."""
    store = SqliteStore(tmp_path / "state.sqlite3")
    url = "https://news.example/a"
    first, second = neardup.minhash(text(1)), neardup.minhash(text(2))

    def bands() -> list[tuple[int, int]]:
        return store.conn.execute(
            "SELECT band, bucket FROM lsh WHERE id = 'a' ORDER BY band"
        ).fetchall()

    store.mark_emitted(state("a"), url, first)
    assert bands() == list(enumerate(neardup.band_keys(first, 0.8)))
    store.mark_emitted(state("a"), url, first)  # idempotent
    assert bands() == list(enumerate(neardup.band_keys(first, 0.8)))
    store.mark_emitted(state("a", 2), url, second)
    assert bands() == list(enumerate(neardup.band_keys(second, 0.8)))
    store.commit()
    assert store.near_duplicates("q", second) == ["a"]
    assert store.near_duplicates("q", first) == []
    store.close()


def test_claim_looks_up_version_and_text_owner_of_committed_marks(tmp_path: Path) -> None:
    """A claim sees what another connection committed: the version under the id and
    the id that owns the text."""
    path = tmp_path / "state.sqlite3"
    writer, store = SqliteStore(path), SqliteStore(path)
    writer.mark_emitted(state("a", 2, "text-a"), "https://news.example/a", None)
    writer.commit()
    assert store.claim("a", 2, "text-a-2") is False  # version 2 is emitted
    assert store.claim("b", 1, "text-a") is False  # the text belongs to a
    assert store.claim("a", 3, "text-a-3") is True
    assert store.claim("c", 1, "text-c") is True
    writer.close()
    store.close()
