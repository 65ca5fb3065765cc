"""What ``scrapy preview`` shows: the record one page gives, and what was removed and why.

Pure logic, no Scrapy. ``build_preview`` runs the very functions the pipelines
run, in their order -- ``build_record`` (extract), ``detect_language`` and the
``LANGUAGES`` filter (language), ``SiteBoilerplate.clean`` with what the state
store learned for the site (boilerplate) -- and collects every block of the
page that did not reach the record's text, each under the rule that took it:

- ``trafilatura``: visible text blocks of the page (paragraphs, list items,
  headings, text in divs ...) that the body extractor left out, found by
  comparing the page's blocks with the extracted text;
- ``title`` / ``byline``: the headline and the byline, which are the record's
  ``title`` and ``authors`` fields rather than text;
- the extraction clean-up rules (``crawler.extract.cleanup.RULE_NAMES``);
- ``site_block`` and its variants: lines learned as repeating across the site.

Dedupe is not part of a preview (it depends on every other record).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.record import ExtractOptions, Skip, build_record, parse_html
from crawler.items import ArticleRecord, FetchedPage, record_to_dict
from crawler.text.language import detect_language
from crawler.text.normalize import words
from crawler.text.site_lines import SiteBoilerplate

#: What each rule means, for the legend printed under ``--removed``.
RULE_HELP: dict[str, str] = {
    "trafilatura": (
        "outside the article body found by trafilatura (navigation, banners, "
        "sidebars, related links, footers, comments)"
    ),
    "title": "the headline: it is the record's title field, not part of text",
    "byline": "the byline: its names are the record's authors field, not part of text",
    "repeated_headline": (
        "the headline repeated inside the body, e.g. by a share bar (EXTRACT_CLEANUP)"
    ),
    "link_only_line": (
        "a line that is only the text of links to other pages of this site (related "
        "stories, a teaser card), or a share button that links to this page "
        "(EXTRACT_CLEANUP)"
    ),
    "date_stamp": "a date or time line at the start or end of the body (EXTRACT_CLEANUP)",
    "repeated_paragraph": "an exact repeat of an earlier paragraph (EXTRACT_CLEANUP)",
    "duplicate_lead": (
        "a standfirst/lead whose text (8 words or more) the next paragraph repeats; "
        "kept once (EXTRACT_CLEANUP)"
    ),
    "edge_chrome": (
        "a heading left at the very end of the body, with nothing under it (EXTRACT_CLEANUP)"
    ),
    "site_block": (
        "a line that repeats across this site's articles, learned by earlier crawls "
        "(BOILERPLATE_*; state store at STATE_URL)"
    ),
    "site_label": "a 'Label: ...' line whose label repeats across this site's articles",
    "site_block_prefix": "site-wide repeating text glued to the start of a paragraph",
    "site_block_suffix": "site-wide repeating text glued to the end of a paragraph",
}

#: Elements that start a new text block.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "td", "th", "tr", "ul",
    }
)  # fmt: skip
#: Elements whose content is never visible text.
INVISIBLE_TAGS = frozenset(
    {"head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
     "canvas", "select", "textarea"}
)  # fmt: skip
#: Skip reasons that a sitemap or feed listing of the page could change.
LENIENT_SKIPS = frozenset({"not_article", "empty_text"})
#: Most ``trafilatura`` blocks listed per page.
MAX_REMOVED = 200


@dataclass(frozen=True)
class PreviewConfig:
    """The settings of the pipelines a preview reproduces."""

    options: ExtractOptions = field(default_factory=ExtractOptions)
    languages: frozenset[str] = frozenset()
    language_seed: int = 0
    language_max_chars: int = 2000


@dataclass
class Preview:
    """The outcome of one page: a record, or the skip or drop that stops it."""

    url: str
    #: Where a crawl would have found the page (``FetchedPage.source``).
    source: str = "listing"
    record: ArticleRecord | None = None
    #: The extract stage found no article: ``skip/<reason>``.
    skip: Skip | None = None
    #: A record was built but a later pipeline drops it: ``drop/<reason>``.
    drop: Skip | None = None
    #: Every block kept out of the text, in pipeline order: {"rule", "text"}.
    removed: list[dict[str, str]] = field(default_factory=list)
    #: ``trafilatura`` blocks beyond ``MAX_REMOVED`` that are not listed.
    not_listed: int = 0
    #: Site-level boilerplate known for the record's site (``site_state``).
    site: dict[str, Any] | None = None


# --- page blocks ----------------------------------------------------------------


def _hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def page_blocks(tree: HtmlElement) -> list[str]:
    """The visible text blocks of a page, in document order, whitespace collapsed.

    A block is the text of one block-level element (paragraph, list item,
    heading, table cell, div ...) without the text of the blocks inside it.
    """
    blocks: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buf).split())
        if text:
            blocks.append(text)
        buf.clear()

    walker = etree.iterwalk(tree, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        invisible = not tag or tag in INVISIBLE_TAGS or _hidden(el)
        if event == "start":
            if invisible:
                walker.skip_subtree()  # its "end" event still comes, for the tail
                continue
            if tag in BLOCK_TAGS:
                flush()
            buf.append(el.text or "")
        else:
            if not invisible and tag in BLOCK_TAGS:
                flush()
            buf.append(el.tail or "")
    flush()
    return blocks


def _key(text: str) -> str:
    return " ".join(words(text))


def left_out_blocks(
    tree: HtmlElement,
    kept: list[str],
    title: str | None,
    authors: list[str],
    limit: int = MAX_REMOVED,
) -> tuple[list[dict[str, str]], int]:
    """Page blocks whose words appear in none of ``kept`` (the extractor's output and
    the lines later rules removed), each with its rule, and how many were not listed."""
    corpus = f" {' '.join(_key(t) for t in kept)} "
    title_key = _key(title or "")
    author_keys = [_key(a) for a in authors if _key(a)]
    found: list[dict[str, str]] = []
    seen: set[str] = set()
    extra = 0
    for block in page_blocks(tree):
        key = _key(block)
        if not key or key in seen or f" {key} " in corpus:
            continue
        seen.add(key)
        if title_key and key == title_key:
            rule = "title"
        elif len(key.split()) <= 8 and any(f" {a} " in f" {key} " for a in author_keys):
            rule = "byline"
        else:
            rule = "trafilatura"
        if rule == "trafilatura" and sum(r["rule"] == rule for r in found) >= limit:
            extra += 1
            continue
        found.append({"rule": rule, "text": block})
    return found, extra


# --- the preview ----------------------------------------------------------------


def site_summary(site: SiteBoilerplate) -> dict[str, Any]:
    """What the state store knows of a site's boilerplate, in numbers."""
    return {
        "documents": site.documents,
        "blocks_counted": len(site.counts),
        "document_frequency_needed": site.needed,
        "blocks_stripped": sum(1 for c in site.counts.values() if c >= site.needed),
        "active": site.documents >= site.min_docs,
    }


def build_preview(
    page: FetchedPage,
    config: PreviewConfig,
    site_for: Any = None,
    limit: int = MAX_REMOVED,
) -> Preview:
    """The record ``page`` gives, with every removed block.

    ``site_for(site) -> SiteBoilerplate | None`` supplies the learned boilerplate
    of the record's site (the command reads it from the state store).
    """
    from pipelines.language import hint_language  # the language pipeline's own fallback

    preview = Preview(url=page.url, source=page.source)
    result = build_record(page, replace(config.options, explain=True))
    if isinstance(result, Skip):
        preview.skip = result
        return preview
    record = result
    cleanup = list(record.crawl_meta.pop("removed", []))
    extracted = record.text
    preview.record = record

    language, confidence = detect_language(
        record.text, record.title, max_chars=config.language_max_chars, seed=config.language_seed
    )
    if language is None:
        language = hint_language(record.crawl_meta)
    record.language, record.language_confidence = language, confidence
    if config.languages and language not in config.languages:
        preview.drop = Skip("language", f"{language} is not in LANGUAGES")

    site_removed: list[dict[str, str]] = []
    site = site_for(record.site) if site_for is not None else None
    if site is not None:
        preview.site = site_summary(site)
        cleaned = site.clean_article(record.text)
        site_removed = [r.as_dict() for r in cleaned.removed]
        if cleaned.removed:
            record.text = cleaned.text
            record.word_count = cleaned.words

    tree = parse_html(page.html)
    left_out: list[dict[str, str]] = []
    if tree is not None:
        kept = [extracted, *(r["text"] for r in cleanup)]
        left_out, preview.not_listed = left_out_blocks(
            tree, kept, record.title, record.authors, limit
        )
    preview.removed = left_out + cleanup + site_removed
    return preview


# --- output ---------------------------------------------------------------------


def preview_dict(
    preview: Preview, removed: bool = False, site_state: bool = False
) -> dict[str, Any]:
    """The JSON form: a JSONL record (plus "removed"), or why there is none."""
    out: dict[str, Any]
    if preview.record is None:
        assert preview.skip is not None
        out = {
            "url": preview.url,
            "article": False,
            "skip": f"skip/{preview.skip.reason}",
            "detail": preview.skip.detail,
        }
        return out
    out = record_to_dict(preview.record)
    if preview.drop is not None:
        out["dropped"] = f"drop/{preview.drop.reason}"
        out["detail"] = preview.drop.detail
    if removed:
        out["removed"] = preview.removed
        if preview.not_listed:
            out["removed_not_listed"] = preview.not_listed
    if site_state:
        out["site_boilerplate"] = preview.site
    return out


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def format_preview(preview: Preview, removed: bool = False) -> str:
    """The human form: header fields, the text, then (``removed``) what was cut and why."""
    lines: list[str] = []
    if preview.record is None:
        assert preview.skip is not None
        detail = f" ({preview.skip.detail})" if preview.skip.detail else ""
        lines.append(f"Not an article: skip/{preview.skip.reason}{detail}")
        lines.append(f"URL: {preview.url}")
        lines.append("A crawl writes no record for this page.")
        if preview.source in {"listing", "start"} and preview.skip.reason in LENIENT_SKIPS:
            lines.append(
                "(Judged as a page found by following links; pages a sitemap or feed "
                "lists are judged more leniently: --source sitemap.)"
            )
        return "\n".join(lines) + "\n"
    rec = preview.record
    meta = rec.crawl_meta
    if preview.drop is not None:
        lines.append(f"Would be dropped: drop/{preview.drop.reason} ({preview.drop.detail})")
    confidence = f" ({rec.language_confidence})" if rec.language_confidence is not None else ""
    fields = [
        ("Title", rec.title or "-"),
        ("URL", rec.url),
        ("Canonical", rec.canonical_url),
        ("Language", f"{rec.language or '-'}{confidence}"),
        ("Published", rec.published or "-"),
        ("Authors", ", ".join(rec.authors) or "-"),
        ("Site", rec.site),
        ("Words", str(rec.word_count)),
        ("Article", f"yes, by {meta.get('detected_by', '?')}"),
    ]
    if meta.get("extract_fallback"):
        fields.append(("Extractor", f"fallback {meta['extract_fallback']}"))
    if preview.site is not None:
        s = preview.site
        fields.append(
            (
                "Site blocks",
                f"{s['blocks_stripped']} learned from {s['documents']} articles"
                + ("" if s["active"] else " (too few articles yet: not applied)"),
            )
        )
    width = max(len(name) for name, _ in fields) + 2
    lines += [f"{name + ':':<{width}}{value}" for name, value in fields]
    lines += ["", rec.text, ""]
    if removed:
        lines.append(f"Removed blocks ({len(preview.removed)}):")
        rules = []
        for r in preview.removed:
            lines.append(f"  [{r['rule']}] {_short(r['text'])}")
            if r["rule"] not in rules:
                rules.append(r["rule"])
        if preview.not_listed:
            lines.append(f"  ... and {preview.not_listed} more trafilatura blocks not listed")
        if rules:
            lines.append("")
            lines.append("Rules:")
            rw = max(len(r) for r in rules) + 2
            lines += [f"  {r:<{rw}}{RULE_HELP.get(r, '')}" for r in rules]
    return "\n".join(lines).rstrip() + "\n"
