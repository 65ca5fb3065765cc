"""`scrapy crawl`'s exit status and its checks before crawling, end to end.

Every case runs `scrapy crawl` in a subprocess against fixture servers on
127.0.0.1 (or a port nothing listens on) and asserts the exact exit status, the
one line that says what is wrong, and that no traceback was printed for an
expected failure. The codes are ``crawler/runtime/outcome.py``'s, documented in the
README's "Exit status" table.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crawler.runtime import outcome
from tests.articles import route_news_site
from tests.conftest import CrawlResult, run_crawl

FAST = {"BOILERPLATE_HOLD": "0", "RETRY_BACKOFF_BASE": "0.1"}


def closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def news_site(serve: Any, articles: int = 3) -> Any:
    """A site whose sitemap lists ``articles`` articles."""
    server = serve()
    paths = [f"/news/2026/03/1{n}/harbour-council-story-number-{n}" for n in range(1, articles + 1)]
    route_news_site(server, paths)
    return server


def error_lines(result: CrawlResult) -> list[str]:
    return [line for line in result.log.splitlines() if " ERROR: " in line]


def assert_usage_error(result: CrawlResult, message: str) -> None:
    """Exit status 2, one ERROR line with ``message``, no traceback, nothing crawled."""
    assert result.returncode == outcome.EXIT_USAGE, result.log[-3000:]
    errors = error_lines(result)
    assert len(errors) == 1, result.log[-3000:]
    assert message in errors[0], errors[0]
    assert "Traceback" not in result.log
    assert "Spider opened" not in result.log  # stopped before crawling
    assert not list(result.output_dir.glob("news/*.stats.json"))


# ------------------------------------------------------------------ the run's outcome


def test_normal_crawl_exits_0_and_a_rerun_with_nothing_new_exits_0(serve, tmp_path: Path):
    server = news_site(serve)
    first = run_crawl(tmp_path, start=server.url("/"), settings=FAST)
    assert first.returncode == outcome.EXIT_OK, first.log[-3000:]
    assert len(first.records) == 3
    assert first.stats["run/exit_code"] == 0 and first.stats["run/outcome"] == "ok"
    assert first.stats["run/start_sites"] == 1 and first.stats["run/sites_failed"] == 0

    again = run_crawl(tmp_path, start=server.url("/"), settings=FAST)
    assert again.returncode == outcome.EXIT_OK, again.log[-3000:]
    assert len(again.records) == 3  # the first run's file; nothing new written
    assert again.stat("skip/known_url") == 3
    assert "Exit status" not in again.log and "Traceback" not in again.log


@pytest.mark.parametrize(
    ("scheme", "reason"),
    [("http", outcome.CONNECTION_REFUSED), ("https", outcome.TLS_FAILED)],
)
def test_unreachable_start_site_exits_3_naming_the_site_and_reason(
    serve, tmp_path: Path, scheme: str, reason: str
):
    # https to a plain-HTTP server fails in the TLS handshake; a closed port refuses
    port = serve().port if scheme == "https" else closed_port()
    start = f"{scheme}://127.0.0.1:{port}/"
    result = run_crawl(tmp_path, start=start, settings=FAST, timeout=60)
    assert result.returncode == outcome.EXIT_ALL_SITES_FAILED, result.log[-3000:]
    line = f"1 of 1 start sites failed: 127.0.0.1 ({reason})"
    assert f"Exit status 3: {line}" in error_lines(result)[-1]
    (summary,) = [ln for ln in result.log.splitlines() if "Run summary: " in ln]
    assert line in summary
    assert result.stats["run/failed_site/127.0.0.1"] == reason
    assert result.stats["run/exit_code"] == 3 and result.stats["run/outcome"] == "all_sites_failed"
    assert "Traceback" not in result.log
    # the other requests of a host that never answered are tried once, not retried, or
    # not at all: a robots.txt that cannot be downloaded disallows the site (RFC 9309)
    assert result.stat("retry/unreachable_host") + result.stat("robotstxt/forbidden") >= 3
    assert result.stat("robotstxt/unreachable") == 1


def test_site_answering_500_everywhere_exits_3(serve, tmp_path: Path):
    server = serve()
    for path in ("/robots.txt", "/sitemap.xml", "/sitemap_index.xml", "/"):
        server.fault(path, status=500, body=b"Internal Server Error")
    result = run_crawl(tmp_path, start=server.url("/"), settings=FAST)
    assert result.returncode == outcome.EXIT_ALL_SITES_FAILED, result.log[-3000:]
    assert "Exit status 3: 1 of 1 start sites failed: 127.0.0.1 (HTTP 500)" in result.log
    assert result.stats["run/failed_site/127.0.0.1"] == "HTTP 500"
    assert "Traceback" not in result.log


def test_one_of_two_sites_down_writes_the_good_sites_records_and_exits_4(serve, tmp_path: Path):
    good = news_site(serve)
    down = f"http://localhost:{closed_port()}/"  # another host than 127.0.0.1
    result = run_crawl(tmp_path, start=f"{good.url('/')},{down}", settings=FAST, timeout=60)
    assert result.returncode == outcome.EXIT_SOME_SITES_FAILED, result.log[-3000:]
    assert len(result.records) == 3  # the good site's records are written
    assert {r["site"] for r in result.records} == {"127.0.0.1"}
    assert "Exit status 4: 1 of 2 start sites failed: localhost (connection refused)" in (
        result.log
    )
    assert result.stats["run/sites_failed"] == 1 and result.stats["run/start_sites"] == 2
    assert "Traceback" not in result.log


def test_disk_full_while_writing_exits_5(serve, tmp_path: Path):
    disk = tmp_path / "small-disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        server = news_site(serve, articles=8)
        result = run_crawl(
            tmp_path, start=server.url("/"), settings={**FAST, "OUTPUT_DIR": str(disk)}
        )
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert result.returncode == outcome.EXIT_OUTPUT_FAILED, result.log[-3000:]
    assert "Exit status 5: records could not be written" in result.log
    assert "Traceback" not in result.log


# --------------------------------------------------------------- checked before crawling


def test_unwritable_output_dir_exits_2_before_crawling(serve, tmp_path: Path):
    server = news_site(serve)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_crawl(
        tmp_path, start=server.url("/"), settings={"OUTPUT_DIR": str(blocker / "out")}
    )
    assert_usage_error(
        result, f"OUTPUT_DIR={blocker / 'out'}: {blocker / 'out'} cannot be a folder: "
    )
    assert "set OUTPUT_DIR to a folder this user may write to" in result.log
    assert server.paths() == []


@pytest.mark.parametrize(
    ("state_url", "message"),
    [
        ("sqlite:///{tmp}/a-file/state.sqlite3", "{tmp}/a-file is a file"),
        ("sqlite:///{tmp}/a-file", "is not a SQLite database"),
        ("mysql://localhost/state", "scheme 'mysql' is not supported"),
        ("sqlite://state.sqlite3", "a SQLite URL needs three slashes"),
        ("redis://127.0.0.1:{port}/0", "Redis does not answer"),
    ],
)
def test_bad_state_url_exits_2_naming_state_url(
    serve, tmp_path: Path, state_url: str, message: str
):
    server = news_site(serve)
    (tmp_path / "a-file").write_text("not a folder, not a database")
    url = state_url.format(tmp=tmp_path, port=closed_port())
    settings = {"STATE_URL": url, "DISTRIBUTED_REDIS_RETRY": "0"}
    result = run_crawl(tmp_path, start=server.url("/"), settings=settings)
    assert_usage_error(result, f"STATE_URL={url}: ")
    assert message.format(tmp=tmp_path) in result.log
    assert server.paths() == []


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("notaurl", "-a start=notaurl: 'notaurl' is not a host name; give a site's address"),
        ("ftp://files.example.com/", "-a start=ftp://files.example.com/: not an http(s) URL"),
    ],
)
def test_start_that_is_not_a_site_address_exits_2(tmp_path: Path, start: str, message: str):
    assert_usage_error(run_crawl(tmp_path, start=start), message)


def test_non_numeric_max_pages_exits_2(serve, tmp_path: Path):
    server = news_site(serve)
    result = run_crawl(tmp_path, start=server.url("/"), max_pages="abc")
    assert_usage_error(result, "-a max_pages=abc: not a whole number; give one")
    assert server.paths() == []


def test_non_numeric_setting_exits_2(serve, tmp_path: Path):
    server = news_site(serve)
    result = run_crawl(tmp_path, start=server.url("/"), settings={"DOWNLOAD_DELAY": "slow"})
    assert_usage_error(result, "-s DOWNLOAD_DELAY=slow: not a number")


def test_unknown_spider_exits_2_listing_the_spiders(tmp_path: Path):
    result = run_crawl(tmp_path, spider="newz", start="https://www.example.com/")
    assert_usage_error(
        result, "no spider named 'newz'; did you mean news? the spiders are: archive, news, warc"
    )


def test_missing_warc_archive_exits_2(tmp_path: Path):
    missing = tmp_path / "nothing.warc.gz"
    result = run_crawl(tmp_path, spider="warc", path=str(missing))
    assert_usage_error(result, f"-a path={missing}: {missing} does not exist")


def test_mistyped_setting_warns_with_the_closest_name_and_the_crawl_runs(serve, tmp_path: Path):
    server = news_site(serve)
    result = run_crawl(
        tmp_path,
        start=server.url("/"),
        settings={**FAST, "EXTRACT_WORKRS": "2", "REDIS_HOST": "localhost"},
        max_page="5",
    )
    assert result.returncode == outcome.EXIT_OK, result.log[-3000:]
    assert len(result.records) == 3
    warnings = [ln for ln in result.log.splitlines() if " WARNING: " in ln]
    assert any(
        "-s EXTRACT_WORKRS: no Scrapy component, add-on or Cleanwire setting reads EXTRACT_WORKRS"
        in ln
        and "did you mean EXTRACT_WORKERS?" in ln
        for ln in warnings
    ), warnings
    assert any("-a max_page:" in ln and "did you mean max_pages?" in ln for ln in warnings)
    assert not any("REDIS_HOST" in ln for ln in warnings)  # read by scrapy-redis
