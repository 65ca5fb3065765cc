"""`scrapy crawl SPIDER`: Scrapy's crawl command, with checks first and a meaningful exit status.

Before any request: an unknown spider is named with the spiders there are; bad
``-a`` values (the spider's ``check_arguments``), unreadable ``-s`` numbers and an
``OUTPUT_DIR`` or ``STATE_URL`` that cannot be written stop the run with one line
each and exit status 2 (``crawler/runtime/preflight.py``). ``-s`` names nothing reads and
``-a`` names the spider does not take are warned about, with the closest known name.

After the crawl the exit status is the run's outcome (``run/exit_code`` in the
stats, set by ``crawler/extensions/outcome.py``); see ``crawler/runtime/outcome.py`` and the
README's "Exit status" table.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.settings import default_settings as scrapy_defaults

from crawler import internals
from crawler import settings as project_settings
from crawler.runtime import outcome, preflight

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


def _accepted_arguments(spidercls: type[Spider]) -> set[str] | None:
    """The ``-a`` names the spider's own ``__init__`` takes; None for a spider that
    keeps Scrapy's (which turns any ``-a`` into an attribute)."""
    if spidercls.__init__ is Spider.__init__:
        return None
    params = inspect.signature(spidercls.__init__).parameters.values()
    named = {
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    }
    return named or None


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``: checks first (exit status 2), then the run's outcome as exit status."""

    def short_desc(self) -> str:
        return (
            "Run a spider, after checking its arguments and settings; exit status says how it went"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process is not None and self.settings is not None
        name = args[0]
        spiders = self.crawler_process.spider_loader.list()
        if name not in spiders:
            self._usage_error([preflight.unknown_spider(name, spiders)])
            return
        spidercls = self.crawler_process.spider_loader.load(name)
        self._warn_unknown_settings()
        self._warn_unknown_arguments(spidercls, opts.spargs)
        problems = self._check(spidercls, opts.spargs)
        if problems:
            self._usage_error(problems)
            return
        crawler = internals.create_crawler(self, name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = outcome.EXIT_ERROR
            return
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        self.exitcode = outcome.run_exit_status(stats)
        if self.exitcode:
            logger.error("Exit status %d: %s", self.exitcode, outcome.describe_run(stats))

    def _usage_error(self, problems: list[str]) -> None:
        for problem in problems:
            logger.error("%s", problem)
        self.exitcode = outcome.EXIT_USAGE

    def _cmdline_settings(self) -> dict[str, Any]:
        """The settings given on the command line (``-s NAME=VALUE``)."""
        assert self.settings is not None
        cmdline = SETTINGS_PRIORITIES["cmdline"]
        return {
            name: self.settings[name]
            for name in self.settings
            if self.settings.getpriority(name) == cmdline
        }

    def _check(self, spidercls: type[Spider], spargs: dict[str, str]) -> list[str]:
        assert self.settings is not None
        defaults = {
            **preflight.module_settings(scrapy_defaults),
            **preflight.module_settings(project_settings),
        }
        problems = preflight.check_setting_values(self._cmdline_settings(), defaults)
        problems += preflight.check_output_dir(self.settings.get("OUTPUT_DIR") or "")
        try:
            redis_retry = self.settings.getfloat("DISTRIBUTED_REDIS_RETRY", 30.0)
        except ValueError:  # reported by check_setting_values
            redis_retry = 30.0
        problems += preflight.check_state_url(
            self.settings.get("STATE_URL") or "", retry_seconds=redis_retry
        )
        check_arguments = getattr(spidercls, "check_arguments", None)
        if callable(check_arguments):
            problems += check_arguments(spargs)
        return problems

    def _warn_unknown_settings(self) -> None:
        assert self.settings is not None
        known = set(preflight.module_settings(scrapy_defaults)) | set(
            preflight.module_settings(project_settings)
        )
        scan = preflight.component_packages(self.settings)
        for name, closest in preflight.unknown_settings(self._cmdline_settings(), known, scan):
            logger.warning("%s", preflight.describe_unknown_setting(name, closest))

    def _warn_unknown_arguments(self, spidercls: type[Spider], spargs: dict[str, str]) -> None:
        accepted = _accepted_arguments(spidercls)
        if accepted is None:
            return
        for warning in preflight.unknown_arguments(spidercls.name, spargs, accepted):
            logger.warning("%s", warning)
