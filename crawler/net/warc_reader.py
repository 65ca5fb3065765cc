"""Reading WARC/ARC files as a stream of HTTP responses, and resyncing past corruption.

Pure: no Scrapy. ``iter_warc(path)`` yields one ``WarcEntry`` per record, with
``kind`` telling the spider what to do with it ("page" or a skip reason).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_SCAN_CHUNK = 1 << 20
#: What warcio raises on a damaged record (headers garbled, body cut short, bad gzip).
_RECORD_ERRORS = (
    ArchiveLoadFailed,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    AttributeError,
    KeyError,
    TypeError,
    IndexError,
)


@dataclass
class WarcEntry:
    """One record of an archive, classified."""

    #: "page" (an HTTP 200 HTML response) or the skip reason:
    #: "not_html", "status", "revisit", "other_record", "too_large", "corrupt".
    kind: str
    url: str = ""
    status: int = 0
    date: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    offset: int = 0
    error: str = ""


def _is_html(content_type: str, body: bytes) -> bool:
    ctype = content_type.lower()
    if "html" in ctype:
        return True
    if ctype and not ctype.startswith("text/plain"):
        return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<!--"))


def _classify(record: object, offset: int, max_body: int) -> WarcEntry:
    rec_type = record.rec_type  # type: ignore[attr-defined]
    headers = record.rec_headers  # type: ignore[attr-defined]
    url = headers.get_header("WARC-Target-URI") or ""
    date = headers.get_header("WARC-Date") or ""
    if rec_type == "revisit":
        return WarcEntry("revisit", url=url, date=date, offset=offset)
    if rec_type != "response" or record.http_headers is None:  # type: ignore[attr-defined]
        return WarcEntry("other_record", url=url, date=date, offset=offset)
    http = record.http_headers  # type: ignore[attr-defined]
    status = int(http.get_statuscode() or 0)
    if status != 200:
        return WarcEntry("status", url=url, status=status, date=date, offset=offset)
    body = record.content_stream().read(max_body + 1)  # type: ignore[attr-defined]
    if len(body) > max_body:
        return WarcEntry("too_large", url=url, status=status, date=date, offset=offset)
    content_type = http.get_header("Content-Type") or ""
    if not _is_html(content_type, body):
        return WarcEntry("not_html", url=url, status=status, date=date, offset=offset)
    return WarcEntry(
        "page",
        url=url,
        status=status,
        date=date,
        headers=[(k, v) for k, v in http.headers],
        body=body,
        offset=offset,
    )


def _next_record_start(fh: BinaryIO, after: int) -> int | None:
    """Offset of the next plausible record (gzip member or WARC header) after ``after``."""
    fh.seek(after)
    base = after
    tail = b""
    while True:
        chunk = fh.read(_SCAN_CHUNK)
        if not chunk:
            return None
        data = tail + chunk
        hits = [i for i in (data.find(_GZIP_MAGIC), data.find(_WARC_MAGIC)) if i >= 0]
        if hits:
            return base - len(tail) + min(hits)
        tail = data[-8:]
        base += len(chunk)


def iter_warc(path: str | Path, max_body: int = 16 * 1024 * 1024) -> Iterator[WarcEntry]:
    """Every record of a WARC or ARC file (gzipped or not), streamed.

    A corrupt or truncated record yields a "corrupt" entry; reading resumes at
    the next record boundary found after it.
    """
    with open(path, "rb") as fh:
        start = 0
        while True:
            fh.seek(start)
            iterator = ArchiveIterator(fh, arc2warc=True, ensure_http_headers=False)
            offset = start
            try:
                for record in iterator:
                    offset = iterator.offset  # absolute start of this record
                    yield _classify(record, offset, max_body)
                end = fh.seek(0, 2)
                if iterator.offset < end:  # a truncated last record the reader gave up on
                    yield WarcEntry("corrupt", offset=iterator.offset, error="truncated record")
                return
            except _RECORD_ERRORS as exc:
                failed_at = max(offset, getattr(iterator, "offset", offset))
                yield WarcEntry("corrupt", offset=failed_at, error=f"{type(exc).__name__}: {exc}")
                resume = _next_record_start(fh, failed_at + 1)
                if resume is None or resume <= start:
                    return
                start = resume
