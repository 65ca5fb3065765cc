"""The byte-level word paths of crawler/text/normalize.py give the regex's words."""

from __future__ import annotations

import re
import unicodedata

from crawler.text import normalize
from tests.corpus import corpus_lines, corpus_texts

_WORD = re.compile(r"\w+")


def test_common_non_word_characters_and_their_folds_hold_no_word_character() -> None:
    for c in normalize.COMMON_NON_WORD:
        assert not _WORD.search(c), hex(ord(c))
        assert not _WORD.search(c.casefold()), hex(ord(c))
        assert not _WORD.search(unicodedata.normalize("NFKC", c).casefold()), hex(ord(c))
    assert not _WORD.search("?")  # what each of them becomes


def test_ascii_words_form_has_the_regex_words_of_every_corpus_text_and_line() -> None:
    checked = 0
    for text in [*corpus_texts(), *corpus_lines()]:
        data = normalize.ascii_words_form(text)
        if data is None:
            assert not text.isascii()
            continue
        checked += 1
        words = data.translate(normalize.ASCII_NON_WORD).decode("ascii").split()
        assert words == _WORD.findall(text), repr(text[:80])
    assert checked > len(corpus_texts())


def test_word_count_is_the_number_of_regex_words() -> None:
    for text in [*corpus_texts(), *corpus_lines(), "a\ud800b \u2019c", "x\u0345y"]:
        assert normalize.word_count(text) == len(_WORD.findall(text)), repr(text[:80])
