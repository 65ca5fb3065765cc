"""Site boilerplate: the pure learner/cleaner, and the pipeline in a real crawl."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from crawler.text.normalize import content_hash, word_count
from crawler.text.site_lines import SiteBoilerplate, block_hash, block_key, mask_numbers
from tests.articles import article_text
from tests.corpus import corpus_lines, corpus_texts

ROOT = Path(__file__).resolve().parent.parent

CHROME = [
    "Follow the Harbour Gazette on Facebook and X",
    "Sign up for our morning briefing, delivered to your inbox every weekday.",
]


def _article(seed: int, extra_top: list[str] = (), extra_bottom: list[str] = ()) -> str:
    _, paras = article_text(seed)
    return "\n\n".join([*extra_top, *paras, *extra_bottom])


def _site(n: int, **kw: Any) -> SiteBoilerplate:
    site = SiteBoilerplate(**kw)
    for seed in range(n):
        stamp = f"Last Updated: {1 + seed % 12:02d}/{10 + seed}/2016"
        site.learn(_article(seed, [stamp], CHROME))
    return site


# -- normalisation -------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Last Updated: 07/27/2016", "Last Updated: 08/01/2016"),
        ("This article was updated on March 3, 2024", "This article was updated on June 21, 2025"),
        ("Follow us on Twitter!", "follow us on   twitter"),
        ("Posted 10:45 am", "Posted 9:02 pm"),
        ("\uff26\uff2f\uff2c\uff2c\uff2f\uff37 us", "follow us"),  # full-width,
    ],
)
def test_variants_of_one_chrome_line_share_a_block_key(a: str, b: str) -> None:
    assert block_key(a) == block_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Follow us on Twitter", "Follow us on Facebook"),
        ("The council approved the plan", "The council rejected the plan"),
    ],
)
def test_different_lines_have_different_block_keys(a: str, b: str) -> None:
    assert block_key(a) != block_key(b)


# -- learning thresholds -------------------------------------------------------
def test_nothing_is_stripped_below_min_docs() -> None:
    site = _site(2)
    text = _article(50, [], CHROME)
    assert site.clean(text) == (text, [])


def test_repeated_chrome_lines_are_stripped_once_learned() -> None:
    site = _site(5)
    text = _article(50, ["Last Updated: 12/31/2019"], CHROME)
    cleaned, removed = site.clean(text)
    assert not any(c in cleaned for c in CHROME)
    assert "Last Updated" not in cleaned
    assert {r.rule for r in removed} == {"site_block"}
    assert len(removed) == 3
    _, paras = article_text(50)
    assert cleaned == "\n\n".join(paras)


def test_learned_lines_are_never_half_of_what_they_strip() -> None:
    """Chrome frames an article: when learned lines would take half of a record's
    words or more, the record keeps them all (and says so); below that they go."""
    site = _site(6)
    brief = "The ferry resumes on Monday."  # 5 words against 19 words of chrome
    cleaned = site.clean_article("\n\n".join([*CHROME, brief]))
    assert cleaned.removed == [] and len(cleaned.spared) == 2
    assert cleaned.text == "\n\n".join([*CHROME, brief])
    article = _article(70, [], CHROME)
    cleaned = site.clean_article(article)
    assert not cleaned.spared and len(cleaned.removed) == 2
    assert cleaned.text == "\n\n".join(article_text(70)[1])
    assert cleaned.words == word_count(cleaned.text)


def test_a_site_that_learned_one_article_under_many_urls_cannot_empty_it() -> None:
    """The failure duplicates-never-teach prevents (the pipeline test below), with the
    guard behind it: a model that counted one article's copies as different articles
    still leaves more than half of it."""
    site = SiteBoilerplate()
    text = _article(3, [], CHROME)
    for _ in range(6):
        site.learn(text)
    cleaned = site.clean_article(text)
    assert 2 * cleaned.words > word_count(text)
    assert all(p in cleaned.text for p in article_text(3)[1] if len(p.split()) > 40)


def test_block_below_min_share_is_kept() -> None:
    site = SiteBoilerplate(min_docs=3, min_share=0.3)
    line = "Subscribe to the sports desk podcast"
    for seed in range(20):
        site.learn(_article(seed, [], [line] if seed < 4 else []))  # 4/20 = 20 %
    assert not site.is_boilerplate(line)
    site.min_share = 0.2
    assert site.is_boilerplate(line)


def test_quote_repeated_in_two_articles_of_a_series_is_kept() -> None:
    quote = '"We will rebuild the bridge before winter," the mayor said.'
    site = SiteBoilerplate()
    site.learn(_article(1, [], [quote]))
    site.learn(_article(2, [], [quote]))
    site.learn(_article(3))
    # three articles seen, the quote is in two of them (67 %): still content
    text = _article(4, [], [quote])
    assert quote in site.clean(text)[0]
    # the same in a bigger site
    for seed in range(10, 30):
        site.learn(_article(seed))
    assert quote in site.clean(text)[0]


def test_long_repeated_block_is_never_boilerplate() -> None:
    long_quote = " ".join(["The statement read in full that the company regrets"] * 6)
    site = SiteBoilerplate(max_block_words=40)
    for seed in range(10):
        site.learn(_article(seed, [], [long_quote]))
    assert not site.is_boilerplate(long_quote)
    assert long_quote in site.clean(_article(99, [], [long_quote]))[0]


def test_chrome_lines_inside_a_paragraph_are_stripped_line_by_line() -> None:
    site = _site(6)
    _, paras = article_text(77)
    glued = f"{paras[0]}\n{CHROME[0]}"  # single newline: same paragraph
    cleaned, removed = site.clean("\n\n".join([glued, *paras[1:]]))
    assert CHROME[0] not in cleaned
    assert cleaned.startswith(paras[0])
    assert [r.text for r in removed] == [CHROME[0]]


def test_stamp_glued_to_a_paragraph_start_is_cut_off() -> None:
    site = _site(6)
    para = "Russian, U.S. Leaders Prepare to meet in Geneva on Tuesday, officials said."
    cleaned, removed = site.clean(f"Last Updated: 07/27/2016 {para}")
    assert cleaned == para
    assert removed[0].rule == "site_block_prefix"
    assert removed[0].text == "Last Updated: 07/27/2016"


def test_promo_glued_to_a_paragraph_end_is_cut_off() -> None:
    site = _site(6)
    para = "The ferry will resume service on Monday, the operator said."
    cleaned, removed = site.clean(f"{para} {CHROME[0]}")
    assert cleaned == para
    assert removed[0].rule == "site_block_suffix"


def test_label_line_with_varying_headline_is_stripped_but_prose_is_kept() -> None:
    site = SiteBoilerplate()
    for seed in range(8):
        headline, _ = article_text(100 + seed)
        site.learn(_article(seed, [], [f"Read more: {headline}"]))
    other, _ = article_text(500)
    cleaned, removed = site.clean(_article(60, [], [f"Read more: {other}"]))
    assert "Read more" not in cleaned
    assert removed[0].rule == "site_label"
    # a sentence behind the same label is prose and stays
    prose = "Read more: the full report is published on the council's website."
    assert prose in site.clean(_article(61, [], [prose]))[0]


def test_bare_date_never_cuts_into_prose() -> None:
    site = SiteBoilerplate()
    for seed in range(6):
        site.learn(_article(seed, ["12 March 2024"]))
    text = "14 June 2021 was the day the harbour finally reopened to ferries."
    assert site.clean(text)[0] == text


def test_lowering_min_share_after_learning_takes_effect_when_cleaning() -> None:
    line = "Subscribe to the sports desk podcast"
    site = SiteBoilerplate(min_docs=3, min_share=0.3)
    for seed in range(20):
        site.learn(_article(seed, [], [line] if seed < 4 else []))
    text = _article(99, [], [line])
    assert line in site.clean(text)[0]  # 4/20 < 30 %
    site.min_share = 0.2
    assert line not in site.clean(text)[0]


def test_glued_chrome_is_cut_with_statistics_loaded_from_a_store() -> None:
    learned = _site(6)
    site = SiteBoilerplate()
    site.load(learned.documents, dict(learned.counts))
    para = "The ferry will resume service on Monday, the operator said."
    cleaned, removed = site.clean(f"Last Updated: 01/02/2017 {para} {CHROME[0]}")
    assert cleaned == para
    assert [r.rule for r in removed] == ["site_block_prefix", "site_block_suffix"]


def _reference_clean_line(site: SiteBoilerplate, line: str) -> str:
    """The cleaner's rules, trying every prefix and suffix length (the slow way)."""
    from crawler.text.site_lines import MIN_GLUED_WORDS, _word_starts, key_words

    keys = key_words(line)
    n = len(keys)
    if not n:
        return line
    if n <= site.max_block_words and site.is_boilerplate(line):
        return ""
    for k in range(min(n - 1, site.max_block_words), MIN_GLUED_WORDS - 1, -1):
        if any(x != "0" for x in keys[:k]) and site.is_boilerplate_hash(block_hash(keys[:k])):
            return _reference_clean_line(site, line[_word_starts(line)[k] :].strip())
    for k in range(min(n - 1, site.max_block_words), MIN_GLUED_WORDS - 1, -1):
        if any(x != "0" for x in keys[n - k :]) and site.is_boilerplate_hash(
            block_hash(keys[n - k :])
        ):
            return line[: _word_starts(line)[n - k]].strip()
    return line


def test_indexed_glued_block_search_finds_what_trying_every_length_finds() -> None:
    import random

    rng = random.Random(5)
    site = _site(8)
    chrome = [*CHROME, "Last Updated: 03/04/2018", "Share this article"]
    for seed in range(200, 260):
        _, paras = article_text(seed)
        para = rng.choice(paras)
        top = [rng.choice(chrome)] if rng.random() < 0.5 else []
        bottom = [rng.choice(chrome)] if rng.random() < 0.5 else []
        line = " ".join([*top, para, *bottom])
        cleaned = site.clean(line)[0]
        assert cleaned == _reference_clean_line(site, line), line


def test_block_keys_carry_length_and_edge_word_tags() -> None:
    a, b = block_key("Follow us on Twitter"), block_key("Follow us on Facebook")
    assert a is not None and b is not None
    assert a[:3] == b[:3] == "004"  # four words
    assert a[3:7] == b[3:7]  # same first word
    assert a[7:11] != b[7:11]  # different last word


# -- memory and persistence ----------------------------------------------------
def test_block_counters_stay_bounded_and_keep_the_chrome() -> None:
    site = SiteBoilerplate(max_blocks=500)
    for seed in range(400):
        site.learn(_article(seed, [], CHROME))
        assert len(site.counts) <= 500
    assert site.documents == 400
    assert all(site.is_boilerplate(c) for c in CHROME)


def test_learned_state_round_trips_through_load() -> None:
    site = _site(5)
    again = SiteBoilerplate()
    again.load(site.documents, dict(site.counts))
    assert again.documents == 5
    assert all(again.is_boilerplate(c) for c in CHROME)


# -- the pipeline in a real crawl ----------------------------------------------
# A spider that yields ready-made records from start(), run by a real Crawler in
# a subprocess (one reactor per process), with the dedupe, boilerplate and JSONL
# writer pipelines on a real SQLite store. Unless told otherwise the spider
# announces, as the news spider's discovery does, how many pages of each site it
# will bring (site_pages_expected).

STAMP = "Last Updated: {m:02d}/{d:02d}/2016"


def _records(site: str, seeds: range) -> list[dict[str, Any]]:
    out = []
    for seed in seeds:
        stamp = STAMP.format(m=1 + seed % 12, d=1 + seed % 28)
        text = _article(seed, [stamp], CHROME)
        out.append({"site": site, "seed": seed, "text": text})
    return out


def crawl_main(spec_path: str) -> None:
    """Subprocess entry point: crawl the records of ``spec`` and dump stats."""
    import asyncio
    from collections import Counter

    from scrapy import Spider
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.exceptions import CloseSpider
    from scrapy.utils.project import get_project_settings

    from crawler import signals as cleanwire_signals
    from crawler.items import ArticleRecord
    from crawler.text.normalize import content_hash, word_count

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))

    class RecordSpider(Spider):
        name = "records"

        def announce(self, discovering: bool) -> None:
            for site, pages in Counter(r["site"] for r in spec["records"]).items():
                self.crawler.signals.send_catch_log(
                    signal=cleanwire_signals.site_pages_expected,
                    site=site,
                    pages=pages,
                    discovering=discovering,
                )

        async def start(self):  # type: ignore[override]
            discovering = bool(spec.get("discovering"))
            if spec.get("announce", True):
                self.announce(discovering)
            for i, rec in enumerate(spec["records"]):
                if spec.get("close_after") is not None and i == spec["close_after"]:
                    raise CloseSpider("test_close")
                url = f"https://{rec['site']}/a/{rec['seed']}"
                yield ArticleRecord(
                    id=f"{rec['site']}-{rec['seed']}",
                    url=url,
                    canonical_url=url,
                    title=None,
                    text=rec["text"],
                    language="en",
                    language_confidence=1.0,
                    published=None,
                    modified=None,
                    authors=[],
                    image=None,
                    site=rec["site"],
                    description=None,
                    tags=[],
                    paywalled=False,
                    fetched_at="2026-01-01T00:00:00Z",
                    word_count=word_count(rec["text"]),
                    content_hash=content_hash(rec["text"]),
                    crawl_meta={"seed": rec["seed"]},
                )
            if discovering:  # the sitemaps are read: this is all there is
                await asyncio.sleep(0.2)
                self.announce(False)

    settings = get_project_settings()
    settings.setdict(
        {
            "ITEM_PIPELINES": {
                "pipelines.dedupe.DedupePipeline": 300,
                "pipelines.boilerplate.BoilerplatePipeline": 400,
                "pipelines.write.JsonlWriterPipeline": 500,
            },
            "EXTENSIONS": {},
            "LOG_LEVEL": "INFO",
            "STATE_URL": spec["state_url"],
            "OUTPUT_DIR": spec["output"],
            **spec.get("settings", {}),
        },
        priority="cmdline",
    )
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(RecordSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | str)}
    Path(spec["stats"]).write_text(json.dumps(stats), encoding="utf-8")


def _crawl(
    tmp_path: Path, records: list[dict[str, Any]], name: str = "run", **extra: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    output = tmp_path / f"{name}-output"
    spec = {
        "records": records,
        "state_url": f"sqlite:///{tmp_path / 'state.sqlite3'}",
        "output": str(output),
        "stats": str(tmp_path / f"{name}.stats.json"),
        **extra,
    }
    spec_path = tmp_path / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    code = f"from tests.test_boilerplate import crawl_main; crawl_main({str(spec_path)!r})"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [
        json.loads(line)
        for path in sorted(output.glob("records/*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    for item in items:
        item["seed"] = int(item["url"].rsplit("/", 1)[1])
    return items, json.loads(Path(spec["stats"]).read_text())


def _chrome_left(items: list[dict[str, Any]]) -> list[str]:
    return [
        line
        for item in items
        for line in item["text"].split("\n")
        if any(c in line for c in CHROME) or "Last Updated" in line
    ]


def test_pipeline_cleans_first_records_of_a_first_crawl_by_holding_them(tmp_path: Path) -> None:
    records = _records("big.example", range(14))
    items, stats = _crawl(tmp_path, records)
    assert len(items) == 14
    assert _chrome_left(items) == []
    assert stats["boilerplate/held"] == 7  # the 8th record makes the site ready
    assert stats["boilerplate/released/learned"] == 7
    assert stats["item_scraped_count"] == 14  # held items finished their pipelines
    assert stats["boilerplate/records_cleaned"] == 14
    assert stats["boilerplate/blocks_removed"] == 14 * 3
    assert [i["seed"] for i in items] == list(range(14))  # released in the order held
    for item in items:
        _, paras = article_text(item["seed"])
        assert item["text"] == "\n\n".join(paras)
        assert item["word_count"] == word_count(item["text"])
        # the hash of the text as extracted: it changes when the article does, not
        # when the site's learned lines do
        source = next(r for r in records if r["seed"] == item["seed"])
        assert item["content_hash"] == content_hash(source["text"])


def test_sites_the_crawl_brings_few_pages_of_are_never_held(tmp_path: Path) -> None:
    """A many-site stream (a WARC, a feed of other sites' links) never waits for a
    threshold its sites will not reach."""
    records = _records("small.example", range(4)) + _records("big.example", range(10, 22))
    items, stats = _crawl(tmp_path, records)
    assert len(items) == 16
    assert stats["finish_reason"] == "finished"
    assert stats["boilerplate/held"] == 7  # big.example's first 7 only
    assert stats["boilerplate/released/learned"] == 7
    assert [i["seed"] for i in items][:4] == [0, 1, 2, 3]  # written at once


def test_records_held_while_discovery_runs_are_released_when_the_site_turns_out_small(
    tmp_path: Path,
) -> None:
    """While a site's sitemaps are still being read, its first records are held; when
    discovery ends with fewer pages than the hold, they are released at once."""
    records = _records("small.example", range(3))
    items, stats = _crawl(
        tmp_path, records, discovering=True, settings={"BOILERPLATE_HOLD_SECONDS": 600}
    )
    assert len(items) == 3
    assert stats["boilerplate/held"] == 3
    assert stats["boilerplate/released/small_site"] == 3


def test_nothing_is_held_without_the_spider_expecting_pages(tmp_path: Path) -> None:
    items, stats = _crawl(tmp_path, _records("big.example", range(10)), announce=False)
    assert len(items) == 10
    assert "boilerplate/held" not in stats
    assert len(_chrome_left(items)) < 3 * 10  # the later records are cleaned


def test_global_hold_cap_releases_oldest_records_first(tmp_path: Path) -> None:
    sites = [_records(f"s{i}.example", range(10 * i, 10 * i + 3)) for i in range(4)]
    records = [r for pair in zip(*sites, strict=True) for r in pair]  # interleaved
    settings = {"BOILERPLATE_MAX_HELD": 5, "BOILERPLATE_HOLD": 3}
    items, stats = _crawl(tmp_path, records, settings=settings)
    assert len(items) == 12
    assert stats["boilerplate/held"] == 8  # the third record of each site is not held
    assert stats["boilerplate/released/cap"] == 3  # the first records of s0, s1, s2
    assert stats["boilerplate/released/learned"] == 5
    assert [i["seed"] for i in items][:3] == [0, 10, 20]


def test_spider_closing_while_records_are_held_writes_them_cleaned(tmp_path: Path) -> None:
    records = _records("big.example", range(10))
    items, stats = _crawl(tmp_path, records, close_after=5)
    assert stats["finish_reason"] == "test_close"
    assert stats["boilerplate/released/writer_closing"] == 5
    assert len(items) == 5
    assert _chrome_left(items) == []  # five articles are enough to learn from


def test_second_run_starts_with_learned_blocks_and_holds_nothing(tmp_path: Path) -> None:
    _crawl(tmp_path, _records("big.example", range(10)), name="first")
    again = _records("big.example", range(5)) + _records("big.example", range(40, 41))
    items, stats = _crawl(tmp_path, again, name="second")
    assert stats.get("boilerplate/held", 0) == 0
    assert stats["boilerplate/sites_loaded"] == 1
    assert stats["skip/unchanged"] == 5
    assert len(items) == 1 and _chrome_left(items) == []


def test_disabled_pipeline_leaves_text_alone(tmp_path: Path) -> None:
    records = _records("big.example", range(9))
    items, stats = _crawl(tmp_path, records, settings={"BOILERPLATE_ENABLED": False})
    assert len(items) == 9
    assert len(_chrome_left(items)) == 27
    assert "boilerplate/held" not in stats


def test_record_that_is_all_learned_lines_is_kept_whole(tmp_path: Path) -> None:
    """Learned lines never remove the article: a record they would be most of keeps
    its text (and is counted), it is not emptied or dropped."""
    records = _records("big.example", range(9))
    records.append({"site": "big.example", "seed": 99, "text": "\n\n".join(CHROME)})
    items, stats = _crawl(tmp_path, records)
    assert len(items) == 10
    assert next(i for i in items if i["seed"] == 99)["text"] == "\n\n".join(CHROME)
    assert stats["boilerplate/records_spared"] == 1
    assert not any(k.startswith("drop/") for k in stats)


def test_copies_of_one_article_teach_nothing_and_are_one_record(tmp_path: Path) -> None:
    """One article under several URLs of a site is one record, and its lines are not
    learned as the site's chrome (they would empty every copy)."""
    records = []
    for copy in range(6):
        for seed in (1, 2):
            text = _article(seed, [], CHROME)
            records.append({"site": "copies.example", "seed": seed * 100 + copy, "text": text})
    items, stats = _crawl(tmp_path, records, announce=False)
    assert sorted(i["seed"] for i in items) == [100, 200]
    assert stats["drop/duplicate_exact"] + stats.get("drop/duplicate_pending", 0) == 10
    assert stats["boilerplate/documents_learned"] == 2
    for item in items:
        _, paras = article_text(item["seed"] // 100)
        assert all(p in item["text"] for p in paras)


def test_sites_beyond_the_memory_cap_are_saved_and_reloaded(tmp_path: Path) -> None:
    a = _records("a.example", range(12))
    b = _records("b.example", range(20, 32))
    records = [r for pair in zip(a, b, strict=True) for r in pair]
    settings = {"BOILERPLATE_MAX_SITES": 1, "BOILERPLATE_HOLD": 3}
    items, stats = _crawl(tmp_path, records, settings=settings)
    assert len(items) == 24
    assert stats["boilerplate/sites_evicted"] >= 10
    assert stats["boilerplate/sites_loaded"] >= 10
    assert _chrome_left(items) == []


# -- fast paths, checked against the code they replaced ------------------------
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def _reference_key_words(line: str) -> tuple[str, ...]:
    """key_words as it was first written: a regex for the words, NFKC case fold per
    word, every word looked at for digits."""
    raw = _WORD.findall(line)
    if not raw:
        return ()
    folded = [unicodedata.normalize("NFKC", w).casefold() for w in raw]
    joined = " ".join(folded)
    if _DIGIT.search(joined) is None:
        return tuple(folded)
    return mask_numbers(folded)  # unchanged: the fast paths are in the words and folding


def _reference_block_hash(keys: Sequence[str]) -> str:
    n = len(keys)
    if not n:
        return ""
    tag = [zlib.crc32(k.encode("utf-8")) & 0xFFFF for k in (keys[0], keys[-1])]
    digest = hashlib.blake2b(" ".join(keys).encode("utf-8"), digest_size=8).hexdigest()
    return f"{min(n, 0xFFF):03x}{tag[0]:04x}{tag[1]:04x}{digest}"


def test_key_words_are_those_of_the_word_by_word_reference_on_every_corpus_line() -> None:
    from crawler.text.site_lines import key_words

    lines = corpus_lines()
    assert len(lines) > 3000
    for line in lines:
        assert key_words.__wrapped__(line) == _reference_key_words(line), repr(line)


def test_folding_a_whole_line_at_once_is_folding_word_by_word() -> None:
    """Why key_words may fold a line in one call: around a space, NFKC changes
    nothing (a space composes with no word character), case folding has no context,
    and no word character folds to a digit of a word that did not have one."""
    word = re.compile(r"\w")
    for c in map(chr, range(sys.maxunicode + 1)):
        if not word.match(c):
            continue
        folded = unicodedata.normalize("NFKC", c)
        assert unicodedata.normalize("NFKC", " " + c) == " " + folded, hex(ord(c))
        assert unicodedata.normalize("NFKC", c + " ") == folded + " ", hex(ord(c))
        assert not (_DIGIT.match(c) and c.isalpha()), hex(ord(c))
    assert "\u0391\u03a3".casefold() == "\u03b1\u03c3"  # no final-sigma context


@pytest.mark.parametrize("limit", [-1, 0, 1, 3, 20, 40])
def test_long_line_test_counts_exactly_the_words(limit: int) -> None:
    from crawler.text.site_lines import _more_words_than

    too_long = _more_words_than(limit)
    for line in corpus_lines():
        assert (too_long.match(line) is not None) == (len(_WORD.findall(line)) > limit), line


@pytest.mark.parametrize("max_block_words", [0, 1, 5, 40])
def test_doc_blocks_are_the_blocks_of_every_short_line(max_block_words: int) -> None:
    """Skipping long lines before their key words changes no learned block."""
    from crawler.text.site_lines import _LABEL, _lines

    site = SiteBoilerplate(max_block_words=max_block_words)
    labels = 0
    for text in [*corpus_texts(), "\n".join(corpus_lines()[-500:])]:
        expected = set()
        for line in _lines(text):
            keys = _reference_key_words(line)
            if keys and len(keys) <= max_block_words:
                expected.add(_reference_block_hash(keys))
                label = _LABEL.match(line)
                if label is not None:
                    labels += 1
                    expected.add(
                        _reference_block_hash(["\x00label", *_reference_key_words(label.group(1))])
                    )
        assert site.doc_blocks(text) == expected
    assert labels or max_block_words < 3


def test_block_hash_is_the_reference_format() -> None:
    rng = random.Random(3)
    words = ["a", "0", "the", "caf\u00e9", "\u4e2d\u6587", "x" * 300, "\x00label"]
    for _ in range(3000):
        n = rng.choice([1, 2, 3, 7, 40, 41, 0xFFF, 0x1000 + rng.randint(0, 50)])
        keys = tuple(rng.choice(words) for _ in range(n))
        assert block_hash(keys) == _reference_block_hash(keys)
        assert block_hash(list(keys)) == _reference_block_hash(keys)
    assert block_hash(()) == ""


def _reference_full_clean_line(site: SiteBoilerplate, line: str) -> str:
    """Every rule of the cleaner, from the reference key words and hashes, trying
    every prefix and suffix length."""
    from crawler.text.site_lines import (
        _LABEL,
        _SENTENCE_END,
        MAX_LABEL_LINE_WORDS,
        MIN_GLUED_WORDS,
        _word_starts,
    )

    keys = _reference_key_words(line)
    n = len(keys)
    if not n:
        return line
    if n <= site.max_block_words and site.is_boilerplate_hash(_reference_block_hash(keys)):
        return ""
    label = _LABEL.match(line)
    if (
        n <= MAX_LABEL_LINE_WORDS
        and not _SENTENCE_END.search(line)
        and label is not None
        and site.is_boilerplate_hash(
            _reference_block_hash(["\x00label", *_reference_key_words(label.group(1))])
        )
    ):
        return ""
    longest = min(n - 1, site.max_block_words)
    for k in range(longest, MIN_GLUED_WORDS - 1, -1):
        prefix = keys[:k]
        if any(x != "0" for x in prefix) and site.is_boilerplate_hash(
            _reference_block_hash(prefix)
        ):
            return _reference_full_clean_line(site, line[_word_starts(line)[k] :].strip())
    for k in range(longest, MIN_GLUED_WORDS - 1, -1):
        suffix = keys[n - k :]
        if any(x != "0" for x in suffix) and site.is_boilerplate_hash(
            _reference_block_hash(suffix)
        ):
            return line[: _word_starts(line)[n - k]].strip()
    return line


def test_cleaning_a_corpus_gives_what_the_reference_rules_give() -> None:
    """A site that learned from the corpus with chrome added (stamps, labels, promos,
    glued or on their own lines) cleans every text as the reference rules do."""
    from crawler.text.site_lines import _lines

    rng = random.Random(9)
    texts = list(corpus_texts())
    site = SiteBoilerplate(min_share=0.05)
    chromed = []
    for i, text in enumerate(texts):
        stamp = f"Updated {1 + i % 12}/{1 + i % 28}/2024 {i % 12}:{10 + i % 50} pm"
        paras = text.split("\n\n")
        paras[0] = f"{stamp} {paras[0]}" if i % 2 else f"{stamp}\n{paras[0]}"
        paras.append(f"Read more: {texts[(i * 7) % len(texts)][:60]}")
        paras.append(rng.choice(CHROME))
        paras[-3] += " " + CHROME[i % len(CHROME)]
        chromed.append("\n\n".join(paras))
    for text in chromed:
        site.learn(text)
    removed = 0
    for text in chromed:
        cleaned, removals = site.clean(text)
        removed += len(removals)
        kept = [r for r in (_reference_full_clean_line(site, ln) for ln in _lines(text)) if r]
        assert _lines(cleaned) == kept
    assert removed > 3 * len(chromed)  # the chrome was learned and cut
