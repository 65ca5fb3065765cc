"""Junk is not an article: repeated sentences and stuffed keywords are skip/low_quality,
and no real article of either dev set is (``crawler/extract/quality.py``)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.quality import MIN_WORDS, _may_exceed, _repetition, junk_reason, repetition
from tests.articles import article_html, article_text, route_site
from tests.conftest import run_crawl
from tests.corpus import BENCH

LOREM = "lorem ipsum dolor sit amet " * 3000
STUFFED = "cheap flights london cheap hotels paris best deals " * 400


def _page(url: str, text: str, title: str = "Great deals") -> str:
    paras = "".join(f"<p>{chunk}</p>" for chunk in text.split("  ") if chunk)
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>{title}</title>'
        f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
        f"</head><body><main><article><h1>{title}</h1>{paras}</article></main></body></html>"
    )


@pytest.mark.parametrize(
    "text",
    [
        LOREM,
        STUFFED,
        "\n\n".join(["Buy cheap watches online today."] * 200),
        "\n".join(["casino bonus casino bonus free spins casino"] * 100),
    ],
)
def test_repeated_sentences_and_keywords_are_junk(text: str) -> None:
    assert junk_reason(text) is not None


def test_the_word_count_shortcut_never_hides_junk() -> None:
    """``junk_reason`` counts n-grams only when word counts leave junk possible: on
    20,000 random token streams (few-word vocabularies, repeated units with noise, runs
    of one word) every text the full measure calls junk passes the shortcut."""
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(40)]
    junk = 0
    for _ in range(20_000):
        size = rng.randint(MIN_WORDS, 400)
        kind = rng.random()
        if kind < 0.3:
            few = vocab[: rng.choice([1, 2, 3, 5, 10, 40])]
            tokens = [rng.choice(few) for _ in range(size)]
        elif kind < 0.6:
            unit = [rng.choice(vocab) for _ in range(rng.randint(1, 6))]
            tokens = (unit * size)[:size]
            for _ in range(rng.randint(0, size // 3)):
                tokens[rng.randrange(size)] = rng.choice(vocab)
        else:
            tokens = [rng.choice(vocab) for _ in range(size)]
            at = rng.randrange(size)
            tokens[at:at] = [vocab[0]] * rng.randint(0, size)
        if _repetition(tokens).junk_reason() is not None:
            junk += 1
            assert _may_exceed(tokens), tokens
    assert junk > 10_000


@pytest.mark.parametrize("seed", range(20))
def test_generated_articles_are_not_junk(seed: int) -> None:
    assert junk_reason("\n\n".join(article_text(seed)[1])) is None


def test_a_meal_plan_that_repeats_its_paragraphs_is_not_junk() -> None:
    """Repeated paragraphs alone are not junk (a real meal-plan article repeats 81 %)."""
    meals = [
        "Asparagus and eggs with half a cup of sweet potato and a teaspoon of olive oil.",
        "Asian chicken zoodles with a cup of zucchini noodles and four ounces of chicken.",
        "Greek yogurt with berries, a spoon of honey and a handful of walnuts on top.",
        "Turkey chili with beans, tomatoes, onions, peppers and a little cumin to finish.",
    ]
    plans = [f"Meal prep menu for eating plan {p}\n\n" + "\n\n".join(meals) for p in "ABCD"]
    intro = "\n\n".join(article_text(7)[1][:2])
    text = intro + "\n\n" + "\n\n".join(plans)
    assert junk_reason(text) is None


def test_short_texts_are_left_to_article_detection() -> None:
    assert junk_reason("Sale sale sale sale sale sale sale.") is None


@pytest.mark.slow  # scores a whole dev set
def test_no_real_article_of_either_dev_set_is_junk() -> None:
    pages = sorted(BENCH.glob("*.json")) + sorted(BENCH.parent.glob("news-meta/*.json"))
    if not pages:
        pytest.skip("the shared bench pages are not here")
    from crawler.extract.options import ExtractOptions
    from crawler.extract.record import build_record
    from crawler.items import ArticleRecord, FetchedPage

    checked = 0
    for meta_path in pages:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        truth = meta.get("text") or meta.get("body") or ""
        assert junk_reason(truth) is None, (meta_path.name, repetition(truth))
        html_path = meta_path.with_name(meta_path.name[: -len(".json")] + ".html.gz")
        html = gzip.decompress(html_path.read_bytes()).decode("utf-8", "replace")
        page = FetchedPage(url=meta["url"], html=html, fetched_at="2026-01-01T00:00:00Z")
        record = build_record(page, ExtractOptions())
        if isinstance(record, ArticleRecord):
            assert junk_reason(record.text) is None, meta_path.name
            checked += 1
    assert checked > 250


def test_junk_pages_are_skipped_in_a_crawl_and_the_article_written(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    article = "/news/2026/05/01/harbour-reopens.html"
    junk = {"/news/2026/05/02/lorem.html": LOREM, "/news/2026/05/03/deals.html": STUFFED}
    pages = {article: article_html(server.url(article), seed=3)}
    pages |= {path: _page(server.url(path), text) for path, text in junk.items()}
    route_site(server, pages)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert [r["url"] for r in result.records] == [server.url(article)]
    assert result.stat("skip/low_quality") == 2
    assert "lorem ipsum dolor sit amet lorem" not in result.log  # no page body in the log
