"""`python -m crawler.sample_server`: the README's sample site, served until Ctrl-C.

Runs the real module in a subprocess, reads the URL it prints, fetches pages
from it (``{{BASE}}`` replaced by that URL) and stops it with SIGINT or SIGTERM.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import ROOT


@contextmanager
def sample_server(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.sample_server", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the socket listens
        lines = [first]
        while not lines[-1].lstrip().startswith("scrapy preview") and lines[-1]:
            lines.append(proc.stdout.readline())
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_sample_server_serves_the_sample_with_its_url_and_stops_on_signal(stop) -> None:
    with sample_server() as (proc, lines):
        match = re.search(r"at (http://127\.0\.0\.1:(\d+))/ ", lines[0])
        assert match, lines
        base = match.group(1)
        printed = "".join(lines)
        # the crawl command to type, with the loopback switch the demo passes too
        assert f"scrapy crawl news -a start={base}/ -s ALLOW_LOOPBACK=1" in printed
        assert f"scrapy preview {base}/" in printed
        robots = _get(f"{base}/robots.txt")
        assert f"Sitemap: {base}/sitemap_index.xml" in robots
        index = _get(f"{base}/sitemap_index.xml")
        assert f"<loc>{base}/sitemaps/news.xml</loc>" in index and "{{BASE}}" not in index
        assert "The Harbour Ledger" in _get(f"{base}/")
        proc.send_signal(stop)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout is not None and "Stopped." in proc.stdout.read()
        assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sample_server_listens_on_the_port_given() -> None:
    port = _free_port()
    with sample_server("--port", str(port)) as (proc, lines):
        assert f"http://127.0.0.1:{port}/" in lines[0]
        assert "{{BASE}}" not in _get(f"http://127.0.0.1:{port}/feed.xml")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_sample_server_on_a_busy_port_exits_1_with_a_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.sample_server", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
