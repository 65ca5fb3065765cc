"""Text normalisation shared by hashing, dedupe and boilerplate learning."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
_PARA_SPLIT = re.compile(r"\n\s*\n")


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


def word_count(text: str) -> int:
    """Number of ``\\w+`` tokens in ``text``."""
    return len(_WORD.findall(text))


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a record's text (separated by blank lines), stripped, non-empty."""
    return [p.strip() for p in _PARA_SPLIT.split(text) if p.strip()]


def join_paragraphs(paras: list[str]) -> str:
    """Inverse of :func:`paragraphs`: one blank line between paragraphs."""
    return "\n\n".join(p.strip() for p in paras if p.strip())
