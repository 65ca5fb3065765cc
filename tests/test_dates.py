"""Publication and modification times: sources, their order, offsets, locale, plausibility."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from crawler.extract.metadata import dates

ROOT = Path(__file__).resolve().parent.parent
NEWS_META = ROOT.parent / "shared" / "bench" / "news-meta"
#: published on the news-meta dev set when this was written (114/115), less a margin
NEWS_META_PUBLISHED = 0.991 - 0.01

NOW = datetime(2026, 12, 1, tzinfo=UTC)
URL = "https://news.example/politics/harbour-ferry-plan-approved"
PROSE = (
    "The city council voted on Tuesday to expand the harbour ferry service after a year of "
    "record passenger numbers, officials said on Wednesday morning at the town hall."
)


def page(
    head: str = "", body: str = "", lang: str = "en-GB", title: str = "Ferry plan"
) -> HtmlElement:
    """A news page: ``head`` and ``body`` markup around a headline and two paragraphs."""
    return lxml.html.document_fromstring(
        f'<html lang="{lang}"><head><title>{title}</title>{head}</head><body>'
        f"<article><h1>Harbour ferry plan approved</h1>{body}<p>{PROSE}</p><p>{PROSE}</p>"
        "</article></body></html>"
    )


def ld(*objects: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(list(objects))}</script>'


def meta(name: str, content: str, attr: str = "property") -> str:
    return f'<meta {attr}="{name}" content="{content}">'


def published(tree: HtmlElement, url: str = URL, **hints: Any) -> str | None:
    return dates.published(tree, url, hints, now=NOW)


# -- values: offset as declared, date stays date, naive stays naive -------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-03T17:47:42+02:00", "2024-05-03T17:47:42+02:00"),
        ("2024-05-03T15:47:42.389Z", "2024-05-03T15:47:42.389Z"),
        ("2023-08-30T16:45+0100", "2023-08-30T16:45:00+01:00"),
        ("2024-04-30 16:17:29 +02:00", "2024-04-30T16:17:29+02:00"),
        ("2024-05-03", "2024-05-03"),
        ("2024-05-03T17:47", "2024-05-03T17:47:00"),
        ("Mon, 05 Aug 2024 12:47:21 GMT", "2024-08-05T12:47:21+00:00"),
        ("Fri Apr 28 2023 19:52:31 GMT+0200 (CEST)", "2023-04-28T19:52:31+02:00"),
        ("3 hours ago", None),
        ("18:41", None),
        ("May 2024", None),
        ("", None),
    ],
)
def test_iso_datetime_keeps_what_the_page_declares(raw: str, expected: str | None) -> None:
    assert dates.iso_datetime(raw) == expected


def test_published_keeps_the_declared_offset() -> None:
    tree = page(meta("article:published_time", "2024-05-03T08:30:00+02:00"))
    assert published(tree) == "2024-05-03T08:30:00+02:00"


# -- JSON-LD: the article object, not the page, site, breadcrumb or video --------------


def test_json_ld_article_wins_over_other_objects_in_graph() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "datePublished": "2020-01-01T00:00:00Z"},
            {"@type": "Organization", "foundingDate": "1999-01-01"},
            {"@type": "BreadcrumbList", "datePublished": "2019-01-01"},
            {"@type": "VideoObject", "datePublished": "2024-05-01T09:00:00Z"},
            {"@type": "ReportageNewsArticle", "datePublished": "2024-05-03T08:30:00+02:00"},
        ],
    }
    tree = page(ld(graph) + meta("article:published_time", "2024-05-02T10:00:00Z"))
    assert published(tree) == "2024-05-03T08:30:00+02:00"


def test_json_ld_of_the_page_counts_when_there_is_no_article_object() -> None:
    tree = page(ld({"@type": "WebPage", "datePublished": "2025-05-14T20:57:43+00:00"}))
    assert published(tree) == "2025-05-14T20:57:43+00:00"


def test_meta_tag_beats_a_web_page_object() -> None:
    tree = page(
        ld({"@type": "WebPage", "datePublished": "2025-05-10T00:00:00Z"})
        + meta("article:published_time", "2025-05-14T20:57:43+00:00")
    )
    assert published(tree) == "2025-05-14T20:57:43+00:00"


# -- modification times never count as publication ------------------------------------


def test_modified_time_is_never_the_publication_time() -> None:
    tree = page(
        ld({"@type": "NewsArticle", "dateModified": "2024-05-04T10:00:00Z"})
        + meta("article:modified_time", "2024-05-04T10:00:00Z")
        + meta("og:updated_time", "2024-05-04T10:00:00Z"),
        '<p class="byline">Updated <time datetime="2024-05-04T10:00:00Z">4 May</time></p>',
    )
    assert published(tree) is None


def test_byline_time_equal_to_the_declared_modification_is_skipped() -> None:
    tree = page(
        ld({"@type": "NewsArticle", "dateModified": "2026-04-24T11:16:53Z"}),
        '<div class="meta"><time datetime="2026-04-24T11:16:53Z">1 day ago</time></div>',
    )
    assert published(tree, "https://news.example/2012/05/10/story") == "2012-05-10"


def test_lastmod_hint_is_not_a_publication_time() -> None:
    assert published(page(), lastmod="2024-05-04T10:00:00Z") is None


# -- byline: itemprop=datePublished, <time datetime> in the article header -------------


def test_byline_time_in_the_header_not_teasers_or_later_times() -> None:
    body = (
        '<ul class="ticker"><li><a href="/other-story"><h3>Other story</h3>'
        '<time datetime="2024-04-20T10:00:00Z">20 April</time></a></li></ul>'
        '<div class="teaser"><h3><a href="/third-story">Third story</a></h3>'
        '<time datetime="2024-04-21T10:00:00Z">21 April</time></div>'
        '<div class="byline">By Jane Doe, <time datetime="2024-05-03T08:30:00+02:00">'
        "3 May 2024</time></div>"
    )
    assert published(page(body=body)) == "2024-05-03T08:30:00+02:00"


def test_time_after_the_body_text_is_not_the_byline() -> None:
    tree = lxml.html.document_fromstring(
        f"<html><body><h1>Headline</h1><p>{PROSE}</p><p>{PROSE}</p>"
        '<aside><time datetime="2021-01-01T00:00:00Z">1 Jan</time></aside></body></html>'
    )
    assert dates._byline(tree, URL, True, []) == (None, None)


def test_itemprop_date_published_in_the_byline() -> None:
    body = '<div class="byline" itemprop="datePublished" content="2024-04-28T13:00:00Z">x</div>'
    assert published(page(body=body)) == "2024-04-28T13:00:00Z"


# -- locale: day/month order of numeric dates -------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"), [("de", "2026-01-06"), ("en-GB", "2026-01-06"), ("en-US", "2026-06-01")]
)
def test_numeric_dates_follow_the_page_locale(lang: str, expected: str) -> None:
    body = '<div class="metaInfoDateTime"><span>06/01/2026</span>, 5 min read</div>'
    assert published(page(body=body, lang=lang)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"), [("fr", "2026-01-06T10:00:00"), ("en-US", "2026-06-01T10:00:00")]
)
def test_numeric_meta_value_follows_the_page_locale(lang: str, expected: str) -> None:
    tree = page(meta("date", "06/01/2026 10:00", attr="name"), lang=lang)
    assert published(tree) == expected


def test_year_first_dates_are_never_reordered() -> None:
    assert dates.iso_datetime("2026-01-06", day_first=True) == "2026-01-06"
    assert dates.iso_datetime("2026.01.05 18:40", day_first=True) == "2026-01-05T18:40:00"


@pytest.mark.parametrize(
    ("lang", "locale", "url", "expected"),
    [
        ("en-US", "", URL, True),
        ("en", "en_GB", URL, False),
        ("en", "", "https://www.telegraph.co.uk/news/x", False),
        ("en", "", URL, True),
        ("de", "de_DE", URL, False),
    ],
)
def test_month_first_locale(lang: str, locale: str, url: str, expected: bool) -> None:
    head = meta("og:locale", locale) if locale else ""
    assert dates.month_first(page(head, lang=lang), url) is expected


# -- fallbacks: title stamp, htmldate without body text or teasers, URL last -----------


def test_date_stamped_in_the_title() -> None:
    tree = page(title="Ukrainische Gegenoffensive | Europa | DW | 28.04.2023", lang="de")
    assert published(tree) == "2023-04-28"


def test_guess_skips_body_text_and_teaser_dates() -> None:
    body = (
        '<div class="related"><h2><a href="/other">Other story</a></h2>'
        '<span class="date">24.04.2023</span></div>'
        "<p>Russische Raketenangriffe wie am Freitag, 21. April 2023, waren zuletzt selten "
        "geworden; auf gut gepflegten Straßen der Hauptstadt blühen Bäume und Blumen.</p>"
        '<div class="article-meta">Datum: 28.04.2023</div>'
    )
    assert published(page(body=body, lang="de")) == "2023-04-28"


def test_date_in_body_text_only_gives_nothing() -> None:
    body = f"<p>On 24 April 2023 the council met again. {PROSE}</p>"
    assert published(page(body=body)) is None


def test_url_date_is_the_last_resort() -> None:
    url = "https://news.example/2024/05/03/harbour-ferry-plan-approved"
    assert published(page(), url) == "2024-05-03"
    tree = page(meta("article:published_time", "2024-05-02T22:30:00+00:00"))
    assert published(tree, url) == "2024-05-02T22:30:00+00:00"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/news/article/A2024050314320001234", "2024-05-03"),  # id: code, date, time, serial
        ("/view/AKR20240129071800009", "2024-01-29"),
        ("/view/NISX20240129_0002609474", "2024-01-29"),  # code and date alone
        ("/2024/05/03/harbour-ferry-plan-approved", "2024-05-03"),
        ("/harbour-ferry-20240503", "2024-05-03"),
        ("/p/SKU20231245", None),  # no such day
        ("/p/A20231212999", None),  # what follows the date is no time of day
        ("/p/ABCDE20231212", None),  # a word, not a short code
        ("/article/2024050312345678", None),  # a bare number: a counter, not a stamp
    ],
)
def test_url_date_forms(path: str, expected: str | None) -> None:
    stamp = dates.url_date("https://news.example" + path)
    assert (stamp.text if stamp else None) == expected


def test_article_id_date_is_the_last_resort() -> None:
    url = "https://news.example/news/article/A2024050314320001234"
    assert published(page(), url) == "2024-05-03"
    tree = page(meta("article:published_time", "2024-05-03T18:40:00+09:00"))
    assert published(tree, url) == "2024-05-03T18:40:00+09:00"


def test_feed_hint_after_markup_before_guesses() -> None:
    hint = "2024-05-02T09:00:00Z"
    assert published(page(), published=hint) == hint
    tree = page(meta("article:published_time", "2024-05-03T08:30:00+02:00"))
    assert published(tree, published=hint) == "2024-05-03T08:30:00+02:00"


# -- implausible values lose to the next source -----------------------------------------


@pytest.mark.parametrize(
    "bad", ["2027-03-01T00:00:00Z", "1970-01-01T00:00:00Z", "2001-01-01T00:00:00Z"]
)
def test_implausible_value_loses_to_the_next_source(bad: str) -> None:
    tree = page(
        ld({"@type": "NewsArticle", "datePublished": bad})
        + meta("article:published_time", "2024-05-03T08:30:00+02:00")
    )
    assert published(tree, "https://news.example/2024/05/03/story") == ("2024-05-03T08:30:00+02:00")


def test_old_article_alone_is_kept() -> None:
    tree = page(
        ld(
            {
                "@type": "NewsArticle",
                "datePublished": "2012-05-10T14:29:05Z",
                "dateModified": "2026-04-24T11:16:53Z",
            }
        )
    )
    assert published(tree) == "2012-05-10T14:29:05Z"


# -- modified() --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (
            ld(
                {"@type": "WebPage", "dateModified": "2024-05-06T00:00:00Z"},
                {"@type": "NewsArticle", "dateModified": "2024-05-05T09:00:00+02:00"},
            ),
            "",
            "2024-05-05T09:00:00+02:00",
        ),
        (meta("article:modified_time", "2024-05-04T10:00:00Z"), "", "2024-05-04T10:00:00Z"),
        (meta("og:updated_time", "2024-05-04T12:00:00+02:00"), "", "2024-05-04T12:00:00+02:00"),
        (
            "",
            '<time itemprop="dateModified" datetime="2024-05-04T10:00:00Z">x</time>',
            "2024-05-04T10:00:00Z",
        ),
        (meta("article:published_time", "2024-05-03T08:30:00+02:00"), "", None),
    ],
)
def test_modified(head: str, body: str, expected: str | None) -> None:
    assert dates.modified(page(head, body)) == expected


# -- the news-meta dev set ---------------------------------------------------------------


@pytest.mark.slow  # scores a whole dev set
@pytest.mark.skipif(not NEWS_META.is_dir(), reason="news-meta bench set not present")
def test_news_meta_published_score() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import extraction as bench  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    scores = bench.run(bench.load_pages(NEWS_META), bench.make_ours("listing"))
    assert scores.fields["published"] >= NEWS_META_PUBLISHED, scores.errors["published"]
