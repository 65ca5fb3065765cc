"""End to end: a site whose articles share in-body chrome that trafilatura keeps.

``tests/sites/chromesite`` (regenerate with its ``make_site.py``): every article
carries an "updated on <date>" stamp (sometimes glued to the first paragraph by
a line break), a "Read more: <other headline>" link, a newsletter promo and
(most of them) a "Follow ... on" line, all inside the article container.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import trafilatura

from tests.conftest import SITES, run_crawl

SITE = SITES / "chromesite"
#: One pattern per kind of chrome planted in the fixture's articles.
CHROME = {
    "stamp": re.compile(r"article was updated on", re.I),
    "read_more": re.compile(r"^read more:", re.I | re.M),
    "promo": re.compile(r"Get the Morning Tide every day", re.I),
    "follow": re.compile(r"^Follow .* on Facebook", re.I | re.M),
}


def _article_pages() -> list[Path]:
    return sorted(SITE.glob("news/2026/*/*/index.html"))


def _chrome_in(text: str) -> list[str]:
    return [kind for kind, pattern in CHROME.items() if pattern.search(text)]


def _expected() -> dict[str, Any]:
    return json.loads((SITE / "expected.json").read_text(encoding="utf-8"))


def test_fixture_chrome_survives_bare_trafilatura() -> None:
    """The fixture is only a test if trafilatura alone lets the chrome through."""
    for page in _article_pages():
        text = trafilatura.extract(page.read_text(encoding="utf-8")) or ""
        assert set(_chrome_in(text)) >= {"stamp", "read_more", "promo"}, page


def test_no_chrome_line_survives_from_the_first_page_of_the_first_crawl(
    tmp_path: Path, serve: Any
) -> None:
    server = serve("chromesite")
    first = run_crawl(tmp_path, start=server.url("/"))
    assert first.returncode == 0, first.log[-3000:]
    assert len(first.records) == 10
    for record in first.records:
        assert _chrome_in(record["text"]) == [], record["url"]
        path = "/" + record["url"].split("/", 3)[3]
        for para in _expected()[path]["paragraphs"]:  # the article's own text is all there
            assert para in record["text"], (record["url"], para)
    assert first.stat("boilerplate/held") >= 7
    assert first.stat("boilerplate/records_cleaned") == 10
    assert first.stat("drop/empty_after_boilerplate") == 0

    # Next scheduled run, same state store: one new article, cleaned without holding.
    sitemap = (SITE / "sitemap-run2.xml").read_text(encoding="utf-8")
    server.route("/sitemap.xml", sitemap.replace("{{BASE}}", server.base), "application/xml")
    second = run_crawl(tmp_path, start=server.url("/"))
    assert second.returncode == 0, second.log[-3000:]
    new = [r for r in second.records if r["url"].endswith("/story-10")]
    assert len(new) == 1
    assert _chrome_in(new[0]["text"]) == []
    assert second.stat("boilerplate/held") == 0
    assert second.stat("boilerplate/sites_loaded") == 1
    assert second.stat("boilerplate/records_cleaned") >= 1


def test_held_records_count_as_scraped_so_closespider_itemcount_keeps_its_meaning(
    tmp_path: Path, serve: Any
) -> None:
    """Holding happens outside Scrapy's item flow: a held item has finished its
    pipelines, so CLOSESPIDER_ITEMCOUNT closes the crawl while every record is still
    held, and the records are written (cleaned) as the writer closes."""
    server = serve("chromesite")
    result = run_crawl(
        tmp_path,
        start=server.url("/"),
        settings={"CLOSESPIDER_ITEMCOUNT": "5", "CONCURRENT_REQUESTS": "1"},
    )
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "closespider_itemcount"
    assert result.stat("boilerplate/held") == len(result.records) >= 5
    assert result.stat("boilerplate/released/writer_closing") == len(result.records)
    assert result.stat("item_scraped_count") == len(result.records)
    for record in result.records:  # five articles are enough to learn the chrome from
        assert _chrome_in(record["text"]) == [], record["url"]


def test_site_with_fewer_pages_than_the_hold_is_never_held(tmp_path: Path, serve: Any) -> None:
    """Holding pays off only for a site the crawl brings enough articles of."""
    server = serve("chromesite")
    result = run_crawl(tmp_path, start=server.url("/"), settings={"BOILERPLATE_HOLD": "50"})
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 10
    assert result.stat("boilerplate/held") == 0
