"""A scheduler queue that keeps a bounded number of requests in memory.

Without ``JOBDIR``, Scrapy's scheduler keeps every pending request as a Python
object: a sitemap listing 20,000 articles puts some 20,000 ``Request`` objects
(about 3 KB each with their meta, headers and fingerprint cache) in memory before
the downloads catch up. ``SpillingLifoQueue`` (``SCHEDULER_MEMORY_QUEUE``) is the
LIFO stack Scrapy's ``LifoMemoryQueue`` is, in the same order, but only its newest
``SCHEDULER_MEMORY_REQUESTS`` requests stay objects: older ones go, half a limit at
a time, to an anonymous temporary file (deleted by the OS when the queue closes or
the process dies, even killed) and come back when the newer ones are gone. The
file is a stack too: reading back the last chunk truncates it, so the disk holds
only what is waiting.

Requests are serialised like Scrapy's disk queues do (``Request.attributes``,
callbacks by spider method name, pickled); one that cannot be (a callback that is
not a spider method, an unpicklable meta value) stays in memory in its place.
"""

from __future__ import annotations

import pickle
import struct
import tempfile
from typing import IO, Any

from scrapy import Request
from scrapy.utils.misc import load_object

_LENGTH = struct.Struct("<I")


def _method_name(spider: Any, func: Any) -> str | None:
    """The name of the spider method ``func`` (a callback or errback), or ValueError."""
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", "")
    if name and getattr(spider, name, None) == func:
        return str(name)
    raise ValueError(f"{func!r} is not a method of the spider")


def request_to_bytes(request: Request, spider: Any) -> bytes:
    """``request`` serialised; ValueError when it cannot be.

    The dict is ``Request.to_dict``'s; callbacks are found by name (Scrapy's own
    lookup walks every member of the spider: ~80 µs a request).
    """
    data = {attr: getattr(request, attr) for attr in request.attributes}
    data["headers"] = dict(request.headers)
    data["callback"] = _method_name(spider, request.callback)
    data["errback"] = _method_name(spider, request.errback)
    if type(request) is not Request:
        data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    try:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ValueError(f"unpicklable request {request}: {exc}") from exc


def request_from_bytes(blob: bytes | memoryview, spider: Any) -> Request:
    """The request :func:`request_to_bytes` serialised."""
    data = pickle.loads(blob)  # our own file, written by this process
    cls = load_object(data["_class"]) if "_class" in data else Request
    kwargs = {k: v for k, v in data.items() if k in cls.attributes}
    for key in ("callback", "errback"):
        if data.get(key):
            kwargs[key] = getattr(spider, data[key])
    request: Request = cls(**kwargs)
    return request


class SpillingLifoQueue:
    """LIFO request queue for one download slot and priority; at most ``limit`` requests
    in memory, the older ones in a temporary file."""

    def __init__(self, crawler: Any, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit  # 0: no limit (Scrapy's LifoMemoryQueue)
        self._top: list[Request] = []  # the newest requests, oldest first
        #: spilled chunks, oldest first: (file offset, requests, {index: kept request})
        self._chunks: list[tuple[int, int, dict[int, Request]]] = []
        self._spilled = 0
        self._file: IO[bytes] | None = None
        self._end = 0  # file size

    @classmethod
    def from_crawler(cls, crawler: Any, key: str = "") -> SpillingLifoQueue:
        return cls(crawler, max(0, crawler.settings.getint("SCHEDULER_MEMORY_REQUESTS", 500)))

    def push(self, request: Request) -> None:
        self._top.append(request)
        if self.limit and len(self._top) > self.limit:
            self._spill()

    def pop(self) -> Request | None:
        if not self._top and self._chunks:
            self._load()
        return self._top.pop() if self._top else None

    def peek(self) -> Request | None:
        if not self._top and self._chunks:
            self._load()
        return self._top[-1] if self._top else None

    def close(self) -> None:
        """Drop what is left (as a memory queue would) and delete the file."""
        self._top.clear()
        self._chunks.clear()
        self._spilled = 0
        if self._file is not None:
            self._file.close()
            self._file = None

    def __len__(self) -> int:
        return len(self._top) + self._spilled

    @property
    def in_memory(self) -> int:
        """Requests held as objects: at most ``limit``, plus any that cannot be serialised."""
        return len(self._top) + sum(len(kept) for _, _, kept in self._chunks)

    # -- the file --------------------------------------------------------------
    def _spill(self) -> None:
        """Move the oldest half of the in-memory requests to the end of the file."""
        count = max(1, self.limit // 2)
        chunk, self._top = self._top[:count], self._top[count:]
        spider = self.crawler.spider
        kept: dict[int, Request] = {}
        out = bytearray()
        for i, request in enumerate(chunk):
            try:
                blob = request_to_bytes(request, spider)
            except ValueError:
                kept[i] = request
                blob = b""
            out += _LENGTH.pack(len(blob))
            out += blob
        if self._file is None:
            # open for the queue's life; close() closes it
            self._file = tempfile.TemporaryFile(prefix="cleanwire-queue-")  # noqa: SIM115
        self._file.seek(self._end)
        self._file.write(out)
        self._chunks.append((self._end, len(chunk), kept))
        self._end += len(out)
        self._spilled += len(chunk)
        stats = self.crawler.stats
        stats.inc_value("scheduler/spilled", len(chunk) - len(kept))
        if kept:
            stats.inc_value("scheduler/unspillable", len(kept))

    def _load(self) -> None:
        """Read the newest chunk back (the in-memory part is empty) and cut it off."""
        assert self._file is not None
        offset, count, kept = self._chunks.pop()
        self._file.seek(offset)
        data = self._file.read(self._end - offset)
        self._file.truncate(offset)
        self._end = offset
        spider = self.crawler.spider
        view = memoryview(data)
        requests: list[Request] = []
        pos = 0
        for i in range(count):
            (size,) = _LENGTH.unpack_from(data, pos)
            pos += _LENGTH.size
            if i in kept:
                requests.append(kept[i])
            else:
                requests.append(request_from_bytes(view[pos : pos + size], spider))
            pos += size
        self._top = requests
        self._spilled -= count
