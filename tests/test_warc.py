"""`scrapy crawl warc`: archives in, same records as a live crawl; corrupt records skipped."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import psutil
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.net.warc_reader import iter_warc
from spiders.warc import expand_paths
from tests.articles import article_html, article_text, sitemap_xml
from tests.conftest import run_crawl

BASE = "https://harbour-gazette.example"


def _response(
    writer: WARCWriter,
    url: str,
    body: bytes,
    status: str = "200 OK",
    ctype: str = "text/html; charset=utf-8",
) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=headers
    )
    writer.write_record(record)


def build_warc(path: Path, articles: int, gz: bool = True, corrupt: bool = False) -> list[str]:
    """An archive with ``articles`` article pages plus every kind of record to skip."""
    urls = [f"{BASE}/news/2026/story-{i}" for i in range(articles)]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for i, url in enumerate(urls):
            if i == articles // 2:
                _response(writer, f"{BASE}/missing", b"<html>gone</html>", status="404 Not Found")
                _response(
                    writer, f"{BASE}/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, ctype="image/png"
                )
                req = writer.create_warc_record(
                    f"{BASE}/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
                )
                writer.write_record(req)
                revisit = writer.create_revisit_record(
                    f"{BASE}/news/again",
                    digest="sha1:AAAA",
                    refers_to_uri=urls[0],
                    refers_to_date="2026-01-01T00:00:00Z",
                    http_headers=StatusAndHeaders("200 OK", [], protocol="HTTP/1.1"),
                )
                writer.write_record(revisit)
                if corrupt:
                    fh.write(
                        gzip.compress(
                            b"WARC/1.0\r\nWARC-Type: response\r\n"
                            b"Content-Length: 99999\r\n\r\ntruncated"
                        )
                        if gz
                        else b"WARC/1.0\r\nWARC-Type: resp\x00\x00\x00 garbage\r\n\r\n"
                    )
            _response(writer, url, article_html(url, seed=1000 + i).encode("utf-8"))
        _response(
            writer, f"{BASE}/sitemap.xml", sitemap_xml(urls).encode(), ctype="application/xml"
        )
    return urls


def test_expand_paths_accepts_globs_lists_and_file_urls(tmp_path: Path) -> None:
    for name in ("a.warc.gz", "b.warc.gz", "c.arc"):
        (tmp_path / name).write_bytes(b"")
    got = expand_paths(f"{tmp_path}/*.warc.gz,file://{tmp_path}/c.arc")
    assert [p.name for p in got] == ["a.warc.gz", "b.warc.gz", "c.arc"]


def test_corrupt_record_is_skipped_and_the_file_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    urls = build_warc(path, articles=6, gz=True, corrupt=True)
    entries = list(iter_warc(path))
    assert [e.url for e in entries if e.kind == "page"] == urls
    assert [e.kind for e in entries].count("corrupt") == 1


def test_garbled_record_in_uncompressed_warc_does_not_stop_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "x.warc"
    urls = build_warc(path, articles=6, gz=False, corrupt=True)
    pages = [e.url for e in iter_warc(path) if e.kind == "page"]
    assert pages[:3] == urls[:3]


def test_warc_crawl_emits_each_article_and_counts_every_skipped_record(tmp_path: Path) -> None:
    path = tmp_path / "archive.warc.gz"
    urls = build_warc(path, articles=12, corrupt=True)
    result = run_crawl(tmp_path, spider="warc", path=str(path))
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["url"] for r in result.records) == sorted(urls)
    titles = {r["url"]: r["title"] for r in result.records}
    assert titles[urls[3]] == article_text(1003)[0]
    assert all(r["fetched_at"].endswith("Z") for r in result.records)
    assert result.stat("skip/warc_status") == 1
    assert result.stat("skip/warc_not_html") == 2  # the PNG and the sitemap
    assert result.stat("skip/warc_revisit") == 1
    assert result.stat("skip/warc_other_record") >= 2  # warcinfo + request
    assert result.stat("skip/warc_corrupt") == 1


def test_news_crawl_archived_with_warc_output_re_extracts_to_the_same_records(
    tmp_path: Path, serve
) -> None:
    server = serve()
    urls = [server.url(f"/news/story-{i}") for i in range(8)]
    for i, url in enumerate(urls):
        server.route(f"/news/story-{i}", article_html(url, seed=2000 + i))
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route("/", "<html><body><a href='/news/story-0'>x</a></body></html>")
    live = run_crawl(tmp_path / "live", settings={"WARC_OUTPUT": "1"}, start=server.url("/"))
    assert live.returncode == 0, live.log[-3000:]
    assert len(live.records) == 8
    archives = sorted((live.output_dir / "news").glob("*.warc.gz"))
    assert len(archives) == 1 and not list((live.output_dir / "news").glob("*.part"))
    again = run_crawl(tmp_path / "replay", spider="warc", path=str(archives[0]))
    assert again.returncode == 0, again.log[-3000:]
    live_records = {r["id"]: r["text"] for r in live.records}
    replayed = {r["id"]: r["text"] for r in again.records}
    assert replayed == live_records


def test_ten_thousand_record_warc_streams_with_flat_memory(tmp_path: Path) -> None:
    """A large archive is read as a stream: peak RSS does not grow with its size."""
    big = tmp_path / "big.warc.gz"
    with open(big, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        payload = b"\x89PNG\r\n\x1a\n" + b"\1" * 20000
        for i in range(10000):
            _response(writer, f"{BASE}/img/{i}.png", payload, ctype="image/png")
    proc = psutil.Process()
    before = proc.memory_info().rss
    count = sum(1 for e in iter_warc(big) if e.kind == "not_html")
    assert count == 10000
    assert proc.memory_info().rss - before < 50 * 1024 * 1024
