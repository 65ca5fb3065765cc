"""Article detection on realistic page snippets and on the real benchmark pages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawler.extract.detect import ArticleDetector, PageEvidence, url_page_kind
from crawler.extract.record import ExtractOptions, Skip, build_record, parse_html
from crawler.items import FetchedPage
from crawler.text.charset import decode_html

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "articles"

PARA = (
    "The city council voted on Tuesday to expand the harbour ferry service after a year of "
    "record passenger numbers, officials said. The plan adds two boats and a night route, "
    "and will be paid for by a fare increase that takes effect in the spring. "
)


def page(
    head: str = "",
    body: str = "",
    url: str = "https://news.example/2024/05/03/ferry-plan-approved-by-council",
    source: str = "listing",
) -> FetchedPage:
    html = f"<html><head><title>Page</title>{head}</head><body>{body}</body></html>"
    return FetchedPage(url=url, html=html, fetched_at="2024-05-03T10:00:00Z", source=source)


def article_body(paras: int = 4) -> str:
    return (
        "<article><h1>Ferry plan approved</h1>"
        + "".join(f"<p>{PARA} Paragraph {i}.</p>" for i in range(paras))
        + "</article>"
    )


def listing_body(n: int = 25) -> str:
    items = "".join(
        f'<li><a href="/2024/05/0{i % 9 + 1}/story-number-{i}-about-the-harbour">'
        f"Story number {i} about the harbour and the ferries</a></li>"
        for i in range(n)
    )
    return f"<main><h1>Local news</h1><ul>{items}</ul></main>"


LD_GRAPH = (
    '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
    '{"@type":"Organization","name":"Example News"},{"@type":"WebPage","name":"x"},'
    '{"@type":["NewsArticle"],"headline":"Ferry plan approved"}]}</script>'
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://news.example/", "home"),
        ("https://news.example/tag/ferries/", "not_article"),
        ("https://news.example/author/jane-doe", "not_article"),
        ("https://news.example/category/local", "not_article"),
        ("https://news.example/about-us", "not_article"),
        ("https://news.example/newsletter", "not_article"),
        ("https://news.example/login?next=/", "not_article"),
        ("https://news.example/search?q=ferry", "not_article"),
        ("https://news.example/events/summer-fair", "not_article"),
        ("https://news.example/page/3", "not_article"),
        ("https://news.example/2024/05/03/ferry-plan-approved", "article"),
        ("https://news.example/local/ferry-plan-approved-by-council", "article"),
        ("https://news.example/news/ferryplan", "article"),
        ("https://news.example/world/12345678", "article"),
        ("https://news.example/local", "unknown"),
    ],
)
def test_url_shape(url: str, kind: str) -> None:
    assert url_page_kind(url) == kind


def test_json_ld_graph_newsarticle_is_article_evidence() -> None:
    ev = PageEvidence.from_tree(parse_html(f"<html><head>{LD_GRAPH}</head><body></body></html>"))
    assert ev.says_article and not ev.says_not_article


def test_og_type_article_is_article_evidence() -> None:
    html = '<html><head><meta property="og:type" content="article"></head><body></body></html>'
    assert PageEvidence.from_tree(parse_html(html)).says_article


def test_collection_page_markup_is_not_article_evidence() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type":"CollectionPage"}</script>'
        "</head><body></body></html>"
    )
    assert PageEvidence.from_tree(parse_html(html)).says_not_article


@pytest.mark.parametrize(
    ("fetched", "expected"),
    [
        (page(LD_GRAPH, article_body()), True),
        (
            page(
                '<meta property="og:type" content="article">',
                article_body(),
                url="https://news.example/local/ferry",
            ),
            True,
        ),
        (page("", article_body(), source="news_sitemap", url="https://news.example/p?id=7"), True),
        (page("", listing_body(), url="https://news.example/local"), False),
        (
            page(
                '<meta property="og:type" content="website">',
                article_body(1),
                url="https://news.example/",
            ),
            False,
        ),
        (page("", article_body(), url="https://news.example/tag/ferries"), False),
        (page("", article_body(), url="https://news.example/author/jane-doe"), False),
        (
            page(
                "",
                "<main><h1>About us</h1><p>We are a small newsroom.</p></main>",
                url="https://news.example/about",
            ),
            False,
        ),
        (
            page(
                "",
                "<form><input name=user><input type=password></form><p>Log in</p>",
                url="https://news.example/login",
            ),
            False,
        ),
        (
            page(
                "",
                "<main><h1>Summer fair</h1><p>Saturday 10am to 6pm at the harbour.</p></main>",
                url="https://news.example/events/summer-fair",
            ),
            False,
        ),
        (
            page(
                "",
                "<main><p>Sign up for our newsletter to get the news.</p></main>",
                url="https://news.example/newsletter",
            ),
            False,
        ),
        (page("", listing_body(), url="https://news.example/search?q=ferry"), False),
    ],
)
def test_detection_on_snippets(fetched: FetchedPage, expected: bool) -> None:
    result = build_record(fetched, ExtractOptions())
    assert (not isinstance(result, Skip)) is expected, result


def test_short_unmarked_text_is_not_article_but_marked_short_article_is() -> None:
    detector = ArticleDetector(min_words=60, max_link_density=0.5)
    ev = PageEvidence()
    url = "https://news.example/local"
    assert not detector.decide(url, ev, "listing", 30, 0.0).is_article
    marked = PageEvidence(og_type="article")
    assert detector.decide(url, marked, "listing", 30, 0.0).is_article
    assert not detector.decide(url, marked, "listing", 0, 0.0).is_article


@pytest.mark.skipif(not BENCH.is_dir(), reason="shared benchmark pages not present")
def test_real_article_pages_are_all_accepted() -> None:
    files = sorted(BENCH.glob("*.json"))[:60]
    rejected = []
    for meta in files:
        data = json.loads(meta.read_text(encoding="utf-8"))
        html = decode_html(gzip.decompress((BENCH / f"{meta.stem}.html.gz").read_bytes()))
        result = build_record(
            FetchedPage(url=data["url"], html=html or "", fetched_at="2024-01-01T00:00:00Z"),
            ExtractOptions(),
        )
        if isinstance(result, Skip):
            rejected.append((data["url"], result))
    assert len(rejected) <= len(files) // 50, rejected
