"""Scrapy's start-up dumps and its final stats dict at DEBUG: a cron log a person reads.

At INFO, Scrapy logs its enabled add-ons, extensions, middlewares and item
pipelines, the overridden settings and, when the spider closes, the whole stats
dict: about 130 lines around the few that say what the run did. The add-on
``QuietStartupAddon`` puts ``ScrapyDumpsAtDebug`` on the loggers that write them
(add-ons are loaded before the first of these lines is logged); the filter
re-levels those records to DEBUG, so ``-s LOG_LEVEL=DEBUG`` still shows every
one of them, and the stats stay in ``<run>.stats.json``. Scrapy logs its
library versions before any add-on loads, so the project's ``LOG_VERSIONS`` is
empty and the add-on logs Scrapy's usual list itself, at DEBUG.
``LOG_STARTUP_DETAILS = True`` keeps all of it at INFO.
"""

from __future__ import annotations

import logging
import pprint

from scrapy.settings import BaseSettings, default_settings

logger = logging.getLogger(__name__)

#: logger name -> how the messages of its INFO dumps start (``record.msg``, unformatted)
DUMPS: dict[str, tuple[str, ...]] = {
    "scrapy.addons": ("Enabled addons:",),
    "scrapy.middleware": ("Enabled %(componentname)ss:",),
    "scrapy.crawler": ("Overridden settings:",),
    "scrapy.statscollectors": ("Dumping Scrapy stats:",),
}


def to_debug(record: logging.LogRecord) -> None:
    """Re-level ``record`` to DEBUG (from a logger filter: before any handler's level test)."""
    record.levelno = logging.DEBUG
    record.levelname = logging.getLevelName(logging.DEBUG)


class ScrapyDumpsAtDebug(logging.Filter):
    """Re-levels one logger's INFO records that start with ``prefixes`` to DEBUG.

    A logger filter runs before the handlers look at the level, so the handler
    of ``LOG_LEVEL`` (and Scrapy's ``log_count/*`` stats) see the record as DEBUG.
    """

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno == logging.INFO
            and isinstance(record.msg, str)
            and record.msg.startswith(self.prefixes)
        ):
            to_debug(record)
        return True


def install() -> None:
    """Put ``ScrapyDumpsAtDebug`` on Scrapy's dump loggers, once per process."""
    for name, prefixes in DUMPS.items():
        target = logging.getLogger(name)
        if not any(isinstance(f, ScrapyDumpsAtDebug) for f in target.filters):
            target.addFilter(ScrapyDumpsAtDebug(prefixes))


def uninstall() -> None:
    for name in DUMPS:
        target = logging.getLogger(name)
        for f in [f for f in target.filters if isinstance(f, ScrapyDumpsAtDebug)]:
            target.removeFilter(f)


def log_level(settings: BaseSettings) -> int:
    """The numeric ``LOG_LEVEL`` of ``settings``."""
    value = settings.get("LOG_LEVEL") or "DEBUG"
    level = logging.getLevelName(value.upper()) if isinstance(value, str) else value
    return level if isinstance(level, int) else logging.DEBUG


class QuietStartupAddon:
    """Scrapy add-on: moves Scrapy's start-up dumps and stats dump to DEBUG
    (unless ``LOG_STARTUP_DETAILS``) and logs the library versions at that level."""

    def update_settings(self, settings: BaseSettings) -> None:
        details = settings.getbool("LOG_STARTUP_DETAILS")
        if details:
            uninstall()
        else:
            install()
        level = logging.INFO if details else logging.DEBUG
        # Scrapy logged the versions already when LOG_VERSIONS names any; computing
        # them imports pyOpenSSL and cryptography, so only when they will be shown.
        if not settings.getlist("LOG_VERSIONS") and log_level(settings) <= level:
            from scrapy.utils.versions import get_versions

            versions = dict(get_versions(default_settings.LOG_VERSIONS))
            logger.log(level, "Versions:\n%s", pprint.pformat(versions, sort_dicts=False))
