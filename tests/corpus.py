"""Texts for the equivalence tests of the text fast paths.

Real article bodies (the bench pages' ``.json`` files, in several languages and
scripts, when ``../shared/bench/articles`` is there), generated news articles,
and hand-made lines aimed at the corners: Unicode case folding and
compatibility forms, digits of other scripts, characters whose fold holds a
space, lone surrogates, typographic punctuation.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path

from tests.articles import article_text

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench" / "articles"

EDGE_LINES = [
    "",
    "   ",
    "\u2014",
    "\u2019\u2019\u2019",
    "Updated 07/27/2016 at 3 pm",
    "Last Updated: March 3, 2024 10:15 am",
    "Read more: Council approves the 2025 budget",
    "Stra\u00dfe\u2019s caf\u00e9 \u2014 na\u00efve r\u00e9sum\u00e9, 12 \u20ac",
    "\u0130stanbul\u2019da 3 ki\u015fi",
    "\u0391\u03a3 \u03a3\u0391\u03a3 \u03c3\u03b1\u03c2",
    "\ufb01ne \ufb02ow \u017ftop \u212aelvin",
    "x\u0345 y \u0345",
    "\u0663 \u0623\u064a\u0627\u0645 \u00b2nd \u2460 first \uff26\uff11 race",
    "a_1 b_c 1a2b c __ 9",
    "a\ud800b c\u2019d \udfff",
    "tab\tsep\u00a0nbsp\u2028line\u3000wide",
    "\u201cQuoted,\u201d she said \u2026 \u00abfr\u00bb \u2022 \u00a9 2024 \u00ae 30\u00b0",
    "word? 'quote' ~ ^ ` | \\ [x] {y} <z> @ # $ % & * + = !",
]


@cache
def _space_folding_word_chars() -> str:
    """Word characters whose NFKC case fold holds a space (isolated Arabic forms...)."""
    word = re.compile(r"\w")
    return "".join(
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if word.match(c) and " " in unicodedata.normalize("NFKC", c).casefold()
    )


def edge_lines() -> list[str]:
    """The hand-made lines, those with space-folding characters, and a seeded fuzz."""
    folding = _space_folding_word_chars()
    lines = [*EDGE_LINES, f"ab {folding[:3]} 12 cd", f"{folding} 7", f"x{folding[-1]}y 2024 z"]
    alphabet = (
        "abcXYZ019_ \t.,:;!?-'\"/()\u2019\u201c\u201d\u2014\u2026\u00a0\u00e9\u00df\u0130"
        "\u03a3\u0663\u00b2\u2460\uff26\u0345\ufb01\u4e2d\u6587\u0627\u064e" + folding[:2]
    )
    rng = random.Random(11)
    for _ in range(3000):
        lines.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120))))
    return lines


def _numbered(text: str, seed: int) -> str:
    """``text`` with every sixth word a number, as the throughput bench's copies have."""
    parts = re.split(r"(\s+)", text)
    for k, i in enumerate(range(0, len(parts), 2)):
        if k % 6 == 5:
            parts[i] = str(1000 + (seed * 7919 + k * 104729) % 900000)
    return "".join(parts)


@cache
def corpus_texts() -> tuple[str, ...]:
    """Whole texts: real bodies, generated articles, and the edge lines as one text."""
    texts = []
    if BENCH.is_dir():  # real pages (../shared is there in CI)
        for path in sorted(BENCH.glob("*.json")):
            body = json.loads(path.read_text(encoding="utf-8")).get("body")
            if body:
                texts.append(body)
                texts.append(_numbered(body, len(texts)))
    texts.extend("\n\n".join(article_text(seed)[1]) for seed in range(60))
    texts.append("\n\n".join(EDGE_LINES))
    return tuple(texts)


def corpus_lines() -> list[str]:
    """Every line of every text, with the edge lines."""
    lines = [line for text in corpus_texts() for line in text.split("\n")]
    return lines + edge_lines()
