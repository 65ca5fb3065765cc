"""WARC throughput and memory: `scrapy crawl warc` over archives of N real article pages.

Builds WARC files of N distinct copies of the real pages in ../shared/bench/articles
(the same copies as bench/throughput.py), runs the real `scrapy crawl warc` over each
with every pipeline on and a fresh state store, and prints pages per second and the
peak RSS of the crawl's process tree, so growth with N shows whether it streams.

    python bench/warc.py --sizes 2000,10000
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import Site, Watch, load_templates  # noqa: E402

MB = 1024 * 1024


def build_warc(path: Path, site: Site, base: str) -> None:
    """An archive with one HTTP 200 HTML response record per page of ``site``."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(site.n):
            body = site.page(i).replace("\ue001", base + site.path(i)).encode("utf-8")
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                base + site.path(i), "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)


def run(n: int, templates: list, workdir: Path) -> dict[str, float]:
    site = Site(templates, n)
    archive = workdir / f"pages-{n}.warc.gz"
    build_warc(archive, site, "https://warc-bench.example")
    out = workdir / f"out-{n}"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "warc",
        "-a",
        f"path={archive}",
        "-s",
        f"OUTPUT_DIR={out}",
        "-s",
        f"STATE_URL=sqlite:///{workdir / f'state-{n}.sqlite3'}",
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    watch = Watch(proc.pid).start()
    proc.wait()
    seconds = time.perf_counter() - started
    watch.stop()
    stats_file = sorted((out / "warc").glob("*.stats.json"))[-1]
    stats = json.loads(stats_file.read_text())["stats"]
    return {
        "n": n,
        "records": stats.get("records/written", 0),
        "seconds": seconds,
        "pages_per_s": n / seconds,
        "peak_rss_mb": watch.peak_rss / MB,
        "peak_pss_mb": watch.peak_pss / MB,
        "archive_mb": archive.stat().st_size / MB,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000", help="archive sizes (pages)")
    args = parser.parse_args()
    templates = load_templates()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cleanwire-warc-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            row = run(n, templates, Path(tmp))
            rows.append(row)
            print(
                f"N={row['n']:>6}  archive {row['archive_mb']:.0f} MB  records {row['records']}"
                f"  {row['seconds']:.1f}s  {row['pages_per_s']:.1f} pages/s"
                f"  peak RSS {row['peak_rss_mb']:.0f} MB (PSS {row['peak_pss_mb']:.0f} MB)",
                flush=True,
            )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(
            f"N x{last['n'] / first['n']:.1f}: time x{last['seconds'] / first['seconds']:.2f}, "
            f"peak RSS x{last['peak_rss_mb'] / first['peak_rss_mb']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
