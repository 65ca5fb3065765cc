"""The within-page clean-up: lines trafilatura let through that are not the article.

Pure text logic on the extracted body (its lines and how much of each is link
text) and the page's links; ``crawler/extract/record.py`` runs it. Each rule removes a
line on evidence (a link to another page of the site, a date stamp at an edge, the
headline repeated, a heading left alone at the end), never for being short; every
rule's removals are measured on the dev sets (``bench/extraction.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.xml import xmltotxt

from crawler.net.urls import bare_host, site_host
from crawler.text.normalize import normalize_line, normalize_text, word_len

_SENTENCE_END = re.compile(r"[.!?…。！？:;\"”’»)\]]\s*$")  # noqa: RUF001
#: A calendar date: day, month and year in digits (2024-05-03, 03.05.2024, 5/3/24).
_DATE_NUMERIC = re.compile(
    r"\b(?:(?:19|20)\d{2}[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:19|20)?\d{2}"
    r"|(?:0?[1-9]|1[0-2])[/.\-](?:0?[1-9]|[12]\d|3[01])[/.\-](?:19|20)?\d{2})\b"
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
#: A time of day, counted with a date only: alone it is as often a schedule or a score.
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
#: Month names (their first letters) of the languages the crawl meets most.
_MONTHS = (
    r"jan|feb|f[ée]v|mar|m[äa]r|apr|avr|abr|may|mai|maj|mag|mei|jun|juin|giu|jul|juil|lug"
    r"|aug|ao[uû]t|ago|sep|set|okt|oct|ott|nov|dec|dez|d[ée]c|dic|ene|gen|sty|lut|kwi|cze"
    r"|lip|sie|wrz|pa[źz]|lis|gru"
)
_DATE_MONTH = re.compile(
    rf"\b(?:{_MONTHS})\w*\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\w*",
    re.IGNORECASE,
)
#: A line that is a web address written out.
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+$|[\w-]+(?:\.[\w-]+)+/?$", re.IGNORECASE)
#: Elements that start a block, so that a link holding one is a card (a teaser of
#: another page: headline, summary, byline inside one ``<a>``).
_CARD_BLOCKS = frozenset(
    {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figure", "article", "section"}
)


@dataclass
class Anchors:
    """The page's links, by normalised text (for link-only lines and link density)."""

    #: normalised link text -> its first link (its target is read when a line needs it)
    targets: dict[str, Any] = field(default_factory=dict)
    #: normalised link text -> its other links, for texts used more than once
    more: dict[str, list[Any]] = field(default_factory=dict)
    #: normalised texts of card links (a link around blocks), each followed by "\x00"
    #: and the card's number in ``card_links``
    cards: str = ""
    card_links: list[Any] = field(default_factory=list)
    #: the length of the longest card text
    longest_card: int = 0
    #: the length of the longest link text
    longest: int = 0

    def hrefs(self, text: str) -> list[str]:
        """Every target of the links with this text."""
        links = [self.targets[text], *self.more.get(text, ())]
        return [a.get("href") or "" for a in links]


def anchor_texts(tree: HtmlElement) -> Anchors:
    """The page's links by normalised text (their targets are read when needed)."""
    targets: dict[str, Any] = {}
    more: dict[str, list[Any]] = {}
    cards: list[str] = []
    card_links: list[Any] = []
    for a in tree.iter("a"):
        text = normalize_line(a.text_content())
        if not text:
            continue
        if text in targets:
            more.setdefault(text, []).append(a)
        else:
            targets[text] = a
        if len(a) and any(child.tag in _CARD_BLOCKS for child in a):
            cards.append(f"{text}\x00{len(card_links)}")
            card_links.append(a)
    return Anchors(
        targets,
        more,
        "\n".join(cards),
        card_links,
        max(map(len, cards), default=0),
        max(map(len, targets), default=0),
    )


def _points_elsewhere_on_site(href: str, url: str, host: str) -> bool:
    """True when ``href`` (on page ``url`` of site ``host``) is another page of the same
    site: a related story, a section, a tag. A fragment of the page itself, a mail or
    phone link and a link to another site are not."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return False
    target = urljoin(url, href) if url else href
    parts = urlsplit(target)
    if parts.scheme not in {"http", "https"}:
        return False
    other = bare_host(parts.hostname or "")
    if not host or not (other == host or other.endswith(f".{host}") or host.endswith(f".{other}")):
        return False
    own = urlsplit(url)
    return (parts.path.rstrip("/"), parts.query) != (own.path.rstrip("/"), own.query)


def _shares_page(href: str, url: str) -> bool:
    """True when ``href`` carries the address of page ``url`` without leading to it: a
    share link ("Facebook", "Mail this", "Print").

    Not a host rule: the address is compared as written (host case kept, with path
    and query), so only a leading "www." is taken off it (crawler/net/urls.py)."""
    address = url.partition("://")[2].partition("#")[0].rstrip("/").removeprefix("www.")
    if len(address) < 12 or ("%" not in href and address not in href):
        return False
    if address not in unquote(unquote(href)):
        return False
    target = urljoin(url, href).partition("://")[2].partition("#")[0].rstrip("/")
    return target.removeprefix("www.") != address  # a link to the page itself is no share


@dataclass
class BodyLines:
    """The extracted body as text lines, with what is known of each line."""

    lines: list[str] = field(default_factory=list)
    #: 1.0 when the whole line is a link's text (link density, the ``link`` rule)
    shares: list[float] = field(default_factory=list)
    #: the line is a link (or inside a card link) to another page of this site, or a
    #: share bar's button
    teasers: list[bool] = field(default_factory=list)
    #: normalised texts of the body's headings
    headings: set[str] = field(default_factory=set)


def body_lines(body: etree._Element, anchors: Anchors, url: str = "") -> BodyLines:
    """Lines of the extracted body, with their link shares and teaser flags."""
    text = xmltotxt(body, False)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    host = site_host(url)
    shares, teasers = [], []
    for line in lines:
        link = _link_target(line, anchors)
        shares.append(0.0 if link is None else 1.0)
        if link is not None:
            # a teaser when every link with this text goes to another page of the site
            # or, under a short label, shares this page (a share bar's button; a
            # sentence behind a share link is a pull quote, "Click to tweet"), and the
            # text is no address written out ("www.example.org" is a reference)
            text, targets = link
            share = word_len(text) <= 4
            teasers.append(
                not _ADDRESS.match(text)
                and all(
                    _points_elsewhere_on_site(h, url, host) or (share and _shares_page(h, url))
                    for h in targets
                )
            )
        else:
            teasers.append(_in_card(line, anchors, url, host))
    headings = {normalize_line(" ".join(h.itertext())) for h in body.iter("head")}
    return BodyLines(lines, shares, teasers, headings)


def _link_target(line: str, anchors: Anchors) -> tuple[str, list[str]] | None:
    """(link text, targets) of the link whose text the line is, optionally behind a
    short label ("Read more: ..."); None when the line is not a link's text."""
    if len(line) > 2 * anchors.longest + 80:  # longer than any link text and label
        return None
    norm = normalize_line(line[2:] if line.startswith("- ") else line)  # a list item
    if norm in anchors.targets:
        return norm, anchors.hrefs(norm)
    for sep in (": ", " | "):
        label, found_sep, rest = norm.partition(sep)
        if found_sep and word_len(label) <= 5:
            rest = rest.strip(" |»›→[]")  # noqa: RUF001
            if rest in anchors.targets:
                return rest, anchors.hrefs(rest)
    return None


def _in_card(line: str, anchors: Anchors, url: str, host: str) -> bool:
    """True when the line lies inside a card link to another page of the site."""
    if not anchors.cards or len(line) > anchors.longest_card or word_len(line) < 4:
        return False
    norm = normalize_line(line)
    cards = anchors.cards
    start = cards.find(norm)
    while start >= 0:
        end = cards.find("\x00", start)
        if cards.find("\n", start, end) < 0:  # the line is inside one card's text
            stop = cards.find("\n", end)
            link = anchors.card_links[int(cards[end + 1 : stop if stop >= 0 else None])]
            return _points_elsewhere_on_site(link.get("href") or "", url, host)
        start = cards.find(norm, start + 1)
    return False


def _is_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def _is_date_stamp(line: str) -> bool:
    """A short line that is mostly a calendar date ("Last Updated: 07/27/2016")."""
    n = word_len(line)
    if n == 0 or n > 10:
        return False
    stamp = _DATE_NUMERIC.sub(" ", line)
    if stamp == line:  # a month name: with a year or a time ("Mars 3 rover" is none)
        stamp = _DATE_MONTH.sub(" ", line)
        if stamp == line or not (_YEAR.search(line) or _TIME.search(line)):
            return False
    return word_len(_YEAR.sub(" ", _TIME.sub(" ", stamp))) <= max(3, n // 2)


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
    teasers: list[bool] | None = None,
    headings: set[str] | None = None,
) -> list[str]:
    """Within-page clean-up of extracted lines: what is chrome by evidence, never by
    length or form alone.

    - ``title``: the headline, once, repeated back to back (a share bar) or followed
      by the site's name ("Headline | Site");
    - ``link``: a line that is only the text of a link to another page of this site
      (related stories, "Read more: ...", section and tag chips), any line of a card
      link to one, or a share bar's button (its link carries this page's address); a
      link elsewhere (a source, a shop, a credit), to a part of this page (a table of
      contents) or written out as an address is content. ``teasers`` says which lines
      are such links; without it, every link-only line (``link_shares`` 1.0) counts;
    - ``date``: a line that is mostly a calendar date, at the body's start or end
      (a publication or update stamp; a date inside the body is content);
    - ``lead``: a standfirst that the next paragraph repeats at its start;
    - ``edges``: a heading left at the very end of the body, introducing nothing.

    When ``removed`` is a list, each line taken out is appended to it with its rule.
    """
    if teasers is None:
        teasers = [share >= 0.8 for share in link_shares]
    heads = {normalize_text(h) for h in headlines if h and word_len(h) >= 2}
    heads |= {f"{h} {h}" for h in heads}
    keep: list[str] = []
    seen: set[str] = set()
    for line, share, teaser in zip(lines, link_shares, teasers, strict=True):
        norm = normalize_line(line)
        n = word_len(line)
        # the headline, once or repeated back to back by a share bar, or as the page's
        # <title> gives it ("Headline | Site")
        if "title" in RULES and (norm in heads or _headline_with_suffix(norm, heads)):
            _note(removed, "title", line)
            continue
        # a link to another page of the site: related stories, "more from", tag chips;
        # any line of a card (a whole teaser inside one link)
        if "link" in RULES and teaser and (n <= 20 or share < 0.8):
            _note(removed, "link", line)
            continue
        # exact repeats of a paragraph (standfirst repeated as lead, pull quotes)
        if "dup" in RULES and n >= 4 and norm in seen:
            _note(removed, "dup", line)
            continue
        seen.add(norm)
        keep.append(line)
    if "lead" in RULES:
        keep = _drop_repeated_lead(keep, description, removed)
    return _trim_edges(keep, removed, headings or set())


#: What separates a headline from the site name in a page title.
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")  # noqa: RUF001


def _headline_with_suffix(norm: str, heads: set[str]) -> bool:
    """True when ``norm`` is a headline followed by a separator and a short name."""
    if not any(norm.startswith(h) for h in heads):
        return False
    for sep in _TITLE_SEPARATORS:
        head, found, suffix = norm.rpartition(sep)
        if found and head in heads and 0 < word_len(suffix) <= 4:
            return True
    return False


def _drop_repeated_lead(
    paras: list[str], description: str | None, removed: list[dict[str, str]] | None = None
) -> list[str]:
    """A standfirst that a following paragraph repeats at its start (possibly after a
    dateline) appears once."""
    if len(paras) < 2:
        return paras
    head = paras[:4]
    drop: set[int] = set()
    for i, p in enumerate(head):
        pn = normalize_text(p)
        if word_len(pn) < 8:
            continue
        for j, q in enumerate(head):
            if i == j or j in drop or len(q) <= len(p):
                continue
            qn = normalize_text(q)
            at = qn.find(pn)
            # the repeat opens the longer paragraph, behind at most a dateline
            if at >= 0 and word_len(qn[:at]) <= 8:
                drop.add(i)
                break
    for k in sorted(drop):
        _note(removed, "lead", paras[k])
    return [p for k, p in enumerate(paras) if k not in drop]


def _trim_edges(
    paras: list[str], removed: list[dict[str, str]] | None = None, headings: set[str] | None = None
) -> list[str]:
    """Drop date stamps at the start and end of the body, and headings left at its end."""
    heads = headings or set()
    dates = "date" in RULES
    edges = "edges" in RULES

    def trailing(p: str) -> str | None:
        if dates and _is_date_stamp(p):
            return "date"
        if edges and normalize_line(p) in heads and not _is_sentence(p):
            return "edges"
        return None

    start, end = 0, len(paras)
    notes: list[tuple[str, str]] = []
    while start < end and dates and _is_date_stamp(paras[start]):
        notes.append(("date", paras[start]))
        start += 1
    while end > start and (rule := trailing(paras[end - 1])) is not None:
        notes.append((rule, paras[end - 1]))
        end -= 1
    for rule, p in notes:
        _note(removed, rule, p)
    return paras[start:end]
