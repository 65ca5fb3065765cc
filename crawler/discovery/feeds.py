"""Feeds: RSS 2.0, RSS 1.0 (RDF) and Atom items, and the feeds a page announces.

Pure functions over bytes and strings; ``crawler/spider_parts/site_discovery.py``
drives the requests.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.discovery.parsing import _clean_url, _local, _parse_xml, _text, base_url_of

# -------------------------------------------------------------------------- feeds


@dataclass
class FeedEntry:
    """One item of an RSS or Atom feed."""

    url: str
    title: str | None = None
    published: str | None = None
    updated: str | None = None


def parse_feed(
    body: bytes, base_url: str | None = None, max_entries: int = 50000
) -> list[FeedEntry] | None:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed; None when ``body`` is no feed."""
    root = _parse_xml(body)
    if root is None:
        return None
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        return None
    item_tag = "entry" if kind == "feed" else "item"
    feed_base = root.get("{http://www.w3.org/XML/1998/namespace}base")
    base = urljoin(base_url or "", feed_base) if feed_base else base_url
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for item in root.iter():
        if _local(item.tag) != item_tag:
            continue
        entry = _feed_entry(item, base, atom=kind == "feed")
        if entry is None or entry.url in seen:
            continue
        seen.add(entry.url)
        entries.append(entry)
        if len(entries) >= max_entries:
            break
    return entries


def _feed_entry(item: etree._Element, base: str | None, atom: bool) -> FeedEntry | None:
    link = guid = title = published = updated = original = None
    for child in item:
        name = _local(child.tag)
        if name == "origlink" and _text(child):  # FeedBurner's proxied feeds
            original = _text(child)
        elif name == "link":
            href = child.get("href")
            if href is not None:  # Atom (or atom:link inside RSS)
                rel = (child.get("rel") or "alternate").lower()
                ctype = (child.get("type") or "text/html").lower()
                if rel == "alternate" and "html" in ctype and link is None:
                    link = href
            elif link is None and _text(child):
                link = _text(child)
        elif (name == "guid" and (child.get("isPermaLink") or "true").lower() == "true") or (
            name == "id" and atom and guid is None
        ):
            guid = _text(child)
        elif name == "title" and title is None:
            title = htmllib.unescape(_text(child)) or None
        elif name in ("pubdate", "published", "issued", "date", "created") and not published:
            published = _text(child) or None
        elif name in ("updated", "modified") and not updated:
            updated = _text(child) or None
    link = original or link
    url = _clean_url(link, base) if link else None
    if url is None and guid and guid.startswith(("http://", "https://")):
        url = _clean_url(guid, base)
    if url is None:
        return None
    if title:
        title = re.sub(r"<[^>]+>", "", title).strip() or None
    return FeedEntry(url=url, title=title, published=published, updated=updated)


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


def feed_links(tree: lxml_html.HtmlElement, url: str, limit: int = 10) -> list[str]:
    """Feeds announced by ``<link rel="alternate" type="application/rss+xml|atom+xml">``.

    Comment feeds are left out: their items are comments, not articles.
    """
    base = base_url_of(tree, url)
    found: list[str] = []
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rels or ctype not in _FEED_TYPES:
            continue
        href = link.get("href")
        title = (link.get("title") or "").lower()
        if not href or "comment" in title or "comment" in href.lower():
            continue
        feed = _clean_url(href, base)
        if feed and feed not in found:
            found.append(feed)
        if len(found) >= limit:
            break
    return found


def looks_like_feed_url(url: str) -> bool:
    """True when a URL names a feed (``/feed``, ``/rss``, ``.rss``, ``.atom``)."""
    path = urlsplit(url).path.lower().rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return (
        last
        in (
            "feed",
            "rss",
            "atom",
            "rss2",
            "feeds",
            "index.rss",
            "rss.xml",
            "atom.xml",
            "feed.xml",
            "index.xml",
        )
        or path.endswith((".rss", ".atom"))
        or "/feed/" in path + "/"
        or "/rss/" in path + "/"
    )
