"""End to end: multi-page articles are one record; AMP and print copies fold into theirs.

Real ``scrapy crawl`` runs (``tests.conftest.run_crawl``) against loopback sites built
here: a 3-page article whose pages link each other with ``rel=next``/``rel=prev``, a
"Next page" link in the page's language and a page parameter or segment, beside
one-page articles, AMP and print copies, listings, and WARC archives holding the
pages in any order.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.multipage import MultipagePipeline
from tests.articles import article_html, article_text, route_site
from tests.conftest import run_crawl
from tests.schema import validate_record
from tests.test_dedupe import record as article_record
from tests.test_dedupe import story


@dataclass
class Pager:
    """How a site words and links its pager."""

    lang: str = "en"
    page_of: str = "Page {n} of {total}"
    next_text: str = "Next page"
    prev_text: str = "Previous page"
    #: "param": ?page=N; "segment": /seite/N; "pagina": ?pagina=N
    form: str = "param"
    head_links: bool = True  # rel=next / rel=prev in <head>
    canonical_to_first: bool = True
    #: where page N's "next" link goes after the last page (None: no link)
    loop_to: str | None = None


def page_path(path: str, n: int, pager: Pager) -> str:
    if n == 1:
        return path
    if pager.form == "segment":
        return f"{path}/seite/{n}"
    if pager.form == "pagina":
        return f"{path}?pagina={n}"
    return f"{path}?page={n}"


def paged_article(
    base: str, path: str, seed: int, pager: Pager, total: int = 3
) -> tuple[dict[str, str], list[str]]:
    """{path: page HTML} of a ``total``-page article, and its paragraphs in order."""
    per_page = min(4, 15 // total)  # the generator has 30 distinct sentences
    headline, paras = article_text(seed, paragraphs=per_page * total, sentences=2)
    first = base + path
    pages = {}
    for n in range(1, total + 1):
        body = "\n".join(
            f"<p>{html.escape(p)}</p>" for p in paras[per_page * (n - 1) : per_page * n]
        )
        prev_url = base + page_path(path, n - 1, pager) if n > 1 else None
        next_url = base + page_path(path, n + 1, pager) if n < total else pager.loop_to
        own = base + page_path(path, n, pager)
        head = [f'<link rel="canonical" href="{first if pager.canonical_to_first else own}">']
        if pager.head_links and prev_url:
            head.append(f'<link rel="prev" href="{prev_url}">')
        if pager.head_links and next_url:
            head.append(f'<link rel="next" href="{next_url}">')
        links = []
        if prev_url:
            links.append(f'<a href="{prev_url}">« {pager.prev_text}</a>')
        if next_url:
            links.append(f'<a href="{next_url}" class="next">{pager.next_text} »</a>')
        numbers = " ".join(
            f'<a href="{base + page_path(path, k, pager)}">{k}</a>' if k != n else f"<b>{k}</b>"
            for k in range(1, total + 1)
        )
        pages[page_path(path, n, pager)] = f"""<!DOCTYPE html>
<html lang="{pager.lang}"><head><meta charset="utf-8">
<title>{html.escape(headline)} | Harbour Gazette</title>
{"".join(head)}
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(headline)}">
<meta property="article:published_time" content="2026-05-0{1 + seed % 9}T08:00:00Z">
</head><body>
<header><a class="logo" href="/">Harbour Gazette</a>
<nav><a href="/">Home</a> <a href="/section/politics">Politics</a></nav></header>
<main><article>
<h1>{html.escape(headline)}</h1>
<p class="byline">By Staff Reporter</p>
{body}
<p class="pages">{pager.page_of.format(n=n, total=total)}</p>
<p class="pager">{" ".join(links)}</p>
<p class="pager-numbers">{numbers}</p>
</article></main>
<footer><p>&copy; 2026 Harbour Gazette</p></footer>
</body></html>
"""
    return pages, paras


def assert_whole(record: dict[str, Any], paras: list[str], url: str, pager: Pager) -> None:
    validate_record(record)
    assert record["url"] == url
    assert record["canonical_url"] == url
    assert record["pages"] == len(paras) // 4
    got = record["text"].split("\n\n")
    assert [p for p in got if p in paras] == paras, "every paragraph once, in page order"
    for words in (pager.next_text, pager.prev_text, pager.page_of.split("{")[0].strip()):
        assert words not in record["text"], words


def test_three_page_article_listed_whole_in_the_sitemap_is_one_record(
    tmp_path: Path, serve: Any
) -> None:
    """The issue's site: rel=next/prev, "Next page", ?page=N with canonical to page 1,
    every page in the sitemap, beside free one-page articles."""
    server = serve()
    pager = Pager()
    path = "/news/2026/05/harbour-tunnel-inquiry-findings"
    pages, paras = paged_article(server.base, path, 7, pager)
    others = {
        f"/news/2026/05/free-story-number-{i}": article_html(
            server.url(f"/news/2026/05/free-story-number-{i}"), 100 + i
        )
        for i in range(2)
    }
    route_site(server, {**pages, **others})
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    by_url = {r["url"]: r for r in result.records}
    assert sorted(by_url) == sorted([server.url(path), *map(server.url, others)])
    assert_whole(by_url[server.url(path)], paras, server.url(path), pager)
    assert all(by_url[server.url(p)]["pages"] == 1 for p in others)
    for page in pages:  # each page fetched once: the sitemap's request is the pager's
        assert server.hits(page) == 1, page
    assert result.stat("multipage/articles") == 1
    assert result.stat("multipage/pages_joined") == 2
    assert result.stat("skip/continuation_page") == 2
    assert result.stat("multipage/incomplete") == 0


def test_a_reviews_pager_under_an_article_costs_one_fetch_and_joins_nothing(
    tmp_path: Path, serve: Any
) -> None:
    """A pager of reader reviews (``?p=N``) under an article: every page shows the same
    article with other reviews (written by a script). Page 2 adds nothing to the
    article, so pages 3 to 6 are not fetched."""
    server = serve()
    path = "/news/2026/05/a-diet-that-readers-review"
    numbers = " ".join(f'<a href="?p={n}">{n}</a>' for n in range(2, 7))
    reviews = f'<div class="reviews"><strong>1</strong> {numbers}</div>'
    page = article_html(server.url(path), 91).replace("</article>", f"</article>{reviews}")
    route_site(server, {path: page})
    for n in range(2, 7):
        server.route(f"{path}?p={n}", page)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    (record,) = result.records
    assert record["pages"] == 1 and record["url"] == server.url(path)
    assert record["text"] == "\n\n".join(article_text(91)[1])
    assert server.hits(f"{path}?p=2") == 1
    assert sum(server.hits(f"{path}?p={n}") for n in range(3, 7)) == 0
    assert result.stat("multipage/not_article_pager") == 1
    assert result.stat("multipage/pages_not_fetched") == 4
    assert result.stat("multipage/incomplete") == 0


PAGERS = {
    "de": Pager("de", "Seite {n} von {total}", "Nächste Seite", "Vorherige Seite", "segment"),
    "es": Pager("es", "Página {n} de {total}", "Página siguiente", "Página anterior", "pagina"),
    "fr": Pager("fr", "Page {n} sur {total}", "Page suivante", "Page précédente"),
    "nl": Pager("nl", "Pagina {n} van {total}", "Volgende pagina", "Vorige pagina"),
}


def test_pager_in_other_languages_is_followed_joined_and_removed(
    tmp_path: Path, serve: Any
) -> None:
    """Only page 1 is listed; no rel=next in the head, each page its own canonical:
    the pager alone ("Nächste Seite", "Página siguiente" ...) leads to pages 2 and 3."""
    server = serve()
    site: dict[str, str] = {}
    expected = {}
    for i, (lang, pager) in enumerate(PAGERS.items()):
        pager.head_links = False
        pager.canonical_to_first = False
        path = f"/{lang}/2026/05/long-read-on-the-river-crossing-{i}"
        pages, paras = paged_article(server.base, path, 20 + i, pager)
        site.update(pages)
        expected[server.url(path)] = (paras, pager)
    urls = route_site(server, {p: h for p, h in site.items() if server.url(p) in expected})
    for path, page in site.items():  # pages 2 and 3 are served, not listed
        server.route(path, page)
    assert len(urls) == len(PAGERS)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["url"] for r in result.records) == sorted(expected)
    for record in result.records:
        paras, pager = expected[record["url"]]
        assert_whole(record, paras, record["url"], pager)
    assert result.stat("multipage/requested/pages") == 2 * len(PAGERS)
    assert result.stat("multipage/articles") == len(PAGERS)


def test_a_pager_loop_and_articles_linking_each_other_are_not_joined_twice(
    tmp_path: Path, serve: Any
) -> None:
    """Page 3's "next" goes back to page 1 (?page=1): three pages, each fetched once.
    Two different articles whose rel=next name each other are two records."""
    server = serve()
    pager = Pager(loop_to=None)
    path = "/news/2026/05/ferry-timetable-shake-up"
    pager.loop_to = server.url(path + "?page=1")
    pages, paras = paged_article(server.base, path, 31, pager)
    a, b = "/news/2026/05/first-of-two-linked-stories", "/news/2026/05/second-of-two-linked-stories"
    linked = {}
    for here, there, seed in ((a, b, 41), (b, a, 42)):
        page = article_html(server.url(here), seed)
        linked[here] = page.replace("</head>", f'<link rel="next" href="{there}"></head>')
    route_site(server, {path: pages[path], **linked})
    for p, page in pages.items():
        server.route(p, page)
    server.route(path + "?page=1", pages[path])
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    by_url = {r["url"]: r for r in result.records}
    assert sorted(by_url) == sorted(map(server.url, [path, a, b]))
    assert_whole(by_url[server.url(path)], paras, server.url(path), pager)
    assert by_url[server.url(a)]["pages"] == by_url[server.url(b)]["pages"] == 1
    for p in pages:
        assert server.hits(p) == 1, p
    assert server.hits(path + "?page=1") == 0
    assert result.stat("multipage/articles") == 1


def test_a_listing_with_rel_next_is_not_an_article_continuation(tmp_path: Path, serve: Any) -> None:
    """No sitemap: the spider follows a section listing's pages (rel=next, ?page=N);
    its articles are records of one page, the listing pages are none."""
    server = serve()
    articles = [f"/news/2026/05/listed-story-number-{i}" for i in range(6)]
    for i, path in enumerate(articles):
        server.route(path, article_html(server.url(path), 60 + i))
    for n, chunk in enumerate((articles[:3], articles[3:5], articles[5:]), start=1):
        own = "/news/" if n == 1 else f"/news/?page={n}"
        head = f'<link rel="next" href="/news/?page={n + 1}">' if n < 3 else ""
        head += f'<link rel="prev" href="/news/?page={n - 1}">' if n > 1 else ""
        teasers = "".join(
            f'<li><a href="{p}">Story {p[-1]}: the council and the harbour</a></li>' for p in chunk
        )
        nav = f'<a href="/news/?page={n + 1}">Next page</a>' if n < 3 else ""
        server.route(
            own,
            f"<html><head><title>News, page {n}</title>{head}</head><body><h1>News</h1>"
            f"<ul>{teasers}</ul><p>Page {n} of 3</p><p>{nav}</p></body></html>",
        )
    server.route("/", '<html><body><a href="/news/">News</a></body></html>')
    server.route("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["url"] for r in result.records) == sorted(map(server.url, articles))
    assert all(r["pages"] == 1 for r in result.records)
    assert server.hits("/news/?page=3") == 1
    assert result.stat("multipage/articles") == 0
    assert result.stat("skip/continuation_page") == 0


def test_continuation_pages_found_on_their_own_fetch_their_page_one_or_are_counted(
    tmp_path: Path, serve: Any
) -> None:
    """The sitemap lists pages 2 and 3 only: page 1 is fetched and the article joined.
    A page 2 whose page 1 is gone (404) is never a record: counted."""
    server = serve()
    pager = Pager()
    path = "/news/2026/05/pages-listed-without-their-first"
    pages, paras = paged_article(server.base, path, 51, pager)
    gone = "/news/2026/05/first-page-has-been-removed"
    gone_pages, _ = paged_article(server.base, gone, 52, pager)
    listed = {p: h for p, h in pages.items() if p != path}
    listed[gone + "?page=2"] = gone_pages[gone + "?page=2"]
    route_site(server, listed)
    server.route(path, pages[path])
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert [r["url"] for r in result.records] == [server.url(path)]
    assert_whole(result.records[0], paras, server.url(path), pager)
    assert server.hits(path) == 1 and server.hits(gone) == 1
    assert result.stat("multipage/requested/first_pages") == 2
    assert result.stat("skip/continuation_page") == 3
    assert result.stat("multipage/continuation_skipped") == 1


def amp_page(canonical: str, seed: int, extra: str = "") -> str:
    """The AMP rendering of ``article_html(canonical, seed)``: rel=canonical to it, one
    line more (so the texts differ a little)."""
    page = article_html(canonical, seed).replace("<html lang", "<html amp lang")
    return page.replace(
        "</article>", f"<p>{extra or 'Read the full story with pictures.'}</p></article>"
    )


def test_amp_only_sitemap_gives_the_canonical_record_and_both_listed_give_one(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    only = "/news/2026/05/only-the-amp-page-is-listed"
    both = "/news/2026/05/amp-print-and-canonical-listed"
    pages = {}
    for path, seed in ((only, 71), (both, 72)):
        canonical = server.url(path)
        page = article_html(canonical, seed)
        pages[path] = page.replace("</head>", f'<link rel="amphtml" href="{path}/amp"></head>')
        pages[path + "/amp"] = amp_page(canonical, seed)
    pages[both + "?print=1"] = article_html(server.url(both), 72)
    gone = "/news/2026/05/canonical-page-was-taken-down"  # its AMP copy stands in for it
    pages[gone + "/amp"] = amp_page(server.url(gone), 73)
    listed = [only + "/amp", both, both + "/amp", both + "?print=1", gone + "/amp"]
    route_site(server, {p: pages[p] for p in listed})
    server.route(only, pages[only])
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert sorted((r["url"], r["canonical_url"]) for r in result.records) == sorted(
        (server.url(p), server.url(p)) for p in (only, both, gone)
    )
    assert server.hits(only) == 1  # fetched instead of the AMP copy
    assert server.hits(gone) == 1
    assert result.stat("multipage/requested/canonical_pages") == 2
    assert result.stat("multipage/copies_as_canonical") == 1
    assert result.stat("drop/alternate_copy") == 3
    for record in result.records:
        validate_record(record)  # the canonical page's text where it has one
        assert ("Read the full story" in record["text"]) == record["url"].endswith(gone)

    # next run: the AMP copy's text changed; it still is no new version of its article
    server.route(only + "/amp", amp_page(server.url(only), 71, "Updated: more pictures."))
    server.route(both + "/amp", amp_page(server.url(both), 72, "Updated: more pictures."))
    server.route(gone + "/amp", amp_page(server.url(gone), 73, "Updated: more pictures."))
    again = run_crawl(tmp_path, start=server.url("/"))
    assert again.returncode == 0, again.log[-3000:]
    assert again.records == result.records  # the first run's file only
    assert again.stat("drop/alternate_copy") == 4
    assert again.stat("dedupe/new_version") == 0


def test_next_run_fetches_no_page_of_a_joined_article_again(tmp_path: Path, serve: Any) -> None:
    server = serve()
    path = "/news/2026/05/an-article-in-three-parts"
    pages, _ = paged_article(server.base, path, 81, Pager())
    route_site(server, pages)
    first = run_crawl(tmp_path, start=server.url("/"))
    assert first.returncode == 0, first.log[-3000:]
    assert [r["pages"] for r in first.records] == [3]
    again = run_crawl(tmp_path, start=server.url("/"))
    assert again.returncode == 0, again.log[-3000:]
    assert len(again.records) == 1  # still the first run's record only
    assert again.stat("skip/known_url") == 3
    for page in pages:
        assert server.hits(page) == 1, page


def _warc_response(writer: WARCWriter, url: str, body: str) -> None:
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
    )
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body.encode("utf-8")), http_headers=headers
    )
    writer.write_record(record)


def test_warc_joins_the_pages_it_holds_in_any_order(tmp_path: Path) -> None:
    """Page 3, then page 2, then page 1; an article whose page 3 is not archived; an AMP
    copy whose canonical page is not archived either; an AMP copy after its article."""
    base = "https://harbour-gazette.example"
    pager = Pager()
    whole = "/news/2026/05/archived-in-reverse-order"
    pages, paras = paged_article(base, whole, 91, pager)
    part = "/news/2026/05/archived-without-its-last-page"
    part_pages, part_paras = paged_article(base, part, 92, pager)
    amp_only = "/news/2026/05/archived-only-as-amp"
    free = "/news/2026/05/free-archived-story"
    path = tmp_path / "archive.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for p in (whole + "?page=3", whole + "?page=2", part + "?page=2"):
            _warc_response(writer, base + p, {**pages, **part_pages}[p])
        free_page = article_html(base + free, 93).replace(
            "</head>", f'<link rel="amphtml" href="{base + free}/amp/"></head>'
        )
        _warc_response(writer, base + free, free_page)
        # its AMP copy names no canonical page: the rel=amphtml above ties it
        amp_alone = article_html(base + free + "/amp", 93).replace("<html lang", "<html amp lang")
        _warc_response(writer, base + free + "/amp", amp_alone)
        _warc_response(writer, base + amp_only + "/amp", amp_page(base + amp_only, 94))
        _warc_response(writer, base + whole, pages[whole])
        _warc_response(writer, base + part, part_pages[part])
    result = run_crawl(tmp_path, spider="warc", path=str(path))
    assert result.returncode == 0, result.log[-3000:]
    by_url = {r["url"]: r for r in result.records}
    assert sorted(by_url) == sorted(base + p for p in (whole, part, free, amp_only))
    assert_whole(by_url[base + whole], paras, base + whole, pager)
    assert by_url[base + part]["pages"] == 2
    assert by_url[base + part]["text"].split("\n\n")[-4:] == part_paras[4:8]
    assert by_url[base + amp_only]["canonical_url"] == base + amp_only
    assert by_url[base + free]["pages"] == 1
    assert result.stat("multipage/articles") == 2
    assert result.stat("multipage/pages_joined") == 3
    assert result.stat("multipage/incomplete") == 1
    assert result.stat("multipage/copies_as_canonical") == 1
    assert result.stat("drop/alternate_copy") == 1
    assert result.stat("skip/continuation_page") == 3


def test_articles_are_bounded_and_missing_pages_do_not_hold_them(
    tmp_path: Path, serve: Any
) -> None:
    """A page that is gone (404) or is no article page lets its article go with the
    pages it has; an article longer than MAX_ARTICLE_PAGES is cut there."""
    server = serve()
    pager = Pager(head_links=False)
    gone, empty, long = (
        "/news/2026/05/last-page-was-deleted",
        "/news/2026/05/middle-page-is-blank",
        "/news/2026/05/a-story-in-five-parts",
    )
    gone_pages, gone_paras = paged_article(server.base, gone, 101, pager)
    empty_pages, empty_paras = paged_article(server.base, empty, 102, pager)
    long_pages, long_paras = paged_article(server.base, long, 103, pager, total=5)
    del gone_pages[gone + "?page=3"]
    server.fault(gone + "?page=3", status=404)
    empty_pages[empty + "?page=2"] = "<html><body></body></html>"
    route_site(
        server,
        {
            p: pages[p]
            for p, pages in ((gone, gone_pages), (empty, empty_pages), (long, long_pages))
        },
    )
    for page_set in (gone_pages, empty_pages, long_pages):
        for p, page in page_set.items():
            server.route(p, page)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"MAX_ARTICLE_PAGES": "3"})
    assert result.returncode == 0, result.log[-3000:]
    by_url = {r["url"][len(server.base) :]: r for r in result.records}
    assert sorted(by_url) == sorted((gone, empty, long))
    assert by_url[gone]["text"].split("\n\n") == gone_paras[:8]
    assert by_url[empty]["text"].split("\n\n") == empty_paras[:4] + empty_paras[8:12]
    assert by_url[long]["text"].split("\n\n") == long_paras[:9]
    assert [by_url[p]["pages"] for p in (gone, empty, long)] == [2, 2, 3]
    assert server.hits(long + "?page=4") == server.hits(long + "?page=5") == 0
    assert result.stat("multipage/incomplete") == 3
    assert result.stat("multipage/released/idle") == 0  # none waited for the end


def test_a_crawl_stopped_while_page_one_waits_loses_nothing_and_writes_nothing_twice(
    tmp_path: Path, serve: Any
) -> None:
    """The crawl is stopped (CLOSESPIDER_TIMEOUT) while page 1 waits for a slow page 2.
    Whatever the stop leaves, a held page 1 is never written half nor marked: over this
    run and the next the article is written once, whole."""
    server = serve()
    path = "/news/2026/05/a-slow-second-page"
    pages, paras = paged_article(server.base, path, 111, Pager(head_links=False))
    route_site(server, {path: pages[path]})
    for p, page in pages.items():
        server.route(p, page)
    server.fault(path + "?page=2", delay=5.0, times=1)
    stopped = run_crawl(tmp_path, start=server.url("/"), settings={"CLOSESPIDER_TIMEOUT": "2"})
    assert stopped.returncode == 0, stopped.log[-3000:]
    assert stopped.stats["finish_reason"] == "closespider_timeout"
    assert stopped.stat("multipage/held") == 1
    assert "Traceback" not in stopped.log
    again = run_crawl(tmp_path, start=server.url("/"))
    assert again.returncode == 0, again.log[-3000:]
    assert [r["url"] for r in again.records] == [server.url(path)]  # both runs' files
    assert_whole(again.records[0], paras, server.url(path), Pager())


def test_the_held_page_one_fetched_again_is_not_written_alone() -> None:
    """A page 1 held for its pages that comes again (a dead worker's requests recovered
    by another) is dropped; page 1 with other text (a later capture) goes on to dedupe."""
    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, name="news")
    pipeline = MultipagePipeline.from_crawler(crawler)
    url = "https://news.example/2026/05/a-story-in-two-parts"

    def page_one(text: str) -> Any:
        meta = {"next_pages": [[2, url + "?page=2"]], "detected_by": "markup"}
        return replace(article_record(url, text), crawl_meta=meta)

    with pytest.raises(DropItem, match="multipage/held"):
        pipeline.process_item(page_one(story(1)))
    with pytest.raises(DropItem, match="drop/duplicate_pending"):
        pipeline.process_item(page_one(story(1)))
    assert crawler.stats.get_value("drop/duplicate_pending") == 1
    changed = page_one(story(1) + "\n\nUpdated.")
    assert pipeline.process_item(changed) is changed
