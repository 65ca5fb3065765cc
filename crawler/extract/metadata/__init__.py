"""What a page declares about its article: title, authors, dates, image (pure logic).

``meta`` reads ``<meta>`` tags through one index per page; the field modules
(``title``, ``authors``, ``dates``) reconcile the page's candidates for one
field each; ``site`` holds the names the site goes by, for the title and the authors.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.page_reads import per_page

_META_ATTRS = ("property", "name", "itemprop")
_META_ELEMENTS = etree.XPath("//meta[@content]")


@per_page
def meta_index(tree: HtmlElement) -> dict[tuple[str, str], list[str]]:
    """(attribute, value) -> contents of the page's ``<meta>`` elements, in document order
    (one walk per page, shared by every ``meta_content`` call)."""
    index: dict[tuple[str, str], list[str]] = {}
    for elem in _META_ELEMENTS(tree):
        content = elem.get("content")
        for attr in _META_ATTRS:
            key = elem.get(attr)
            if key is not None:
                index.setdefault((attr, key), []).append(content)
    return index


def meta_content(tree: HtmlElement, *names: str) -> str | None:
    """The first non-empty content of a ``<meta>`` named ``names[0]``, else ``names[1]`` ...
    (by property, name or itemprop), whitespace collapsed."""
    index = meta_index(tree)
    for name in names:
        for attr in _META_ATTRS:
            for value in index.get((attr, name), ()):
                value = " ".join(value.split())
                if value:
                    return value
    return None


def json_ld_sections(objects: list[dict[str, Any]]) -> list[str]:
    """The first ``articleSection`` the page's JSON-LD declares (a string or a list)."""
    for obj in objects:
        section = obj.get("articleSection")
        if isinstance(section, str) and section.strip():
            return [section.strip()]
        if isinstance(section, list):
            found = [s.strip() for s in section if isinstance(s, str) and s.strip()]
            if found:
                return found
    return []


def json_ld_publisher(objects: list[dict[str, Any]]) -> str | None:
    """The name of the first publisher the page's JSON-LD declares."""
    for obj in objects:
        publisher = obj.get("publisher")
        for entry in publisher if isinstance(publisher, list) else [publisher]:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name.strip():
                return name.strip()
    return None
