"""crawler/extract/multipage.py: page numbers in URLs, pagers, AMP/print copies, pager text,
joins."""

from __future__ import annotations

import pytest

from crawler.extract.multipage import (
    ArticlePages,
    RecentSet,
    classify,
    first_page_url,
    is_pager_line,
    read_page,
    split_page,
    url_key,
    without_pager_lines,
)
from crawler.extract.record import ExtractOptions, Skip, build_record, parse_html
from crawler.items import FetchedPage
from tests.articles import article_html
from tests.test_multipage import Pager, paged_article

BASE = "https://news.example"
STORY = f"{BASE}/news/2026/05/harbour-tunnel-inquiry"


@pytest.mark.parametrize(
    ("url", "first", "number", "explicit"),
    [
        (f"{STORY}?page=2", STORY, 2, True),
        (f"{STORY}?utm_source=x&pg=3", f"{STORY}?utm_source=x", 3, True),
        (f"{STORY}/page/2/", f"{STORY}/", 2, True),
        (f"{STORY}/seite-3", STORY, 3, True),
        (f"{STORY}/p2", STORY, 2, True),
        (f"{BASE}/news/tunnel-page-2.html", f"{BASE}/news/tunnel.html", 2, True),
        (f"{STORY}/2", STORY, 2, False),
        (f"{STORY}?page=1", STORY, 1, True),
    ],
)  # fmt: skip
def test_split_page_finds_page_one_and_the_number(
    url: str, first: str, number: int, explicit: bool
) -> None:
    assert split_page(url) == (first, number, explicit)


@pytest.mark.parametrize(
    "url",
    [
        STORY,
        f"{BASE}/news/2026/05",  # a date, not page 5
        f"{BASE}/?p=123",  # a WordPress post id on the home page
        f"{BASE}/page/2/",  # a home listing's page 2
        f"{BASE}/news/12345678",
        f"{STORY}?page=12000",
    ],
)
def test_split_page_leaves_urls_without_a_page_number(url: str) -> None:
    assert split_page(url) is None


def test_first_page_url_is_only_for_later_pages() -> None:
    assert first_page_url(f"{STORY}?page=3") == STORY
    assert first_page_url(f"{STORY}?page=1") is None
    assert first_page_url(STORY) is None
    assert url_key(f"{STORY}/?utm_source=feed#top") == url_key(STORY)


def _signals(page_html: str, url: str):  # type: ignore[no-untyped-def]
    tree = parse_html(page_html)
    assert tree is not None
    return read_page(tree, url)


def test_an_ordinary_article_gives_nothing_to_read() -> None:
    assert _signals(article_html(STORY, 3), STORY) is None


def test_page_one_lists_its_later_pages_in_order() -> None:
    pages, _ = paged_article(BASE, "/news/2026/05/harbour-tunnel-inquiry", 5, Pager())
    signals = _signals(pages["/news/2026/05/harbour-tunnel-inquiry"], STORY)
    assert signals is not None
    paging = classify(signals, STORY)
    assert paging.paged and not paging.continuation
    assert paging.next_pages == ((2, f"{STORY}?page=2"), (3, f"{STORY}?page=3"))
    assert paging.meta(joinable=True)["next_pages"] == [
        [2, f"{STORY}?page=2"],
        [3, f"{STORY}?page=3"],
    ]
    assert "next_pages" not in paging.meta(joinable=False)


@pytest.mark.parametrize("lang", ["en", "de", "es"])
def test_a_later_page_is_a_continuation_of_page_one(lang: str) -> None:
    pager = {
        "en": Pager(),
        "de": Pager("de", "Seite {n} von {total}", "Nächste Seite", "Zurück", "segment"),
        "es": Pager("es", "Página {n} de {total}", "Página siguiente", "Anterior", "pagina"),
    }[lang]
    pager.head_links = pager.canonical_to_first = lang == "en"
    path = "/news/2026/05/harbour-tunnel-inquiry"
    pages, _ = paged_article(BASE, path, 5, pager)
    url = [BASE + p for p in pages][1]
    signals = _signals(pages[url[len(BASE) :]], url)
    assert signals is not None
    paging = classify(signals, STORY if pager.canonical_to_first else url)
    assert paging.continuation
    assert (paging.number, paging.first_url) == (2, STORY)
    assert [n for n, _ in paging.next_pages] == [3]


def test_a_bare_page_number_needs_the_page_to_say_so() -> None:
    url = f"{STORY}/2"
    linked = f'<html><body><article><p>Text.</p><a href="{STORY}">1</a></article></body></html>'
    assert not classify(_signals(linked, url), url).continuation
    prev = linked.replace("<body>", f'<head><link rel="prev" href="{STORY}"></head><body>')
    assert classify(_signals(prev, url), url).continuation
    assert classify(_signals(linked, url), STORY).continuation  # canonical to page 1


def test_amp_and_print_pages_are_copies_of_their_canonical_article() -> None:
    amp = article_html(STORY, 4).replace("<html lang", "<html amp lang")
    paging = classify(_signals(amp, f"{STORY}/amp"), STORY)
    assert paging.copy_of == STORY and not paging.paged
    printed = article_html(STORY, 4)
    assert classify(_signals(printed, f"{STORY}?print=1"), STORY).copy_of == STORY
    standalone = classify(_signals(amp, STORY), STORY)  # an AMP-only site's own page
    assert standalone.copy_of is None and standalone.amp
    canonical = article_html(STORY, 4).replace(
        "</head>", f'<link rel="amphtml" href="{STORY}/amp"></head>'
    )
    assert classify(_signals(canonical, STORY), STORY).amp_url == f"{STORY}/amp"


@pytest.mark.parametrize(
    "line",
    [
        "Page 2 of 3",
        "« Previous page | Next page »",
        "1 2 3 Next",
        "Seite 2 von 3",
        "Nächste Seite »",
        "Página siguiente",
        "Página 2 de 3",
        "Page suivante",
        "Volgende pagina",
        "Pagina successiva",
        "Następna strona",
        "Следующая страница",
        "Continue reading on page 2",
    ],
)
def test_pager_lines_are_recognised_in_many_languages(line: str) -> None:
    assert is_pager_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Next, the council will vote on the plan.",
        "The report ran to 300 pages of evidence.",
        "Seite an Seite kämpften die Anwohner gegen den Plan.",
        "2026",
    ],
)
def test_sentences_about_pages_are_not_pager_lines(line: str) -> None:
    assert not is_pager_line(line)


def test_pager_lines_are_removed_only_from_paged_articles() -> None:
    lines = ["A paragraph of the story.", "Page 1 of 2", "Next page »"]
    pages, _ = paged_article(BASE, "/news/2026/05/harbour-tunnel-inquiry", 5, Pager())
    paged = classify(_signals(pages["/news/2026/05/harbour-tunnel-inquiry"], STORY), STORY)
    assert without_pager_lines(lines, paged) == lines[:1]
    amp = article_html(STORY, 4).replace("<html lang", "<html amp lang")
    assert without_pager_lines(lines, classify(_signals(amp, f"{STORY}/amp"), STORY)) == lines


def test_build_record_reports_pages_and_removes_the_pager() -> None:
    path = "/news/2026/05/harbour-tunnel-inquiry"
    pages, paras = paged_article(BASE, path, 5, Pager())
    options = ExtractOptions()
    first = build_record(FetchedPage(STORY, pages[path], "2026-05-01T00:00:00Z"), options)
    second = build_record(
        FetchedPage(f"{STORY}?page=2", pages[path + "?page=2"], "2026-05-01T00:00:00Z"), options
    )
    assert not isinstance(first, Skip) and not isinstance(second, Skip)
    assert first.crawl_meta["next_pages"] == [[2, f"{STORY}?page=2"], [3, f"{STORY}?page=3"]]
    assert first.text.split("\n\n") == paras[:4]
    assert second.crawl_meta["continuation_of"] == STORY
    assert second.crawl_meta["page_number"] == 2
    assert second.text.split("\n\n") == paras[4:8]


def test_a_listings_later_page_is_no_article() -> None:
    teasers = "".join(
        f'<li><a href="/news/story-{i}">Story {i} of the day</a></li>' for i in range(9)
    )
    listing = (
        '<html><head><link rel="prev" href="/news/"></head><body><h1>News</h1>'
        f'<ul>{teasers}</ul><a href="/news/?page=3">Next page</a></body></html>'
    )
    result = build_record(
        FetchedPage(f"{BASE}/news/?page=2", listing, "2026-05-01T00:00:00Z"), ExtractOptions()
    )
    assert isinstance(result, Skip)


def test_article_pages_join_in_page_order_whatever_the_arrival() -> None:
    pages = ArticlePages("k", STORY, max_pages=3)
    assert pages.expect([(2, "u2"), (3, "u3"), (4, "u4")]) == [(2, "u2"), (3, "u3")]
    assert pages.over_limit == 1
    assert pages.add(3, "Third page.\n\nSame standfirst.")
    assert not pages.complete  # page 1 not here yet
    pages.first = object()
    assert pages.missing() == [(2, "u2")]
    assert pages.add(2, "Second page.")
    assert not pages.add(2, "Second page again.")
    assert pages.complete
    assert pages.joined("Same standfirst.\n\nFirst page.") == (
        "Same standfirst.\n\nFirst page.\n\nSecond page.\n\nThird page.",
        3,
    )


def test_a_page_that_repeats_page_one_adds_nothing() -> None:
    pages = ArticlePages("k", STORY)
    pages.add(2, "First page.")
    assert pages.joined("First page.") == ("First page.", 1)


def test_a_failed_page_no_longer_holds_its_article() -> None:
    pages = ArticlePages("k", STORY)
    pages.first = object()
    pages.expect([(2, "u2")])
    pages.fail(2)
    assert pages.complete and pages.missing() == []


def test_page_ones_pager_is_fetched_whole_once_its_first_page_adds_to_the_article() -> None:
    pages = ArticlePages("k", STORY)
    pages.first = object()
    links = [(2, "u2"), (3, "u3"), (4, "u4")]
    assert pages.probe(pages.expect(links)) == [(2, "u2")]
    assert pages.missing() == links  # the held-back pages still hold the article
    pages.add(2, "Second page.")
    assert pages.settle("First page.", 2) == [(3, "u3"), (4, "u4")]
    assert pages.probe(pages.expect([(5, "u5"), (6, "u6")])) == [(5, "u5"), (6, "u6")]


def test_a_pager_whose_first_page_repeats_the_article_is_no_pager_of_it() -> None:
    """A comments or reviews pager under an article: page 2 shows the same article."""
    pages = ArticlePages("k", STORY)
    pages.first = object()
    assert pages.probe(pages.expect([(2, "u2"), (3, "u3"), (4, "u4")])) == [(2, "u2")]
    pages.add(2, "Standfirst.\n\nFirst page.")
    assert pages.settle("Standfirst.\n\nFirst page.", 2) == []
    assert pages.complete and pages.missing() == []
    assert pages.expect([(3, "u3"), (4, "u4")]) == []  # page 2's own pager: nothing new
    assert pages.joined("Standfirst.\n\nFirst page.") == ("Standfirst.\n\nFirst page.", 1)


def test_a_failed_first_page_of_the_pager_sends_for_the_others() -> None:
    pages = ArticlePages("k", STORY)
    pages.first = object()
    pages.probe(pages.expect([(2, "u2"), (3, "u3")]))
    pages.fail(2)
    assert pages.settle("First page.", 2) == [(3, "u3")]


def test_pages_that_came_before_page_one_are_all_fetched() -> None:
    pages = ArticlePages("k", STORY)
    pages.add(3, "Third page.")
    pages.first = object()
    assert pages.probe(pages.expect([(2, "u2"), (4, "u4")])) == [(2, "u2"), (4, "u4")]


def test_recent_set_forgets_the_oldest() -> None:
    recent = RecentSet(2)
    for key in ("a", "b", "c"):
        recent.add(key)
    assert "a" not in recent and "b" in recent and "c" in recent and len(recent) == 2


def test_a_pager_of_query_only_links_is_found_without_rel_next() -> None:
    from crawler.extract.multipage import read_page

    url = "https://news.example/2026/05/03/harbour-ferry-plan"
    html = (
        "<html><head><title>Ferry</title></head><body><article><p>Text.</p>"
        '<nav class="pager"><a href="?page=2">2</a> <a href="?page=3">3</a>'
        '<a href="?page=2">Next page</a></nav></article></body></html>'
    )
    tree = parse_html(html)
    assert tree is not None
    signals = read_page(tree, url, html)
    assert signals is not None
    assert signals.pages == {2: f"{url}?page=2", 3: f"{url}?page=3"}
