"""The article's headline, reconciled from the page's title candidates."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.textnorm import normalize_text, word_len
from crawler.urls import site_of

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—:·•»«/]|::)\s+")  # noqa: RUF001


def _site_tokens(site_name: str | None, url: str) -> set[str]:
    """Normalised names a site goes by: og:site_name and its host's labels."""
    names = set()
    if site_name:
        names.add(normalize_text(site_name))
    host = site_of(url)
    labels = [lab for lab in host.split(".") if lab not in {"www", "m", "amp", "com", "co"}]
    for label in labels[:-1] or labels:
        names.add(label)
    return {n for n in names if n}


def _is_site_name(segment: str, names: set[str]) -> bool:
    seg = normalize_text(segment)
    compact = re.sub(r"[\W_]+", "", seg)
    for name in names:
        name_compact = re.sub(r"[\W_]+", "", name)
        if not name_compact:
            continue
        if seg == name or compact == name_compact:
            return True
        if len(name_compact) >= 3 and (name_compact in compact or compact in name_compact):
            return word_len(seg) <= 5
    return False


def clean_title(raw: str | None, h1: str | None, site_name: str | None, url: str) -> str | None:
    """The article's headline: the page title without its " | Site Name" part."""
    candidates = [c for c in (raw, h1) if c and c.strip()]
    if not candidates:
        return None
    title = " ".join(candidates[0].split())
    heading = " ".join((h1 or "").split())
    # the <h1> is the headline when the title merely decorates it
    if heading and word_len(heading) >= 2 and normalize_text(heading) in normalize_text(title):
        return heading
    names = _site_tokens(site_name, url)
    # "Site Name: Headline"
    prefix = re.match(r"^(.{2,40}?):\s+(.+)$", title)
    if prefix and _is_site_name(prefix.group(1), names):
        title = prefix.group(2)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        while len(parts) > 1 and _is_site_name(parts[-1], names):
            parts.pop()
        while len(parts) > 1 and _is_site_name(parts[0], names):
            parts.pop(0)
        title = " - ".join(parts) if len(parts) > 1 else parts[0]
        # "Headline | Section | Site": keep the longest part when the rest is short labels
        parts = _TITLE_SEPARATORS.split(title)
        if len(parts) > 1:
            longest = max(parts, key=len)
            if all(word_len(p) <= 3 for p in parts if p is not longest):
                title = longest
    return title.strip() or None


def first_h1(tree: HtmlElement) -> str | None:
    heads = tree.xpath("//h1")
    texts = [" ".join("".join(h.itertext()).split()) for h in heads]
    texts = [t for t in texts if t]
    return texts[0] if len(texts) >= 1 else None
