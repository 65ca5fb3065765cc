"""End to end on the bundled sample site: a real `scrapy crawl news` and the demo command.

The Harbour Ledger (``samples/newsroom``) has 21 articles in English, German
and Russian among ~80 other pages (home, sections, tags, authors, about,
login, newsletter...), sitemaps, a feed, robots.txt and chrome on every page.
One crawl is shared by the assertions below; the demo test runs the README's
demo script as a user would.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.text.normalize import normalize_text
from tests.conftest import ROOT, CrawlResult, run_crawl
from tests.schema import validate_record
from tests.server import FixtureServer

pytestmark = pytest.mark.slow  # end-to-end crawls

SAMPLE = ROOT / "samples" / "newsroom"
SOURCES = ROOT / "samples" / "newsroom_src"
MANIFEST = json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))
ARTICLES = {a["path"]: a for a in MANIFEST["articles"]}
CHROME = [
    line for line in (SOURCES / "chrome.txt").read_text(encoding="utf-8").splitlines() if line
]


@cache
def _load_builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_newsroom", ROOT / "samples/build_newsroom.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture(scope="module")
def sample_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, list[str]]:
    tmp = tmp_path_factory.mktemp("sample")
    with FixtureServer(SAMPLE) as server:
        result = run_crawl(tmp, start=server.url("/"))
        requested = server.paths()
    assert result.returncode == 0, result.log[-3000:]
    return result, requested


def test_sample_is_the_documented_size() -> None:
    languages = Counter(a["language"] for a in MANIFEST["articles"])
    assert languages == {"en": 14, "de": 4, "ru": 3}
    assert sum(1 for p in SAMPLE.rglob("*") if p.is_file()) >= 22
    # the sample's chrome lines never occur in the articles themselves
    for article in _load_builder().load_articles():
        body = "\n".join(article.paragraphs)
        assert not [line for line in CHROME if line in body], article.slug


def test_every_article_is_emitted_exactly_once_and_nothing_else(sample_crawl) -> None:
    result, _ = sample_crawl
    paths = [_path(r["canonical_url"]) for r in result.records]
    assert sorted(paths) == sorted(ARTICLES), "records must be exactly the sample's articles"
    assert len({r["id"] for r in result.records}) == len(ARTICLES)
    assert result.stat("records/written") == len(ARTICLES)
    assert result.stat("skip/not_article") > 0  # home, sections, tags, authors, about...


def test_languages_and_titles_are_right(sample_crawl) -> None:
    result, _ = sample_crawl
    for record in result.records:
        expected = ARTICLES[_path(record["canonical_url"])]
        assert record["language"] == expected["language"], record["url"]
        assert record["language_confidence"] and record["language_confidence"] > 0.9
        assert record["title"] == expected["title"]  # no " | The Harbour Ledger" suffix
        assert expected["author"] in record["authors"]
        assert record["published"] and record["published"].startswith("2024-")
    languages = Counter(r["language"] for r in result.records)
    assert languages == {"en": 14, "de": 4, "ru": 3}
    assert result.stat("records/language/de") == 4


def test_every_record_validates_against_the_schema(sample_crawl) -> None:
    result, _ = sample_crawl
    assert result.records
    for record in result.records:
        validate_record(record)


def test_no_chrome_line_reaches_a_record(sample_crawl) -> None:
    result, _ = sample_crawl
    leaks = {
        (_path(r["url"]), line) for r in result.records for line in CHROME if line in r["text"]
    }
    assert not leaks, sorted(leaks)[:10]


def test_no_paragraph_of_the_article_body_is_lost(sample_crawl) -> None:
    result, _ = sample_crawl
    by_path = {_path(r["canonical_url"]): normalize_text(r["text"]) for r in result.records}
    for article in _load_builder().load_articles():
        text = by_path[article.path]
        missing = [p[:60] for p in article.paragraphs if normalize_text(p) not in text]
        assert not missing, f"{article.path} lost {missing}"


def test_sample_crawl_log_is_short_and_ends_with_the_run_summary(sample_crawl) -> None:
    """At the default level: start, progress, the output file, the summary; Scrapy's
    component lists, overridden settings and stats dict are at DEBUG."""
    result, _ = sample_crawl
    lines = result.log.splitlines()
    assert len(lines) <= 40, result.log
    summary = [ln for ln in lines if "Run summary: " in ln]
    assert len(summary) == 1 and f"{len(ARTICLES)} records written" in summary[0]
    for dump in ("Enabled extensions", "Overridden settings", "Dumping Scrapy stats"):
        assert dump not in result.log
    assert "Traceback" not in result.log


def test_robots_disallowed_pages_are_never_requested(sample_crawl) -> None:
    _, requested = sample_crawl
    assert "/robots.txt" in requested
    assert not [p for p in requested if p.startswith("/search")]


def test_listing_start_finds_every_article_and_emits_no_listing_page(tmp_path: Path) -> None:
    """Start at a listing page: pagination and link-following instead of sitemaps."""
    with FixtureServer(SAMPLE) as server:
        result = run_crawl(tmp_path, start=server.url("/latest/"))
        requested = set(server.paths())
    assert result.returncode == 0, result.log[-3000:]
    assert {"/latest/page/2/", "/latest/page/3/"} <= requested
    paths = [_path(r["canonical_url"]) for r in result.records]
    assert sorted(paths) == sorted(ARTICLES)
    # sections, tags and author pages were fetched and each one skipped
    listings = {p for p in requested if p.startswith(("/section/", "/tag/", "/author/"))}
    assert len(listings) >= 10
    assert result.stat("skip/not_article") >= len(listings)
    assert not [p for p in requested if p.startswith("/search")]


def test_demo_command_crawls_the_sample_and_prints_a_record(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/demo.py", "--output", str(tmp_path / "demo")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    jsonl = Path(re.search(r"^JSONL:\s+(\S+)$", out, re.M).group(1))
    assert jsonl.is_file() and jsonl.parent == tmp_path / "demo" / "news"
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(ARTICLES)
    assert re.search(rf"^Records:\s+{len(ARTICLES)} \(de=4, en=14, ru=3\)$", out, re.M)
    shown = json.loads(out.split("One record:", 1)[1])
    assert shown == json.loads(lines[0])
    validate_record(shown)
