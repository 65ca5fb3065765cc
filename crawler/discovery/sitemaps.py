"""Sitemaps: the ``Sitemap:`` lines of robots.txt, (gzipped) XML and plain-text
sitemaps and indexes, and which children of an index to read first.

Pure functions over bytes and strings; ``crawler/spider_parts/site_discovery.py``
drives the requests.
Every list read from a document is bounded.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from crawler.discovery.lastmod import date_key, url_date_key
from crawler.discovery.parsing import _clean_url, _local, _parse_xml, _text

#: Uncompressed bytes read from one (gzipped) sitemap at most; the protocol's limit is 50 MB.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


# --------------------------------------------------------------------------- gzip


def maybe_gunzip(body: bytes, max_size: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """``body`` itself, or its gunzipped content; None when gzip is corrupt or too large.

    Decompresses in bounded steps, so a gzip bomb stops at ``max_size`` bytes.
    """
    if body[:2] != b"\x1f\x8b":
        return body
    out = bytearray()
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = body
    try:
        while data:
            chunk = decomp.decompress(data, 1024 * 1024)
            out += chunk
            if len(out) > max_size:
                return None
            data = decomp.unconsumed_tail
            if decomp.eof:
                break
        if not decomp.eof:
            out += decomp.flush()
            if not out or len(out) > max_size:
                return None
    except zlib.error:
        return None
    return bytes(out)


# ------------------------------------------------------------------------- robots


def robots_sitemaps(robots_txt: str, base_url: str | None = None) -> list[str]:
    """URLs of the ``Sitemap:`` lines of a robots.txt, in order, without repeats."""
    found: list[str] = []
    for line in robots_txt.splitlines():
        line = line.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() not in ("sitemap", "site-map"):
            continue
        url = _clean_url(value, base_url)
        if url and url not in found:
            found.append(url)
    return found


# ----------------------------------------------------------------------- sitemaps


@dataclass
class SitemapEntry:
    """One ``<url>`` of a urlset, or one ``<sitemap>`` of an index."""

    loc: str
    lastmod: str | None = None
    #: Google News fields: title, publication date, language.
    title: str | None = None
    published: str | None = None
    language: str | None = None

    @property
    def is_news(self) -> bool:
        return bool(self.title or self.published)


@dataclass
class Sitemap:
    """A parsed sitemap: ``kind`` is "index", "urlset" or "" when not a sitemap."""

    kind: str
    entries: list[SitemapEntry] = field(default_factory=list)
    truncated: bool = False


def parse_sitemap(body: bytes, base_url: str | None = None, max_urls: int = 50000) -> Sitemap:
    """Entries of a sitemap index or urlset (XML or plain text), at most ``max_urls``."""
    root = _parse_xml(body)
    if root is None:
        return _parse_text_sitemap(body, base_url, max_urls)
    name = _local(root.tag)
    if name == "sitemapindex":
        kind, child = "index", "sitemap"
    elif name == "urlset":
        kind, child = "urlset", "url"
    else:
        return Sitemap("")
    sitemap = Sitemap(kind)
    for el in root:
        if _local(el.tag) != child:
            continue
        if len(sitemap.entries) >= max_urls:
            sitemap.truncated = True
            break
        entry = _sitemap_entry(el, base_url)
        if entry is not None:
            sitemap.entries.append(entry)
    return sitemap


def _sitemap_entry(el: etree._Element, base_url: str | None) -> SitemapEntry | None:
    loc = lastmod = None
    news: etree._Element | None = None
    for child in el:
        name = _local(child.tag)
        # Only direct <loc>: <image:loc> and <video:loc> live one level deeper.
        if name == "loc" and loc is None:
            loc = _clean_url(_text(child), base_url)
        elif name == "lastmod":
            lastmod = _text(child) or None
        elif name == "news":
            news = child
    if not loc:
        return None
    entry = SitemapEntry(loc=loc, lastmod=lastmod)
    if news is not None:
        for node in news.iter():
            name = _local(node.tag)
            if name == "title":
                entry.title = _text(node) or None
            elif name == "publication_date":
                entry.published = _text(node) or None
            elif name == "language":
                entry.language = (_text(node) or "").lower() or None
    return entry


def _parse_text_sitemap(body: bytes, base_url: str | None, max_urls: int) -> Sitemap:
    """A plain-text sitemap: one absolute URL per line (the protocol allows it)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Sitemap("")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(re.match(r"https?://\S+$", line) for line in lines[:20]):
        return Sitemap("")
    sitemap = Sitemap("urlset")
    for line in lines:
        if len(sitemap.entries) >= max_urls:
            sitemap.truncated = True
            break
        url = _clean_url(line, base_url)
        if url:
            sitemap.entries.append(SitemapEntry(loc=url))
    return sitemap


_NON_ARTICLE_SITEMAP = re.compile(
    r"(?:^|[/_\-.])(?:tags?|tag[_-]?archive|categor(?:y|ies)|authors?|users?|attachments?|"
    r"images?|videos?|media|pages?|topics?|sections?|people|persons?|brands?|products?|"
    r"shows?|series|locations?|static|misc|taxonom(?:y|ies)|galler(?:y|ies)|staff)"
    r"(?:[/_\-.]|sitemap|\d|$)",
    re.I,
)
_ARTICLE_SITEMAP = re.compile(r"news|posts?|articles?|stor(?:y|ies)|blog|archive|\d{4}", re.I)


def sitemap_rank(url: str) -> int:
    """Order for the children of a sitemap index: 0 news/posts, 1 unknown, 2 tag/author/pages."""
    path = urlsplit(url).path.lower()
    if "news" in path.rsplit("/", 1)[-1]:
        return 0
    if _NON_ARTICLE_SITEMAP.search(path):
        return 2
    if _ARTICLE_SITEMAP.search(path):
        return 0
    return 1


def order_sitemap_children(entries: Iterable[SitemapEntry]) -> list[SitemapEntry]:
    """News/post sitemaps first, newest lastmod first within a rank; tag/author sitemaps last."""
    listed = list(entries)
    by_date = sorted(listed, key=lambda e: date_key(e.lastmod) or url_date_key(e.loc), reverse=True)
    return sorted(by_date, key=lambda e: sitemap_rank(e.loc))


def looks_like_sitemap_url(url: str) -> bool:
    """True when a URL names a sitemap (``sitemap*.xml``, ``.xml.gz``)."""
    path = urlsplit(url).path.lower()
    return "sitemap" in path or path.endswith((".xml.gz", "/sitemap"))
