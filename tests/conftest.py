"""Shared fixtures: fixture sites on 127.0.0.1 and real `scrapy crawl` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.server import FixtureServer

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"

#: Settings every test crawl uses: loopback allowed, no politeness delays.
TEST_SETTINGS: dict[str, str] = {
    "ALLOW_LOOPBACK": "1",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "1",
    "DOWNLOAD_TIMEOUT": "10",
    "EXTRACT_WORKERS": "1",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    returncode: int
    log: str
    output_dir: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0))


def read_output(output_dir: Path, spider: str = "news") -> tuple[list[dict], list[Path]]:
    """Every record of every finished JSONL file under ``output_dir/<spider>``."""
    files = sorted((output_dir / spider).glob("*.jsonl"))
    records: list[dict] = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            records.extend(json.loads(line) for line in fh if line.strip())
    return records, files


def latest_stats(output_dir: Path, spider: str = "news") -> dict[str, Any]:
    reports = sorted((output_dir / spider).glob("*.stats.json"))
    if not reports:
        return {}
    return json.loads(reports[-1].read_text(encoding="utf-8")).get("stats", {})


def crawl_command(spider: str, args: dict[str, str], settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for k, v in args.items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in {**TEST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def run_crawl(
    tmp_path: Path,
    spider: str = "news",
    settings: dict[str, str] | None = None,
    timeout: float = 240,
    **args: str,
) -> CrawlResult:
    """Run ``scrapy crawl`` as a user would, in a subprocess, and read what it wrote.

    Output and state go under ``tmp_path`` unless ``settings`` says otherwise.
    """
    settings = dict(settings or {})
    output_dir = Path(settings.setdefault("OUTPUT_DIR", str(tmp_path / "output")))
    settings.setdefault("STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    proc = subprocess.run(
        crawl_command(spider, args, settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    records, files = read_output(output_dir, spider)
    return CrawlResult(
        returncode=proc.returncode,
        log=proc.stderr,
        output_dir=output_dir,
        records=records,
        stats=latest_stats(output_dir, spider),
        files=files,
    )


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve("name")``: a FixtureServer for ``tests/sites/name``, stopped after the test."""
    servers: list[FixtureServer] = []

    def start(name: str | None = None, root: Path | None = None) -> FixtureServer:
        server = FixtureServer(root or (SITES / name if name else None)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


#: Fixtures that start a server, a crawl or a worker pool: their tests are "slow"
#: (``bash scripts/test.sh -m "not slow"`` runs the rest in about a minute).
SLOW_FIXTURES = frozenset({"serve", "redis_server", "open_backend", "pywb", "ia_archive"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
