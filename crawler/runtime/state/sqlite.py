"""The embedded state store: one SQLite file (WAL mode), shared by runs.

Everything lives on disk, including the near-duplicate index (LSH buckets are
rows, signatures are blobs), so memory stays bounded however many articles the
store holds. Writes are batched in one transaction that :meth:`commit` closes;
the JSONL writer commits only after it has fsynced the lines the marks describe,
so a committed mark always has its record on disk. Two crawls (of different
sites) may share the file: WAL lets readers run beside the one writer, and a
busy timeout makes a writer wait for the other's batch instead of failing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from crawler.runtime.state.base import ArticleState
from crawler.text.neardup import (
    band_keys,
    from_blob,
    is_empty,
    jaccard,
    lsh_params,
    signature_scheme,
    to_blob,
)

logger = logging.getLogger(__name__)

#: Milliseconds a writer waits for another process's transaction before failing.
BUSY_TIMEOUT_MS = 120_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT,
    minhash BLOB
);
CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contents (hash TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lsh (
    band INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (band, bucket, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_docs (site TEXT PRIMARY KEY, documents INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_blocks (
    site TEXT NOT NULL,
    block TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (site, block)
) WITHOUT ROWID;
"""

_ARTICLE_COLS = "id, url, canonical_url, version, content_hash, lastmod, etag, last_modified"
_GET_ARTICLE = f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?"
#: What a claim must know: the version emitted under the id, the id owning the text.
_CLAIM_LOOKUP = (
    "SELECT (SELECT version FROM articles WHERE id = ?), (SELECT id FROM contents WHERE hash = ?)"
)


@lru_cache(maxsize=8)
def _bucket_query(bands: int) -> str:
    """Ids in any of ``bands`` (band, bucket) pairs (an id once per band it shares:
    the caller drops repeats, which costs less than SQLite's UNION sorting them out)."""
    return " UNION ALL ".join(
        "SELECT id FROM lsh WHERE band = ? AND bucket = ?" for _ in range(bands)
    )


#: Bands inserted by one statement (3 variables each: within SQLite's oldest limit of 999).
_MAX_BANDS_PER_INSERT = 300


@lru_cache(maxsize=8)
def _insert_bands_query(bands: int) -> str:
    """One statement for the (band, bucket, id) rows of every band of a record."""
    rows = ", ".join("(?, ?, ?)" for _ in range(bands))
    return f"INSERT OR IGNORE INTO lsh (band, bucket, id) VALUES {rows}"


class SqliteStore:
    """:class:`~crawler.runtime.state.base.StateStore` on a local SQLite file."""

    def __init__(
        self,
        path: str | Path,
        threshold: float = 0.8,
        num_perm: int = 128,
        shingle_size: int = 5,
    ) -> None:
        self.path = Path(path)
        self.threshold = threshold
        self.num_perm = num_perm
        self.scheme = signature_scheme(num_perm, shingle_size)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._pending_ids: dict[str, str] = {}
        self._pending_hashes: dict[str, str] = {}
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            str(self.path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we BEGIN/COMMIT ourselves
            check_same_thread=False,
        )
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
        self._check_signature_scheme()
        self._check_lsh_params()

    # -- helpers -----------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"state store {self.path} is closed")
        return self._conn

    def _begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def _check_signature_scheme(self) -> None:
        """Drop stored signatures made by another scheme: they cannot be compared with
        this crawl's (and the texts they were made from are not kept to remake them)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='signature'").fetchone()
        if row is not None and row[0] == self.scheme:
            return
        with self._lock:
            self._begin()
            if row is not None:
                (count,) = self.conn.execute(
                    "SELECT COUNT(*) FROM articles WHERE minhash IS NOT NULL"
                ).fetchone()
                logger.warning(
                    "%s: the %d near-duplicate signatures stored were made by %s, this crawl "
                    "makes %s (DEDUPE_NUM_PERM / DEDUPE_SHINGLE_SIZE or a new version): they "
                    "are dropped; articles emitted before are still matched by URL and by "
                    "exact text, and as near duplicates once emitted again",
                    self.path,
                    count,
                    row[0],
                    self.scheme,
                )
                self.conn.execute("UPDATE articles SET minhash = NULL")
                self.conn.execute("DELETE FROM lsh")
                self.conn.execute("DELETE FROM meta WHERE key='lsh'")
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('signature', ?)", (self.scheme,))
            self.commit()

    def _check_lsh_params(self) -> None:
        """Rebuild the LSH buckets when the store was built with other LSH parameters."""
        bands, rows = lsh_params(self.threshold, self.num_perm)
        wanted = f"{self.num_perm}:{bands}:{rows}"
        row = self.conn.execute("SELECT value FROM meta WHERE key='lsh'").fetchone()
        if row is not None and row[0] == wanted:
            return
        with self._lock:
            self._begin()
            if row is not None:
                logger.info("LSH parameters changed (%s -> %s): rebuilding buckets", row[0], wanted)
                self.conn.execute("DELETE FROM lsh")
                for rid, blob in self.conn.execute(
                    "SELECT id, minhash FROM articles WHERE minhash IS NOT NULL"
                ).fetchall():
                    sig = from_blob(blob)
                    if len(sig) == self.num_perm:
                        self._insert_bands(rid, sig)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('lsh', ?)", (wanted,))
            self.commit()

    def _insert_bands(self, record_id: str, hashvalues: Sequence[int]) -> None:
        keys = band_keys(hashvalues, self.threshold)
        rows = [(i, key, record_id) for i, key in enumerate(keys)]
        if 0 < len(rows) <= _MAX_BANDS_PER_INSERT:
            self.conn.execute(_insert_bands_query(len(rows)), [v for row in rows for v in row])
        else:
            self.conn.executemany(
                "INSERT OR IGNORE INTO lsh (band, bucket, id) VALUES (?, ?, ?)", rows
            )

    def _delete_bands(self, record_id: str, hashvalues: Sequence[int]) -> None:
        self.conn.executemany(
            "DELETE FROM lsh WHERE band = ? AND bucket = ? AND id = ?",
            [(i, key, record_id) for i, key in enumerate(band_keys(hashvalues, self.threshold))],
        )

    @staticmethod
    def _state(row: tuple | None) -> ArticleState | None:
        return ArticleState(*row) if row else None

    # -- URL identity and incremental fetch --------------------------------
    def get_article(self, record_id: str) -> ArticleState | None:
        with self._lock:
            row = self.conn.execute(_GET_ARTICLE, (record_id,)).fetchone()
        return self._state(row)

    def get_by_url(self, url: str) -> ArticleState | None:
        with self._lock:
            row = self.conn.execute(
                f"SELECT {', '.join('a.' + c.strip() for c in _ARTICLE_COLS.split(','))} "
                "FROM urls u JOIN articles a ON a.id = u.id WHERE u.url = ?",
                (url,),
            ).fetchone()
        return self._state(row)

    # -- exact and near duplicates -----------------------------------------
    def find_content(self, content_hash: str) -> str | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT id FROM contents WHERE hash = ?", (content_hash,)
            ).fetchone()
        return row[0] if row else None

    def near_duplicates(self, key: str, hashvalues: list[int]) -> list[str]:
        """Ids (other than ``key``) whose signature shares an LSH bucket with
        ``hashvalues`` and whose estimated Jaccard reaches the threshold, oldest first."""
        if len(hashvalues) != self.num_perm or is_empty(hashvalues):
            return []
        keys = band_keys(hashvalues, self.threshold)
        params: list[object] = [v for i, k in enumerate(keys) for v in (i, k)]
        with self._lock:
            found = self.conn.execute(_bucket_query(len(keys)), params).fetchall()
            candidates = [rid for rid in dict.fromkeys(rid for (rid,) in found) if rid != key]
            if not candidates:
                return []
            marks = ", ".join("?" for _ in candidates)
            rows = self.conn.execute(
                f"SELECT id, minhash FROM articles WHERE id IN ({marks}) ORDER BY rowid",
                candidates,
            ).fetchall()
        wanted = from_blob(to_blob(hashvalues))  # converted once for every candidate
        return [
            rid
            for rid, blob in rows
            if blob is not None and jaccard(from_blob(blob), wanted) >= self.threshold
        ]

    # -- emissions in flight ---------------------------------------------------
    def claim(self, record_id: str, version: int, content_hash: str) -> bool:
        """Reserve the emission of ``record_id`` version ``version`` with this text.

        False when it was emitted already (this version, or this text under another
        id) or an emission of the same id or text is pending in this process.
        ``mark_emitted`` or ``release`` ends the claim.
        """
        with self._lock:
            if record_id in self._pending_ids or content_hash in self._pending_hashes:
                return False
            emitted, owner = self.conn.execute(_CLAIM_LOOKUP, (record_id, content_hash)).fetchone()
            if emitted is not None and emitted >= version:
                return False
            if owner is not None and owner != record_id:
                return False
            self._pending_ids[record_id] = content_hash
            self._pending_hashes[content_hash] = record_id
            return True

    def release(self, record_id: str, content_hash: str) -> None:
        """Give up a claim (the record was not written)."""
        with self._lock:
            if self._pending_ids.get(record_id) == content_hash:
                del self._pending_ids[record_id]
            if self._pending_hashes.get(content_hash) == record_id:
                del self._pending_hashes[content_hash]

    # -- the one write ------------------------------------------------------
    def mark_emitted(
        self, state: ArticleState, fetched_url: str, hashvalues: list[int] | None
    ) -> None:
        """Remember an emitted version. Idempotent: marking a version the store
        already holds (same version and hash, or an older version) changes nothing."""
        with self._lock:
            self.release(state.id, state.content_hash)
            old = self.conn.execute(
                "SELECT version, content_hash, minhash, lastmod, etag, last_modified "
                "FROM articles WHERE id = ?",
                (state.id,),
            ).fetchone()
            if old is not None and old[0] == state.version and old[1] == state.content_hash:
                self._refresh(state, old[3:])
                return
            if old is not None and old[0] > state.version:
                return
            self._begin()
            usable = hashvalues is not None and len(hashvalues) == self.num_perm
            blob = to_blob(hashvalues) if usable and hashvalues is not None else None
            if old is not None and old[2] is not None:
                old_sig = from_blob(old[2])
                if len(old_sig) == self.num_perm:
                    self._delete_bands(state.id, old_sig)
            self.conn.execute(
                f"INSERT INTO articles ({_ARTICLE_COLS}, minhash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET url=excluded.url, "
                "canonical_url=excluded.canonical_url, version=excluded.version, "
                "content_hash=excluded.content_hash, lastmod=excluded.lastmod, "
                "etag=excluded.etag, last_modified=excluded.last_modified, "
                "minhash=excluded.minhash",
                (
                    state.id,
                    state.url,
                    state.canonical_url,
                    state.version,
                    state.content_hash,
                    state.lastmod,
                    state.etag,
                    state.last_modified,
                    blob,
                ),
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO urls (url, id) VALUES (?, ?)",
                [(u, state.id) for u in {fetched_url, state.url, state.canonical_url} if u],
            )
            self.conn.execute(
                "INSERT OR IGNORE INTO contents (hash, id) VALUES (?, ?)",
                (state.content_hash, state.id),
            )
            if blob is not None and hashvalues is not None and not is_empty(hashvalues):
                self._insert_bands(state.id, hashvalues)

    def _refresh(self, state: ArticleState, known: tuple) -> None:
        """Update the fetch validators of a version already held (non-empty ones only)."""
        fresh = (
            state.lastmod or known[0],
            state.etag or known[1],
            state.last_modified or known[2],
        )
        if fresh != tuple(known):
            self._begin()
            self.conn.execute(
                "UPDATE articles SET lastmod = ?, etag = ?, last_modified = ? WHERE id = ?",
                (*fresh, state.id),
            )

    # -- learned site boilerplate ------------------------------------------
    def load_blocks(self, site: str) -> tuple[int, dict[str, int]]:
        with self._lock:
            row = self.conn.execute(
                "SELECT documents FROM site_docs WHERE site = ?", (site,)
            ).fetchone()
            counts = dict(
                self.conn.execute(
                    "SELECT block, count FROM site_blocks WHERE site = ?", (site,)
                ).fetchall()
            )
        return (int(row[0]) if row else 0), counts

    def save_blocks(self, site: str, documents: int, counts: dict[str, int]) -> None:
        with self._lock:
            self._begin()
            self.conn.execute(
                "INSERT OR REPLACE INTO site_docs (site, documents) VALUES (?, ?)",
                (site, documents),
            )
            self.conn.execute("DELETE FROM site_blocks WHERE site = ?", (site,))
            self.conn.executemany(
                "INSERT INTO site_blocks (site, block, count) VALUES (?, ?, ?)",
                [(site, block, int(n)) for block, n in counts.items()],
            )

    # -- lifecycle ---------------------------------------------------------
    def commit(self) -> None:
        with self._lock:
            if self._conn is not None and self._conn.in_transaction:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            self.commit()
            self._conn.close()
            self._conn = None

    # -- introspection (tests, reports) --------------------------------------
    def count(self) -> int:
        """Number of articles the store remembers."""
        with self._lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
