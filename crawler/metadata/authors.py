"""The article's authors: people (or the desk or agency when that is the byline)."""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement
from trafilatura.metadata import normalize_authors
from trafilatura.utils import trim

from crawler import fastxpath


def split_authors(value: str | None) -> list[str]:
    if not value:
        return []
    out: list[str] = []
    for name in re.split(r"\s*;\s*", value):
        name = " ".join(name.split())
        if name and name not in out:
            out.append(name)
    return out


def author_from_markup(tree: HtmlElement) -> str | None:
    """trafilatura's author search over bylines, without its deep copy of the page.

    Elements inside comment, sidebar, date or figure blocks are ignored, and such
    blocks nested in a byline do not count towards its text (their tails do).
    """
    # AUTHOR_DISCARD is tested on each candidate's ancestors and descendants only,
    # not evaluated over the whole page first (usually the first candidate wins)
    discarded = fastxpath.author_discarded
    for expression in fastxpath.AUTHOR_BYLINES:
        for elem in expression(tree):
            if discarded(elem, tree) or any(discarded(a, tree) for a in elem.iterancestors()):
                continue
            inside = {d for d in elem.iterdescendants() if discarded(d, tree)}
            content = trim(" ".join(text_outside(elem, inside)))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def text_outside(elem: Any, discard: set[Any]) -> list[str]:
    """``elem.itertext()`` without the text of discarded descendants (their tails stay)."""
    if not discard:
        return list(elem.itertext())
    out: list[str] = []
    _collect_text(elem, discard, out)
    return out


def _collect_text(node: Any, discard: set[Any], out: list[str]) -> None:
    # a module-level function, not a closure: a recursive closure is a reference
    # cycle, and this one would keep the page's whole tree alive until the next
    # full garbage collection
    if isinstance(node.tag, str) and node.text:
        out.append(node.text)
    for child in node:
        if child not in discard and isinstance(child.tag, str):
            _collect_text(child, discard, out)
        if child.tail:
            out.append(child.tail)


def article_authors(tree: HtmlElement, declared: str | None) -> list[str]:
    """The authors of the page's article; ``declared``: trafilatura's author string."""
    return split_authors(declared)
