"""What several extraction steps read from one page, read once per page.

``per_page`` keeps a function's answer for the tree it was last asked about: the
metadata readers, the detector, the paywall scan and trafilatura's first pass ask
the same questions of one page (its JSON-LD, its ``<meta>`` index, its class and
id values), and each is answered by one walk. ``forget_page`` drops every kept
answer (and with it the page's tree) once the page's record is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree
from lxml.html import HtmlElement

T = TypeVar("T")

#: one [tree, answer] slot per ``per_page`` function
_SLOTS: list[list[Any]] = []


def per_page(read: Callable[[HtmlElement], T]) -> Callable[[HtmlElement], T]:
    """``read(tree)``, computed once for the page being extracted."""
    slot: list[Any] = [None, None]
    _SLOTS.append(slot)

    def kept(tree: HtmlElement) -> T:
        if slot[0] is not tree:
            slot[1] = read(tree)
            slot[0] = tree
        return slot[1]

    kept.__doc__ = read.__doc__
    kept.__name__ = read.__name__
    kept.__wrapped__ = read  # type: ignore[attr-defined]
    return kept


def forget_page() -> None:
    """Drop every answer kept for the last page (the page's tree is freed with them)."""
    for slot in _SLOTS:
        slot[0] = slot[1] = None


_CLASS_ID = etree.XPath("//@class | //@id", smart_strings=False)


#: Tags whose elements several readers look through: the page is walked once for all.
INDEXED_TAGS = ("link", "meta", "script", "base", "a", "img", "h1", "h2", "h3", "h4")


@per_page
def tagged(tree: HtmlElement) -> dict[str, list[HtmlElement]]:
    """The document's elements of :data:`INDEXED_TAGS` by tag, each list in document
    order: what XPath's ``//link``, ``//meta`` ... give, found in one walk (each such
    XPath walks the whole document; read before the extraction prunes the tree)."""
    found: dict[str, list[HtmlElement]] = {tag: [] for tag in INDEXED_TAGS}
    for element in tree.getroottree().getroot().iter(*INDEXED_TAGS):
        found[element.tag].append(element)
    return found


@per_page
def class_id_values(tree: HtmlElement) -> frozenset[str]:
    """The distinct ``class`` and ``id`` attribute values of the page's elements, each
    whole, as written: a step whose selectors need a class or id that no value holds
    skips its walk over the elements."""
    return frozenset(_CLASS_ID(tree))


@per_page
def class_id_lines(tree: HtmlElement) -> str:
    """:func:`class_id_values` a line each, for substring and line-anchored searches (a
    value's own line breaks can only make such a search find more)."""
    return "\n".join(class_id_values(tree))
