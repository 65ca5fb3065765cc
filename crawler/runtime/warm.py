"""Warm-up for extraction worker processes: importing this module does the work.

``crawler.runtime.workers`` names this module in the fork server's preload list, so the
fork server imports it once, before it forks any worker. Everything loaded here
(trafilatura and lxml, langdetect's language profiles, htmldate's month names) is
then already in memory in every worker, new or recycled, and shared copy-on-write
between them instead of being rebuilt by each worker on its first page (about
0.8 s of CPU and ~100 MB each).

The crawl process itself never imports this module. Every step only fills a
cache that the first page would fill the same way, so output does not change.
Failures are swallowed (logged at DEBUG): a worker then warms up lazily, as it
would without this module. (The fork server stops on any exception other than
``ImportError`` while preloading, so nothing may escape.)
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)

#: CPU seconds the warm-up took in this process (None when it did not run).
WARM_SECONDS: float | None = None


def _step(name: str, fn: object) -> None:
    try:
        fn()  # type: ignore[operator]
    except Exception as exc:  # warm-up is an optimisation, never a failure
        logger.debug("warm-up step %s failed: %r", name, exc)


def _import_extraction() -> None:
    import lxml.html  # noqa: F401
    import trafilatura  # noqa: F401

    import crawler.extract.record  # noqa: F401


def _language_profiles() -> None:
    from crawler.text.language import _get_factory

    _get_factory()


def _date_words() -> None:
    from htmldate import extractors

    # dateparser (``extractors.get_external_parser``) is not loaded here: about one
    # page in two hundred needs it, and loading it would add 0.3 s to every crawl's
    # wait for its first record; a worker loads it on the first page that does
    extractors.month_words()


def warm() -> float:
    """Load everything an extraction worker needs; returns the CPU seconds it took."""
    started = time.process_time()
    _step("import", _import_extraction)
    _step("language_profiles", _language_profiles)
    _step("date_words", _date_words)
    # move what is loaded now out of the collector's reach: a collection in a
    # worker would otherwise write to every object's header and un-share its page
    gc.collect()
    gc.freeze()
    return time.process_time() - started


WARM_SECONDS = warm()
