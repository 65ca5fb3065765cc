"""What a run achieved, per start site and as a whole: the exit status of ``scrapy crawl``.

A cron job reads the exit status, so it must say whether the run did its work. A
start site *failed* when none of its requests (robots.txt, sitemaps, feeds, the
start page, articles) got a good answer (status below 400) and at least one failed
for good: DNS, connection refused, TLS, timeouts, 5xx (or other error statuses)
everywhere. Records that could not be written or marked in the state store make
the whole run an output failure, which wins over site failures.

Plain functions and one small class; ``crawler/extensions/outcome.py`` feeds them
from Scrapy's signals, ``crawler/commands/crawl.py`` exits with the result.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

#: The run did its work (also when there was nothing new).
EXIT_OK = 0
#: An unexpected error: Scrapy's own status for a crawl that could not start, or a crash.
EXIT_ERROR = 1
#: Bad arguments or settings, reported before any request.
EXIT_USAGE = 2
#: Every start site failed.
EXIT_ALL_SITES_FAILED = 3
#: Some start sites failed; the others' records were written.
EXIT_SOME_SITES_FAILED = 4
#: Records could not be written or marked in the state store (disk, permissions, store).
EXIT_OUTPUT_FAILED = 5
#: Stopped by a signal (SIGTERM, Ctrl-C) before it finished; what it wrote is complete.
EXIT_INTERRUPTED = 6

OUTCOMES: dict[int, str] = {
    EXIT_OK: "ok",
    EXIT_ALL_SITES_FAILED: "all_sites_failed",
    EXIT_SOME_SITES_FAILED: "some_sites_failed",
    EXIT_OUTPUT_FAILED: "output_failed",
    EXIT_INTERRUPTED: "interrupted",
}

DNS_FAILED = "DNS lookup failed"
CONNECTION_REFUSED = "connection refused"
TLS_FAILED = "TLS error"
TIMED_OUT = "timed out"
CONNECTION_FAILED = "connection failed"
CONNECTION_LOST = "connection lost"

#: Reasons that mean the host did not answer at all (as opposed to answering badly).
UNREACHABLE = frozenset({DNS_FAILED, CONNECTION_REFUSED, TLS_FAILED, TIMED_OUT, CONNECTION_FAILED})

_TLS_TEXT = re.compile(r"\b(?:SSL|TLS)|certificate|handshake", re.IGNORECASE)


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from (Scrapy wraps Twisted's)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def failure_reason(exc: BaseException) -> str:
    """A short, stable name for why a download failed (``"connection refused"`` ...)."""
    chain = exception_chain(exc)
    names = {cls.__name__ for e in chain for cls in type(e).__mro__}
    text = " ".join(str(e) for e in chain)
    if names & {"CannotResolveHostError", "DNSLookupError", "gaierror"}:
        return DNS_FAILED
    if names & {"DownloadConnectionRefusedError", "ConnectionRefusedError"}:
        return CONNECTION_REFUSED
    if "SSLError" in names or _TLS_TEXT.search(text):
        return TLS_FAILED
    if names & {"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"}:
        return TIMED_OUT
    if "ConnectError" in names:
        return CONNECTION_FAILED
    if names & {"ResponseDataLossError", "ConnectionLost", "ConnectionDone", "ResponseFailed"}:
        return CONNECTION_LOST
    if "DownloadFailedError" in names:
        return CONNECTION_LOST
    return type(exc).__name__


def status_reason(status: int) -> str:
    """The failure reason of an error answer."""
    return f"HTTP {status}"


class SiteOutcomes:
    """Per site: whether any request got a good answer, and how the others failed."""

    def __init__(self) -> None:
        self._answered: set[str] = set()
        self._failures: dict[str, Counter[str]] = {}
        self._start_failure: dict[str, str] = {}

    def answered(self, site: str) -> None:
        """A request of ``site`` got an answer below 400."""
        self._answered.add(site)

    def failed(self, site: str, reason: str, start_page: bool = False) -> None:
        """A request of ``site`` failed for good (retries spent) with ``reason``."""
        self._failures.setdefault(site, Counter())[reason] += 1
        if start_page:
            self._start_failure[site] = reason

    def response(self, site: str, status: int, start_page: bool = False) -> None:
        """Record a final answer: good below 400, a failure from 400 up."""
        if status < 400:
            self.answered(site)
        else:
            self.failed(site, status_reason(status), start_page)

    def failed_sites(self, sites: Iterable[str]) -> dict[str, str]:
        """``{site: reason}`` for the ``sites`` that never got a good answer.

        The reason is the start page's failure when it failed, else the most common one.
        """
        failed = {}
        for site in sites:
            failures = self._failures.get(site)
            if site in self._answered or not failures:
                continue
            failed[site] = self._start_failure.get(site) or failures.most_common(1)[0][0]
        return failed


def exit_status(
    start_sites: int, failed_sites: int, output_failed: bool, interrupted: bool = False
) -> int:
    """The exit status of a run that started: output failures win over an interruption,
    which wins over site failures (the sites it did not reach were not tried)."""
    if output_failed:
        return EXIT_OUTPUT_FAILED
    if interrupted:
        return EXIT_INTERRUPTED
    if start_sites and failed_sites >= start_sites:
        return EXIT_ALL_SITES_FAILED
    if failed_sites:
        return EXIT_SOME_SITES_FAILED
    return EXIT_OK


#: Finish reasons that mean records were not written (``pipelines/write.py``).
OUTPUT_FAILURES = frozenset({"disk_full", "write_error"})


def output_failed(stats: Mapping[str, Any]) -> bool:
    """True when records (or the run's report) could not be written, or not marked in the
    state store: the writer's and the report's ``write/errors``, ``write/unmarked``."""
    return (
        stats.get("finish_reason") in OUTPUT_FAILURES
        or int(stats.get("write/errors", 0) or 0) > 0
        or int(stats.get("write/unmarked", 0) or 0) > 0
    )


def run_exit_status(stats: Mapping[str, Any]) -> int:
    """The exit status of a finished run, from its stats (``run/*`` and ``write/*``)."""
    return exit_status(
        int(stats.get("run/start_sites", 0) or 0),
        int(stats.get("run/sites_failed", 0) or 0),
        output_failed(stats),
        interrupted(stats),
    )


def interrupted(stats: Mapping[str, Any]) -> bool:
    """The run was stopped by a signal (Scrapy's ``shutdown`` finish reason)."""
    return bool(stats.get("run/interrupted")) or stats.get("finish_reason") == "shutdown"


def describe_failed(failed: Mapping[str, str], start_sites: int) -> str:
    """``"2 of 3 start sites failed: a.example (connection refused), b.example (HTTP 500)"``."""
    named = ", ".join(f"{site} ({reason})" for site, reason in sorted(failed.items()))
    return f"{len(failed)} of {start_sites} start sites failed: {named}"


def failed_sites_of(stats: Mapping[str, Any]) -> dict[str, str]:
    """``{host: reason}`` of the failed start sites in a run's stats."""
    prefix = "run/failed_site/"
    return {k[len(prefix) :]: str(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


def describe_run(stats: Mapping[str, Any]) -> str:
    """What went wrong in a run, in one line (for a non-zero exit status)."""
    parts = []
    if output_failed(stats):
        reason = stats.get("finish_reason")
        parts.append(
            "records could not be written or marked in the state store"
            + (f" ({reason})" if reason in OUTPUT_FAILURES else "")
            + "; see the errors above"
        )
    if interrupted(stats):
        parts.append(
            "stopped by a signal before it finished; the records it wrote are complete and "
            "the next run goes on from there"
        )
    failed = failed_sites_of(stats)
    if failed:
        parts.append(describe_failed(failed, int(stats.get("run/start_sites", 0) or 0)))
    return "; ".join(parts) or "ok"
