"""The sources file: parsed into per-site overrides; bad files name line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.discovery.sources import SourcesError, load_sources, parse_sources

ROOT = Path(__file__).resolve().parent.parent


def test_example_sources_file_shipped_in_the_repo_is_valid() -> None:
    sites = load_sources(ROOT / "sources.example.toml")
    assert [s.name for s in sites] == ["Harbour Gazette", "Rheinblick"]
    gazette = sites[0]
    assert gazette.hosts == {"harbour-gazette.example"}
    assert gazette.max_pages == 500
    assert gazette.allows("https://harbour-gazette.example/news/a-story")
    assert not gazette.allows("https://harbour-gazette.example/live/blog")
    assert not gazette.allows("https://harbour-gazette.example/shop/")


def test_single_strings_are_accepted_for_list_fields() -> None:
    (site,) = parse_sources('[[site]]\nstart = "https://a.example/"\nlanguages = "de"\n')
    assert site.start == ["https://a.example/"]
    assert site.languages == ["de"]
    assert site.name == "a.example"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[site]]\nname = "x"\nstart = ["ftp://a.example/"]\n', "line 3: 'start'"),
        (
            '[[site]]\nstart = ["https://a.example/"]\n\n[[site]]\nstart = ["https://b/"]\n'
            "max_pagez = 3\n",
            "site 2, line 6: unknown field 'max_pagez'",
        ),
        ("[[site]\n", "line 1"),
        ('[[site]]\nstart = ["https://a.example/"]\nremove = ["div["]\n', "line 3: 'remove'"),
        ('[[site]]\nstart = ["https://a.example/"]\ndeny = ["(unclosed"]\n', "line 3: 'deny'"),
        ('[[site]]\nstart = ["https://a.example/"]\nlanguages = ["english"]\n', "'languages'"),
        ('[[site]]\nstart = ["https://a.example/"]\nmax_pages = 0\n', "line 3: 'max_pages'"),
        ('[[site]]\nname = "only a name"\n', "needs 'start'"),
        ('title = "x"\n', "unknown top-level key 'title'"),
        ("", "no [[site]] table"),
    ],
)
def test_bad_sources_file_gets_an_error_naming_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(SourcesError, match=None) as info:
        parse_sources(text, "my.toml")
    assert expected in str(info.value)
    assert str(info.value).startswith("my.toml")


def test_missing_sources_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.toml")
