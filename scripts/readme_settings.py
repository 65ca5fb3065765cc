"""Regenerate the README's settings table from ``crawler/settings.py``.

Every setting in ``crawler/settings.py`` carries its default and a one-line
comment; this script turns them into the rows between ``<!-- settings:start -->``
and ``<!-- settings:end -->`` in README.md, grouped by the file's ``# --- section``
headers, so the table never drifts from the code. ``tests/test_schema.py``
checks that every setting has a row.

    python scripts/readme_settings.py          # rewrite README.md
    python scripts/readme_settings.py --check  # exit 1 if README.md is stale
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "crawler" / "settings.py"
README = ROOT / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
#: Meanings for Scrapy component tables, which span several lines and carry no comment.
COMPONENT_TABLES = {
    "ITEM_PIPELINES": "the record pipeline: extract → language → dedupe → boilerplate → write",
    "EXTENSIONS": "run report, WARC output and other crawl-wide extensions",
    "DOWNLOADER_MIDDLEWARES": "address and redirect guards, retry backoff, body checks, "
    "bounded decompression",
    "SPIDER_MIDDLEWARES": "trap filter (session ids, trap-shaped URLs)",
}


def _comment(line: str) -> str:
    """The trailing ``# comment`` of a source line (ignoring ``#`` inside strings)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.rstrip("\n") + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return ""
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            return tok.string.lstrip("#").strip()
    return ""


def settings_rows(source: str) -> list[tuple[str, str, str, str]]:
    """``(section, name, default, meaning)`` for every upper-case assignment."""
    lines = source.splitlines()
    tree = ast.parse(source)
    rows = []
    headers = [
        (i + 1, m.group(1).strip())
        for i, line in enumerate(lines)
        if (m := re.match(r"#\s*---\s*(.+?)\s*-{3,}", line))
    ]
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign):
            target = node.target
        if not (isinstance(target, ast.Name) and target.id.isupper()) or node.value is None:
            continue
        section = next((h for n, h in reversed(headers) if n < node.lineno), "project")
        segment = ast.get_source_segment(source, node.value) or ""
        multiline = node.end_lineno != node.lineno
        default = "see `crawler/settings.py`" if multiline else f"`{segment}`"
        meaning = _comment(lines[node.lineno - 1])
        if not meaning and node.lineno > 1:
            above = lines[node.lineno - 2].strip()
            if above.startswith("#") and not above.startswith("# ---"):
                meaning = above.lstrip("#").strip()
        meaning = meaning or COMPONENT_TABLES.get(target.id, "")
        rows.append((section, target.id, default, meaning.replace("|", "\\|")))
    return rows


def table(rows: list[tuple[str, str, str, str]]) -> str:
    out = ["| Setting | Default | Meaning |", "|---|---|---|"]
    section = None
    for sec, name, default, meaning in rows:
        if sec != section:
            out.append(f"| **{sec}** | | |")
            section = sec
        out.append(f"| `{name}` | {default} | {meaning} |")
    return "\n".join(out)


def render(readme: str, rows: list[tuple[str, str, str, str]]) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"README.md has no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{table(rows)}\n{END}", readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether README is stale")
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    updated = render(readme, settings_rows(SETTINGS.read_text(encoding="utf-8")))
    if args.check:
        if updated != readme:
            print("README.md settings table is stale: run python scripts/readme_settings.py")
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
