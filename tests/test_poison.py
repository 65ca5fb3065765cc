"""Poison in otherwise good articles: each still comes out as a clean record
(control characters removed, embedded JSON read within bounds, nothing raised)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.detect import JSON_MAX_CHARS, load_json
from crawler.extract.options import ExtractOptions, Skip
from crawler.extract.record import _CONTROL_BYTES, _NONCHARACTERS, _has_invalid_chars, build_record
from crawler.items import ArticleRecord, FetchedPage
from crawler.text.normalize import strip_controls
from tests.articles import article_html, article_text, route_site
from tests.conftest import run_crawl

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def _json_ld(body: str) -> str:
    return f'<script type="application/ld+json">{body}</script></head>'


POISONS = {
    "controls": lambda html: html.replace("<p>", "<p>\x00\u202e\u2066\ufeff\x07", 3).replace(
        "<title>", "<title>\u202e"
    ),
    "deep_object": lambda html: html.replace(
        "</head>", _json_ld('{"a":' * 10_000 + "1" + "}" * 10_000)
    ),
    "deep_array": lambda html: html.replace("</head>", _json_ld("[" * 10_000 + "]" * 10_000)),
    "huge_json_ld": lambda html: html.replace(
        "</head>",
        _json_ld('{"@type":"NewsArticle","articleBody":"' + "word " * 2_400_000 + '"}'),
    ),
}


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_poisoned_article_gives_its_clean_record(poison: str) -> None:
    url = "https://news.example/2026/05/01/story.html"
    html = POISONS[poison](article_html(url, seed=5))
    record = build_record(FetchedPage(url=url, html=html, fetched_at=""), ExtractOptions())
    assert isinstance(record, ArticleRecord), record
    assert record.text == "\n\n".join(article_text(5)[1])
    for value in (record.text, record.title, record.description, *record.authors):
        assert not CONTROLS.search(value or ""), (poison, value)


def test_strip_controls_keeps_text_and_layout() -> None:
    assert strip_controls("a\x00b\tc\nd\u202ee\ufefff\ud800") == "ab\tc\ndef"
    assert strip_controls("Zürich \u0645\u0631\u062d\u0628\u0627 \u200d") == (
        "Zürich \u0645\u0631\u062d\u0628\u0627 \u200d"
    )


@pytest.mark.parametrize(
    "raw",
    ['{"a":' * 5000 + "1" + "}" * 5000, "[" * 100 + "]" * 100, '"' + "x" * JSON_MAX_CHARS + '"'],
)
def test_json_over_the_depth_or_size_bound_is_not_read(raw: str) -> None:
    with pytest.raises(ValueError):
        load_json(raw)


def test_a_page_that_fails_unforeseen_is_one_skip_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.extract.record as extraction

    def broken(*_: Any) -> None:
        raise KeyError("x" * 10_000)

    monkeypatch.setattr(extraction, "_extract_tree", broken)
    url = "https://news.example/2026/05/01/story.html"
    page = FetchedPage(url=url, html=article_html(url, 5), fetched_at="")
    skip = build_record(page, ExtractOptions())
    assert isinstance(skip, Skip) and skip.reason == "extract_error"
    assert skip.detail.startswith("KeyError") and len(skip.detail) < 300


def test_poisoned_articles_are_crawled_into_clean_records(tmp_path: Path, serve: Any) -> None:
    server = serve()
    paths = {name: f"/news/2026/05/0{i + 1}/{name}.html" for i, name in enumerate(sorted(POISONS))}
    urls = route_site(
        server,
        {
            path: POISONS[name](article_html(server.url(path), seed=20 + i))
            for i, (name, path) in enumerate(paths.items())
        },
    )
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["url"] for r in result.records) == sorted(urls)
    for record in result.records:
        assert not CONTROLS.search(record["text"] + (record["title"] or ""))
    assert result.stat("extract/json_ld_skipped") == 1
    assert "Traceback" not in result.log
    assert max(len(line) for line in result.log.splitlines()) < 2000


def test_the_invalid_character_scan_matches_its_definition() -> None:
    """The one-pass scan before parsing finds exactly the bytes libxml2 refuses: a C0
    control other than tab, newline and carriage return, or U+FFFE/U+FFFF (200,000
    random byte strings of the bytes that matter)."""
    rng = random.Random(3)
    alphabet = [0x41, 0x0A, 0x09, 0x0D, 0xEF, 0xBF, 0xBE, 0xD0, 0x01, 0x1F, 0x20, 0x00]
    for _ in range(200_000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        expected = len(data.translate(None, _CONTROL_BYTES)) != len(data) or any(
            nc in data for nc in _NONCHARACTERS
        )
        assert _has_invalid_chars(data) == expected, data
