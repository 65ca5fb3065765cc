"""Title reconciliation and the lead image (``crawler/extract/metadata/``)."""

from __future__ import annotations

import json

import pytest

from crawler.extract.detect import json_ld_objects
from crawler.extract.metadata.image import lead_image
from crawler.extract.metadata.title import headline, page_h1s, pick_h1
from crawler.extract.record import parse_html

URL = "https://www.harbour-gazette.example/news/2024/05/03/ferry-plan"
SITE = "Harbour Gazette"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # the site's name is decoration, at either end, with its own separator kept
        ({"title": "Ferry plan approved | Harbour Gazette"}, "Ferry plan approved"),
        ({"title": "Harbour Gazette: Ferry plan approved"}, "Ferry plan approved"),
        ({"title": "Ferry plan approved | Local | Harbour Gazette"}, "Ferry plan approved"),
        # a kicker is part of a headline, whatever its separator
        (
            {"og": "Harbour row : council approves ferry plan", "h1": "Council approves plan"},
            "Harbour row : council approves ferry plan",
        ),
        # most candidates agree: the odd one out (an SEO or social variant) loses
        (
            {
                "og": "Ferry plan approved after long row",
                "ld": "Ferry plan approved after long row",
                "h1": "Council says yes to the ferry",
                "title": "Ferry plan approved after long row - Harbour Gazette",
            },
            "Ferry plan approved after long row",
        ),
        # decoration glued on without spaces ("-Section|Site", CJK titles)
        (
            {"og": "Ferry plan approved-Local|Harbour Gazette", "ld": "Ferry plan approved"},
            "Ferry plan approved",
        ),
        # a candidate cut short mid-phrase stands for the whole one
        (
            {
                "og": "Ferry plan approved after a long and",
                "h1": 'Ferry plan approved after a long and "bitter" row',
            },
            'Ferry plan approved after a long and "bitter" row',
        ),
        # HTML entities in JSON-LD are text
        ({"ld": "Ferry &quot;plan&quot; approved"}, 'Ferry "plan" approved'),
        ({}, None),
    ],
)
def test_headline(candidates: dict[str, str], expected: str | None) -> None:
    assert headline(candidates, SITE, URL) == expected


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            _page('<meta property="og:image" content="/img/lead.jpg">'),
            "https://www.harbour-gazette.example/img/lead.jpg",
        ),
        (
            _page(
                '<script type="application/ld+json">'
                + json.dumps(
                    {
                        "@type": "NewsArticle",
                        "image": [{"@type": "ImageObject", "url": "https://cdn.example/a.jpg"}],
                        "publisher": {"@type": "Organization", "logo": "https://cdn.example/l.png"},
                    }
                )
                + "</script>"
            ),
            "https://cdn.example/a.jpg",
        ),
        (
            _page(
                '<base href="https://static.example/">',
                '<article><img src="/icon.png" width="16" height="16"><figure>'
                '<img src="data:image/gif;base64,R0lGOD" data-src="photos/ferry.jpg"></figure>'
                "</article>",
            ),
            "https://static.example/photos/ferry.jpg",
        ),
        (_page("", "<p>No picture here.</p>"), None),
        (_page('<meta property="og:image" content="javascript:alert(1)">'), None),
    ],
)
def test_lead_image(html: str, expected: str | None) -> None:
    tree = parse_html(html)
    assert tree is not None
    assert lead_image(tree, URL, json_ld_objects(tree)) == expected


def test_the_h1_that_states_the_headline_is_taken_not_the_logo() -> None:
    tree = parse_html(
        "<html><body><header><h1>The Harbour Gazette <span>Opinion</span></h1></header>"
        "<article><h1>Is the ferry worth it?</h1><p>Text.</p></article></body></html>"
    )
    assert tree is not None
    h1s = page_h1s(tree)
    assert h1s == ["Is the ferry worth it?", "The Harbour Gazette Opinion"]
    assert (
        pick_h1(
            ["The Harbour Gazette Opinion", "Is the ferry worth it?"],
            ["Opinion | Is the ferry worth it?"],
        )
        == "Is the ferry worth it?"
    )
    assert pick_h1(["Logo", "Headline"], [None]) == "Logo"
