"""Text normalisation shared by hashing, dedupe and boilerplate learning."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
_PARA_SPLIT = re.compile(r"\n\s*\n")
#: Characters outside ``\w`` (as is their casefold) that often make otherwise ASCII
#: text non-ASCII: typographic quotes and dashes, ellipsis, no-break space, signs.
COMMON_NON_WORD = (
    "\u2019\u2018\u201c\u201d\u201e"  # quotes
    "\u2014\u2013\u2026\u00a0\u00ab\u00bb\u2022"  # dashes, ellipsis, no-break space, «», bullet
    "\u00a3\u20ac\u00a9\u00ae\u00b0"  # pound, euro, copyright, registered, degree
)
#: A character that is neither ASCII nor one of COMMON_NON_WORD.
_OTHER_NON_ASCII = re.compile(f"[^\\x00-\\x7f{COMMON_NON_WORD}]")
#: ASCII bytes that are not word characters ([A-Za-z0-9_]), mapped to a space.
ASCII_NON_WORD = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(256)
)


def normalize_text(text: str) -> str:
    """Case-, width- and whitespace-insensitive form of a text, for comparisons."""
    # str.split() and re's \s agree on what is whitespace (str.isspace)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.lru_cache(maxsize=8192)
def _normalize_short(text: str) -> str:
    return normalize_text(text)


def normalize_line(text: str) -> str:
    """:func:`normalize_text`, memoised for short texts: link texts and menu lines come
    back on every page of a site."""
    return _normalize_short(text) if len(text) <= 200 else normalize_text(text)


def content_hash(text: str) -> str:
    """32-hex-digit hash of the normalised text."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:32]


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (Unicode ``\\w+`` runs), case-folded."""
    return _WORD.findall(text.casefold())


@functools.lru_cache(maxsize=4096)
def word_len(text: str) -> int:
    """``len(words(text))``, memoised: extraction asks it of the same lines several times."""
    return len(words(text))


def ascii_words_form(text: str) -> bytes | None:
    """``text`` as ASCII bytes, each :data:`COMMON_NON_WORD` character a ``?``; None
    when it has other non-ASCII characters.

    These bytes have the same ``\\w+`` words as ``text`` (``?`` is no word
    character either), and byte-level passes find them much faster than a
    Unicode regex.
    """
    if text.isascii():
        return text.encode("ascii")
    if _OTHER_NON_ASCII.search(text) is not None:
        return None
    return text.encode("ascii", "replace")


#: Han ideographs, kana and the CJK punctuation between them: scripts written without
#: spaces between words, where ``\\w+`` takes a whole clause for one word.
_UNSPACED = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Number of words in ``text``: ``\\w+`` tokens, each Han or kana character
    counted as a word of its own (as word processors count Chinese and Japanese,
    whose words no space separates)."""
    data = ascii_words_form(text)
    if data is not None:
        return len(data.translate(ASCII_NON_WORD).split())
    unspaced = _UNSPACED.findall(text)
    if not unspaced:
        return len(_WORD.findall(text))
    return len(_WORD.findall(_UNSPACED.sub(" ", text))) + len(unspaced)


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a record's text (separated by blank lines), stripped, non-empty."""
    return [p.strip() for p in _PARA_SPLIT.split(text) if p.strip()]


def join_paragraphs(paras: list[str]) -> str:
    """Inverse of :func:`paragraphs`: one blank line between paragraphs."""
    return "\n\n".join(p.strip() for p in paras if p.strip())


#: Characters no record field keeps: C0 controls but tab and newline, DEL and C1
#: controls, bidi embedding/override/isolate controls (they reorder what a reader
#: sees: "Trojan Source"), the BOM / zero-width no-break space, lone surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """``text`` without the characters of :data:`_CONTROLS` (a page with one NUL or a
    bidi override is an article with a stray character, not a reason to refuse it)."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub("", text)
