"""Safety middlewares: thin Scrapy glue around the pure checks in ``crawler/safety.py``.

Downloader side (numbers are ``DOWNLOADER_MIDDLEWARES`` orders):

- ``AddressGuardMiddleware`` (40): refuses non-HTTP schemes, private / loopback /
  link-local targets and redirects that lead off the start sites.
- ``ConnectGuardMiddleware`` (900): names the connections the resolver refused
  (``crawler/resolver.py``) as ``skip/private_address``, not retried.
- ``RetryBackoffMiddleware`` (540): waits exponentially longer before each retry
  and counts requests that failed for good.
- ``BodyCheckMiddleware`` (560): skips empty bodies, 204s and binary bodies
  before any spider callback sees them.
- ``BoundedDecompressionMiddleware`` (590, replaces Scrapy's
  ``HttpCompressionMiddleware``): the same size-bounded decompression, counted.
- ``HeadMetaRefreshMiddleware`` (580, replaces Scrapy's ``MetaRefreshMiddleware``):
  the same meta-refresh redirects, from the head of the body only.
- ``RedirectGuardMiddleware`` (610): looks at a redirect's ``Location`` before
  Scrapy's ``RedirectMiddleware`` follows it.

Spider side: ``TrapFilterMiddleware`` strips session ids from outgoing request
URLs and drops URLs shaped like spider traps.

Every refusal increments ``skip/<reason>`` and logs one line.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import HtmlResponse, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.asyncio import run_in_thread, sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import CancelledError, Deferred
from w3lib.encoding import html_to_unicode
from w3lib.html import get_base_url, get_meta_refresh

from crawler import safety
from crawler import signals as cleanwire_signals
from crawler.outcome import UNREACHABLE, failure_reason
from crawler.resolver import PrivateAddressError, installed_policy

logger = logging.getLogger(__name__)


def _skip(
    crawler: Crawler, reason: str, url: str, detail: str = "", level: int = logging.INFO
) -> None:
    assert crawler.stats is not None
    crawler.stats.inc_value(f"skip/{reason}")
    logger.log(level, "Skipped %s (%s)%s", url, reason, f": {detail}" if detail else "")


def start_hosts(spider: Any) -> list[str]:
    """Hosts the user asked to crawl: ``spider.start_hosts``, else allowed domains or start URLs."""
    hosts = getattr(spider, "start_hosts", None) or getattr(spider, "allowed_domains", None)
    if not hosts:
        urls = getattr(spider, "start_list", None) or getattr(spider, "start_urls", None) or []
        hosts = [urlsplit(u).hostname or "" for u in urls]
    return [h for h in hosts if h]


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
            _skip(self.crawler, "bad_scheme", request.url, level=logging.WARNING)
            raise IgnoreRequest(f"scheme {parsed.scheme!r} is not crawled")
        host = parsed.hostname or ""
        if request.meta.get("redirect_urls") and not redirect_allowed(
            host, start_hosts(self.crawler.spider), self.extra_hosts
        ):
            _skip(
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
            _skip(self.crawler, "private_address", request.url, level=logging.WARNING)
            raise IgnoreRequest(f"{host} is a private address")

    def process_response(self, request: Request, response: Response) -> Response:
        """Refuses an answer that came from an address the policy refuses (DNS
        rebinding, when no ``GuardedResolver`` checked it at connect time)."""
        ip = response.ip_address
        if ip is None:
            return response
        host = (urlparse_cached(request).hostname or "").lower()
        self._is_start_host(host)  # the policy knows every start host
        why = self.policy.refusal(host, str(ip))
        if why is None:
            return response
        _skip(self.crawler, "private_address", request.url, why, logging.WARNING)
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
        _skip(self.crawler, "private_address", request.url, f"{host}: {why}", logging.WARNING)
        raise PrivateAddressError(f"{host}: {why}") from exception


def redirect_allowed(host: str, starts: Iterable[str], extra: Iterable[str]) -> bool:
    """True when a redirect may lead to ``host``: a start site or an allowed extra host."""
    return safety.host_allowed(host, [*starts, *extra])


class RedirectGuardMiddleware:
    """Checks a 3xx ``Location`` before Scrapy's ``RedirectMiddleware`` follows it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.extra_hosts = [h.strip() for h in crawler.settings.getlist("ALLOWED_REDIRECT_HOSTS")]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        if request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        parts = urlsplit(target)
        if parts.scheme.lower() not in safety.ALLOWED_SCHEMES:
            _skip(
                self.crawler, "bad_scheme", target, f"redirect from {request.url}", logging.WARNING
            )
            raise IgnoreRequest(f"redirect to scheme {parts.scheme!r}")
        if not redirect_allowed(
            parts.hostname or "", start_hosts(self.crawler.spider), self.extra_hosts
        ):
            _skip(self.crawler, "offsite_redirect", target, f"redirect from {request.url}")
            raise IgnoreRequest(f"redirect to another host: {parts.hostname}")
        # The redirect request copies this meta: Scrapy's OffsiteMiddleware must let an
        # allowed host that is not in the spider's allowed_domains through.
        request.meta["allow_offsite"] = True
        return response


class BodyCheckMiddleware:
    """Skips empty bodies, 204s and binary bodies (PDF, images, archives) served as pages."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyCheckMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not 200 <= response.status < 300:
            return response
        path = urlparse_cached(request).path
        if safety.is_empty_body(response.status, response.body):
            if path == "/robots.txt":  # an empty robots.txt is valid and allows everything
                return response
            _skip(self.crawler, "empty_body", request.url, f"status {response.status}")
            raise IgnoreRequest("empty body")
        kind = safety.sniff_binary(response.body)
        if kind is None:
            return response
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if kind == "gzip" and "html" not in ctype:
            return response  # a gzipped sitemap (sitemap.xml.gz); discovery unpacks it
        _skip(self.crawler, "binary_body", request.url, f"{kind} served as {ctype or 'no type'}")
        raise IgnoreRequest(f"binary body ({kind})")


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by ``DOWNLOAD_MAXSIZE``), with ``skip/too_large`` counted."""

    def process_response(self, request: Request, response: Response) -> Any:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("skip/too_large")
            raise


#: Characters of a page Scrapy looks at for <meta http-equiv="refresh"> and <base href>.
META_REFRESH_SCAN_CHARS = 4096


def head_text(response: HtmlResponse, chars: int = META_REFRESH_SCAN_CHARS) -> str:
    """``response.text[:chars]`` without decoding (and caching) the whole body."""
    encoding = response.encoding
    # A character takes at most 4 bytes (UTF-8, UTF-16/32, GB18030), plus a BOM.
    head = response.body[: 4 * chars + 4]
    return html_to_unicode(f"charset={encoding}", head)[1][:chars]


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware`` (same rules and settings), reading only the
    first 4096 characters it looks at anyway: Scrapy gets them from ``response.text``,
    which decodes the whole body and keeps the copy for the response's lifetime,
    although the spider decodes the page itself."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlparse_cached(request).scheme not in {"http", "https"}
        ):
            return response
        text = head_text(response)
        if "refresh" not in text.lower():
            return response  # get_meta_refresh reads only tags whose lowercased text has it
        encoding = response.encoding
        interval, url = get_meta_refresh(
            text, get_base_url(text, response.url, encoding), encoding, self._ignore_tags
        )
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if interval is not None and interval < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response


class RetryBackoffMiddleware:
    """Exponential backoff before retries; ``skip/failed`` once retries are exhausted.

    Sits below Scrapy's ``RetryMiddleware`` (550): a 5xx answer or a download
    error that reaches it was given up on; it says so with the ``download_failed``
    signal. A host that has not answered once in this run and whose request failed
    for good without an answer (DNS, connection refused, TLS, timeout) is
    unreachable: its other requests are tried once, without retries or backoff, until
    it answers (``retry/unreachable_host``), so a site that is down fails in seconds.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.maximum = settings.getfloat("RETRY_BACKOFF_MAX")
        self.failed_codes = {c for c in settings.getlist("RETRY_HTTP_CODES")}
        self.answered: set[str] = set()  # host:port that answered in this run
        self.unreachable: dict[str, str] = {}  # host:port -> why it did not answer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.unreachable and not request.meta.get("dont_retry"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("retry/unreachable_host")
            request.meta["dont_retry"] = True
            return
        delay = safety.backoff_delay(request.meta.get("retry_times", 0), self.base, self.maximum)
        # a 429/503's Retry-After (crawler/retry_after.py), when longer than the backoff
        delay = max(delay, float(request.meta.pop("retry_after", 0.0) or 0.0))
        if delay > 0:
            logger.debug(
                "Retry %d of %s in %.1fs", request.meta.get("retry_times", 0), request.url, delay
            )
            await sleep(delay)

    def process_response(self, request: Request, response: Response) -> Response:
        netloc = urlparse_cached(request).netloc
        self.answered.add(netloc)
        self.unreachable.pop(netloc, None)
        if str(response.status) in self.failed_codes or response.status in self.failed_codes:
            _skip(self.crawler, "failed", request.url, f"status {response.status}", logging.DEBUG)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        if isinstance(exception, (DownloadCancelledError, CancelledError)):
            _skip(self.crawler, "too_large", request.url, str(exception))
            return
        _skip(
            self.crawler,
            "failed",
            request.url,
            f"{type(exception).__name__}: {exception}",
            logging.DEBUG,
        )
        reason = failure_reason(exception)
        netloc = urlparse_cached(request).netloc
        if reason in UNREACHABLE and netloc not in self.answered:
            self.unreachable.setdefault(netloc, reason)
        self.crawler.signals.send_catch_log(
            signal=cleanwire_signals.download_failed,
            request=request,
            exception=exception,
            reason=reason,
        )


class TrapFilterMiddleware(BaseSpiderMiddleware):
    """Strips session ids from outgoing request URLs and drops URLs shaped like spider traps.

    Besides the URL shapes of ``safety.trap_reason`` it bounds chains of
    same-shaped hops (``/cal/2026/05/01`` -> ``/cal/2026/05/02`` -> ...) to
    ``TRAP_MAX_CHAIN``: calendar "next" links never end, and pagination does not
    add to the link depth.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_chain = crawler.settings.getint("TRAP_MAX_CHAIN")

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None or request.dont_filter:
            return request  # start requests and the spider's own discovery documents
        assert self.crawler.stats is not None
        clean = safety.strip_session_ids(request.url)
        if clean != request.url:
            self.crawler.stats.inc_value("discovery/session_ids_stripped")
            logger.debug("Stripped session id: %s -> %s", request.url, clean)
            request = request.replace(url=clean)
        reason = safety.trap_reason(request.url)
        if reason is None and self.max_chain > 0:
            chain = 0
            if safety.url_template(request.url) == safety.url_template(response.url):
                chain = response.meta.get("trap_chain", 0) + 1
            if chain > self.max_chain:
                reason = "chain"
            request.meta["trap_chain"] = chain
        if reason is not None:
            self.crawler.stats.inc_value(f"skip/trap/{reason}")
            _skip(self.crawler, "trap", request.url, reason, logging.DEBUG)
            return None
        return request


#: Redirects followed to a site's robots.txt (RFC 9309 2.3.1.2).
ROBOTS_MAX_REDIRECTS = 5
#: The rules of a site whose robots.txt cannot be read.
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, whose one download of a site's robots.txt also
    answers the spider's own read of it (for its ``Sitemap:`` lines).

    Without this, a site's robots.txt is fetched twice per run: once by the
    middleware for its rules, once by the spider. The spider marks its request
    with ``meta["robots_shared"]``; such a request waits for the middleware's copy
    (downloading it if nobody has yet) and gets that response instead of a second
    download (``robotstxt/shared``). When the middleware's download failed, the
    spider's request goes to the site itself, as before.
    """

    #: Largest robots.txt kept for the spider (Google reads the first 500 KiB).
    MAX_BODY = 512 * 1024

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._responses: dict[str, Response] = {}

    async def process_request(self, request: Request) -> Response | None:  # type: ignore[override]
        if request.meta.get("robots_shared") or (
            request.meta.get("dont_obey_robotstxt") and request.callback is NO_CALLBACK
        ):
            # a robots.txt download: RFC 9309 follows at most five redirects, then takes
            # the file as unavailable (no rules)
            request.meta.setdefault("redirect_ttl", ROBOTS_MAX_REDIRECTS)
        if not request.meta.get("robots_shared"):
            await super().process_request(request)
            return None
        await self.robot_parser(request)  # the one download (or the one in flight)
        response = self._responses.get(urlparse_cached(request).netloc)
        if response is None:
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("robotstxt/shared")
        return response.replace(url=request.url, request=request)

    async def robot_parser(self, request: Request) -> Any:
        """The site's parser. Scrapy's own gives it only to the first request that
        waited for the download: every later waiter on the same Deferred receives
        the previous callback's return value (None, "no rules"), so a site's first
        sitemap and start page requests were fetched whatever robots.txt said."""
        parser = await super().robot_parser(request)
        if parser is None:
            current = self._parsers.get(urlparse_cached(request).netloc)
            if current is not None and not isinstance(current, Deferred):
                return current
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        """RFC 9309: a robots.txt answered with a server error is "unreachable", and
        the site is complete disallow until it can be read; 4xx allows everything;
        only the first ``MAX_BODY`` bytes of rules are read."""
        if response.status >= 500:
            self._unreachable(netloc, f"robots.txt answered {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        elif len(response.body) > self.MAX_BODY:
            response = response.replace(body=response.body[: self.MAX_BODY])
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """A robots.txt that could not be downloaded (DNS, refused, TLS, timeout) makes
        the site complete disallow for this run (RFC 9309 2.3.1.4), not allow-all."""
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"robots.txt unreachable ({type(exc).__name__})")
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def _unreachable(self, netloc: str, why: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("robotstxt/unreachable")
        logger.warning("%s: %s; nothing of the site is fetched this run (RFC 9309)", netloc, why)

    def process_response(self, request: Request, response: Response) -> Response:
        """Keep the middleware's own robots.txt response (after redirects) for the spider."""
        if request.meta.get("dont_obey_robotstxt") and request.callback is NO_CALLBACK:
            first = urlsplit(request.meta.get("redirect_urls", [request.url])[0])
            if first.path == "/robots.txt" and len(response.body) <= self.MAX_BODY:
                self._responses[first.netloc] = response
        return response
