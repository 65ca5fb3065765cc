"""Finding a news site's articles: robots.txt, sitemaps, feeds, listing pages.

Pure functions over bytes and strings; ``spiders/news.py`` drives the requests.
XML is parsed with a hardened lxml parser (no entity expansion, no network, no
huge trees) and every list read from a document is bounded.
"""

from __future__ import annotations

import html as htmllib
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

#: Uncompressed bytes read from one (gzipped) sitemap at most; the protocol's limit is 50 MB.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
    )


def _local(tag: object) -> str:
    """Tag name without namespace, lower-cased ('' for comments and PIs)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


def _clean_url(raw: str, base_url: str | None = None) -> str | None:
    """An absolute http(s) URL from a sitemap/feed/HTML value, or None."""
    url = raw.strip()
    # Feeds and sitemaps sometimes escape twice: "&amp;amp;" reaches us as "&amp;".
    if "&amp;" in url or "&#" in url:
        url = htmllib.unescape(url)
    url = "".join(url.split())  # whitespace inside a URL is never meant
    if not url:
        return None
    if base_url:
        url = urljoin(base_url, url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(parts._replace(fragment=""))


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


def _strip_xml_prefix(body: bytes) -> bytes:
    body = body.lstrip()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:].lstrip()
    return body


def _parse_xml(body: bytes) -> etree._Element | None:
    body = _strip_xml_prefix(body)
    if not body.startswith(b"<"):
        return None
    try:
        root = etree.fromstring(body, parser=_xml_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def xml_kind(body: bytes) -> str:
    """ "index", "urlset", "rss", "atom", "rdf" or "" from the document's root element."""
    root = _parse_xml(body)
    if root is None:
        return ""
    name = _local(root.tag)
    return {
        "sitemapindex": "index",
        "urlset": "urlset",
        "rss": "rss",
        "feed": "atom",
        "rdf": "rdf",
    }.get(name, "")


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


def date_key(value: str | None) -> float:
    """A sort key for a date string: its timestamp, 0 when unreadable."""
    parsed = parse_date(value)
    return parsed.timestamp() if parsed else 0.0


# -------------------------------------------------------------------------- dates

_URL_DATE = re.compile(r"((?:19|20)\d{2})[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?")


def url_date_key(url: str) -> float:
    """A sort key from a date in a URL (``sitemap-2024-05-01.xml``, ``/2024/05/``), else 0."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return 0.0
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        return datetime(year, month, day, tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 (W3C datetime) or RFC 822 text; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        import email.utils

        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def iso_date(value: str | None) -> str | None:
    """``value`` as ISO 8601 UTC when it is a readable date, else None."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def is_newer(candidate: str | None, stored: str | None) -> bool:
    """True when date ``candidate`` is strictly later than ``stored`` (both readable)."""
    new, old = parse_date(candidate), parse_date(stored)
    if new is None or old is None:
        return False
    return new > old


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


# --------------------------------------------------------------------------- HTML


def _html_parser() -> lxml_html.HTMLParser:
    # A parser per call: lxml parsers must not be shared between threads.
    return lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)


def parse_html(text: str, url: str) -> lxml_html.HtmlElement | None:
    """An lxml tree of a page, or None when it cannot be parsed."""
    if not text or not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(
            text.encode("utf-8", "replace"), parser=_html_parser(), base_url=url
        )
    except (etree.ParserError, ValueError):
        return None


def base_url_of(tree: lxml_html.HtmlElement, url: str) -> str:
    """The page's ``<base href>`` (resolved against ``url``) or ``url``."""
    for base in tree.iter("base"):
        href = base.get("href")
        if href and href.strip():
            return urljoin(url, href.strip())
    return url


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


@dataclass
class PageLinks:
    """Links of an HTML page: all same-site links and which of them paginate."""

    links: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)


#: Anchor texts that lead to the next (older) page of a listing, in several languages.
NEXT_TEXTS = frozenset(
    {
        "next",
        "next page",
        "next »",
        "next \u203a",
        "next →",
        "next >",
        "more",
        "more stories",
        "more articles",
        "load more",
        "show more",
        "older",
        "older posts",
        "older entries",
        "older articles",
        "older stories",
        "earlier",
        "previous posts",
        "»",
        "\u203a",
        "→",
        ">",
        ">>",
        "»»",
        "weiter",
        "nächste",
        "nächste seite",
        "ältere",
        "ältere beiträge",
        "mehr",
        "далее",
        "дальше",
        "следующая",
        "следующая страница",
        "вперед",
        "вперёд",
        "ещё",
        "еще",
        "показать ещё",
        "показать еще",
        "suivant",
        "suivante",
        "page suivante",
        "plus",
        "siguiente",
        "página siguiente",
        "más",
        "successivo",
        "successiva",
        "avanti",
        "volgende",
        "próxima",
        "próximo",
        "seguinte",
        "następna",
        "dalej",
        "nästa",
        "næste",
        "neste",
        "seuraava",
        "sonraki",
        "další",
        "következő",
        "наступна",
        "далі",
        "下一页",
        "次へ",
        "次のページ",
        "다음",
    }
)
_NEXT_CLASS = re.compile(r"(?:^|[\s_-])(?:next|older|pagination-next|nav-next)(?:$|[\s_-])", re.I)
_PAGE_PARAMS = frozenset(
    {
        "page",
        "p",
        "paged",
        "pg",
        "pagenum",
        "page_num",
        "pageno",
        "start",
        "offset",
        "seite",
        "strana",
        "stranitsa",
    }
)
_PAGE_PATH = re.compile(
    r"/(?:page|seite|strana|pagina|p)/?\d+/?$|[/_-]page[-_]?\d+(?:\.html?)?$", re.I
)
_SKIP_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|pdf|zip|gz|tgz|rar|7z|mp[34]|m4a|m4v|avi|mov|"
    r"wmv|webm|ogg|wav|flac|css|js|json|woff2?|ttf|eot|exe|dmg|apk|docx?|xlsx?|pptx?|ics|"
    r"vcf|csv|txt)$",
    re.I,
)


def is_pagination_url(url: str, page_url: str | None = None) -> bool:
    """True for ``?page=N``, ``/page/N/`` style URLs (same path as ``page_url`` when given)."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            if page_url is None:
                return True
            base = urlsplit(page_url).path.rstrip("/")
            return parts.path.rstrip("/") == base or _PAGE_PATH.search(base) is not None
    return bool(_PAGE_PATH.search(parts.path))


def _anchor_text(a: lxml_html.HtmlElement) -> str:
    text = " ".join(a.text_content().split()).lower()
    if not text:
        text = (a.get("aria-label") or a.get("title") or "").strip().lower()
    return text


def page_links(
    tree: lxml_html.HtmlElement, url: str, same_site: str | None = None, max_links: int = 2000
) -> PageLinks:
    """Same-site links of a listing page and its pagination links.

    ``same_site`` is a host (without "www."): links to it and its subdomains are
    kept. Relative links resolve against ``<base href>``. Static files,
    ``mailto:`` and ``javascript:`` links are dropped.
    """
    base = base_url_of(tree, url)
    site = (same_site or _bare_host(url)).lower()
    out = PageLinks()
    seen: set[str] = set()

    def add(href: str | None, is_next: bool) -> None:
        if not href:
            return
        link = _clean_url(href, base)
        if link is None or _SKIP_EXT.search(urlsplit(link).path):
            return
        if not _host_matches(link, site) or link == url:
            return
        if is_next and link not in out.pagination:
            out.pagination.append(link)
        if link not in seen and len(out.links) < max_links:
            seen.add(link)
            out.links.append(link)

    for link in tree.iter("link"):
        if "next" in (link.get("rel") or "").lower().split():
            add(link.get("href"), True)
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.strip().lower().startswith(("mailto:", "javascript:", "tel:", "#")):
            continue
        rels = (a.get("rel") or "").lower().split()
        is_next = (
            "next" in rels
            or _anchor_text(a) in NEXT_TEXTS
            or bool(_NEXT_CLASS.search(a.get("class") or ""))
        )
        if not is_next:
            resolved = _clean_url(href, base)
            is_next = bool(resolved) and is_pagination_url(resolved, url)
        add(href, is_next)
    return out


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _host_matches(url: str, site: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == site or host.endswith("." + site)


# ---------------------------------------------------------------------- URL shape

_NON_CONTENT = re.compile(
    r"/(?:log-?in|log-?out|sign-?in|sign-?up|sign-?out|register|registration|account|"
    r"my-?account|profile|password|auth|oauth|cart|checkout|basket|subscribe|subscription|"
    r"subscriptions|newsletters?|search|suche|poisk|about(?:-us)?|contact(?:-us)?|impressum|"
    r"imprint|privacy(?:-policy)?|datenschutz|terms(?:-of-(?:use|service))?|cookies?|"
    r"cookie-policy|legal|advertise|advertising|careers|jobs|help|faq|feedback|"
    r"wp-admin|wp-login\.php|wp-json|xmlrpc\.php|cdn-cgi|print|share|amp-?stories)(?:/|$|\.)",
    re.I,
)
_LISTING = re.compile(
    r"/(?:tags?|topics?|themes?|authors?|autor|avtor|writers?|people|persons?|category|"
    r"categories|rubrik|rubric|rubrika|section|sections|ressort|archives?|archiv|arkhiv|"
    r"events?|calendar|video|videos|gallery|galleries|photos?|podcasts?|live|latest|"
    r"newest|most-?read|popular)(?:/|$)",
    re.I,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/")
_SLUG = re.compile(r"/[^/]*[^\W_]+(?:[-_][^\W_]+){3,}[^/]*/?$")
_NUMERIC_ID = re.compile(r"(?:[/_-]|^)\d{5,}(?:\.html?|/)?$|\.html?$")


def url_kind(url: str) -> str:
    """What a URL's shape suggests: "non_content", "listing", "pagination", "article" or "".

    non_content: login, search, about, newsletter, legal pages (never fetched while
    following links); listing: tag, author, section, archive pages; article: dated
    paths, long slugs, numeric ids. "" when the shape says nothing.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if path == "/" and not parts.query:
        return "listing"
    if _NON_CONTENT.search(path):
        return "non_content"
    if parts.query and any(
        k.lower() in ("s", "q", "query", "search")
        for k, _ in parse_qsl(parts.query, keep_blank_values=True)
    ):
        return "non_content"
    if is_pagination_url(url):
        return "pagination"
    if _LISTING.search(path):
        return "listing"
    if _DATE_PATH.search(path) and re.search(r"/[^/]*[^\W\d_][^/]*/?$", path):
        return "article"
    if _SLUG.search(path) or _NUMERIC_ID.search(path):
        return "article"
    return ""


def looks_like_sitemap_url(url: str) -> bool:
    """True when a URL names a sitemap (``sitemap*.xml``, ``.xml.gz``)."""
    path = urlsplit(url).path.lower()
    return "sitemap" in path or path.endswith((".xml.gz", "/sitemap"))


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


# ---------------------------------------------------------------------- dry-run report


@dataclass
class DiscoveryReport:
    """What discovery found for one start site (``-a dry_run=1``), without fetching articles.

    Every list holds URLs in the order they were found; ``article_urls`` are the
    article-shaped URLs a crawl would fetch (within the page budget, not emitted before).
    """

    site: str
    start_url: str
    robots_sitemaps: list[str] = field(default_factory=list)
    sitemap_indexes: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    listing_pages: list[str] = field(default_factory=list)
    article_urls: list[str] = field(default_factory=list)
    other_urls: list[str] = field(default_factory=list)  # listed, but not article-shaped
    failed_documents: list[str] = field(default_factory=list)  # absent or unreadable
    known_urls: int = 0  # emitted by an earlier run and not changed since
    over_budget: int = 0  # found beyond the page budget
    robots_disallowed: int = 0  # listed, but robots.txt disallows them
    link_following: bool = False

    def note(self, kind: str, url: str) -> None:
        """Add ``url`` to the list ``kind`` once."""
        urls: list[str] = getattr(self, kind)
        if url not in urls:
            urls.append(url)

    def counts(self) -> dict[str, int]:
        return {
            "robots_sitemaps": len(self.robots_sitemaps),
            "sitemap_indexes": len(self.sitemap_indexes),
            "sitemaps": len(self.sitemaps),
            "feeds": len(self.feeds),
            "listing_pages": len(self.listing_pages),
            "article_urls": len(self.article_urls),
            "other_urls": len(self.other_urls),
            "failed_documents": len(self.failed_documents),
            "known_urls": self.known_urls,
            "over_budget": self.over_budget,
            "robots_disallowed": self.robots_disallowed,
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "start_url": self.start_url,
            "link_following": self.link_following,
            "counts": self.counts(),
            "robots_sitemaps": self.robots_sitemaps,
            "sitemap_indexes": self.sitemap_indexes,
            "sitemaps": self.sitemaps,
            "feeds": self.feeds,
            "listing_pages": self.listing_pages,
            "article_urls": self.article_urls,
            "other_urls": self.other_urls,
            "failed_documents": self.failed_documents,
        }

    def summary(self, sample: int = 3) -> str:
        """A few human-readable lines for the log."""
        c = self.counts()
        how = "links from listing pages" if self.link_following else "sitemaps and feeds"
        lines = [
            f"{self.site} ({self.start_url}): {c['article_urls']} article URLs via {how}",
            f"  robots.txt sitemaps: {c['robots_sitemaps']}, sitemap indexes: "
            f"{c['sitemap_indexes']}, sitemaps: {c['sitemaps']}, feeds: {c['feeds']}, "
            f"listing pages fetched: {c['listing_pages']}",
            f"  not article-shaped: {c['other_urls']}, emitted before: {c['known_urls']}, "
            f"over the page budget: {c['over_budget']}, disallowed by robots.txt: "
            f"{c['robots_disallowed']}, absent/failed documents: {c['failed_documents']}",
        ]
        for kind, label in (
            ("sitemap_indexes", "sitemap index"),
            ("sitemaps", "sitemap"),
            ("feeds", "feed"),
        ):
            for url in getattr(self, kind)[:sample]:
                lines.append(f"  {label}: {url}")
        for url in self.article_urls[:sample]:
            lines.append(f"  article: {url}")
        return "\n".join(lines)
