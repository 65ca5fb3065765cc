"""Turn one fetched HTML page into an article record, or a reason to skip it.

Pure logic, no Scrapy: ``build_record(page, options)`` is the one top-level,
picklable function the extract pipeline calls (and that a process pool can
run). The HTML is parsed once; the lxml tree serves article detection, our
metadata reads and trafilatura (which works on its own copy).

Text extraction is trafilatura's ``bare_extraction`` (balanced mode, comments
left out, links kept so that link density can be measured); an article body
split into several same-class containers is read whole, and a page its scripts
render is read from the HTML in its script data. A within-page clean-up then
removes what trafilatura lets through inside the article container, each line
by evidence, never for being short: the headline repeated in share bars, lines
that are links (or cards) to other pages of the site, a standfirst repeated at
the start of the next paragraph, date stamps at the body's start and end, and a
heading left at its end. Headings, lists, quotes, code and tables stay.
"""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.metadata import (
    examine_meta,
    extract_catstags,
    extract_title,
)
from trafilatura.settings import Document
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    INVALID_XML_CHARS,
    is_dubious_html,
    line_processing,
)

from crawler.extract import multipage, trafilatura_adapter
from crawler.extract.canonical import choose_canonical
from crawler.extract.cleanup import (
    Anchors,
    BodyLines,
    anchor_texts,
    body_lines,
    clean_paragraphs,
)
from crawler.extract.detect import (
    ArticleDetector,
    PageEvidence,
    json_ld_objects,
    oversized_json_ld,
    url_page_kind,
)
from crawler.extract.metadata import (
    dates,
    json_ld_publisher,
    json_ld_sections,
    may_hold_category_links,
    meta_content,
    meta_index,
)
from crawler.extract.metadata.authors import article_authors
from crawler.extract.metadata.image import lead_image
from crawler.extract.metadata.title import (
    clean_title,
    headline,
    json_ld_headline,
    page_h1s,
    pick_h1,
)
from crawler.extract.options import ExtractOptions, Skip
from crawler.extract.page_reads import forget_page, tagged
from crawler.extract.paywall import (
    is_paywalled,
    read_paywall,
    strip_wall,
)
from crawler.extract.quality import junk_reason
from crawler.items import ArticleRecord, FetchedPage
from crawler.net.urls import canonicalize, record_id, site_of
from crawler.text.language import detect_language
from crawler.text.neardup import minhash
from crawler.text.normalize import (
    content_hash,
    join_paragraphs,
    normalize_text,
    strip_controls,
    word_count,
)


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
#: One pass over the bytes: a control byte becomes 0, the last byte of a noncharacter's
#: UTF-8 form (BE, BF) becomes 2, any other byte 1; then two memchr scans.
_INVALID_TABLE = bytes(
    0 if b in _CONTROL_BYTES else 2 if b in (0xBE, 0xBF) else 1 for b in range(256)
)


def _has_invalid_chars(data: bytes) -> bool:
    marked = data.translate(_INVALID_TABLE)
    if b"\x00" in marked:
        return True
    return b"\x02" in marked and any(nc in data for nc in _NONCHARACTERS)


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


def _prose(lines: list[str], shares: list[float]) -> int:
    """Characters of running prose: unlinked lines of ten words or more."""
    return sum(
        len(ln) for ln, sh in zip(lines, shares, strict=True) if sh < 0.5 and word_count(ln) >= 10
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
    if sum(map(word_count, lines)) < min_words:
        return b_total > sum(map(len, lines))
    prose, b_prose = _prose(lines, shares), _prose(b_lines, b_shares)
    if b_prose < 0.8 * prose:
        return False
    return b_prose / b_total > prose / max(1, sum(map(len, lines))) + 0.3


#: A JSON string literal (inside a script).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _script_html(tree: HtmlElement) -> str | None:
    """The HTML fragment with the most paragraphs found in the string data of the
    page's inline scripts (a page its scripts render: Next.js flight data, a query
    cache, a JSON state), or None when no string holds two paragraphs."""
    best, most = None, 1
    for script in tree.iter("script"):
        text = script.text or ""
        if script.get("src") is not None or ("u003cp" not in text and "<p" not in text):
            continue
        for match in _JSON_STRING.finditer(text):
            raw = match.group(0)
            if len(raw) < 200 or ("u003cp" not in raw and "<p" not in raw):
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            paragraphs = value.count("<p")
            if paragraphs > most:
                best, most = value, paragraphs
    return best


def _compared_body(
    pristine: HtmlElement | None, url: str, anchors: Anchors, body: BodyLines, min_words: int
) -> tuple[Any, BodyLines] | None:
    """trafilatura's result compared with readability and jusText on ``pristine`` (an
    unpruned tree), when it is better than the first pass's ``body``; else None."""
    backup = trafilatura_adapter.body(pristine, url, fast=False) if pristine is not None else None
    if backup is None or backup.body is None:
        return None
    b_body = body_lines(backup.body, anchors, url)
    if _better_backup(body.lines, body.shares, b_body.lines, b_body.shares, min_words):
        return backup, b_body
    return None


def _script_body(fragment: str, url: str, anchors: Anchors) -> tuple[Any, BodyLines] | None:
    """The article of a page its scripts render, read from the HTML ``fragment`` in its
    script data; None unless it holds prose (where the page showed none)."""
    page = f"<html><body><article>{fragment}</article></body></html>"
    rendered = parse_html(page)
    rescued = trafilatura_adapter.body(rendered, url, True) if rendered is not None else None
    if rescued is None or rescued.body is None:
        return None
    r_body = body_lines(rescued.body, anchors, url)
    if _prose(r_body.lines, r_body.shares):
        return rescued, r_body
    return None


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
    ``html`` (the page ``tree`` was parsed from) gives the second pass a fresh tree and
    tells whether ruby annotations need inlining; without it the first pass works on a
    copy.
    """
    if html is None or "<ruby" in html:
        # inline, as a browser without ruby support shows it (the reading in brackets);
        # trafilatura would cut the sentence at each annotation and drop the reading
        etree.strip_tags(tree, "ruby", "rb", "rt", "rp", "rtc")
    anchors = anchor_texts(tree)
    pristine = tree if html is None else None
    doc = trafilatura_adapter.body(tree if html is not None else copy.copy(tree), url, True)
    body = (
        body_lines(doc.body, anchors, url)
        if doc is not None and doc.body is not None
        else BodyLines()
    )
    fallback = None
    total = sum(map(len, body.lines))
    thin = sum(map(word_count, body.lines)) < options.min_words
    # the second pass can only win when the first is thin or mostly non-prose
    if options.fallback and (thin or _prose(body.lines, body.shares) / max(1, total) < 0.7):
        if pristine is None:
            pristine = parse_html(html or "")
        better = _compared_body(pristine, url, anchors, body, options.min_words)
        if better is not None:
            doc, body = better
            fallback = "readability_justext"
    if not _prose(body.lines, body.shares) and (fragment := _script_html(tree)) is not None:
        # a page its scripts render: the article is HTML inside the script data
        rescued = _script_body(fragment, url, anchors)
        if rescued is not None:
            doc, body = rescued
            fallback = "script_html"
    lines, shares = body.lines, body.shares
    if doc is None or not lines:
        return doc, [], 0.0, fallback
    total = sum(len(line) for line in lines)
    density = sum(len(line) * s for line, s in zip(lines, shares, strict=True)) / max(1, total)
    if options.cleanup:
        lines = clean_paragraphs(
            lines, shares, headlines, description, removed, body.teasers, body.headings
        )
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
    # the document's canonical links, then its og:url metas
    links = [
        href
        for link in tagged(tree)["link"]
        if link.get("rel") == "canonical" and (href := link.get("href")) is not None
    ]
    og_urls = meta_index(tree).get(("property", "og:url"), [])
    return choose_canonical(links + og_urls, url, options.tracking_params)


_CATEGORY_HREF = re.compile(r"/categor(?:y|ies|s)?/")
_TAG_HREF = re.compile(r"/tag(?:y|ies|s)?/")


def page_metadata(tree: HtmlElement) -> Document:
    """Title, authors, description, site name, tags and categories declared by the page.

    trafilatura's metadata rules (meta tags, OpenGraph, JSON-LD, bylines, tag and
    category links), read from our parsed tree; the date is ``_published``'s job.
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    # from JSON-LD (read once per page): the article's section, the publisher's name;
    # authors and dates have their own readers (crawler/extract/metadata/)
    if not meta.categories:
        meta.categories = json_ld_sections(json_ld_objects(tree))
    if not meta.sitename:
        meta.sitename = json_ld_publisher(json_ld_objects(tree))
    # trafilatura's tag/category link search only keeps links whose href has /tag/ or
    # /category/ in it: look for such an href once before running its xpaths
    hrefs = " ".join(h for a in tagged(tree)["a"] if (h := a.get("href")) is not None)
    # ... and for a class or id its expressions need
    if not meta.categories:
        if _CATEGORY_HREF.search(hrefs) and may_hold_category_links(tree):
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
    if not meta.tags and _TAG_HREF.search(hrefs) and may_hold_category_links(tree):
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
    found += meta_index(tree).get(("property", "article:tag"), [])
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
        forget_page()  # don't keep the page's tree alive


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
    signals = multipage.read_page(tree, page.url, page.html)  # before it prunes links
    ext = _extract_tree(tree, page.url, options, page.hints, page.html)
    paging = multipage.classify(signals, ext.canonical_url) if signals is not None else None
    judged_url = page.url
    if paging is not None and paging.paged:
        ext.paragraphs = multipage.without_pager_lines(ext.paragraphs, paging)
        ext.text = join_paragraphs(ext.paragraphs)
        if paging.continuation:  # page N is judged as its article, whatever its length
            judged_url, detector = paging.first_url, ArticleDetector(1, options.max_link_density)
    n_words = word_count(ext.text)
    verdict = detector.decide(judged_url, evidence, page.source, n_words, ext.link_density)
    if not verdict.is_article:
        return Skip(
            verdict.reason,
            f"{verdict.detail}; {n_words} words, link density {ext.link_density:.2f}",
        )
    if paging is not None and paging.continuation and verdict.reason == "text":
        return Skip("not_article", "a later page of a listing")  # page 1 is no article
    junk = junk_reason(ext.text)
    if junk is not None:
        return Skip("low_quality", junk)
    return _record(page, ext, options, n_words, verdict.reason, json_ld_skipped, paging)


def _record(
    page: FetchedPage,
    ext: Extraction,
    options: ExtractOptions,
    n_words: int,
    detected_by: str,
    json_ld_skipped: int,
    paging: multipage.Paging | None,
) -> ArticleRecord:
    """The record of an article page, with its language, hash and bookkeeping."""
    canonical = ext.canonical_url or canonicalize(page.url, options.tracking_params)
    crawl_meta = _crawl_meta(page, ext, options, detected_by, json_ld_skipped)
    if paging is not None:  # for pipelines/multipage.py; page 1 joins pages if not judged by text
        crawl_meta.update(paging.meta(joinable=detected_by != "text"))
    language, confidence = _language(ext, options, crawl_meta)
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


def _crawl_meta(
    page: FetchedPage, ext: Extraction, options: ExtractOptions, detected_by: str, skipped: int
) -> dict[str, Any]:
    """The record's bookkeeping for the pipelines (never written to the JSONL)."""
    crawl_meta: dict[str, Any] = {
        "source": page.source,
        "hints": dict(page.hints),
        "validators": dict(page.validators),
        "detected_by": detected_by,
    }
    if ext.fallback:
        crawl_meta["extract_fallback"] = ext.fallback
    if skipped:
        crawl_meta["json_ld_skipped"] = skipped
    if page.decoded_how:
        crawl_meta["decoded_how"] = page.decoded_how
    if options.explain:
        crawl_meta["removed"] = list(ext.removed)
    return crawl_meta


def _language(
    ext: Extraction, options: ExtractOptions, crawl_meta: dict[str, Any]
) -> tuple[str | None, float | None]:
    """The text's language, detected here in the worker process rather than on the
    crawl's reactor thread (the language pipeline takes it as it is)."""
    if options.language_max_chars <= 0:
        return None, None
    started = time.perf_counter()
    language, confidence = detect_language(
        ext.text, ext.title, max_chars=options.language_max_chars, seed=options.language_seed
    )
    crawl_meta["language_detected"] = True
    crawl_meta["language_ms"] = round(1000 * (time.perf_counter() - started), 3)
    return language, confidence


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
