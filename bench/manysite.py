"""Many sites, a few pages each (a CC-NEWS WARC): `scrapy crawl warc` against bare trafilatura.

Builds a gzip WARC shaped like a CC-NEWS file from the real pages in ../shared/bench/articles
and ../shared/bench/news-meta: each page under its original URL (hundreds of hosts, a few
pages each) and under COPIES - 1 more URLs of the same host (``?copy=k``), rel=canonical and
og:url rewritten to the copy's own URL, so only the exact / near duplicate checks can fold
the copies. Larger archives add distinct-text variants (bench/throughput.py's templates:
every sixth word replaced), variant k of a page on a host of its own (``v<k>.<host>``).
Records are shuffled with a fixed seed: CC-NEWS is time ordered, not grouped by host.

Runs the real ``scrapy crawl warc`` over it (fresh state store, every pipeline on), and in
the same run a bare one-process ``trafilatura.extract(body)`` loop over the same bodies.
Prints pages/s of both and their ratio, the crawl process's own peak RSS (goal: < 150 MB at
2,000 records, flat to 10,000), whether every record is written or counted in a drop/skip
stat, which articles got no record or more than one, and time by stage.

    python bench/manysite.py [--sizes 2000,10000] [--copies 4] [--keep] [--setting NAME=VALUE]
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import Template, Watch, build_template, load, stage_lines  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench"
if not (SHARED / "articles").is_dir():
    SHARED = Path("/work/shared/bench")
MB = 1024 * 1024
SEED = 20240501
CTYPE = "text/html; charset=utf-8"
_TAG = re.compile(rb"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
_SELF = re.compile(rb"""\b(?:rel|property)\s*=\s*["']?(?:canonical|og:url)\b""", re.IGNORECASE)
_VALUE = re.compile(rb"""\b(href|content)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Rec:
    """One WARC record: ``article`` is a source page's id, with ``#v<k>`` for a variant."""

    article: str
    url: str
    source: int
    variant: int  # -1: the real page (a plain copy)


class Corpus:
    """The real pages, and each record's body (variants rendered from templates)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.urls: list[str] = []
        self.raw: list[bytes] = []
        for name in ("articles", "news-meta"):
            for gz in sorted((SHARED / name).glob("*.html.gz")):
                meta = json.loads(gz.with_name(gz.name[: -len(".html.gz")] + ".json").read_text())
                url = safe_url_string(meta["url"])
                if url in self.urls:  # two fetches of one URL: the second one gets its own
                    url = with_query(url, f"fetch={self.urls.count(url) + 1}")
                self.ids.append(f"{name}/{gz.name[: -len('.html.gz')]}")
                self.urls.append(url)
                self.raw.append(gzip.decompress(gz.read_bytes()))
        self.templates: dict[int, Template] = {}

    def plan(self, n: int, copies: int) -> list[Rec]:
        recs = [
            Rec(sid, url if c == 0 else with_query(url, f"copy={c}"), i, -1)
            for c in range(copies)
            for i, (sid, url) in enumerate(zip(self.ids, self.urls, strict=True))
        ]
        k = 0
        while len(recs) < n:
            for i, (sid, url) in enumerate(zip(self.ids, self.urls, strict=True)):
                host = f"v{k}.{urlsplit(url).netloc}"
                recs.append(
                    Rec(f"{sid}#v{k}", urlunsplit(urlsplit(url)._replace(netloc=host)), i, k)
                )
            k += 1
        recs = recs[:n]
        random.Random(SEED).shuffle(recs)
        return recs

    def body(self, rec: Rec) -> bytes:
        if rec.variant < 0:
            return point_at(self.raw[rec.source], rec.url)
        if rec.source not in self.templates:
            self.templates[rec.source] = build_template(
                self.raw[rec.source].decode("utf-8", "replace"), ""
            )
        return self.templates[rec.source].render(rec.variant, html.escape(rec.url)).encode("utf-8")


def with_query(url: str, extra: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def point_at(body: bytes, url: str) -> bytes:
    """``body`` with its ``rel=canonical`` link and ``og:url`` meta pointing at ``url``."""
    value = b'="' + html.escape(url).encode("ascii") + b'"'

    def fix(tag: re.Match[bytes]) -> bytes:
        if not _SELF.search(tag.group(0)):
            return tag.group(0)
        return _VALUE.sub(lambda m: m.group(1) + value, tag.group(0), count=1)

    return _TAG.sub(fix, body)


def build_warc(path: Path, corpus: Corpus, recs: list[Rec]) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for rec in recs:
            headers = StatusAndHeaders("200 OK", [("Content-Type", CTYPE)], protocol="HTTP/1.1")
            body = io.BytesIO(corpus.body(rec))
            record = writer.create_warc_record(rec.url, "response", body, http_headers=headers)
            writer.write_record(record)


def crawl(archive: Path, workdir: Path, settings: dict[str, str]) -> dict[str, Any]:
    out = workdir / "output"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "warc", "-a", f"path={archive}"]
    base = {"OUTPUT_DIR": str(out), "STATE_URL": f"sqlite:///{workdir / 'state.sqlite3'}"}
    for key, value in {**base, "LOG_LEVEL": "WARNING", **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    with (workdir / "crawl.log").open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        watch = Watch(proc.pid).start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        watch.stop()
    reports = sorted((out / "warc").glob("*.stats.json"))
    stats = json.loads(reports[-1].read_text())["stats"] if reports else {}
    written = [
        json.loads(line)["url"]
        for path in sorted((out / "warc").glob("*.jsonl"))
        for line in path.open(encoding="utf-8")
        if line.strip()
    ]
    return {"code": code, "seconds": seconds, "stats": stats, "written": written, "watch": watch}


def bare(archive: Path) -> tuple[float, int, int]:
    """(seconds in ``trafilatura.extract``, pages, pages with text) over the archive's bodies."""
    import trafilatura

    seconds, pages, texts = 0.0, 0, 0
    with archive.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            body = record.content_stream().read()
            if not pages:
                trafilatura.extract(body)  # warm up imports and caches
            started = time.perf_counter()
            texts += bool(trafilatura.extract(body))
            seconds += time.perf_counter() - started
            pages += 1
    return seconds, pages, texts


def _extracted(corpus: Corpus, rec: Rec, settings: dict[str, str]) -> Any:
    """What extraction alone makes of a record: its ArticleRecord or Skip."""
    from scrapy.settings import Settings

    from crawler.extract.record import build_record
    from crawler.items import FetchedPage
    from crawler.text.charset import decode_html
    from pipelines.extract import options_from_settings

    conf = Settings()
    conf.setmodule("crawler.settings")
    conf.update(settings)
    page_html = decode_html(corpus.body(rec), CTYPE) or ""
    page = FetchedPage(url=rec.url, html=page_html, fetched_at="", source="warc")
    return build_record(page, options_from_settings(conf))


def diagnose(corpus: Corpus, rec: Rec, settings: dict[str, str]) -> str:
    """What extraction alone makes of a record that was not written."""
    from crawler.extract.options import Skip

    result = _extracted(corpus, rec, settings)
    if isinstance(result, Skip):
        return f"extraction: skip/{result.reason} {result.detail}"
    return f"extracts {result.word_count} words ({result.language}): dropped after extraction"


def folded_into_sibling(
    corpus: Corpus, recs: list[Rec], rec: Rec, written: set[str], settings: dict[str, str]
) -> str | None:
    """How an article with no record is one the crawl wrote under another of its page's
    forms (the real page or a variant of it), or None.

    A variant changes every sixth word of the page's long text runs. When the article's
    text comes from elsewhere (a page its scripts render), a variant and its real page
    extract the same text ("same text"); in Chinese or Japanese, where a text run has
    few spaces, so few changed words that the texts are near copies ("near copy": MinHash
    Jaccard >= the crawl's ``DEDUPE_THRESHOLD``). Either way they are one article, and
    the dedupe pipeline rightly writes it once, under whichever form came first."""
    from crawler.text.neardup import jaccard, minhash

    mine = _extracted(corpus, rec, settings)
    text = getattr(mine, "text", None)
    if text is None:
        return None
    threshold = float(settings.get("DEDUPE_THRESHOLD", 0.8))
    siblings = {r.article: r for r in recs if r.source == rec.source and r.article in written}
    for article, sibling in sorted(siblings.items()):
        theirs = _extracted(corpus, sibling, settings)
        if getattr(theirs, "content_hash", None) == mine.content_hash:
            return f"same text as {article}"
        other = getattr(theirs, "text", None)
        if other is not None and jaccard(minhash(text), minhash(other)) >= threshold:
            return f"near copy of {article}"
    return None


def account(
    corpus: Corpus, recs: list[Rec], result: dict[str, Any], settings: dict[str, str]
) -> None:
    stats = result["stats"]
    reasons = {k: int(v) for k, v in sorted(stats.items()) if k.startswith(("drop/", "skip/"))}
    written = int(stats.get("records/written", 0))
    total = written + sum(reasons.values())
    verdict = "ok" if total == len(recs) else f"MISMATCH {total - len(recs):+d}"
    print(
        f"  accounting: records/written {written} + drop/skip {sum(reasons.values())} = {total}"
        f" of {len(recs)} records ({verdict}); warc/records {stats.get('warc/records')},"
        f" JSONL lines {len(result['written'])}"
    )
    print("  " + (", ".join(f"{k} {v}" for k, v in reasons.items()) or "no drop/skip stats"))
    by_url = {rec.url: rec for rec in recs}
    per_article: Counter[str] = Counter()
    unknown = []
    for url in result["written"]:
        rec = by_url.get(url)
        if rec is None:
            unknown.append(url)
        else:
            per_article[rec.article] += 1
    articles = {rec.article: rec for rec in sorted(recs, key=lambda r: r.url, reverse=True)}
    n_urls = Counter(rec.article for rec in recs)
    missing = [a for a in articles if a not in per_article]
    folded = {
        a: why
        for a in missing
        if (why := folded_into_sibling(corpus, recs, articles[a], set(per_article), settings))
    }
    missing = [a for a in missing if a not in folded]
    if folded:
        print(
            f"  forms of one page whose texts are the same or near copies (one article,"
            f" its record written once under another form): {len(folded)}"
        )
        for article, why in sorted(folded.items()):
            if "near copy" in why or "#" not in article:
                print(f"    {article}: {why}")
    many = {a: c for a, c in per_article.items() if c > 1}
    print(
        f"  articles: {len(articles)}; with 0 records {len(missing)}, with more than 1"
        f" {len(many)} ({sum(many.values()) - len(many)} extra records);"
        f" written records of no known URL {len(unknown)}"
    )
    for article in sorted(missing)[:10]:
        print(f"    0 of {n_urls[article]} URLs: {article} {articles[article].url}")
        print(f"      {diagnose(corpus, articles[article], settings)}")
    for article, count in sorted(many.items())[:10]:
        urls = [u for u in result["written"] if u in by_url and by_url[u].article == article]
        print(f"    {count} records: {article}: {' '.join(sorted(urls))}")
    for url in unknown[:5]:
        print(f"    written, unknown URL: {url}")


def run(
    n: int, copies: int, corpus: Corpus, settings: dict[str, str], workdir: Path
) -> dict[str, float]:
    recs = corpus.plan(n, copies)
    archive = workdir / f"manysite-{n}.warc.gz"
    started = time.perf_counter()
    build_warc(archive, corpus, recs)
    hosts = {urlsplit(rec.url).hostname for rec in recs}
    articles = {rec.article for rec in recs}
    print(
        f"\n== N={n}: {len(recs)} records, {len(hosts)} hosts, {len(articles)} articles"
        f" ({sum('#' not in a for a in articles)} real pages, {sum('#' in a for a in articles)}"
        f" variants); {archive.stat().st_size / MB:.0f} MB archive built in"
        f" {time.perf_counter() - started:.0f} s; {load()} ==",
        flush=True,
    )
    result = crawl(archive, workdir, settings)
    stats, watch = result["stats"], result["watch"]
    read = int(stats.get("warc/records", 0)) or n
    ours = read / result["seconds"]
    roles = ", ".join(
        f"{role} {pss / MB:.0f}/{watch.peak_role_rss.get(role, 0) / MB:.0f}"
        for role, pss in sorted(watch.peak_role_pss.items())
    )
    print(
        f"  crawl: {read} records read in {result['seconds']:.1f} s = {ours:.1f} pages/s"
        f" (exit {result['code']}); crawl process peak RSS {watch.peak_crawl_rss / MB:.0f} MB;"
        f" tree peak PSS {watch.peak_pss / MB:.0f} MB (RSS sum {watch.peak_rss / MB:.0f} MB);"
        f" peak PSS/RSS MB of one process by role: {roles}",
        flush=True,
    )
    log = (workdir / "crawl.log").read_text(errors="replace").splitlines()
    if result["code"] or log:
        print(f"  crawl log ({len(log)} lines), last lines:", *log[-5:], sep="\n    ")
    seconds, pages, texts = bare(archive)
    print(
        f"  bare trafilatura.extract, one process: {pages} pages in {seconds:.1f} s ="
        f" {pages / seconds:.1f} pages/s ({texts} with text); ratio ours/bare"
        f" {ours / (pages / seconds):.2f}x; {load()}",
        flush=True,
    )
    account(corpus, recs, result, settings)
    if any(k.startswith("time/") for k in stats):
        print("  time by stage (sum over records; extract is wall time in the workers):")
        print(*stage_lines(stats, int(stats.get("records/written", 0))), sep="\n")
    return {"n": n, "seconds": result["seconds"], "crawl_rss": watch.peak_crawl_rss / MB}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000", help="comma-separated archive sizes (records)")
    parser.add_argument("--copies", type=int, default=4, help="URLs per real page, in total")
    parser.add_argument("--keep", action="store_true", help="keep the archive and the output")
    parser.add_argument(
        "--setting", action="append", default=[], help="extra NAME=VALUE crawl setting (-s)"
    )
    args = parser.parse_args()
    settings = dict(s.split("=", 1) for s in args.setting)
    corpus = Corpus()
    print(
        f"{len(corpus.ids)} real pages on {len({urlsplit(u).hostname for u in corpus.urls})} hosts"
    )
    workroot = Path(tempfile.mkdtemp(prefix="cleanwire-manysite-"))
    rows = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            workdir = workroot / str(n)
            workdir.mkdir()
            rows.append(run(n, args.copies, corpus, settings, workdir))
    finally:
        if args.keep:
            print(f"\nkept in {workroot}")
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(
            f"\nN x{last['n'] / first['n']:.1f}: time x{last['seconds'] / first['seconds']:.2f},"
            f" crawl-process peak RSS x{last['crawl_rss'] / first['crawl_rss']:.2f}"
            f" ({first['crawl_rss']:.0f} -> {last['crawl_rss']:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
