"""The extraction fork server starts as the crawler is built (``EXTRACT_EARLY_START``).

A real Crawler is built from the project settings in a fresh interpreter; the
fork server must be running once the extensions exist (before any pipeline or
pool), and the extraction pool must then fork its workers from that same server
and return the same records as an in-process run.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import json, os, sys
from multiprocessing import forkserver
from scrapy.extension import ExtensionManager
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler
from spiders.news import NewsSpider

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
settings = get_project_settings().copy_to_dict()
settings.update(json.loads(sys.argv[1]))
crawler = get_crawler(NewsSpider, settings)
ExtensionManager.from_crawler(crawler)
early = forkserver._forkserver._forkserver_pid
out = {"early_pid": early, "trafilatura_in_crawl_process": "trafilatura" in sys.modules}
if early:
    from crawler.extract.record import ExtractOptions
    from crawler.items import FetchedPage
    from crawler.runtime.workers import ExtractionRunner, PAGE_TASK
    html = open(sys.argv[2], encoding="utf-8").read()
    page = FetchedPage(url="https://example.org/a", html=html, fetched_at="2024-01-01T00:00:00Z",
                       source="listing")
    runner = ExtractionRunner("crawler.extract.record.build_record", workers=2)
    runner.start()
    pooled = runner.pool.submit(PAGE_TASK, runner.function, page, ExtractOptions()).result()
    out["server_after_pool"] = forkserver._forkserver._forkserver_pid
    local = ExtractionRunner("crawler.extract.record.build_record", workers=1)
    out["same_record"] = pooled.value == local._local(local.function, page, ExtractOptions())
    out["text"] = getattr(pooled.value, "text", "")[:40]
    runner.close()
print(json.dumps(out))
"""

ARTICLE = ROOT / "samples" / "newsroom"


def _probe(settings: dict[str, object]) -> dict[str, object]:
    page = sorted((ARTICLE / "2024").rglob("*.html"))[0]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(settings), str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_fork_server_starts_with_the_crawler_and_the_pool_uses_it() -> None:
    out = _probe({"EXTRACT_WORKERS": 2})
    assert out["early_pid"], out
    assert out["server_after_pool"] == out["early_pid"]  # no second server
    assert out["same_record"] is True and out["text"], out
    assert out["trafilatura_in_crawl_process"] is False  # the crawl process stays lean


def test_no_fork_server_for_in_process_extraction_or_when_switched_off() -> None:
    assert not _probe({"EXTRACT_WORKERS": 1})["early_pid"]
    assert not _probe({"EXTRACT_WORKERS": 2, "EXTRACT_EARLY_START": False})["early_pid"]
