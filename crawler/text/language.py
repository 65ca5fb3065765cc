"""Language identification for article texts (langdetect, seeded).

langdetect samples n-grams at random; with a fixed seed, and a detector built
fresh for every call (each one reseeds its own ``random.Random``), the same
text always gets the same answer, in any process and in any order of calls.
Only a bounded slice of the text is examined: the title and the first
paragraphs carry the language as well as the whole article does, at a fraction
of the cost.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

#: Texts with fewer letters than this are too short to identify reliably.
MIN_LETTERS = 20
#: langdetect codes that are not plain ISO 639-1.
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh"}
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

_factory: DetectorFactory | None = None
_lock = threading.Lock()


#: langdetect's n-gram probabilities as one matrix (a row per n-gram, a column per
#: language); the factory's ``word_lang_prob_map`` becomes n-gram -> row number.
#: langdetect keeps them as 90,000 lists of Python floats (77 MB), whose reference
#: counts every lookup writes to: a fork-server child reading them copies the pages
#: it touches, while reading rows of one array leaves the shared pages shared.
_matrix: Any = None


#: ord(character) -> langdetect's normalised form of it (``NGram.normalize`` maps one
#: character to one character), filled as characters are first seen.
_normalized: dict[int, str] = {}
#: (word, followed by a space) -> the n-grams langdetect extracts from it, in order.
_word_ngrams: dict[tuple[str, bool], tuple[str, ...]] = {}
#: Entries ``_word_ngrams`` may hold before it is emptied (bounds a worker's memory).
_WORD_CACHE_LIMIT = 30_000


def _normalize(text: str) -> str:
    """``text`` with every character replaced by ``NGram.normalize(character)``."""
    table = _normalized
    for ch in set(text):
        if ord(ch) not in table:
            table[ord(ch)] = NGram.normalize(ch)
    return text.translate(table)


def _ngrams_of_word(word: str, spaced: bool, table: dict[str, int]) -> tuple[str, ...]:
    """The n-grams ``NGram.add_char`` yields for ``word`` (and the space after it)."""
    padded = " " + word + " " if spaced else " " + word
    out: list[str] = []
    prev_upper = False
    for j in range(1, len(padded)):
        ch = padded[j]
        upper = ch.isupper()
        if upper and prev_upper:
            continue  # inside a run of capitals: langdetect skips the character
        prev_upper = upper
        if ch != " " and ch in table:
            out.append(ch)
        gram = padded[j - 1 : j + 1]
        if gram in table:
            out.append(gram)
        if j >= 2:
            gram = padded[j - 2 : j + 1]
            if gram in table:
                out.append(gram)
    return tuple(out)


def _extract_ngrams(text: str, table: dict[str, int]) -> list[str]:
    """``Detector._extract_ngrams`` (langdetect 1.0.9): the same n-grams in the same order.

    langdetect slides a three-character window over the normalised text, restarting
    it at every space; so the n-grams of a word depend only on the word and on
    whether a space follows it, and are computed once per distinct word.
    """
    cache = _word_ngrams
    if len(cache) > _WORD_CACHE_LIMIT:
        cache.clear()
    parts = _normalize(text).split(" ")
    last = len(parts) - 1
    result: list[str] = []
    for k, word in enumerate(parts):
        if not word:
            continue
        key = (word, k < last)
        grams = cache.get(key)
        if grams is None:
            grams = cache[key] = _ngrams_of_word(word, k < last, table)
        result.extend(grams)
    return result


def _detect_block(detector: Detector) -> None:
    """``Detector._detect_block`` (langdetect 1.0.9) with the per-language loops in numpy
    and a faster n-gram extraction.

    Same random draws, and elementwise the same float operations in the same order
    (the normalising sum stays a sequential Python ``sum``), so the same probabilities
    bit for bit: langdetect spends most of its time multiplying 55-element lists.
    """
    detector.cleaning_text()
    ngrams = _extract_ngrams(detector.text, detector.word_lang_prob_map)
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    table = detector.word_lang_prob_map
    n_lang = len(detector.langlist)
    langprob = np.zeros(n_lang, dtype=np.float64)
    rnd = detector.random
    rnd.seed(detector.seed)
    weight_base = detector.BASE_FREQ
    limit, threshold = detector.ITERATION_LIMIT, detector.CONV_THRESHOLD
    matrix = _matrix
    # ``rnd.choice(ngrams)`` without its two Python frames: CPython's
    # ``Random.choice`` is ``seq[self._randbelow(len(seq))]``, and ``_randbelow`` draws
    # ``n.bit_length()`` random bits until they fall below ``n`` (the same draws)
    getrandbits = rnd.getrandbits
    count = len(ngrams)
    bits = count.bit_length()

    def choice(seq: list[str]) -> str:
        r = getrandbits(bits)
        while r >= count:
            r = getrandbits(bits)
        return seq[r]

    steps = np.empty((6, n_lang), dtype=np.float64)
    for _ in range(detector.n_trial):
        if detector.prior_map is not None:
            prob = np.array(detector.prior_map, dtype=np.float64)
        else:
            prob = np.full(n_lang, 1.0 / n_lang, dtype=np.float64)
        alpha = detector.alpha + rnd.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / weight_base
        # langdetect's loop multiplies once, then checks for convergence every fifth
        # step: draw the same n-grams five at a time (never more than it would draw,
        # so the generator ends each trial in the same state) and add the weight to
        # the five rows at once; the products stay one row at a time, in order
        prob *= weight + matrix[table[choice(ngrams)]]
        i = 0
        while True:
            prob /= sum(prob.tolist())
            if prob.max() > threshold or i >= limit:
                break
            # prob, then the five rows, multiplied in order (an axis-0 reduction
            # multiplies row after row: the same products as five in-place steps)
            steps[0] = prob
            np.add(matrix[[table[choice(ngrams)] for _ in range(5)]], weight, out=steps[1:])
            prob = np.multiply.reduce(steps, axis=0)
            i += 5
        langprob += prob / detector.n_trial
    detector.langprob = langprob.tolist()


def _load_profiles(directory: str) -> tuple[list[str], dict[str, int], Any]:
    """``DetectorFactory.load_profile(directory)`` (langdetect 1.0.9) built straight into
    (language list, n-gram -> row, matrix).

    The same files in the same order (``os.listdir``), the same n-gram order (first
    appearance), the same ``1.0 * count / n_words[len - 1]`` per cell; without the
    90,000 Python lists langdetect builds first, which took 0.4 s of every worker
    pool's start (this takes 0.1 s).
    """
    files = os.listdir(directory)
    langsize = len(files)
    langlist: list[str] = []
    rows: dict[str, int] = {}
    cells_row: list[int] = []
    cells_col: list[int] = []
    cells: list[float] = []
    for filename in files:
        full = os.path.join(directory, filename)
        if filename.startswith(".") or not os.path.isfile(full):
            continue
        with open(full, encoding="utf-8") as f:
            data = json.load(f)
        name, n_words = data["name"], data["n_words"]
        if name in langlist:
            raise ValueError(f"duplicate language profile {name!r}")
        index = len(langlist)
        langlist.append(name)
        for word, count in data["freq"].items():
            row = rows.setdefault(word, len(rows))
            length = len(word)
            if 1 <= length <= 3:
                cells_row.append(row)
                cells_col.append(index)
                cells.append(1.0 * count / n_words[length - 1])
    matrix = np.zeros((len(rows), langsize), dtype=np.float64)
    matrix[cells_row, cells_col] = cells
    return langlist, rows, matrix


def _get_factory() -> DetectorFactory:
    """The language profiles, loaded once per process, with ``word_lang_prob_map`` as
    n-gram -> row of :data:`_matrix`."""
    global _factory, _matrix
    with _lock:
        if _factory is None:
            factory = DetectorFactory()
            try:
                langlist, rows, matrix = _load_profiles(PROFILES_DIRECTORY)
            except Exception:  # a profile layout we do not know: langdetect's own loader
                factory.load_profile(PROFILES_DIRECTORY)
                table = factory.word_lang_prob_map
                matrix = np.array(list(table.values()), dtype=np.float64)
                langlist, rows = factory.langlist, {word: row for row, word in enumerate(table)}
            factory.langlist, factory.word_lang_prob_map = langlist, rows
            _matrix = matrix
            _factory = factory
        return _factory


def detection_sample(text: str, title: str | None = None, max_chars: int = 600) -> str:
    """The title and the leading paragraphs of ``text``, cut to ``max_chars``."""
    parts = [title.strip()] if title and title.strip() else []
    # only the head of a long text can reach the sample: don't split the rest
    head = (text or "")[: 2 * max_chars + 64]
    parts.extend(p.strip() for p in re.split(r"\n\s*\n", head) if p.strip())
    sample = "\n\n".join(parts)
    if len(sample) > max_chars:
        cut = sample[:max_chars]
        space = cut.rfind(" ")
        sample = cut[:space] if space > max_chars // 2 else cut
    return sample


def letter_count(text: str) -> int:
    """Letters in ``text``; a CJK character counts as three (it carries a word's worth)."""
    return len(_LETTER.findall(text)) + 2 * len(_CJK.findall(text))


def detect_language(
    text: str,
    title: str | None = None,
    *,
    max_chars: int = 600,
    seed: int = 0,
) -> tuple[str | None, float | None]:
    """``(ISO 639-1 code, probability)`` of the text, or ``(None, None)``.

    ``(None, None)`` means the text is too short or has no usable features.
    """
    sample = detection_sample(text, title, max_chars)
    if letter_count(sample) < MIN_LETTERS:
        return None, None
    factory = _get_factory()
    with _lock:
        factory.set_seed(seed)
        detector = factory.create()
    detector.append(sample)
    try:
        _detect_block(detector)
        best = detector.get_probabilities()
    except LangDetectException:
        return None, None
    if not best:
        return None, None
    top = best[0]
    code = _CODE_MAP.get(top.lang, top.lang)
    if not re.fullmatch(r"[a-z]{2}", code):
        return None, None
    return code, round(min(1.0, max(0.0, float(top.prob))), 4)
