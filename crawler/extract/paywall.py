"""Paywalled teasers: what the page declares, and the wall that ends its body.

Two kinds of evidence, both structural (no phrase lists):

- schema.org: ``isAccessibleForFree`` of the article object or of one of its
  ``hasPart`` parts. ``false`` means the page holds only what a non-subscriber
  may read; ``true`` means it is free. Publishers declare it for search engines
  (Google's "subscription and paywalled content" markup), so it is the most
  reliable signal. A part's ``cssSelector`` names the *gated content*, which is
  article text, never wall.
- the wall: a block whose class or id names a paywall, registration wall,
  meter or subscription gate (markup vocabulary shared by paywall vendors and
  CMSs), holding a link, button or form, and short: a prompt, not prose. Its
  lines are never part of ``text``; when it follows the article's last line the
  page is a teaser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.page_reads import class_id_lines, class_id_values
from crawler.text.normalize import normalize_line, word_len

#: class/id vocabulary of walls and gates (tokens delimited by space, - or _)
_WALL_NAME = re.compile(
    r"(?:^|[\s_-])(?:"
    r"pay-?wall\w*|paid-?(?:content-?)?wall|reg(?:istration)?-?wall|paygate|piano"
    r"|meter(?:ed)?(?:-?(?:wall|prompt|bar|banner|box))?"
    r"|tp-(?:modal|container|iframe-wrapper)"
    r"|subscri(?:be|ber|ption)s?-?(?:wall|gate|only|prompt|required|barrier)"
    r"|premium-?(?:wall|gate|barrier|lock|teaser|prompt)"
    r"|(?:content|article)-?(?:gate|lock(?:ed)?|wall)"
    r"|plus-?(?:wall|teaser|gate)"
    r")(?:$|[\s_-])",
    re.IGNORECASE,
)
#: substrings of every wall name above: a page whose class and id values hold none
#: of them (most pages) skips the regex
WALL_STEMS = (
    "wall",
    "meter",
    "piano",
    "gate",
    "content-lock",
    "contentlock",
    "article-lock",
    "articlelock",
    "premium-lock",
    "premiumlock",
    "tp-modal",
    "tp-container",
    "tp-iframe",
    # subscri(be|ber|ption)s?-?(only|required), every spelling the name pattern takes
    *(
        f"subscri{stem}{plural}{dash}{what}"
        for stem in ("be", "ber", "ption")
        for plural in ("", "s")
        for dash in ("", "-")
        for what in ("only", "required")
    ),
    "prompt",
    "barrier",
    "premium-teaser",
    "premiumteaser",
    "plus-teaser",
    "plusteaser",
)
_CANDIDATES = etree.XPath("//body//*[@class or @id]")


#: a wall prompt is short; a block with more words is article text under a gate
WALL_MAX_WORDS = 150
_ACTIONS = ".//a | .//button | .//form"
#: a newsletter sign-up asks for an e-mail address; a wall does not
_EMAIL_FIELD = ".//input[@type='email']"
#: the article's container, from inside it
_CONTAINERS = "ancestor::article | ancestor::main | ancestor::*[@itemprop='articleBody']"
#: the article's container, right before the wall
_CONTAINER_BEFORE = "preceding-sibling::article | preceding-sibling::*[@itemprop='articleBody']"
#: words of article text after a wall past which the wall does not end the body (a
#: metered "2 free articles left" banner above the full article)
TEXT_AFTER_WALL = 40
_FALSE = {"false", "0", "no"}
_TRUE = {"true", "1", "yes"}


@dataclass(frozen=True)
class Paywall:
    """What a page says about its paywall."""

    #: schema.org isAccessibleForFree: False (paywalled), True (free) or None
    free: bool | None = None
    #: normalised texts of the wall blocks, in document order
    walls: tuple[str, ...] = ()
    #: normalised lines of the wall blocks (paragraph-level pieces)
    wall_lines: frozenset[str] = field(default_factory=frozenset)
    #: a wall ends the article's container (<article>, <main>, itemprop=articleBody):
    #: no more than a few words of it follow the wall, or the wall comes right after
    #: it; it ends the body even when the extractor left it out
    in_article: bool = False


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _FALSE:
            return False
        if text in _TRUE:
            return True
    return None


def declared_free(objects: Iterable[dict[str, Any]]) -> bool | None:
    """``isAccessibleForFree`` of the page's article (or any part of it): False when
    any says false, True when one says true and none false, None when none says."""
    found: bool | None = None
    for obj in objects:
        values = [obj.get("isAccessibleForFree")]
        parts = obj.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict):
                values.append(part.get("isAccessibleForFree"))
        for value in values:
            flag = _flag(value)
            if flag is False:
                return False
            if flag is True:
                found = True
    return found


def _gated_selectors(objects: Iterable[dict[str, Any]]) -> set[str]:
    """Class names (``.x``) and ids (``#x``) that ``hasPart.cssSelector`` names as gated
    content."""
    names: set[str] = set()
    for obj in objects:
        parts = obj.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and isinstance(part.get("cssSelector"), str):
                names.update(re.findall(r"[.#][\w-]+", part["cssSelector"]))
    return names


def _has_wall_name(names: str) -> bool:
    """``names`` (lower-cased class and id values) hold a wall's name: the cheap stem
    test first, the pattern only when a stem is there."""
    return any(stem in names for stem in WALL_STEMS) and bool(_WALL_NAME.search(names))


def read_paywall(tree: HtmlElement, objects: list[dict[str, Any]]) -> Paywall:
    """The page's paywall evidence (``objects``: its JSON-LD)."""
    free = declared_free(objects)
    if not _has_wall_name(class_id_lines(tree).lower()):
        return Paywall(free)
    # the distinct class and id values naming a wall (a name lies inside one value:
    # its delimiters are spaces, dashes or underscores), each tested once
    wall_names = {v for v in class_id_values(tree) if _WALL_NAME.search(v)}
    if not wall_names:
        return Paywall(free)
    gated = _gated_selectors(objects)
    walls: list[str] = []
    lines: set[str] = set()
    seen: set[Any] = set()
    in_article = False
    for elem in _CANDIDATES(tree):
        if elem.get("class") not in wall_names and elem.get("id") not in wall_names:
            continue
        if any(a in seen for a in elem.iterancestors()):
            continue
        own = {f".{c}" for c in elem.get("class", "").split()} | {f"#{elem.get('id', '')}"}
        if own & gated:
            continue  # the gated article text, not the wall
        text = normalize_line(" ".join(elem.itertext()))
        if not text or word_len(text) > WALL_MAX_WORDS or not elem.xpath(_ACTIONS):
            continue
        if elem.xpath(_EMAIL_FIELD):
            continue  # a newsletter sign-up
        seen.add(elem)
        walls.append(text)
        in_article = in_article or _ends_article(elem)
        for piece in elem.xpath(".//text()"):
            line = normalize_line(str(piece))
            if line:
                lines.add(line)
    return Paywall(free, tuple(walls), frozenset(lines), in_article)


def _ends_article(wall: Any) -> bool:
    """``wall`` comes after the article's text: right after its container, or inside it
    with at most ``TEXT_AFTER_WALL`` words of paragraphs after it."""
    if wall.xpath(_CONTAINER_BEFORE):
        return True
    containers = wall.xpath(_CONTAINERS)
    if not containers:
        return False
    container = containers[-1]  # the nearest
    words = 0
    for para in wall.itersiblings():
        words += sum(word_len(t) for t in para.xpath(".//p//text() | self::p//text()"))
        if words > TEXT_AFTER_WALL:
            return False
    for ancestor in wall.iterancestors():
        if ancestor is container:
            break
        for para in ancestor.itersiblings():
            words += sum(word_len(t) for t in para.xpath(".//p//text() | self::p//text()"))
            if words > TEXT_AFTER_WALL:
                return False
    return True


def strip_wall(lines: list[str], paywall: Paywall) -> tuple[list[str], bool]:
    """``lines`` without the wall's lines; and whether the wall ended the body (the
    last kept line is followed only by wall lines)."""
    if not paywall.walls:
        return lines, False
    whole = " \n ".join(paywall.walls)
    kept: list[str] = []
    ended = False
    for line in lines:
        norm = normalize_line(line)
        if norm in paywall.wall_lines or (len(norm) >= 12 and norm in whole):
            ended = True
            continue
        kept.append(line)
        ended = False
    return kept, ended


def is_paywalled(paywall: Paywall, wall_ended_body: bool) -> bool:
    """The page's declaration decides; without one, a wall ending the body (or placed
    in or after the article's container) does."""
    if paywall.free is not None:
        return not paywall.free
    return wall_ended_body or paywall.in_article
