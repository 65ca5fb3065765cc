"""The crawl's User-Agent names the project and the contact URL the user set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.articles import article_html, sitemap_xml
from tests.conftest import run_crawl


def _site(serve: Any) -> Any:
    server = serve()
    url = server.url("/news/one-story")
    server.route("/news/one-story", article_html(url, seed=5))
    server.route("/sitemap.xml", sitemap_xml([url]), "application/xml")
    return server


def _agents(server: Any) -> set[str]:
    return {hit.headers.get("User-Agent", "") for hit in server.requests}


def test_contact_url_setting_goes_into_the_user_agent(serve: Any, tmp_path: Path) -> None:
    server = _site(serve)
    result = run_crawl(
        tmp_path,
        settings={"CONTACT_URL": "https://example.org/our-bot"},
        start=server.url("/sitemap.xml"),
    )
    assert result.returncode == 0, result.log[-2000:]
    assert _agents(server) == {"Cleanwire/0.1 (+https://example.org/our-bot)"}


def test_an_explicit_user_agent_wins(serve: Any, tmp_path: Path) -> None:
    server = _site(serve)
    result = run_crawl(
        tmp_path,
        settings={"USER_AGENT": "ExampleBot/2 (+https://example.org)", "CONTACT_URL": "x"},
        start=server.url("/sitemap.xml"),
    )
    assert result.returncode == 0, result.log[-2000:]
    assert _agents(server) == {"ExampleBot/2 (+https://example.org)"}
