"""Incremental fetch: which listed URLs an earlier run's records make unnecessary (pure).

A URL whose article an earlier run emitted is not requested again unless its sitemap
``lastmod`` or feed date is newer than the one stored with the article; then it is
requested with ``If-None-Match`` / ``If-Modified-Since`` (a 304 only refreshes the
stored date). Page 2 or later of a paged article an earlier run emitted is joined
into that article's record, so it is not requested again either.

``EmittedArticles`` is the state store's side of it, opened on first use; the news
spider and the archive spider both ask it. The spiders count the decisions in
Scrapy's stats; nothing here imports Scrapy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from crawler.discovery.lastmod import is_newer
from crawler.extract import multipage
from crawler.net.urls import canonicalize

if TYPE_CHECKING:
    from crawler.runtime.diskset import DiskDict
    from crawler.runtime.state.base import ArticleState, StateStore


class EmittedArticles:
    """The crawl state store's record of the articles earlier runs emitted.

    The store is opened on first use (``open_store``); when that fails with one of
    ``errors``, one warning says so and every URL counts as new for the rest of the
    crawl (``unavailable`` says what that means for the spider).
    """

    def __init__(
        self,
        open_store: Callable[[], StateStore],
        logger: logging.Logger | logging.LoggerAdapter[Any],
        unavailable: str,
        errors: tuple[type[Exception], ...] = (ImportError,),
    ) -> None:
        self._open_store = open_store
        self._logger = logger
        self._unavailable = unavailable
        self._errors = errors
        self._store: StateStore | None = None
        self._failed = False

    def store(self) -> StateStore | None:
        """The state store, or None when it cannot be opened."""
        if self._store is None and not self._failed:
            try:
                self._store = self._open_store()
            except self._errors as exc:
                self._failed = True
                self._logger.warning("No crawl state store (%s): %s", exc, self._unavailable)
        return self._store

    def get(self, url: str, key: str) -> ArticleState | None:
        """The record of the article emitted from ``url`` (canonical form ``key``), or None."""
        store = self.store()
        if store is None:
            return None
        return store.get_by_url(key) or (store.get_by_url(url) if url != key else None)


@dataclass(frozen=True)
class FetchDecision:
    """Whether to request a listed URL and, for a changed article, how."""

    fetch: bool
    #: why it is not requested, counted as ``skip/<reason>``; None for a URL listed again
    skip: str | None = None
    #: an earlier run's article, unchanged, listed for the first time in this crawl
    unchanged: bool = False
    #: an earlier run's article listed with a newer date: a conditional request
    changed: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


class IncrementalFetch:
    """Decides, from the dates sitemaps and feeds list, which URLs need a request."""

    def __init__(self, articles: EmittedArticles, tracking_params: Sequence[str]) -> None:
        self.articles = articles
        self.tracking_params = list(tracking_params)

    def decide(self, url: str, key: str, listed: DiskDict, lastmod: str | None) -> FetchDecision:
        """The decision for ``url`` (canonical ``key``) listed with ``lastmod``.

        ``listed`` is the site's record of known URLs listed earlier in this crawl
        (key -> lastmod); an unchanged known article is added to it.
        """
        entry = listed.entry(key)  # (lastmod,) when listed earlier in this crawl
        if entry is not None and not is_newer(lastmod, entry[0]):
            return FetchDecision(False)  # listed again (another feed or sitemap), no newer date
        known = self.articles.get(url, key)
        if known is None:
            if self.emitted_article_page(url, lastmod):
                return FetchDecision(False, skip="known_url")
            return FetchDecision(True)
        if not is_newer(lastmod, known.lastmod):
            listed[key] = lastmod or (entry[0] if entry else None)
            if entry is None:
                return FetchDecision(False, skip="known_url", unchanged=True)
            return FetchDecision(False)
        headers: dict[str, str] = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        meta = {"handle_httpstatus_list": [304], "known_id": known.id}
        return FetchDecision(True, changed=True, headers=headers, meta=meta)

    def emitted_article_page(self, url: str, lastmod: str | None) -> bool:
        """True for page 2 or later of an article an earlier run emitted (joined into
        its record), unless its sitemap or feed date is newer than the article's."""
        first = multipage.first_page_url(url)
        if first is None:
            return False
        known = self.articles.get(first, canonicalize(first, self.tracking_params))
        return known is not None and not is_newer(lastmod, known.lastmod)

    def refresh(
        self,
        known_id: str | None,
        url: str,
        lastmod: str | None,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        """After a 304 for ``url``, remember the newer ``lastmod``, so the next run does
        not ask again.

        The article is unchanged and already emitted: only its fetch validators change.
        """
        store = self.articles.store()
        if store is None or not known_id or not lastmod:
            return
        state = store.get_article(known_id)
        if state is None:
            return
        state = replace(
            state,
            lastmod=lastmod,
            etag=etag or state.etag,
            last_modified=last_modified or state.last_modified,
        )
        store.mark_emitted(state, url, None)
        store.commit()
