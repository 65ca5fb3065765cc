"""Distributed crawls: `scrapy crawl news` workers sharing one redis-server.

A 300-article fixture site (distinct generated texts, a sitemap) is crawled by
two worker processes; every article must appear exactly once across the
workers' JSONL files, also when a worker is SIGKILLed mid-crawl and replaced.
A 120-article site serves the Redis restart and outage tests (what they prove
does not depend on the site's size, and a stopping worker works off what it holds)
and workers started without a start URL that take one pushed to Redis.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.scheduler.redis_scheduler import _POP
from tests.articles import article_html, sitemap_xml
from tests.conftest import ROOT, crawl_command
from tests.redis_server import (  # noqa: F401  (fixture)
    RedisServer,
    ReplyDroppingProxy,
    redis_server,
)
from tests.server import FixtureServer

ARTICLES = 300
SMALL = 120


def make_site(root: Path, articles: int) -> Path:
    """A site with ``articles`` distinct articles listed in a sitemap."""
    urls = []
    for i in range(articles):
        folder = root / "news" / f"story-{i}"
        folder.mkdir(parents=True)
        url = "{{BASE}}" + f"/news/story-{i}"
        (folder / "index.html").write_text(article_html(url, 5000 + i), encoding="utf-8")
        urls.append(url)
    (root / "sitemap.xml").write_text(sitemap_xml(urls), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: {{BASE}}/sitemap.xml\n")
    (root / "index.html").write_text("<html><body><h1>Front page</h1></body></html>")
    return root


@pytest.fixture(scope="module")
def news_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("distributed-site"), ARTICLES)


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("distributed-small-site"), SMALL)


class Worker:
    """One `scrapy crawl news` worker process in distributed mode."""

    started: list[Worker] = []  # killed after each test, so a failed test leaves none behind

    def __init__(self, tmp: Path, redis_url: str, start: str, worker_id: str, **extra: str):
        settings = {
            "DISTRIBUTED": "1",
            "REDIS_URL": redis_url,
            "STATE_URL": redis_url,
            "WORKER_ID": worker_id,
            "OUTPUT_DIR": str(tmp / "output"),
            "DISTRIBUTED_MAX_IDLE": "1",
            "DISTRIBUTED_WORKER_TIMEOUT": "3",
            **extra,
        }
        self.log_path = tmp / f"{worker_id}.log"
        self.proc = subprocess.Popen(
            crawl_command("news", {"start": start}, settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("w"),
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        Worker.started.append(self)

    def wait(self, timeout: float = 180) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test() -> Iterator[None]:
    yield
    while Worker.started:
        worker = Worker.started.pop()
        if worker.proc.poll() is None:
            worker.kill()


def output_records(tmp: Path) -> tuple[list[dict[str, Any]], list[Path]]:
    files = sorted((tmp / "output" / "news").glob("*.jsonl"))
    records = []
    for path in files:
        records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records, files


def written_so_far(tmp: Path) -> int:
    folder = tmp / "output" / "news"
    if not folder.exists():
        return 0
    return sum(p.read_bytes().count(b"\n") for p in folder.glob("*.jsonl*"))


def stats_of(tmp: Path) -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text())["stats"] for p in (tmp / "output" / "news").glob("*.stats.json")
    ]


def wait_for_records(tmp: Path, n: int, workers: list[Worker], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while written_so_far(tmp) < n:
        assert time.monotonic() < deadline, "workers wrote too few records"
        assert any(w.proc.poll() is None for w in workers), "workers ended early"
        time.sleep(0.05)


def assert_every_article_once(
    tmp: Path, site: FixtureServer, articles: int = ARTICLES
) -> list[dict[str, Any]]:
    records, _ = output_records(tmp)
    urls = Counter(r["url"] for r in records)
    twice = [u for u, c in urls.items() if c > 1]
    assert not twice, f"emitted more than once: {twice[:5]}"
    expected = {site.url(f"/news/story-{i}") for i in range(articles)}
    missing = expected - set(urls)
    assert not missing, f"{len(missing)} articles never emitted, e.g. {sorted(missing)[:3]}"
    assert len(records) == articles
    assert len({r["id"] for r in records}) == articles
    return records


def test_two_workers_emit_every_article_exactly_once(
    tmp_path: Path,
    news_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer(news_site) as site:
        workers = [Worker(tmp_path, redis_server.url, site.base + "/", f"w{i}") for i in range(2)]
        codes = [w.wait() for w in workers]
        assert codes == [0, 0], workers[0].log()[-3000:]
        assert_every_article_once(tmp_path, site)
        _, files = output_records(tmp_path)
        # each worker wrote its own file, named after its worker id, and both did work
        assert sorted(f.name.rsplit("-", 1)[-1] for f in files) == ["w0.jsonl", "w1.jsonl"]
        stats = stats_of(tmp_path)
        assert all(s.get("records/written", 0) > 0 for s in stats)
        assert sum(s.get("scheduler/dequeued/redis", 0) for s in stats) >= ARTICLES
        # the shared dupefilter: no article page was fetched twice
        article_hits = Counter(p for p in site.paths() if p.startswith("/news/"))
        assert max(article_hits.values()) == 1


def test_worker_killed_mid_crawl_and_replaced_loses_and_repeats_nothing(
    tmp_path: Path,
    news_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer(news_site) as site:
        # slow pages keep requests in flight in the worker that is killed
        for i in range(0, ARTICLES, 7):
            site.fault(f"/news/story-{i}", delay=0.3)
        w0 = Worker(tmp_path, redis_server.url, site.base + "/", "w0")
        w1 = Worker(tmp_path, redis_server.url, site.base + "/", "w1")
        wait_for_records(tmp_path, ARTICLES // 3, [w0, w1])
        w0.kill()  # SIGKILL: in-flight requests, a .part journal and claims left behind
        w2 = Worker(tmp_path, redis_server.url, site.base + "/", "w2")
        assert w1.wait() == 0, w1.log()[-3000:]
        assert w2.wait() == 0, w2.log()[-3000:]
        assert_every_article_once(tmp_path, site)
        recovered = sum(s.get("distributed/recovered_requests", 0) for s in stats_of(tmp_path))
        assert recovered > 0, "the killed worker's in-flight requests were not re-queued"


def test_redis_restart_mid_crawl_is_retried_without_loss_or_repeat(
    tmp_path: Path,
    small_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer(small_site) as site:
        workers = [Worker(tmp_path, redis_server.url, site.base + "/", f"w{i}") for i in range(2)]
        wait_for_records(tmp_path, SMALL // 3, workers)
        redis_server.restart(down_for=1.0)  # append-only file: the data survives
        codes = [w.wait() for w in workers]
        assert codes == [0, 0], workers[0].log()[-3000:]
        assert_every_article_once(tmp_path, site, SMALL)
        assert all(s.get("distributed/redis_unavailable", 0) == 0 for s in stats_of(tmp_path))


def test_a_pop_whose_reply_redis_lost_is_retried_without_stranding_a_request(
    tmp_path: Path,
    small_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    # Redis ran the pop (request moved to this worker's in-flight hash) but the
    # reply never arrived, as when it dies mid-call: the client's retry must get
    # that same request back. A second pop would leave the first in flight for
    # good, and the shared frontier would never look quiet (the worker hangs).
    sha = hashlib.sha1(_POP.encode()).hexdigest().encode()
    proxy = ReplyDroppingProxy(redis_server.port, sha, drop_every=20, max_drops=4)
    try:
        with FixtureServer(small_site) as site:
            worker = Worker(tmp_path, redis_server.url, site.base + "/", "w0", REDIS_URL=proxy.url)
            assert worker.wait(timeout=120) == 0, worker.log()[-3000:]
            assert proxy.dropped >= 2, proxy.seen
            assert_every_article_once(tmp_path, site, SMALL)
        client = redis_server.client()
        assert client.keys("news:inflight:*") == [] and client.keys("news:lastpop:*") == []
        client.close()
    finally:
        proxy.close()


def test_long_redis_outage_stops_workers_clearly_and_a_rerun_completes(
    tmp_path: Path,
    small_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer(small_site) as site:
        # a short retry, and few pages in flight: each item a stopping worker still
        # holds waits out the retry once before the worker can close
        fast_fail = {
            "DISTRIBUTED_REDIS_RETRY": "0.5",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
            "SCRAPER_SLOT_MAX_ACTIVE_SIZE": "60000",
        }
        workers = [
            Worker(tmp_path, redis_server.url, site.base + "/", f"w{i}", **fast_fail)
            for i in range(2)
        ]
        wait_for_records(tmp_path, SMALL // 3, workers)
        redis_server.stop()
        for w in workers:
            w.wait()
        logs = "".join(w.log() for w in workers)
        assert "Redis unreachable" in logs
        stats = stats_of(tmp_path)
        assert any(s.get("distributed/redis_unavailable", 0) for s in stats)
        assert any(s.get("finish_reason") == "redis_unavailable" for s in stats) or (
            "redis_unavailable" in logs
        )
        redis_server.start()
        rerun = Worker(tmp_path, redis_server.url, site.base + "/", "w9")
        assert rerun.wait() == 0, rerun.log()[-3000:]
        assert_every_article_once(tmp_path, site, SMALL)


def test_idle_workers_take_a_start_url_pushed_to_redis(
    tmp_path: Path,
    small_site: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    with FixtureServer(small_site) as site:
        # no -a start: the workers wait (up to DISTRIBUTED_MAX_IDLE s) for work in Redis
        wait = {"DISTRIBUTED_MAX_IDLE": "3"}
        workers = [Worker(tmp_path, redis_server.url, "", f"w{i}", **wait) for i in range(2)]
        client = redis_server.client()
        deadline = time.monotonic() + 60
        while client.scard("news:workers") < 2:  # both opened their shared scheduler
            assert time.monotonic() < deadline, workers[0].log()[-3000:]
            assert all(w.proc.poll() is None for w in workers), workers[0].log()[-3000:]
            time.sleep(0.05)
        client.lpush("news:start_urls", site.base + "/")
        client.close()
        codes = [w.wait() for w in workers]
        assert codes == [0, 0], workers[0].log()[-3000:]
        assert_every_article_once(tmp_path, site, SMALL)
        stats = stats_of(tmp_path)
        assert sum(s.get("distributed/start_urls", 0) for s in stats) == 1  # taken once
        # the worker that did not take the URL crawled the site too (it adopted it)
        assert all(s.get("records/written", 0) > 0 for s in stats)
        assert site.hits("/") == 1
