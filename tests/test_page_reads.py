"""Per-page reads: one walk per page for what several steps ask, nothing kept after it
(``crawler/extract/page_reads.py``)."""

from __future__ import annotations

from crawler.extract import page_reads
from crawler.extract.options import ExtractOptions
from crawler.extract.page_reads import class_id_lines, class_id_values, forget_page, per_page
from crawler.extract.record import build_record, parse_html
from crawler.items import FetchedPage
from tests.articles import article_html


def test_a_page_is_read_once_and_a_new_page_read_again() -> None:
    calls: list[object] = []

    @per_page
    def tag_count(tree: object) -> int:
        calls.append(tree)
        return len(list(tree.iter()))  # type: ignore[attr-defined]

    first = parse_html("<html><body><p>a</p></body></html>")
    second = parse_html("<html><body><p>a</p><p>b</p></body></html>")
    assert first is not None and second is not None
    assert tag_count(first) == tag_count(first) == 3
    assert tag_count(second) == 4
    assert calls == [first, second]
    forget_page()
    assert tag_count(second) == 4 and len(calls) == 3


def test_class_and_id_values_are_whole_attribute_values() -> None:
    tree = parse_html(
        '<html class="js"><body id="top"><div class="a  b\n c" id="x"><p class="a">t</p>'
        "</div></body></html>"
    )
    assert tree is not None
    assert class_id_values(tree) == frozenset({"js", "top", "a  b\n c", "x", "a"})


def test_no_page_is_kept_once_its_record_is_built() -> None:
    url = "https://news.example/2026/05/01/harbour.html"
    page = FetchedPage(url=url, html=article_html(url, seed=1), fetched_at="2026-05-01T00:00:00Z")
    build_record(page, ExtractOptions())
    assert page_reads._SLOTS  # the readers registered their slots
    assert all(slot == [None, None] for slot in page_reads._SLOTS)


def test_class_and_id_lines_are_the_values_a_line_each() -> None:
    tree = parse_html('<html><body><div class="a b" id="x"><p class="a b">t</p></div></body>')
    assert tree is not None
    assert sorted(class_id_lines(tree).split("\n")) == ["a b", "x"]
