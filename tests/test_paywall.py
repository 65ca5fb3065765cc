"""Paywalled teasers: declared by schema.org or ended by a wall; the wall never in text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.detect import json_ld_objects
from crawler.extract.paywall import read_paywall
from crawler.extract.record import ExtractOptions, Skip, build_record, parse_html
from crawler.items import FetchedPage
from tests.articles import article_html, route_site
from tests.conftest import run_crawl

URL = "https://news.example/2026/05/03/ferry-plan"
WALL = (
    '<div class="article-paywall"><h3>This article is for subscribers</h3>'
    "<p>Subscribe now to keep reading: all stories, no ads, from 1 a week.</p>"
    '<a class="button" href="/subscribe">Subscribe</a> <a href="/login">Log in</a></div>'
)
METER = (
    '<section id="metered-prompt"><p>Du hast dein Gratis-Kontingent aufgebraucht. '
    "Jetzt weiterlesen mit dem Digital-Abo.</p><button>Abo abschließen</button></section>"
)
NEWSLETTER = (
    '<div class="subscribe-wall-newsletter"><p>Get our morning briefing by e-mail.</p>'
    '<form><input type="email" name="email"><button>Sign up</button></form></div>'
)


def _ld(free: bool, part: bool = False) -> str:
    data: dict[str, Any] = {"@type": "NewsArticle", "headline": "Ferry plan"}
    if part:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": str(free).lower(),
            "cssSelector": ".paid-content",
        }
    else:
        data["isAccessibleForFree"] = free
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def page(url: str, seed: int, head: str = "", in_article: str = "") -> str:
    html = article_html(url, seed)
    return html.replace("</head>", f"{head}</head>").replace(
        "</article>", f"{in_article}</article>"
    )


def record(html: str) -> Any:
    result = build_record(
        FetchedPage(url=URL, html=html, fetched_at="2026-05-03T10:00:00Z", source="sitemap"),
        ExtractOptions(),
    )
    assert not isinstance(result, Skip), result
    return result


@pytest.mark.parametrize(
    ("head", "in_article", "paywalled"),
    [
        (_ld(False), WALL, True),  # declared and walled
        ("", WALL, True),  # a wall ends the article, nothing declared
        ("", METER, True),  # a meter prompt (German)
        (_ld(False, part=True), "", True),  # a part is for subscribers only
        (_ld(True), "", False),  # declared free
        ("", NEWSLETTER, False),  # a newsletter sign-up is not a wall
        ("", "", False),  # nothing marks it
    ],
)
def test_paywalled_field(head: str, in_article: str, paywalled: bool) -> None:
    rec = record(page(URL, 3, head, in_article))
    assert rec.paywalled is paywalled
    for prompt in ("Subscribe now", "subscribers", "Gratis-Kontingent", "Log in"):
        assert prompt not in rec.text


def test_gated_content_named_by_schema_org_is_article_text() -> None:
    """The ``cssSelector`` of a ``hasPart`` names the gated article text: never a wall,
    even when its class says paywall."""
    gated = (
        '<div class="paywall paid-content"><p>The council will publish the full budget '
        "for the harbour ferry in June, officials said on Friday, after a year in which "
        "the crossing lost money on every sailing and the operator asked for more.</p>"
        "<p>Ridership fell by a third during the works on the northern pier, and the "
        'council\'s <a href="/budget">budget office</a> expects it to recover by autumn, '
        "when the new timetable starts and the evening sailings come back.</p></div>"
    )
    html = page(URL, 4, _ld(False, part=True), gated)
    tree = parse_html(html)
    assert tree is not None
    evidence = read_paywall(tree, json_ld_objects(tree))
    assert evidence.walls == ()
    assert evidence.free is False
    assert record(html).paywalled is True


def test_paywalled_setting_in_a_crawl(tmp_path: Path, serve: Any) -> None:
    server = serve()
    paths = [f"/news/2026/05/0{n}/story-{n}.html" for n in range(1, 4)]
    pages = {
        paths[0]: page(server.url(paths[0]), 11, _ld(False), WALL),
        paths[1]: page(server.url(paths[1]), 12, "", METER),
        paths[2]: page(server.url(paths[2]), 13, "", NEWSLETTER),
    }
    route_site(server, pages)
    marked = run_crawl(tmp_path / "mark", start=server.url("/"))
    assert marked.returncode == 0, marked.log[-2000:]
    by_url = {r["url"]: r for r in marked.records}
    assert [by_url[server.url(p)]["paywalled"] for p in paths] == [True, True, False]
    assert all("Subscribe now" not in r["text"] for r in marked.records)
    assert marked.stat("paywall/teasers") == 2
    dropped = run_crawl(tmp_path / "drop", settings={"PAYWALLED": "drop"}, start=server.url("/"))
    assert [r["url"] for r in dropped.records] == [server.url(paths[2])]
    assert dropped.stat("drop/paywalled") == 2


def test_a_meter_banner_above_the_whole_article_is_no_teaser() -> None:
    """ "2 free articles left" shown above the full article: the article is whole (not
    paywalled); the banner's lines are still not in the text."""
    html = article_html(URL, 5).replace('<p class="byline">', METER + '<p class="byline">')
    rec = record(html)
    assert rec.paywalled is False
    assert "Gratis-Kontingent" not in rec.text
