"""`scrapy preview`: the record one page gives, and what was removed from it and why.

Runs the real command (``python -m scrapy preview``) against pages a fixture
server serves on 127.0.0.1 and against a local file; the learned site
boilerplate comes from a real SQLite state store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract.explain import PreviewConfig, build_preview, page_blocks
from crawler.extract.record import ExtractOptions, build_record, parse_html
from crawler.items import FetchedPage
from crawler.runtime.state import open_store
from crawler.text.site_lines import block_key
from tests.articles import REPORTERS, article_html, article_text
from tests.conftest import ROOT

ARTICLE = "/news/2026/03/12/harbour-ferry-plan-approved-after-vote.html"
#: Chrome inside the article container, one line per clean-up rule we expect to see.
SITE_PROMO = "Follow the Harbour Gazette on social media for more updates."
IN_BODY_CHROME = (
    '<h3>Share this story</h3>\n<p>Read more: <a href="/section/politics">Council news</a></p>\n'
)


def article_page(url: str, seed: int = 5) -> str:
    page = article_html(url, seed)
    page = page.replace('<p class="byline">', f'<p>{SITE_PROMO}</p>\n<p class="byline">')
    return page.replace("</article>", IN_BODY_CHROME + "</article>")


def listing_page() -> str:
    items = "".join(
        f'<li><a href="/news/2026/03/{i}/story-{i}-about-the-harbour-plan">Story {i}</a></li>'
        for i in range(1, 25)
    )
    return (
        "<html><head><title>Politics</title></head>"
        f"<body><h1>Politics</h1><ul>{items}</ul></body></html>"
    )


def preview(*args: str, state: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "preview", *args, "-s", "RETRY_TIMES=0"]
    if state is not None:
        cmd += ["-s", f"STATE_URL=sqlite:///{state}"]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


@pytest.fixture
def site(serve):
    server = serve()
    server.route(ARTICLE, article_page(server.url(ARTICLE)))
    server.route("/section/politics", listing_page())
    return server


@pytest.fixture
def learned_state(tmp_path: Path) -> Path:
    """A state store in which earlier crawls learned the site's promo line."""
    path = tmp_path / "state.sqlite3"
    store = open_store(f"sqlite:///{path}")
    store.save_blocks("127.0.0.1", 10, {block_key(SITE_PROMO) or "": 9})
    store.commit()
    store.close()
    return path


def test_preview_of_fetched_article_lists_removed_blocks_with_their_rules(site, learned_state):
    proc = preview(site.url(ARTICLE), "--removed", state=learned_state)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    headline, paras = article_text(5)
    assert f"Title:     {headline}" in out or f"Title:       {headline}" in out
    assert "Language:" in out and " en (" in out
    assert paras[0] in out and paras[-1] in out
    assert site.hits(ARTICLE) == 1  # one real download, no robots.txt request
    assert site.hits("/robots.txt") == 0
    removed = out.split("Removed blocks", 1)[1]
    # a user can find every stripped chrome line, and the rule that stripped it
    assert "[trafilatura] We use cookies to improve your experience. Accept all" in removed
    assert "[link_only_line] Read more: Council news" in removed
    assert "[edge_chrome] Share this story" in removed
    assert f"[site_block] {SITE_PROMO}" in removed
    assert f"[byline] By {REPORTERS[5 % len(REPORTERS)]}" in removed
    body = out.split("Removed blocks", 1)[0]
    assert SITE_PROMO not in body and "Share this story" not in body
    # the legend explains each rule that fired
    assert "Rules:" in removed and "site_block " in removed.split("Rules:")[1]


def test_preview_json_of_local_file_has_the_record_shape(tmp_path: Path):
    url = "https://harbour.example/news/2026/03/12/ferry-plan-approved-after-vote"
    page = tmp_path / "page.html"
    page.write_text(article_page(url, seed=8), encoding="utf-8")
    proc = preview(str(page), "--json", "--removed", "--url", url, state=tmp_path / "none.db")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    headline, paras = article_text(8)
    assert record["title"] == headline
    assert record["canonical_url"] == url and record["site"] == "harbour.example"
    assert record["language"] == "en" and record["authors"] == [REPORTERS[8 % len(REPORTERS)]]
    assert record["published"].startswith("2026-")
    assert paras[0] in record["text"] and paras[-1] in record["text"]
    assert record["word_count"] > 100
    rules = {(r["rule"], r["text"]) for r in record["removed"]}
    assert ("edge_chrome", "Share this story") in rules
    # no learned state for this site: the promo line stays (as in a first crawl)
    assert SITE_PROMO in record["text"]
    assert not (tmp_path / "none.db").exists()  # a preview never creates a state store


def test_preview_json_prints_one_jsonl_line(site, tmp_path: Path):
    proc = preview(site.url(ARTICLE), "--json", "--removed", state=tmp_path / "none.db")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout[:500]
    record = json.loads(lines[0])
    assert record["canonical_url"] == site.url(ARTICLE) and record["removed"]


def test_preview_of_a_listing_page_says_it_is_not_an_article(site):
    proc = preview(site.url("/section/politics"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Not an article: skip/")
    assert "A crawl writes no record for this page." in proc.stdout
    as_json = json.loads(preview(site.url("/section/politics"), "--json").stdout)
    assert as_json["article"] is False and as_json["skip"].startswith("skip/")


def test_preview_of_unreachable_url_exits_1_with_the_error(tmp_path: Path, serve):
    server = serve()
    port = server.port
    server.stop()  # connection refused from now on
    proc = preview(f"http://127.0.0.1:{port}/news/2026/01/01/some-story-here", state=tmp_path / "s")
    assert proc.returncode == 1
    assert "Could not fetch" in proc.stderr and "refused" in proc.stderr.lower()


# --- pure parts -------------------------------------------------------------------


def test_page_blocks_split_at_block_elements_and_skip_invisible_text():
    tree = parse_html(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<div>Lead text <b>bold</b> end<p>Para one.</p>tail text</div>"
        '<div hidden>secret</div><div style="display: none">hidden too</div>'
        "<script>var x=1;</script><footer><p>Copyright.</p><a>About</a> <a>Contact</a></footer>"
        "</body></html>"
    )
    assert tree is not None
    assert page_blocks(tree) == [
        "Lead text bold end",
        "Para one.",
        "tail text",
        "Copyright.",
        "About Contact",
    ]


def test_explain_does_not_change_the_record():
    url = "https://harbour.example/news/2026/03/12/ferry-plan-approved-after-vote"
    page = FetchedPage(url=url, html=article_page(url, 3), fetched_at="2026-03-12T08:00:00Z")

    plain = build_record(page, ExtractOptions())
    explained = build_record(page, ExtractOptions(explain=True))
    assert "removed" not in plain.crawl_meta
    assert explained.crawl_meta.pop("removed")
    assert plain == explained
    result = build_preview(page, PreviewConfig())
    assert result.record is not None and result.record.text == plain.text


def test_clean_up_rules_name_each_line_they_removed():
    url = "https://harbour.example/news/2026/03/12/ferry-plan-approved-after-vote"
    headline, paras = article_text(4)
    lead = paras[0].split(". ")[0] + "."  # a standfirst that the first paragraph repeats
    html = article_html(url, 4).replace(
        '<p class="byline">',
        f'<p class="standfirst">{lead}</p>\n<p>Updated 12/03/2026 08:00</p>\n<p class="byline">',
    )
    result = build_preview(FetchedPage(url=url, html=html, fetched_at="x"), PreviewConfig())
    assert result.record is not None
    removed = {(r["rule"], r["text"]) for r in result.removed}
    assert ("repeated_headline", headline) in removed
    assert ("date_stamp", "Updated 12/03/2026 08:00") in removed
    assert ("duplicate_lead", lead) in removed
    assert ("trafilatura", "We use cookies to improve your experience. Accept all") in removed
    assert result.record.text.count(lead) == 1
    # a removed line is not in the text (the repeated lead stays once)
    for rule, text in removed:
        if rule not in {"duplicate_lead", "title"}:
            assert text not in result.record.text, (rule, text)
