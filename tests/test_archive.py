"""`scrapy crawl archive`: a site's history from a web archive, as versions of its articles.

Real crawls (``scrapy crawl`` subprocesses) against a real pywb on 127.0.0.1 (its own
venv, ``tests/pywb_server.py``), started once for the module with a collection built
here: a site's articles captured on two dates (one changed in between), an identical
re-capture, captures of another site, captures outside the date range, a 404, a 301,
a stylesheet, the home page and a tag page. The Internet Archive's dialect is tested
against a loopback server that speaks it (``tests/ia_archive.py``), with resumeKey
paging, a 503 with Retry-After and a 500.
"""

from __future__ import annotations

import html
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.articles import article_html, article_text, sitemap_xml
from tests.conftest import CrawlResult, run_crawl
from tests.dns import ENV as DNS_ENV
from tests.ia_archive import Archived, IaArchiveServer
from tests.pywb_server import PywbServer, free_port
from tests.server import FixtureServer

pytestmark = pytest.mark.slow  # end-to-end crawls

FAST = {"ARCHIVE_DELAY": "0", "ARCHIVE_CONCURRENCY": "4", "ARCHIVE_PROGRESS_EVERY": "2"}
A_PATH = "/2024/03/04/harbour-crane-upgrade-approved-by-council/"
B_PATH = "/2024/03/05/ferry-timetable-changes-for-the-summer-season/"
UPDATE = (
    "<p>Update: the council said on Monday that the work would begin in June, after a "
    "second review of the costs and of the timetable agreed with the port.</p>"
)


def changed(page: str) -> str:
    """The same article page with one more paragraph: a new version of its text."""
    return page.replace("</article>", UPDATE + "\n</article>")


def write_warc(path: Path, records: list[tuple[str, str, int, str, bytes]]) -> None:
    """A WARC of HTTP responses: (URL, WARC-Date, status, Content-Type, body)."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, date, status, ctype, body in records:
            headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
            if status in (301, 302):
                headers.append(("Location", url.rsplit("/", 2)[0] + "/"))
            http = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
            )


@dataclass
class ArchiveWorld:
    """A live site on 127.0.0.1 and a pywb holding its history (and another site's)."""

    live: FixtureServer
    pywb: PywbServer
    site: str  # news.example:<live port>
    a_url: str
    b_url: str
    a_v1: str
    a_v2: str

    def settings(self, collection: str = "coll", **extra: str) -> dict[str, str]:
        return {
            "CDX_URL": self.pywb.cdx_url(collection),
            "ARCHIVE_URL": self.pywb.archive_url(collection),
            **FAST,
            **extra,
        }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchiveWorld]:
    root = tmp_path_factory.mktemp("archive")
    live = FixtureServer().start()
    site = f"news.example:{live.port}"
    a_url = f"http://{site}{A_PATH}"
    b_url = f"http://www.{site}{B_PATH}"
    a_v1 = article_html(a_url, seed=301)
    a_v2 = changed(a_v1)
    b_page = article_html(b_url, seed=302)
    # the live site today: the changed article and the other one, in a sitemap
    for path, page in ((A_PATH, a_v2), (B_PATH, b_page)):
        live.route(path, page)
    live.route("/sitemap.xml", sitemap_xml([a_url, b_url]), "application/xml")
    live.route("/robots.txt", f"User-agent: *\nSitemap: http://{site}/sitemap.xml\n", "text/plain")
    live.route("/", "<html><body><h1>Harbour Gazette</h1></body></html>")
    html = "text/html; charset=utf-8"
    other = f"http://other.example:{live.port}/2024/03/04/other-site-story-about-the-port-strike/"
    c_url = f"http://{site}/2024/12/30/year-in-review-of-the-harbour-district/"
    d_url = f"http://{site}/2023/12/01/winter-market-opens-on-the-quay/"
    warc = root / "history.warc.gz"
    write_warc(
        warc,
        [
            (a_url, "2024-03-04T10:00:00Z", 200, html, a_v1.encode()),
            (a_url, "2024-04-01T10:00:00Z", 200, html, a_v1.encode()),  # identical again
            (a_url, "2024-06-10T10:00:00Z", 200, html, a_v2.encode()),  # changed
            (b_url, "2024-03-05T09:30:00Z", 200, html, b_page.encode()),
            (f"http://{site}/", "2024-03-05T09:00:00Z", 200, html, b"<html>front page</html>"),
            (f"http://{site}/tag/harbour/", "2024-03-05T09:05:00Z", 200, html, b"<html>tag</html>"),
            (
                f"http://{site}/2024/03/06/story-removed-by-the-editors/",
                "2024-03-06T10:00:00Z",
                404,
                html,
                b"<html>gone</html>",
            ),
            (
                f"http://{site}/old-address-of-a-story-that-moved/",
                "2024-03-06T11:00:00Z",
                301,
                html,
                b"",
            ),
            (f"http://{site}/static/site.css", "2024-03-04T10:00:00Z", 200, "text/css", b"b{}"),
            (c_url, "2025-01-02T10:00:00Z", 200, html, article_html(c_url, seed=303).encode()),
            (d_url, "2023-12-01T10:00:00Z", 200, html, article_html(d_url, seed=304).encode()),
            (other, "2024-03-04T10:00:00Z", 200, html, article_html(other, seed=305).encode()),
        ],
    )
    pywb = PywbServer(root / "pywb")
    pywb.add_collection("coll", [warc])
    pywb.add_collection("paged", [warc], paged=1)
    pywb.start()
    try:
        yield ArchiveWorld(live, pywb, site, a_url, b_url, a_v1, a_v2)
    finally:
        pywb.stop()
        live.stop()


def backfill(tmp_path: Path, world: ArchiveWorld, **settings: str) -> CrawlResult:
    args = {"site": world.site, "from": "2024", "to": "2024"}
    return run_crawl(tmp_path, spider="archive", settings=world.settings(**settings), **args)


def live_crawl(tmp_path: Path, world: ArchiveWorld, monkeypatch: pytest.MonkeyPatch) -> CrawlResult:
    """``scrapy crawl news`` of the live site, its names resolved to 127.0.0.1."""
    names = {"news.example": ["127.0.0.1"], "www.news.example": ["127.0.0.1"]}
    monkeypatch.setenv(DNS_ENV, json.dumps(names))
    return run_crawl(
        tmp_path,
        start=f"http://{world.site}/",
        settings={"TWISTED_DNS_RESOLVER": "tests.dns.ScriptedResolver"},
    )


def versions(result: CrawlResult) -> set[tuple[str, int, str]]:
    return {(r["url"], r["version"], r["fetched_at"]) for r in result.records}


def test_backfill_from_pywb_emits_each_article_once_and_the_change_as_version_2_then_a_live_crawl_emits_nothing(  # noqa: E501
    tmp_path: Path, world: ArchiveWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.live.clear()
    # the archive host is a host the user configured: let through without ALLOW_LOOPBACK
    result = backfill(tmp_path, world, ALLOW_LOOPBACK="0")
    assert result.returncode == 0, result.log[-3000:]
    assert versions(result) == {
        (world.a_url, 1, "2024-03-04T10:00:00Z"),
        (world.a_url, 2, "2024-06-10T10:00:00Z"),
        (world.b_url, 1, "2024-03-05T09:30:00Z"),
    }
    by_version = {(r["url"], r["version"]): r for r in result.records}
    first, second = by_version[(world.a_url, 1)], by_version[(world.a_url, 2)]
    assert first["id"] == second["id"] and first["content_hash"] != second["content_hash"]
    assert "Update: the council said" in second["text"]
    assert "Update: the council said" not in first["text"]
    assert world.live.paths() == []  # everything came from the archive
    assert result.stat("archive/captures_listed") == 6  # the server filtered the rest
    assert result.stat("archive/skipped/not_article") == 2  # home and tag page
    assert result.stat("archive/skipped/duplicate_digest") == 1
    assert result.stat("archive/fetched") == 3
    assert result.stat("archive/written") == result.stat("records/written") == 3
    assert result.stat("skip/private_address") == 0
    assert (
        f"Archive summary for {world.site}: 6 captures listed, 3 skipped by rule "
        "(not_article=2, duplicate_digest=1), 3 fetched, 0 failed, 3 written"
    ) in result.log
    assert "Archive progress: 2 of 3 captures done, 1 left" in result.log

    live = live_crawl(tmp_path, world, monkeypatch)
    assert live.returncode == 0, live.log[-3000:]
    assert live.records == []
    assert live.stat("skip/known_url") == 2
    assert world.live.hits(A_PATH) == world.live.hits(B_PATH) == 0

    again = backfill(tmp_path, world)  # the same backfill once more: nothing twice
    assert again.returncode == 0, again.log[-3000:]
    assert again.stat("records/written") == 0  # (.records also holds the first run's file)
    assert again.stat("archive/fetched") == 0
    assert again.stat("archive/skipped/known") == 4


def test_backfill_after_a_live_crawl_emits_nothing_the_live_crawl_emitted(
    tmp_path: Path, world: ArchiveWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = live_crawl(tmp_path, world, monkeypatch)
    assert live.returncode == 0, live.log[-3000:]
    assert {r["url"] for r in live.records} == {world.a_url, world.b_url}
    result = backfill(tmp_path, world)
    assert result.returncode == 0, result.log[-3000:]
    assert result.records == []  # older captures do not become newer versions
    assert result.stat("archive/skipped/known") == 4
    assert result.stat("archive/fetched") == 0


@pytest.mark.parametrize(
    ("collection", "settings", "requests"),
    [
        # a paged (ZipNum) index: the page count, then page after page
        ("paged", {"CDX_DIALECT": "pywb", "CDX_PAGE_SIZE": "2"}, 1 + 3),
        # dialect told by the first answer, as long as CDX_LIMIT: so on to the pages
        ("paged", {"CDX_LIMIT": "2", "CDX_PAGE_SIZE": "2"}, 1 + 1 + 3),
        # a plain index answers the page count with its lines: then the whole listing
        ("coll", {"CDX_LIMIT": "2"}, 1 + 1 + 1),
    ],
)
def test_backfill_through_every_pywb_listing_path(
    tmp_path: Path, world: ArchiveWorld, collection: str, settings: dict[str, str], requests: int
) -> None:
    result = backfill(tmp_path, world, collection=collection, **settings)
    assert result.returncode == 0, result.log[-3000:]
    assert versions(result) == {
        (world.a_url, 1, "2024-03-04T10:00:00Z"),
        (world.a_url, 2, "2024-06-10T10:00:00Z"),
        (world.b_url, 1, "2024-03-05T09:30:00Z"),
    }
    assert result.stat("archive/cdx_pages") == requests
    assert result.stat("archive/skipped/duplicate_digest") == 1


# ------------------------------------------------------------ the Internet Archive


IA_SITE = "ia-news.example"
S1 = f"http://{IA_SITE}/2019/01/10/bridge-repairs-begin-after-long-delay/"
S2 = f"https://www.{IA_SITE}/2019/02/11/school-meals-programme-expands-next-term/"
S3 = f"http://{IA_SITE}:80/2019/03/12/tram-line-extension-gets-green-light/"
OTHER = "http://ia-other.example/2019/01/05/other-site-story-on-ferry-fares/"


def ia_captures() -> list[Archived]:
    s1 = article_html(S1, seed=401)
    return [
        Archived(S1, "20190110090000", s1.encode()),
        Archived(S1, "20190301090000", changed(s1).encode()),
        Archived(S2, "20190211090000", article_html(S2, seed=402).encode()),
        Archived(S3, "20190312090000", article_html(S3.replace(":80", ""), seed=403).encode()),
        Archived(f"http://{IA_SITE}/", "20190110080000", b"<html>front</html>"),
        Archived(
            f"http://{IA_SITE}/2018/12/01/an-older-story-from-last-year/",
            "20181201090000",
            article_html(f"http://{IA_SITE}/2018/12/01/x/", seed=404).encode(),
        ),
        Archived(
            f"http://{IA_SITE}/2019/01/11/story-that-was-removed/",
            "20190111090000",
            b"<html>gone</html>",
            status=404,
        ),
        Archived(OTHER, "20190105090000", article_html(OTHER, seed=405).encode()),
    ]


@pytest.fixture
def ia() -> Iterator[IaArchiveServer]:
    server = IaArchiveServer(ia_captures()).start()
    yield server
    server.stop()


def ia_settings(server: IaArchiveServer, **extra: str) -> dict[str, str]:
    return {
        "CDX_URL": server.cdx_url(),
        "ARCHIVE_URL": server.archive_url(),
        "CDX_LIMIT": "2",
        "RETRY_BACKOFF_BASE": "0.1",
        **FAST,
        **extra,
    }


def test_internet_archive_dialect_pages_by_resume_key_and_waits_as_asked(
    tmp_path: Path, ia: IaArchiveServer
) -> None:
    ia.fault("/cdx/search/cdx", 503, times=1, **{"Retry-After": "1"})
    ia.fault(f"/web/20190211090000id_/{S2}", 500, times=1)
    result = run_crawl(
        tmp_path,
        spider="archive",
        settings=ia_settings(ia, ARCHIVE_DELAY="0.2", ARCHIVE_CONCURRENCY="2"),
        site=IA_SITE,
        sit="typo.example",
        **{"from": "2019"},
    )
    assert result.returncode == 0, result.log[-3000:]
    assert versions(result) == {
        (S1, 1, "2019-01-10T09:00:00Z"),
        (S1, 2, "2019-03-01T09:00:00Z"),
        (S2, 1, "2019-02-11T09:00:00Z"),
        (S3.replace(":80", ""), 1, "2019-03-12T09:00:00Z"),  # the default port dropped
    }
    cdx = ia.hits("/cdx/search/cdx")
    assert [h.status for h in cdx[:2]] == [503, 200]
    assert cdx[1].at - cdx[0].at >= 0.95  # Retry-After: 1
    assert result.stat("retry/retry_after") == 1
    assert sum("resumeKey=" in h.path for h in cdx) >= 2
    assert result.stat("archive/dialect/ia") == 1
    replays = ia.hits(f"/web/20190211090000id_/{S2}")
    assert [h.status for h in replays] == [500, 200]  # a 5xx is retried
    arrivals = sorted(h.at for h in ia.requests)
    assert min(b - a for a, b in itertools.pairwise(arrivals)) >= 0.1  # ARCHIVE_DELAY 0.2
    assert result.stat("archive/skipped/not_article") == 1
    assert any(
        "-a sit:" in line and "did you mean site?" in line for line in result.log.splitlines()
    )


def two_page_article(url: str, seed: int) -> tuple[str, str, list[str]]:
    """Page 1 (at ``url``) and page 2 (``?page=2``) of an article, and its paragraphs."""
    headline, paras = article_text(seed, paragraphs=8, sentences=2)
    pages = []
    for n, (prev, nxt) in enumerate(((None, f"{url}?page=2"), (url, None)), 1):
        links = f'<link rel="prev" href="{prev}">' if prev else f'<link rel="next" href="{nxt}">'
        pager = f'<a href="{prev}">Previous page</a>' if prev else f'<a href="{nxt}">Next page</a>'
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras[4 * (n - 1) : 4 * n])
        pages.append(
            f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)}</title><link rel="canonical" href="{url}">{links}
<meta property="og:type" content="article"></head><body><main><article>
<h1>{html.escape(headline)}</h1>{body}<p class="pages">Page {n} of 2</p>
<p class="pager">{pager}</p></article></main></body></html>"""
        )
    return pages[0], pages[1], paras


def test_a_paged_article_is_written_whole_with_its_later_page_from_the_archive(
    tmp_path: Path,
) -> None:
    url = f"http://{IA_SITE}/2019/04/02/harbour-tunnel-plans-unveiled-in-detail/"
    first, second, paras = two_page_article(url, seed=406)
    server = IaArchiveServer(
        [
            Archived(url, "20190402090000", first.encode()),
            Archived(url + "?page=2", "20190402090500", second.encode()),  # minutes later
        ]
    ).start()
    try:
        result = run_crawl(tmp_path, spider="archive", settings=ia_settings(server), site=IA_SITE)
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert [(r["url"], r["version"]) for r in result.records] == [(url, 1)]
    text = result.records[0]["text"]
    assert all(p in text for p in paras)  # both pages' paragraphs
    assert result.stat("archive/skipped/not_article") == 1  # page 2 is no article alone
    assert result.stat("archive/continuation_pages") == 1
    # asked as of page 1's capture; the archive redirected to page 2's nearest capture
    assert [h.status for h in server.hits("/web/20190402090000id_/" + url + "?page=2")] == [302]


def test_max_captures_is_a_budget_per_site(tmp_path: Path, ia: IaArchiveServer) -> None:
    result = run_crawl(
        tmp_path, spider="archive", settings=ia_settings(ia), site=IA_SITE, max_captures="2"
    )
    assert result.returncode == 0, result.log[-3000:]
    assert result.stat("archive/fetched") == 2
    assert result.stat("archive/skipped/budget") >= 1
    assert f"{IA_SITE}: max_captures=2 reached" in result.log


def test_one_site_whose_listing_fails_exits_4_with_the_other_sites_records(
    tmp_path: Path, ia: IaArchiveServer
) -> None:
    ia.fault("/cdx/search/cdx?url=ia-other.example", 500, times=99)
    result = run_crawl(
        tmp_path, spider="archive", settings=ia_settings(ia), site=f"{IA_SITE},ia-other.example"
    )
    assert result.returncode == 4, result.log[-3000:]
    assert {r["site"] for r in result.records} == {IA_SITE, f"www.{IA_SITE}"}
    assert result.stats["run/failed_site/ia-other.example"] == "HTTP 500"
    assert "1 of 2 start sites failed: ia-other.example (HTTP 500)" in result.log


def test_unreachable_cdx_server_exits_3(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    result = run_crawl(
        tmp_path,
        spider="archive",
        settings={"CDX_URL": f"{closed}/cdx", "ARCHIVE_URL": f"{closed}/web/", **FAST},
        site="example.com",
    )
    assert result.returncode == 3, result.log[-3000:]
    assert result.stats["run/failed_site/example.com"] == "connection refused"
    assert "Archive summary for example.com: 0 captures listed" in result.log


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("cdx_unreadable", "unreadable CDX answer"), ("replay_missing", "HTTP 404")],
)
def test_a_listing_that_cannot_be_read_or_captures_that_cannot_be_fetched_fail_the_site(
    tmp_path: Path, ia: IaArchiveServer, fault: str, reason: str
) -> None:
    settings = ia_settings(ia)
    if fault == "cdx_unreadable":
        ia.fault("/cdx/search/cdx", 200, times=99)  # a 200 that is no CDX answer
    else:
        settings["ARCHIVE_URL"] = ia.base + "/no-replay-here/"
    result = run_crawl(tmp_path, spider="archive", settings=settings, site=IA_SITE)
    assert result.returncode == 3, result.log[-3000:]
    assert result.stats[f"run/failed_site/{IA_SITE}"] == reason
    assert result.records == []


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (
            {"site": "example.com", "from": "2024-13"},
            {},
            "-a from=2024-13: '2024-13' is not a date",
        ),
        ({"from": "2024"}, {}, "scrapy crawl archive needs -a site=example.com"),
        ({"site": "example.com"}, {"CDX_DIALECT": "wayback"}, "-s CDX_DIALECT=wayback: use one of"),
    ],
)
def test_bad_arguments_and_settings_exit_2_before_any_request(
    tmp_path: Path, args: dict[str, Any], settings: dict[str, str], message: str
) -> None:
    result = run_crawl(tmp_path, spider="archive", settings=settings, **args)
    assert result.returncode == 2, result.log[-3000:]
    assert message in result.log
