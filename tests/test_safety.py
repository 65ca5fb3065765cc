"""Pure safety checks: binary sniffing, addresses, redirect hosts, trap-shaped URLs."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import date

import pytest

from crawler.net import safety


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    return buf.getvalue()


BINARIES = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!",
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00",
    "zip": _zip(),
    "gzip": gzip.compress(b"<html>hi</html>"),
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
}


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_binary_bodies_are_sniffed(kind: str) -> None:
    assert safety.sniff_binary(BINARIES[kind]) == kind


def test_text_with_a_stray_nul_byte_is_not_binary() -> None:
    """Poison in an otherwise good article: one NUL, bidi overrides, zero-width spaces."""
    page = (
        "<!DOCTYPE html><html><head><title>Council vote</title></head><body><p>The council"
        " voted\x00 on Tuesday \u202eevil\u202c and \u200bagain.</p></body></html>"
    ).encode()
    assert safety.sniff_binary(page) is None
    assert safety.sniff_binary(page * 20) is None


def test_random_bytes_are_binary() -> None:
    import random

    rng = random.Random(4)
    assert safety.sniff_binary(bytes(rng.randrange(256) for _ in range(4096))) == "binary"


def test_unknown_binary_with_nul_bytes_is_binary() -> None:
    assert safety.sniff_binary(b"\x13\x37\x00\x00\x01garbage\x00\xff" * 20) == "binary"


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
        b"\xef\xbb\xbf<html><body>BOM</body></html>",
        "<html><body>Привет</body></html>".encode("cp1251"),
        "<html><body>東京</body></html>".encode("shift_jis"),
        "<html><body>UTF-16 without BOM</body></html>".encode("utf-16-le"),
        "\ufeff<html><body>UTF-16</body></html>".encode("utf-16-le"),
        b"BMW announced record sales on Monday.",  # starts like a BMP, is text
        b"MZ is a town; MZ is also a magic number.",
    ],
)
def test_text_is_not_binary(body: bytes) -> None:
    assert safety.sniff_binary(body) is None


@pytest.mark.parametrize(
    ("status", "body", "empty"),
    [(204, b"", True), (200, b"", True), (200, b"  \n\t ", True), (200, b"<p>x</p>", False)],
)
def test_empty_bodies(status: int, body: bytes, empty: bool) -> None:
    assert safety.is_empty_body(status, body) is empty


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("127.5.5.5", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("not-an-ip", False),
        # the metadata address and loopback inside IPv6: NAT64, 6to4, compatible, Teredo
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b::169.254.169.254", False),
        ("64:ff9b:1::a9fe:a9fe", False),
        ("2002:a9fe:a9fe::1", False),
        ("2002:7f00:1::1", False),
        ("::169.254.169.254", False),
        ("::127.0.0.1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo client 127.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2606:4700:4700::1111", True),
        # IPv4 spellings resolvers accept
        ("2130706433", False),
        ("0x7f.1", False),
        ("0177.0.0.1", False),
        ("127.1", False),
        ("0xa9fea9fe", False),
        ("134744072", True),  # 8.8.8.8
        ("[::ffff:169.254.169.254]", False),
    ],
)
def test_public_and_private_addresses(ip: str, public: bool) -> None:
    assert safety.is_public_ip(ip) is public


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("db.internal", True),
        ("printer.local", True),
        ("intranet", True),
        ("example.com", False),
        ("8.8.8.8", False),
    ],
)
def test_local_names(host: str, local: bool) -> None:
    assert safety.is_local_name(host) is local


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a", True),
        ("http://example.com/a", True),
        ("file:///etc/passwd", False),
        ("ftp://example.com/x", False),
        ("data:text/html,<p>x</p>", False),
        ("gopher://example.com/", False),
    ],
)
def test_schemes(url: str, ok: bool) -> None:
    assert safety.scheme_allowed(url) is ok


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("example.com", True),
        ("www.example.com", True),
        ("news.example.com", True),
        ("EXAMPLE.COM.", True),
        ("example.org", False),
        ("evil-example.com", False),
        ("example.com.evil.net", False),
        ("partner.net", True),
    ],
)
def test_redirect_hosts(host: str, allowed: bool) -> None:
    assert safety.host_allowed(host, ["www.example.com", "partner.net"]) is allowed


def test_parent_domain_of_a_start_host_is_allowed() -> None:
    assert safety.host_allowed("example.com", ["m.example.com"])
    assert not safety.host_allowed("com", ["m.example.com"])


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        (
            "https://ex.com/news/a?id=5&PHPSESSID=abc123def456",
            "https://ex.com/news/a?id=5",
        ),
        ("https://ex.com/news/a;jsessionid=0AB12CD34EF?x=1", "https://ex.com/news/a?x=1"),
        ("https://ex.com/(S(abcdefghijklmnopqrstuvwx))/news/a", "https://ex.com/news/a"),
        ("https://ex.com/a?sid=9f8e7d6c5b4a39281706f5e4", "https://ex.com/a"),
        ("https://ex.com/search?s=budget", "https://ex.com/search?s=budget"),  # a search term
        ("https://ex.com/a?page=2", "https://ex.com/a?page=2"),
    ],
)
def test_session_ids_are_stripped(url: str, clean: str) -> None:
    assert safety.strip_session_ids(url) == clean


TODAY = date(2026, 5, 1)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://ex.com/news/2026/04/30/budget-vote", None),
        ("https://ex.com/archive/1998/01/", None),
        ("https://ex.com/article/250312", None),  # a numeric id, not a date
        ("https://ex.com/tag/a/b/c?page=3", None),
        ("https://ex.com/calendar/2031/01/14", "future_date"),
        ("https://ex.com/events?date=2040-06-01", "future_date"),
        ("https://ex.com/cal?year=2099&month=3", "future_date"),
        ("https://ex.com/a/b/a/b/a/b/a/", "repeated_path"),
        ("https://ex.com/x?f=1&f=1&f=1", "repeated_param"),
        ("https://ex.com/x?" + "&".join(f"k{i}=v" for i in range(20)), "many_params"),
        ("https://ex.com/x?q=" + "a" * 600, "long_param"),
    ],
)
def test_trap_shaped_urls(url: str, reason: str | None) -> None:
    assert safety.trap_reason(url, today=TODAY) == reason


def test_backoff_doubles_and_is_capped() -> None:
    assert [safety.backoff_delay(n, 1.0, 5.0) for n in range(5)] == [0.0, 1.0, 2.0, 4.0, 5.0]
    assert safety.backoff_delay(3, 0.0, 5.0) == 0.0


# -- meta refresh from the head of the body (crawler/downloadermiddlewares/meta_refresh.py) --
META_REFRESH_PAGES = [
    (b'<html><head><meta http-equiv="refresh" content="0; url=/next"></head></html>', {}),
    (
        '<html><head><base href="http://other.example/b/"><meta http-equiv="refresh" '
        "content=\"5;URL='page.html'\"></head><body>\u00e9</body></html>".encode(),
        {"Content-Type": "text/html; charset=utf-8"},
    ),
    (
        '<meta charset="windows-1251"><meta http-equiv="refresh" content="1; url=/новости">'.encode(
            "cp1251"
        ),
        {},
    ),
    # beyond the 4096 characters Scrapy looks at: no redirect, as in Scrapy
    (
        (
            "<html>" + "\u00e9" * 5000 + '<meta http-equiv="refresh" content="0; url=/late">'
        ).encode(),
        {},
    ),
    # multi-byte characters right up to the edge of the scanned head
    (
        (
            "<html>" + "\u20ac" * 1400 + '<meta http-equiv="refresh" content="0; url=/edge">'
        ).encode(),
        {},
    ),
    (
        b'\xef\xbb\xbf<meta http-equiv="refresh" content="0;url=/bom">',
        {"Content-Type": "text/html"},
    ),
    ('<meta http-equiv="refresh" content="0;url=/u16">'.encode("utf-16"), {}),
    (b"<html><body>No refresh here</body></html>", {}),
    # upper case, and a "refresh" spelled with an entity (which Scrapy does not read either)
    (b'<HTML><HEAD><META HTTP-EQUIV="REFRESH" CONTENT="0; URL=/upper"></HEAD></HTML>', {}),
    (b'<html><head><meta http-equiv="&#114;efresh" content="0; url=/entity"></head></html>', {}),
    (b"<html><head><title>A page</title></head><body><p>Plain</p></body></html>", {}),
]


@pytest.mark.parametrize(("body", "headers"), META_REFRESH_PAGES)
def test_head_meta_refresh_redirects_exactly_like_scrapy(body: bytes, headers: dict) -> None:
    from scrapy import Request, Spider
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.downloadermiddlewares.meta_refresh import HeadMetaRefreshMiddleware, head_text

    crawler = get_crawler(Spider)
    ours = HeadMetaRefreshMiddleware.from_crawler(crawler)
    scrapys = MetaRefreshMiddleware.from_crawler(crawler)

    def outcome(mw: MetaRefreshMiddleware) -> tuple[str, str | None]:
        request = Request("http://news.example/a/")
        response = HtmlResponse(request.url, body=body, headers=headers, request=request)
        result = mw.process_response(request, response)
        return type(result).__name__, getattr(result, "url", None)

    assert outcome(ours) == outcome(scrapys)
    response = HtmlResponse("http://news.example/a/", body=body, headers=headers)
    assert head_text(response) == HtmlResponse(response.url, body=body, headers=headers).text[:4096]
    if "charset" in headers.get("Content-Type", ""):  # else Scrapy infers it from the body
        assert response._cached_ubody is None  # the body was not decoded as a whole


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("0x", None),
    ],
)
def test_ip_spellings_are_read_as_resolvers_read_them(host: str, ip: str | None) -> None:
    addr = safety.parse_ip(host)
    assert (str(addr) if addr is not None else None) == ip


def test_start_host_rebound_to_a_private_address_is_refused() -> None:
    """A start host that first answered from a public address and later from a private
    one (DNS rebinding) is refused; one that is private from the start (an intranet
    site the user named) is crawled."""
    from ipaddress import ip_address

    from scrapy import Request, Spider
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.downloadermiddlewares.address_guard import AddressGuardMiddleware

    class Starts(Spider):
        name = "starts"
        start_urls = ["https://news.example/", "http://intranet.example/"]

    crawler = get_crawler(Starts)
    crawler.spider = Starts()
    guard = AddressGuardMiddleware.from_crawler(crawler)

    def answer(url: str, ip: str) -> object:
        request = Request(url)
        response = HtmlResponse(url, body=b"<p>x</p>", request=request, ip_address=ip_address(ip))
        return guard.process_response(request, response)

    assert answer("https://news.example/a", "93.184.216.34")
    with pytest.raises(IgnoreRequest):
        answer("https://news.example/b", "169.254.169.254")
    with pytest.raises(IgnoreRequest):
        answer("https://www.news.example/c", "127.0.0.1")
    assert answer("http://intranet.example/a", "10.0.0.5")
    assert answer("http://intranet.example/b", "10.0.0.6")
    with pytest.raises(IgnoreRequest):
        answer("https://other.example/", "10.0.0.7")
    assert crawler.stats.get_value("skip/private_address") == 3
