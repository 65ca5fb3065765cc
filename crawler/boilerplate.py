"""Site-level boilerplate: text lines that repeat across a site's articles.

trafilatura drops page chrome outside the article container, but chrome that
sits inside it ("Follow us on ...", newsletter promos, "Last updated" stamps,
"Read more: ..." links) reaches the text. A crawl sees many articles of one
site, so such lines show themselves by repeating. ``SiteBoilerplate`` counts,
per site, in how many distinct articles each short normalised line occurs, and
strips the lines that occur in enough of them.

Three guards keep an article's own text: a line is boilerplate only when it
occurs in at least ``min_docs`` distinct articles *and* in at least
``min_share`` of the site's articles, and it is short (at most
``max_block_words`` words). A quote repeated in two articles of a series fails
the first test; long paragraphs fail the last.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field

from crawler.textnorm import join_paragraphs, paragraphs

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
#: "Read more: ...", "Related | ...": a 1-3 word label, a separator, then text.
_LABEL = re.compile(r"^\W*([^\W\d_]{2,}(?:[ \t]+[^\W\d_]+){0,2})[ \t]*[:|\u00bb\u203a][ \t]*\S")
#: A line that ends a sentence is prose, not a headline behind a label.
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019)\\]]*\\s*$")
#: Glued chrome (a stamp at a paragraph's start or a promo at its end) must be
#: at least this many words long before it is cut out of a longer line.
MIN_GLUED_WORDS = 3
#: A "label: headline" line longer than this is kept even when its label is chrome.
MAX_LABEL_LINE_WORDS = 20


def _mask(token: str) -> str:
    return "0" if _DIGIT.search(token) else token


def line_tokens(line: str) -> list[tuple[int, int, str]]:
    """(start, end, key word) for each word of ``line``.

    Key words are NFKC case-folded; a word with a digit becomes ``0`` and so
    does a short alphabetic word touching a number ("March 3", "3 pm", "Updated
    07/27"), so every date stamp of one template gets the same key.
    Punctuation is not part of any word.
    """
    spans = [(m.start(), m.end()) for m in _WORD.finditer(line)]
    raw = [unicodedata.normalize("NFKC", line[s:e]).casefold() for s, e in spans]
    numeric = [bool(_DIGIT.search(w)) for w in raw]
    keys: list[str] = []
    for i, word in enumerate(raw):
        near_number = (i > 0 and numeric[i - 1]) or (i + 1 < len(raw) and numeric[i + 1])
        if numeric[i] or (near_number and len(word) <= 9):
            keys.append("0")
        else:
            keys.append(word)
    return [(s, e, k) for (s, e), k in zip(spans, keys, strict=True)]


def block_hash(key_words: list[str]) -> str:
    """Stable 16-hex-digit hash of a block's key words."""
    joined = " ".join(key_words)
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def block_key(text: str) -> str | None:
    """Hash of a text's normalised block form (None when it has no words)."""
    keys = [k for _, _, k in line_tokens(text)]
    return block_hash(keys) if keys else None


def _label_hash(line: str) -> str | None:
    m = _LABEL.match(line)
    if not m:
        return None
    return block_hash(["\x00label", *(k for _, _, k in line_tokens(m.group(1)))])


def _worded(keys: list[str]) -> bool:
    """A glued block needs a real word: a bare date never cuts into prose."""
    return any(k != "0" for k in keys)


def _lines(text: str) -> list[str]:
    return [ln.strip() for para in paragraphs(text) for ln in para.split("\n") if ln.strip()]


@dataclass
class Removal:
    """One piece of text taken out of a record, and the rule that took it."""

    rule: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text}


@dataclass
class SiteBoilerplate:
    """Learned block statistics of one site, and the cleaner that uses them."""

    min_docs: int = 3
    min_share: float = 0.3
    max_block_words: int = 40
    #: Most block counters kept; beyond it the rarest are forgotten.
    max_blocks: int = 20000
    documents: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    # -- learning ------------------------------------------------------------
    def doc_blocks(self, text: str) -> set[str]:
        """Hashes of the short lines (and line labels) of a text, each once."""
        found: set[str] = set()
        for line in _lines(text):
            keys = [k for _, _, k in line_tokens(line)]
            if not keys or len(keys) > self.max_block_words:
                continue
            found.add(block_hash(keys))
            label = _label_hash(line)
            if label is not None:
                found.add(label)
        return found

    def learn(self, text: str) -> None:
        """Count one distinct article of the site (callers de-duplicate by id)."""
        self.documents += 1
        for h in self.doc_blocks(text):
            self.counts[h] = self.counts.get(h, 0) + 1
        if len(self.counts) > self.max_blocks:
            self.prune()

    def prune(self) -> None:
        """Forget the rarest counters until at most 3/4 of ``max_blocks`` remain.

        Singletons go first: a chrome line repeats in a large share of the
        site's articles, so it climbs past the cut long before the next prune.
        """
        target = self.max_blocks * 3 // 4
        floor = 1
        while len(self.counts) > target:
            self.counts = {h: c for h, c in self.counts.items() if c > floor}
            floor += 1

    # -- deciding ------------------------------------------------------------
    @property
    def needed(self) -> int:
        """Document frequency a block needs to count as boilerplate now."""
        return max(self.min_docs, math.ceil(self.min_share * self.documents - 1e-9))

    def is_boilerplate_hash(self, h: str) -> bool:
        return self.counts.get(h, 0) >= self.needed

    def is_boilerplate(self, text: str) -> bool:
        """Whether ``text`` (one line) is a learned boilerplate block."""
        keys = [k for _, _, k in line_tokens(text)]
        if not keys or len(keys) > self.max_block_words:
            return False
        return self.is_boilerplate_hash(block_hash(keys))

    # -- cleaning ------------------------------------------------------------
    def clean(self, text: str) -> tuple[str, list[Removal]]:
        """``text`` without learned boilerplate lines, and what was removed."""
        removed: list[Removal] = []
        if self.documents < self.min_docs:
            return text, removed
        kept_paras: list[str] = []
        for para in paragraphs(text):
            kept_lines = []
            for line in para.split("\n"):
                line = line.strip()
                if line:
                    rest = self._clean_line(line, removed)
                    if rest:
                        kept_lines.append(rest)
            if kept_lines:
                kept_paras.append("\n".join(kept_lines))
        if not removed:
            return text, removed
        return join_paragraphs(kept_paras), removed

    def _clean_line(self, line: str, removed: list[Removal]) -> str:
        tokens = line_tokens(line)
        keys = [k for _, _, k in tokens]
        n = len(keys)
        if not n:
            return line
        if n <= self.max_block_words and self.is_boilerplate_hash(block_hash(keys)):
            removed.append(Removal("site_block", line))
            return ""
        if (
            n <= MAX_LABEL_LINE_WORDS
            and not _SENTENCE_END.search(line)
            and (label := _label_hash(line)) is not None
            and self.is_boilerplate_hash(label)
        ):
            removed.append(Removal("site_label", line))
            return ""
        # Chrome glued to a paragraph: the longest learned block at its start
        # or end, of at least MIN_GLUED_WORDS words, is cut out.
        longest = min(n - 1, self.max_block_words)
        for k in range(longest, MIN_GLUED_WORDS - 1, -1):
            if _worded(keys[:k]) and self.is_boilerplate_hash(block_hash(keys[:k])):
                cut = tokens[k][0]
                removed.append(Removal("site_block_prefix", line[:cut].strip()))
                return self._clean_line(line[cut:].strip(), removed)
        for k in range(longest, MIN_GLUED_WORDS - 1, -1):
            if _worded(keys[n - k :]) and self.is_boilerplate_hash(block_hash(keys[n - k :])):
                cut = tokens[n - k][0]
                removed.append(Removal("site_block_suffix", line[cut:].strip()))
                return line[:cut].strip()
        return line

    # -- persistence ---------------------------------------------------------
    def load(self, documents: int, counts: dict[str, int]) -> None:
        """Start from statistics saved by an earlier run."""
        self.documents = int(documents)
        self.counts = {str(h): int(c) for h, c in counts.items()}
        if len(self.counts) > self.max_blocks:
            self.prune()
