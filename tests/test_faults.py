"""Faulty servers and bad input, end to end: real `scrapy crawl` runs against 127.0.0.1.

The fixture server injects the faults (binary bodies, bombs, redirects, errors,
resets, delays); a subclass serves endless trap pages. Memory is checked where
the issue says bounded: the peak RSS of the crawl process.
"""

from __future__ import annotations

# ruff: noqa: RUF001
import gzip
import io
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import brotli
import psutil
import pytest

from tests.articles import article_html, sitemap_xml
from tests.conftest import ROOT, CrawlResult, crawl_command, latest_stats, read_output
from tests.server import FixtureServer

sys.path.insert(0, str(Path(__file__).resolve().parent / "sites" / "faulty"))
import contextlib

import make_site

pytestmark = pytest.mark.slow  # end-to-end crawls

MB = 1024 * 1024
RSS_LIMIT = 300 * MB
#: The mixed crawl also extracts 50 articles in-process; bombs alone stay under RSS_LIMIT.
MIXED_RSS_LIMIT = 400 * MB


# ----------------------------------------------------------------------------- helpers


def crawl(
    tmp_path: Path,
    settings: dict[str, str] | None = None,
    timeout: float = 180,
    stop_after: float | None = None,
    stop_signal: int = signal.SIGINT,
    **args: str,
) -> tuple[CrawlResult, int]:
    """``scrapy crawl news`` in a subprocess, polling its peak RSS.

    The crawl process is the one that downloads and decompresses; extraction
    worker processes (``EXTRACT_WORKERS``) are not counted.

    With ``stop_after`` the crawl is sent ``stop_signal`` after that many seconds.
    """
    settings = dict(settings or {})
    output_dir = Path(settings.setdefault("OUTPUT_DIR", str(tmp_path / "output")))
    settings.setdefault("STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    log_path = tmp_path / f"crawl-{time.monotonic_ns()}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            crawl_command("news", args, settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        peak = 0
        started = time.monotonic()
        signalled = False
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, parent.memory_info().rss)
            elapsed = time.monotonic() - started
            if stop_after is not None and not signalled and elapsed > stop_after:
                proc.send_signal(stop_signal)
                signalled = True
            if elapsed > timeout:
                proc.kill()
                raise AssertionError(f"crawl did not finish in {timeout}s")
            time.sleep(0.05)
    records, files = read_output(output_dir)
    result = CrawlResult(
        returncode=proc.returncode,
        log=log_path.read_text(errors="replace"),
        output_dir=output_dir,
        records=records,
        stats=latest_stats(output_dir),
        files=files,
    )
    return result, peak


def gzip_bomb(inflated: int = 1100 * MB) -> bytes:
    """A small gzip body (multi-member, as RFC 1952 allows) that inflates to ``inflated`` bytes."""
    member = gzip.compress(b"\0" * (16 * MB), compresslevel=9, mtime=0)
    return member * (inflated // (16 * MB))


def brotli_bomb(inflated: int = 1100 * MB) -> bytes:
    compressor = brotli.Compressor(quality=1)
    chunk = b"\0" * (16 * MB)
    parts = [compressor.process(chunk) for _ in range(inflated // len(chunk))]
    return b"".join(parts) + compressor.finish()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("story.txt", "not a page" * 100)
    return buf.getvalue()


BINARY_BODIES = {
    "/news/scan-pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 50,
    "/news/photo-png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20,
    "/news/photo-jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20,
    "/news/photo-gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(range(256)) * 20,
    "/news/photo-webp": b"RIFF\x24\x10\x00\x00WEBPVP8 " + bytes(range(256)) * 20,
    "/news/archive-zip": _zip_bytes(),
    "/news/raw-gzip": gzip.compress(b"<html><body>" + b"zipped words " * 500 + b"</body></html>"),
}


class TrapServer(FixtureServer):
    """A fixture server that also serves endless trap pages, generated per request.

    - ``/calendar/Y/M/D``: "Next »" to the next day, links to next month and year;
    - ``/search?q=...``: a link to the same search with one more ``q`` appended;
    - ``/loop/...``: a relative link ``loop/`` (``/loop/loop/loop/...``);
    - ``/section/``: the listing start page linking into the traps, to articles
      with fresh session ids, and to a URL longer than any sane limit.
    """

    def _load(self, path: str) -> tuple[bytes, str, float] | None:
        page = self._trap_page(path)
        if page is not None:
            return page.encode("utf-8"), "text/html; charset=utf-8", 1_700_000_000.0
        return super()._load(path)

    def _trap_page(self, path: str) -> str | None:
        base = self.base
        if path.startswith("/calendar/"):
            try:
                y, m, d = (int(p) for p in path.strip("/").split("/")[1:4])
            except ValueError:
                return None
            nd = (y, m, d + 1) if d < 28 else ((y, m + 1, 1) if m < 12 else (y + 1, 1, 1))
            nm = (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)
            links = (
                f'<a rel="next" href="/calendar/{nd[0]}/{nd[1]:02d}/{nd[2]:02d}/">Next »</a> '
                f'<a href="/calendar/{nm[0]}/{nm[1]:02d}/01/">Next month</a> '
                f'<a href="/calendar/{y + 1}/{m:02d}/01/">Next year</a>'
            )
            return f"<html><body><h1>Events {y}-{m}-{d}</h1><p>No events.</p>{links}</body></html>"
        if path.startswith("/search"):
            return (
                f'<html><body><p>Results</p><a href="{path}&q=more">Refine</a>'
                f'<a href="{path}&page=2">2</a></body></html>'
            )
        if path.startswith("/loop/"):
            return '<html><body><p>Loop</p><a href="loop/">Deeper</a></body></html>'
        if path.rstrip("/") == "/section":
            token = "".join(random.choice("0123456789abcdef") for _ in range(32))
            links = [
                "/calendar/2026/05/01/",
                "/search?q=harbour",
                "/loop/",
                f"/news/2026/020/story-20.html?sid={token}",
                f"/news/2026/021/story-21.html;jsessionid={token.upper()}",
                "/news/longest?" + "x" * 2600,
                f"{base}{make_site.article_path(22)}",
            ]
            items = "".join(f'<li><a href="{h}">Story {i}</a></li>' for i, h in enumerate(links))
            return f"<html><body><h1>Sections</h1><ul>{items}</ul></body></html>"
        return None


def install_faults(server: FixtureServer, timeout: float) -> None:
    """Every bad case of ``make_site.BAD_PAGES`` and the awkward good articles."""
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    for path, body in BINARY_BODIES.items():
        server.fault(path, body=body, headers={"Content-Type": "text/html"})
    server.fault("/news/empty", body=b"")
    server.fault("/news/no-content", status=204)
    server.fault(
        "/news/gzip-bomb", body=gzip_bomb(), headers={**html_type, "Content-Encoding": "gzip"}
    )
    server.fault(
        "/news/brotli-bomb", body=brotli_bomb(), headers={**html_type, "Content-Encoding": "br"}
    )
    server.fault("/news/huge", body=b"<html><body>" + b"<p>words</p>" * (2 * MB))
    rng = random.Random(3)
    server.fault(
        "/news/undecodable",
        body=b"<html><body><p>" + bytes(rng.randrange(128, 256) for _ in range(6000)) + b"</p>",
        headers=html_type,
    )
    server.fault(
        "/news/offsite-redirect",
        status=302,
        headers={"Location": "http://elsewhere.example/story"},
    )
    server.fault(
        "/news/metadata-redirect",
        status=302,
        headers={"Location": "http://169.254.169.254/latest/meta-data/"},
    )
    server.fault("/news/file-redirect", status=302, headers={"Location": "file:///etc/passwd"})
    server.fault(
        "/news/private-redirect",
        status=302,
        headers={"Location": f"http://localhost:{server.port}{make_site.article_path(30)}"},
    )
    server.fault("/news/server-error", status=500, body=b"<h1>Internal Server Error</h1>")
    server.fault("/news/connection-reset", reset=True)
    server.fault("/news/timeout", delay=timeout + 1.5)
    # awkward good articles
    server.fault(
        make_site.article_path(make_site.CP1251),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    server.fault(
        make_site.article_path(make_site.BOM),
        headers={"Content-Type": "text/html; charset=iso-8859-1"},
    )
    good = (server.root / make_site.article_path(make_site.GZIPPED).lstrip("/")).read_bytes()
    server.fault(
        make_site.article_path(make_site.GZIPPED),
        body=gzip.compress(good.replace(b"{{BASE}}", server.base.encode())),
        headers={**html_type, "Content-Encoding": "gzip"},
    )
    server.fault(make_site.article_path(make_site.FLAKY), status=503, times=1)
    server.fault(make_site.article_path(make_site.SLOW), delay=1.0)
    server.fault(
        make_site.moved_path(make_site.MOVED),
        status=301,
        headers={"Location": make_site.article_path(make_site.MOVED)},
    )


FAULT_SETTINGS = {
    "ALLOW_LOOPBACK": "0",  # the start host is allowed; other private targets are not
    "ALLOWED_REDIRECT_HOSTS": "localhost",  # allowed as a host, refused as an address
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.2",
    "DISCOVERY_MAX_DEPTH": "3",
    "TRAP_MAX_CHAIN": "5",
    "BOILERPLATE_ENABLED": "0",
}


# ------------------------------------------------------------------------------- tests


@pytest.fixture
def faulty_site(tmp_path: Path) -> Any:
    root = tmp_path / "site"
    titles = make_site.build(root)
    server = TrapServer(root).start()
    install_faults(server, float(FAULT_SETTINGS["DOWNLOAD_TIMEOUT"]))
    yield server, titles
    server.stop()


def test_faulty_site_emits_every_good_article_once_and_counts_every_skip(
    faulty_site: Any, tmp_path: Path
) -> None:
    server, titles = faulty_site
    result, peak = crawl(
        tmp_path,
        settings=FAULT_SETTINGS,
        start=f"{server.base}/,{server.base}/section/",
    )
    stats = result.stats
    summary = {k: v for k, v in sorted(stats.items()) if k.startswith(("skip/", "retry/", "drop/"))}
    print("STATS", summary, "PEAK_RSS_MB", peak // MB)
    assert result.returncode == 0, result.log[-3000:]

    # the 50 good articles, each exactly once, with the right text
    urls = sorted(r["url"] for r in result.records)
    assert urls == sorted(server.base + p for p in titles), "every good article once, nothing else"
    by_path = {r["url"][len(server.base) :]: r for r in result.records}
    for path, title in titles.items():
        assert by_path[path]["title"] == title
    russian = by_path[make_site.article_path(make_site.CP1251)]["text"]
    assert "Городской совет Казани" in russian
    cafe = by_path[make_site.article_path(make_site.CP1252)]["text"]
    assert "“We didn’t expect this many people,” said Zoë Lefèvre" in cafe
    for record in result.records:
        assert "\ufffd" not in record["text"] and "Ã" not in record["text"]
        assert "root:" not in record["text"]

    # every bad case is counted under its reason
    expected: dict[str, int] = {}
    for reason in make_site.BAD_PAGES.values():
        if reason:
            expected[reason] = expected.get(reason, 0) + 1
    for name, count in expected.items():
        assert result.stat(name) >= count, f"{name}: {summary}"
    assert result.stat("retry/max_reached") >= 3
    assert result.stat("skip/trap") >= 1
    assert result.stat("skip/url_too_long") >= 1
    assert result.stat("discovery/session_ids_stripped") >= 1

    # safety: nothing fetched from a private or non-HTTP target, no external entity fetched
    paths = server.paths()
    assert "/xxe-probe" not in paths and "/xxe-dtd" not in paths
    assert not any("lol" in p for p in paths), "entity expansion reached a URL"
    assert server.hits(make_site.article_path(30)) == 1  # via the sitemap, not the localhost hop
    # the session-id links collapse into the sitemap's URLs
    assert server.hits(make_site.article_path(20)) == 1
    assert not any("sid=" in p or "jsessionid" in p.lower() for p in paths)
    # traps are bounded
    assert sum(1 for p in paths if p.startswith("/calendar/")) <= 30
    assert max((p.count("loop/") for p in paths), default=0) <= 3
    assert max((p.count("q=") for p in paths), default=0) <= 3
    assert peak < MIXED_RSS_LIMIT, f"peak RSS {peak // MB} MB"


def test_gzip_and_brotli_bombs_are_refused_without_memory_growth(
    serve: Any, tmp_path: Path
) -> None:
    server = serve()
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    server.fault(
        "/a/gzip-bomb", body=gzip_bomb(), headers={**html_type, "Content-Encoding": "gzip"}
    )
    server.fault("/a/br-bomb", body=brotli_bomb(), headers={**html_type, "Content-Encoding": "br"})
    server.route("/a/good", article_html(server.url("/a/good"), seed=7))
    urls = [server.url(p) for p in ("/a/gzip-bomb", "/a/br-bomb", "/a/good")]
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    result, peak = crawl(tmp_path, start=server.url("/sitemap.xml"))
    print("BOMBS PEAK_RSS_MB", peak // MB)
    assert result.returncode == 0, result.log[-3000:]
    assert result.stat("skip/too_large") == 2
    assert [r["url"] for r in result.records] == [server.url("/a/good")]
    assert peak < RSS_LIMIT, f"peak RSS {peak // MB} MB"


def test_50000_url_sitemap_is_read_with_bounded_memory(serve: Any, tmp_path: Path) -> None:
    server = serve()
    urls = [server.url(f"/n/{i}/a-story-with-a-longish-slug-{i}") for i in range(50_000)]
    urls += [server.url(f"/n/extra-{i}") for i in range(100)]
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    result, peak = crawl(tmp_path, start=server.url("/sitemap.xml"), max_pages="20")
    print("SITEMAP50K PEAK_RSS_MB", peak // MB)
    assert result.returncode == 0, result.log[-3000:]
    assert result.stat("discovery/sitemap_urls") == 50_000
    assert result.stat("discovery/sitemap_truncated") == 1
    assert result.stat("skip/page_budget") >= 49_000
    assert len([p for p in server.paths() if p.startswith("/n/")]) <= 20
    assert peak < RSS_LIMIT, f"peak RSS {peak // MB} MB"


def test_jobdir_pause_and_resume_emits_every_article_once(serve: Any, tmp_path: Path) -> None:
    """SIGINT part-way through a slow crawl with JOBDIR, then resume: every article once."""
    server = serve()
    paths = [f"/j/story-{i}" for i in range(40)]
    for i, path in enumerate(paths):
        server.route(path, article_html(server.url(path), seed=900 + i, chrome=False))
        server.fault(path, delay=0.3)
    server.route("/sitemap.xml", sitemap_xml([server.url(p) for p in paths]), "application/xml")
    settings = {
        "JOBDIR": str(tmp_path / "job"),
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "CONCURRENT_REQUESTS": "2",
    }
    first, _ = crawl(tmp_path, settings=settings, stop_after=6.0, start=server.url("/sitemap.xml"))
    assert 0 < len(first.records) < len(paths), "the first run was stopped part-way"
    assert first.returncode == 6, first.log[-3000:]  # interrupted
    second, _ = crawl(tmp_path, settings=settings, start=server.url("/sitemap.xml"))
    assert second.returncode == 0, second.log[-3000:]
    records, _ = read_output(tmp_path / "output")
    urls = [r["url"] for r in records]
    assert sorted(urls) == sorted(server.url(p) for p in paths), "every article exactly once"
