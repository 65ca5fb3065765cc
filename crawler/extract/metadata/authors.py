"""The article's authors: people (or the desk or agency when that is the byline).

A page names its authors in several places, none reliable alone: JSON-LD ``author``
entries (typed Person or Organization), ``<meta>`` tags (``article:author``, ``author``,
``dc.creator``, ``parsely-author`` ...), byline markup, labelled credit lines ("Autor:",
the Chinese "zuozhe" label) and a bold name opening the article body. Each place is one
*source*. Sources are read in that order (structured data first, text last), each
only when the ones before it named no person, and reconciled by these principles:

- authors are people: the first source that names a person gives the result, its
  people and the news agencies credited in the same byline ("Felix Schröder und Jörg
  Soldwisch, dpa"); organisations in it (the publisher, the site, a desk of it) drop out;
- an organisation, desk, site or agency is the author only when no source names a
  person; then the first source's credit is kept, in the page's own spelling
  ("ORF.at", "Redaktion hessenschau.de", "BBC News"). When the structured data declares
  such a credit itself (an author typed Organization, a desk, an agency), the page's
  text is not searched for people: it would find photo credits and teaser bylines;
- a name is the publisher's when it equals a publisher, site or host name, starts with
  one and goes on with a desk ("MDR THÜRINGEN"), is a domain ("mdr.de"), holds a desk
  word ("Redaktion", "Staff"), is the site's initials, or is a CMS's generic account
  (``/author/admin/``);
- a byline string is cut into names at list punctuation and at joiner words of many
  languages ("und", "et", "og", "y" ...), after its prefix ("By", "Von", "Par",
  "Autor:") is removed; "Last, First" stays one name; role words ("Journalist",
  "Redakteur", the Korean "gija") are removed, and what is no name (a date, a long job
  description, an e-mail address or URL, a label's text) is dropped; a single
  Latin-script word is a credit, initials or a place, never taken for a person;
- names are kept as the page writes them (no title-casing), one spelling per person:
  case and slug variants ("chuck-ross") collapse to the first proper spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lxml.html import HtmlElement
from trafilatura.metadata import normalize_authors
from trafilatura.utils import trim

from crawler.extract import matchers
from crawler.extract.detect import ARTICLE_TYPES, json_ld_objects, json_ld_types
from crawler.extract.metadata import meta_index
from crawler.extract.metadata.names import (
    _ACCOUNT_URL,
    _COLONS,
    _CREDIT_TAGS,
    _EMPHASIS,
    _LABELLED,
    _LONG_PARAGRAPH,
    _SPACE,
    _STRIP,
    AGENCY,
    AMBIGUOUS_BY,
    BY_WORDS,
    META_AUTHOR_NAMES,
    META_SITE_NAMES,
    ORG,
    ORG_TYPES,
    OTHER,
    PAGE_TYPES,
    PARTICLES,
    PERSON,
    Name,
    byline_names,
    is_label,
    name_key,
    split_authors,
    strip_prefix,
    uncased,
)
from crawler.extract.metadata.site import SiteNames
from crawler.extract.page_reads import per_page

# -- the page's sources ----------------------------------------------------------------


def _by_id(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for obj in objects:
        ident = obj.get("@id")
        if isinstance(ident, str) and len(obj) > 1:
            found.setdefault(ident, obj)
    return found


def _resolve(node: Any, ids: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, dict) and "name" not in node and isinstance(node.get("@id"), str):
        return ids.get(node["@id"], node)
    return node


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield value


def site_names(tree: HtmlElement, objects: list[dict[str, Any]]) -> SiteNames:
    """The publisher's and site's names: JSON-LD publishers and organisations, the
    site-name ``<meta>`` tags, and the host of the page's canonical URL (a title strips
    fewer: ``crawler/extract/metadata/site.py``)."""
    site = SiteNames()
    ids = _by_id(objects)
    for obj in objects:
        for publisher in _flatten(obj.get("publisher")):
            publisher = _resolve(publisher, ids)
            if isinstance(publisher, dict):
                site.add(publisher.get("name"))
                site.add(publisher.get("alternateName"))
            else:
                site.add(publisher)
        types = json_ld_types(obj)
        if types & ORG_TYPES and "person" not in types:
            site.add(obj.get("name"))
            site.add(obj.get("alternateName"))
    for (attr, key), values in meta_index(tree).items():
        name = key.casefold()
        if attr != "itemprop" and name in META_SITE_NAMES:
            for value in values:
                site.add(value.lstrip("@"))
        elif name == "og:url" and values:
            site.add_host(values[0])
    head = tree.find("head")
    for link in head.iterfind("link[@rel='canonical']") if head is not None else ():
        site.add_host(link.get("href"))
    return site


def _author_entries(value: Any, ids: dict[str, dict[str, Any]]) -> Iterator[tuple[str, bool, bool]]:
    """(name, typed an organisation, a generic account) of a JSON-LD ``author`` value."""
    for entry in _flatten(value):
        entry = _resolve(entry, ids)
        if isinstance(entry, str):
            yield entry, False, False
        elif isinstance(entry, dict):
            name = entry.get("name")
            if isinstance(name, list):  # several names in one entry
                name = "; ".join(n for n in name if isinstance(n, str))
            if not isinstance(name, str) or not name.strip():
                given, family = entry.get("givenName"), entry.get("familyName")
                name = " ".join(p for p in (given, family) if isinstance(p, str) and p.strip())
            if not name:
                continue
            types = json_ld_types(entry)
            urls = [entry.get(k) for k in ("url", "@id", "sameAs")]
            account = any(isinstance(u, str) and _ACCOUNT_URL.search(u) for u in urls)
            yield name, bool(types & ORG_TYPES and "person" not in types), account


def json_ld_source(objects: list[dict[str, Any]], site: SiteNames) -> list[Name]:
    """The ``author`` names of the page's first article object that names one (of its
    first page object when no article does), ``@id`` references resolved: one object,
    as further ones may describe other articles. A generic account's name (an
    ``/author/admin/`` URL) becomes one of the site's names."""
    ids = _by_id(objects)
    page: list[Name] = []
    for obj in objects:
        if "author" not in obj:
            continue
        types = json_ld_types(obj)
        article = bool(types & ARTICLE_TYPES)
        if not article and (page or not (types & PAGE_TYPES or not types)):
            continue
        names: list[Name] = []
        for name, org, account in _author_entries(obj["author"], ids):
            if account:
                site.add(name)
            names.extend(byline_names(name, site, org))
        if names and article:
            return names
        page = page or names
    return page


def meta_sources(tree: HtmlElement, site: SiteNames) -> Iterator[list[Name]]:
    """The names of each author ``<meta>`` tag, one source per tag, most trusted first."""
    by_name: dict[str, list[str]] = {}
    for (attr, key), values in meta_index(tree).items():
        if attr != "itemprop":
            by_name.setdefault(key.casefold(), []).extend(values)
    for name in META_AUTHOR_NAMES:
        names = [n for value in by_name.get(name, ()) for n in byline_names(value, site)]
        if names:
            yield names


@per_page
def byline_from_markup(tree: HtmlElement) -> str | None:
    """The text of the page's first byline element (trafilatura's byline search, without
    its deep copy of the page), as written.

    Elements inside comment, sidebar, date or figure blocks are ignored, and such
    blocks nested in a byline do not count towards its text (their tails do).
    """
    found = None
    # AUTHOR_DISCARD is tested on each candidate's ancestors and descendants only,
    # not evaluated over the whole page first (usually the first candidate wins)
    discarded = matchers.author_discarded
    for expression in matchers.AUTHOR_BYLINES:
        for elem in expression(tree):
            if discarded(elem, tree) or any(discarded(a, tree) for a in elem.iterancestors()):
                continue
            inside = {d for d in elem.iterdescendants() if discarded(d, tree)}
            content = trim(" ".join(text_outside(elem, inside)))
            if content and 2 < len(content) < 120:
                found = content
                break
        if found:
            break
    return found


def author_from_markup(tree: HtmlElement) -> str | None:
    """trafilatura's author search over bylines: :func:`byline_from_markup`, normalised
    the way trafilatura normalises authors."""
    content = byline_from_markup(tree)
    return normalize_authors(None, content) if content else None


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


def _body(tree: HtmlElement) -> Any:
    body = tree.find("body")
    return body if body is not None else tree


def labelled_source(tree: HtmlElement, site: SiteNames) -> list[Name]:
    """The first credit line of the page's text: an element whose own text opens with a
    credit label and colon ("Autor: ...", "Text: ...") or a byline preposition ("By ...",
    "Par ..."), or is a label alone followed by the name ("<strong>Autorin/Autor</strong>
    Roman Goncharenko"). Kept when it names a person or a credit (an acronym counts:
    "By TPN"). The search starts at the page's headline (its first ``<h1>``): what comes
    before it is navigation and teasers of other articles."""
    body = _body(tree)
    started = body.find(".//h1") is None
    for elem in body.iter(*_CREDIT_TAGS, "h1"):
        if not started:
            started = elem.tag == "h1"
            continue
        own = elem.text
        if not own or len(own) > 160:
            continue
        own = _SPACE.sub(" ", own).strip()
        if not own or not _opens_credit(own):
            continue
        if is_label(own.rstrip(_COLONS + "/ ")):
            text = elem.text_content() if len(elem) else _following_text(elem)
        else:
            text = _label_removed(own) or (elem.text_content() if len(elem) else "")
        if not text or len(text) > 160:
            continue
        names = [n for n in byline_names(text, site) if n.kind != OTHER or n.text.isupper()]
        if names:
            return names
    return []


def _opens_credit(text: str) -> bool:
    match = _LABELLED.match(text)
    if (match and is_label(match.group(1))) or is_label(text.rstrip(_COLONS + "/ ")):
        return True
    head = text.split(None, 1)[0].casefold() if text.strip() else ""
    return head in BY_WORDS and head not in AMBIGUOUS_BY


def _label_removed(text: str) -> str:
    """``text`` without its credit label; empty when it is the label alone."""
    stripped = strip_prefix(text)
    if stripped == text.strip(_STRIP) and _opens_credit(text):
        return ""
    return stripped


def _following_text(elem: Any) -> str:
    tail = (elem.tail or "").strip()
    if tail:
        return tail
    sibling = elem.getnext()
    if sibling is not None and isinstance(sibling.tag, str):
        text = sibling.text_content().strip()
        if len(text) < 120:
            return text
    return ""


def emphasized_source(tree: HtmlElement, site: SiteNames) -> list[Name]:
    """A byline set as a paragraph of its own at the edge of the article text, all in
    bold or italics and naming people ("<p><strong>Jane Doe/John Roe</strong>
    </p>"): up to three paragraphs before the first paragraph of article text (or two
    after the last). A bold line between paragraphs is a subheading, never a byline."""
    runs: dict[Any, list[Any]] = {}
    for para in _body(tree).iter("p"):
        runs.setdefault(para.getparent(), []).append(para)
    for paras in runs.values():
        long = [i for i, p in enumerate(paras) if len(p.text_content()) >= _LONG_PARAGRAPH]
        if len(long) < 2:
            continue
        first, last = long[0], long[-1]
        edges = (*range(first - 1, max(first - 4, -1), -1), *range(last + 1, last + 3))
        for index in edges:
            if 0 <= index < len(paras):
                names = _emphasized_names(paras[index], site)
                if names:
                    return names
    return []


def _emphasized_names(para: Any, site: SiteNames) -> list[Name]:
    if (para.text or "").strip() or len(para) != 1:
        return []
    child = para[0]
    if child.tag not in _EMPHASIS or (child.tail or "").strip():
        return []
    text = child.text_content().strip()
    if not text or len(text) > 80:
        return []
    names = byline_names(text, site)
    ok = all(n.kind in (ORG, AGENCY) or (n.kind == PERSON and _capitalised(n.text)) for n in names)
    return names if ok and any(n.kind == PERSON for n in names) else []


def _capitalised(name: str) -> bool:
    """Every word of ``name`` opens with a capital (or is a name particle)."""
    return all(w[:1].isupper() or w in PARTICLES or uncased(w) for w in name.split())


def structured_sources(tree: HtmlElement, site: SiteNames) -> Iterator[list[Name]]:
    """The page's structured author sources: JSON-LD, then each author ``<meta>`` tag."""
    yield json_ld_source(json_ld_objects(tree), site)
    yield from meta_sources(tree, site)


def text_sources(tree: HtmlElement, declared: str | None, site: SiteNames) -> Iterator[list[Name]]:
    """The page's text sources, each searched only when asked for: the byline markup,
    a labelled credit line, an emphasized byline paragraph, and trafilatura's string."""
    steps: tuple[Callable[[], list[Name]], ...] = (
        lambda: byline_names(byline_from_markup(tree) or "", site),
        lambda: labelled_source(tree, site),
        lambda: emphasized_source(tree, site),
        lambda: [n for v in split_authors(declared) for n in byline_names(v, site)],
    )
    for step in steps:
        yield step()


def unique(names: Iterable[Name]) -> list[str]:
    """``names`` once each (case and slug variants are one name), in the first proper
    spelling: a spaced, cased form replaces an earlier slug or all-lowercase one."""
    out: dict[str, str] = {}
    for name in names:
        key = name_key(name.text)
        seen = out.get(key)
        if seen is None or (_proper(name.text) and not _proper(seen)):
            out[key] = name.text
    return list(out.values())


def _proper(text: str) -> bool:
    return " " in text and not text.islower()


def article_authors(tree: HtmlElement, declared: str | None) -> list[str]:
    """The authors of the page's article, by the module's principles; ``declared``:
    trafilatura's author string, the last source read."""
    site = site_names(tree, json_ld_objects(tree))
    credit: list[Name] = []
    other: list[Name] = []
    declared_credit: list[Name] = []
    for names in structured_sources(tree, site):
        if any(n.kind == PERSON for n in names):
            return unique(n for n in names if n.kind in (PERSON, AGENCY))
        credits = [n for n in names if n.kind in (ORG, AGENCY)]
        credit = credit or credits
        if not declared_credit and any(n.declared for n in credits):
            declared_credit = credits
        other = other or [n for n in names if n.kind == OTHER]
    if declared_credit:
        return unique(declared_credit)
    for names in text_sources(tree, declared, site):
        if any(n.kind == PERSON for n in names):
            return unique(n for n in names if n.kind in (PERSON, AGENCY))
        credit = credit or [n for n in names if n.kind in (ORG, AGENCY)]
        other = other or [n for n in names if n.kind == OTHER]
    return unique(credit or other)
