"""The crawl log a person reads in a cron mail: short at INFO, everything at DEBUG.

Real ``scrapy crawl`` runs against fixture sites on 127.0.0.1: a normal
three-article site, an unreachable start site, and a site whose every article
page fails. The filters themselves (``crawler/addons/quiet_startup.py`` and
``crawler/extensions/site_failures.py``) are also checked on bare log records.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request

from crawler.addons.quiet_startup import ScrapyDumpsAtDebug
from crawler.extensions.site_failures import FailureFilter, SiteFailures
from tests.articles import route_news_site, sitemap_xml
from tests.conftest import run_crawl

pytestmark = pytest.mark.slow  # end-to-end crawls

MAX_LINES = 40
#: Scrapy's INFO dumps that move to DEBUG: component lists, settings, versions, stats
DUMPS = (
    "Enabled addons:",
    "Enabled extensions:",
    "Enabled downloader middlewares:",
    "Enabled spider middlewares:",
    "Enabled item pipelines:",
    "Overridden settings:",
    "Versions:",
    "Dumping Scrapy stats:",
)
FAILURE_LINE = re.compile(r"\] (?:ERROR|WARNING|INFO): (?:Gave up retrying|Error downloading) <")
DIGEST = re.compile(
    r"WARNING: (\S+): (\d+) more download failure lines? not logged "
    r"\((\d+) in all, for (\d+) URLs?; LOG_FAILURES_PER_SITE=1\)"
)


def three_article_site(serve: Any) -> Any:
    server = serve()
    paths = [f"/news/2026/03/1{n}/council-story-number-{n}-about-the-harbour" for n in (1, 2, 3)]
    route_news_site(server, paths)
    return server


def test_normal_crawl_log_is_short_and_has_the_run_summary(serve, tmp_path: Path) -> None:
    server = three_article_site(serve)
    result = run_crawl(tmp_path, start=server.url("/"))
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 3
    lines = result.log.splitlines()
    assert len(lines) <= MAX_LINES, result.log
    assert len([ln for ln in lines if "Run summary: 3 records written" in ln]) == 1
    assert any("Spider opened" in ln for ln in lines)
    assert not [d for d in DUMPS if d in result.log], result.log
    assert not [ln for ln in lines if ln.startswith((" '", "{'"))]  # no pformat'ed dicts
    # the stats are still all in <run>.stats.json
    assert result.stats["records/written"] == 3 and "response_received_count" in result.stats


def test_debug_level_still_logs_scrapys_component_lists_settings_and_stats(
    serve, tmp_path: Path
) -> None:
    server = three_article_site(serve)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.log[-3000:]
    for dump in DUMPS:
        assert f"DEBUG: {dump}" in result.log, dump
    assert "'records/written': 3" in result.log  # the stats dict itself
    assert "Run summary: 3 records written" in result.log


def test_startup_details_setting_keeps_scrapys_dumps_at_info(serve, tmp_path: Path) -> None:
    server = three_article_site(serve)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"LOG_STARTUP_DETAILS": "1"})
    assert result.returncode == 0, result.log[-3000:]
    for dump in DUMPS:
        assert f"INFO: {dump}" in result.log, dump


def test_unreachable_start_site_logs_one_failure_and_no_traceback(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, start="http://127.0.0.1:9/", settings={"RETRY_BACKOFF_BASE": "0"})
    lines = result.log.splitlines()
    assert len(lines) <= MAX_LINES, result.log
    assert "Traceback" not in result.log
    failures = [ln for ln in lines if FAILURE_LINE.search(ln)]
    assert len(failures) == 1, result.log
    assert "Connection was refused" in failures[0]
    # robots.txt fails twice at least (its download, then the robots middleware's
    # report of it); how many other requests get that far depends on timing, since
    # Scrapy stops retrying a host it found unreachable
    ((site, not_logged, total, urls),) = DIGEST.findall(result.log)
    assert site == "127.0.0.1:9" and int(total) >= 2 and int(urls) >= 1
    assert int(not_logged) == int(total) - 1 == result.stats["log/failures_not_logged"]
    assert "Run summary: 0 records written" in result.log


def test_site_whose_pages_all_fail_is_reported_once_per_site_with_a_count(
    serve, tmp_path: Path
) -> None:
    """Six article pages answer 503 on one site; a second start site is down altogether."""
    server = serve()
    urls = []
    for n in range(6):
        path = f"/news/2026/04/0{n + 1}/a-story-that-fails-number-{n}"
        server.fault(path, status=503)
        urls.append(server.url(path))
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.url('/sitemap.xml')}\n", "text/plain"
    )
    server.route("/", "<html><body><h1>Harbour Gazette</h1></body></html>")
    down = serve()
    down_site = f"127.0.0.1:{down.port}"
    down.stop()  # connection refused from now on

    result = run_crawl(
        tmp_path,
        start=f"{server.url('/')},http://{down_site}/",
        settings={"RETRY_BACKOFF_BASE": "0"},
    )
    # (the exit status of a run with a failed site is tests/test_exit_status.py's business)
    lines = result.log.splitlines()
    assert "Traceback" not in result.log
    assert len(lines) <= MAX_LINES, result.log
    failures = [ln for ln in lines if FAILURE_LINE.search(ln)]
    by_site = {
        site: sum(1 for ln in failures if f"//{site}/" in ln)
        for site in (
            f"127.0.0.1:{server.port}",
            down_site,
        )
    }
    assert by_site == {f"127.0.0.1:{server.port}": 1, down_site: 1}, failures
    # (not logged, in all, URLs) per site
    digests = {site: tuple(map(int, counts)) for site, *counts in DIGEST.findall(result.log)}
    assert digests[f"127.0.0.1:{server.port}"] == (5, 6, 6)  # six pages, the first logged
    assert digests[down_site][0] >= 1
    assert result.stats["log/failures_not_logged"] == sum(d[0] for d in digests.values())
    assert result.stats["skip/failed"] >= 6


# ------------------------------------------------------------------ the filters


def _record(
    logger: str, msg: str, args: Any = None, level: int = logging.ERROR
) -> logging.LogRecord:
    return logging.LogRecord(logger, level, __file__, 1, msg, args, None)


def test_dumps_filter_relevels_only_scrapys_dumps() -> None:
    f = ScrapyDumpsAtDebug(("Enabled %(componentname)ss:",))
    dump = _record("scrapy.middleware", "Enabled %(componentname)ss:\n%(enabledlist)s", level=20)
    warning = _record("scrapy.middleware", "Disabled %(clspath)s: %(eargs)s", level=30)
    assert f.filter(dump) and dump.levelno == logging.DEBUG and dump.levelname == "DEBUG"
    assert f.filter(warning) and warning.levelno == logging.WARNING


def test_failure_filter_logs_the_first_failure_per_site_and_counts_the_rest() -> None:
    sites: dict[str, SiteFailures] = {}
    f = FailureFilter(("Gave up retrying ",), sites, per_site=1, keep_tracebacks=False)
    msg = "Gave up retrying %(request)s (failed %(retry_times)d times): %(reason)s"
    try:
        raise ConnectionRefusedError("refused")
    except ConnectionRefusedError:
        exc_info = sys.exc_info()
    records = []
    for host, path in [("a.example", "/1"), ("a.example", "/2"), ("b.example", "/1")]:
        record = _record(
            "scrapy.downloadermiddlewares.retry",
            msg,
            {"request": Request(f"https://{host}{path}"), "retry_times": 3, "reason": "x"},
        )
        record.exc_info = exc_info
        records.append(record)
        assert f.filter(record)  # nothing is dropped: later ones go to DEBUG
    assert [r.levelno for r in records] == [logging.ERROR, logging.DEBUG, logging.ERROR]
    assert records[0].exc_info is None  # a network error's traceback says nothing
    assert records[1].exc_info is not None  # kept for LOG_LEVEL=DEBUG
    assert sites["a.example"].not_logged == 1 and len(sites["a.example"].urls) == 2
    assert sites["b.example"].not_logged == 0
    other = _record("scrapy.downloadermiddlewares.retry", "Retrying %(request)s", {})
    assert f.filter(other) and other.levelno == logging.ERROR
