"""Hardened parsing shared by the discovery modules: XML parsed with no entity
expansion, no network and no huge trees; HTML pages; URLs read from documents.
"""

from __future__ import annotations

import html as htmllib
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html


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
