"""Write records to ``OUTPUT_DIR/<spider>/<run>.jsonl``, then mark them in the state store.

The file is written as ``<run>.jsonl.part`` (one JSON object per line, each line
written straight to the OS), and renamed when the spider closes; it is the
crawl's journal (``crawler.runtime.journal``). A record is marked in the store only
after its line is written, and the store's batch is committed only after the
file is fsynced, so a mark never exists without its line. On open, leftover
``.part`` files of killed runs are recovered: complete lines kept and re-marked
(idempotently), a torn last line dropped, the file renamed. Every article is
therefore in the output exactly once, however a run ends.

A record the boilerplate pipeline holds (``crawl_meta["held"]``) passes through
unwritten; it is written when ``record_released`` brings it back, and before
this file is finalised the writer asks for every held record
(``release_held_records``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from crawler import signals as cleanwire_signals
from crawler.items import ArticleRecord, record_fields, record_to_dict
from crawler.runtime import journal
from crawler.runtime.run import output_dir, run_name
from crawler.runtime.state import store_for
from crawler.runtime.state.base import ArticleState
from crawler.runtime.timing import timed
from crawler.text.neardup import minhash

logger = logging.getLogger(__name__)

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}

#: The JSONL fields in output order (``record_fields``, looked up once).
_FIELDS = tuple(record_fields())
#: ``json.dumps(record, ensure_ascii=False)``, without building an encoder per record.
_ENCODE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def record_dict(item: Any) -> dict[str, Any]:
    """The JSON object of an item (an ``ArticleRecord`` or any item with its fields)."""
    if isinstance(item, ArticleRecord):
        return record_to_dict(item)
    adapter = ItemAdapter(item)
    return {name: adapter.get(name) for name in _FIELDS}


def article_state(record: dict[str, Any], crawl_meta: dict[str, Any] | None) -> ArticleState:
    """What the store remembers of an emitted record."""
    meta = crawl_meta or {}
    hints = meta.get("hints") or {}
    validators = meta.get("validators") or {}
    return ArticleState(
        id=record["id"],
        url=record["url"],
        canonical_url=record["canonical_url"],
        version=int(record.get("version") or 1),
        content_hash=record["content_hash"],
        lastmod=hints.get("lastmod"),
        etag=validators.get("etag"),
        last_modified=validators.get("last_modified"),
    )


class JsonlWriterPipeline:
    """One JSONL file per run; the store learns of a record only after its line is written."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.sync_every = max(1, settings.getint("WRITE_SYNC_EVERY", 100))
        self.sync_interval = settings.getfloat("WRITE_SYNC_INTERVAL", 2.0)
        self.num_perm = settings.getint("DEDUPE_NUM_PERM", 128)
        self.shingle_size = settings.getint("DEDUPE_SHINGLE_SIZE", 5)
        self.store: Any = None
        self.folder: Path | None = None
        self.part: Path | None = None
        self.fd: int | None = None
        self.size = 0
        self.unsynced = 0
        self.failed: str | None = None
        self.closed = False
        #: Records written but not marked (store unavailable): the run's file stays a .part.
        self.unmarked = 0
        self._loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> JsonlWriterPipeline:
        writer = cls(crawler)
        crawler.signals.connect(writer.record_released, signal=cleanwire_signals.record_released)
        return writer

    # -- lifecycle ---------------------------------------------------------------
    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        self.folder = output_dir(self.crawler)
        self.recover()
        if self.sync_interval > 0:
            self._loop = create_looping_call(self.sync)
            self._loop.start(self.sync_interval, now=False)

    def close_spider(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.crawler.signals.send_catch_log(signal=cleanwire_signals.release_held_records)
        self.closed = True
        if self.fd is None:
            try:
                self.store.commit()
            except Exception as exc:
                self.stats.inc_value("write/errors")
                logger.error("Could not commit the state store (%s)", exc)
            return
        assert self.part is not None
        try:
            os.fsync(self.fd)
        except OSError as exc:
            self.stats.inc_value("write/errors")
            logger.error(
                "Could not fsync %s: %s; it stays a .part for the next run", self.part, exc
            )
            os.close(self.fd)
            self.fd = None
            return
        try:
            self.store.commit()
        except Exception as exc:
            self.unmarked += 1
            self.stats.inc_value("write/errors")
            logger.error("Could not commit the state store (%s)", exc)
        os.close(self.fd)  # also releases the journal lock
        self.fd = None
        if self.unmarked:
            logger.error(
                "%s stays a .part: %d of its records are not marked in the state store; "
                "the next run recovers it (keeps every line, marks them) before crawling",
                self.part,
                self.unmarked,
            )
            return
        final = journal.finalize(self.part)
        if final != self.part:
            logger.info("Wrote %s", final)

    # -- writing -----------------------------------------------------------------
    def process_item(self, item: Any) -> Any:
        meta = ItemAdapter(item).get("crawl_meta")
        if meta and meta.get("held"):
            return item  # written when the boilerplate pipeline releases it
        return self.write(item)

    def record_released(self, item: Any) -> None:
        """Write a record the boilerplate pipeline held until its site was learned."""
        with contextlib.suppress(DropItem):  # counted and logged by write()
            self.write(item)

    @timed("write")
    def write(self, item: Any) -> Any:
        """Write ``item``'s line, then mark it in the store; DropItem when it cannot be."""
        record = record_dict(item)
        if self.failed or self.closed:
            reason = self.failed or "writer_closed"
            self._release(record)
            self.stats.inc_value(f"drop/{reason}")
            raise DropItem(f"drop/{reason}: not written")
        line = (_ENCODE_JSON(record) + "\n").encode("utf-8")
        start = self.size
        try:
            if self.fd is None:
                self._open_part()
            assert self.fd is not None
            view = memoryview(line)
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError as exc:
            self._write_failed(exc, start)
            self._release(record)
            self.stats.inc_value(f"drop/{self.failed}")
            raise DropItem(f"drop/{self.failed}: {exc}") from exc
        self.size += len(line)
        meta = ItemAdapter(item).get("crawl_meta") or {}
        hashvalues = meta.get("minhash") if not record.get("duplicate_of") else None
        try:
            self.store.mark_emitted(article_state(record, meta), record["url"], hashvalues)
        except Exception as exc:  # the store is down: the journal still has the record
            self.unmarked += 1
            self.stats.inc_value("write/unmarked")
            logger.error(
                "Record %s is written but the state store could not mark it (%s); %s stays "
                "a .part file so that the next run marks it before crawling",
                record["id"],
                exc,
                self.part,
            )
        self.stats.inc_value("records/written")
        self.stats.inc_value(f"records/language/{record.get('language') or 'unknown'}")
        self.stats.inc_value(f"records/site/{record.get('site') or 'unknown'}")
        self.unsynced += 1
        if self.unsynced >= self.sync_every:
            self.sync()
        return item

    def _release(self, record: dict[str, Any]) -> None:
        if self.store is not None:
            self.store.release(record["id"], record["content_hash"])

    def sync(self) -> None:
        """fsync the journal, then commit the store's marks (never the other way round)."""
        if self.fd is not None and self.unsynced:
            try:
                os.fsync(self.fd)
            except OSError as exc:
                self.stats.inc_value("write/errors")
                logger.error("Could not fsync %s: %s", self.part, exc)
                return
            self.unsynced = 0
        if self.store is not None:
            self.store.commit()

    def _open_part(self) -> None:
        assert self.folder is not None
        self.part = self.folder / f"{run_name(self.crawler)}{journal.PART_SUFFIX}"
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.fd = fd
        self.size = os.fstat(fd).st_size
        logger.info("Writing records to %s", self.part)

    def _write_failed(self, exc: OSError, good_size: int) -> None:
        """Stop writing: cut a partly written line, keep every complete one, close the spider."""
        self.failed = "disk_full" if exc.errno in _DISK_FULL else "write_error"
        self.stats.inc_value("write/errors")
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, good_size)
            except OSError as trunc_exc:  # the torn line is dropped by recovery instead
                logger.error("Could not cut the partial line from %s: %s", self.part, trunc_exc)
        logger.error(
            "%s while writing %s (%s): stopping the crawl; the %d bytes already written "
            "are kept and the records not written will be crawled by the next run",
            "Disk full" if self.failed == "disk_full" else "Write error",
            self.part,
            exc,
            good_size,
        )
        try:
            engine = self.crawler.engine
        except (AttributeError, RuntimeError):  # no crawl running (pipeline used alone)
            return
        if engine is not None and getattr(engine, "spider", None) is not None:
            deferred_from_coro(engine.close_spider_async(reason=self.failed))

    # -- recovery of killed runs -----------------------------------------------------
    def recover(self) -> None:
        """Finalise the ``.part`` journals that killed runs left in the output folder."""
        assert self.folder is not None
        for part in journal.leftover_parts(self.folder):
            try:
                fh = part.open("r+b")
            except FileNotFoundError:
                continue
            with fh:
                if not journal.lock(fh):
                    logger.debug("%s belongs to a running crawl; left alone", part)
                    continue
                if not part.exists() or os.stat(part).st_ino != os.fstat(fh.fileno()).st_ino:
                    continue  # finalised by its owner meanwhile
                started = time.monotonic()
                repair = journal.repair_part(fh)
                for record in journal.iter_records(fh):
                    hashvalues = None
                    if not record.get("duplicate_of"):
                        hashvalues = minhash(
                            record.get("text") or "", self.num_perm, self.shingle_size
                        )
                    self.store.mark_emitted(article_state(record, None), record["url"], hashvalues)
                self.store.commit()
                final = journal.finalize(part)
            self.stats.inc_value("recover/files")
            self.stats.inc_value("recover/records", repair.kept)
            self.stats.inc_value("recover/torn_lines", repair.torn)
            logger.info(
                "Recovered %s from an interrupted run: %d complete records kept and marked, "
                "%d torn lines dropped (%.2fs); now %s",
                part.name,
                repair.kept,
                repair.torn,
                time.monotonic() - started,
                final.name if final != part else "removed (empty)",
            )
