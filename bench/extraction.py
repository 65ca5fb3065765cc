"""Extraction benchmark: our extractor against bare ``trafilatura.extract``.

Scores both on a folder of real pages with ground-truth text (default
``../shared/bench/articles/``: ``<id>.html.gz`` + ``<id>.json`` with ``body``),
with that set's own metric: ``\\w+`` tokens, multisets of 4-token shingles,
per-page tp/fp/fn normalised to sum 1, set precision = mean over non-empty
predictions, recall = mean over all pages, F1 of the two means.

"Ours" is ``crawler.extract.record.build_record`` -- the very function the
extract pipeline runs, article detection included (a page it skips scores as
an empty prediction). Site-level boilerplate removal is a separate step that
learns across a site's pages and cannot act on single pages, so it is not
part of this score.

Pages whose truth also has ``title``, ``authors`` and ``published`` (default
second set ``../shared/bench/news-meta/``) are scored on those fields too, with
that set's metrics: title exact after folding whitespace and case; published
within one day of the truth in UTC; authors the per-page F1 of the two name
sets (folded), averaged over pages whose truth names authors. The pages each
field gets wrong are printed (``--errors``).

Usage::

    python bench/extraction.py [--limit N] [--path DIR ...] [--source listing] [--errors]

Pages are also split into two halves by a hash of their id, so a change that
helps one half only shows up.

Every clean-up rule is measured: the lines each rule removed (``crawl_meta["removed"]``)
and how many of them belong to the ground truth (false removals: most of a line's
4-token shingles are in the truth body; a line of fewer than four tokens must be a
line of the truth or, from two tokens on, a run of its tokens). ``--ablate`` also
scores the set with each rule switched off in turn. Pages our extractor gave no
record for are counted by reason.
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

import crawler.extract.cleanup as cleanup  # noqa: E402
from crawler.extract.record import ExtractOptions, Skip, build_record  # noqa: E402
from crawler.items import FetchedPage  # noqa: E402
from crawler.text.charset import decode_html  # noqa: E402

DEFAULT_PATHS = [ROOT.parent / "shared" / "bench" / p for p in ("articles", "news-meta")]
FIELDS = ("title", "authors", "published")
_TOKEN = re.compile(r"\w+")


@dataclass
class Page:
    id: str
    url: str
    html: str
    truth: str
    fields: dict[str, Any] = field(default_factory=dict)  # title, authors, published

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
        fields = {k: data[k] for k in FIELDS if k in data}
        pages.append(
            Page(str(data.get("id", meta.stem)), data.get("url", ""), html, data["body"], fields)
        )
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


@dataclass
class Output:
    """What an extractor gives for one page: body text and the metadata fields."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    #: Lines the clean-up removed, as {"rule", "text"} (ours only).
    removed: list[dict[str, str]] = field(default_factory=list)
    #: "reason: detail" when no record came out (ours only).
    skip: str | None = None


def bare_trafilatura(page: Page) -> Output:
    doc = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if doc is None:
        return Output("")
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Output(doc.text or "", doc.title, authors, doc.date)


def make_ours(source: str) -> Callable[[Page], Output]:
    options = ExtractOptions(explain=True)

    def ours(page: Page) -> Output:
        fetched = FetchedPage(
            url=page.url or "https://example.invalid/article",
            html=page.html,
            fetched_at="2024-01-01T00:00:00Z",
            source=source,
        )
        result = build_record(fetched, options)
        if isinstance(result, Skip):
            return Output("", skip=f"{result.reason}: {result.detail}")
        removed = list(result.crawl_meta.get("removed", []))
        return Output(result.text, result.title, list(result.authors), result.published, removed)

    return ours


def _fold(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _utc_date(value: str | None) -> date | None:
    """The UTC calendar date of an ISO date or datetime (naive ones taken as they are)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()


def field_score(name: str, got: Output, want: Any) -> float | None:
    """One page's score of one field by the news-meta metrics; None: not scored."""
    if name == "title":
        return float(_fold(got.title) == _fold(want))
    if name == "published":
        truth, ours = _utc_date(want), _utc_date(got.published)
        if truth is None:
            return None
        return float(ours is not None and abs((ours - truth).days) <= 1)
    truth_names = {_fold(a) for a in want or [] if _fold(a)}
    if not truth_names:
        return None
    names = {_fold(a) for a in got.authors if _fold(a)}
    tp = len(names & truth_names)
    if not tp:
        return 0.0
    precision, recall = tp / len(names), tp / len(truth_names)
    return 2 * precision * recall / (precision + recall)


class TruthLines:
    """A truth body, indexed to tell whether a removed line belongs to it."""

    def __init__(self, truth: str) -> None:
        tokens = _TOKEN.findall(truth)
        self.shingles = shingles(truth)
        self.lines = {tuple(_TOKEN.findall(line)) for line in truth.split("\n")}
        self.runs = {tuple(tokens[i : i + n]) for n in (2, 3) for i in range(len(tokens) - n + 1)}

    def has(self, line: str) -> bool:
        """True when ``line`` is (mostly) part of the truth: a false removal."""
        tokens = _TOKEN.findall(line)
        if not tokens:
            return False
        if len(tokens) >= 4:
            own = shingles(line)
            return sum((own & self.shingles).values()) > 0.5 * sum(own.values())
        return tuple(tokens) in self.lines or (len(tokens) > 1 and tuple(tokens) in self.runs)


@dataclass
class RuleCount:
    removed: int = 0
    false: int = 0  # removed lines that belong to the truth
    examples: list[str] = field(default_factory=list)  # "id: line" of false removals


@dataclass
class Scores:
    body: dict[str, tuple[float, float, float]]
    fields: dict[str, float]  # field -> mean score over the pages that have it
    counts: dict[str, int]
    errors: dict[str, list[str]]  # field -> "id: got ... want ..." lines
    rules: dict[str, RuleCount] = field(default_factory=dict)
    skips: Counter[str] = field(default_factory=Counter)  # skip reason -> pages


def run(pages: list[Page], extractor: Callable[[Page], Output]) -> Scores:
    per_half: dict[str, list[tuple[float, float, float]]] = {"A": [], "B": []}
    field_scores: dict[str, list[float]] = {f: [] for f in FIELDS}
    errors: dict[str, list[str]] = {f: [] for f in FIELDS}
    rules: dict[str, RuleCount] = {}
    skips: Counter[str] = Counter()
    for page in pages:
        out = extractor(page)
        per_half[page.half].append(page_counts(out.text, page.truth))
        if out.skip is not None:
            skips[out.skip.split(":", 1)[0]] += 1
            errors.setdefault("skip", []).append(f"{page.id}: {out.skip}")
        if out.removed:
            truth = TruthLines(page.truth)
            for line in out.removed:
                count = rules.setdefault(line["rule"], RuleCount())
                count.removed += 1
                if truth.has(line["text"]):
                    count.false += 1
                    count.examples.append(f"{page.id}: {line['text'][:100]}")
        for name in FIELDS:
            if name not in page.fields:
                continue
            value = field_score(name, out, page.fields[name])
            if value is None:
                continue
            field_scores[name].append(value)
            if value < 1.0:
                errors[name].append(
                    f"{page.id}: got {getattr(out, name)!r}, want {page.fields[name]!r}"
                )
    body = {half: score(res) for half, res in per_half.items()}
    body["all"] = score(per_half["A"] + per_half["B"])
    means = {f: sum(v) / len(v) for f, v in field_scores.items() if v}
    counts = {f: len(v) for f, v in field_scores.items() if v}
    return Scores(body, means, counts, errors, rules, skips)


def report(path: Path, pages: list[Page], bare: Scores, ours: Scores, show_errors: bool) -> None:
    halves = Counter(p.half for p in pages)
    print(f"{len(pages)} pages from {path} (half A: {halves['A']}, half B: {halves['B']})")
    print("| set | bare P | bare R | bare F1 | ours P | ours R | ours F1 | ΔP | ΔR | ΔF1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key, label in (("A", "half A"), ("B", "half B"), ("all", "all")):
        bp, br, bf = bare.body[key]
        op, orr, of = ours.body[key]
        print(
            f"| {label} | {bp:.3f} | {br:.3f} | {bf:.3f} | {op:.3f} | {orr:.3f} | {of:.3f} "
            f"| {op - bp:+.3f} | {orr - br:+.3f} | {of - bf:+.3f} |"
        )
    if ours.skips:
        print("no record: " + ", ".join(f"{r} {n}" for r, n in ours.skips.most_common()))
    if ours.rules:
        print()
        print("| rule | removed | false removals | share false |")
        print("|---|---|---|---|")
        for name, count in sorted(ours.rules.items()):
            share = count.false / count.removed if count.removed else 0.0
            print(f"| {name} | {count.removed} | {count.false} | {share:.2f} |")
    if show_errors:
        for name, count in sorted(ours.rules.items()):
            if count.examples:
                print(f"\n{name}: {count.false} false removals")
                for line in count.examples:
                    print(f"  {line}")
        for line in ours.errors.get("skip", []):
            print(f"  no record: {line}")
    if not ours.fields:
        return
    print()
    print("| field | pages | bare | ours | Δ |")
    print("|---|---|---|---|---|")
    for name in FIELDS:
        if name in ours.fields:
            b, o = bare.fields.get(name, 0.0), ours.fields[name]
            print(f"| {name} | {ours.counts[name]} | {b:.3f} | {o:.3f} | {o - b:+.3f} |")
    if show_errors:
        for name in FIELDS:
            if ours.errors[name]:
                print(f"\n{name}: {len(ours.errors[name])} pages wrong (ours)")
                for line in ours.errors[name]:
                    print(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--path", type=Path, action="append", default=None, help="folder of pages (repeatable)"
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument(
        "--source",
        default="listing",
        help='discovery source given to our extractor ("listing" = no sitemap evidence)',
    )
    parser.add_argument(
        "--errors",
        action="store_true",
        help="print the pages each field misses and each rule's false removals",
    )
    parser.add_argument(
        "--ablate", action="store_true", help="also score with each clean-up rule switched off"
    )
    args = parser.parse_args(argv)
    for path in args.path or DEFAULT_PATHS:
        pages = load_pages(path, args.limit)
        if not pages:
            print(f"no pages in {path}")
            return 1
        t0 = time.perf_counter()
        bare = run(pages, bare_trafilatura)
        t1 = time.perf_counter()
        ours = run(pages, make_ours(args.source))
        t2 = time.perf_counter()
        report(path, pages, bare, ours, args.errors)
        print(f"seconds: bare {t1 - t0:.1f}, ours {t2 - t1:.1f}\n")
        if args.ablate:
            ablate(pages, ours, args.source)
    return 0


def ablate(pages: list[Page], ours: Scores, source: str) -> None:
    """Body scores with each clean-up rule switched off (``crawler.extract.cleanup.RULES``)."""
    in_force = set(cleanup.RULES)
    print("| without rule | P | R | F1 | ΔF1 | ΔF1 half A | ΔF1 half B |")
    print("|---|---|---|---|---|---|---|")
    try:
        for rule in sorted(in_force):
            cleanup.RULES.discard(rule)
            off = run(pages, make_ours(source))
            cleanup.RULES.add(rule)
            p, r, f = off.body["all"]
            deltas = [off.body[h][2] - ours.body[h][2] for h in ("all", "A", "B")]
            print(
                f"| {rule} | {p:.3f} | {r:.3f} | {f:.3f} | "
                + " | ".join(f"{d:+.4f}" for d in deltas)
                + " |"
            )
    finally:
        cleanup.RULES.clear()
        cleanup.RULES.update(in_force)
    print()


if __name__ == "__main__":
    raise SystemExit(main())
