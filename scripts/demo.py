"""Crawl the bundled sample news site and show what Cleanwire made of it.

Starts a static server for ``samples/newsroom`` on 127.0.0.1 (a free port),
runs the real ``scrapy crawl news`` against it in a subprocess, stops the
server, then prints where the JSONL is, how many records it holds (by
language) and one record. Nothing leaves the machine.

    python scripts/demo.py [--output output/demo]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.sample_server import SAMPLE_SITE, SampleSiteServer  # noqa: E402


def crawl(base: str, output: Path, state: Path) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl news`` on the sample site, as a user would type it."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"start={base}/",
        "-s",
        "ALLOW_LOOPBACK=1",  # the sample is served from 127.0.0.1
        "-s",
        "AUTOTHROTTLE_ENABLED=0",  # our own local server: no need to be gentle
        "-s",
        f"OUTPUT_DIR={output}",
        "-s",
        f"STATE_URL=sqlite:///{state}",
    ]
    print("$ " + " ".join(cmd[2:]), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", default="output/demo", help="folder for the JSONL (default: output/demo)"
    )
    args = parser.parse_args(argv)
    output = (ROOT / args.output).resolve()
    # A fresh state each run: otherwise a second demo would find every article
    # already emitted (incremental crawling) and write nothing.
    state_dir = output / "state"
    shutil.rmtree(state_dir, ignore_errors=True)
    state_dir.mkdir(parents=True)
    before = set((output / "news").glob("*.jsonl"))

    with SampleSiteServer(SAMPLE_SITE) as server:
        print(f"Serving the sample site {SAMPLE_SITE.relative_to(ROOT)} at {server.base}/")
        result = crawl(server.base, output, state_dir / "state.sqlite3")
        fetched = len(server.requested)

    new_files = sorted(set((output / "news").glob("*.jsonl")) - before)
    if result.returncode != 0 or not new_files:
        print(f"\nThe crawl failed (exit code {result.returncode}); see the log above.")
        return result.returncode or 1
    jsonl = new_files[-1]
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line]
    languages = Counter(r.get("language") or "unknown" for r in records)
    stats_file = jsonl.with_suffix(".stats.json")
    print()
    print(f"JSONL:    {jsonl}")
    if stats_file.exists():
        print(f"Stats:    {stats_file}")
    print(f"Requests: {fetched} served by the sample site")
    print(
        f"Records:  {len(records)} ({', '.join(f'{k}={v}' for k, v in sorted(languages.items()))})"
    )
    if records:
        print("\nOne record:")
        print(json.dumps(records[0], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
