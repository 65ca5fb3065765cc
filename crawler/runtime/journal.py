"""The JSONL ``.part`` file is the crawl's journal; this recovers leftovers of killed runs.

A run writes ``<run>.jsonl.part`` one flushed line per record and marks each
record in the state store only after its line is written, then renames the file
to ``<run>.jsonl`` when it closes. A run killed on the way leaves its ``.part``
behind: every complete line in it is a record the user received, whether or not
its mark reached the store. Recovery keeps every complete line, drops a torn
last line, hands the records back so the caller can (re-)mark them, and renames
the file to its final name.

A running writer holds an exclusive ``flock`` on its ``.part``, so recovery in
another process (a second crawl writing to the same folder) leaves it alone.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

PART_SUFFIX = ".jsonl.part"


@dataclass
class Repair:
    """What :func:`repair_part` found in a leftover ``.part`` file."""

    kept: int
    torn: int


def _complete(line: bytes) -> bool:
    if not line.endswith(b"\n"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def lock(fh: IO[Any], blocking: bool = False) -> bool:
    """Take an exclusive lock on an open file; False when another process holds it."""
    flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
    try:
        fcntl.flock(fh.fileno(), flags)
    except BlockingIOError:
        return False
    return True


def leftover_parts(folder: Path) -> list[Path]:
    """``*.jsonl.part`` files in ``folder``, oldest name first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(PART_SUFFIX) and p.is_file())


def repair_part(fh: IO[bytes]) -> Repair:
    """Make the open (``r+b``) journal hold only complete JSON lines.

    The usual damage, a torn last line, is cut off in place; anything else
    (a bad line between good ones) is removed by rewriting the file's content.
    """
    fh.seek(0)
    kept = torn = 0
    good_end = 0  # end of the longest prefix of complete lines
    bad_inside = False
    while line := fh.readline():
        if _complete(line):
            kept += 1
            if torn == 0:
                good_end = fh.tell()
            else:
                bad_inside = True
        else:
            torn += 1
    if bad_inside:
        fh.seek(0)
        good = [line for line in fh.readlines() if _complete(line)]
        fh.seek(0)
        fh.writelines(good)
        fh.truncate()
    elif torn:
        fh.truncate(good_end)
    fh.flush()
    os.fsync(fh.fileno())
    return Repair(kept=kept, torn=torn)


def iter_records(fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The records of a repaired journal, in order (streamed)."""
    fh.seek(0)
    for line in fh:
        if line.strip():
            yield json.loads(line)


def final_path(part: Path) -> Path:
    """``<run>.jsonl`` for ``<run>.jsonl.part`` (never an existing file)."""
    base = part.name[: -len(PART_SUFFIX)]
    target = part.with_name(f"{base}.jsonl")
    n = 1
    while target.exists():
        target = part.with_name(f"{base}.recovered-{n}.jsonl")
        n += 1
    return target


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finalize(part: Path) -> Path:
    """Rename a closed or repaired journal to its final ``.jsonl`` name, durably.

    An empty journal is removed instead (a run that wrote nothing leaves no file).
    """
    if part.stat().st_size == 0:
        part.unlink()
        fsync_dir(part.parent)
        return part
    target = final_path(part)
    os.replace(part, target)
    fsync_dir(part.parent)
    return target
