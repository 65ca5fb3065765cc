"""`scrapy crawl news -a sources=FILE`: per-site overrides applied in a real crawl.

Two fixture sites on two loopback addresses carry the same kind of promo block in
their article bodies. The sources file removes it on one site only (``remove``) and
denies one URL pattern there (``deny``); the other site is the control whose promo
text stays. A bad sources file stops the crawl with one error line naming line and
field, exit status 2 and no traceback.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl
from tests.server import FixtureServer

ARTICLES = 3


def promo(site: str, i: int) -> str:
    return (
        f"Special offer number {i} from the {site} shop: subscribe today and get the printed "
        "weekend edition delivered to your door for half the usual price this month."
    )


def make_site(root: Path, name: str, seed: int) -> None:
    """A sitemap site whose articles carry a promo block inside the article body."""
    urls = []
    slugs = [f"story-{i}" for i in range(ARTICLES)] + ["denied-live-blog-of-the-day"]
    for i, slug in enumerate(slugs):
        url = "{{BASE}}" + f"/news/{slug}"
        page = article_html(url, seed + i, site_name=name)
        block = f'<div class="promo-box"><p>{html.escape(promo(name, i))}</p></div>'
        page = page.replace("</p>\n<p>", f"</p>\n{block}\n<p>", 1)
        folder = root / "news" / slug
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(page, encoding="utf-8")
        urls.append(url)
    (root / "sitemap.xml").write_text(sitemap_xml(urls), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: {{BASE}}/sitemap.xml\n")
    (root / "index.html").write_text("<html><body><h1>Front page</h1></body></html>")


@pytest.fixture
def two_sites(tmp_path: Path) -> Iterator[tuple[FixtureServer, FixtureServer]]:
    make_site(tmp_path / "a", "Harbour Gazette", 700)
    make_site(tmp_path / "b", "Valley Courier", 800)
    a = FixtureServer(tmp_path / "a", host="127.0.0.1").start()
    b = FixtureServer(tmp_path / "b", host="127.0.0.2").start()
    yield a, b
    a.stop()
    b.stop()


def test_sources_file_removes_selected_blocks_and_denied_urls_per_site(
    tmp_path: Path, two_sites: tuple[FixtureServer, FixtureServer]
) -> None:
    a, b = two_sites
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f"""
[[site]]
name = "Harbour Gazette"
start = ["{a.base}/"]
deny = ["/denied-"]
remove = ["div.promo-box", ".no-such-element"]
languages = ["en"]

[[site]]
name = "Valley Courier"
start = ["{b.base}/"]
""",
        encoding="utf-8",
    )
    # boilerplate learning off: only the sources file may take the promo out
    result = run_crawl(tmp_path, sources=str(sources), settings={"BOILERPLATE_ENABLED": "0"})
    assert result.returncode == 0, result.log[-3000:]

    by_site = {
        a.base: [r for r in result.records if r["url"].startswith(a.base)],
        b.base: [r for r in result.records if r["url"].startswith(b.base)],
    }
    assert len(by_site[a.base]) == ARTICLES  # the denied one is not there
    assert len(by_site[b.base]) == ARTICLES + 1
    for record in by_site[a.base]:
        assert "Special offer number" not in record["text"]
        assert record["word_count"] >= 150  # the article itself is intact
    # the control site, without a remove rule, keeps its promo text
    assert all("Special offer number" in r["text"] for r in by_site[b.base])
    assert result.stat("sources/removed_elements") == ARTICLES

    # deny: the denied URL was never requested on site a, and counted
    assert a.hits("/news/denied-live-blog-of-the-day") == 0
    assert b.hits("/news/denied-live-blog-of-the-day") == 1
    assert result.stat("skip/source_filter") == 1


def test_sources_file_languages_keep_only_that_sites_languages(
    tmp_path: Path, two_sites: tuple[FixtureServer, FixtureServer]
) -> None:
    """Site a allows only German (its English articles are dropped); site b keeps all."""
    a, b = two_sites
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[site]]\nstart = ["{a.base}/"]\nlanguages = ["de"]\n\n[[site]]\nstart = ["{b.base}/"]\n',
        encoding="utf-8",
    )
    result = run_crawl(tmp_path, sources=str(sources))
    assert result.returncode == 0, result.log[-3000:]
    assert not [r for r in result.records if r["url"].startswith(a.base)]
    assert len([r for r in result.records if r["url"].startswith(b.base)]) == ARTICLES + 1
    assert result.stat("drop/language") == ARTICLES + 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[site]]\nname = "x"\nstart = ["https://example.com/"]\nmax_pages = -3\n',
            "line 4: 'max_pages' must be a positive whole number",
        ),
        (
            '[[site]]\nstart = ["https://example.com/"]\n\nremove = ["div[["]\n',
            "line 4: 'remove' selector 'div[[' is not valid CSS",
        ),
        (
            '[[site]]\nstart = ["https://example.com/"]\nlanguage = ["en"]\n',
            "line 3: unknown field 'language'",
        ),
    ],
)
def test_bad_sources_file_stops_with_line_and_field_and_no_traceback(
    tmp_path: Path, body: str, message: str
) -> None:
    sources = tmp_path / "bad.toml"
    sources.write_text(body, encoding="utf-8")
    result = run_crawl(tmp_path, sources=str(sources))
    assert result.returncode == 2
    errors = [line for line in result.log.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.log[-3000:]
    assert f"Bad sources file: {sources}, site 1, {message}" in errors[0]
    assert "Traceback" not in result.log
    assert not (result.output_dir / "news").exists()  # nothing crawled, nothing written
