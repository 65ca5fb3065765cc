"""A pooled crawl writes the same records as a single-process crawl.

Extraction in worker processes must not change the output: same articles, same
text, titles, metadata, hashes and languages, whatever order the pages finish in.
"""

from __future__ import annotations

from typing import Any

from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl


def _site(serve: Any) -> Any:
    server = serve()
    urls = [server.url(f"/news/2026/story-{i}.html") for i in range(14)]
    for seed, url in enumerate(urls):
        server.route(url[len(server.base) :], article_html(url, seed=100 + seed))
    listing = "".join(f'<li><a href="{u}">Story {i}</a></li>' for i, u in enumerate(urls))
    server.route(
        "/section/news",
        f"<html><head><title>News</title></head><body><h1>News</h1><ul>{listing}</ul></body></html>",
    )
    sitemap_urls = [*urls, server.url("/section/news")]
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.base}/sitemap.xml\n", "text/plain"
    )
    server.route("/sitemap.xml", sitemap_xml(sitemap_urls), "application/xml")
    server.route("/", "<html><head><title>Home</title></head><body><h1>Home</h1></body></html>")
    return server


def _comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in r.items() if k != "fetched_at"} for r in records),
        key=lambda r: r["url"],
    )


def test_pooled_crawl_writes_the_same_records_as_a_single_process_crawl(tmp_path, serve) -> None:
    server = _site(serve)
    single = run_crawl(
        tmp_path / "single", start=server.url("/"), settings={"EXTRACT_WORKERS": "1"}
    )
    pooled = run_crawl(
        tmp_path / "pooled", start=server.url("/"), settings={"EXTRACT_WORKERS": "2"}
    )
    assert single.returncode == 0, single.log[-3000:]
    assert pooled.returncode == 0, pooled.log[-3000:]
    assert len(single.records) == 14
    assert _comparable(pooled.records) == _comparable(single.records)
    assert pooled.stat("skip/extract_crashed") == 0
    assert pooled.stat("skip/extract_timeout") == 0
    skips = {k: v for k, v in single.stats.items() if k.startswith(("skip/", "drop/"))}
    assert {k: v for k, v in pooled.stats.items() if k.startswith(("skip/", "drop/"))} == skips
