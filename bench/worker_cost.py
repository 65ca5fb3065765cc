"""CPU cost of the extraction worker's function, against bare trafilatura.

Measures, in one process and one run, CPU milliseconds per page
(``time.process_time``, so other load on the machine barely matters) of:

- ``build_record`` -- what an extraction worker runs per page (parsing, article
  detection, metadata, trafilatura, clean-up, language detection);
- bare ``trafilatura.extract(html)`` (the default mode: readability/jusText
  comparison on every page) -- the throughput goal's baseline;
- ``trafilatura.extract(html, fast=True)``;
- pickling the returned record (what travels back to the crawl process).

Each is run ``--reps`` times over all pages, interleaved, and the best and
median repetitions are printed. Then one more pass of ``build_record`` with
timers around its phases prints where the time goes (timers add a little
overhead; the per-phase figures are exclusive: a phase's nested phases are
not counted in it).

Usage::

    python bench/worker_cost.py [--reps 5] [--limit N] [--path DIR] [--no-language]
"""

from __future__ import annotations

import argparse
import functools
import pickle
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

import crawler.extract.record as extraction  # noqa: E402
from bench.extraction import DEFAULT_PATHS, load_pages  # noqa: E402
from crawler.extract.record import ExtractOptions, Skip, build_record  # noqa: E402
from crawler.items import FetchedPage  # noqa: E402
from crawler.text.language import _get_factory  # noqa: E402

#: Functions of crawler.extract.record timed as phases (name in the module -> phase label).
#: Names missing from the module are skipped, so the table survives refactoring.
PHASES = {
    "parse_html": "parse HTML",
    "page_metadata": "metadata (description, site name, tags ...)",
    "headline": "title",
    "article_authors": "authors",
    "lead_image": "image",
    "read_paywall": "paywall",
    "_canonical": "canonical URL",
    "anchor_texts": "anchor texts",
    "body_lines": "body lines + link shares",
    "clean_paragraphs": "clean-up",
    "detect_language": "language detection",
}


def _pages(path: Path, limit: int | None) -> list[FetchedPage]:
    return [
        FetchedPage(
            url=p.url or "https://example.invalid/article",
            html=p.html,
            fetched_at="2024-01-01T00:00:00Z",
            source="listing",
        )
        for p in load_pages(path, limit)
    ]


def _timed_reps(fns: dict[str, Callable[[], Any]], reps: int, n: int) -> dict[str, list[float]]:
    """ms CPU per page of each function, ``reps`` times, interleaved."""
    out: dict[str, list[float]] = defaultdict(list)
    for _ in range(reps):
        for name, fn in fns.items():
            started = time.process_time()
            fn()
            out[name].append(1000 * (time.process_time() - started) / n)
    return out


def phase_breakdown(pages: list[FetchedPage], options: ExtractOptions) -> dict[str, float]:
    """Exclusive ms CPU per page of each phase of ``build_record`` (one pass)."""
    totals: dict[str, float] = defaultdict(float)
    stack: list[list[float]] = []  # [start, time spent in nested phases]

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [time.process_time(), 0.0]
            stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                stack.pop()
                spent = time.process_time() - frame[0]
                totals[label] += spent - frame[1]
                if stack:
                    stack[-1][1] += spent

        return timed

    saved: dict[str, Any] = {}
    for name, label in PHASES.items():
        if hasattr(extraction, name):
            saved[name] = getattr(extraction, name)
            setattr(extraction, name, wrap(label, saved[name]))
    try:
        started = time.process_time()
        for page in pages:
            build_record(page, options)
        total = time.process_time() - started
    finally:
        for name, fn in saved.items():
            setattr(extraction, name, fn)
    n = len(pages)
    out = {label: 1000 * t / n for label, t in totals.items()}
    out["(rest of build_record)"] = 1000 * (total - sum(totals.values())) / n
    out["TOTAL (with timers)"] = 1000 * total / n
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATHS[0], help="folder of pages")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument(
        "--no-language", action="store_true", help="build_record without language detection"
    )
    args = parser.parse_args(argv)
    pages = _pages(args.path, args.limit)
    if not pages:
        print(f"no pages in {args.path}")
        return 1
    n = len(pages)
    options = ExtractOptions(language_max_chars=0 if args.no_language else 600)
    # warm-up: imports, langdetect profiles, dateparser, lxml's parser
    _get_factory()
    for page in pages[:10]:
        build_record(page, options)
        trafilatura.extract(page.html, url=page.url)
    records = [build_record(page, options) for page in pages]
    fns: dict[str, Callable[[], Any]] = {
        "build_record": lambda: [build_record(p, options) for p in pages],
        "bare trafilatura.extract": lambda: [trafilatura.extract(p.html, url=p.url) for p in pages],
        "trafilatura.extract fast=True": lambda: [
            trafilatura.extract(p.html, url=p.url, fast=True) for p in pages
        ],
        "pickle record (send back)": lambda: [
            pickle.loads(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in records
        ],
    }
    results = _timed_reps(fns, args.reps, n)
    skipped = sum(isinstance(r, Skip) for r in records)
    print(f"{n} pages from {args.path}, {args.reps} repetitions, {skipped} skipped by build_record")
    print("| function | best ms CPU/page | median ms CPU/page |")
    print("|---|---:|---:|")
    for name, values in results.items():
        print(f"| {name} | {min(values):.2f} | {statistics.median(values):.2f} |")
    ours, bare = min(results["build_record"]), min(results["bare trafilatura.extract"])
    print(f"build_record / bare (best): {ours / bare:.2f}")
    print()
    print("phases of build_record (exclusive, one pass, with timers):")
    print("| phase | ms CPU/page |")
    print("|---|---:|")
    for label, ms in sorted(phase_breakdown(pages, options).items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {ms:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
