"""Crawl throughput against a bare trafilatura loop, on real article pages.

    python bench/throughput.py [--n 2000] [--scale] [--workers 0] [--multisite [--copies 4]]

Builds N distinct article pages from ``../shared/bench/articles`` (each real page
is served under many URLs; every copy gets a unique title and a unique number in
place of every sixth word of each long text run, so no two copies are exact or
near duplicates at a 0.8 Jaccard threshold over 5-word shingles), serves them from
127.0.0.1 with robots.txt and a sitemap, runs the real ``scrapy crawl news`` over
them with every pipeline on, and, in the same run, times bare
``trafilatura.extract(html)`` over the same HTML in this one process.

Prints pages/s for both and their ratio, per-stage time (from the ``time/*_ms``
stats the pipelines record), CPU seconds of the crawl process and of its workers,
and peak RSS of the crawl's process tree (polled with psutil). ``--scale`` crawls
N = 2,000, 5,000 and 20,000 and prints how time and peak memory grow.

``--multisite`` is the live "many canonical sites, several copies per page" workload.
Page i of N is still served under its own 127.0.0.1 URL, but as real page i % T
(T = 181), copy c = i // T, with rel=canonical and og:url naming the page's original
URL (the ``url`` of its ``<id>.json``: the records' canonical URLs name 126 real
sites). Copies c < ``--copies`` (default 4) are the real page unchanged but for the
canonical (a canonical link is added to a page that has neither), so all copies of a
page fold into one record (the pipelines drop the later ones as duplicates). Copies
beyond those (when N > T * copies) are the word-replaced pages above, their canonical on
a host of their own (``https://v<c>.<original host><original path>``): each a distinct
article of a small site. The bare loop runs over pages rendered the same way (the same
copy numbers of every template, spread over the crawl's copies); pages/s and the ratio
count the N article pages the crawl fetched (the fixture server counts them), not the
records written; and the report adds records written, distinct canonical sites, the
accounting check (written + drop/* + skip/* >= N) and which original pages or variants
got no record or more than one (records mapped back by canonical URL from the JSONL).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import lxml.html
import psutil

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT.parent / "shared" / "bench" / "articles"
if not ARTICLES.is_dir():
    ARTICLES = Path("/work/shared/bench/articles")

SELF_URL = "\ue001"  # the copy's own path, for rel=canonical and og:url
COUNT_PATH = "/__bench/served"  # the fixture server's count of what it served (not linked)
SLOT = "\ue000"  # marks a word replaced per copy (a private-use character)
EVERY = 6  # replace every sixth word of long text runs
MIN_RUN_WORDS = 8  # text runs shorter than this (menus, buttons) stay as they are
SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title"}
STAGES = ("download", "precheck", "extract", "language", "boilerplate", "dedupe", "write")


@dataclass
class Template:
    """One real article page, split at the words each copy replaces."""

    slug: str
    segments: list[str]
    #: --multisite: the page's original URL (the ``url`` of its ``<id>.json``)
    url: str = ""
    #: --multisite: the real page, its rel=canonical and og:url naming ``url``
    exact: str = ""

    def render(self, copy: int, path: str) -> str:
        out = [self.segments[0]]
        for j, seg in enumerate(self.segments[1:]):
            out.append(str(1000 + (copy * 7919 + j * 104729) % 900000))
            out.append(seg)
        return "".join(out).replace(SELF_URL, path)


def _mark_words(text: str | None) -> str | None:
    if not text:
        return text
    parts = re.split(r"(\s+)", text)
    words = [i for i, p in enumerate(parts) if p and not p.isspace()]
    for idx in words:  # unspaced scripts (CJK): a long "word" is a sentence
        if len(parts[idx]) >= 20:
            middle = len(parts[idx]) // 2
            parts[idx] = parts[idx][:middle] + SLOT + parts[idx][middle:]
    if len(words) >= MIN_RUN_WORDS:
        for k, idx in enumerate(words):
            if k % EVERY == EVERY - 1 and SLOT not in parts[idx]:
                parts[idx] = SLOT
    return "".join(parts)


def build_template(html: str, slug: str) -> Template:
    """Mark every sixth word of each long text run and the title words as slots."""
    doc = lxml.html.document_fromstring(html)
    cells = 0
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in SKIP_TAGS or any(a.tag in SKIP_TAGS for a in el.iterancestors()):
            el.tail = _mark_words(el.tail) if el.tag not in ("head",) else el.tail
            continue
        el.text = _mark_words(el.text)
        el.tail = _mark_words(el.tail)
        if el.tag in ("td", "th") and el.text and el.text.strip():
            cells += 1  # table rows are short runs: give every other cell a number
            if cells % 2 == 0:
                el.text = f"{SLOT} {el.text}"
    for el in doc.xpath("//title | //h1"):
        el.text = (el.text or "") + f" {SLOT}"
    for el in doc.xpath("//link[@rel='canonical'] | //meta[@property='og:url']"):
        el.set("href" if el.tag == "link" else "content", SELF_URL)  # each copy is its own page
    for el in doc.xpath("//base"):
        el.drop_tree()
    for el in doc.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        el.set("content", el.get("content", "") + f" {SLOT}")
    out = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    out = out.replace("%EE%80%81", SELF_URL)  # lxml escapes the marker inside href
    return Template(slug, out.split(SLOT))


def exact_page(html: str, url: str) -> str:
    """The real page with its rel=canonical and og:url naming ``url``; a canonical link
    is added to the head of a page that has neither. Nothing else changes."""
    doc = lxml.html.document_fromstring(html)
    found = doc.xpath("//link[@rel='canonical'] | //meta[@property='og:url']")
    for el in found:
        el.set("href" if el.tag == "link" else "content", url)
    if not found:
        head = doc.find("head")
        if head is None:
            head = lxml.html.Element("head")
            doc.insert(0, head)
        head.insert(0, lxml.html.Element("link", rel="canonical", href=url))
    return lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")


def variant_url(url: str, copy: int) -> str:
    """--multisite: the canonical URL of a distinct-text copy, on a host of its own."""
    parts = urlsplit(url)
    return urlunsplit(("https", f"v{copy}.{parts.hostname}", parts.path or "/", parts.query, ""))


def load_templates(limit: int | None = None, multisite: bool = False) -> list[Template]:
    templates = []
    for path in sorted(ARTICLES.glob("*.html.gz"))[:limit]:
        meta = json.loads(path.with_name(path.name[: -len(".html.gz")] + ".json").read_text())
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        slug = re.sub(r"[^a-z0-9]+", "-", meta["url"].rstrip("/").rsplit("/", 1)[-1].lower())
        slug = slug.strip("-")[:60] or meta["id"][:12]
        if not multisite:
            templates.append(build_template(html, slug))
            continue
        exact = exact_page(html, meta["url"])
        template = build_template(exact, slug)  # its canonical becomes the variant's URL
        template.url, template.exact = meta["url"], exact
        templates.append(template)
    return templates


class Site:
    """N article URLs over the templates; page i is template i % T, copy i // T.

    With ``multisite``, copies below ``copies`` are the real page (canonical: its original
    URL), later ones the word-replaced page (canonical: ``variant_url``).
    """

    def __init__(
        self, templates: list[Template], n: int, multisite: bool = False, copies: int = 4
    ) -> None:
        self.templates = templates
        self.n = n
        self.multisite = multisite
        self.copies = copies

    def path(self, i: int) -> str:
        t = self.templates[i % len(self.templates)]
        return f"/news/2024/{t.slug}-{i}.html"

    def page(self, i: int) -> str:
        if not self.multisite:
            return self.templates[i % len(self.templates)].render(
                i // len(self.templates), self.path(i)
            )
        template, copy = self.templates[i % len(self.templates)], i // len(self.templates)
        if copy < self.copies:
            return template.exact
        return template.render(copy, html_escape(variant_url(template.url, copy)))

    def is_exact(self, i: int) -> bool:
        """--multisite: page i is an exact copy of its real page."""
        return i // len(self.templates) < self.copies

    def canonical(self, i: int) -> str:
        """--multisite: the URL page i names as its canonical."""
        template, copy = self.templates[i % len(self.templates)], i // len(self.templates)
        return template.url if copy < self.copies else variant_url(template.url, copy)

    def index(self, path: str) -> int | None:
        m = re.search(r"-(\d+)\.html$", path)
        if not m or not path.startswith("/news/2024/"):
            return None
        i = int(m.group(1))
        return i if 0 <= i < self.n and self.path(i) == path else None


def _response(status: str, body: bytes, ctype: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def serve_forever(n: int, multisite: bool = False, copies: int = 4) -> None:
    """The fixture server's process: asyncio, keep-alive, pages rendered by string joins.

    Runs apart from the bench (its own process, so the bare loop and the crawl's
    watcher never share a GIL with it) and prints its port on stdout. Counts the
    article pages it served (answered at ``COUNT_PATH``, which no page links to).
    """
    import asyncio

    site = Site(load_templates(multisite=multisite), n, multisite, copies)
    cache: dict[str, bytes] = {}
    served: dict[int, int] = {}  # article page -> responses
    other: Counter[str] = Counter()  # every other request, by path (404s together)
    not_found: list[str] = []  # the first few paths answered 404

    def answer(path: str, base: str) -> bytes:
        path = path.split("?", 1)[0]
        if path == COUNT_PATH:
            missing = [i for i in range(n) if i not in served]
            counts = {
                "responses": sum(served.values()),
                "distinct": len(served),
                "missing": missing[:20],
                "missing_count": len(missing),
                "other": dict(other),
                "not_found": not_found,
            }
            return _response("200 OK", json.dumps(counts).encode(), "application/json")
        index = site.index(path)
        if index is not None:
            served[index] = served.get(index, 0) + 1
        elif path in ("/robots.txt", "/sitemap.xml", "/"):
            other[path] += 1
        else:
            other["404"] += 1
            if len(not_found) < 5:
                not_found.append(path)
        if path == "/robots.txt":
            body = f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode()
            return _response("200 OK", body, "text/plain")
        if path == "/sitemap.xml":
            if "sitemap" not in cache:
                urls = "".join(f"<url><loc>{base}{site.path(i)}</loc></url>" for i in range(n))
                cache["sitemap"] = _response(
                    "200 OK",
                    (
                        '<?xml version="1.0" encoding="UTF-8"?>'
                        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"{urls}</urlset>"
                    ).encode(),
                    "application/xml",
                )
            return cache["sitemap"]
        if path == "/":
            body = b"<html><head><title>Bench news</title></head><body><h1>News</h1></body></html>"
            return _response("200 OK", body, "text/html; charset=utf-8")
        if index is None:
            return _response("404 Not Found", b"", "text/plain")
        return _response("200 OK", site.page(index).encode("utf-8"), "text/html; charset=utf-8")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                host = next(
                    (ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("host:")),
                    "127.0.0.1",
                )
                writer.write(answer(path, f"http://{host}"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=256)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Server:
    """The fixture server subprocess for N pages."""

    def __init__(self, n: int, multisite: bool = False, copies: int = 4) -> None:
        cmd = [sys.executable, __file__, "--serve", str(n)]
        if multisite:
            cmd += ["--multisite", "--copies", str(copies)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def served(self) -> dict[str, Any]:
        """What the server answered so far: article pages (responses, distinct, missing)
        and other requests by path."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.base + COUNT_PATH, timeout=30) as response:
            counts: dict[str, Any] = json.loads(response.read())
        return counts

    def cpu_seconds(self) -> float:
        try:
            t = psutil.Process(self.proc.pid).cpu_times()
        except psutil.Error:
            return 0.0
        return t.user + t.system

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _role(proc: psutil.Process, crawl_pid: int) -> str:
    if proc.pid == crawl_pid:
        return "crawl"
    try:
        cmdline = " ".join(proc.cmdline())
    except psutil.Error:
        return "other"
    if "resource_tracker" in cmdline:
        return "other"
    # extraction workers are forked by the fork server: same command line, other parent
    if "forkserver" in cmdline and proc.ppid() == crawl_pid:
        return "fork server"
    return "worker"


@dataclass
class Watch:
    """Peak RSS and CPU seconds of a process tree, polled from a thread."""

    pid: int
    peak_rss: int = 0  # sum of RSS (counts pages shared by forked workers once per process)
    peak_pss: int = 0  # sum of PSS (shared pages split between processes): the honest total
    peak_crawl_rss: int = 0  # the crawl process alone
    #: role ("crawl", "fork server", "worker", "other") -> peak PSS of one such process
    peak_role_pss: dict[str, int] = field(default_factory=dict)
    #: role -> peak RSS of one such process (shared pages counted in full)
    peak_role_rss: dict[str, int] = field(default_factory=dict)
    cpu: dict[int, tuple[str, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Watch:
        threading.Thread(target=self._poll, daemon=True).start()
        return self

    def _poll(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        next_full = 0.0
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = pss = 0
            # PSS means reading /proc/PID/smaps (about 3 ms of kernel time per process):
            # once a second; RSS (cheap) every poll
            full = time.monotonic() >= next_full
            if full:
                next_full = time.monotonic() + 1.0
            for p in procs:
                try:
                    mem = p.memory_full_info() if full else p.memory_info()
                    rss += mem.rss
                    pss += getattr(mem, "pss", 0)
                    if p.pid == self.pid:
                        self.peak_crawl_rss = max(self.peak_crawl_rss, mem.rss)
                    if full:
                        role = _role(p, self.pid)
                        peak = self.peak_role_pss.get(role, 0)
                        self.peak_role_pss[role] = max(peak, getattr(mem, "pss", 0))
                        peak = self.peak_role_rss.get(role, 0)
                        self.peak_role_rss[role] = max(peak, mem.rss)
                    t = p.cpu_times()
                    role = "crawl" if p.pid == self.pid else "workers"
                    self.cpu[p.pid] = (role, t.user + t.system)
                except psutil.Error:
                    pass
            self.peak_rss = max(self.peak_rss, rss)
            if full:
                self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()

    def cpu_seconds(self, role: str) -> float:
        return sum(s for r, s in self.cpu.values() if r == role)


def _py_spy() -> str:
    """py-spy from PATH, else next to this interpreter (a venv not on PATH)."""
    import shutil

    beside = Path(sys.executable).with_name("py-spy")
    return shutil.which("py-spy") or (str(beside) if beside.exists() else "py-spy")


def crawl(
    base: str,
    n: int,
    workdir: Path,
    settings: dict[str, str],
    profile: str | None = None,
    read_records: bool = False,
) -> dict[str, Any]:
    """Run ``scrapy crawl news`` over the site; return timing, memory and stats
    (with ``read_records``, also each record's canonical URL, URL and version)."""
    out = workdir / "output"
    all_settings = {
        "ALLOW_LOOPBACK": "1",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "INFO",
        "OUTPUT_DIR": str(out),
        "STATE_URL": f"sqlite:///{workdir / 'state.sqlite3'}",
        **settings,
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start={base}/"]
    cmd += ["-a", f"max_pages={n + 100}"]
    for k, v in all_settings.items():
        cmd += ["-s", f"{k}={v}"]
    log = (workdir / "crawl.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    watch = Watch(proc.pid).start()
    spy = None
    if profile:
        spy = subprocess.Popen(
            [
                _py_spy(),
                "record",
                "-o",
                profile,
                "--pid",
                str(proc.pid),
                "-r",
                os.environ.get("PYSPY_RATE", "50"),
            ]
            + ["--nonblocking"]
            + (["-f", "speedscope"] if profile.endswith(".json") else [])
            + (["-f", "raw"] if profile.endswith(".txt") else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    proc.wait()
    elapsed = time.perf_counter() - started
    watch.stop()
    if spy is not None:
        spy.wait(timeout=60)
    log.close()
    reports = sorted((out / "news").glob("*.stats.json"))
    stats = json.loads(reports[-1].read_text())["stats"] if reports else {}
    records = sum(
        1 for path in (out / "news").glob("*.jsonl") for line in path.open() if line.strip()
    )
    if not records:  # a crawl without the writer: count what left the pipelines
        records = int(stats.get("item_scraped_count", 0))
    written: list[dict[str, Any]] = []
    if read_records:
        for path in sorted((out / "news").glob("*.jsonl")):
            with path.open() as lines:
                for line in lines:
                    if line.strip():
                        rec = json.loads(line)
                        keys = ("canonical_url", "url", "version", "word_count", "language")
                        written.append({k: rec.get(k) for k in keys})
    return {
        "returncode": proc.returncode,
        "seconds": elapsed,
        "records": records,
        "peak_rss": watch.peak_rss,
        "peak_pss": watch.peak_pss,
        "peak_crawl_rss": watch.peak_crawl_rss,
        "peak_role_pss": dict(watch.peak_role_pss),
        "peak_role_rss": dict(watch.peak_role_rss),
        "cpu_crawl": watch.cpu_seconds("crawl"),
        "cpu_workers": watch.cpu_seconds("workers"),
        "stats": stats,
        "written": written,
        "log": str(workdir / "crawl.log"),
    }


def bare(pages: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s, pages with text) of ``trafilatura.extract(html)`` over ``pages``."""
    import trafilatura

    trafilatura.extract(pages[0])  # warm up imports and caches
    started, cpu = time.perf_counter(), time.process_time()
    texts = sum(1 for html in pages if trafilatura.extract(html))
    return time.perf_counter() - started, time.process_time() - cpu, texts


def stage_lines(stats: dict[str, Any], records: int, unit: str = "record") -> list[str]:
    times = {s: float(stats.get(f"time/{s}_ms", 0) or 0) for s in STAGES}
    total = sum(times.values()) or 1.0
    lines = []
    for s in STAGES:
        per_page = times[s] / max(records, 1)
        note = "" if times[s] else f"  (no time/{s}_ms stat)"
        lines.append(
            f"  {s:<12} {times[s] / 1000:8.1f} s  {100 * times[s] / total:5.1f} %  "
            f"{per_page:7.2f} ms/{unit}{note}"
        )
    return lines


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def report_crawl(
    result: dict[str, Any],
    n: int,
    server_cpu: float,
    served: dict[str, Any] | None = None,
    multisite: bool = False,
) -> None:
    """Print the crawl's figures: per record written, or with ``multisite`` per article
    page (most pages there are duplicates that give no record)."""
    stats = result["stats"]
    unit = "page" if multisite else "record"
    per = max(n if multisite else result["records"], 1)
    if multisite:
        pps = n / result["seconds"]
        head = (
            f"crawl: {n} article pages, {result['records']} records written, in "
            f"{result['seconds']:.1f} s = {pps:.1f} pages/s"
        )
    else:
        pps = result["records"] / result["seconds"]
        head = (
            f"crawl: {result['records']}/{n} records in {result['seconds']:.1f} s "
            f"= {pps:.1f} pages/s"
        )
    print(
        f"{head} (exit {result['returncode']}); "
        f"peak memory of the process tree: PSS {result['peak_pss'] / 2**20:.0f} MB "
        f"(RSS sum {result['peak_rss'] / 2**20:.0f} MB, which counts the pages the workers "
        f"share with their fork server once per process)"
    )
    print(
        f"  CPU: crawl process {result['cpu_crawl']:.1f} s "
        f"({1000 * result['cpu_crawl'] / per:.1f} ms/{unit}), "
        f"extraction workers {result['cpu_workers']:.1f} s "
        f"({1000 * result['cpu_workers'] / per:.1f} ms/{unit}), "
        f"fixture server {server_cpu:.1f} s ({1000 * server_cpu / per:.1f} ms/{unit})"
    )
    if served is not None:
        report_fetched(served, stats, n)
    roles = ", ".join(
        f"{role} {pss / 2**20:.0f}/{result['peak_role_rss'].get(role, 0) / 2**20:.0f} MB"
        for role, pss in sorted(result["peak_role_pss"].items())
    )
    print(f"  peak PSS/RSS of one process, by role: {roles}")
    keys = ("extract/peak_waiting", "extract/peak_in_flight", "extract/worker_restarts")
    print("  " + ", ".join(f"{k} {stats.get(k)}" for k in keys))
    drops = {k: v for k, v in stats.items() if k.startswith(("drop/", "skip/"))}
    if drops:
        print(f"  drops/skips: {drops}")
    what = "article pages" if multisite else "records"
    print(f"  time by stage (sum over {what}; extract is wall time in the workers):")
    for line in stage_lines(stats, per if multisite else result["records"], unit):
        print(line)
    print(f"  log: {result['log']}")


def report_fetched(served: dict[str, Any], stats: dict[str, Any], n: int) -> int:
    """Print how many of the N article pages the crawl fetched; return that number."""
    fetched = int(served.get("distinct", 0))
    other: dict[str, int] = served.get("other", {})
    received = stats.get("response_received_count")
    check = ""
    if received:
        # robots.txt as the shared robots middleware answers it from its own copy
        shared = int(stats.get("robotstxt/shared", 0) or 0)
        articles = received - sum(other.values()) - shared
        check = f" - {sum(other.values())} other - {shared} robotstxt/shared = {articles}"
    not_found = f" (404: {served['not_found']})" if served.get("not_found") else ""
    print(
        f"  fetched: {fetched}/{n} article pages ({served.get('responses')} responses) by the "
        f"fixture server's count; other requests {other}{not_found}; "
        f"stats response_received_count {received}{check}"
    )
    if fetched < n:
        print(
            f"  WARNING: the crawl fetched only {fetched} of the {n} article pages "
            f"({served.get('missing_count')} missing, e.g. pages {served.get('missing')}): "
            f"pages/s below still divide N by the crawl's time"
        )
    return fetched


def _import_crawler() -> None:
    """Make the project's packages importable (this script runs from bench/)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def offline_verdict(site: Site, i: int, base: str) -> str:
    """What the crawl's extraction makes of page i, run here: why it was skipped, or
    that it gives a record (so a later pipeline dropped it)."""
    _import_crawler()
    from scrapy.settings import Settings

    from crawler.extract.options import Skip
    from crawler.extract.record import build_record
    from crawler.items import FetchedPage
    from pipelines.extract import options_from_settings

    settings = Settings()
    settings.setmodule("crawler.settings")
    page = FetchedPage(url=base + site.path(i), html=site.page(i), fetched_at="", source="sitemap")
    result = build_record(page, options_from_settings(settings))
    if isinstance(result, Skip):
        return f"offline build_record: skip/{result.reason} ({result.detail})"
    return (
        f"offline build_record gives a record ({result.word_count} words, language "
        f"{result.language}): dropped after extraction"
    )


def report_multisite(result: dict[str, Any], site: Site, base: str) -> None:
    """Records written, canonical sites, the drop/skip accounting, and which real pages
    (and distinct-text variants) got no record or more than one."""
    _import_crawler()
    from crawler.net.urls import canonicalize

    n, stats, written = site.n, result["stats"], result["written"]
    hosts = {urlsplit(r["canonical_url"] or "").hostname for r in written}
    counted = {k: v for k, v in stats.items() if k.startswith(("drop/", "skip/"))}
    dropped = sum(int(v) for v in counted.values())
    accounted = len(written) + dropped
    verdict = "ok" if accounted >= n else f"SHORT by {n - accounted}"
    print(
        f"  multisite: {len(written)} records written (JSONL), naming {len(hosts)} distinct "
        f"canonical sites; accounting: written {len(written)} + drop/* and skip/* {dropped} "
        f"= {accounted} >= {n} article pages: {verdict}"
    )
    held = {k: v for k, v in stats.items() if k.startswith(("boilerplate/", "dedupe/"))}
    if held:
        print(f"  boilerplate/dedupe stats: {held}")
    expected: dict[str, list[int]] = {}  # canonical URL -> the pages that name it
    for i in range(n):
        expected.setdefault(canonicalize(site.canonical(i)), []).append(i)
    got: dict[str, list[dict[str, Any]]] = {}
    for rec in written:
        got.setdefault(rec["canonical_url"], []).append(rec)
    originals = [c for c, pages in expected.items() if site.is_exact(pages[0])]
    variants = [c for c, pages in expected.items() if not site.is_exact(pages[0])]
    for label, canonicals in (("original pages", originals), ("distinct variants", variants)):
        if not canonicals:
            continue
        one = sum(1 for c in canonicals if len(got.get(c, [])) == 1)
        pages = sum(len(expected[c]) for c in canonicals)
        print(
            f"  {label}: {one}/{len(canonicals)} got exactly one record (served as {pages} pages)"
        )
    bad = [c for c in expected if len(got.get(c, [])) != 1]
    if bad:
        print(f"  {len(bad)} canonical URLs with 0 or more than 1 record:")
    for c in bad[:40]:
        pages, recs = expected[c], got.get(c, [])
        slug = site.templates[pages[0] % len(site.templates)].slug
        line = f"    {len(recs)} records: page {pages[0]} {slug} ({len(pages)} copies) {c}"
        if recs:
            line += "; written from " + ", ".join(
                f"{str(r['url']).rsplit('/', 1)[-1]} (version {r['version']}, "
                f"{r['word_count']} words)"
                for r in recs
            )
        else:
            line += "; " + offline_verdict(site, pages[0], base)
        print(line)
    if len(bad) > 40:
        print(f"    ... and {len(bad) - 40} more")
    unmapped = [c for c in got if c not in expected]
    if unmapped:
        print(
            f"  {sum(len(got[c]) for c in unmapped)} records name no page's canonical URL, "
            f"e.g. {unmapped[:5]}"
        )


def bare_indices(site: Site, bare_n: int) -> list[int]:
    """The pages of ``site`` the bare loop runs over: the first ``bare_n``, or with
    --multisite the same copy numbers of every template, spread over the site's copies
    (so exact copies and variants come in about the crawl's proportion)."""
    count = len(site.templates)
    if not site.multisite or bare_n < count:
        return list(range(bare_n))
    per_template = bare_n // count
    copies = -(-site.n // count)
    out: list[int] = []
    for k in range(per_template):
        copy = k * copies // per_template
        out += [copy * count + t for t in range(count) if copy * count + t < site.n]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="pages to crawl")
    parser.add_argument("--scale", action="store_true", help="crawl N = 2,000, 5,000, 20,000")
    parser.add_argument("--sizes", help="with --scale: comma-separated N values instead")
    parser.add_argument(
        "--bare-n", type=int, default=0, help="pages for the bare loop (default: min(N, 362))"
    )
    parser.add_argument("--workers", default="0", help="EXTRACT_WORKERS for the crawl")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], help="extra NAME=VALUE crawl settings"
    )
    parser.add_argument("--keep", action="store_true", help="keep the output directory")
    parser.add_argument(
        "--profile",
        help="py-spy the crawl process into this file "
        "(.svg flame graph, .json speedscope, .txt collapsed stacks)",
    )
    parser.add_argument(
        "--multisite",
        action="store_true",
        help="canonicals name each page's original URL: many sites, several copies per page",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=4,
        help="with --multisite: exact copies of each real page (later copies get distinct text)",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve, args.multisite, args.copies)
        return 0

    templates = load_templates(multisite=args.multisite)
    scale = [int(x) for x in args.sizes.split(",")] if args.sizes else [2000, 5000, 20000]
    sizes = scale if args.scale else [args.n]
    bare_n = args.bare_n or min(sizes[0], 2 * len(templates))
    if args.multisite:
        bare_site = Site(templates, sizes[0], multisite=True, copies=args.copies)
    else:
        bare_site = Site(templates, bare_n)
    pages = [bare_site.page(i) for i in bare_indices(bare_site, bare_n)]
    bare_n = len(pages)
    mode = f"; --multisite, {args.copies} exact copies per page" if args.multisite else ""
    print(f"{len(templates)} source articles; machine: {os.cpu_count()} CPUs; {load()}{mode}")

    settings = {"EXTRACT_WORKERS": args.workers}
    settings.update(dict(s.split("=", 1) for s in args.settings))
    bares: list[float] = []

    def run_bare() -> None:
        wall, cpu, texts = bare(pages)
        bares.append(bare_n / wall)
        print(
            f"bare trafilatura.extract, one process: {bare_n} pages in {wall:.1f} s "
            f"= {bare_n / wall:.1f} pages/s ({1000 * cpu / bare_n:.1f} ms CPU/page, "
            f"{texts} with text); {load()}"
        )

    rows = []
    for n in sizes:
        server = Server(n, args.multisite, args.copies)
        if not bares or not args.scale:
            run_bare()
        with tempfile.TemporaryDirectory(prefix="cleanwire-bench-") as tmp:
            workdir = Path(tmp)
            if args.keep:
                workdir = Path(tempfile.mkdtemp(prefix="cleanwire-bench-keep-"))
            print(f"\n== crawl N={n} (EXTRACT_WORKERS={args.workers}); {load()} ==")
            cpu0 = server.cpu_seconds()
            result = crawl(
                server.base, n, workdir, settings, args.profile, read_records=args.multisite
            )
            server_cpu = server.cpu_seconds() - cpu0
            report_crawl(result, n, server_cpu, server.served(), args.multisite)
            if args.multisite:
                report_multisite(result, Site(templates, n, True, args.copies), server.base)
            # pages/s: records written (each page gives one), or with --multisite the
            # article pages fetched (most are duplicates that give no record)
            done = n if args.multisite else result["records"]
            rows.append((n, result["seconds"], done, result["peak_pss"], result["peak_rss"]))
        server.close()
        if not args.scale or n == sizes[-1]:
            run_bare()
        bare_pps = sum(bares) / len(bares)
        pps = done / result["seconds"]
        basis = " on article pages" if args.multisite else ""
        print(
            f"  ratio crawl / bare{basis} (mean of {len(bares)} bare runs, {bare_pps:.1f} "
            f"pages/s): {pps / bare_pps:.2f}x\n"
        )
    if len(rows) > 1:
        print("\n     N   seconds   pages/s   peak PSS MB   (RSS sum MB)   s/page(ms)")
        for n, secs, done, pss, rss in rows:
            print(
                f"{n:6d}  {secs:8.1f}  {done / secs:8.1f}  {pss / 2**20:12.0f}  "
                f"{rss / 2**20:13.0f}  {1000 * secs / n:11.2f}"
            )
        n0, s0, _, p0, r0 = rows[0]
        n1, s1, _, p1, r1 = rows[-1]
        print(
            f"N x{n1 / n0:.0f}: time x{s1 / s0:.1f}, peak PSS x{p1 / p0:.2f} "
            f"(RSS sum x{r1 / r0:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
