"""The JSONL writer and journal recovery (pipelines/write.py, crawler/runtime/journal.py)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from crawler.runtime import journal
from crawler.runtime.state import store_for
from crawler.runtime.state.sqlite import SqliteStore
from tests.test_dedupe import Run, output_records, record, story
from tests.test_dedupe import runs as runs

ROOT = Path(__file__).resolve().parent.parent


def line(rec: Any) -> bytes:
    from crawler.items import record_to_dict

    return (json.dumps(record_to_dict(rec), ensure_ascii=False) + "\n").encode("utf-8")


def test_records_go_to_a_part_file_renamed_at_close(runs: Any, tmp_path: Path) -> None:
    run = runs()
    folder = tmp_path / "output" / "news"
    items = [record(f"https://a.example/news/{i}", story(i)) for i in range(3)]
    items.append(record("https://b.example/ünïcode", "Zürich — «Grüße» 東京 " + story(9)))
    run.feed(*items)
    (part,) = folder.glob("*.jsonl.part")
    assert len(part.read_bytes().splitlines()) == 4  # each line is on disk as it is written
    assert not list(folder.glob("*.jsonl"))
    run.close()
    assert not list(folder.glob("*.part"))
    (final,) = folder.glob("*.jsonl")
    assert final.name == part.name.removesuffix(".part")
    raw = final.read_text(encoding="utf-8")
    assert "Zürich — «Grüße» 東京" in raw  # UTF-8, not \\u escapes
    assert [r["url"] for r in output_records(tmp_path)] == [i.url for i in items]
    assert run.stat("records/written") == 4
    assert run.stat("records/language/en") == 4
    assert run.stat("records/site/a.example") == 3


def test_a_run_that_writes_nothing_leaves_no_file(runs: Any, tmp_path: Path) -> None:
    run = runs()
    run.close()
    assert not (tmp_path / "output" / "news").exists() or not list(
        (tmp_path / "output" / "news").glob("*.jsonl*")
    )


def test_a_record_is_marked_right_after_its_line_is_written(runs: Any, tmp_path: Path) -> None:
    run = runs()
    item = record("https://a.example/news/1", story(1))
    store = store_for(run.crawler)
    assert store.get_article(item.id) is None
    run.feed(item)
    assert store.get_article(item.id) is not None
    (part,) = (tmp_path / "output" / "news").glob("*.jsonl.part")
    assert json.loads(part.read_bytes())["id"] == item.id


def test_killed_run_journal_is_recovered_torn_line_dropped_and_records_marked(
    runs: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "output" / "news"
    folder.mkdir(parents=True)
    items = [record(f"https://a.example/news/{i}", story(i)) for i in range(4)]
    # a killed run: 3 complete lines (only the first one's mark was committed), a torn 4th
    store = SqliteStore(tmp_path / "state.sqlite3")
    from pipelines.write import article_state

    store.mark_emitted(article_state(json.loads(line(items[0])), None), items[0].url, None)
    store.close()
    part = folder / "20260101T000000.000000Z.jsonl.part"
    part.write_bytes(b"".join(line(i) for i in items[:3]) + line(items[3])[:57])

    run = runs()
    assert not part.exists()
    assert [r["id"] for r in output_records(tmp_path)] == [i.id for i in items[:3]]
    assert run.stat("recover/records") == 3
    assert run.stat("recover/torn_lines") == 1
    # the three recovered records are known; the torn one is emitted again
    written = run.feed(*items)
    assert [w.id for w in written] == [items[3].id]
    assert run.stat("skip/unchanged") == 3
    run.close()
    ids = [r["id"] for r in output_records(tmp_path)]
    assert sorted(ids) == sorted(i.id for i in items)


def test_recovery_is_idempotent_when_killed_during_recovery(runs: Any, tmp_path: Path) -> None:
    folder = tmp_path / "output" / "news"
    folder.mkdir(parents=True)
    items = [record(f"https://a.example/news/{i}", story(i)) for i in range(3)]
    part = folder / "20260101T000000.000000Z.jsonl.part"
    part.write_bytes(b"".join(line(i) for i in items))
    with part.open("r+b") as fh:  # the first recovery got as far as repairing and marking
        journal.repair_part(fh)
    store = SqliteStore(tmp_path / "state.sqlite3")
    from pipelines.write import article_state

    for item in items:
        store.mark_emitted(article_state(json.loads(line(item)), None), item.url, None)
    store.close()
    run = runs()
    assert run.feed(*items) == []
    assert len(output_records(tmp_path)) == 3


def test_journal_of_a_running_crawl_is_left_alone(runs: Any, tmp_path: Path) -> None:
    folder = tmp_path / "output" / "news"
    folder.mkdir(parents=True)
    part = folder / "20260101T000000.000000Z.jsonl.part"
    part.write_bytes(line(record("https://a.example/news/1", story(1))))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, sys, time
                fh = open({str(part)!r}, "ab")
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                print("locked", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        run = runs()
        assert part.exists()
        assert run.stat("recover/files") == 0
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    ("content", "kept", "torn", "expected"),
    [
        (b'{"a": 1}\n{"a": 2}\n{"a": 3', 2, 1, b'{"a": 1}\n{"a": 2}\n'),
        (b'{"a": 1}\n{"a": 2}\n', 2, 0, b'{"a": 1}\n{"a": 2}\n'),
        (b'{"a": 1}\n{"a": 2}', 1, 1, b'{"a": 1}\n'),  # complete JSON but no newline: torn
        (b'{"a": 1}\n{"a"\x00\x00\n{"a": 3}\n', 2, 1, b'{"a": 1}\n{"a": 3}\n'),
        (b"", 0, 0, b""),
    ],
)
def test_repair_keeps_complete_lines_only(
    tmp_path: Path, content: bytes, kept: int, torn: int, expected: bytes
) -> None:
    path = tmp_path / "x.jsonl.part"
    path.write_bytes(content)
    with path.open("r+b") as fh:
        rep = journal.repair_part(fh)
        assert (rep.kept, rep.torn) == (kept, torn)
        assert [json.dumps(r) for r in journal.iter_records(fh)] == [
            json.dumps(json.loads(x)) for x in expected.splitlines()
        ]
    assert path.read_bytes() == expected


def test_finalize_never_overwrites_and_removes_empty_journals(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text("{}\n")
    part = tmp_path / "r.jsonl.part"
    part.write_text('{"a": 1}\n')
    assert journal.finalize(part).name == "r.recovered-1.jsonl"
    empty = tmp_path / "e.jsonl.part"
    empty.write_bytes(b"")
    journal.finalize(empty)
    assert not empty.exists() and not (tmp_path / "e.jsonl").exists()


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        return False
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)])
    return res.returncode == 0


def test_disk_full_stops_writing_and_keeps_every_complete_line(tmp_path: Path) -> None:
    disk = tmp_path / "small-disk"
    if not _tmpfs(disk, "64k"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        run = Run(tmp_path, OUTPUT_DIR=str(disk))
        items = [record(f"https://a.example/news/{i}", story(i) * 3) for i in range(60)]
        written = run.feed(*items)
        assert 0 < len(written) < len(items)
        assert run.stat("drop/disk_full") == len(items) - len(written)
        assert run.writer.failed == "disk_full"
        store = store_for(run.crawler)
        assert all(store.get_article(i.id) is not None for i in written)
        assert all(store.get_article(i.id) is None for i in items[len(written) :])
        # every byte on disk is a complete record: the torn line was cut off
        (part,) = (disk / "news").glob("*.jsonl.part")
        with part.open("rb") as fh:
            lines = fh.read().splitlines(keepends=True)
        assert [json.loads(x)["id"] for x in lines] == [w.id for w in written]
        assert all(x.endswith(b"\n") for x in lines)
        with pytest.raises(DropItem):
            run.writer.process_item(items[-1])
        run.close()
        (final,) = (disk / "news").glob("*.jsonl")
        assert len(final.read_bytes().splitlines()) == len(written)
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_iter_records_streams(tmp_path: Path) -> None:
    fh = io.BytesIO(b'{"a": 1}\n\n{"a": 2}\n')
    assert list(journal.iter_records(fh)) == [{"a": 1}, {"a": 2}]


def test_record_objects_and_lines_are_those_of_record_to_dict_and_json_dumps() -> None:
    """The writer's cached field list and JSON encoder give the same bytes as
    ``record_to_dict`` and ``json.dumps``, for records and for dict items."""
    from crawler.items import record_to_dict
    from pipelines.write import _ENCODE_JSON, record_dict

    texts = [
        story(1),
        "Caf\u00e9 \u201cquoted\u201d \u2014 \u4e2d\u6587 \U0001f642",
        'a\tb\n\nc\u2028d \\ "q" \x01',
    ]
    for i, text in enumerate(texts):
        rec = record(f"https://a.example/news/{i}", text, duplicate_of="x")
        rec.tags, rec.authors = ["x", "\u00e9"], ["A B"]
        rec.crawl_meta["minhash"] = [1, 2, 3]
        expected = record_to_dict(rec)
        assert list(record_dict(rec).items()) == list(expected.items())
        assert list(record_dict(dict(expected, crawl_meta={})).items()) == list(expected.items())
        assert _ENCODE_JSON(expected) == json.dumps(expected, ensure_ascii=False)
        assert (_ENCODE_JSON(expected) + "\n").encode("utf-8") == line(rec)
