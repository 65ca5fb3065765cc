"""Record building: text, within-page clean-up, metadata, canonical URL, pipeline glue."""

from __future__ import annotations

import asyncio
import pickle

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.extract.cleanup import clean_paragraphs
from crawler.extract.metadata.title import clean_title
from crawler.extract.record import (
    ExtractOptions,
    Skip,
    build_record,
)
from crawler.items import ArticleRecord, FetchedPage
from crawler.net.urls import record_id
from crawler.text.normalize import content_hash, paragraphs, word_count
from pipelines.extract import ExtractPipeline

URL = "https://news.example/2024/05/03/harbour-ferry-plan-approved"
P1 = (
    "The city council voted on Tuesday to expand the harbour ferry service after a year of "
    "record passenger numbers, officials said on Wednesday morning."
)
P2 = (
    "The plan adds two boats and a night route, and will be paid for by a fare increase "
    "that takes effect in the spring, according to the transport department."
)
P3 = (
    "Opponents said the fare rise would hurt commuters who live on the islands, and asked "
    "for a discount for residents, which the council promised to study."
)
P4 = (
    "The first new boat is expected to enter service in September, once crews have been "
    "trained and the pier at the northern terminal has been rebuilt."
)


def article_html(
    head: str = "",
    before: str = "",
    after: str = "",
    title: str = "Harbour ferry plan approved | Example News",
) -> str:
    return f"""<html><head><title>{title}</title>
<meta property="og:site_name" content="Example News">
<meta property="og:type" content="article">
<meta name="description" content="Two boats and a night route.">
<meta name="author" content="Jane Doe">
{head}</head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/world">World</a></nav>
<article>
<h1>Harbour ferry plan approved</h1>
{before}
<p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p>
{after}
</article>
<footer><p>© 2024 Example News. All rights reserved.</p></footer>
</body></html>"""


def fetched(html: str, url: str = URL, **kw: object) -> FetchedPage:
    return FetchedPage(url=url, html=html, fetched_at="2024-05-03T10:00:00Z", **kw)


def record(html: str, **kw: object) -> ArticleRecord:
    options = kw.pop("options", ExtractOptions())
    result = build_record(fetched(html, **kw), options)  # type: ignore[arg-type]
    assert isinstance(result, ArticleRecord), result
    return result


def test_record_fields_and_paragraphs_separated_by_blank_line() -> None:
    rec = record(
        article_html(
            head='<link rel="canonical" href="https://news.example/2024/05/03/'
            'harbour-ferry-plan-approved?utm_source=x">'
            '<meta property="article:published_time" content="2024-05-03T08:30:00+02:00">'
            '<meta property="article:tag" content="Transport">'
        ),
        hints={"lastmod": "2024-05-04"},
        validators={"etag": '"abc"'},
        source="sitemap",
    )
    assert paragraphs(rec.text) == [P1, P2, P3, P4]
    assert "\n\n" in rec.text
    assert rec.title == "Harbour ferry plan approved"
    assert rec.canonical_url == URL
    assert rec.id == record_id(URL)
    assert rec.url == URL
    assert rec.site == "news.example"
    assert rec.published == "2024-05-03T08:30:00+02:00"  # the offset the page declares
    assert rec.authors == ["Jane Doe"]
    assert rec.description == "Two boats and a night route."
    assert "Transport" in rec.tags
    assert rec.word_count == word_count(rec.text)
    assert rec.content_hash == content_hash(rec.text)
    assert rec.fetched_at == "2024-05-03T10:00:00Z"
    assert rec.crawl_meta["validators"] == {"etag": '"abc"'}
    assert rec.crawl_meta["hints"] == {"lastmod": "2024-05-04"}
    assert rec.crawl_meta["source"] == "sitemap"


def test_published_falls_back_to_sitemap_hint() -> None:
    rec = record(article_html(), hints={"published": "2024-05-02T09:00:00Z"})
    assert rec.published == "2024-05-02T09:00:00Z"


@pytest.mark.parametrize(
    ("canonical", "expected"),
    [
        # syndication partner pointing at the original on another host
        (
            "https://origin.example/story/harbour-ferry-plan",
            "https://origin.example/story/harbour-ferry-plan",
        ),
        # a site-wide canonical to the home page is ignored
        ("https://news.example/", URL),
        # a canonical to a tag page is a different page type: ignored
        ("https://news.example/tag/ferries", URL),
        # relative canonical, tracking parameters stripped
        ("/2024/05/03/harbour-ferry-plan-approved?fbclid=1&utm_medium=x", URL),
    ],
)
def test_canonical_url(canonical: str, expected: str) -> None:
    rec = record(article_html(head=f'<link rel="canonical" href="{canonical}">'))
    assert rec.canonical_url == expected
    assert rec.id == record_id(expected)


def test_tracking_params_setting_extends_builtin_list() -> None:
    html = article_html(head=f'<link rel="canonical" href="{URL}?campaign_x=7&page=2">')
    rec = record(html, options=ExtractOptions(tracking_params=("campaign_x",)))
    assert rec.canonical_url == f"{URL}?page=2"


@pytest.mark.parametrize(
    ("raw", "h1", "site", "expected"),
    [
        (
            "Harbour ferry plan approved | Example News",
            None,
            "Example News",
            "Harbour ferry plan approved",
        ),
        ("Harbour ferry plan approved - Example News", None, None, "Harbour ferry plan approved"),
        (
            "Example News: Harbour ferry plan approved",
            None,
            "Example News",
            "Harbour ferry plan approved",
        ),
        (
            "Harbour ferry plan approved | Local | Example News",
            None,
            "Example News",
            "Harbour ferry plan approved",
        ),
        # the title and the h1 disagree: the headline shown on the page wins
        (
            "Some page title | Example",
            "Harbour ferry: plan approved",
            None,
            "Harbour ferry: plan approved",
        ),
        ("Vote: what comes next - NEWS", "Vote: what comes next", "NEWS", "Vote: what comes next"),
    ],
)
def test_title_drops_site_name_suffix(
    raw: str, h1: str | None, site: str | None, expected: str
) -> None:
    assert clean_title(raw, h1, site, URL) == expected


def test_headline_repeated_in_share_bar_is_not_in_text() -> None:
    share = (
        '<div class="share"><span>Harbour ferry plan approved</span>'
        "<span>Harbour ferry plan approved</span></div>"
    )
    rec = record(article_html(before=share))
    assert "Harbour ferry plan approved" not in rec.text
    assert paragraphs(rec.text)[0] == P1


def test_standfirst_repeated_as_first_paragraph_appears_once() -> None:
    standfirst = "The city council voted on Tuesday to expand the harbour ferry service."
    lines = [
        standfirst,
        f"HARBOURTOWN, May 3 (Example) - {standfirst} Officials welcomed the decision.",
        P2,
        P3,
    ]
    cleaned = clean_paragraphs(lines, [0.0] * len(lines), ["Harbour ferry plan approved"], None)
    assert cleaned == lines[1:]


@pytest.mark.parametrize(
    "stamp", ["Last Updated: 07/27/2016", "Updated 4:35 PM ET, May 3, 2024", "3. Mai 2024"]
)
def test_date_stamp_at_body_edge_is_removed(stamp: str) -> None:
    lines = [stamp, P1, P2, P3]
    assert clean_paragraphs(lines, [0.0] * 4, [], None) == [P1, P2, P3]
    lines = [P1, P2, P3, stamp]
    assert clean_paragraphs(lines, [0.0] * 4, [], None) == [P1, P2, P3]


def test_date_inside_the_body_is_kept() -> None:
    """A live-blog entry's date, an event's dates: content, not a stamp."""
    lines = [P1, "3 May 2024", P2, "29 November 2018 | 20 January 2019", P3]
    assert clean_paragraphs(lines, [0.0] * 5, [], None) == lines


@pytest.mark.parametrize(
    "line", ["Advertisement", "Follow us", "Viele Grüße", "Version 2.3.1", "10:00 - 18:00"]
)
def test_short_line_at_body_edge_is_kept_without_evidence(line: str) -> None:
    """Short and not a sentence is no evidence: a greeting, a version, opening hours.
    (A line repeated across the site's articles is the site-level stage's to remove.)"""
    lines = [line, P1, P2, P3, line]
    assert clean_paragraphs(lines, [0.0] * 5, [], None) == lines


def test_sentences_and_inner_short_lines_are_kept() -> None:
    lines = [P1, "Why it matters", P2, "Officials said yes.", P3]
    assert clean_paragraphs(lines, [0.0] * 5, [], None) == lines


def test_link_only_line_is_removed() -> None:
    lines = [P1, "Read: City budget passes after late-night session", P2]
    assert clean_paragraphs(lines, [0.0, 1.0, 0.0], [], None) == [P1, P2]


def test_non_article_is_skipped_with_reason() -> None:
    result = build_record(fetched(article_html(), url="https://news.example/"), ExtractOptions())
    assert isinstance(result, Skip) and result.reason == "not_article"


def test_empty_html_is_skipped() -> None:
    result = build_record(fetched("   "), ExtractOptions())
    assert isinstance(result, Skip) and result.reason == "empty_html"


def test_build_record_and_options_are_picklable() -> None:
    options = ExtractOptions(min_words=10, tracking_params=("x",))
    assert pickle.loads(pickle.dumps(options)) == options
    assert pickle.loads(pickle.dumps(build_record)) is build_record
    result = build_record(fetched(article_html()), options)
    assert isinstance(pickle.loads(pickle.dumps(result)), ArticleRecord)


# --- pipeline glue, on a real Crawler with real stats -------------------------


def pipeline(settings: dict | None = None) -> ExtractPipeline:
    crawler = get_crawler(settings_dict={"EXTRACT_WORKERS": 1, **(settings or {})})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    pipe = ExtractPipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def process(pipe: ExtractPipeline, item: object) -> object:
    return asyncio.run(pipe.process_item(item))


def test_pipeline_reads_settings() -> None:
    pipe = pipeline(
        {"EXTRACT_MIN_WORDS": 5, "EXTRACT_MAX_LINK_DENSITY": 0.3, "TRACKING_PARAMS": ["campaign_x"]}
    )
    assert pipe.options.min_words == 5
    assert pipe.options.max_link_density == 0.3
    assert pipe.options.tracking_params == ("campaign_x",)


def test_pipeline_emits_record_and_passes_other_items() -> None:
    pipe = pipeline()
    rec = process(pipe, fetched(article_html()))
    assert isinstance(rec, ArticleRecord)
    other = {"not": "a page"}
    assert process(pipe, other) is other


def test_pipeline_drops_home_page_with_skip_not_article_stat() -> None:
    pipe = pipeline()
    with pytest.raises(DropItem):
        process(pipe, fetched(article_html(), url="https://news.example/"))
    assert pipe.stats.get_value("skip/not_article") == 1


def test_pipeline_drops_page_without_text_with_stat() -> None:
    pipe = pipeline()
    html = '<html><head><meta property="og:type" content="article"></head><body></body></html>'
    with pytest.raises(DropItem):
        process(pipe, fetched(html))
    assert pipe.stats.get_value("skip/empty_text") == 1


def test_pipeline_counts_fallback_extraction() -> None:
    # the article text sits in bare <div>s with <br> breaks: trafilatura's own pass finds too
    # little, the readability/jusText comparison finds the body
    body = "<br><br>".join([P1, P2, P3, P4, P1.replace("Tuesday", "Monday")])
    html = (
        '<html><head><meta property="og:type" content="article"><title>Ferry</title></head>'
        f'<body><div id="x"><div>{body}</div></div></body></html>'
    )
    pipe = pipeline()
    result = build_record(fetched(html), pipe.options)
    rec = pipe.handle_result(fetched(html), result)
    assert rec.word_count > 60
    if rec.crawl_meta.get("extract_fallback"):
        assert pipe.stats.get_value("extract/fallback") == 1


# --- the fast extraction pass equals trafilatura's own -------------------------


def _variants() -> list[str]:
    from tests.articles import article_html, article_text

    url = "https://news.example/2024/05/03/a-story"
    plain = article_html(url, 3)
    _, paras = article_text(4)
    comments = plain.replace(
        "</article>",
        '</article><div id="comments" class="comment-list"><p>'
        + " ".join(paras[:2])
        + '</p></div><ul class="comments"><li>Great piece, thanks.</li></ul>',
    )
    infinite = plain.replace(
        "</main>",
        '<div class="infinite-scroll"><article><h2>Next story</h2><p>'
        + " ".join(paras)
        + "</p></article></div></main>",
    )
    short = (
        "<html><body><nav>"
        + " ".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(40))
        + "</nav><div><p>"
        + paras[0]
        + "</p></div><div>"
        + " ".join(paras[1:]) * 3
        + "</div></body></html>"
    )
    forum = plain.replace(
        "</head>",
        '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script></head>',
    ).replace("</article>", '</article><div class="comments"><p>' + paras[0] + "</p></div>")
    return [plain, comments, infinite, short, forum, "<html><body><p>x</p></body></html>"]


@pytest.mark.parametrize("index", range(6))
def test_fast_pass_body_equals_trafilatura_bare_extraction(index: int) -> None:
    """Our copy-free fast cascade gives trafilatura's own fast-mode body, page for page."""
    import trafilatura
    from trafilatura.xml import xmltotxt

    from crawler.extract import trafilatura_adapter
    from crawler.extract.record import parse_html

    assert trafilatura_adapter.fast_path(), "the pinned trafilatura must run the fast path"

    html = _variants()[index]
    url = "https://news.example/2024/05/03/a-story"
    tree = parse_html(html)
    assert tree is not None
    theirs = trafilatura.bare_extraction(
        parse_html(html),
        url=url,
        fast=True,
        with_metadata=False,
        include_comments=False,
        include_links=False,
        include_tables=True,
    )
    ours = trafilatura_adapter.body(tree, url, True)
    if theirs is None:
        assert ours is None
    else:
        assert ours is not None
        assert xmltotxt(ours.body, False) == xmltotxt(theirs.body, False)
