"""Run report and progress line, from a real `scrapy crawl` of a small fixture site.

The site lists five distinct articles, an exact copy of one of them under
another URL (a duplicate), a section page (not an article) and a missing page
in its sitemap; article pages answer slowly so the crawl lives long enough to
log progress lines at ``LOGSTATS_INTERVAL=0.5``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crawler.extensions.report import report_fields, summarize
from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl

PROGRESS = re.compile(
    r"Fetched (\d+) pages \((\d+)/min\), wrote (\d+) records \((\d+)/min\), (\d+) skipped"
)


def small_site(serve):
    server = serve()
    urls = []
    for seed in range(1, 6):
        path = f"/news/2026/03/1{seed}/council-story-number-{seed}-about-the-harbour"
        server.route(path, article_html(server.url(path), seed))
        server.fault(path, delay=0.3)  # slow pages: the crawl outlives a progress interval
        urls.append(server.url(path))
    copy = "/news/2026/03/19/council-story-number-1-about-the-harbour-copy"
    server.route(copy, article_html(server.url(copy), 1))  # same text as the first
    server.fault(copy, delay=0.6)  # fetched after the original
    items = "".join(f'<li><a href="{u}">Story {i}</a></li>' for i, u in enumerate(urls))
    server.route(
        "/section/politics",
        f"<html><head><title>Politics</title></head><body><ul>{items}</ul></body></html>",
    )
    urls += [
        server.url(copy),
        server.url("/section/politics"),
        server.url("/news/2026/03/20/a-story-that-is-not-there-any-more"),
    ]
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.url('/sitemap.xml')}\n", "text/plain"
    )
    server.route("/", f"<html><body><h1>Harbour Gazette</h1><ul>{items}</ul></body></html>")
    return server


def test_run_writes_stats_json_beside_the_jsonl_and_logs_summary_and_progress(serve, tmp_path):
    server = small_site(serve)
    result = run_crawl(
        tmp_path,
        start=server.url("/"),
        settings={"LOGSTATS_INTERVAL": "0.5", "BOILERPLATE_HOLD": "0"},
    )
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 5

    (jsonl,) = result.files
    report_path = jsonl.with_name(jsonl.name.removesuffix(".jsonl") + ".stats.json")
    assert report_path.exists(), sorted(p.name for p in jsonl.parent.iterdir())
    report = json.loads(report_path.read_text(encoding="utf-8"))

    assert report["spider"] == "news" and report["reason"] == "finished"
    assert report["records_written"] == 5 == report["stats"]["records/written"]
    # robots.txt, the sitemap and the eight listed pages at least
    assert report["pages_fetched"] >= 9
    assert report["pages_fetched"] == report["stats"]["response_received_count"]
    assert report["duration_seconds"] > 0 and report["started"] and report["finished"]
    assert report["records_by_language"] == {"en": 5}
    assert report["records_by_site"] == {"127.0.0.1": 5}
    assert report["stats"]["records/language/en"] == 5
    assert report["stats"]["records/site/127.0.0.1"] == 5
    # every page that gave no record is counted under its reason
    assert report["skips"].get("not_article", 0) + report["skips"].get("empty_text", 0) >= 1
    assert sum(report["drops"].values()) >= 1  # the copy of the first story
    assert any("duplicate" in reason for reason in report["drops"])
    assert report["candidate_pages"] == 8  # the start page and the seven listed pages
    for reason, count in report["skips"].items():
        assert report["stats"][f"skip/{reason}"] == count

    # the human summary, in the report and in the log
    assert report["summary"].startswith("5 records written from ")
    summary_lines = [ln for ln in result.log.splitlines() if "Run summary: " in ln]
    assert len(summary_lines) == 1
    assert "5 records written from" in summary_lines[0] and "languages: en=5" in summary_lines[0]
    assert str(report_path) in summary_lines[0]

    # periodic progress lines: pages fetched and records written, with rates per minute
    progress = [tuple(map(int, m.groups())) for m in PROGRESS.finditer(result.log)]
    assert progress, result.log[-3000:]
    written = [p[2] for p in progress]
    assert written == sorted(written) and written[-1] <= 5
    assert report["stats"]["records_per_minute"] > 0


def test_report_fields_group_stats_by_reason_language_and_site():
    stats = {
        "response_received_count": 12,
        "records/written": 5,
        "elapsed_time_seconds": 3.25,
        "skip/not_article": 3,
        "skip/failed": 1,
        "drop/duplicate": 2,
        "records/language/en": 4,
        "records/language/de": 1,
        "records/site/a.example": 5,
        "discovery/pages/sitemap": 6,
        "discovery/pages/start": 1,
    }
    fields = report_fields(stats)
    assert fields["pages_fetched"] == 12 and fields["records_written"] == 5
    assert fields["duration_seconds"] == 3.25
    assert fields["skips"] == {"not_article": 3, "failed": 1}
    assert fields["drops"] == {"duplicate": 2}
    assert fields["records_by_language"] == {"en": 4, "de": 1}
    assert fields["records_by_site"] == {"a.example": 5}
    assert summarize(stats) == (
        "5 records written from 12 pages fetched (7 candidate articles) in 3.2s; "
        "drops and skips: "
        "skip/not_article=3, drop/duplicate=2, skip/failed=1; languages: en=4, de=1; "
        "sites: a.example=5"
    )


def test_report_is_not_written_when_switched_off(serve, tmp_path: Path):
    server = serve()
    path = "/news/2026/03/11/council-story-number-1-about-the-harbour"
    server.route(path, article_html(server.url(path), 1))
    result = run_crawl(tmp_path, start=server.url(path), settings={"RUN_REPORT": "0"})
    assert result.returncode == 0, result.log[-2000:]
    assert not list((result.output_dir / "news").glob("*.stats.json"))
    assert "Run summary" not in result.log
