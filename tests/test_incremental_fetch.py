"""End-to-end incremental fetch: known articles are not requested again unless the site
says they changed (newer sitemap lastmod, newer feed date); then the request is
conditional, and a 304 answer emits nothing.

Consecutive real `scrapy crawl` runs share one SQLite state store; the fixture
site is a copy in tmp_path so a test can change a sitemap, a feed or an article.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SITES, CrawlResult, run_crawl

pytest.importorskip("crawler.runtime.state.sqlite")


def copy_site(tmp_path: Path, name: str) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITES / name, root)
    return root


def crawl(tmp_path: Path, run: str, start: str, **args: str) -> CrawlResult:
    """One run with its own output folder and the test's shared state store."""
    return run_crawl(
        tmp_path / run,
        settings={
            "STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
            "OUTPUT_DIR": str(tmp_path / run / "output"),
        },
        start=start,
        **args,
    )


def set_lastmod(sitemap: Path, path: str, lastmod: str) -> None:
    text = sitemap.read_text(encoding="utf-8")
    pattern = re.compile(r"(" + re.escape(path) + r"\s*</loc>\s*<lastmod>)[^<]*(</lastmod>)")
    new, count = pattern.subn(rf"\g<1>{lastmod}\g<2>", text)
    assert count == 1
    sitemap.write_text(new, encoding="utf-8")


ARTICLE_PATHS = {
    "story-1": "/news/2026/02/story-1-council-report.html",
    "story-3": "/news/2026/02/story-3-budget-report.html",
}


def test_second_run_requests_no_known_article_and_lastmod_triggers_refetch(
    serve, tmp_path: Path
) -> None:
    root = copy_site(tmp_path, "sitemap_index")
    server = serve(root=root)
    start = server.url("/")

    first = crawl(tmp_path, "run1", start)
    assert first.returncode == 0, first.log[-4000:]
    assert len(first.records) == 6
    ids = {r["url"][len(server.base) :]: r["id"] for r in first.records}
    article_paths = set(ids)

    # Run 2, nothing changed: no article page is requested again.
    server.clear()
    second = crawl(tmp_path, "run2", start)
    assert second.returncode == 0, second.log[-4000:]
    assert second.records == []
    assert second.stat("skip/known_url") == 6
    assert not article_paths & set(server.paths())
    assert server.hits("/maps/index.xml") == 1  # sitemaps are fetched every run

    # Run 3: a newer lastmod, same page: a conditional request answered 304.
    sitemap = root / "maps" / "posts-2026-02.xml"
    set_lastmod(sitemap, ARTICLE_PATHS["story-1"], "2026-04-01T12:00:00Z")
    server.clear()
    third = crawl(tmp_path, "run3", start)
    assert third.returncode == 0, third.log[-4000:]
    assert third.records == []
    assert third.stat("skip/not_modified") == 1
    assert third.stat("skip/known_url") == 5
    (hit,) = [h for h in server.requests if h.path == ARTICLE_PATHS["story-1"]]
    assert hit.status == 304
    assert "If-None-Match" in hit.headers or "If-Modified-Since" in hit.headers

    # Run 4: a newer lastmod and a changed article: emitted again as version 2, same id.
    set_lastmod(sitemap, ARTICLE_PATHS["story-3"], "2026-04-02T12:00:00Z")
    article = root / ARTICLE_PATHS["story-3"].lstrip("/")
    html = article.read_text(encoding="utf-8")
    article.write_text(
        html.replace(
            "</article>",
            "<p>Update: after publication, the council confirmed that a second vote on the "
            "plan will take place next month, once the auditors have delivered their report "
            "on the revised cost estimates and the public consultation has closed.</p>"
            "</article>",
        ),
        encoding="utf-8",
    )
    server.clear()
    fourth = crawl(tmp_path, "run4", start)
    assert fourth.returncode == 0, fourth.log[-4000:]
    (record,) = fourth.records
    assert record["url"] == server.url(ARTICLE_PATHS["story-3"])
    assert record["id"] == ids[ARTICLE_PATHS["story-3"]]
    assert record["version"] == 2
    assert "second vote" in record["text"]
    assert fourth.stat("skip/known_url") == 5  # story-1's lastmod is stored now


def test_newer_feed_date_triggers_conditional_refetch(serve, tmp_path: Path) -> None:
    root = copy_site(tmp_path, "feed_only")
    server = serve(root=root)
    start = server.url("/")
    first = crawl(tmp_path, "run1", start)
    assert first.returncode == 0, first.log[-4000:]
    assert len(first.records) == 6

    atom = root / "atom.xml"
    text = atom.read_text(encoding="utf-8")
    # The first Atom entry (the third article, also in the RSS feed) gets a newer date.
    atom.write_text(
        text.replace(
            "<updated>2026-03-12T08:00:00Z</updated>", "<updated>2026-04-10T09:00:00Z</updated>"
        ),
        encoding="utf-8",
    )
    server.clear()
    second = crawl(tmp_path, "run2", start)
    assert second.returncode == 0, second.log[-4000:]
    assert second.records == []
    assert second.stat("skip/not_modified") == 1
    assert second.stat("skip/known_url") >= 5
    refetched = [h for h in server.requests if h.path.startswith("/stories/")]
    assert [(h.path, h.status) for h in refetched] == [
        ("/stories/clinic-update-from-the-valley-3.html", 304)
    ]
