"""Extraction benchmark: our extractor against bare ``trafilatura.extract``.

Scores both on a folder of real pages with ground-truth text (default
``../shared/bench/articles/``: ``<id>.html.gz`` + ``<id>.json`` with ``body``),
with that set's own metric: ``\\w+`` tokens, multisets of 4-token shingles,
per-page tp/fp/fn normalised to sum 1, set precision = mean over non-empty
predictions, recall = mean over all pages, F1 of the two means.

"Ours" is ``crawler.extraction.build_record`` -- the very function the
extract pipeline runs, article detection included (a page it skips scores as
an empty prediction). Site-level boilerplate removal is a separate step that
learns across a site's pages and cannot act on single pages, so it is not
part of this score.

Usage::

    python bench/extraction.py [--limit N] [--path DIR] [--source listing]

Pages are also split into two halves by a hash of their id, so a change that
helps one half only shows up.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.charset import decode_html  # noqa: E402
from crawler.extraction import ExtractOptions, Skip, build_record  # noqa: E402
from crawler.items import FetchedPage  # noqa: E402

DEFAULT_PATH = ROOT.parent / "shared" / "bench" / "articles"
_TOKEN = re.compile(r"\w+")


@dataclass
class Page:
    id: str
    url: str
    html: str
    truth: str

    @property
    def half(self) -> str:
        return "A" if int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 0 else "B"


def load_pages(path: Path, limit: int | None = None) -> list[Page]:
    """Pages of a benchmark folder, in id order (the first ``limit`` of them)."""
    pages: list[Page] = []
    for meta in sorted(path.glob("*.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        raw = path / f"{meta.stem}.html.gz"
        if not raw.exists():
            continue
        body = gzip.decompress(raw.read_bytes())
        html = decode_html(body, None) or body.decode("utf-8", "replace")
        pages.append(Page(str(data.get("id", meta.stem)), data.get("url", ""), html, data["body"]))
        if limit and len(pages) >= limit:
            break
    return pages


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_counts(predicted: str, truth: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page."""
    pred, gold = shingles(predicted), shingles(truth)
    tp = sum((pred & gold).values())
    fp = sum(pred.values()) - tp
    fn = sum(gold.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def score(results: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Set (precision, recall, F1) by the benchmark's definition."""
    precisions, recalls = [], []
    for tp, fp, fn in results:
        if fp == 0 and fn == 0:
            if tp > 0:
                precisions.append(1.0)
                recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def bare_trafilatura(page: Page) -> str:
    return trafilatura.extract(page.html, url=page.url) or ""


def make_ours(source: str) -> Callable[[Page], str]:
    options = ExtractOptions()

    def ours(page: Page) -> str:
        fetched = FetchedPage(
            url=page.url or "https://example.invalid/article",
            html=page.html,
            fetched_at="2024-01-01T00:00:00Z",
            source=source,
        )
        result = build_record(fetched, options)
        return "" if isinstance(result, Skip) else result.text

    return ours


def run(
    pages: list[Page], extractor: Callable[[Page], str]
) -> dict[str, tuple[float, float, float]]:
    per_half: dict[str, list[tuple[float, float, float]]] = {"A": [], "B": []}
    for page in pages:
        per_half[page.half].append(page_counts(extractor(page), page.truth))
    out = {half: score(res) for half, res in per_half.items()}
    out["all"] = score(per_half["A"] + per_half["B"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH, help="folder of pages")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument(
        "--source",
        default="listing",
        help='discovery source given to our extractor ("listing" = no sitemap evidence)',
    )
    args = parser.parse_args(argv)
    pages = load_pages(args.path, args.limit)
    if not pages:
        print(f"no pages in {args.path}")
        return 1
    t0 = time.perf_counter()
    bare = run(pages, bare_trafilatura)
    t1 = time.perf_counter()
    ours = run(pages, make_ours(args.source))
    t2 = time.perf_counter()
    halves = Counter(p.half for p in pages)
    print(f"{len(pages)} pages from {args.path} (half A: {halves['A']}, half B: {halves['B']})")
    print("| set | bare P | bare R | bare F1 | ours P | ours R | ours F1 | ΔP | ΔR | ΔF1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key, label in (("A", "half A"), ("B", "half B"), ("all", "all")):
        bp, br, bf = bare[key]
        op, orr, of = ours[key]
        print(
            f"| {label} | {bp:.3f} | {br:.3f} | {bf:.3f} | {op:.3f} | {orr:.3f} | {of:.3f} "
            f"| {op - bp:+.3f} | {orr - br:+.3f} | {of - bf:+.3f} |"
        )
    print(f"seconds: bare {t1 - t0:.1f}, ours {t2 - t1:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
