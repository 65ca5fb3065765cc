"""Address guards (SSRF protection), thin Scrapy glue around the pure checks in
``crawler/net/safety.py``.

- ``AddressGuardMiddleware`` (40): refuses non-HTTP schemes, private / loopback /
  link-local targets and redirects that lead off the start sites.
- ``ConnectGuardMiddleware`` (900): names the connections the resolver refused
  (``crawler/resolver.py``) as ``skip/private_address``, not retried.

Numbers are ``DOWNLOADER_MIDDLEWARES`` orders. Every refusal increments
``skip/<reason>`` and logs one line (``refusals.count_skip``).
"""

from __future__ import annotations

import logging
import socket

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.httpobj import urlparse_cached

from crawler.downloadermiddlewares.refusals import count_skip, redirect_allowed, start_hosts
from crawler.net import safety
from crawler.net.urls import site_of
from crawler.resolver import PrivateAddressError, installed_policy


class AddressGuardMiddleware:
    """Refuses bad schemes, private addresses and off-site redirects (SSRF protection).

    Private, loopback and link-local targets are allowed only when they are a
    start host the user named, or when ``ALLOW_LOOPBACK`` is on (tests).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("ALLOW_LOOPBACK")
        self.extra_hosts = [h.strip() for h in crawler.settings.getlist("ALLOWED_REDIRECT_HOSTS")]
        self._resolved: dict[str, bool] = {}
        connect_policy = installed_policy()
        #: with ``GuardedResolver`` installed, addresses are checked where the
        #: connection is made; the checks here are the early, cheap ones
        self.checked_at_connect = connect_policy is not None
        self.policy = connect_policy or safety.AddressPolicy()
        self.policy.allow_private = self.policy.allow_private or self.allow_private
        self._starts_known = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def _is_start_host(self, host: str) -> bool:
        starts = start_hosts(self.crawler.spider)
        if len(starts) != self._starts_known:  # the spider adopts sites as it goes
            self.policy.add_starts(starts)
            self._starts_known = len(starts)
        return self.policy.is_start(host)

    async def _host_is_private(self, host: str) -> bool:
        """True when ``host`` is, or resolves to, a non-public address."""
        # the name as resolved (not crawler.net.urls.bare_host: "www." is part of a DNS
        # name), an IPv6 literal without its brackets
        host = host.lower().strip("[]")
        if host in self._resolved:
            return self._resolved[host]
        if safety.is_ip_literal(host):
            private = not safety.is_public_ip(host)
        elif safety.is_local_name(host):
            private = True
        elif self.checked_at_connect:
            private = False  # GuardedResolver checks the address it connects to
        else:
            try:
                infos = await run_in_thread(socket.getaddrinfo, host, None)
            except OSError:
                private = False  # unresolvable: the download fails and is counted there
            else:
                private = any(not safety.is_public_ip(str(info[4][0])) for info in infos)
        self._resolved[host] = private
        return private

    async def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        if parsed.scheme.lower() not in safety.ALLOWED_SCHEMES:
            count_skip(self.crawler, "bad_scheme", request.url, level=logging.WARNING)
            raise IgnoreRequest(f"scheme {parsed.scheme!r} is not crawled")
        host = parsed.hostname or ""
        if request.meta.get("redirect_urls") and not redirect_allowed(
            host, start_hosts(self.crawler.spider), self.extra_hosts
        ):
            count_skip(
                self.crawler,
                "offsite_redirect",
                request.url,
                f"from {request.meta['redirect_urls'][0]}",
            )
            raise IgnoreRequest(f"redirect to another host: {host}")
        if (
            not self.allow_private
            and not self._is_start_host(host)
            and await self._host_is_private(host)
        ):
            count_skip(self.crawler, "private_address", request.url, level=logging.WARNING)
            raise IgnoreRequest(f"{host} is a private address")

    def process_response(self, request: Request, response: Response) -> Response:
        """Refuses an answer that came from an address the policy refuses (DNS
        rebinding, when no ``GuardedResolver`` checked it at connect time)."""
        ip = response.ip_address
        if ip is None:
            return response
        host = site_of(request.url)
        self._is_start_host(host)  # the policy knows every start host
        why = self.policy.refusal(host, str(ip))
        if why is None:
            return response
        count_skip(self.crawler, "private_address", request.url, why, logging.WARNING)
        raise IgnoreRequest(f"{host} answered from private address {ip}")


class ConnectGuardMiddleware:
    """Names a connection ``GuardedResolver`` refused (``crawler/resolver.py``).

    Next to the downloader, so it sees the download error before the retry
    middlewares: the error is counted as ``skip/private_address``, logged, and
    re-raised as ``PrivateAddressError``: not retried, and for a robots.txt
    request it makes the site unreachable (nothing of it is fetched).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy = installed_policy()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConnectGuardMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.policy is None or not isinstance(exception, CannotResolveHostError):
            return
        host = urlparse_cached(request).hostname or ""
        why = self.policy.take_refusal(host)
        if why is None:
            return
        count_skip(self.crawler, "private_address", request.url, f"{host}: {why}", logging.WARNING)
        raise PrivateAddressError(f"{host}: {why}") from exception
