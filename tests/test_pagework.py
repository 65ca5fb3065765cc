"""Pages are decoded in the extraction step, not in the crawl process.

The spider hands an article found through a sitemap or feed to the pipelines with
its raw body; ``crawler.extract.pagework`` decodes it (``crawler.text.charset`` rules) where the
page is extracted: in a worker process, or in the crawl process with
``EXTRACT_WORKERS = 1``. Listing pages, which the spider parses for links, are
still decoded by the spider. Both ways give the same records and the same
``skip/undecodable`` counts.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.extract.options import ExtractOptions, Skip
from crawler.extract.pagework import decoded, extract_page
from crawler.items import ArticleRecord, FetchedPage
from crawler.text.charset import decode_html
from spiders.news import NewsSpider
from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl

RUSSIAN = (
    "Правительство Москвы в понедельник утвердило новый план ремонта мостов. "
    "По словам мэра, работы начнутся весной и продлятся до конца следующего года."
)
JAPANESE = (
    "東京都は月曜日、新しい防災計画を発表した。計画には、地震や洪水に備えた避難所の"
    "増設が含まれている。知事は記者会見で「住民の安全を最優先に考えた」と述べた。"
)
GERMAN = "Anwohner begrüßten die Entscheidung, Händler äußerten Kritik an der Brücke."
GERMAN_DOUBLE = "Fahrgäste ärgerten sich über höhere Gebühren für Straßenbahnen in München."


def _with_paragraph(url: str, seed: int, text: str, charset: str = "utf-8") -> str:
    """A fixture article with one extra paragraph of ``text``, declaring ``charset``."""
    html = article_html(url, seed)
    html = html.replace('<meta charset="utf-8">', f'<meta charset="{charset}">')
    return re.sub(r'(<p class="byline">[^<]*</p>)', lambda m: f"{m.group(1)}\n<p>{text}</p>", html)


def _cp1251_page() -> bytes:
    return _with_paragraph("u", 1, RUSSIAN).encode("cp1251")


# -- the task on its own ------------------------------------------------------------


def test_raw_body_is_decoded_by_the_charset_rules() -> None:
    body = _cp1251_page()
    page = FetchedPage(
        url="https://example.com/a",
        html="",
        fetched_at="t",
        body=body,
        content_type="text/html; charset=windows-1251",  # the page itself says utf-8
    )
    ready = decoded(page)
    assert isinstance(ready, FetchedPage)
    assert ready.html == decode_html(body, "text/html; charset=windows-1251")
    assert RUSSIAN in ready.html
    assert ready.body is None and ready.content_type is None


def test_undecodable_body_is_a_skip_and_a_decoded_page_is_left_alone() -> None:
    rng = random.Random(3)
    noise = b"<html><body><p>" + bytes(rng.randrange(128, 256) for _ in range(6000))
    page = FetchedPage(url="https://example.com/b", html="", fetched_at="t", body=noise)
    assert decoded(page) == Skip("undecodable", "no charset decodes the body cleanly")
    ready = FetchedPage(url="https://example.com/c", html="<p>text</p>", fetched_at="t")
    assert decoded(ready) is ready


def echo_page(page: FetchedPage, options: Any) -> FetchedPage:
    """A page function that returns what it was given."""
    return page


def test_page_function_always_receives_decoded_html() -> None:
    page = FetchedPage(
        url="https://example.com/a",
        html="",
        fetched_at="t",
        body=_cp1251_page(),
        content_type="text/html; charset=windows-1251",
    )
    seen = extract_page("tests.test_pagework.echo_page", page, ExtractOptions())
    assert isinstance(seen, FetchedPage) and RUSSIAN in seen.html and seen.body is None
    record = extract_page("crawler.extract.record.build_record", page, ExtractOptions())
    assert isinstance(record, ArticleRecord) and "Правительство Москвы" in record.text


# -- the spider ---------------------------------------------------------------------


def _spider(tmp_path: Path) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}"})
    spider = NewsSpider.from_crawler(crawler, start="https://example.com/")
    list(spider.start_requests_for("https://example.com/"))  # the site's discovery state
    return spider


def _response(url: str, body: bytes, **meta: Any) -> HtmlResponse:
    request = Request(url, meta={"site": "example.com", **meta})
    return HtmlResponse(
        url=url,
        body=body,
        headers={"Content-Type": "text/html; charset=windows-1251"},
        request=request,
    )


def test_sitemap_article_leaves_the_spider_undecoded(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    body = _cp1251_page()
    response = _response("https://example.com/news/a.html", body, source="sitemap")
    (page,) = spider.parse_page(response)
    assert isinstance(page, FetchedPage)
    assert page.html == "" and page.body == body
    assert page.content_type == "text/html; charset=windows-1251"
    assert page.source == "sitemap"


def test_listing_page_followed_for_links_is_decoded_by_the_spider(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    spider.sites["example.com"].link_mode = True
    body = _cp1251_page()
    response = _response("https://example.com/section/", body, follow=True)
    outputs = list(spider.parse_page(response))
    pages = [o for o in outputs if isinstance(o, FetchedPage)]
    assert len(pages) == 1 and pages[0].body is None
    assert RUSSIAN in pages[0].html
    assert any(isinstance(o, Request) for o in outputs)  # its links are followed


# -- real crawls ----------------------------------------------------------------------


def _charset_site(serve: Any) -> tuple[Any, list[str]]:
    server = serve()
    paths = {
        "cp1251": "/news/2026/05/01/moscow-bridges.html",
        "shift_jis": "/news/2026/05/02/tokyo-shelters.html",
        "utf8": "/news/2026/05/03/elbe-bridge.html",
        "double": "/news/2026/05/04/double-encoded.html",
        "lossy": "/news/2026/05/06/double-encoded-lossy.html",
        "noise": "/news/2026/05/05/noise.html",
    }
    url = server.url
    server.route(
        paths["cp1251"],
        _with_paragraph(url(paths["cp1251"]), 11, RUSSIAN).encode("cp1251"),
        "text/html; charset=windows-1251",
    )
    server.route(
        paths["shift_jis"],
        _with_paragraph(url(paths["shift_jis"]), 12, JAPANESE, "Shift_JIS").encode("shift_jis"),
        "text/html",
    )
    server.route(
        paths["utf8"], _with_paragraph(url(paths["utf8"]), 13, GERMAN), "text/html; charset=utf-8"
    )
    # UTF-8 that was decoded as cp1252 (browser-style: C1 controls for its undefined
    # bytes) and encoded again ("CafÃ©"): repaired
    double = _with_paragraph(url(paths["double"]), 14, GERMAN_DOUBLE).encode("utf-8")
    server.route(
        paths["double"],
        "".join(
            chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
            for b in double
        ).encode("utf-8"),
        "text/html; charset=utf-8",
    )
    # the same, but the bad decoding replaced bytes by U+FFFD: lost, so skipped
    lossy = "<html><body><p>Café au lait — naïve résumé, déjà vu. ”Zitat”</p></body></html>"
    server.route(
        paths["lossy"],
        lossy.encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
        "text/html; charset=utf-8",
    )
    rng = random.Random(5)
    server.route(
        paths["noise"],
        b"<html><body><p>" + bytes(rng.randrange(128, 256) for _ in range(6000)) + b"</p>",
        "text/html; charset=utf-8",
    )
    urls = [url(p) for p in paths.values()]
    server.route(
        "/robots.txt", f"User-agent: *\nSitemap: {server.base}/sitemap.xml\n", "text/plain"
    )
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    server.route("/", "<html><head><title>Home</title></head><body><h1>Home</h1></body></html>")
    return server, urls


def _comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in r.items() if k != "fetched_at"} for r in records),
        key=lambda r: r["url"],
    )


def test_legacy_charsets_give_the_same_records_in_process_and_in_workers(tmp_path, serve) -> None:
    server, urls = _charset_site(serve)
    single = run_crawl(
        tmp_path / "single", start=server.url("/"), settings={"EXTRACT_WORKERS": "1"}
    )
    pooled = run_crawl(
        tmp_path / "pooled", start=server.url("/"), settings={"EXTRACT_WORKERS": "2"}
    )
    for result in (single, pooled):
        assert result.returncode == 0, result.log[-3000:]
        texts = {r["url"]: r["text"] for r in result.records}
        assert set(texts) == set(urls[:4])
        assert "Правительство Москвы" in texts[urls[0]]
        assert "東京都は月曜日" in texts[urls[1]]
        assert "Händler äußerten Kritik" in texts[urls[2]]
        assert GERMAN_DOUBLE in texts[urls[3]]  # repaired, not read as another charset
        # the lossy double-encoded and the random-bytes page are skipped, not mojibake
        assert result.stat("skip/undecodable") == 2
    assert _comparable(pooled.records) == _comparable(single.records)
    skips = {k: v for k, v in single.stats.items() if k.startswith(("skip/", "drop/"))}
    assert {k: v for k, v in pooled.stats.items() if k.startswith(("skip/", "drop/"))} == skips
