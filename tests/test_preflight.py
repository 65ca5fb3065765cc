"""The checks before crawling and the run's outcome, as plain functions.

``crawler/runtime/preflight.py`` (arguments, settings, output and state) and
``crawler/runtime/outcome.py`` (failure reasons, failed sites, exit status);
``tests/test_exit_status.py`` runs the same cases through `scrapy crawl`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from scrapy.settings import default_settings
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefusedError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler import settings as project_settings
from crawler.runtime import outcome, preflight
from tests.redis_server import RedisServer, free_port, redis_server  # noqa: F401  (fixture)

# ----------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "host",
    [
        "www.example.com",
        "example.co.uk",
        "127.0.0.1",
        "[::1]",
        "localhost",
        "bücher.de",
        "xn--bcher-kva.de",
    ],
)
def test_plausible_hosts(host: str) -> None:
    assert preflight.plausible_host(host)


@pytest.mark.parametrize("host", ["", "notaurl", "example.", "-bad-.com", "a..com", "1.2.3.999"])
def test_implausible_hosts(host: str) -> None:
    assert not preflight.plausible_host(host)


def test_start_urls_accept_sites_with_or_without_scheme() -> None:
    value = "https://www.example.com/, http://127.0.0.1:8080/news/,example.org/feed/"
    assert preflight.check_start_urls(value) == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("notaurl", "-a start=notaurl: 'notaurl' is not a host name; give a site's address"),
        ("ftp://a.example/", "-a start=ftp://a.example/: not an http(s) URL;"),
        ("http://a.example:99999/", "the port is not a number from 0 to 65535"),
        ("https:///path", "-a start=https:///path: there is no host name;"),
    ],
)
def test_bad_start_urls_are_named_with_what_to_do(value: str, problem: str) -> None:
    (found,) = preflight.check_start_urls(f"https://good.example/,{value}")
    assert problem in found
    assert found.endswith("e.g. -a start=https://www.example.com/")


@pytest.mark.parametrize(
    ("value", "problem"),
    [("abc", "not a whole number"), ("0", "must be above 0"), ("-3", "must be above 0")],
)
def test_numeric_arguments(value: str, problem: str) -> None:
    assert preflight.check_positive_int("max_pages", "200") == []
    (found,) = preflight.check_positive_int("max_pages", value)
    assert found.startswith(f"-a max_pages={value}: {problem}")


def test_archive_paths_must_exist_and_globs_match(tmp_path: Path) -> None:
    archive = tmp_path / "a.warc.gz"
    archive.write_bytes(b"")
    assert preflight.check_archive_paths(f"{archive},{tmp_path}/*.warc.gz") == []
    assert preflight.check_archive_paths(f"file://{archive}") == []
    problems = preflight.check_archive_paths(f"{tmp_path}/missing.warc,{tmp_path}/*.arc")
    assert [p.split(":")[0] for p in problems] == [
        f"-a path={tmp_path}/missing.warc",
        f"-a path={tmp_path}/*.arc",
    ]
    assert "does not exist" in problems[0] and "no file matches" in problems[1]
    assert "no archive given" in preflight.check_archive_paths("")[0]


# ------------------------------------------------------------------------ settings


def test_output_dir_is_created_and_must_be_writable(tmp_path: Path) -> None:
    assert preflight.check_output_dir(str(tmp_path / "out" / "deeper")) == []
    assert (tmp_path / "out" / "deeper").is_dir()
    assert not list((tmp_path / "out" / "deeper").iterdir())  # the write probe is gone
    (tmp_path / "file").write_text("x")
    (problem,) = preflight.check_output_dir(str(tmp_path / "file" / "out"))
    assert problem == (
        f"OUTPUT_DIR={tmp_path}/file/out: {tmp_path}/file/out cannot be a folder: "
        f"{tmp_path}/file is a file; set OUTPUT_DIR to a folder this user may write to"
    )
    assert "OUTPUT_DIR is empty" in preflight.check_output_dir("")[0]


def test_state_url_schemes_and_files(tmp_path: Path) -> None:
    assert preflight.check_state_url(f"sqlite:///{tmp_path}/state/s.sqlite3") == []
    (tmp_path / "junk").write_text("not a database")
    cases = {
        "mysql://localhost/db": "scheme 'mysql' is not supported",
        "state.sqlite3": "is not a store URL",
        "sqlite://state.sqlite3": "a SQLite URL needs three slashes",
        f"sqlite:///{tmp_path}/junk/s.sqlite3": f"{tmp_path}/junk is a file",
        f"sqlite:///{tmp_path}/junk": "is not a SQLite database",
        f"sqlite:///{tmp_path}": "is not a file",
        "redis://localhost:port/0": "Port could not be cast",
    }
    for url, problem in cases.items():
        (found,) = preflight.check_state_url(url, retry_seconds=0)
        assert found.startswith(f"STATE_URL={url}: "), found
        assert problem in found, found


def test_redis_state_url_must_answer(redis_server: RedisServer) -> None:  # noqa: F811
    assert preflight.check_state_url(f"{redis_server.url}?prefix=x", retry_seconds=0) == []
    down = f"redis://127.0.0.1:{free_port()}/0"
    (problem,) = preflight.check_state_url(down, retry_seconds=0)
    assert problem.startswith(f"STATE_URL={down}: Redis does not answer (")
    assert "start it, or point STATE_URL at a Redis that runs" in problem


def test_setting_values_must_fit_the_defaults_type() -> None:
    defaults = {"EXTRACT_WORKERS": 0, "DEDUPE_THRESHOLD": 0.8, "RETRY_ENABLED": True, "X": "s"}
    good = {"EXTRACT_WORKERS": "2", "DEDUPE_THRESHOLD": "0.9", "RETRY_ENABLED": "false", "X": "1"}
    assert preflight.check_setting_values(good, defaults) == []
    bad = {"EXTRACT_WORKERS": "two", "DEDUPE_THRESHOLD": "high", "RETRY_ENABLED": "yes"}
    assert preflight.check_setting_values(bad, defaults) == [
        "-s EXTRACT_WORKERS=two: not a whole number; give one, e.g. -s EXTRACT_WORKERS=0",
        "-s DEDUPE_THRESHOLD=high: not a number; give one, e.g. -s DEDUPE_THRESHOLD=0.8",
        "-s RETRY_ENABLED=yes: not a flag (default True); use 1 or 0, True or False",
    ]


def known_names() -> set[str]:
    return set(preflight.module_settings(default_settings)) | set(
        preflight.module_settings(project_settings)
    )


@pytest.mark.parametrize(
    ("typo", "closest"),
    [
        ("EXTRACT_WORKRS", "EXTRACT_WORKERS"),
        ("extract_workers", "EXTRACT_WORKERS"),
        ("DOWNLOAD_TIMOUT", "DOWNLOAD_TIMEOUT"),
        ("CONCURENT_REQUESTS", "CONCURRENT_REQUESTS"),
        ("STATE_ULR", "STATE_URL"),
        ("QWERTY_ZXCV", None),
    ],
)
def test_closest_setting(typo: str, closest: str | None) -> None:
    assert preflight.closest_setting(typo, known_names()) == closest


def test_unknown_settings_know_what_installed_components_read() -> None:
    given = ["EXTRACT_WORKERS", "LOG_LEVEL", "REDIS_HOST", "SCHEDULER_PERSIST", "EXTRACT_WORKRS"]
    scan = preflight.component_packages(
        {"ADDONS": {"crawler.addons.distributed.DistributedAddon": 0}}
    )
    assert {"scrapy", "scrapy_redis", "crawler"} <= scan
    found = preflight.unknown_settings(given, known_names(), scan)
    assert found == [("EXTRACT_WORKRS", "EXTRACT_WORKERS")]
    names = preflight.setting_names_read(["scrapy_redis"])
    assert {"REDIS_URL", "REDIS_PARAMS", "SCHEDULER_QUEUE_KEY", "DUPEFILTER_DEBUG"} <= names
    line = preflight.describe_unknown_setting("EXTRACT_WORKRS", "EXTRACT_WORKERS")
    assert line.endswith("so it changes nothing; did you mean EXTRACT_WORKERS?")


def test_unknown_spider_and_arguments_name_what_there_is() -> None:
    assert preflight.unknown_spider("newz", ["warc", "news"]) == (
        "scrapy crawl newz: no spider named 'newz'; did you mean news? the spiders are: news, warc"
    )
    (warning,) = preflight.unknown_arguments(
        "news", ["start", "max_page"], ["start", "max_pages", "sources", "dry_run"]
    )
    assert warning.startswith("-a max_page: the news spider takes no such argument")
    assert "did you mean max_pages?" in warning


# ------------------------------------------------------------------------- outcome


def _raised(exc: BaseException, cause: BaseException) -> BaseException:
    try:
        raise exc from cause
    except BaseException as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (
            _raised(DownloadConnectionRefusedError("refused"), TxConnectionRefusedError()),
            outcome.CONNECTION_REFUSED,
        ),
        (
            _raised(CannotResolveHostError("no.example"), DNSLookupError("no.example")),
            outcome.DNS_FAILED,
        ),
        (DownloadTimeoutError("Getting x took longer than 10 seconds."), outcome.TIMED_OUT),
        (
            _raised(
                DownloadFailedError("[<Failure OpenSSL.SSL.Error: wrong version number>]"),
                ResponseNeverReceived([Failure(Exception("SSL routines"))]),
            ),
            outcome.TLS_FAILED,
        ),
        (DownloadFailedError("[<Failure ConnectionLost>]"), outcome.CONNECTION_LOST),
        (ValueError("odd"), "ValueError"),
    ],
)
def test_failure_reasons(exc: BaseException, reason: str) -> None:
    assert outcome.failure_reason(exc) == reason


def test_a_site_fails_only_when_nothing_answered_and_the_start_page_names_why() -> None:
    sites = outcome.SiteOutcomes()
    sites.failed("down.example", outcome.TIMED_OUT)  # robots.txt
    sites.failed("down.example", outcome.CONNECTION_REFUSED, start_page=True)
    sites.failed("down.example", outcome.TIMED_OUT)
    sites.response("flaky.example", 500)
    sites.response("flaky.example", 200)  # one good answer: the site works
    sites.response("broken.example", 503)
    sites.response("broken.example", 500)
    sites.response("broken.example", 500)
    sites.response("quiet.example", 304)
    assert sites.failed_sites(
        ["down.example", "flaky.example", "broken.example", "quiet.example", "unseen.example"]
    ) == {"down.example": outcome.CONNECTION_REFUSED, "broken.example": "HTTP 500"}


@pytest.mark.parametrize(
    ("sites", "failed", "output_failed", "code"),
    [
        (2, 0, False, outcome.EXIT_OK),
        (0, 0, False, outcome.EXIT_OK),  # a WARC run has no start sites
        (2, 2, False, outcome.EXIT_ALL_SITES_FAILED),
        (2, 1, False, outcome.EXIT_SOME_SITES_FAILED),
        (2, 2, True, outcome.EXIT_OUTPUT_FAILED),  # a write failure wins
        (0, 0, True, outcome.EXIT_OUTPUT_FAILED),
    ],
)
def test_exit_status(sites: int, failed: int, output_failed: bool, code: int) -> None:
    assert outcome.exit_status(sites, failed, output_failed) == code


def test_run_exit_status_and_description_from_stats() -> None:
    stats = {
        "run/start_sites": 2,
        "run/sites_failed": 1,
        "run/failed_site/b.example": "HTTP 500",
        "finish_reason": "finished",
    }
    assert outcome.run_exit_status(stats) == outcome.EXIT_SOME_SITES_FAILED
    assert outcome.describe_run(stats) == "1 of 2 start sites failed: b.example (HTTP 500)"
    stats["write/unmarked"] = 3
    assert outcome.run_exit_status(stats) == outcome.EXIT_OUTPUT_FAILED
    assert outcome.describe_run(stats).startswith(
        "records could not be written or marked in the state store; see the errors above; "
        "1 of 2 start sites failed"
    )
    assert outcome.run_exit_status({"finish_reason": "disk_full"}) == outcome.EXIT_OUTPUT_FAILED
