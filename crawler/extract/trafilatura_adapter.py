"""trafilatura's body extraction, fast: the one module that reaches its internals.

``body()`` is trafilatura's fast-mode extraction as ``bare_extraction(tree,
fast=True, include_comments=False, include_tables=True, with_metadata=False)``
runs it, rebuilt from its parts (``trafilatura.core.trafilatura_sequence``)
minus work we do not use, with :mod:`crawler.extract.matchers`'s matchers in place of
its regex-testing XPath expressions. That reaches names trafilatura does not
promise to keep (``_forum_thread_page``, ``_recall_retry``, module globals it
reads its expressions from), so it runs only on the version it was checked
against (``TESTED_VERSION``; ``tests/test_extraction.py`` compares it with the
public path page for page, ``tests/test_trafilatura_adapter.py`` runs that
comparison against the newest release in its own venv). On any other version,
or when a private name is missing, ``body()`` calls the public
``trafilatura.bare_extraction`` instead (slower, same kind of result) and logs
one warning. The page-text measures below read the tree like
``trafilatura.baseline.html2txt`` with our own copy of its block-element list.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
from collections.abc import Iterator
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.baseline import baseline
from trafilatura.core import ESCALATION_ACCEPT_RATIO, ESCALATION_MAX_LENGTH, ESCALATION_PAGE_SHARE
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import BODY_XPATH, extract_content
from trafilatura.settings import Document, Extractor
from trafilatura.utils import remove_control_characters

from crawler.extract import matchers
from crawler.extract.page_reads import class_id_lines

logger = logging.getLogger(__name__)

#: The trafilatura release the fast path was checked against, page for page.
TESTED_VERSION = "2.3.1"
#: Elements ``html2txt`` pads with spaces (trafilatura 2.3.1's ``_BLOCK_ELEMS``).
BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_PRIVATE: dict[str, Any] = {}


def _private() -> dict[str, Any]:
    """trafilatura's private names the fast path uses, loaded once; empty when the
    installed version is not the tested one or a name is missing."""
    if "loaded" in _PRIVATE:
        return _PRIVATE
    _PRIVATE["loaded"] = True
    version = trafilatura.__version__
    try:
        if version != TESTED_VERSION:
            raise ImportError(f"trafilatura {version} is not the tested {TESTED_VERSION}")
        from trafilatura.core import _forum_thread_page, _recall_retry

        _PRIVATE.update(
            forum_thread_page=_forum_thread_page,
            recall_retry=_recall_retry,
            xpaths=_fast_xpath_globals(),
        )
    except (ImportError, AttributeError) as exc:
        logger.warning(
            "%s: extraction uses trafilatura's public bare_extraction (slower) instead "
            "of the fast path checked against %s",
            exc,
            TESTED_VERSION,
        )
    return _PRIVATE


def fast_path() -> bool:
    """True when ``body()`` runs the fast path (the tested trafilatura is installed)."""
    return "xpaths" in _private()


def body(tree: HtmlElement, url: str, fast: bool) -> Any | None:
    """trafilatura's body extraction of ``tree``: a document whose ``body`` is the
    extracted element tree, or None.

    The fast pass runs :func:`_fast_sequence` on ``tree`` itself (which it may prune);
    the second, readability/jusText-compared pass runs ``bare_extraction`` on a copy.
    """
    # metadata comes from ``page_metadata`` on the same tree: trafilatura's own
    # metadata pass (a deep copy per author search, htmldate's extensive search) cost
    # about a third of the extraction
    if fast and fast_path():
        try:
            with _fast_xpaths():
                body = _fast_sequence(tree, url)
        except (TypeError, ValueError):  # what bare_extraction turns into "no result"
            return None
        return None if body is None else Document(body=body)
    with _fast_xpaths() if fast_path() else contextlib.nullcontext():
        return trafilatura.bare_extraction(
            tree,
            url=url,
            fast=fast,
            with_metadata=False,
            include_comments=False,
            include_links=False,
            include_tables=True,
        )


# trafilatura's fast-mode cascade, as ``bare_extraction(tree, fast=True,
# include_comments=False, include_tables=True, with_metadata=False)`` runs it
# (trafilatura.core.trafilatura_sequence, version 2.3.1), minus work whose result
# we do not use: the copy of the input tree (ours is not needed afterwards except
# by the second pass, and the prunes below are idempotent for it), the
# pre-conversion backup (only the readability/jusText comparison reads it), the
# plain-text rendering (``_body_lines`` renders the body itself), and the raw-tree
# prune's XPath when no class or id on the page can match it. Other trafilatura
# versions go through ``bare_extraction`` (tests/test_extraction.py checks that
# both give the same body). One difference is deliberate, in both our passes
# (``_fast_xpaths``): a body split into same-class chunks is read whole
# (``_joined_body_first``).
#: Substrings one of which any element matched by RAW_TREE_PRUNE_XPATH has in its
#: class or id; a page none of whose class and id values holds one skips that prune.
_RAW_PRUNE_NEEDLES = ("mvp-post-add-", "infinite", "elementor-share-buttons")
_EXTRACTOR: Extractor | None = None
_RAW_TREE_PRUNE = [matchers.RAW_TREE_PRUNE, matchers.RAW_TREE_PRUNE_BUTTONS]
_OVERALL_DISCARD = [matchers.OVERALL_DISCARD_SECTIONS, matchers.OVERALL_DISCARD_HIDDEN]
_REMOVE_COMMENTS_AND_LISTS = [matchers.REMOVE_COMMENTS_AND_LISTS]


def _joined_body_first(tree: Any) -> list[Any]:
    """``BODY_XPATH[0]``'s matches, the first with its twins joined to it.

    An article body split into several containers of the same tag and class within
    one section of the page (ad rails and sidebars between the chunks) is one body:
    trafilatura reads only the first container. The twins found under the first
    one's grandparent are moved, in page order, to the end of the first one, which
    trafilatura then reads whole.
    """
    found = matchers.BODY_FIRST(tree)
    if not found:
        return found
    first = found[0]
    cls = first.get("class")
    parent = first.getparent()
    section = parent.getparent() if parent is not None else None
    if not cls or section is None or section.tag in {"body", "html"}:
        return found
    twins = [
        el
        for el in section.iter(first.tag)
        if el is not first and el.get("class") == cls and _outermost(el, first, cls)
    ]
    if not twins:
        return found
    for twin in twins:  # in page order (``iter``)
        _move_content(twin, first)
    merged = set(twins)
    return [el for el in found if el not in merged]


def _outermost(elem: Any, first: Any, cls: str) -> bool:
    """True when ``elem`` is neither inside nor around ``first``, nor inside another
    element of class ``cls``."""
    for up in elem.iterancestors():
        if up is first or up.get("class") == cls:
            return False
    return all(down is not elem for down in first.iterancestors())


def _move_content(source: Any, target: Any) -> None:
    """Move the text and children of ``source`` to the end of ``target``, then drop
    ``source`` (its tail stays in place). Children, not the container itself: its class
    names (a "sidebar-grid" chunk) would make trafilatura prune it inside the body."""
    if source.text and source.text.strip():
        _append_text(target, source.text)
    for child in list(source):
        target.append(child)
    parent = source.getparent()
    if source.tail and source.tail.strip():
        previous = source.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + source.tail
        else:
            parent.text = (parent.text or "") + source.tail
    parent.remove(source)


def _append_text(elem: Any, text: str) -> None:
    if len(elem):
        elem[-1].tail = (elem[-1].tail or "") + text
    else:
        elem.text = (elem.text or "") + text


def _fast_xpath_globals() -> dict[tuple[Any, str], Any]:
    """(trafilatura module, global) -> our matchers selecting what its expressions select."""
    core, baseline_module, external, main_extractor = (
        # by module path: the package's ``trafilatura.baseline`` attribute is the function
        importlib.import_module(f"trafilatura.{name}")
        for name in ("core", "baseline", "external", "main_extractor")
    )
    return {
        (main_extractor, "OVERALL_DISCARD_XPATH"): _OVERALL_DISCARD,
        (main_extractor, "BODY_XPATH"): [_joined_body_first, *BODY_XPATH[1:]],
        (external, "OVERALL_DISCARD_XPATH"): _OVERALL_DISCARD,
        (core, "RAW_TREE_PRUNE_XPATH"): _RAW_TREE_PRUNE,
        (core, "REMOVE_COMMENTS_AND_LISTS_XPATH"): _REMOVE_COMMENTS_AND_LISTS,
        (core, "REMOVE_COMMENTS_XPATH"): [matchers.REMOVE_COMMENTS],
        (baseline_module, "BASIC_CLEAN_XPATH"): matchers.BASIC_CLEAN,
    }


@contextlib.contextmanager
def _fast_xpaths() -> Iterator[None]:
    """trafilatura run with :mod:`crawler.extract.matchers`'s matchers in place of its
    regex-testing expressions (same selections, a fraction of the cost).

    Swaps module globals for the duration: extraction runs on one thread per process.
    """
    swaps = _private()["xpaths"]
    saved = {(module, name): getattr(module, name) for module, name in swaps}
    for (module, name), fast in swaps.items():
        setattr(module, name, fast)
    try:
        yield
    finally:
        for (module, name), original in saved.items():
            setattr(module, name, original)


def _page_text(tree: HtmlElement) -> str:
    """``trafilatura.baseline.html2txt(tree)``: the page's text without asides, footers,
    scripts and cookie notices (what an extraction's share of the page is measured on).

    Read off ``tree`` without copying it: html2txt deletes the matched elements from a
    copy (their tails join the previous sibling's tail or the parent's text), then pads
    the text and tail of every block element with a space and drops control characters
    from them; :func:`_emit_text` produces the same text runs in the same order.
    """
    body = tree.find(".//body")
    if body is None:
        body = tree
    pieces: list[str] = []
    _emit_text(body, set(matchers.BASIC_CLEAN(body)), pieces)
    return " ".join("".join(pieces).split())


def _page_text_bound(tree: HtmlElement) -> int:
    """An upper bound on ``len(_page_text(tree))`` at a third of its cost.

    The page text is the body's text without some subtrees (every aside, footer,
    script, style, svg, template: subtracted here; cookie notices: not), with a
    space added before each block element's text and tail, whitespace-normalised.
    Its length is its non-space characters plus its words less one. Dropping a
    subtree's text C from A+C+B removes C's non-space characters and at least
    ``words(C) - 2`` words; padding adds at most one word per text or tail it
    pads; dropping control characters removes characters, never adds words.
    """
    body = tree.find(".//body")
    if body is None:
        body = tree
    words = body.text_content().split()
    chars, count = sum(map(len, words)), len(words)
    for elem in body.iter(*matchers.BASIC_TAGS):
        parent = elem.getparent()
        while parent is not None and parent is not body and parent.tag not in matchers.BASIC_TAGS:
            parent = parent.getparent()
        if parent is not None and parent is not body:
            continue  # inside a subtree already subtracted
        dropped = elem.text_content().split()
        chars -= sum(map(len, dropped))
        count -= len(dropped) - 2
    count += 2 * sum(1 for _ in body.iter(*BLOCK_ELEMENTS))
    return chars + max(count - 1, 0)


def _spaced(value: str, block: bool) -> str:
    """A text or tail as html2txt's ``_spaced_text`` leaves it."""
    if not block:
        return value
    return f" {remove_control_characters(value)}" if value else " "


def _emit_text(elem: Any, removed: set[Any], out: list[str]) -> None:
    """Append the text of ``elem`` (not its tail) as html2txt renders it."""
    block = elem.tag in BLOCK_ELEMENTS
    text = elem.text or ""
    kept: list[tuple[Any, str]] = []  # kept children, with their tails after the merges
    for child in elem:
        if child in removed:
            if child.tail:
                if kept:
                    kept[-1] = (kept[-1][0], kept[-1][1] + child.tail)
                else:
                    text += child.tail
        else:
            kept.append((child, child.tail or ""))
    out.append(_spaced(text, block))
    for child, tail in kept:
        if isinstance(child.tag, str):
            _emit_text(child, removed, out)
            out.append(_spaced(tail, child.tag in BLOCK_ELEMENTS))
        else:  # comment or processing instruction: no text of its own
            out.append(tail)


def _fast_extractor(url: str) -> Extractor:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor(
            output_format="python", fast=True, comments=False, links=False, tables=True
        )
    options = copy.copy(_EXTRACTOR)
    options.url = url
    return options


def _fast_sequence(tree: HtmlElement, url: str) -> etree._Element | None:
    """trafilatura's fast-mode body of ``tree`` (pruned in place), or None."""
    options = _fast_extractor(url)
    is_forum = _private()["forum_thread_page"](tree)
    names = class_id_lines(tree)
    if any(needle in names for needle in _RAW_PRUNE_NEEDLES):
        tree = prune_unwanted_nodes(tree, _RAW_TREE_PRUNE)
    if not is_forum:
        tree = prune_unwanted_nodes(tree, _REMOVE_COMMENTS_AND_LISTS)
    cleaned = convert_tags(tree_cleaning(copy.copy(tree), options), options, url)
    postbody, temp_text = extract_content(cleaned, options)
    # rescue: baseline on the uncleaned tree, accepted only if it adds text
    if len(temp_text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text
    # recall escalation for a short extraction covering little of the page (the
    # exact page measure only when its upper bound does not settle the question)
    if (
        0 < len(temp_text) < ESCALATION_MAX_LENGTH
        and len(temp_text) < ESCALATION_PAGE_SHARE * _page_text_bound(tree)
        and len(temp_text) < ESCALATION_PAGE_SHARE * len(_page_text(tree))
    ):
        r_options = copy.copy(options)
        r_options.focus = "recall"
        r_text = ""
        try:
            r_body, r_text = _private()["recall_retry"](tree, r_options, url)
        except Exception:  # as trafilatura: a failed retry keeps the first result
            r_text = ""
        if len(r_text) >= options.min_extracted_size and len(
            r_text
        ) > ESCALATION_ACCEPT_RATIO * len(temp_text):
            postbody, temp_text = r_body, r_text
    if len(temp_text) < options.min_output_size:
        return None
    return postbody
