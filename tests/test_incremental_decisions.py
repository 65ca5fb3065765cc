"""Incremental fetch decisions and the news crawl's site bookkeeping, without a reactor.

``crawler/discovery/incremental.py`` decides from listed dates and the state store's
records which URLs need a request; ``crawler/discovery/site_state.py`` keeps the
sites. The end-to-end behaviour is in ``tests/test_incremental_fetch.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from crawler.discovery.incremental import EmittedArticles, IncrementalFetch
from crawler.discovery.site_state import SiteRegistry, may_be_article
from crawler.net.urls import on_site, site_host
from crawler.runtime.diskset import DiskDict
from crawler.runtime.state.base import ArticleState

URL = "https://example.com/news/2026/02/story.html"


@dataclass
class FakeStore:
    """The two look-ups and the one write incremental fetch makes of a state store."""

    articles: dict[str, ArticleState] = field(default_factory=dict)
    marked: list[tuple[ArticleState, str]] = field(default_factory=list)

    def get_by_url(self, url: str) -> ArticleState | None:
        return self.articles.get(url)

    def get_article(self, record_id: str) -> ArticleState | None:
        return next((a for a in self.articles.values() if a.id == record_id), None)

    def mark_emitted(self, state: ArticleState, url: str, hashvalues: Any) -> None:
        self.marked.append((state, url))

    def commit(self) -> None:
        pass


def _article(url: str = URL, lastmod: str | None = "2026-02-01T00:00:00Z", **kw: Any):
    return ArticleState("id1", url, url, 1, "h", lastmod=lastmod, **kw)


def _fetch(store: Any) -> IncrementalFetch:
    articles = EmittedArticles(lambda: store, logging.getLogger("test"), "every URL is fetched")
    return IncrementalFetch(articles, [])


def test_unknown_url_is_fetched_plainly() -> None:
    decision = _fetch(FakeStore()).decide(URL, URL, DiskDict(), "2026-02-01")
    assert decision.fetch and not decision.changed and decision.headers == {}


def test_known_unchanged_url_is_skipped_once_then_silently() -> None:
    fetch = _fetch(FakeStore({URL: _article()}))
    listed = DiskDict()
    first = fetch.decide(URL, URL, listed, "2026-02-01T00:00:00Z")
    assert (first.fetch, first.skip, first.unchanged) == (False, "known_url", True)
    again = fetch.decide(URL, URL, listed, "2026-02-01T00:00:00Z")  # another feed lists it
    assert (again.fetch, again.skip, again.unchanged) == (False, None, False)


def test_newer_lastmod_makes_a_conditional_request() -> None:
    store = FakeStore({URL: _article(etag='"v1"', last_modified="Sun, 01 Feb 2026 00:00:00 GMT")})
    decision = _fetch(store).decide(URL, URL, DiskDict(), "2026-02-03T00:00:00Z")
    assert decision.fetch and decision.changed
    assert decision.headers == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Sun, 01 Feb 2026 00:00:00 GMT",
    }
    assert decision.meta == {"handle_httpstatus_list": [304], "known_id": "id1"}


def test_later_page_of_an_emitted_article_is_skipped_unless_newer() -> None:
    first_page = "https://example.com/news/a.html"
    fetch = _fetch(FakeStore({first_page: _article(first_page)}))
    page_two = first_page + "?page=2"
    assert fetch.decide(page_two, page_two, DiskDict(), None).skip == "known_url"
    assert fetch.decide(page_two, page_two, DiskDict(), "2026-03-01T00:00:00Z").fetch


def test_refresh_after_304_stores_the_newer_lastmod_and_validators() -> None:
    store = FakeStore({URL: _article(etag='"v1"')})
    _fetch(store).refresh("id1", URL, "2026-02-05T00:00:00Z", None, "Thu, 05 Feb 2026")
    ((state, url),) = store.marked
    assert (state.lastmod, state.etag, state.last_modified, url) == (
        "2026-02-05T00:00:00Z",
        '"v1"',
        "Thu, 05 Feb 2026",
        URL,
    )


def test_store_that_cannot_open_is_warned_about_once_and_every_url_is_new(caplog) -> None:
    calls = []

    def broken() -> Any:
        calls.append(1)
        raise ImportError("no redis module")

    articles = EmittedArticles(broken, logging.getLogger("test"), "every URL is fetched")
    with caplog.at_level(logging.WARNING):
        assert articles.get(URL, URL) is None
        assert articles.get(URL, URL) is None
    assert len(calls) == 1
    assert caplog.messages == ["No crawl state store (no redis module): every URL is fetched"]


def test_store_errors_not_named_propagate() -> None:
    def bad_url() -> Any:
        raise ValueError("STATE_URL must start with sqlite:/// or redis://")

    articles = EmittedArticles(bad_url, logging.getLogger("test"), "every URL is fetched")
    with pytest.raises(ValueError):
        articles.store()


# -- sites -------------------------------------------------------------------------


def test_sites_are_bare_hosts_and_a_sources_budget_applies_unless_max_pages_given() -> None:
    source = SimpleNamespace(max_pages=7)
    registry = SiteRegistry(100)
    site = registry.site_for("https://www.example.com/", source)
    assert (site.host, site.budget, site.source) == ("example.com", 7, source)
    assert registry.site_for("https://example.com/other") is site
    given = SiteRegistry(100, max_pages_given=True)
    assert given.site_for("https://example.com/", source).budget == 100
    registry.close()
    given.close()


def test_dry_run_sites_get_a_report_and_responses_find_their_site_by_meta() -> None:
    registry = SiteRegistry(10, dry_run=True)
    site = registry.site_for("https://cdn.example.org/a.xml", host="example.org")
    assert site.host == "example.org" and site.report is not None
    assert site.report.start_url == "https://cdn.example.org/a.xml"
    registry.close()


@pytest.mark.parametrize(
    ("url", "same_site", "article"),
    [
        ("https://example.com/news/2026/02/story.html", True, True),
        ("https://www.example.com/news/2026/02/story.html", True, True),
        ("https://notexample.com/news/2026/02/story.html", False, False),
        ("https://example.com/category/politics/", True, False),
    ],
)
def test_on_site_and_may_be_article(url: str, same_site: bool, article: bool) -> None:
    registry = SiteRegistry(10)
    site = registry.site_for("https://example.com/")
    assert on_site(url, "example.com") is same_site
    assert may_be_article(url, site) is article
    assert site_host("https://WWW.Example.com/") == "example.com"
    registry.close()
