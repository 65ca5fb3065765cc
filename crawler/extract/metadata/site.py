"""The names a site goes by: one notion for the headline and the bylines.

A site is named by what it declares (``og:site_name``, a JSON-LD publisher ...), each
name with its parts around a dash or colon and without a bracketed aside, and by its
host (:func:`host_names`). :class:`SiteNames` holds them and answers the two questions
asked of them:

- :meth:`SiteNames.is_site_name`: is this part of a title the site's name (title
  decoration, ``crawler/extract/metadata/title.py``)?
- :meth:`SiteNames.owns`: is this byline name the publisher, the site, its initials
  or a desk of it (``crawler/extract/metadata/names.py``)?

The title code gives it the names the site gives itself: its declared site name and
the page's host (:meth:`SiteNames.from_page`). The author code also gives it the
JSON-LD publishers and organisations and every site-name ``<meta>`` tag
(``crawler/extract/metadata/authors.py``: ``site_names``); a title does not strip
those, as a publisher is often what a headline is about ("comwrap auf der DMEXCO
2018" on comwrap's blog).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.metadata.names import DASHES, NOT_WORD, PARENS, clean_text, fold
from crawler.net.urls import site_of
from crawler.text.normalize import normalize_text, word_len

#: Host labels that name no site.
_GENERIC_LABELS = frozenset({"www", "m", "amp", "com", "co"})
#: A leading host label of a site's copy for some readers ("www2.", "m.", "edition.").
_READER_PREFIX = re.compile(r"^(?:www\d?|m|amp|mobile|edition)\.")
#: Separators between the parts of one name ("Site - Section", "Site: Region").
_NAME_PARTS = re.compile(rf"\s+[-|:{DASHES}]\s+")


def host_names(host: str) -> list[str]:
    """The names a host gives its site: the host without a leading ``www``, ``m``,
    ``amp``, ``mobile`` or ``edition`` label, that host's first label ("t-online.de",
    "t-online"), and the host's labels that are neither generic (``www``, ``m``,
    ``amp``, ``com``, ``co``) nor the last ("news.bbc.co.uk": "news", "bbc")."""
    host = host.casefold()
    found = []
    bare = _READER_PREFIX.sub("", host)
    if bare:
        found += [bare, bare.split(".")[0]]
    labels = [label for label in host.split(".") if label not in _GENERIC_LABELS]
    found += labels[:-1] or labels
    return [name for name in dict.fromkeys(found) if name]


@dataclass
class SiteNames:
    """The names a site goes by (see the module docstring)."""

    #: normalised names (``normalize_text``) -> the same without non-word characters
    texts: dict[str, str] = field(default_factory=dict)
    #: folded names (``fold``), for bylines
    keys: set[str] = field(default_factory=set)
    #: casefolded words of each name, for a desk named after the site ("MDR THÜRINGEN")
    runs: list[tuple[str, ...]] = field(default_factory=list)
    #: the initials of names of two words or more
    initials: set[str] = field(default_factory=set)

    @classmethod
    def from_page(cls, site_name: str | None, url: str) -> SiteNames:
        """The names a site gives itself on a page: its declared ``site_name`` and the
        host of the page's ``url``."""
        site = cls()
        site.add(site_name)
        site.add_host(url)
        return site

    def _add_text(self, name: str) -> None:
        text = normalize_text(name)
        if text and text not in self.texts:
            self.texts[text] = NOT_WORD.sub("", text)

    def add(self, name: Any) -> None:
        """Add a declared name (and its parts around a dash or colon)."""
        if not isinstance(name, str):
            return
        self._add_text(name)  # as given too: a title may end in it ("... |Site.")
        name = clean_text(name)
        if not name:
            return
        parts = _NAME_PARTS.split(name)
        for variant in dict.fromkeys([name, PARENS.sub(" ", name).strip(), *parts]):
            self._add_text(variant)
            key = fold(variant)
            if not key or key in self.keys:
                continue
            self.keys.add(key)
            tokens = tuple(t.casefold() for t in variant.split())
            if tokens:
                self.runs.append(tokens)
            words = [t for t in re.split(r"[\s-]+", variant) if t[:1].isalpha()]
            if len(words) >= 2:
                self.initials.add("".join(w[0] for w in words).casefold())
                if words[0].casefold() == "the" and len(words) >= 3:
                    self.initials.add("".join(w[0] for w in words[1:]).casefold())

    def add_host(self, url: Any) -> None:
        """Add the names of the host of ``url`` (:func:`host_names`)."""
        if not isinstance(url, str) or "//" not in url:
            return
        for name in host_names(site_of(url.strip())):
            self._add_text(name)
            self.keys.add(fold(name))

    def is_site_name(self, text: str) -> bool:
        """``text`` (a part of a title) is one of the site's names, or a phrase of at
        most five words that holds one of them (or is held in one)."""
        seg = normalize_text(text)
        compact = NOT_WORD.sub("", seg)
        holds = False
        for name, name_compact in self.texts.items():
            if not name_compact:
                continue
            if seg == name or compact == name_compact:
                return True
            if len(name_compact) >= 3 and (name_compact in compact or compact in name_compact):
                holds = True
        return holds and word_len(seg) <= 5

    def owns(self, name: str) -> bool:
        """``name`` is the publisher, the site, its initials, or a desk of it (the
        site's name and more words, capitalised throughout after a one-word name)."""
        key = fold(name)
        if key in self.keys or key in self.initials:
            return True
        words = name.split()
        tokens = tuple(t.casefold() for t in words)
        for run in self.runs:
            if len(tokens) > len(run) and tokens[: len(run)] == run:
                tail = words[len(run) :]
                if len(run) >= 2 or all(t.isupper() for t in tail if t[:1].isalpha()):
                    return True
        return False
