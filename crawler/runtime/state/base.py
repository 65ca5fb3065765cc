"""The crawl state store interface.

Pipelines and spiders talk to this protocol only; ``crawler/runtime/state/sqlite.py``
and ``crawler/runtime/state/redis.py`` implement it. ``open_store(url)`` in
``crawler/runtime/state/__init__.py`` picks the backend from ``STATE_URL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass
class ArticleState:
    """What the store remembers of one emitted article (keyed by record id)."""

    id: str
    url: str
    canonical_url: str
    version: int
    content_hash: str
    #: Sitemap lastmod / feed updated date seen when it was last fetched (ISO 8601).
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@runtime_checkable
class StateStore(Protocol):
    """Durable crawl state shared by runs (and, with Redis, by workers)."""

    # -- URL identity and incremental fetch --------------------------------
    def get_article(self, record_id: str) -> ArticleState | None:
        """The article emitted under ``record_id``, if any."""

    def get_by_url(self, url: str) -> ArticleState | None:
        """The article last fetched from ``url`` (a fetched or canonical URL)."""

    # -- exact and near duplicates -----------------------------------------
    def find_content(self, content_hash: str) -> str | None:
        """Record id of an earlier article with this normalised-text hash."""

    def near_duplicates(self, key: str, hashvalues: list[int]) -> list[str]:
        """Ids other than ``key`` (the asking record's id) whose MinHash shares an LSH
        bucket with ``hashvalues`` and whose estimated Jaccard similarity reaches the
        store's threshold, first emitted first."""

    # -- exactly once across concurrent writers ------------------------------
    def claim(self, record_id: str, version: int, content_hash: str) -> bool:
        """Reserve the emission of this version of ``record_id`` with this text.

        Called by the dedupe pipeline last, once it has decided to emit. False when
        the version or the text was emitted already, or another emission of it is
        pending (a concurrent worker, or an earlier item of this process); the item
        is then a duplicate. A claim ends with ``mark_emitted`` or ``release``.
        (SQLite, one writer per site: True unless already emitted; Redis: atomic
        across workers, and a dead worker's claims are taken over.)
        """

    def release(self, record_id: str, content_hash: str) -> None:
        """Give up a claim whose record was not written (dropped or failed later)."""

    # -- the one write: after the record is durably in the JSONL -----------
    def mark_emitted(
        self, state: ArticleState, fetched_url: str, hashvalues: list[int] | None
    ) -> None:
        """Remember an emitted article version (and index its MinHash).

        Idempotent, so a journal can be replayed: marking a version the store already
        holds (same version and hash) only refreshes its non-empty lastmod / etag /
        last_modified; marking an older version changes nothing. Durable at ``commit``."""

    # -- learned site boilerplate ------------------------------------------
    def load_blocks(self, site: str) -> tuple[int, dict[str, int]]:
        """(documents seen, {block hash: document frequency}) learned for ``site``."""

    def save_blocks(self, site: str, documents: int, counts: dict[str, int]) -> None:
        """Persist the learned block statistics for ``site``."""

    # -- lifecycle ---------------------------------------------------------
    def commit(self) -> None:
        """Make every mark so far durable."""

    def close(self) -> None:
        """Commit and release the backend."""


def is_copy_url(store: StateStore, record_id: str, url: str, canonical: str) -> bool:
    """``url``, whose canonical URL is ``canonical``, is a copy of the article emitted as
    ``record_id``: another URL than the canonical one, and not one the article was
    fetched from (a re-fetch of that URL may be a new version). The dedupe pipeline's
    ``drop/duplicate_url`` rule, which ``pipelines/emitted.py`` applies before extraction."""
    if url == canonical:
        return False
    via = store.get_by_url(url)
    return via is None or via.id != record_id
