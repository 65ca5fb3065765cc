"""Nothing lost, nothing twice: a crawl killed part-way, then run again.

A real ``scrapy crawl news`` subprocess crawls a generated 60-article site
(served slowly, so the kill lands mid-crawl) into a SQLite state store. After
SIGKILL the next run recovers the leftover ``.part`` journal; after SIGTERM the
run finalises its own file. Either way every article id is in the output
exactly once over both runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.runtime.state.sqlite import SqliteStore
from tests.articles import article_html, sitemap_xml
from tests.conftest import ROOT, crawl_command, run_crawl
from tests.server import FixtureServer

ARTICLES = 60
#: Each article answers after this delay, so a crawl takes a few seconds.
DELAY = 0.25
SETTINGS = {"CONCURRENT_REQUESTS_PER_DOMAIN": "4", "WRITE_SYNC_INTERVAL": "0.5"}


def article_path(n: int) -> str:
    return f"/news/2026/03/{n:02d}/story-{n}.html"


@pytest.fixture
def killsite(serve) -> FixtureServer:  # type: ignore[no-untyped-def]
    server: FixtureServer = serve()
    urls = [server.url(article_path(n)) for n in range(ARTICLES)]
    for n, url in enumerate(urls):
        server.route(article_path(n), article_html(url, seed=1000 + n))
        server.fault(article_path(n), delay=DELAY)
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route(
        "/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {server.url('/sitemap.xml')}\n",
        "text/plain",
    )
    server.route("/", "<html><body><h1>Kill Site</h1><p>News.</p></body></html>")
    return server


def settings_for(tmp_path: Path) -> dict[str, str]:
    return {
        **SETTINGS,
        "OUTPUT_DIR": str(tmp_path / "output"),
        "STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
    }


def start_crawl(tmp_path: Path, start: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        crawl_command("news", {"start": start}, settings_for(tmp_path)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def wait_for_lines(folder: Path, proc: subprocess.Popen[str], lines: int) -> Path:
    """The running crawl's journal, once it holds at least ``lines`` complete lines."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for part in folder.glob("*.jsonl.part"):
            if part.read_bytes().count(b"\n") >= lines:
                return part
        if proc.poll() is not None:
            pytest.fail(
                f"crawl ended before writing {lines} records:\n{proc.stderr.read()[-4000:]}"
            )
        time.sleep(0.05)
    proc.kill()
    pytest.fail("crawl wrote too slowly")


def all_ids(folder: Path) -> Counter[str]:
    ids: Counter[str] = Counter()
    for path in folder.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            ids[json.loads(line)["id"]] += 1
    return ids


def test_sigkilled_crawl_then_rerun_emits_every_article_exactly_once(
    killsite: FixtureServer, tmp_path: Path
) -> None:
    folder = tmp_path / "output" / "news"
    proc = start_crawl(tmp_path, killsite.url("/"))
    part = wait_for_lines(folder, proc, 10)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert part.exists() and not list(folder.glob("*.jsonl"))
    killed_lines = part.read_bytes().count(b"\n")
    assert 10 <= killed_lines < ARTICLES
    # The kill can land between two lines or, on power loss, inside one: add the torn
    # start of a record as such a write would leave it.
    with part.open("ab") as fh:
        fh.write(b'{"id": "torn-record", "url": "http://127.0.0.1/torn", "tit')

    rerun = run_crawl(tmp_path, settings=settings_for(tmp_path), start=killsite.url("/"))
    assert rerun.returncode == 0, rerun.log[-4000:]
    assert rerun.stat("recover/files") == 1
    assert rerun.stat("recover/records") == killed_lines
    assert rerun.stat("recover/torn_lines") == 1
    assert "Recovered" in rerun.log
    assert not list(folder.glob("*.part"))

    ids = all_ids(folder)
    assert len(ids) == ARTICLES
    assert set(ids.values()) == {1}, [i for i, n in ids.items() if n > 1]
    assert "torn-record" not in ids
    # records of the killed run are known to the store: the rerun skipped them
    assert rerun.stat("records/written") == ARTICLES - killed_lines
    store = SqliteStore(tmp_path / "state.sqlite3")
    assert store.count() == ARTICLES
    store.close()


def test_sigterm_finalises_the_file_and_leaves_a_consistent_store(
    killsite: FixtureServer, tmp_path: Path
) -> None:
    folder = tmp_path / "output" / "news"
    proc = start_crawl(tmp_path, killsite.url("/"))
    wait_for_lines(folder, proc, 10)
    proc.send_signal(signal.SIGTERM)
    _, log = proc.communicate(timeout=90)
    assert proc.returncode == 6, log[-4000:]  # interrupted: a cron job can tell
    assert "Exit status 6: stopped by a signal" in log
    assert not list(folder.glob("*.part"))
    (first,) = folder.glob("*.jsonl")
    lines = first.read_bytes().splitlines(keepends=True)
    assert lines and all(x.endswith(b"\n") for x in lines)
    written = [json.loads(x)["id"] for x in lines]
    store = SqliteStore(tmp_path / "state.sqlite3")
    assert store.count() == len(written)
    assert all(store.get_article(i) is not None for i in written)
    store.close()

    rerun = run_crawl(tmp_path, settings=settings_for(tmp_path), start=killsite.url("/"))
    assert rerun.returncode == 0, rerun.log[-4000:]
    assert rerun.stat("recover/files") == 0
    ids = all_ids(folder)
    assert len(ids) == ARTICLES and set(ids.values()) == {1}


def test_sigkilled_while_records_are_held_then_rerun_emits_every_article_exactly_once(
    killsite: FixtureServer, tmp_path: Path
) -> None:
    """Records the boilerplate pipeline holds (a site's first crawl) are claimed but
    not marked: a run killed while holding them leaves them to the next run."""
    folder = tmp_path / "output" / "news"
    settings = {**settings_for(tmp_path), "BOILERPLATE_HOLD": "55"}
    proc = subprocess.Popen(
        crawl_command("news", {"start": killsite.url("/")}, settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while sum(p.startswith("/news/") for p in killsite.paths()) < 16:
        assert proc.poll() is None, proc.stderr.read()[-4000:] if proc.stderr else ""
        assert time.monotonic() < deadline, "crawl fetched too slowly"
        time.sleep(0.05)
    time.sleep(2 * DELAY)  # let the fetched pages reach the pipelines (and be held)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    held_lines = sum(p.read_bytes().count(b"\n") for p in folder.glob("*.jsonl.part"))
    assert held_lines == 0  # every record of the site was still held

    rerun = run_crawl(tmp_path, settings=settings_for(tmp_path), start=killsite.url("/"))
    assert rerun.returncode == 0, rerun.log[-4000:]
    ids = all_ids(folder)
    assert len(ids) == ARTICLES and set(ids.values()) == {1}
    store = SqliteStore(tmp_path / "state.sqlite3")
    assert store.count() == ARTICLES
    store.close()
