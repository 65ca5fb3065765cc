"""Turn one fetched HTML page into an article record, or a reason to skip it.

Pure logic, no Scrapy: ``build_record(page, options)`` is the one top-level,
picklable function the extract pipeline calls (and that a process pool can
run). The HTML is parsed once; the lxml tree serves article detection, our
metadata reads and trafilatura (which works on its own copy).

Text extraction is trafilatura's ``bare_extraction`` (balanced mode, comments
left out, links kept so that link density can be measured), followed by a
within-page clean-up that removes what trafilatura lets through inside the
article container: the headline repeated in share bars, a standfirst repeated
as the first paragraph, link-only lines, and short non-sentence chrome lines
(date stamps, calls to action, labels) at the edges of the body.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.baseline import _BLOCK_ELEMS, baseline
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
    _recall_retry,
)
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_json
from trafilatura.main_extractor import BODY_XPATH, extract_content
from trafilatura.metadata import (
    JSON_MINIFY,
    examine_meta,
    extract_catstags,
    extract_title,
)
from trafilatura.settings import Document, Extractor
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    INVALID_XML_CHARS,
    is_dubious_html,
    line_processing,
    remove_control_characters,
)
from trafilatura.xml import xmltotxt

from crawler import fastxpath
from crawler.detect import (
    JSON_LD_CACHE,
    JSON_MAX_CHARS,
    ArticleDetector,
    PageEvidence,
    json_ld_objects,
    load_json,
    oversized_json_ld,
    url_page_kind,
)
from crawler.extract_options import ExtractOptions, Skip
from crawler.items import ArticleRecord, FetchedPage
from crawler.language import detect_language
from crawler.metadata import META_CACHE, dates, meta_content
from crawler.metadata.authors import article_authors, author_from_markup
from crawler.metadata.image import lead_image
from crawler.metadata.title import (
    clean_title,
    headline,
    json_ld_headline,
    page_h1s,
    pick_h1,
)
from crawler.neardup import minhash
from crawler.paywall import (
    is_paywalled,
    read_paywall,
    strip_wall,
)
from crawler.quality import junk_reason
from crawler.textnorm import (
    content_hash,
    join_paragraphs,
    normalize_line,
    normalize_text,
    strip_controls,
    word_count,
    word_len,
)
from crawler.urls import canonicalize, record_id, site_of


@dataclass
class Extraction:
    """What the extractor found on a page, before it becomes a record."""

    text: str = ""
    paragraphs: list[str] = field(default_factory=list)
    link_density: float = 0.0
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    image: str | None = None
    paywalled: bool = False
    description: str | None = None
    site_name: str | None = None
    tags: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    #: "readability", "justext" ... when trafilatura's own result was too thin.
    fallback: str | None = None
    #: Lines the clean-up removed, as {"rule", "text"} (only with ``ExtractOptions.explain``).
    removed: list[dict[str, str]] = field(default_factory=list)


# --- parsing ------------------------------------------------------------------


#: trafilatura's parser settings, with lxml's C-level element class lookup: every
#: element is an ``HtmlElement`` (``lxml.html``'s own parser asks a Python function
#: for each element's class, a cost paid every time trafilatura touches an element).
_PARSER = etree.HTMLParser(
    # a text node over libxml2's 10 MB limit (a giant inline script) would end the
    # parse there and lose the article after it; bodies are bounded by DOWNLOAD_MAXSIZE
    huge_tree=True,
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
#: Bytes whose UTF-8 presence means the text has characters libxml2 refuses
#: (``trafilatura.utils.INVALID_XML_CHARS``).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def _has_invalid_chars(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL_BYTES)) != len(data) or any(
        nc in data for nc in _NONCHARACTERS
    )


def parse_html(html: str) -> HtmlElement | None:
    """The page's lxml tree, as ``trafilatura.utils.load_html`` builds it (tolerant of
    broken markup; a fragment that is not HTML at all gives None), parsed from UTF-8
    bytes with :data:`_PARSER`."""
    if not html or not html.strip():
        return None
    beginning = html[:50].lower()
    data = html.encode("utf-8", "surrogatepass")
    # trafilatura's repair_faulty_html, its whole-text scan for invalid characters
    # replaced by a byte-level check
    repaired = html
    if _has_invalid_chars(data):
        repaired = INVALID_XML_CHARS.sub("", repaired)
    if "doctype" in beginning:
        firstline, _, rest = repaired.partition("\n")
        repaired = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in repaired[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            repaired = FAULTY_HTML.sub(r"\1>", repaired, count=1)
            break
    if repaired != html:
        data = repaired.encode("utf-8", "surrogatepass")
    try:
        tree = lxml.html.fromstring(data, parser=_PARSER)
    except (ValueError, etree.ParserError):
        return None
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None  # not (well-formed) HTML: trafilatura's rejection test
    return tree


# --- text ---------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…。！？:;\"”’»)\]]\s*$")  # noqa: RUF001
_DATE_NUMERIC = re.compile(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b|\b\d{1,2}:\d{2}\b")
_DATE_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)


def _anchor_texts(tree: HtmlElement) -> set[str]:
    """Normalised texts of the page's links (for link-only lines and link density)."""
    texts: set[str] = set()
    for a in tree.iter("a"):
        text = normalize_line("".join(a.itertext()))
        if text:
            texts.add(text)
    return texts


def _body_lines(body: etree._Element, anchors: set[str]) -> tuple[list[str], list[float]]:
    """Lines of the extracted body and, for each, 1.0 when the whole line is a link's text."""
    text = xmltotxt(body, False)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    return lines, [_link_share(line, anchors) for line in lines]


def _link_share(line: str, anchors: set[str]) -> float:
    """1.0 when the line is a link's text, optionally behind a short label ("Read more: ...")."""
    norm = normalize_line(line)
    if norm in anchors:
        return 1.0
    label, sep, rest = norm.partition(": ")
    if sep and word_len(label) <= 3 and rest.strip(" |»›→[]") in anchors:  # noqa: RUF001
        return 1.0
    return 0.0


def _is_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def _is_date_stamp(line: str) -> bool:
    """A short line that is mostly a date or time ("Last Updated: 07/27/2016")."""
    n = word_len(line)
    if n == 0 or n > 10:
        return False
    stamp = _DATE_NUMERIC.sub(" ", _DATE_MONTH.sub(" ", line))
    if stamp == line:
        return False
    return word_len(stamp) <= max(3, n // 2)


#: Clean-up rules in force (the benchmark toggles them one by one to measure each).
RULES = {"title", "link", "date", "lead", "edges"}

#: The name each clean-up rule reports a removed line under (``scrapy preview --removed``).
RULE_NAMES = {
    "title": "repeated_headline",
    "link": "link_only_line",
    "date": "date_stamp",
    "dup": "repeated_paragraph",
    "lead": "duplicate_lead",
    "edges": "edge_chrome",
}


def _note(removed: list[dict[str, str]] | None, rule: str, line: str) -> None:
    if removed is not None:
        removed.append({"rule": RULE_NAMES[rule], "text": line})


def clean_paragraphs(
    lines: list[str],
    link_shares: list[float],
    headlines: list[str],
    description: str | None,
    removed: list[dict[str, str]] | None = None,
) -> list[str]:
    """Within-page clean-up of extracted lines (see module docstring).

    When ``removed`` is a list, each line taken out is appended to it with its rule.
    """
    heads = {normalize_text(h) for h in headlines if h and word_len(h) >= 2}
    heads |= {f"{h} {h}" for h in heads}
    keep: list[str] = []
    seen: set[str] = set()
    for line, share in zip(lines, link_shares, strict=True):
        norm = normalize_line(line)
        n = word_len(line)
        # the headline, once or repeated back to back by a share bar
        if "title" in RULES and norm in heads:
            _note(removed, "title", line)
            continue
        # a paragraph that is only a link: related stories, "more from", tag chips
        if "link" in RULES and share >= 0.8 and n <= 20:
            _note(removed, "link", line)
            continue
        if "date" in RULES and _is_date_stamp(line):
            _note(removed, "date", line)
            continue
        # exact repeats of a paragraph (standfirst repeated as lead, pull quotes)
        if "dup" in RULES and n >= 4 and norm in seen:
            _note(removed, "dup", line)
            continue
        seen.add(norm)
        keep.append(line)
    if "lead" in RULES:
        keep = _drop_repeated_lead(keep, description, removed)
    if "edges" in RULES:
        keep = _trim_edges(keep, removed)
    return keep


def _drop_repeated_lead(
    paras: list[str], description: str | None, removed: list[dict[str, str]] | None = None
) -> list[str]:
    """A standfirst that the next paragraphs repeat (possibly after a dateline) appears once."""
    if len(paras) < 2:
        return paras
    head = paras[:4]
    drop: set[int] = set()
    for i, p in enumerate(head):
        pn = normalize_text(p)
        if word_len(pn) < 6:
            continue
        for j, q in enumerate(head):
            if i != j and j not in drop and len(q) > len(p) and pn in normalize_text(q):
                drop.add(i)
                break
    for k in sorted(drop):
        _note(removed, "lead", paras[k])
    return [p for k, p in enumerate(paras) if k not in drop]


def _trim_edges(paras: list[str], removed: list[dict[str, str]] | None = None) -> list[str]:
    """Drop short non-sentence lines at the start and end of the body (labels, prompts)."""

    def chrome(p: str) -> bool:
        return word_len(p) <= 8 and not _is_sentence(p)

    start, end = 0, len(paras)
    while start < end and chrome(paras[start]):
        start += 1
    while end > start and chrome(paras[end - 1]):
        end -= 1
    for p in paras[:start] + paras[end:]:
        _note(removed, "edges", p)
    return paras[start:end]


def _run_trafilatura(
    tree: HtmlElement, url: str, fast: bool, html: str | None = None
) -> Any | None:
    """trafilatura's body extraction of ``tree``: a document whose ``body`` is the
    extracted element tree, or None.

    The fast pass runs :func:`_fast_sequence` on ``tree`` itself (which it may prune);
    the second, readability/jusText-compared pass runs ``bare_extraction`` on a copy.
    """
    # metadata comes from ``page_metadata`` on the same tree: trafilatura's own
    # metadata pass (a deep copy per author search, htmldate's extensive search) cost
    # about a third of the extraction
    if fast and _FAST_SEQUENCE_OK:
        try:
            with _fast_xpaths():
                body = _fast_sequence(tree, url, html)
        except (TypeError, ValueError):  # what bare_extraction turns into "no result"
            return None
        return None if body is None else Document(body=body)
    with _fast_xpaths() if _FAST_SEQUENCE_OK else contextlib.nullcontext():
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
# both give the same body).
_FAST_SEQUENCE_OK = trafilatura.__version__ == "2.3.1"
#: Substrings one of which any element matched by RAW_TREE_PRUNE_XPATH has in its
#: class or id; a page whose markup has none of them skips that prune's XPath.
#: (Three substring searches: a regex alternation of them scans a 170 kB page five
#: times slower, 0.7 ms.)
_RAW_PRUNE_NEEDLES = ("mvp-post-add-", "infinite", "elementor-share-buttons")
_EXTRACTOR: Extractor | None = None
_RAW_TREE_PRUNE = [fastxpath.RAW_TREE_PRUNE, fastxpath.RAW_TREE_PRUNE_BUTTONS]
_OVERALL_DISCARD = [fastxpath.OVERALL_DISCARD_SECTIONS, fastxpath.OVERALL_DISCARD_HIDDEN]
_REMOVE_COMMENTS_AND_LISTS = [fastxpath.REMOVE_COMMENTS_AND_LISTS]
# by module path: the package's ``trafilatura.baseline`` attribute is the function
_core, _baseline, _external, _main_extractor = (
    importlib.import_module(f"trafilatura.{name}")
    for name in ("core", "baseline", "external", "main_extractor")
)
#: (trafilatura module, global) -> our matchers selecting what its expressions select
_FAST_XPATHS: dict[tuple[Any, str], Any] = {
    (_main_extractor, "OVERALL_DISCARD_XPATH"): _OVERALL_DISCARD,
    (_main_extractor, "BODY_XPATH"): [fastxpath.BODY_FIRST, *BODY_XPATH[1:]],
    (_external, "OVERALL_DISCARD_XPATH"): _OVERALL_DISCARD,
    (_core, "RAW_TREE_PRUNE_XPATH"): _RAW_TREE_PRUNE,
    (_core, "REMOVE_COMMENTS_AND_LISTS_XPATH"): _REMOVE_COMMENTS_AND_LISTS,
    (_core, "REMOVE_COMMENTS_XPATH"): [fastxpath.REMOVE_COMMENTS],
    (_baseline, "BASIC_CLEAN_XPATH"): fastxpath.BASIC_CLEAN,
}


@contextlib.contextmanager
def _fast_xpaths() -> Iterator[None]:
    """trafilatura run with :mod:`crawler.fastxpath`'s matchers in place of its
    regex-testing expressions (same selections, a fraction of the cost).

    Swaps module globals for the duration: extraction runs on one thread per process.
    """
    saved = {(module, name): getattr(module, name) for module, name in _FAST_XPATHS}
    for (module, name), fast in _FAST_XPATHS.items():
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
    _emit_text(body, set(fastxpath.BASIC_CLEAN(body)), pieces)
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
    for elem in body.iter(*fastxpath.BASIC_TAGS):
        parent = elem.getparent()
        while parent is not None and parent is not body and parent.tag not in fastxpath.BASIC_TAGS:
            parent = parent.getparent()
        if parent is not None and parent is not body:
            continue  # inside a subtree already subtracted
        dropped = elem.text_content().split()
        chars -= sum(map(len, dropped))
        count -= len(dropped) - 2
    count += 2 * sum(1 for _ in body.iter(*_BLOCK_ELEMS))
    return chars + max(count - 1, 0)


def _spaced(value: str, block: bool) -> str:
    """A text or tail as html2txt's ``_spaced_text`` leaves it."""
    if not block:
        return value
    return f" {remove_control_characters(value)}" if value else " "


def _emit_text(elem: Any, removed: set[Any], out: list[str]) -> None:
    """Append the text of ``elem`` (not its tail) as html2txt renders it."""
    block = elem.tag in _BLOCK_ELEMS
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
            out.append(_spaced(tail, child.tag in _BLOCK_ELEMS))
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


def _fast_sequence(tree: HtmlElement, url: str, html: str | None) -> etree._Element | None:
    """trafilatura's fast-mode body of ``tree`` (pruned in place), or None."""
    options = _fast_extractor(url)
    is_forum = _forum_thread_page(tree)
    if html is None or any(needle in html for needle in _RAW_PRUNE_NEEDLES):
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
            r_body, r_text = _recall_retry(tree, r_options, url)
        except Exception:  # as trafilatura: a failed retry keeps the first result
            r_text = ""
        if len(r_text) >= options.min_extracted_size and len(
            r_text
        ) > ESCALATION_ACCEPT_RATIO * len(temp_text):
            postbody, temp_text = r_body, r_text
    if len(temp_text) < options.min_output_size:
        return None
    return postbody


def _prose(lines: list[str], shares: list[float]) -> int:
    """Characters of running prose: unlinked lines of ten words or more."""
    return sum(
        len(ln) for ln, sh in zip(lines, shares, strict=True) if sh < 0.5 and word_len(ln) >= 10
    )


def _better_backup(
    lines: list[str], shares: list[float], b_lines: list[str], b_shares: list[float], min_words: int
) -> bool:
    """Take the readability/jusText-compared result when the first pass found too little,
    or about as much prose with far less non-prose around it (a sidebar caught by the first pass).
    """
    b_total = sum(map(len, b_lines))
    if not b_total:
        return False
    if sum(word_len(line) for line in lines) < min_words:
        return b_total > sum(map(len, lines))
    prose, b_prose = _prose(lines, shares), _prose(b_lines, b_shares)
    if b_prose < 0.8 * prose:
        return False
    return b_prose / b_total > prose / max(1, sum(map(len, lines))) + 0.3


def extract_text(
    tree: HtmlElement,
    url: str,
    options: ExtractOptions,
    headlines: list[str],
    removed: list[dict[str, str]] | None = None,
    description: str | None = None,
    html: str | None = None,
) -> tuple[Any | None, list[str], float, str | None]:
    """Body of ``tree``: (trafilatura document, lines, link density, fallback used).

    trafilatura's own extractor runs first; only when it finds too little
    (fewer than ``min_words`` words) does the slower comparison with
    readability and jusText run (``fallback`` says so).

    ``tree`` is pruned by the first pass: read what else you need from it before.
    ``html`` (the page ``tree`` was parsed from) lets the first pass skip work and
    gives the second pass a fresh tree; without it the first pass works on a copy.
    """
    anchors = _anchor_texts(tree)
    pristine = tree if html is None else None
    doc = _run_trafilatura(tree if html is not None else copy.copy(tree), url, True, html)
    lines, shares = (
        _body_lines(doc.body, anchors) if doc is not None and doc.body is not None else ([], [])
    )
    fallback = None
    total = sum(map(len, lines))
    thin = sum(word_len(line) for line in lines) < options.min_words
    # the second pass can only win when the first is thin or mostly non-prose
    if options.fallback and (thin or _prose(lines, shares) / max(1, total) < 0.7):
        if pristine is None:
            pristine = parse_html(html or "")
        backup = _run_trafilatura(pristine, url, fast=False) if pristine is not None else None
        if backup is not None and backup.body is not None:
            b_lines, b_shares = _body_lines(backup.body, anchors)
            if _better_backup(lines, shares, b_lines, b_shares, options.min_words):
                doc, lines, shares, fallback = backup, b_lines, b_shares, "readability_justext"
    if doc is None or not lines:
        return doc, [], 0.0, fallback
    total = sum(len(line) for line in lines)
    density = sum(len(line) * s for line, s in zip(lines, shares, strict=True)) / max(1, total)
    if options.cleanup:
        lines = clean_paragraphs(lines, shares, headlines, description, removed)
    return doc, lines, density, fallback


def extract(html: str, url: str, options: ExtractOptions | None = None) -> Extraction:
    """Body text and metadata of one page (no article detection)."""
    tree = parse_html(html)
    if tree is None:
        return Extraction()
    return _extract_tree(tree, url, options or ExtractOptions(), {}, html)


# --- metadata -------------------------------------------------------------------


def _canonical(tree: HtmlElement, url: str, options: ExtractOptions) -> str:
    """The page's declared canonical URL when believable, else the fetched URL."""
    candidates = tree.xpath('//link[@rel="canonical"]/@href') + tree.xpath(
        '//meta[@property="og:url"]/@content'
    )
    own_kind = url_page_kind(url)
    for href in candidates:
        href = str(href).strip()
        if not href:
            continue
        target = urljoin(url, href)
        parts = urlsplit(target)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            continue
        kind = url_page_kind(target)
        if kind == "home" and own_kind != "home":
            continue  # a site-wide canonical pointing at the home page
        if kind == "not_article" and own_kind != "not_article":
            continue  # points at a tag or section page: not this article
        return canonicalize(target, options.tracking_params)
    return canonicalize(url, options.tracking_params)


_CATEGORY_HREF = re.compile(r"/categor(?:y|ies|s)?/")
_TAG_HREF = re.compile(r"/tag(?:y|ies|s)?/")
#: JSON-LD blocks trafilatura's metadata reader looks at.
_JSON_LD_XPATH = './/script[@type="application/ld+json" or @type="application/settings+json"]'
#: Characters of an unparsable JSON-LD block given to trafilatura's regex fallback.
#: Article metadata (author, type, publisher) opens a page's JSON-LD; a block too
#: large to be that and not valid JSON is a data dump (an app's state, a settings
#: blob), where the fallback's author search copies the block once per match: a
#: real 840 kB one with 1,716 "Person" entries took 0.8 s of one page's 0.85 s.
JSON_LD_FALLBACK_MAX_CHARS = 64 * 1024


def _json_ld_metadata(tree: HtmlElement, meta: Document) -> Document:
    """trafilatura's ``extract_meta_json``, with its regex fallback for a block that
    does not parse bounded to the block's first ``JSON_LD_FALLBACK_MAX_CHARS``."""
    for elem in tree.xpath(_JSON_LD_XPATH):
        if not elem.text or len(elem.text) > JSON_MAX_CHARS:
            continue  # not read (an ld+json one is counted as json_ld_skipped)
        text = normalize_json(JSON_MINIFY.sub(r"\1", elem.text))
        try:
            schema = load_json(text, strict=False)
        except ValueError:
            meta = extract_json_parse_error(text[:JSON_LD_FALLBACK_MAX_CHARS], meta)
        else:
            meta = extract_json(schema, meta)
    return meta


def page_metadata(tree: HtmlElement) -> Document:
    """Title, authors, description, site name, tags and categories declared by the page.

    trafilatura's metadata rules (meta tags, OpenGraph, JSON-LD, bylines, tag and
    category links), read from our parsed tree; the date is ``_published``'s job.
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader on odd markup
        meta = _json_ld_metadata(tree, meta)
    if not meta.author:
        meta.author = author_from_markup(tree)
    # trafilatura's tag/category link search only keeps links whose href has /tag/ or
    # /category/ in it: look for such an href once before running its xpaths
    hrefs = " ".join(str(h) for h in tree.xpath("//a/@href"))
    if not meta.categories:
        if _CATEGORY_HREF.search(hrefs):
            meta.categories = extract_catstags("category", tree)
        else:
            meta.categories = [
                line_processing(str(v))
                for v in tree.xpath(
                    './/head//meta[@property="article:section" or contains(@name, "subject")]'
                    "/@content"
                )
            ]
            meta.categories = [c for c in dict.fromkeys(meta.categories) if c]
    if not meta.tags and _TAG_HREF.search(hrefs):
        meta.tags = extract_catstags("tag", tree)
    for name in ("title", "author", "description", "sitename"):
        value = getattr(meta, name)
        if isinstance(value, str):
            setattr(meta, name, line_processing(unescape(value[:10000])))
    return meta


def _tags(tree: HtmlElement, doc: Any) -> list[str]:
    found: list[str] = []
    for value in (getattr(doc, "tags", None) or []) + (getattr(doc, "categories", None) or []):
        found.append(str(value))
    found += [str(v) for v in tree.xpath('//meta[@property="article:tag"]/@content')]
    out: list[str] = []
    seen: set[str] = set()
    for tag in found:
        for piece in tag.split(","):
            piece = " ".join(piece.split())
            if piece and normalize_text(piece) not in seen:
                seen.add(normalize_text(piece))
                out.append(piece)
    return out


# --- record -------------------------------------------------------------------


def build_record(page: FetchedPage, options: ExtractOptions) -> ArticleRecord | Skip:
    """The article record of ``page``, or why it is skipped. Top-level and picklable.

    No exception leaves it: a page that fails in a way not foreseen is
    ``skip/extract_error`` with a one-line reason (never the page in a log line)."""
    try:
        return _build_record(page, options)
    except Exception as exc:
        return Skip("extract_error", f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        META_CACHE[:] = [None, None]  # don't keep the page's tree alive
        JSON_LD_CACHE[:] = [None, None]


def _build_record(page: FetchedPage, options: ExtractOptions) -> ArticleRecord | Skip:
    if page.status and page.status >= 400:
        return Skip("http_error", str(page.status))
    tree = parse_html(page.html)
    if tree is None:
        return Skip("empty_html")
    evidence = PageEvidence.from_tree(tree)
    detector = ArticleDetector(options.min_words, options.max_link_density)
    if url_page_kind(page.url) == "home":
        return Skip("not_article", "home page")
    json_ld_skipped = oversized_json_ld(tree)  # before the extraction prunes scripts
    ext = _extract_tree(tree, page.url, options, page.hints, page.html)
    n_words = word_count(ext.text)
    verdict = detector.decide(page.url, evidence, page.source, n_words, ext.link_density)
    if not verdict.is_article:
        return Skip(verdict.reason, f"{n_words} words, link density {ext.link_density:.2f}")
    junk = junk_reason(ext.text)
    if junk is not None:
        return Skip("low_quality", junk)
    canonical = ext.canonical_url or canonicalize(page.url, options.tracking_params)
    crawl_meta: dict[str, Any] = {
        "source": page.source,
        "hints": dict(page.hints),
        "validators": dict(page.validators),
        "detected_by": verdict.reason,
    }
    if ext.fallback:
        crawl_meta["extract_fallback"] = ext.fallback
    if json_ld_skipped:
        crawl_meta["json_ld_skipped"] = json_ld_skipped
    if options.explain:
        crawl_meta["removed"] = list(ext.removed)
    language, confidence = None, None
    if options.language_max_chars > 0:
        # here, in the worker process, rather than on the crawl's reactor thread
        started = time.perf_counter()
        language, confidence = detect_language(
            ext.text, ext.title, max_chars=options.language_max_chars, seed=options.language_seed
        )
        crawl_meta["language_detected"] = True
        crawl_meta["language_ms"] = round(1000 * (time.perf_counter() - started), 3)
    text_hash = content_hash(ext.text)
    if options.num_perm > 0:
        # here, in the worker: the dedupe pipeline reuses it while the text is unchanged
        crawl_meta["minhash"] = minhash(ext.text, options.num_perm, options.shingle_size)
        crawl_meta["minhash_of"] = text_hash
    return ArticleRecord(
        id=record_id(canonical),
        url=page.url,
        canonical_url=canonical,
        title=ext.title,
        text=ext.text,
        language=language,
        language_confidence=confidence,
        published=ext.published,
        modified=ext.modified,
        authors=ext.authors,
        image=ext.image,
        paywalled=ext.paywalled,
        site=site_of(canonical),
        description=ext.description,
        tags=ext.tags,
        fetched_at=page.fetched_at,
        word_count=n_words,
        content_hash=text_hash,
        crawl_meta=crawl_meta,
    )


def _clean_field(value: str | None) -> str | None:
    """A metadata string without control characters; None when nothing is left."""
    if value is None:
        return None
    return strip_controls(value).strip() or None


def _clean_list(values: list[str]) -> list[str]:
    """Strings without control characters, those with nothing left left out."""
    return [v for v in map(strip_controls, values) if v.strip()]


def _extract_tree(
    tree: HtmlElement,
    url: str,
    options: ExtractOptions,
    hints: dict[str, Any],
    html: str | None = None,
) -> Extraction:
    """Everything :func:`build_record` needs from ``tree`` (``html``: see :func:`extract_text`)."""
    site_name = meta_content(tree, "og:site_name", "application-name")
    candidates = {
        "og": meta_content(tree, "og:title"),
        "ld": json_ld_headline(json_ld_objects(tree)),
        "twitter": meta_content(tree, "twitter:title"),
        "title": tree.findtext(".//title"),
    }
    candidates["h1"] = pick_h1(page_h1s(tree), list(candidates.values()))
    page_title = candidates["og"] or candidates["twitter"] or candidates["title"]
    h1 = candidates["h1"]
    title = headline(candidates, site_name, url)
    headlines = [t for t in (title, h1, page_title) if t]
    removed: list[dict[str, str]] | None = [] if options.explain else None
    # read before trafilatura runs: it works on a copy, but its clean-up may touch shared parts
    meta = page_metadata(tree)
    published = dates.published(tree, url, hints)
    modified = dates.modified(tree)
    image = lead_image(tree, url, json_ld_objects(tree))
    canonical = _canonical(tree, url, options)
    if not meta.title:
        meta.title = extract_title(tree)
    tags = _tags(tree, meta)
    paywall = read_paywall(tree, json_ld_objects(tree))
    # last: the extraction prunes the tree
    _doc, lines, density, fallback = extract_text(
        tree, url, options, [*headlines, meta.title or ""], removed, meta.description, html
    )
    site_name = site_name or meta.sitename
    title = title or clean_title(meta.title, None, site_name, url)
    lines, wall_ended_body = strip_wall(_clean_list(lines), paywall)
    return Extraction(
        text=join_paragraphs(lines),
        paragraphs=lines,
        link_density=density,
        title=_clean_field(title or (hints.get("title") or None)),
        authors=_clean_list(article_authors(tree, meta.author)),
        published=published,
        modified=modified,
        image=image,
        paywalled=is_paywalled(paywall, wall_ended_body),
        description=_clean_field(meta.description or None),
        site_name=site_name,
        tags=_clean_list(tags),
        canonical_url=canonical,
        fallback=fallback,
        removed=removed or [],
    )
