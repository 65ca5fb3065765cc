"""CDX answers, queries and paging in both dialects; which captures a backfill takes.

Pure functions (``crawler/discovery/cdx.py``, ``crawler/discovery/backfill.py``) on
real answer shapes: the Internet Archive's JSON (header row, ``[]`` + ``[resumeKey]``)
and pywb's JSON lines, CDXJ and page counts, as the servers print them.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.discovery.backfill import (
    SKIP_REASONS,
    CaptureQueue,
    CaptureSelector,
    article_key,
    article_shaped,
    original_url,
)
from crawler.discovery.cdx import (
    Capture,
    CdxError,
    CdxListing,
    CdxQuery,
    SiteScope,
    memento_iso,
    parse_answer,
    parse_bound,
    timestamp_iso,
)
from spiders.archive import ArchiveSpider, read_sites_file

IA_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def ia_row(stamp: str, url: str, digest: str = "D1", status: str = "200") -> list[str]:
    return ["com,example)/x", stamp, url, "text/html", status, digest, "1234"]


def pywb_line(stamp: str, url: str, digest: str = "D1") -> str:
    return json.dumps(
        {
            "urlkey": "example,news)/x",
            "timestamp": stamp,
            "url": url,
            "mime": "text/html",
            "status": "200",
            "digest": digest,
            "length": "382",
            "offset": "0",
            "filename": "a.warc.gz",
            "source": "coll/indexes/index.cdxj",
        }
    )


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    ("value", "upper", "stamp"),
    [
        ("2024", False, "20240101000000"),
        ("2024", True, "20241231235959"),
        ("202402", True, "20240229235959"),
        ("202302", True, "20230228235959"),
        ("20240315", False, "20240315000000"),
        ("20240315", True, "20240315235959"),
        ("2024-03-15", True, "20240315235959"),
        ("20240315081500", True, "20240315081500"),
    ],
)
def test_from_and_to_bounds_cover_whole_periods(value: str, upper: bool, stamp: str) -> None:
    assert parse_bound(value, upper) == stamp


@pytest.mark.parametrize("value", ["24", "2024-13", "20240230", "soon", "2024031", "202413"])
def test_bad_bounds_are_refused(value: str) -> None:
    for upper in (False, True):
        with pytest.raises(ValueError, match="not a date"):
            parse_bound(value, upper)


def test_capture_times_are_iso_utc() -> None:
    assert timestamp_iso("20240501080000") == "2024-05-01T08:00:00Z"
    assert memento_iso(b"Wed, 01 May 2024 08:00:00 GMT") == "2024-05-01T08:00:00Z"
    assert memento_iso("yesterday") is None
    assert memento_iso(None) is None


# ---------------------------------------------------------------------- answers


def test_ia_json_answer_with_header_and_resume_key() -> None:
    body = json.dumps(
        [
            IA_HEADER,
            ia_row("20190110120000", "http://example.com:80/2019/01/10/a-story-here-now/"),
            ia_row("2019011012", "http://example.com/short-stamp-story-here/", "D2"),
            [],
            ["com%2Cexample%29%2F2019+20190110120000"],
        ]
    )
    answer = parse_answer(body.encode())
    assert answer.form == "ia"
    assert answer.resume_key == "com%2Cexample%29%2F2019+20190110120000"
    assert [c.timestamp for c in answer.captures] == ["20190110120000", "20190110120000"]
    assert answer.captures[0].original == "http://example.com:80/2019/01/10/a-story-here-now/"
    assert answer.captures[0].status == "200"


def test_ia_json_without_header_uses_the_default_fields() -> None:
    body = json.dumps([ia_row("20190110120000", "http://example.com/a-b-c-d-e/")])
    answer = parse_answer(body)
    assert [c.original for c in answer.captures] == ["http://example.com/a-b-c-d-e/"]
    assert answer.resume_key is None


def test_json_arrays_without_header_in_a_longer_cdx_format() -> None:
    row = ["com,example)/a", 20190110120000, "http://example.com/a-b-c-d/", "text/html", "200",
           "D1", "-", "-", "1234", "0", "crawl.warc.gz"]  # fmt: skip
    answer = parse_answer(json.dumps([row]))
    assert [(c.timestamp, c.digest) for c in answer.captures] == [("20190110120000", "D1")]


def test_a_full_answer_without_resume_key_may_be_cut_short() -> None:
    listing = CdxListing(_query(limit=1), dialect="ia")
    body = json.dumps([IA_HEADER, ia_row("20190101000000", "http://example.com/a-b-c-d/")])
    assert listing.answer(listing.first(), body)[1] is None
    assert listing.maybe_cut


@pytest.mark.parametrize("body", [b"", b"\n", b"[]"])
def test_empty_answers_list_nothing(body: bytes) -> None:
    assert parse_answer(body).captures == []


def test_pywb_json_lines_and_cdxj() -> None:
    stamp = "20240501080000"
    cdxj = 'example,news)/y 20240601080000 {"url": "http://news.example/y-y-y-y/", "status": "200"}'
    bad_time = pywb_line("20241340080000", "http://news.example/z-z-z-z/")  # month 13
    body = "\n".join([pywb_line(stamp, "http://news.example/x-x-x-x/"), cdxj, "not json", bad_time])
    answer = parse_answer(body)
    assert answer.form == "pywb"
    assert [c.original for c in answer.captures] == [
        "http://news.example/x-x-x-x/",
        "http://news.example/y-y-y-y/",
    ]
    assert answer.captures[0].mimetype == "text/html"
    assert answer.captures[1].urlkey == "example,news)/y"
    assert answer.bad_rows == 2


@pytest.mark.parametrize(
    ("body", "pages"), [('{"pages": 3, "pageSize": 2, "blocks": 6}', 3), ("42", 42)]
)
def test_page_counts_of_both_dialects(body: str, pages: int) -> None:
    answer = parse_answer(body)
    assert (answer.form, answer.pages) == ("count", pages)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Service unavailable</body></html>",
        b'{"message": "Page 3 invalid: First Page is 0, Last Page is 2"}',
        b"[[1, 2",
    ],
)
def test_answers_that_are_not_cdx_raise(body: bytes) -> None:
    with pytest.raises(CdxError):
        parse_answer(body)


# ------------------------------------------------------------------ sites, queries


@pytest.mark.parametrize(
    ("value", "host", "port", "name"),
    [
        ("example.com", "example.com", None, "example.com"),
        ("https://www.Example.com/news/", "example.com", None, "example.com"),
        ("news.example:8123", "news.example", 8123, "news.example:8123"),
        ("http://news.example:80/", "news.example", None, "news.example"),
    ],
)
def test_site_scope_parses_what_users_type(
    value: str, host: str, port: int | None, name: str
) -> None:
    scope = SiteScope.parse(value)
    assert (scope.host, scope.port, scope.name) == (host, port, name)


def test_site_scope_holds_www_and_subdomains_only() -> None:
    scope = SiteScope.parse("example.com")
    assert scope.contains("https://www.example.com/a")
    assert scope.contains("http://live.blogs.example.com/a")
    assert not scope.contains("http://notexample.com/a")
    assert not scope.contains("http://example.com.evil.test/a")
    ported = SiteScope.parse("news.example:8123")
    assert ported.contains("http://www.news.example:8123/a")
    assert not ported.contains("http://news.example/a")


def test_queries_of_both_dialects() -> None:
    query = CdxQuery(
        "https://web.archive.org/cdx/search/cdx",
        SiteScope.parse("example.com"),
        "20190101000000",
        "20191231235959",
        limit=500,
        page_size=2,
    )
    ia = params(query.ia_url("KEY+1"))
    assert ia["url"] == ["example.com"] and ia["matchType"] == ["domain"]
    assert ia["filter"] == ["statuscode:200", "mimetype:text/html"]
    assert ia["collapse"] == ["digest"] and ia["showResumeKey"] == ["true"]
    assert ia["limit"] == ["500"] and ia["resumeKey"] == ["KEY+1"]
    assert ia["from"] == ["20190101000000"] and ia["to"] == ["20191231235959"]
    pywb = params(query.pywb_url(page=3))
    assert pywb["filter"] == ["=status:200", "=mime:text/html"]
    assert pywb["page"] == ["3"] and pywb["pageSize"] == ["2"]
    assert "showNumPages" in params(query.pywb_url(count=True))
    assert "page" not in params(query.pywb_url())
    ported = CdxQuery("http://127.0.0.1:9/coll/cdx", SiteScope.parse("news.example:8123"))
    assert params(ported.ia_url())["url"] == ["http://news.example:8123/"]
    assert params(ported.ia_url())["matchType"] == ["prefix"]


def test_replay_url_is_the_id_form() -> None:
    capture = Capture("k", "20240501080000", "http://news.example/a/")
    assert (
        capture.replay_url("https://web.archive.org/web")
        == "https://web.archive.org/web/20240501080000id_/http://news.example/a/"
    )


# ----------------------------------------------------------------------- paging


def _query(limit: int = 2) -> CdxQuery:
    return CdxQuery("http://archive.test/cdx", SiteScope.parse("example.com"), limit=limit)


def test_auto_detects_the_internet_archive_and_follows_resume_keys() -> None:
    listing = CdxListing(_query())
    first = listing.first()
    assert first.step == "probe" and "showResumeKey=true" in first.url
    page = json.dumps(
        [IA_HEADER, ia_row("20190101000000", "http://example.com/a-b-c-d/"), [], ["K2"]]
    )
    captures, following = listing.answer(first, page)
    assert listing.dialect == "ia" and len(captures) == 1
    assert following is not None and params(following.url)["resumeKey"] == ["K2"]
    last = json.dumps([IA_HEADER, ia_row("20190102000000", "http://example.com/e-f-g-h/")])
    captures, following = listing.answer(following, last)
    assert len(captures) == 1 and following is None


def test_auto_detects_pywb_and_a_short_answer_is_the_whole_listing() -> None:
    listing = CdxListing(_query(limit=5))
    captures, following = listing.answer(
        listing.first(), pywb_line("20240501080000", "http://example.com/a-b-c-d/")
    )
    assert listing.dialect == "pywb" and len(captures) == 1 and following is None


def test_auto_pywb_answer_as_long_as_the_limit_goes_to_pages() -> None:
    listing = CdxListing(_query(limit=2))
    lines = "\n".join(
        pywb_line(f"2024050{i}080000", f"http://example.com/a-b-c-{i}/") for i in (1, 2)
    )
    captures, count = listing.answer(listing.first(), lines)
    assert captures == [] and count is not None and count.step == "count"
    captures, page0 = listing.answer(count, '{"pages": 2, "pageSize": 10, "blocks": 12}')
    assert page0 is not None and (page0.step, page0.page, page0.pages) == ("page", 0, 2)
    captures, page1 = listing.answer(page0, lines)
    assert len(captures) == 2 and page1 is not None and params(page1.url)["page"] == ["1"]
    captures, done = listing.answer(
        page1, pywb_line("20240503080000", "http://example.com/x-y-z-w/")
    )
    assert len(captures) == 1 and done is None


def test_pywb_unpaged_index_is_asked_once_more_for_everything() -> None:
    listing = CdxListing(_query(), dialect="pywb")
    count = listing.first()
    assert count.step == "count" and "showNumPages=true" in count.url
    raw = pywb_line("20240501080000", "http://example.com/a-b-c-d/")  # a plain index's raw lines
    captures, everything = listing.answer(count, raw)
    assert captures == [] and everything is not None and everything.step == "all"
    assert "page" not in params(everything.url)
    captures, done = listing.answer(everything, raw)
    assert len(captures) == 1 and done is None


def test_zero_pages_means_no_captures() -> None:
    listing = CdxListing(_query(), dialect="pywb")
    assert listing.answer(listing.first(), '{"pages": 0, "pageSize": 10, "blocks": 0}') == (
        [],
        None,
    )


def test_answer_in_the_wrong_dialect_names_the_setting() -> None:
    listing = CdxListing(_query(), dialect="ia")
    with pytest.raises(CdxError, match="CDX_DIALECT=ia"):
        listing.answer(listing.first(), pywb_line("20240501080000", "http://example.com/a/"))


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(CdxError, match="unknown CDX dialect"):
        CdxListing(_query(), dialect="wayback")


# -------------------------------------------------------------------- selection


def cap(url: str, stamp: str = "20240501080000", digest: str = "", **kw: str) -> Capture:
    return Capture(
        "k", stamp, url, kw.get("mimetype", "text/html"), kw.get("status", "200"), digest
    )


PATH = "/2024/05/01/council-votes-on-tram-extension/"
ARTICLE = "http://news.example" + PATH


@pytest.mark.parametrize(
    ("capture", "reason"),
    [
        (cap(ARTICLE, status="301"), "not_ok"),
        (cap(ARTICLE, mimetype="text/css"), "not_html"),
        (cap("http://other.example/2024/05/01/council-votes-on-tram-extension/"), "other_host"),
        (cap(ARTICLE, stamp="20231231235959"), "out_of_range"),
        (cap(ARTICLE, stamp="20250101000000"), "out_of_range"),
        (cap("http://news.example/"), "not_article"),
        (cap("http://www.news.example/tag/harbour/"), "not_article"),
        (cap("http://news.example/section/local/"), "not_article"),
        (cap("http://news.example/author/jane-doe/"), "not_article"),
        (cap("http://news.example/search?q=tram"), "not_article"),
        (cap("http://news.example/latest/page/3/"), "not_article"),
        (cap("http://news.example/about/"), "not_article"),
        (cap(ARTICLE), None),
        (cap("http://live.news.example/2024/05/01/council-votes-on-tram-extension/"), None),
    ],
)
def test_each_rule_skips_before_fetching(capture: Capture, reason: str | None) -> None:
    selector = CaptureSelector(SiteScope.parse("news.example"), "20240101000000", "20241231235959")
    decision = selector.decide(capture)
    assert decision.skip == reason
    assert reason is None or reason in SKIP_REASONS
    assert selector.skipped[reason] == (1 if reason else 0)


def test_identical_captures_are_fetched_once() -> None:
    selector = CaptureSelector(SiteScope.parse("news.example"))
    first = selector.decide(cap(ARTICLE, "20240501080000", "D1"))
    same = selector.decide(cap(ARTICLE, "20240502080000", "D1"))
    changed = selector.decide(cap(ARTICLE, "20240503080000", "D2"))
    reverted = selector.decide(cap(ARTICLE, "20240504080000", "D1"))  # a change back
    copy = selector.decide(cap("http://news.example/2024/05/01/other-url-same-bytes/", digest="D2"))
    assert [first.skip, same.skip, changed.skip, reverted.skip, copy.skip] == [
        None,
        "duplicate_digest",
        None,
        None,
        "duplicate_digest",
    ]


def test_versions_of_one_article_carry_one_url_whatever_the_scheme() -> None:
    selector = CaptureSelector(SiteScope.parse("news.example"))
    http = selector.decide(
        cap("http://news.example:80/2024/05/01/council-votes-on-tram-extension/")
    )
    https = selector.decide(cap("https://www.news.example" + PATH, "20240601080000"))
    assert https.skip is None and https.key == http.key
    assert http.page_url == https.page_url == ARTICLE
    older = selector.decide(cap("https://news.example" + PATH + "?utm_source=x", "20240515000000"))
    assert older.skip == "superseded"


def test_budget_counts_captures_taken() -> None:
    selector = CaptureSelector(SiteScope.parse("news.example"), budget=2)
    urls = [
        f"http://news.example/2024/05/0{i}/story-number-{i}-on-the-harbour/" for i in range(1, 5)
    ]
    decisions = [selector.decide(cap(u)).skip for u in urls]
    assert decisions == [None, None, "budget", "budget"]
    assert selector.exhausted and selector.selected == 2


def test_store_knowledge_skips_captures_not_newer_than_the_stored_version() -> None:
    stored = {
        ARTICLE: "2024-05-02T00:00:00Z",  # an earlier backfill took the capture of May 2
        "http://news.example/2024/05/01/live-crawl-found-this-one/": "",  # a live crawl
    }
    selector = CaptureSelector(SiteScope.parse("news.example"), known=stored.get)
    assert selector.decide(cap(ARTICLE, "20240501080000")).skip == "known"
    assert selector.decide(cap(ARTICLE, "20240602080000")).skip is None
    live = "http://news.example/2024/05/01/live-crawl-found-this-one/"
    assert selector.decide(cap(live, "20240901080000")).skip == "known"


@pytest.mark.parametrize(
    ("url", "shaped"),
    [
        ("http://x.example/2024/05/01/council-votes-on-tram/", True),
        ("http://x.example/news/12345678", True),
        ("http://x.example/world/", True),  # the URL does not tell: extraction decides
        ("http://x.example/", False),
        ("http://x.example/?page=2", False),
        ("http://x.example/privacy", False),
        ("http://x.example/feed/", False),
    ],
)
def test_article_shaped_urls(url: str, shaped: bool) -> None:
    assert article_shaped(url) is shaped


def test_article_keys_and_original_urls() -> None:
    assert article_key("https://www.x.example/a/?utm_source=feed") == article_key(
        "http://x.example/a/"
    )
    assert original_url("http://x.example:80/a") == "http://x.example/a"
    assert original_url("http://x.example:8080/a") == "http://x.example:8080/a"


def test_queue_releases_one_capture_per_article_in_order() -> None:
    queue: CaptureQueue[str] = CaptureQueue()
    assert queue.add("a", "a1") is True
    assert queue.add("a", "a2") is False
    assert queue.add("a", "a3") is False
    assert queue.add("b", "b1") is True
    assert (queue.waiting, queue.busy) == (2, 2)
    assert queue.done("a") == "a2"
    assert queue.done("b") is None
    assert queue.add("b", "b2") is True
    assert queue.release_all() == [("a", "a3")]
    assert queue.done("a") is None
    assert queue.release_all() == []  # b2 was in flight, nothing waited behind it
    assert (queue.waiting, queue.busy) == (0, 0)


# -------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "needs -a site=example.com"),
        ({"site": "notahost"}, "-a site=notahost: 'notahost' is not a host name"),
        ({"site": "example.com", "from": "2024-13"}, "-a from=2024-13: '2024-13' is not a date"),
        ({"site": "example.com", "from": "2020", "to": "2019"}, "-a from=2020 is after -a to=2019"),
        (
            {"site": "example.com", "max_captures": "lots"},
            "-a max_captures=lots: not a whole number",
        ),
        (
            {"sources": "/nonexistent/sites.txt"},
            "-a sources=/nonexistent/sites.txt: cannot be read",
        ),
    ],
)
def test_bad_arguments_are_named(args: dict[str, str], message: str) -> None:
    problems = ArchiveSpider.check_arguments(args)
    assert any(message in p for p in problems), problems


def test_good_arguments_pass(tmp_path: Path) -> None:
    sites = tmp_path / "sites.txt"
    sites.write_text("# sites to backfill\nexample.com\nhttps://www.other.example/  # news\n\n")
    assert read_sites_file(str(sites)) == ["example.com", "https://www.other.example/"]
    args = {"sources": str(sites), "from": "2019", "to": "202006", "max_captures": "50"}
    assert ArchiveSpider.check_arguments(args) == []
    toml = tmp_path / "sources.toml"
    toml.write_text(
        '[[site]]\nname = "A"\nstart = ["https://a.example/"]\n\n'
        '[[site]]\nname = "B"\nsitemaps = ["https://b.example/news-sitemap.xml"]\n'
    )
    assert read_sites_file(str(toml)) == [
        "https://a.example/",
        "https://b.example/news-sitemap.xml",
    ]
