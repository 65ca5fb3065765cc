"""A sources file's ``remove`` selectors, applied to a page before extraction (pure).

A site's entry in a sources file (``crawler/discovery/sources.py``) may name CSS
selectors of elements that are never part of an article there; the news spider
takes them out of the page before it goes to the pipelines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def compile_selectors(css: Iterable[str]) -> list[Any]:
    """``CSSSelector``s for the selectors ``css`` (cssselect is loaded on first use)."""
    from lxml.cssselect import CSSSelector

    return [CSSSelector(s) for s in css]


def remove_selected(html: str, selectors: list[Any]) -> tuple[str, int]:
    """``html`` without the elements matching ``selectors`` (compiled ``CSSSelector``s).

    Returns the page re-serialised and the number of elements removed; the text after
    a removed element (its tail) is kept. Unchanged pages are returned as given.
    """
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html, 0
    removed: set[Any] = set()
    for selector in selectors:
        for element in selector(tree):
            if element.getparent() is None or any(a in removed for a in element.iterancestors()):
                continue
            element.drop_tree()
            removed.add(element)
    if not removed:
        return html, 0
    doctype = tree.getroottree().docinfo.doctype
    text = lxml_html.tostring(tree, encoding="unicode")
    return (f"{doctype}\n{text}" if doctype else text), len(removed)
