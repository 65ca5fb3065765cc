"""Which archived captures of a site a backfill fetches, and in what order.

Decided from each CDX row alone, before anything is fetched (``CaptureSelector``),
with the article-URL rules of the live crawl, the asked date range, the site's hosts,
the identical captures already taken, what the state store already holds and a
budget. The captures of one article are fetched one at a time, oldest first
(``CaptureQueue``): each goes through the pipelines, and so into the state store,
before the next is fetched, so each changed text becomes the next version in time
order.

Pure: the archive spider (``crawler/spider_parts/cdx_listing.py``) feeds it CDX rows,
``spiders/archive.py`` a state-store lookup.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

from crawler.discovery.cdx import Capture, SiteScope, iso_timestamp
from crawler.discovery.links import url_kind
from crawler.extract.detect import url_page_kind
from crawler.net.urls import canonicalize, netloc_without_default_port

#: Why a listed capture is not fetched (``archive/skipped/<reason>``), in the order checked.
SKIP_REASONS = (
    "not_ok",  # its status is not 200 (a CDX server that ignored the filter)
    "not_html",  # its type is not HTML
    "other_host",  # not the site, its www variant or a subdomain
    "out_of_range",  # before -a from or after -a to
    "not_article",  # home, section, tag, author, about, search or pagination URL
    "superseded",  # older than a capture of the same article already taken
    "duplicate_digest",  # the same bytes as a capture already taken
    "known",  # the state store has the article from this capture's time or later
    "budget",  # over the site's max_captures
)

#: ``url -> None`` (the store does not know it), ``""`` (emitted, no date known) or the
#: ISO time the stored version is known to be current at (its ``lastmod``).
KnownLookup = Callable[[str], str | None]

_HTML_TYPES = ("text/html", "application/xhtml+xml")
T = TypeVar("T")


def article_shaped(url: str) -> bool:
    """False for URLs the live crawl never takes for an article: the home page and
    section, tag, author, about, search, login, newsletter and pagination pages
    (``crawler.extract.detect.url_page_kind``, ``crawler.discovery.links.url_kind``)."""
    if url_page_kind(url) in ("home", "not_article"):
        return False
    return url_kind(url) not in ("non_content", "pagination")


def original_url(url: str) -> str:
    """A capture's original URL as a page URL: without a default port (old captures
    carry ``http://example.com:80/``)."""
    parts = urlsplit(url)
    try:
        netloc = netloc_without_default_port(parts)
    except ValueError:
        return url
    if netloc != parts.netloc:
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def article_key(url: str, tracking_params: Iterable[str] = ()) -> str:
    """One key for the captures of one article: its canonical URL without scheme and
    ``www.`` (archives hold http and https, www and bare copies of the same page).
    Not a host rule: the "www." comes off a whole address (crawler/net/urls.py)."""
    canonical = canonicalize(url, tracking_params)
    rest = canonical.split("://", 1)[-1]
    return rest[4:] if rest.startswith("www.") else rest


@dataclass(frozen=True)
class Decision:
    """What to do with one capture."""

    #: why it is skipped, or None when it is fetched
    skip: str | None
    #: the article it belongs to (``article_key``)
    key: str = ""
    #: the URL its page carries: the original URL of the article's first capture taken,
    #: so that every version of an article has one URL (http and https copies alike)
    page_url: str = ""


class CaptureSelector:
    """Decides, per CDX row of one site, whether the capture is fetched."""

    def __init__(
        self,
        scope: SiteScope,
        start: str | None = None,
        end: str | None = None,
        budget: int = 0,
        known: KnownLookup | None = None,
        tracking_params: Iterable[str] = (),
    ) -> None:
        self.scope = scope
        self.start = start
        self.end = end
        self.budget = budget
        self.known = known
        self.tracking_params = tuple(tracking_params)
        self.listed = 0
        self.selected = 0
        self.skipped: Counter[str] = Counter()
        self._latest: dict[str, str] = {}  # article -> timestamp of its last capture taken
        self._last_digest: dict[str, str] = {}  # article -> digest of its last capture taken
        self._digests: dict[str, str] = {}  # digest -> article it was taken for
        self._page_urls: dict[str, str] = {}  # article -> URL its pages carry

    @property
    def exhausted(self) -> bool:
        """True once the budget is spent: further rows can only be skipped."""
        return 0 < self.budget <= self.selected

    def decide(self, capture: Capture) -> Decision:
        """The decision for the next row of the listing (rows come in CDX order)."""
        self.listed += 1
        reason = self._rule(capture)
        if reason is not None:
            self.skipped[reason] += 1
            return Decision(reason)
        url = original_url(capture.original)
        key = article_key(url, self.tracking_params)
        page_url = self._page_urls.get(key, url)
        reason = self._history(capture, key, page_url)
        if reason is not None:
            self.skipped[reason] += 1
            return Decision(reason, key, page_url)
        self.selected += 1
        self._page_urls[key] = page_url
        self._latest[key] = capture.timestamp
        if capture.digest:
            self._last_digest[key] = capture.digest
            self._digests.setdefault(capture.digest, key)
        return Decision(None, key, page_url)

    def _rule(self, capture: Capture) -> str | None:
        """Reasons read off the row itself."""
        if capture.status and capture.status != "200":
            return "not_ok"
        mime = capture.mimetype.lower()
        if mime and not mime.startswith(_HTML_TYPES):
            return "not_html"
        if not self.scope.contains(capture.original):
            return "other_host"
        if (self.start and capture.timestamp < self.start) or (
            self.end and capture.timestamp > self.end
        ):
            return "out_of_range"
        if not article_shaped(capture.original):
            return "not_article"
        return None

    def _history(self, capture: Capture, key: str, page_url: str) -> str | None:
        """Reasons that depend on the captures taken before and the state store."""
        latest = self._latest.get(key)
        if latest is not None and capture.timestamp < latest:
            return "superseded"
        if capture.digest and (
            self._last_digest.get(key) == capture.digest
            or self._digests.get(capture.digest, key) != key
        ):
            return "duplicate_digest"
        if self._known(capture, page_url):
            return "known"
        if self.exhausted:
            return "budget"
        return None

    def _known(self, capture: Capture, page_url: str) -> bool:
        """True when the store holds the article as current at this capture's time or
        later: emitted by an earlier backfill from this or a later capture, or by a
        live crawl (whose version is the newer one)."""
        if self.known is None:
            return False
        urls = dict.fromkeys((page_url, original_url(capture.original)))
        for url in urls:
            current = self.known(url)
            if current is None:
                continue
            stamp = iso_timestamp(current) if current else None
            return stamp is None or capture.timestamp <= stamp
        return False


class CaptureQueue(Generic[T]):
    """Captures chosen for fetching (any value that stands for one), released one
    article at a time, in the order they were added: the CDX order, oldest first."""

    def __init__(self) -> None:
        self._waiting: dict[str, deque[T]] = {}
        self._busy: set[str] = set()

    def add(self, key: str, capture: T) -> bool:
        """Queue ``capture`` of article ``key``; True when it may be fetched now (no
        other capture of the article is being fetched or processed)."""
        if key in self._busy:
            self._waiting.setdefault(key, deque()).append(capture)
            return False
        self._busy.add(key)
        return True

    def done(self, key: str) -> T | None:
        """The article's capture in flight is finished: its next one to fetch, if any."""
        waiting = self._waiting.get(key)
        if waiting:
            capture = waiting.popleft()
            if not waiting:
                del self._waiting[key]
            return capture
        self._busy.discard(key)
        return None

    def release_all(self, keep: Collection[str] = ()) -> list[tuple[str, T]]:
        """Every waiting capture's next one, as if the captures in flight had finished
        (when the crawl went idle with captures still waiting: a lost signal); the
        articles in ``keep`` are still being processed."""
        released = []
        for key in list(self._busy):
            if key in keep:
                continue
            capture = self.done(key)
            if capture is not None:
                released.append((key, capture))
        return released

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    @property
    def busy(self) -> int:
        return len(self._busy)
