"""Copies of emitted articles dropped before extraction: the canonical scan and the
EmittedCanonicalPipeline on a real SQLite store, and a scheduled crawl on loopback."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extract.canonical import SCAN_LIMIT, choose_canonical, declared_canonical
from crawler.extract.options import ExtractOptions
from crawler.extract.record import _canonical, parse_html
from crawler.items import FetchedPage
from pipelines.emitted import EmittedCanonicalPipeline
from tests.articles import article_html, route_site
from tests.conftest import ROOT, run_crawl
from tests.test_dedupe import Run as DedupeRun
from tests.test_dedupe import record, story

URL = "https://news.example/world/2026/05/a-storm-crosses-the-bay"
OTHER = "https://partner.example/syndicated/a-storm-crosses-the-bay"


def page(head: str, body: str = "<p>Text.</p>") -> str:
    return f"<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (page(f'<link rel="canonical" href="{URL}">'), URL),
        (page(f"<link href='{URL}' rel=canonical />"), URL),
        (page('<link rel="canonical" href="/world/2026/05/a-storm-crosses-the-bay">'), URL),
        (page(f'<LINK REL="canonical" HREF="{URL}?utm_source=x&amp;utm_medium=y">'), URL),
        # a link in a comment or a script string is no link
        (
            page(
                f'<!-- <link rel="canonical" href="{OTHER}"> --><link rel="canonical" href="{URL}">'
            ),
            URL,
        ),
        (page(f'<script>var s = \'<link rel="canonical" href="{OTHER}">\';</script>'), None),
        # a site-wide canonical naming the home page is set aside; the next link counts
        (
            page(
                '<link rel="canonical" href="https://news.example/">'
                f'<link rel="canonical" href="{URL}">'
            ),
            URL,
        ),
        # only og:url: the whole page was seen, so no canonical link follows
        (page(f'<meta property="og:url" content="{URL}">'), URL),
        # rel values the parsed tree does not match either
        (page(f'<link rel="Canonical" href="{URL}">'), None),
        (page(f'<link rel="canonical alternate" href="{URL}">'), None),
        (page('<link rel="canonical" href="javascript:void(0)">'), None),
        (page(""), None),
    ],
)
def test_scan_finds_the_canonical_the_parsed_tree_gives(source: str, expected: str | None) -> None:
    url = "https://news.example/amp/a-storm"
    assert declared_canonical(source, url) == expected
    assert declared_canonical(source.encode("utf-8"), url) == expected
    tree = parse_html(source)
    assert tree is not None
    if expected is not None:
        assert _canonical(tree, url, ExtractOptions()) == expected


def test_scan_is_unsure_past_its_limit_and_of_non_ascii_bytes() -> None:
    filler = "<p>" + "x" * SCAN_LIMIT + "</p>"
    late = page(f'<meta property="og:url" content="{URL}">', filler)
    assert declared_canonical(late, "https://news.example/a") is None  # a link may follow
    utf8 = page('<link rel="canonical" href="https://news.example/welt/straße-ö">')
    assert declared_canonical(utf8.encode("utf-8"), "https://news.example/a") is None
    assert declared_canonical(utf8, "https://news.example/a") is not None  # decoded text


def test_a_page_naming_no_other_url_gives_none() -> None:
    assert declared_canonical(page(f'<link rel="canonical" href="{URL}">'), URL) == URL
    assert declared_canonical(page("<meta name='x' content='y'>"), URL) is None
    assert choose_canonical([], URL) == URL


def _real_pages() -> Iterator[tuple[str, bytes]]:
    for path in sorted((ROOT / "tests" / "sites").rglob("*.html")):
        yield f"https://example.com/{path.relative_to(ROOT / 'tests' / 'sites')}", path.read_bytes()
    shared = ROOT.parent / "shared" / "bench"
    for folder in ("articles", "news-meta"):
        for path in sorted((shared / folder).glob("*.html.gz")):
            meta = path.with_name(path.name.replace(".html.gz", ".json"))
            url = json.loads(meta.read_text(encoding="utf-8")).get("url") if meta.exists() else None
            yield url or f"https://example.com/{path.stem}", gzip.decompress(path.read_bytes())


def test_scan_agrees_with_extraction_on_every_real_page() -> None:
    """On every fixture page and every real page of the dev sets (when present), the
    scan is either unsure or gives what extraction's parsed tree gives."""
    checked = sure = 0
    for url, raw in _real_pages():
        tree = parse_html(raw.decode("utf-8", "replace"))
        if tree is None:
            continue
        parsed = _canonical(tree, url, ExtractOptions())
        for source in (raw, raw.decode("utf-8", "replace")):
            found = declared_canonical(source, url)
            assert found is None or found == parsed, url
            sure += found is not None
        checked += 1
    assert checked >= 10 and sure >= checked  # it is sure of most pages


class Run(DedupeRun):
    """A run of the dedupe and write pipelines (tests/test_dedupe.py) with the
    emitted-canonical pipeline in front, on a real store."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        super().__init__(tmp_path, **settings)
        self.precheck = EmittedCanonicalPipeline.from_crawler(self.crawler)
        self.precheck.open_spider()

    def emit(self, url: str, canonical: str | None = None) -> None:
        assert self.feed(record(url, story(1), canonical)), "the article was written"

    def passes(self, url: str, html: str, raw: bool = False, status: int = 200) -> bool:
        fetched = FetchedPage(
            url=url,
            html="" if raw else html,
            fetched_at="2026-01-01T00:00:00Z",
            status=status,
            body=html.encode("utf-8") if raw else None,
        )
        try:
            return self.precheck.process_item(fetched) is fetched
        except DropItem:
            return False


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    opened = Run(tmp_path)
    yield opened
    opened.close()


def test_copy_of_an_emitted_article_is_dropped_unextracted(run: Run) -> None:
    run.emit(URL)
    copy = article_html(URL, 1)
    assert not run.passes(OTHER, copy)
    assert not run.passes(OTHER + "-raw", copy, raw=True)  # the undecoded body
    assert run.stat("drop/duplicate_url") == 2 and run.stat("precheck/duplicate_url") == 2
    assert not run.passes(URL + "/amp", copy.replace("<html lang", "<html amp lang"))
    assert run.stat("drop/alternate_copy") == 1


def test_pages_that_may_be_more_than_a_copy_pass(run: Run) -> None:
    run.emit(URL)
    copy = article_html(URL, 1)
    assert run.passes(URL, copy)  # the article itself, fetched again: dedupe decides
    assert run.passes(URL + "/2", copy)  # a page number: perhaps page 2 of the article
    assert run.passes(OTHER + "?page=2", copy)
    assert run.passes(OTHER, copy, status=404)
    assert run.passes(OTHER, copy.replace('<link rel="canonical"', "<!-- -->\n<link rel=x"))
    assert run.passes(OTHER, article_html("https://news.example/world/another-story-here", 2))
    assert run.stat("drop/duplicate_url") == 0


def test_a_url_the_article_was_emitted_from_passes(run: Run) -> None:
    amp = "https://news.example/amp/a-storm-crosses-the-bay"
    run.emit(amp, canonical=URL)  # the article's record came from this URL
    assert run.passes(amp, article_html(URL, 1))  # a re-fetch: perhaps a new version
    assert not run.passes(OTHER, article_html(URL, 1))


def test_switched_off_by_its_setting_or_without_dedupe(tmp_path: Path) -> None:
    for settings in ({"PRECHECK_CANONICAL": False}, {"DEDUPE_ENABLED": False}):
        with pytest.raises(NotConfigured):
            EmittedCanonicalPipeline.from_crawler(get_crawler(Spider, settings))


def test_next_run_drops_new_copies_of_emitted_articles_without_extracting_them(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    paths = [f"/news/2026/05/a-story-of-the-harbour-{i}" for i in range(3)]
    pages = {p: article_html(server.url(p), 10 + i) for i, p in enumerate(paths)}
    route_site(server, pages)
    first = run_crawl(tmp_path, start=server.url("/"))
    assert first.returncode == 0, first.log[-3000:]
    assert len(first.records) == 3

    # the next run finds each article again under a partner URL and an AMP URL
    later = dict(pages)
    for i, p in enumerate(paths):
        later[f"/partner/story-{i}-syndicated"] = pages[p]
        later[p + "/amp"] = pages[p].replace("<html lang", "<html amp lang")
    route_site(server, later)
    again = run_crawl(tmp_path, start=server.url("/"))
    assert again.returncode == 0, again.log[-3000:]
    assert again.records == first.records  # the first run's file only
    assert again.stat("precheck/duplicate_url") == 3
    assert again.stat("precheck/alternate_copy") == 3
    assert again.stat("skip/known_url") == 3
    assert again.stat("extract/records") == 0  # no page reached the extraction
