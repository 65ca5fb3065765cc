"""Is an extracted text prose, or junk made of repetition?

A page of one sentence repeated thousands of times, or of a few keywords
stuffed over and over, passes every structural article test (long, few links,
one big text block) but is not an article. The top n-gram measure of the Gopher
quality rules (Rae et al. 2021, kept by FineWeb) tells them apart: the share of
a text's words covered by its most frequent 1-, 2-, 3- and 4-gram. In prose the
most frequent word ("the", "de") covers a few percent, the most frequent 4-gram
a few tenths of a percent; in a repeated sentence or keyword list they cover
most of the text.

Duplicated lines and paragraphs are not junk by themselves: a real meal-plan
article repeats 81 % of its paragraphs (the same meals in each plan). And the
bounds are far looser than Gopher's (0.20/0.18/0.16 for 2/3/4-grams), which are
tuned to thin a training set: here a false drop loses an article. The highest
shares among both dev sets' 296 pages, ours and the hand-checked texts, are
0.19/0.22/0.18/0.10 for n = 1..4; ``tests/test_quality.py`` checks none is dropped.
Numbers are left out (a results table repeats its digits, not its words).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from crawler.text.normalize import words

#: Share of the words covered by the most frequent n-gram, for n = 1..4.
MAX_TOP_NGRAM_SHARE = {1: 0.35, 2: 0.35, 3: 0.3, 4: 0.3}
#: Texts with fewer words than this are judged by article detection alone.
MIN_WORDS = 50
#: Words looked at: a repeated page is repetitive from its start.
MAX_WORDS = 20_000


@dataclass(frozen=True)
class Repetition:
    """The share of a text's words its most frequent n-gram covers, per n."""

    top_ngram: dict[int, float]

    def junk_reason(self) -> str | None:
        """Why the text is junk, or None when it reads as prose."""
        for n, share in self.top_ngram.items():
            if share > MAX_TOP_NGRAM_SHARE[n]:
                return f"its most frequent {n}-gram covers {share:.0%} of its words"
        return None


def _top_ngram_share(tokens: list[str], n: int) -> float:
    if len(tokens) < n:
        return 0.0
    count = Counter(zip(*(tokens[i:] for i in range(n)), strict=False)).most_common(1)[0][1]
    return min(1.0, count * n / len(tokens)) if count > 1 else 0.0


def text_tokens(text: str) -> list[str]:
    """Case-folded words of the text's start, numbers left out."""
    found = words(text[: 20 * MAX_WORDS].casefold())
    return [w for w in found if not w.isdigit()][:MAX_WORDS]


def _repetition(tokens: list[str]) -> Repetition:
    return Repetition(top_ngram={n: _top_ngram_share(tokens, n) for n in MAX_TOP_NGRAM_SHARE})


def repetition(text: str) -> Repetition:
    return _repetition(text_tokens(text))


def _may_exceed(tokens: list[str]) -> bool:
    """Whether some n-gram may cover more than its bound, judged from word counts.

    An n-gram occurring c times puts each of its words in c distinct places, so
    every word of it occurs at least c times. For n = 1 that count is the most
    frequent word's. For n >= 2 the n-gram holds two different words (so c is at
    most the second highest word count) or one word repeated (each occurrence then
    starts a pair of equal adjacent words). Prose, whose second most frequent word
    covers a few percent and which seldom repeats a word back to back, is settled
    here without counting any n-gram.
    """
    total = len(tokens)
    counts = [count for _, count in Counter(tokens).most_common(2)] + [0]
    if counts[0] > MAX_TOP_NGRAM_SHARE[1] * total:
        return True
    doubled = sum(1 for a, b in pairwise(tokens) if a == b)
    most = max(counts[1], doubled)
    return any(most * n > bound * total for n, bound in MAX_TOP_NGRAM_SHARE.items() if n > 1)


def junk_reason(text: str) -> str | None:
    """Why ``text`` is repetition rather than an article, or None."""
    tokens = text_tokens(text)
    if len(tokens) < MIN_WORDS or not _may_exceed(tokens):
        return None
    return _repetition(tokens).junk_reason()
