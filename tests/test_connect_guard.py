"""Addresses checked where the connection is made (``crawler/resolver.py``).

Crawls run ``scrapy crawl`` with ``tests.dns.ScriptedResolver``, the product's
``GuardedResolver`` answering made-up addresses, and loopback not allowed
(``ALLOW_LOOPBACK=0``), as a user's crawl runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from twisted.python.failure import Failure

from crawler.resolver import GuardedResolver, RefusedLookup
from tests.articles import article_html, route_site
from tests.conftest import run_crawl
from tests.dns import ENV, ScriptedResolver

ARTICLES = [f"/news/2026/05/0{n}/story-{n}.html" for n in range(1, 4)]
GUARDED = {"ALLOW_LOOPBACK": "0", "TWISTED_DNS_RESOLVER": "tests.dns.ScriptedResolver"}


class _Named:
    """A fixture server's site as seen under another host name."""

    def __init__(self, server: Any, host: str) -> None:
        self.server = server
        self.base = f"http://{host}:{urlsplit(server.base).port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str, content_type: str = "text/html") -> None:
        self.server.route(path, body, content_type)


def _news_site(site: Any, first_seed: int) -> list[str]:
    pages = {p: article_html(site.url(p), first_seed + i) for i, p in enumerate(ARTICLES)}
    return route_site(site, pages)


def test_a_start_host_named_by_the_user_may_resolve_to_an_intranet_address(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve()
    site = _Named(server, "intranet.test")
    _news_site(site, first_seed=70)
    monkeypatch.setenv(ENV, json.dumps({"intranet.test": ["127.0.0.1"]}))
    result = run_crawl(tmp_path, settings=GUARDED, start=site.url("/"))
    assert result.returncode == 0, result.log[-2000:]
    assert sorted(r["url"] for r in result.records) == sorted(site.url(p) for p in ARTICLES)
    assert result.stat("skip/private_address") == 0


def test_another_host_resolving_to_a_private_address_is_refused_before_connecting(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redirect the user allowed leads to a host whose DNS answers 127.0.0.1: the
    connection is refused by the resolver, so the server behind it gets no request."""
    public, internal = serve(), serve()
    urls = _news_site(public, first_seed=80)
    internal_site = _Named(internal, "metadata.evil.test")
    _news_site(internal_site, first_seed=90)
    moved = ARTICLES[0]
    public.fault(moved, status=302, headers={"Location": internal_site.url(moved)})
    monkeypatch.setenv(ENV, json.dumps({"metadata.evil.test": ["127.0.0.1"]}))
    settings = {**GUARDED, "ALLOWED_REDIRECT_HOSTS": "metadata.evil.test"}
    result = run_crawl(tmp_path, settings=settings, start=public.url("/"))
    assert internal.paths() == []
    assert result.stat("skip/private_address") == 1
    assert "metadata.evil.test: resolves to private address 127.0.0.1" in result.log
    assert sorted(r["url"] for r in result.records) == sorted(urls[1:])
    assert result.returncode == 0, result.log[-2000:]


def _answer(resolver: GuardedResolver, name: str) -> str | Exception:
    results: list[str | Failure] = []
    resolver.getHostByName(name).addBoth(results.append)
    (result,) = results
    return result.value if isinstance(result, Failure) else result


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "169.254.169.254",
        "10.0.0.7",
        "100.64.0.1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
def test_private_answers_for_other_hosts_are_refused(address: str) -> None:
    from twisted.internet import reactor

    resolver = ScriptedResolver(reactor, 0, 5.0)
    resolver.answers = {"cdn.example": [address], "www.news.example": ["93.184.216.34"]}
    resolver.policy.add_starts(["news.example"])
    refused = _answer(resolver, "cdn.example")
    assert isinstance(refused, RefusedLookup)
    assert _answer(resolver, "www.news.example") == "93.184.216.34"


def test_a_start_host_rebound_to_a_private_address_is_refused_at_connect_time() -> None:
    """The first answer decides: a start host that answered from a public address and
    then from a private one (DNS rebinding) is refused; one that was private from its
    first answer (an intranet site) keeps being allowed."""
    from twisted.internet import reactor

    resolver = ScriptedResolver(reactor, 0, 5.0)
    resolver.answers = {
        "news.example": ["93.184.216.34", "169.254.169.254"],
        "intranet.example": ["10.0.0.5", "10.0.0.6"],
    }
    resolver.policy.add_starts(["news.example", "intranet.example"])
    assert _answer(resolver, "news.example") == "93.184.216.34"
    refused = _answer(resolver, "news.example")
    assert isinstance(refused, RefusedLookup)
    assert "rebound" in str(refused)
    assert _answer(resolver, "intranet.example") == "10.0.0.5"
    assert _answer(resolver, "intranet.example") == "10.0.0.6"
