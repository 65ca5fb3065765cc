"""What the crawl process needs from extraction, without importing trafilatura.

``ExtractOptions`` (the options sent with every page) and ``Skip`` (a page's
reason for producing no record) are plain dataclasses. They live here so that
the extract pipeline, which only builds options and counts skips while worker
processes run :func:`crawler.extract.record.build_record`, does not load trafilatura,
lxml's HTML tools and htmldate into the crawl process. ``crawler.extract.record``
re-exports both, so ``from crawler.extract.record import ExtractOptions, Skip``
still works (and pickles to the same classes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractOptions:
    """Extraction settings (``EXTRACT_*`` and ``TRACKING_PARAMS``); small and picklable."""

    min_words: int = 60
    max_link_density: float = 0.5
    tracking_params: tuple[str, ...] = ()
    #: Clean chrome lines out of the body after trafilatura.
    cleanup: bool = True
    #: Fall back to readability / jusText when trafilatura finds too little.
    fallback: bool = True
    #: Put every line the clean-up removed, with its rule, in ``crawl_meta["removed"]``
    #: (for ``scrapy preview --removed``); the record itself is the same either way.
    explain: bool = False
    #: Characters of title and leading text given to language detection in
    #: ``build_record`` (``LANGUAGE_MAX_CHARS``); 0 leaves detection to the language pipeline.
    language_max_chars: int = 0
    #: langdetect seed (``LANGUAGE_SEED``).
    language_seed: int = 0
    #: MinHash permutations (``DEDUPE_NUM_PERM``): ``build_record`` puts the text's
    #: signature in ``crawl_meta["minhash"]`` for the dedupe pipeline; 0 computes none.
    num_perm: int = 0
    #: Words per MinHash shingle (``DEDUPE_SHINGLE_SIZE``).
    shingle_size: int = 5


@dataclass(frozen=True)
class Skip:
    """Why a page produced no record: ``reason`` becomes the stat ``skip/<reason>``."""

    reason: str
    detail: str = ""
