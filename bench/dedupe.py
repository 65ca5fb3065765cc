"""What dedupe adds per article: DedupePipeline + JSONL writer + SQLite store.

    python -m bench.dedupe [N]

Feeds N generated articles (distinct texts, ~260 words; every 10th a near copy
of an earlier one) through a real Crawler's DedupePipeline and JsonlWriterPipeline
on a temporary SQLite store, and prints the milliseconds per article of each
stage, the store size and the peak RSS growth. Not a test.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord
from crawler.runtime.state import store_for
from pipelines.dedupe import DedupePipeline
from pipelines.write import JsonlWriterPipeline
from tests.articles import article_text
from tests.test_dedupe import record


def article(i: int) -> ArticleRecord:
    """Generated article ``i``; every 10th is a near copy of an earlier one."""
    paras = article_text(i)[1]
    if i % 10 == 9:  # a near copy of an earlier article: new dateline, one line added
        paras = article_text(i - 5)[1]
        paras[0] = "LISBON (Wire) - " + paras[0]
        paras.append("Sign up for our newsletter.")
    return record(f"https://site{i % 7}.example/news/{i}", "\n\n".join(paras))


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crawler = get_crawler(
            Spider,
            {
                "OUTPUT_DIR": f"{tmp}/out",
                "STATE_URL": f"sqlite:///{tmp}/state.sqlite3",
                "WRITE_SYNC_INTERVAL": 0,
            },
        )
        crawler.spider = Spider.from_crawler(crawler, name="news")
        dedupe = DedupePipeline.from_crawler(crawler)
        writer = JsonlWriterPipeline.from_crawler(crawler)
        dedupe.open_spider()
        writer.open_spider()
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t_dedupe = t_write = 0.0
        for i in range(n):
            item = article(i)  # made one at a time: memory growth is the pipelines' own
            t0 = time.perf_counter()
            try:
                dedupe.process_item(item)
            except DropItem:
                t_dedupe += time.perf_counter() - t0
                continue
            t1 = time.perf_counter()
            writer.process_item(item)
            t_dedupe += t1 - t0
            t_write += time.perf_counter() - t1
        t0 = time.perf_counter()
        writer.close_spider()
        t_close = time.perf_counter() - t0
        store = store_for(crawler)
        kept = store.count()  # type: ignore[attr-defined]
        store.close()
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = sum(p.stat().st_size for p in Path(tmp).glob("state.sqlite3*"))
        stats = crawler.stats.get_stats()
        print(
            f"articles: {n}, written: {kept}, "
            f"near copies dropped: {stats.get('drop/near_duplicate', 0)}"
        )
        print(f"dedupe (lookups + MinHash + LSH query): {t_dedupe / n * 1000:.2f} ms/article")
        print(
            "write (JSONL line + mark incl. LSH insert, batched fsync/commit): "
            f"{t_write / kept * 1000:.2f} ms/record"
        )
        print(f"close (fsync, commit, rename): {t_close * 1000:.1f} ms")
        print(f"store: {size / 1e6:.1f} MB on disk; peak RSS growth {(rss1 - rss0) / 1024:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
