"""CPU per record of the item pipelines after extraction: boilerplate, dedupe, write.

    python -m bench.pipelines_cpu [--n 2000] [--runs 2] [--profile out.pstats] [--out DIR]

Builds N records the way a ``bench/throughput.py`` crawl does (the same copies of
the real bench pages, extracted in this process by ``build_record``; cached in
``/tmp`` since extraction is not what is measured here), then feeds them through
a real Crawler's BoilerplatePipeline, DedupePipeline and JsonlWriterPipeline on a
real SQLite store, and prints the CPU milliseconds (``time.process_time``) per
record of each. Run 1 starts from an empty store; every further run re-crawls
the same records against it (each one ``skip/unchanged``). ``--out`` keeps the
JSONL files to compare two versions of the code byte for byte. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pickle
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler import settings as project_settings  # noqa: E402
from crawler.items import ArticleRecord, FetchedPage  # noqa: E402
from crawler.runtime.state import store_for  # noqa: E402
from crawler.text.normalize import content_hash, word_count  # noqa: E402
from pipelines.boilerplate import BoilerplatePipeline  # noqa: E402
from pipelines.dedupe import DedupePipeline  # noqa: E402
from pipelines.write import JsonlWriterPipeline  # noqa: E402

BASE = "http://127.0.0.1:8000"
STAGES = ("boilerplate", "dedupe", "write")


def build_records(n: int) -> list[ArticleRecord]:
    """The records extraction gives for the first ``n`` pages of the throughput bench."""
    cache = Path(tempfile.gettempdir()) / f"cleanwire-bench-records-{n}.pickle"
    if cache.exists():
        records: list[ArticleRecord] = pickle.loads(cache.read_bytes())
        return records
    from bench.throughput import Site, load_templates
    from crawler.extract.record import build_record
    from pipelines.extract import options_from_settings

    options = options_from_settings(get_crawler(Spider).settings)
    site = Site(load_templates(), n)
    records = []
    for i in range(n):
        path = site.path(i)
        page = FetchedPage(
            url=BASE + path,
            html=site.page(i).replace("\ue001", BASE + path),
            fetched_at="2026-01-01T00:00:00Z",
            source="sitemap",
        )
        result = build_record(page, options)
        if isinstance(result, ArticleRecord):
            records.append(result)
    cache.write_bytes(pickle.dumps(records))
    return records


class Chain:
    """The three pipelines of one crawler, driven without a reactor."""

    def __init__(self, tmp: Path, run: int) -> None:
        self.crawler = get_crawler(
            Spider,
            {
                "OUTPUT_DIR": str(tmp / "output"),
                "STATE_URL": f"sqlite:///{tmp / 'state.sqlite3'}",
                "WRITE_SYNC_INTERVAL": 0,
                "RUN_NAME": f"run{run}",
            },
        )
        self.crawler.spider = Spider.from_crawler(self.crawler, name="news")
        self.boilerplate = BoilerplatePipeline.from_crawler(self.crawler)
        self.dedupe = DedupePipeline.from_crawler(self.crawler)
        self.writer = JsonlWriterPipeline.from_crawler(self.crawler)
        self.boilerplate.store = store_for(self.crawler)  # open_spider without its watchdog
        self.dedupe.open_spider()
        self.writer.open_spider()
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.written = 0

    def _timed(self, stage: str, step: Callable[[Any], Any], item: Any) -> Any:
        started = time.process_time()
        try:
            return step(item)
        finally:
            self.cpu[stage] += time.process_time() - started

    def _after_boilerplate(self, item: Any) -> None:
        try:
            item = self._timed("dedupe", self.dedupe.process_item, item)
            self._timed("write", self.writer.process_item, item)
            self.written += 1
        except DropItem:
            pass

    def feed(self, item: ArticleRecord) -> None:
        # Boilerplate's process_item runs until it holds the record (the cost of the
        # rest is counted when a later record releases it, as in a crawl).
        started = time.process_time()
        done = Deferred.fromCoroutine(self.boilerplate.process_item(item))
        self.cpu["boilerplate"] += time.process_time() - started
        done.addCallback(self._after_boilerplate)
        done.addErrback(lambda failure: failure.trap(DropItem))

    def close(self) -> None:
        started = time.process_time()
        self.boilerplate._release_all("close")
        self.boilerplate.save()
        self.cpu["boilerplate"] += time.process_time() - started
        started = time.process_time()
        self.writer.close_spider()
        self.cpu["write"] += time.process_time() - started
        store_for(self.crawler).close()


def copy(record: ArticleRecord) -> ArticleRecord:
    """A fresh record per run (the pipelines edit records in place)."""
    return pickle.loads(pickle.dumps(record))


MONTHS = ("January", "March", "May", "July", "September", "November")


def with_chrome(records: list[ArticleRecord], sites: int) -> list[ArticleRecord]:
    """The records spread over ``sites`` sites, each line of chrome that news sites
    leave inside the article (a stamp glued to the first paragraph, a "Read more:"
    link, a follow line, a newsletter promo) added, so that cleaning has work to do."""
    out = []
    for i, record in enumerate(records):
        site = f"news{i % sites}.example"
        stamp = f"Updated {MONTHS[i % 6]} {1 + i % 28}, 2024 {1 + i % 12}:{10 + i % 50} pm"
        other = records[(i * 7 + 3) % len(records)].title or "More news"
        paras = record.text.split("\n\n")
        paras[0] = f"{stamp}\n{paras[0]}"
        paras.insert(len(paras) // 2, f"Read more: {other}")
        paras.append(f"Follow {site} on Facebook, X and Instagram")
        paras[-2] += " Get the Morning Brief newsletter in your inbox every day."
        chrome = copy(record)
        chrome.site = site
        chrome.text = "\n\n".join(paras)
        chrome.content_hash = content_hash(chrome.text)
        chrome.word_count = word_count(chrome.text)
        out.append(chrome)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", help="cProfile the pipelines into this pstats file")
    parser.add_argument("--out", help="copy the JSONL files written into this folder")
    parser.add_argument(
        "--chrome", type=int, default=0, help="spread the records over this many sites, with chrome"
    )
    args = parser.parse_args()
    # a non-asyncio reactor, never run: held records then wait on plain Deferreds,
    # which the record that releases them fires synchronously
    install_reactor("twisted.internet.pollreactor.PollReactor")
    records = build_records(args.n)
    if args.chrome:
        records = with_chrome(records, args.chrome)
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for run in range(1, args.runs + 1):
            items = [copy(r) for r in records]
            chain = Chain(tmp, run)
            # as in a crawl (crawler.extensions.gc_tuning): what exists now is frozen,
            # the young generation is collected every GC_THRESHOLD allocations
            gc.collect()
            gc.freeze()
            gc.set_threshold(project_settings.GC_THRESHOLD or 700)
            if profiler is not None:
                profiler.enable()
            for item in items:
                chain.feed(item)
            chain.close()
            if profiler is not None:
                profiler.disable()
            per = ", ".join(f"{s} {1000 * chain.cpu[s] / len(items):.3f}" for s in STAGES)
            total = 1000 * sum(chain.cpu.values()) / len(items)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"run {run}: {len(items)} records, {chain.written} written; CPU ms/record: "
                f"{per}; all {total:.3f}; peak RSS {peak:.0f} MB"
            )
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            for path in (tmp / "output").rglob("*.jsonl"):
                shutil.copy(path, out / path.name)
    if profiler is not None:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
