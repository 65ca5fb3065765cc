"""Sets and maps of strings kept on disk for one crawl, not in Python objects.

A crawl remembers every URL it requested: the spider's per-site ``seen`` URLs and
``known`` dates, the scheduler's request fingerprints. In Python sets and dicts
that costs some 250 bytes a URL for the whole crawl. Here they are rows of a
private temporary SQLite database (``sqlite3.connect("")``: an unnamed file that
SQLite deletes when the connection closes, the OS when the process dies) whose
page cache is bounded (``CACHE_KIB``), so memory stays flat however many URLs a
crawl meets. A lookup or insert takes 3-8 µs.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator

#: Page cache of one temporary database (KiB); the rest of its pages are on disk.
CACHE_KIB = 1024

_SCHEMA = """
CREATE TABLE sets (ns INTEGER NOT NULL, k TEXT NOT NULL, PRIMARY KEY (ns, k)) WITHOUT ROWID;
CREATE TABLE maps (ns INTEGER NOT NULL, k TEXT NOT NULL, v TEXT, PRIMARY KEY (ns, k))
    WITHOUT ROWID;
"""


class TemporaryDatabase:
    """One private temporary SQLite database; :class:`DiskSet` and :class:`DiskDict`
    instances made on it share its connection and page cache."""

    def __init__(self, cache_kib: int = CACHE_KIB) -> None:
        conn = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        conn.executescript(_SCHEMA)
        # one transaction for the database's life: nothing in it outlives the crawl,
        # so nothing is ever committed (saves a commit per insert)
        conn.execute("BEGIN")
        self._conn: sqlite3.Connection | None = conn
        self._namespaces = itertools.count(1)

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("temporary database is closed")
        return self._conn

    def namespace(self) -> int:
        """A key prefix no other set or map of this database uses."""
        return next(self._namespaces)

    def close(self) -> None:
        """Close the connection; SQLite deletes the file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class DiskSet:
    """A set of strings (or bytes) on a :class:`TemporaryDatabase` (its own when none
    is given)."""

    def __init__(self, db: TemporaryDatabase | None = None) -> None:
        self._owns = db is None
        self.db = db if db is not None else TemporaryDatabase()
        self._ns = self.db.namespace()
        self._len = 0

    def add(self, key: str | bytes) -> bool:
        """Add ``key``; True when it was not in the set yet."""
        added = (
            self.db.conn.execute(
                "INSERT OR IGNORE INTO sets (ns, k) VALUES (?, ?)", (self._ns, key)
            ).rowcount
            == 1
        )
        self._len += added
        return added

    def update(self, keys: Iterable[str | bytes]) -> None:
        for key in keys:
            self.add(key)

    def __iter__(self) -> Iterator[str | bytes]:
        rows = self.db.conn.execute("SELECT k FROM sets WHERE ns = ?", (self._ns,)).fetchall()
        return iter([key for (key,) in rows])

    def __contains__(self, key: object) -> bool:
        row = self.db.conn.execute(
            "SELECT 1 FROM sets WHERE ns = ? AND k = ?", (self._ns, key)
        ).fetchone()
        return row is not None

    def __len__(self) -> int:
        return self._len

    def close(self) -> None:
        """Close the database when this set made it."""
        if self._owns:
            self.db.close()


class DiskDict:
    """A map of strings to strings or None on a :class:`TemporaryDatabase`."""

    def __init__(self, db: TemporaryDatabase | None = None) -> None:
        self._owns = db is None
        self.db = db if db is not None else TemporaryDatabase()
        self._ns = self.db.namespace()
        self._len = 0

    def entry(self, key: object) -> tuple[str | None] | None:
        """``(value,)`` when ``key`` is in the map, else None: one lookup for both."""
        row: tuple[str | None] | None = self.db.conn.execute(
            "SELECT v FROM maps WHERE ns = ? AND k = ?", (self._ns, key)
        ).fetchone()
        return row

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.entry(key)
        return default if row is None else row[0]

    def __getitem__(self, key: str) -> str | None:
        row = self.entry(key)
        if row is None:
            raise KeyError(key)
        return row[0]

    def __setitem__(self, key: str, value: str | None) -> None:
        conn = self.db.conn
        if self.entry(key) is None:
            self._len += 1
        conn.execute(
            "INSERT OR REPLACE INTO maps (ns, k, v) VALUES (?, ?, ?)", (self._ns, key, value)
        )

    def __contains__(self, key: object) -> bool:
        return self.entry(key) is not None

    def __len__(self) -> int:
        return self._len

    def close(self) -> None:
        """Close the database when this map made it."""
        if self._owns:
            self.db.close()
