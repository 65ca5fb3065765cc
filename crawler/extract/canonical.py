"""A page's canonical URL: the rule extraction applies, and a scan of the source.

:func:`choose_canonical` is the rule: the first ``<link rel="canonical">`` target
(then the first ``og:url``) that is an http(s) URL and is not a site-wide
canonical naming the home page or a tag/section page, else the fetched URL.
Extraction applies it to the parsed tree (``crawler.extract.record``).

:func:`declared_canonical` finds the same answer in the raw page, bytes or text,
without parsing it: a scan of its first ``SCAN_LIMIT`` characters for ``<link>``
and ``<meta>`` tags, skipping comments and script and style contents as a parser
does. It answers only when it is sure to agree with the parsed tree, and None
otherwise (no canonical link in the scanned part, a link that the rule sets aside
with others perhaps after it, a target that is not plain ASCII in raw bytes). The
crawl process uses it to drop a copy of an article already emitted before paying
for its extraction (``pipelines/emitted.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html import unescape
from urllib.parse import urljoin, urlsplit

from crawler.extract.detect import url_page_kind
from crawler.net.urls import canonicalize

#: Characters of a page scanned for its canonical link: heads are rarely longer.
SCAN_LIMIT = 262144

# A comment, a script or style element (its contents are no markup), or a link or
# meta tag with its attributes (quoted values may hold ">"). An unclosed comment or
# script runs to the end of the scanned text, as it does for a parser.
_TOKEN_TEXT = (
    r"<(?:!--[^-]*(?:-(?!->)[^-]*)*(?:-->)?"
    r"|script\b[^<]*(?:<(?!/script)[^<]*)*"
    r"|style\b[^<]*(?:<(?!/style)[^<]*)*"
    r"|(link|meta)\b([^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*)>)"
)
_ATTR_TEXT = r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"
# the same patterns for text and for raw bytes (scanned as they are: no decoding)
_TOKEN = re.compile(_TOKEN_TEXT, re.IGNORECASE)
_TOKEN_BYTES = re.compile(_TOKEN_TEXT.encode("ascii"), re.IGNORECASE)
_ATTR = re.compile(_ATTR_TEXT)


def choose_canonical(
    candidates: Iterable[str], url: str, tracking_params: Iterable[str] = ()
) -> str:
    """The first believable canonical among ``candidates`` (in document order,
    canonical links before og:url), else ``url``; normalised by ``canonicalize``."""
    found = _first_believable(candidates, url)
    return canonicalize(found if found is not None else url, tracking_params)


def _first_believable(candidates: Iterable[str], url: str) -> str | None:
    own_kind: str | None = None
    for href in candidates:
        href = str(href).strip()
        if not href:
            continue
        target = urljoin(url, href)
        parts = urlsplit(target)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            continue
        kind = url_page_kind(target)
        if kind in {"home", "not_article"}:
            if own_kind is None:
                own_kind = url_page_kind(url)
            if kind != own_kind:
                continue  # a site-wide canonical (home page) or a tag or section page
        return target
    return None


def declared_canonical(
    source: str | bytes, url: str, tracking_params: Iterable[str] = ()
) -> str | None:
    """What :func:`choose_canonical` gives for the parsed page, when a scan of its
    source is sure of it; None when unsure or when the page names no other URL."""
    raw = isinstance(source, bytes)  # non-ASCII targets in raw bytes are refused below
    whole = len(source) <= SCAN_LIMIT
    og_urls: list[str] = []
    for tag, attrs in _tags(source):
        if tag == "link" and attrs.get("rel") == "canonical":
            href = attrs.get("href")
            if href is None or (raw and not href.isascii()):
                return None
            found = _first_believable([href], url)
            if found is not None:
                return canonicalize(found, tracking_params)
        elif tag == "meta" and attrs.get("property") == "og:url":
            og_urls.append(attrs.get("content") or "")
    if not whole:
        return None  # a canonical link may follow the scanned part
    if raw and not all(href.isascii() for href in og_urls):
        return None
    found = _first_believable(og_urls, url)
    return canonicalize(found, tracking_params) if found is not None else None


def _tags(source: str | bytes) -> Iterator[tuple[str, dict[str, str]]]:
    """The link and meta tags in the first ``SCAN_LIMIT`` characters of ``source``, in
    order, with their attributes (names lower-cased, values unescaped, the first of a
    repeated name kept; raw bytes read as Latin-1, byte for byte)."""
    raw = isinstance(source, bytes)
    tokens = _TOKEN_BYTES if raw else _TOKEN
    for match in tokens.finditer(source, 0, SCAN_LIMIT):  # type: ignore[arg-type]
        tag = match.group(1)
        if tag is None:
            continue  # a comment, script or style
        body = match.group(2)
        text: str = body.decode("latin-1") if raw else body
        if "canonical" not in text and "og:url" not in text and "&" not in text:
            continue  # neither (nor an entity that could spell either)
        attrs: dict[str, str] = {}
        for name, double, single, bare in _ATTR.findall(text):
            name = name.lower()
            if name not in attrs:
                attrs[name] = unescape(double or single or bare)
        yield (tag.decode("latin-1") if raw else tag).lower(), attrs
