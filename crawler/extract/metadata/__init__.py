"""What a page declares about its article: title, authors, dates, image (pure logic).

``meta`` reads ``<meta>`` tags through one index per page; the field modules
(``title``, ``authors``, ``dates``) reconcile the page's candidates for one
field each; ``site`` holds the names the site goes by, for the title and the authors.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from crawler.extract.page_reads import class_id_lines, per_page, tagged

_META_ATTRS = ("property", "name", "itemprop")


@per_page
def meta_index(tree: HtmlElement) -> dict[tuple[str, str], list[str]]:
    """(attribute, value) -> contents of the page's ``<meta>`` elements, in document order
    (built once per page from :func:`tagged`, shared by every ``meta_content`` call)."""
    index: dict[tuple[str, str], list[str]] = {}
    for elem in tagged(tree)["meta"]:
        content = elem.get("content")
        if content is None:
            continue
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


#: A class or id value one of trafilatura's category and tag link expressions
#: (``CATEGORIES_XPATHS``, ``TAGS_XPATHS``) needs on an element above the links: their
#: prefixes (``starts-with``, ``re:test`` with ``^``) and exact values (``@class='row'``),
#: a line each; their ``contains`` tests are substring tests (``_CATSTAGS_PARTS``).
_CATSTAGS_VALUE = re.compile(
    r"^(?:post-?info|post-?meta|meta|entry-meta|entry-info|entry-utility|postpath"
    r"|postmeta|entry-categories|entry-footer|entry-tags|tag"
    r"|(?:postinfo|filedunder|post-category|postcategory|entry-category|entry-header"
    r"|row|tags|jp-relatedposts)$)",
    re.MULTILINE,
)
_CATSTAGS_PARTS = ("cat-links", "topics", "tags-links")


def may_hold_category_links(tree: HtmlElement) -> bool:
    """False when no class or id of the page lets any of trafilatura's category and tag
    link expressions match (each walks the whole page: 0.2-1.1 ms), so they need not run.
    Every class and id value is tested (a superset of what each expression reads)."""
    values = class_id_lines(tree)
    return any(part in values for part in _CATSTAGS_PARTS) or bool(_CATSTAGS_VALUE.search(values))
