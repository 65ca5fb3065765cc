"""The article's lead image: the one the publisher declares, else the first figure.

Publishers declare the lead image for link previews (``og:image``,
``twitter:image``) and in the article's JSON-LD (``image``: a URL, an
``ImageObject`` or a list of them); a page that declares none usually shows
it as the first ``<figure>`` of the article. The URL is made absolute against
the page's URL (and its ``<base href>``); ``data:`` URIs, tracking pixels and
non-HTTP URLs are not images of the article.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extract.detect import is_article_object
from crawler.extract.metadata import meta_content
from crawler.extract.page_reads import tagged

#: attributes lazy-loading scripts keep the real source in, before ``src``
_SOURCE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "src")


def _figure_images(tree: HtmlElement) -> list[HtmlElement]:
    """The images in a figure or in the main element, in document order (XPath's
    ``//article//figure//img | //figure//img | //main//img``)."""
    return [
        img
        for img in tagged(tree)["img"]
        if next(img.iterancestors("figure", "main"), None) is not None
    ]


def _base_hrefs(tree: HtmlElement) -> list[str]:
    """XPath's ``//head/base/@href``."""
    return [
        href
        for base in tagged(tree)["base"]
        if (parent := base.getparent()) is not None
        and parent.tag == "head"
        and (href := base.get("href")) is not None
    ]


def _absolute(value: str | None, base: str) -> str | None:
    if not value or not isinstance(value, str):
        return None
    value = value.strip().split()[0] if value.strip() else ""
    if not value or value.startswith("data:"):
        return None
    url = urljoin(base, value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _json_ld_image(value: Any) -> str | None:
    """The first URL of a JSON-LD ``image`` value (string, ImageObject or list)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("url") or value.get("contentUrl")
        return found if isinstance(found, str) else None
    if isinstance(value, list):
        for item in value:
            found = _json_ld_image(item)
            if found:
                return found
    return None


def _figure_image(tree: HtmlElement) -> str | None:
    for img in _figure_images(tree):
        width, height = img.get("width", ""), img.get("height", "")
        if width.isdigit() and height.isdigit() and int(width) * int(height) < 100 * 100:
            continue  # an icon or a tracking pixel
        for attribute in _SOURCE_ATTRIBUTES:
            if img.get(attribute):
                return img.get(attribute)
        srcset = img.get("srcset") or img.get("data-srcset")
        if srcset:
            return srcset.split(",")[0]
    return None


def lead_image(tree: HtmlElement, url: str, objects: list[dict[str, Any]]) -> str | None:
    """Absolute URL of the page's lead image, or None (``objects``: its JSON-LD)."""
    base = url
    for href in _base_hrefs(tree)[:1]:
        base = urljoin(url, str(href).strip())
    declared = meta_content(tree, "og:image", "og:image:url", "og:image:secure_url")
    found = _absolute(declared, base)
    if found:
        return found
    for obj in objects:
        if "image" in obj and is_article_object(obj):
            found = _absolute(_json_ld_image(obj["image"]), base)
            if found:
                return found
    for candidate in (
        meta_content(tree, "twitter:image", "twitter:image:src"),
        *[
            str(h)
            for link in tagged(tree)["link"]
            if link.get("rel") == "image_src" and (h := link.get("href")) is not None
        ][:1],
        _figure_image(tree),
    ):
        found = _absolute(candidate, base)
        if found:
            return found
    return None
