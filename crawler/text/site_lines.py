"""Site-level boilerplate: text lines that repeat across a site's articles.

trafilatura drops page chrome outside the article container, but chrome that
sits inside it ("Follow us on ...", newsletter promos, "Last updated" stamps,
"Read more: ..." links) reaches the text. A crawl sees many articles of one
site, so such lines show themselves by repeating. ``SiteBoilerplate`` counts,
per site, in how many distinct articles each short normalised line occurs, and
strips the lines that occur in enough of them.

Guards keep an article's own text: a line is boilerplate only when it occurs
in at least ``min_docs`` distinct articles *and* in at least ``min_share`` of
the site's articles, and it is short (at most ``max_block_words`` words). A
quote repeated in two articles of a series fails the first test; long
paragraphs fail the last. And chrome is the frame of an article, never most of
it: :meth:`SiteBoilerplate.clean_article` strips nothing from a record when the
learned lines would take at least half of its words (a single line that is
most of its record, a series of template articles, a page the site republished
under several URLs): the site's statistics cannot tell that record's chrome
from its content, so its text is kept whole.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.text.normalize import (
    ASCII_NON_WORD,
    ascii_words_form,
    join_paragraphs,
    paragraphs,
    word_count,
)

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
#: Key words remembered (word -> NFKC case-folded form) before the memo starts over.
_KEY_MEMO_SIZE = 100_000
_key_memo: dict[str, str] = {}


def _key_word(word: str) -> str:
    key = _key_memo.get(word)
    if key is None:
        key = unicodedata.normalize("NFKC", word).casefold()
        if len(_key_memo) >= _KEY_MEMO_SIZE:
            _key_memo.clear()
        _key_memo[word] = key
    return key


@lru_cache(maxsize=8192)
def key_words(line: str) -> tuple[str, ...]:
    """The key word of each word of ``line``, in order.

    Key words are NFKC case-folded; a word with a digit becomes ``0`` and so
    does a short alphabetic word touching a number ("March 3", "3 pm", "Updated
    07/27"), so every date stamp of one template gets the same key.
    Punctuation is not part of any word. (Cached: learning and cleaning look
    at the same lines.)
    """
    data = ascii_words_form(line)
    if data is not None:
        # the words are ASCII: \w is [A-Za-z0-9_], NFKC is the identity and casefold
        # is lower(); a byte-table pass turns every other byte into a space
        spaced = data.lower().translate(ASCII_NON_WORD).decode("ascii")
        folded = spaced.split()
        if not folded:
            return ()
        if _DIGIT.search(spaced) is None:
            return tuple(folded)
    else:
        raw = _WORD.findall(line)
        if not raw:
            return ()
        joined = " ".join(raw)
        if joined.isascii():  # NFKC is the identity, casefold is lower()
            folded = joined.lower().split(" ")
        else:
            # NFKC and casefold work character by character between two spaces (a
            # space composes with nothing), so the whole line folds in one call;
            # unless a word folds to text with a space (an isolated Arabic form).
            joined = unicodedata.normalize("NFKC", joined).casefold()
            folded = joined.split(" ")
            if len(folded) != len(raw):
                folded = [_key_word(w) for w in raw]
                joined = " ".join(folded)
        if _DIGIT.search(joined) is None:
            return tuple(folded)
    return mask_numbers(folded)


def mask_numbers(folded: list[str]) -> tuple[str, ...]:
    """Key words with every word holding a digit, and its short neighbours, as "0"."""
    numbers = [i for i, w in enumerate(folded) if not w.isalpha() and _DIGIT.search(w) is not None]
    keys = list(folded)
    last = len(keys) - 1
    for i in numbers:
        keys[i] = "0"
        if i > 0 and len(folded[i - 1]) <= 9:
            keys[i - 1] = "0"
        if i < last and len(folded[i + 1]) <= 9:
            keys[i + 1] = "0"
    return tuple(keys)


def line_tokens(line: str) -> list[tuple[int, int, str]]:
    """(start, end, key word) for each word of ``line`` (see :func:`key_words`)."""
    spans = [m.span() for m in _WORD.finditer(line)]
    return [(s, e, k) for (s, e), k in zip(spans, key_words(line), strict=True)]


@lru_cache(maxsize=8192)
def _tag(word: str) -> int:
    """16-bit tag of a key word (cached: cleaning tags the first and last words of
    every line, and the same words come back)."""
    return zlib.crc32(word.encode("utf-8")) & 0xFFFF


def block_hash(key_words: Sequence[str]) -> str:
    """Stable key of a block's key words: its length, a tag of its first and of
    its last word (so a cleaner finds the few learned blocks a line could start
    or end with without hashing every prefix), and a 64-bit hash of all words."""
    n = len(key_words)
    if not n:
        return ""
    # 3 hex digits of length, 4 of each tag (one format call for the three)
    shape = (min(n, 0xFFF) << 32) | (_tag(key_words[0]) << 16) | _tag(key_words[-1])
    digest = hashlib.blake2b(" ".join(key_words).encode("utf-8"), digest_size=8).hexdigest()
    return f"{shape:011x}{digest}"


@lru_cache(maxsize=8192)
def _line_hash(keys: tuple[str, ...]) -> str:
    """:func:`block_hash` of a line's key words, cached: learning hashes each short
    line of a record and cleaning looks the same lines up right after."""
    return block_hash(keys)


def _block_shape(h: str) -> tuple[int, int, int] | None:
    """(word count, first-word tag, last-word tag) of a :func:`block_hash` key."""
    if len(h) != 27:
        return None
    try:
        return int(h[:3], 16), int(h[3:7], 16), int(h[7:11], 16)
    except ValueError:
        return None


def block_key(text: str) -> str | None:
    """Hash of a text's normalised block form (None when it has no words)."""
    keys = key_words(text)
    return block_hash(keys) if keys else None


@lru_cache(maxsize=8192)
def _label_hash(line: str) -> str | None:
    if ":" not in line and "|" not in line and "\u00bb" not in line and "\u203a" not in line:
        return None  # no separator _LABEL accepts
    m = _LABEL.match(line)
    if not m:
        return None
    return block_hash(["\x00label", *key_words(m.group(1))])


def _worded(keys: Sequence[str]) -> bool:
    """A glued block needs a real word: a bare date never cuts into prose."""
    return any(k != "0" for k in keys)


@lru_cache(maxsize=16)
def _more_words_than(limit: int) -> re.Pattern[str]:
    """Matches the start of a line with more than ``limit`` words (``\\w+`` runs),
    reading only as far as word ``limit + 1``."""
    return re.compile(rf"(?:\W*+\w++){{{max(limit, -1) + 1}}}")


def _word_starts(line: str) -> list[int]:
    return [m.start() for m in _WORD.finditer(line)]


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
class Cleaned:
    """A record's text after site-level stripping (:meth:`SiteBoilerplate.clean_article`)."""

    text: str
    removed: list[Removal]
    #: Learned lines left in because together they were at least half the record.
    spared: list[Removal] = field(default_factory=list)
    #: Words of ``text`` when lines were removed (counted by the half-record guard).
    words: int | None = None


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
    # The blocks that count as boilerplate now (count >= needed), kept up to date
    # as counts grow, and indexed by first and last word for the glued-block cuts.
    _hot: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _hot_needed: int = field(default=-1, init=False, repr=False, compare=False)
    _hot_counts: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)
    _by_first: dict[int, list[tuple[int, int, str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _by_last: dict[int, list[tuple[int, int, str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- learning ------------------------------------------------------------
    def doc_blocks(self, text: str) -> set[str]:
        """Hashes of the short lines (and line labels) of a text, each once."""
        found: set[str] = set()
        limit = self.max_block_words
        too_long = _more_words_than(limit).match
        for line in _lines(text):
            # a line of 2 * limit characters or fewer cannot have more than limit words
            if len(line) > 2 * limit and too_long(line) is not None:
                continue  # a paragraph: its key words are not needed to learn
            keys = key_words(line)
            if not keys or len(keys) > limit:
                continue
            found.add(_line_hash(keys))
            label = _label_hash(line)
            if label is not None:
                found.add(label)
        return found

    def learn(self, text: str) -> None:
        """Count one distinct article of the site (callers de-duplicate by id)."""
        self.documents += 1
        counts = self.counts
        tracking = self._hot_counts is counts
        for h in self.doc_blocks(text):
            c = counts.get(h, 0) + 1
            counts[h] = c
            if tracking and c >= self._hot_needed and h not in self._hot:
                self._hot.add(h)
                self._by_first = None
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
        keys = key_words(text)
        if not keys or len(keys) > self.max_block_words:
            return False
        return self.is_boilerplate_hash(block_hash(keys))

    def _boilerplate_now(self) -> set[str]:
        """The hashes with ``count >= needed``, updated rather than recomputed:
        ``needed`` only grows as documents are learned, and a count only grows."""
        needed = self.needed
        counts = self.counts
        if self._hot_counts is not counts or needed < self._hot_needed:
            self._hot = {h for h, c in counts.items() if c >= needed}
            self._by_first = None
        elif needed > self._hot_needed:
            kept = {h for h in self._hot if counts.get(h, 0) >= needed}
            if len(kept) != len(self._hot):
                self._hot = kept
                self._by_first = None
        self._hot_counts = counts
        self._hot_needed = needed
        if self._by_first is None:
            by_first: dict[int, list[tuple[int, int, str]]] = {}
            by_last: dict[int, list[tuple[int, int, str]]] = {}
            for h in self._hot:
                shape = _block_shape(h)
                if shape is None or shape[0] < MIN_GLUED_WORDS:
                    continue
                n, first, last = shape
                by_first.setdefault(first, []).append((n, last, h))
                by_last.setdefault(last, []).append((n, first, h))
            for index in (by_first, by_last):
                for entries in index.values():
                    entries.sort(reverse=True)  # longest first
            self._by_first, self._by_last = by_first, by_last
        return self._hot

    # -- cleaning ------------------------------------------------------------
    def clean(self, text: str) -> tuple[str, list[Removal]]:
        """``text`` without learned boilerplate lines, and what was removed."""
        removed: list[Removal] = []
        if self.documents < self.min_docs:
            return text, removed
        hot = self._boilerplate_now()
        if not hot:
            return text, removed
        kept_paras: list[str] = []
        for para in paragraphs(text):
            kept_lines = []
            for line in para.split("\n"):
                line = line.strip()
                if line:
                    rest = self._clean_line(line, removed, hot)
                    if rest:
                        kept_lines.append(rest)
            if kept_lines:
                kept_paras.append("\n".join(kept_lines))
        if not removed:
            return text, removed
        return join_paragraphs(kept_paras), removed

    def clean_article(self, text: str) -> Cleaned:
        """:meth:`clean`, unless the learned lines are at least half of the record.

        Chrome frames an article and is never most of it, so when stripping would
        leave less than half of the record's words, the lines the site's other
        articles share are this record's content (or the statistics cannot tell),
        and nothing is stripped. A record is therefore never emptied or dropped here.
        """
        cleaned, removed = self.clean(text)
        if not removed:
            return Cleaned(text, removed)
        words = word_count(cleaned)
        if 2 * words <= word_count(text):
            return Cleaned(text, [], spared=removed)
        return Cleaned(cleaned, removed, words=words)

    def _clean_line(self, line: str, removed: list[Removal], hot: set[str]) -> str:
        keys = key_words(line)
        n = len(keys)
        if not n:
            return line
        if n <= self.max_block_words and _line_hash(keys) in hot:
            removed.append(Removal("site_block", line))
            return ""
        if (
            n <= MAX_LABEL_LINE_WORDS
            and not _SENTENCE_END.search(line)
            and (label := _label_hash(line)) is not None
            and label in hot
        ):
            removed.append(Removal("site_label", line))
            return ""
        # Chrome glued to a paragraph: the longest learned block at its start
        # or end, of at least MIN_GLUED_WORDS words, is cut out. Only learned
        # blocks that start (end) with this line's first (last) word are tried.
        longest = min(n - 1, self.max_block_words)
        assert self._by_first is not None
        for k, last, h in self._by_first.get(_tag(keys[0]), ()):
            if k > longest or _tag(keys[k - 1]) != last:
                continue
            prefix = keys[:k]
            if _worded(prefix) and block_hash(prefix) == h:
                cut = _word_starts(line)[k]
                removed.append(Removal("site_block_prefix", line[:cut].strip()))
                return self._clean_line(line[cut:].strip(), removed, hot)
        for k, first, h in self._by_last.get(_tag(keys[-1]), ()):
            if k > longest or _tag(keys[n - k]) != first:
                continue
            suffix = keys[n - k :]
            if _worded(suffix) and block_hash(suffix) == h:
                cut = _word_starts(line)[n - k]
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
