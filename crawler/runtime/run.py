"""Identity of one crawl run: the name its output files carry."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_RUN_ATTR = "_cleanwire_run"


def utc_now_iso() -> str:
    """Current time as ISO 8601 UTC with a ``Z`` suffix, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def output_dir(crawler: Any) -> Path:
    """``OUTPUT_DIR/<spider name>``, created on demand by writers."""
    return Path(crawler.settings.get("OUTPUT_DIR", "output")) / crawler.spider.name


def run_name(crawler: Any) -> str:
    """``<UTC start time>[-<worker id>]``, fixed for the whole run.

    Every file of a run (JSONL, stats report, WARC) is named after it.
    """
    name = getattr(crawler, _RUN_ATTR, None)
    if name is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        worker = crawler.settings.get("WORKER_ID") or ""
        name = f"{stamp}-{worker}" if worker else stamp
        if worker == "" and crawler.settings.getbool("DISTRIBUTED"):
            name = f"{stamp}-{os.uname().nodename}-{os.getpid()}"
        setattr(crawler, _RUN_ATTR, name)
    return name
