"""Whole articles: the pages of a multi-page article, and AMP and print copies.

Pure: reads an lxml tree and URLs, returns values; ``pipelines/multipage.py``
does the holding and fetching.

- A page's number comes from its URL: a page parameter (``?page=2``), a page
  path segment (``/page/2``, ``/seite-2``, ``-page-2.html``) or a bare small
  number after an article URL (``/story-slug/2``). Removing it gives the URL of
  the article's page 1 (:func:`split_page`).
- :func:`read_page` looks once at a parsed page, before extraction prunes it:
  the links that differ from the page only by the page number (``rel=next``,
  a "Next page" / "Seite 2" / "Página siguiente" link or a numbered pager:
  whatever the words, the URL says it), ``rel=prev``, ``rel=amphtml`` and
  whether the page is an AMP or print rendering. A page with none of these
  (nearly every page) costs a look at its head's ``<link>`` elements and a
  string scan of its source for its own slug (about 0.1 ms), and gives None.
- :func:`classify` adds the canonical URL extraction found: a page numbered 2
  or more is a continuation of page 1 when it says so (``rel=prev``, a canonical
  naming page 1, or a pager linking the article's other pages); an AMP or print
  page whose canonical is another URL is a copy of that article.
- :func:`without_pager_lines` removes pager text ("Page 2 of 3", "Nächste
  Seite »", "1 2 3 Next") from a paged article's lines; :class:`ArticlePages`
  collects an article's pages and joins their texts in page order.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.net.urls import canonicalize
from crawler.text.normalize import join_paragraphs, normalize_line, words

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: Query parameters that number the pages of one article (``?page=2``).
PAGE_PARAMS = frozenset(
    {"page", "pg", "p", "paged", "pagenum", "page_num", "pageno", "pn", "pagina", "seite", "strona"}
)
#: Path words before a page number (``/page/2``, ``/seite-2``, ``/p2``).
_PAGE_WORDS = r"page|seite|pagina|página|strona|strana|sida|side|part|teil|pg|p"
_PATH_PAGE = re.compile(rf"/(?:{_PAGE_WORDS})[/_-]?(\d{{1,3}})/?$", re.IGNORECASE)
_SUFFIX_PAGE = re.compile(rf"[_-](?:{_PAGE_WORDS})[_-]?(\d{{1,3}})(\.[a-z]{{3,5}})?$", re.I)
#: A bare page number after the article's own segment (``/story-slug/2``).
_PATH_NUMBER = re.compile(r"/([^/]*[^\W\d_][^/]*)/(\d{1,2})/?$")
#: What every page number in a path ends with: digits, then perhaps an extension or "/".
_ENDS_IN_NUMBER = re.compile(r"\d(?:\.[a-z]{3,5})?/?$", re.IGNORECASE)
#: The highest page number believed (a larger number is an id, not a page).
MAX_PAGE_NUMBER = 999

#: URL marks of an AMP rendering: ``/amp``, ``/amp/``, ``.amp.html``, ``?amp``,
#: ``?amp=1``, ``?outputType=amp``, an ``amp.`` host.
_AMP_PATH = re.compile(r"(?:/amp/?$|/amp/|\.amp(?:\.html?)?$)", re.IGNORECASE)
_AMP_QUERY = re.compile(r"(?:^|&)(?:amp(?:=[^&]*)?|outputtype=amp|output=amp)(?:&|$)", re.I)
#: URL marks of a print rendering: ``/print``, ``/print/``, ``?print=1``, ``?view=print``.
_PRINT_PATH = re.compile(r"(?:/print/?$|/print/|[-_.]print\.html?$)", re.IGNORECASE)
_PRINT_QUERY = re.compile(
    r"(?:^|&)(?:print(?:=(?:1|true|yes|on))?|printable=[^&]*|(?:view|output|format|mode)=print)"
    r"(?:&|$)",
    re.IGNORECASE,
)

#: Words of pager lines in the languages news sites are written in: "page", "next",
#: "previous" and what joins them ("Page 2 of 3", "Seite 2 von 3", "Página 2 de 3").
#: A line made only of these, numbers and arrows, with one of :data:`PAGER_CORE`,
#: is pager text. (Generic pager vocabulary, not a list per site.)
PAGER_CORE = frozenset(
    {
        # page
        "page", "pages", "seite", "seiten", "página", "pagina", "páginas", "pagine", "strona",
        "strana", "stránka", "sida", "side", "sivu", "sayfa", "oldal", "страница", "стр",
        "сторінка", "σελίδα", "页", "ページ",
        # next
        "next", "nächste", "naechste", "weiter", "suivante", "suivant", "siguiente",
        "successiva", "successivo", "volgende", "próxima", "proxima", "seguinte", "następna",
        "nästa", "næste", "neste", "seuraava", "sonraki", "další", "következő", "следующая",
        "далее", "наступна", "avanti",
        # previous
        "previous", "prev", "vorherige", "vorige", "zurück", "précédente", "précédent",
        "anterior", "precedente", "poprzednia", "föregående", "forrige", "edellinen", "önceki",
        "předchozí", "előző", "предыдущая", "назад", "попередня", "indietro",
    }
)  # fmt: skip
#: Words that join pager words ("of", "von", "de", "sur", "van", "di", "z", "из" ...).
PAGER_GLUE = frozenset(
    {
        "of", "to", "on", "go", "the", "continue", "continued", "read", "reading", "view",
        "all", "first", "last", "von", "zur", "auf", "der", "die", "de", "la", "el", "sur",
        "à", "a", "van", "di", "da", "z", "av", "af", "ze", "из", "з", "na", "su",
    }
)  # fmt: skip
#: Characters of pager lines that are neither words nor numbers.
_PAGER_MARKS = re.compile(r"[\s«»‹›<>←→|/·•…\-–—:.,()\[\]]+")  # noqa: RUF001
#: Longest pager line, in words.
PAGER_MAX_WORDS = 16


class PageURL(NamedTuple):
    """A URL split into its article's page-1 URL and its page number."""

    first_url: str
    number: int
    #: True for a page parameter or page word; False for a bare number (``/slug/2``),
    #: which needs the page itself to say it is a continuation.
    explicit: bool


def split_page(url: str) -> PageURL | None:
    """The page-1 URL and page number of ``url``, or None when it has no page number."""
    parts = urlsplit(url)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        for i, (key, value) in enumerate(pairs):
            if key.lower() in PAGE_PARAMS and value.isdigit():
                number = int(value)
                if not 1 <= number <= MAX_PAGE_NUMBER or parts.path in ("", "/"):
                    return None
                rest = urlencode(pairs[:i] + pairs[i + 1 :])
                return PageURL(urlunsplit((*parts[:3], rest, "")), number, True)
    path = parts.path
    if not _ENDS_IN_NUMBER.search(path):
        return None  # nearly every URL: no page number at the end of its path
    slash = "/" if path.endswith("/") else ""  # page 1 spelled as the site spells its pages
    match = _PATH_PAGE.search(path)
    if match is not None:
        base, explicit = path[: match.start()] + slash, True
    elif (match := _SUFFIX_PAGE.search(path)) is not None:
        base, explicit = path[: match.start()] + (match.group(2) or ""), True
    elif (match := _PATH_NUMBER.search(path)) is not None:
        base, explicit = path[: match.start(2) - 1] + slash, False
    else:
        return None
    number = int(match.group(1 if explicit else 2))
    if not base.strip("/") or not 1 <= number <= MAX_PAGE_NUMBER:
        return None
    return PageURL(urlunsplit((*parts[:2], base, parts.query, "")), number, explicit)


def url_key(url: str) -> str:
    """The form two URLs of one page share: canonical, no trailing slash, no fragment."""
    key = canonicalize(url)
    parts = urlsplit(key)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def loose_key(url: str) -> str:
    """A cheap form two spellings of one URL share (host case, trailing slash, fragment):
    for matching a page's ``rel=amphtml`` with the AMP page's own URL."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    # netloc lower-cased only, port and "www." kept (not crawler.net.urls.bare_host):
    # an AMP page names its page's URL as that page gives it
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}{query}"


def first_page_url(url: str) -> str | None:
    """Page 1's URL when ``url`` is page 2 or later of an article (by its URL alone)."""
    split = split_page(url)
    return split.first_url if split is not None and split.number >= 2 else None


def is_amp_url(url: str) -> bool:
    if "amp" not in url.lower():
        return False
    parts = urlsplit(url)
    return bool(
        _AMP_PATH.search(parts.path)
        or (parts.query and _AMP_QUERY.search(parts.query))
        or (parts.hostname or "").startswith("amp.")
    )


def is_print_url(url: str) -> bool:
    if "print" not in url.lower():
        return False
    parts = urlsplit(url)
    return bool(
        _PRINT_PATH.search(parts.path) or (parts.query and _PRINT_QUERY.search(parts.query))
    )


#: An ``<html>`` start tag with the ``amp`` or ``⚡`` attribute (in text or UTF-8 bytes
#: read as Latin-1).
_AMP_HTML_TAG = re.compile(r"<html\b[^>]*?\s(?:amp|\u26a1|\xe2\x9a\xa1)(?=[\s=/>])", re.IGNORECASE)


def is_amp_source(source: str | bytes) -> bool:
    """True when a page's raw source (text, or bytes) starts an AMP document: the
    scan form of the ``<html amp>`` test :func:`read_page` makes on the tree."""
    start = source[:4096]
    text = start.decode("latin-1") if isinstance(start, bytes) else start
    return _AMP_HTML_TAG.search(text) is not None


@dataclass
class PageSignals:
    """What a page's markup says about its place in an article (:func:`read_page`)."""

    url: str
    #: This page's number (1 when its URL has none).
    number: int = 1
    #: The URL of the article's page 1 (this page's URL without its page number).
    first_url: str = ""
    explicit: bool = True
    #: Other pages of the same article the page links to: number -> URL.
    pages: dict[int, str] = field(default_factory=dict)
    #: The page links to page 1 or an earlier page (a pager, "previous page").
    links_back: bool = False
    rel_prev: bool = False
    amp: bool = False
    printed: bool = False
    #: The page's ``rel=amphtml`` URL.
    amphtml: str | None = None
    #: Texts of the links to the article's other pages (removed from the body).
    link_texts: set[str] = field(default_factory=set)


def _is_amp_document(tree: HtmlElement) -> bool:
    root = tree.getroottree().getroot()
    return any(name in ("amp", "\u26a1") for name in root.attrib)


#: What follows an article's slug in the URL of another of its pages: a page word
#: and number (``/page/2``, ``-seite-2``), a bare number (``/2"``) or a page parameter.
_PAGE_AFTER_SLUG = re.compile(
    rf"(?:[/_-]?(?:{_PAGE_WORDS})[/_-]?\d|/\d{{1,2}}/?[\"'?#]"
    rf"|[^\"'<>\s]{{0,80}}?[?&;](?:{'|'.join(sorted(PAGE_PARAMS))})=\d)",
    re.IGNORECASE,
)


def _may_be_page(href: str | None, slug: str) -> bool:
    """An ``<a href>`` worth resolving: a query (``?page=2``), or one holding the slug."""
    if not href:
        return False
    return href[0] == "?" or (bool(slug) and slug in href)


def _may_link_pages(html: str, slug: str) -> bool:
    """True when the page's source may link another page of its article: a string scan
    of the slug's few occurrences (canonical, share links), each looked past.

    About 0.07 ms on a real page, half a Python pass over its hundreds of links. A
    query-only href (``"?page=2"``) anywhere on the page also sends it to the walk."""
    if 'href="?' in html or "href='?" in html:
        return True  # a query-only link, "?page=2"
    at = html.find(slug) if slug else -1
    while at != -1:
        if _PAGE_AFTER_SLUG.match(html, at + len(slug)) is not None:
            return True
        at = html.find(slug, at + len(slug))
    return False


def read_page(tree: HtmlElement, url: str, html: str | None = None) -> PageSignals | None:
    """Pager links, ``rel=prev``/``amphtml`` and AMP/print marks of a page; None when it
    has none of them and its URL has no page number (read before extraction prunes it).

    ``html``, the source ``tree`` was parsed from, lets a page without a link to
    another page of its article skip the walk over its links."""
    own = split_page(url)
    signals = PageSignals(
        url, number=own.number if own else 1, first_url=own.first_url if own else url
    )
    signals.explicit = own.explicit if own else True
    slug = urlsplit(signals.first_url).path.rstrip("/").rsplit("/", 1)[-1]
    head = tree.find("head")
    candidates: list[Any] = []
    for link in head.iterchildren("link") if head is not None else ():
        rel = (link.get("rel") or "").lower().split()
        if "amphtml" in rel and link.get("href"):
            signals.amphtml = signals.amphtml or urljoin(url, link.get("href").strip())
        elif "next" in rel or "prev" in rel or "previous" in rel:
            candidates.append(link)
    if candidates or own is not None or html is None or _may_link_pages(html, slug):
        candidates += [a for a in tree.iter("a") if _may_be_page(a.get("href"), slug)]
    first_key = url_key(signals.first_url) if candidates else ""
    for element in candidates:
        href = element.get("href") or ""
        rel = element.get("rel")
        rels = rel.lower().split() if rel else ()
        target = urljoin(url, href.strip())
        split = split_page(target)
        if split is None:
            if signals.number < 2 or url_key(target) != first_key:
                continue
            split = PageURL(target, 1, True)  # a link to page 1 itself
        elif split.number == signals.number or url_key(split.first_url) != first_key:
            continue
        prev = "prev" in rels or "previous" in rels
        signals.rel_prev |= prev
        signals.links_back |= prev or split.number < signals.number
        if split.number >= 2 and split.number not in signals.pages:
            signals.pages[split.number] = target
        _note_text(signals, element)
    signals.amp = _is_amp_document(tree) or is_amp_url(url)
    signals.printed = is_print_url(url)
    if (
        signals.number < 2
        and not signals.pages
        and not signals.amp
        and not signals.printed
        and signals.amphtml is None
    ):
        return None
    return signals


def _note_text(signals: PageSignals, element: Any) -> None:
    if element.tag == "a":
        text = " ".join(element.text_content().split())
        if text and len(text) <= 120:
            signals.link_texts.add(normalize_line(text))


@dataclass(frozen=True)
class Paging:
    """A page's place in its article, for ``crawl_meta`` (see :meth:`meta`)."""

    number: int
    first_url: str
    #: The article's other pages this page links to, ``(number, url)`` in page order.
    next_pages: tuple[tuple[int, str], ...] = ()
    #: This page is page ``number`` (>= 2) of the article at ``first_url``.
    continuation: bool = False
    #: This page is an AMP or print copy of the article at this (canonical) URL.
    copy_of: str | None = None
    #: An AMP page that names no other canonical: its AMP twin may be tied to it later.
    amp: bool = False
    #: The page's AMP copy (``rel=amphtml``).
    amp_url: str | None = None
    pager_texts: frozenset[str] = frozenset()

    @property
    def paged(self) -> bool:
        """The page is one page of a multi-page article (its pager text is removed)."""
        return self.continuation or bool(self.next_pages)

    def meta(self, joinable: bool) -> dict[str, Any]:
        """The ``crawl_meta`` entries the multipage pipeline reads.

        ``joinable``: the page is an article by its markup, URL or listing (not by its
        text alone), so the pages it links to may be fetched and joined to it.
        """
        meta: dict[str, Any] = {}
        if self.continuation:
            meta["continuation_of"] = self.first_url
            meta["page_number"] = self.number
        if self.next_pages and (joinable or self.continuation):
            meta["next_pages"] = [list(p) for p in self.next_pages]
        if self.copy_of:
            meta["copy_of"] = self.copy_of
        elif self.amp:
            meta["amp_page"] = True
        if self.amp_url:
            meta["amp_key"] = loose_key(self.amp_url)
        return meta


def classify(signals: PageSignals, canonical_url: str | None) -> Paging:
    """The page's :class:`Paging`, given the canonical URL extraction settled on."""
    if signals.number < 2 and not (signals.amp or signals.printed):
        return Paging(  # page 1 of an article, or a page that names its AMP copy
            number=1,
            first_url=signals.url,
            next_pages=tuple(sorted(signals.pages.items())),
            amp_url=signals.amphtml,
            pager_texts=frozenset(t for t in signals.link_texts if len(words(t)) <= 8),
        )
    canonical_key = url_key(canonical_url or signals.url)
    continuation = False
    first_url = signals.first_url
    if signals.number >= 2:
        to_first = canonical_key == url_key(first_url)
        continuation = signals.rel_prev or to_first
        if signals.explicit:
            continuation = continuation or signals.links_back or bool(signals.pages)
        if to_first and canonical_url:
            first_url = canonical_url  # page 1 as the site spells it
    copy_of = None
    if (signals.amp or signals.printed) and canonical_key != url_key(signals.url):
        copy_of = canonical_url
    return Paging(
        number=signals.number if continuation else 1,
        first_url=first_url if continuation else signals.url,
        next_pages=(
            tuple(sorted(signals.pages.items())) if signals.number < 2 or continuation else ()
        ),
        continuation=continuation,
        copy_of=copy_of,
        amp=signals.amp and copy_of is None,
        amp_url=signals.amphtml if not signals.amp else None,
        pager_texts=frozenset(t for t in signals.link_texts if len(words(t)) <= 8),
    )


def is_pager_line(line: str, link_texts: Iterable[str] = ()) -> bool:
    """True for a line that is pager text: "Page 2 of 3", "« Previous | Next page »",
    "1 2 3 Next", "Seite 2 von 3", "Página siguiente", or the text of a pager link."""
    norm = normalize_line(line)
    if norm in link_texts:
        return True
    tokens = [t for t in _PAGER_MARKS.split(norm) if t]
    if not tokens or len(tokens) > PAGER_MAX_WORDS:
        return False
    numbers = sum(t.isdigit() for t in tokens)
    core = 0
    for token in tokens:
        if token in PAGER_CORE:
            core += 1
        elif not token.isdigit() and token not in PAGER_GLUE:
            return False
    return core > 0 or numbers >= 2


def without_pager_lines(lines: list[str], paging: Paging) -> list[str]:
    """``lines`` of a paged article's page without its pager text; others unchanged."""
    if not paging.paged:
        return lines
    return [line for line in lines if not is_pager_line(line, paging.pager_texts)]


# --- joining --------------------------------------------------------------------


@dataclass
class ArticlePages:
    """The pages of one multi-page article collected so far (page 1 is ``first``)."""

    key: str
    first_url: str
    max_pages: int = 20
    #: The page-1 record, once it arrived (opaque here).
    first: Any = None
    texts: dict[int, str] = field(default_factory=dict)
    #: Pages the article's pagers link to: number -> URL.
    known: dict[int, str] = field(default_factory=dict)
    #: Pages that will not come (failed, not an article page).
    failed: set[int] = field(default_factory=set)
    #: Pages past ``max_pages`` not fetched.
    over_limit: int = 0
    #: Pages of page 1's pager held back until its first page shows the pager is the
    #: article's (:meth:`probe`).
    deferred: list[tuple[int, str]] = field(default_factory=list)
    #: Pages of a pager whose first page added nothing: a comments or reviews pager.
    not_pages: set[int] = field(default_factory=set)

    def expect(self, links: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
        """Note the pages a pager links to; returns those new to this article."""
        new = []
        for number, url in links:
            number = int(number)
            if number < 2 or number in self.known:
                continue
            if number > self.max_pages:
                self.over_limit += 1
                continue
            self.known[number] = url
            if number not in self.texts:
                new.append((number, url))
        return new

    def probe(self, new: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Of the pages page 1's pager links to (``new``, in page order), those to fetch
        now: the first only, the others once it adds to the article (:meth:`settle`).

        A pager below an article may page something else: its comments or reviews,
        shown under the same article on every page. Its page 2 adds no paragraph, and
        fetching its other pages would add none either."""
        if self.first is None or self.texts or self.deferred or self.not_pages or len(new) < 2:
            return new
        self.deferred = new[1:]
        return new[:1]

    def settle(self, first_text: str, number: int) -> list[tuple[int, str]]:
        """After page ``number`` came (or failed): the held-back pages to fetch now; none
        when that page added no paragraph to page 1 (they are then no pages of it)."""
        deferred = [(n, url) for n, url in self.deferred if n not in self.texts]
        self.deferred = []
        text = self.texts.get(number)
        if not deferred or text is None:
            return deferred
        seen = {normalize_line(p) for p in first_text.split("\n\n")}
        norms = (normalize_line(p) for p in text.split("\n\n"))
        if any(norm and norm not in seen for norm in norms):
            return deferred
        self.not_pages.update(n for n, _url in deferred)
        self.not_pages.add(number)
        return []

    def add(self, number: int, text: str) -> bool:
        """Add page ``number``'s text (False: past the limit, or already here)."""
        if number > self.max_pages or number in self.texts:
            return False
        self.texts[number] = text
        self.failed.discard(number)
        return True

    def fail(self, number: int) -> None:
        if number not in self.texts:
            self.failed.add(number)

    def missing(self) -> list[tuple[int, str]]:
        """Linked pages neither here nor failed, in page order."""
        return [
            (n, url)
            for n, url in sorted(self.known.items())
            if n not in self.texts and n not in self.failed and n not in self.not_pages
        ]

    @property
    def complete(self) -> bool:
        return self.first is not None and not self.missing()

    def joined(self, first_text: str) -> tuple[str, int]:
        """(page 1's text followed by every other page's in page order, pages joined).

        A paragraph already in the text (a standfirst or an author box every page
        repeats) is not repeated; a page that adds nothing (a site that answers every
        page number with page 1) is not counted."""
        paragraphs = [first_text]
        seen = {normalize_line(p) for p in first_text.split("\n\n")}
        pages = 1
        for number in sorted(self.texts):
            added = len(paragraphs)
            for para in self.texts[number].split("\n\n"):
                norm = normalize_line(para)
                if norm and norm not in seen:
                    seen.add(norm)
                    paragraphs.append(para)
            pages += len(paragraphs) > added
        return join_paragraphs(paragraphs), pages


class RecentSet:
    """The last ``size`` keys added, for "seen in this run" checks with bounded memory."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def discard(self, key: str) -> None:
        self._keys.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
