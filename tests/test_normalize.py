"""The byte-level word paths of crawler/text/normalize.py give the regex's words."""

from __future__ import annotations

import re
import unicodedata

import pytest

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


_UNSPACED = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def test_word_count_is_the_number_of_regex_words_with_han_and_kana_one_each() -> None:
    for text in [*corpus_texts(), *corpus_lines(), "a\ud800b \u2019c", "x\u0345y"]:
        expected = len(_WORD.findall(_UNSPACED.sub(" ", text))) + len(_UNSPACED.findall(text))
        assert normalize.word_count(text) == expected, repr(text[:80])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world: 3 words.", 4),
        ("東京で会議が開かれた。", 10),  # Japanese: each kanji and kana a word
        ("习近平主席致贺信", 8),  # Chinese
        ("日本語とEnglish混在 text", 8),
        ("한국어 문장입니다", 2),  # Korean separates its words with spaces
        ("Café crème brûlée", 3),
    ],
)
def test_word_count_counts_unspaced_scripts_by_character(text: str, expected: int) -> None:
    assert normalize.word_count(text) == expected
