"""The article's headline, reconciled from the page's title candidates.

A news page states its headline up to five times: the ``<h1>`` readers see,
the JSON-LD ``headline``, ``og:title``, ``twitter:title`` and ``<title>``.
Each may carry decoration (" | Site Name", "-Section|Site"), be cut short
(a broken attribute) or be an alternative wording (a social or SEO variant).
:func:`headline` cleans each candidate of the site's name (its names:
``crawler/extract/metadata/site.py``), lets candidates
that decorate or truncate another stand for it, and takes the wording most
candidates agree on; a tie goes to the publisher's declared metadata
(``og:title``, then JSON-LD) over the rendered ``<h1>`` and ``<title>``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from html import unescape
from typing import Any

from lxml.html import HtmlElement

from crawler.extract.detect import is_article_object
from crawler.extract.metadata.site import SiteNames
from crawler.extract.page_reads import tagged
from crawler.text.normalize import word_len

#: a separator between a headline and its decoration, with spaces around it
_TITLE_SEPARATORS = re.compile(r"(\s+(?:[|\-–—:·•»«/]|::)\s+)")  # noqa: RUF001
#: separators that join labels rather than phrases ("Headline | Section | Site")
_LABEL_SEPARATORS = re.compile("\\s+[|·•»/\uff5c]\\s+")
#: characters that start decoration glued to a headline ("-Section|Site"), fullwidth
#: colon and bar and the Hangul letter used as a bar among them
_GLUED_SEPARATOR = "[|\\-–—:·•»«/\uff1a\uff5c\u3163]"  # noqa: RUF001
_DECORATION = re.compile(rf"\s*{_GLUED_SEPARATOR}")
#: decoration glued on before a site name at a title's end: a separator, at most one
#: short label and another separator ("-Section|" of "Headline-Section|Site")
_GLUED_DECORATION = re.compile(
    rf"\s*{_GLUED_SEPARATOR}(?:[^\s|\uff1a\uff5c\u3163]{{1,12}}{_GLUED_SEPARATOR})?\s*\Z"
)
#: how a headline cut short continues: a word or an opening quote
_CONTINUATION = re.compile(r"""\s*["“„«'‘\w]""")  # noqa: RUF001
#: wording preference among agreeing candidates, and tie order
SOURCES = ("og", "ld", "twitter", "h1", "title")


def _strip_glued_site(title: str, site: SiteNames) -> str:
    """ "Headline-Section|Site": a site name glued on by a separator
    character without spaces (common in CJK titles), with at most one short label."""
    text = title.rstrip()
    for name in site.texts:
        if len(name) < 2 or len(name) > len(text):
            continue
        # the name ends the title (case aside), the glued decoration ends what is before
        # it: the expensive pattern is compiled once, not once per site name
        before, tail = text[: len(text) - len(name)], text[len(text) - len(name) :]
        if not (
            tail.lower() == name  # an ASCII name and tail: what the pattern matches
            if name.isascii() and tail.isascii()
            else _name_pattern(name).fullmatch(tail)
        ):
            continue
        glued = _GLUED_DECORATION.search(before)
        if glued and glued.start() >= 10:
            return title[: glued.start()]
    return title


@functools.lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(name), re.IGNORECASE)


def strip_site_name(title: str, site: SiteNames, labels: bool = False) -> str:
    """``title`` without the site's name at either end; with ``labels``, also without
    short labels between pipes ("Headline | Section | Site" -> "Headline")."""
    title = " ".join(unescape(title).split())
    prefix = re.match(r"^(.{2,40}?):\s+(.+)$", title)  # "Site Name: Headline"
    if prefix and site.is_site_name(prefix.group(1)):
        title = prefix.group(2)
    pieces = _TITLE_SEPARATORS.split(title)  # text, separator, text, ...
    while len(pieces) > 1 and site.is_site_name(pieces[-1]):
        pieces = pieces[:-2]
    while len(pieces) > 1 and site.is_site_name(pieces[0]):
        pieces = pieces[2:]
    title = _strip_glued_site("".join(pieces), site)
    if labels:
        parts = _LABEL_SEPARATORS.split(title)
        longest = max(parts, key=len)
        if len(parts) > 1 and all(word_len(p) <= 3 for p in parts if p is not longest):
            title = longest
    return title.strip()


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _decorates(longer: str, shorter: str) -> bool:
    """``longer`` is ``shorter`` followed by a separator and more (a section, a site)."""
    return (
        len(longer) > len(shorter)
        and longer.startswith(shorter)
        and bool(_DECORATION.match(longer, len(shorter)))
    )


def _truncates(shorter: str, longer: str) -> bool:
    """``shorter`` is ``longer`` cut off mid-phrase (a broken or length-capped attribute)."""
    stem = shorter.rstrip(" .…")
    return (
        len(stem) >= 20
        and len(longer) > len(stem)
        and longer.startswith(stem)
        and bool(_CONTINUATION.match(longer, len(stem)))
    )


def headline(candidates: Mapping[str, str | None], site_name: str | None, url: str) -> str | None:
    """The headline most of the page's candidates agree on (see the module docstring).

    ``candidates``: source name (``SOURCES``) -> raw text, any of them missing."""
    site = SiteNames.from_page(site_name, url)
    cleaned: dict[str, str] = {}
    for source in SOURCES:
        raw = candidates.get(source)
        if raw and raw.strip():
            text = strip_site_name(raw, site, labels=source == "title")
            if _key(text):
                cleaned[source] = text
    for source, text in list(cleaned.items()):
        for other, other_text in list(cleaned.items()):
            if other != source and _decorates(text, other_text):
                cleaned[source] = text = other_text
    for source, text in list(cleaned.items()):
        for other, other_text in list(cleaned.items()):
            if other != source and _truncates(text, other_text):
                cleaned[source] = text = other_text
    if not cleaned:
        return None
    votes: dict[str, list[str]] = {}
    for source, text in cleaned.items():
        votes.setdefault(_key(text), []).append(source)
    best = max(votes.values(), key=lambda sources: (len(sources), -SOURCES.index(sources[0])))
    return cleaned[best[0]]


def clean_title(raw: str | None, h1: str | None, site_name: str | None, url: str) -> str | None:
    """The headline from a page title and its ``<h1>`` (:func:`headline` of the two)."""
    return headline({"title": raw, "h1": h1}, site_name, url)


def json_ld_headline(objects: list[dict[str, Any]]) -> str | None:
    """The ``headline`` of the page's article object (else of any object that has one)."""
    found = None
    for obj in objects:
        value = obj.get("headline")
        if not isinstance(value, str) or not value.strip():
            continue
        if is_article_object(obj):
            return value
        found = found or value
    return found


def page_h1s(tree: HtmlElement) -> list[str]:
    """Texts of the page's ``<h1>`` elements, those inside ``<article>`` first."""
    h1s = tagged(tree)["h1"]
    inside = [h for h in h1s if next(h.iterancestors("article"), None) is not None]
    heads = inside + [h for h in h1s if h not in inside]
    texts = [" ".join("".join(h.itertext()).split()) for h in heads]
    return [t for t in texts if t]


def pick_h1(h1s: list[str], others: list[str | None]) -> str | None:
    """The ``<h1>`` that states the headline: one that another candidate agrees with
    (a logo or a section name is often an ``<h1>`` too), else the first."""
    keys = [_key(unescape(o)) for o in others if o]
    for text in h1s:
        key = _key(text)
        if key and any(key in other for other in keys):
            return text
    return h1s[0] if h1s else None
