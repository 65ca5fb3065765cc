"""DedupePipeline with the JSONL writer and a real SQLite store, through a real Crawler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord
from crawler.net.urls import canonicalize, record_id, site_of
from crawler.runtime.state import store_for
from crawler.text.normalize import content_hash, word_count
from pipelines.dedupe import DedupePipeline
from pipelines.write import JsonlWriterPipeline
from tests.articles import article_text
from tests.test_neardup import INDEPENDENT, SYNDICATED, WIRE


def record(url: str, text: str, canonical: str | None = None, **kw: Any) -> ArticleRecord:
    canonical = canonicalize(canonical or url)
    return ArticleRecord(
        id=record_id(canonical),
        url=url,
        canonical_url=canonical,
        title="A headline",
        text=text,
        language="en",
        language_confidence=0.99,
        published=None,
        modified=None,
        authors=[],
        image=None,
        site=site_of(canonical),
        description=None,
        tags=[],
        paywalled=False,
        fetched_at="2026-01-01T00:00:00Z",
        word_count=word_count(text),
        content_hash=content_hash(text),
        **kw,
    )


def story(seed: int) -> str:
    return "\n\n".join(article_text(seed)[1])


class Run:
    """One crawl run: a real Crawler with the dedupe and write pipelines opened."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        self.crawler = get_crawler(
            Spider,
            {
                "OUTPUT_DIR": str(tmp_path / "output"),
                "STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
                "WRITE_SYNC_INTERVAL": 0,
                **settings,
            },
        )
        self.crawler.spider = Spider.from_crawler(self.crawler, name="news")
        self.dedupe = DedupePipeline.from_crawler(self.crawler)
        self.writer = JsonlWriterPipeline.from_crawler(self.crawler)
        self.dedupe.open_spider()
        self.writer.open_spider()
        self.dropped: list[str] = []

    def feed(self, *items: ArticleRecord) -> list[ArticleRecord]:
        """Send items through dedupe then write; return those written."""
        out = []
        for item in items:
            try:
                out.append(self.writer.process_item(self.dedupe.process_item(item)))
            except DropItem as exc:
                self.dropped.append(str(exc).split(":", 1)[0])
        return out

    def stat(self, name: str) -> int:
        return int(self.crawler.stats.get_value(name, 0))

    def close(self) -> None:
        self.writer.close_spider()
        store_for(self.crawler).close()


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[Any]:
    opened: list[Run] = []

    def start(**settings: Any) -> Run:
        run = Run(tmp_path, **settings)
        opened.append(run)
        return run

    yield start
    for run in opened:
        if run.writer.fd is not None or not run.writer.closed:
            run.close()


def output_records(tmp_path: Path) -> list[dict]:
    lines = []
    for path in sorted((tmp_path / "output" / "news").glob("*.jsonl")):
        lines += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    return lines


def test_second_run_of_unchanged_articles_emits_nothing(runs: Any, tmp_path: Path) -> None:
    items = [record(f"https://a.example/news/{i}", story(i)) for i in range(5)]
    first = runs()
    assert len(first.feed(*items)) == 5
    first.close()
    second = runs()
    assert second.feed(*items) == []
    assert second.stat("skip/unchanged") == 5
    second.close()
    assert len(output_records(tmp_path)) == 5


def test_changed_text_is_a_new_version_with_the_same_id(runs: Any) -> None:
    url = "https://a.example/news/1"
    first = runs()
    first.feed(record(url, story(1)))
    first.close()
    second = runs()
    (v2,) = second.feed(record(url, story(1) + "\n\nCorrection: the vote was on Tuesday."))
    assert v2.version == 2 and v2.updated_at and v2.id == record(url, "x").id
    assert second.stat("dedupe/new_version") == 1
    assert second.feed(record(url, v2.text)) == []  # v2 again: unchanged
    assert second.stat("skip/unchanged") == 1


def test_same_text_under_another_url_is_an_exact_duplicate(runs: Any) -> None:
    run = runs()
    run.feed(record("https://a.example/news/1", story(1)))
    assert run.feed(record("https://b.example/copy", story(1))) == []
    assert run.stat("drop/duplicate_exact") == 1


def test_page_whose_canonical_was_emitted_is_a_url_duplicate(runs: Any) -> None:
    run = runs()
    run.feed(record("https://a.example/news/1", story(1)))
    partner = record(
        "https://partner.example/syndicated/1",
        story(1) + "\n\nThis story first appeared in the A Example.",
        canonical="https://a.example/news/1",
    )
    assert run.feed(partner) == []
    assert run.stat("drop/duplicate_url") == 1


def test_refetch_through_a_non_canonical_url_of_our_own_is_still_an_update(runs: Any) -> None:
    run = runs()
    amp = "https://a.example/amp/news/1"
    run.feed(record(amp, story(1), canonical="https://a.example/news/1"))
    (v2,) = run.feed(record(amp, story(1) + "\n\nUpdated.", canonical="https://a.example/news/1"))
    assert v2.version == 2


def test_syndicated_wire_copy_is_dropped_and_independent_report_kept(runs: Any) -> None:
    run = runs()
    wire = record("https://wire.example/2026/treaty", WIRE)
    copy = record("https://gazette.example/world/treaty-deal", SYNDICATED)
    own = record("https://herald.example/environment/geneva-plastic", INDEPENDENT)
    assert [r.url for r in run.feed(wire, copy, own)] == [wire.url, own.url]
    assert run.stat("drop/near_duplicate") == 1


def test_mark_mode_keeps_the_copy_with_duplicate_of(runs: Any, tmp_path: Path) -> None:
    run = runs(NEAR_DUPLICATES="mark")
    wire = record("https://wire.example/2026/treaty", WIRE)
    copy = record("https://gazette.example/world/treaty-deal", SYNDICATED)
    written = run.feed(wire, copy)
    assert [r.duplicate_of for r in written] == [None, wire.id]
    assert run.stat("dedupe/near_duplicate_marked") == 1
    run.close()
    assert [r["duplicate_of"] for r in output_records(tmp_path)] == [None, wire.id]


def test_near_duplicates_are_found_across_runs(runs: Any) -> None:
    first = runs()
    first.feed(record("https://wire.example/2026/treaty", WIRE))
    first.close()
    second = runs()
    assert second.feed(record("https://gazette.example/world/treaty-deal", SYNDICATED)) == []
    assert second.stat("drop/near_duplicate") == 1


def test_two_copies_in_flight_at_once_pass_only_once(runs: Any) -> None:
    """Both copies clear dedupe before either is written (as with concurrent items)."""
    run = runs()
    a = record("https://a.example/news/1", story(1))
    b = record("https://b.example/copy/1", story(1))
    run.dedupe.process_item(a)
    with pytest.raises(DropItem, match=r"drop/duplicate_exact"):
        run.dedupe.process_item(replace(b))
    run.writer.process_item(a)
    assert run.stat("drop/duplicate_exact") == 1


def test_near_copy_of_a_record_still_held_is_dropped(runs: Any) -> None:
    """A record the boilerplate pipeline holds is claimed but not in the store's LSH
    index yet: its syndicated copy is found among the recent signatures."""
    run = runs()
    wire = record("https://wire.example/2026/treaty", WIRE)
    run.dedupe.process_item(wire)  # passed dedupe, not written yet (held)
    with pytest.raises(DropItem, match=r"drop/near_duplicate"):
        run.dedupe.process_item(record("https://gazette.example/world/treaty-deal", SYNDICATED))
    own = record("https://herald.example/environment/geneva-plastic", INDEPENDENT)
    assert run.dedupe.process_item(own) is own
    run.writer.process_item(wire)
    run.writer.process_item(own)
    assert run.stat("drop/near_duplicate") == 1


def test_minhash_is_handed_to_the_writer_and_not_written(runs: Any, tmp_path: Path) -> None:
    run = runs()
    (item,) = run.feed(record("https://a.example/news/1", story(1)))
    assert len(item.crawl_meta["minhash"]) == 128
    run.close()
    (line,) = output_records(tmp_path)
    assert "crawl_meta" not in line and "minhash" not in json.dumps(line)
