"""A small pool of worker processes that runs page extraction off the reactor.

Extraction (HTML parsing, trafilatura, language detection) is pure CPU work in
Python; run on the reactor thread it caps a crawl at one core. ``ExtractionPool``
keeps one long-lived process per worker, each fed one task at a time through its
own pipe by a dispatcher thread in the crawl process. Because every process runs
exactly one task, the pool knows which page a process holds, so:

* a page that runs past its deadline has its process killed and fails with
  ``ExtractTimeout``;
* a page whose process dies (``os._exit``, a segfault in lxml, the OOM killer)
  fails with ``WorkerCrashed``;

and in both cases only that page is lost: the process is replaced and the other
workers never notice. (``concurrent.futures.ProcessPoolExecutor`` can do neither:
it cannot cancel a running task, and one dead process breaks every pending task.)

Processes come from the ``forkserver`` start method (``spawn`` where there is no
fork), never a plain fork of the crawl process, so no Twisted reactor state is
copied into a worker; the fork server preloads the task's module (and, for
extraction, ``crawler.runtime.warm``: language profiles and date parsers) so replacing a
worker costs a fork, not a fresh interpreter importing and warming trafilatura,
and the workers share that memory copy-on-write.

The task is a dotted path to a picklable top-level function plus its arguments,
so what a worker does (extraction, then language detection) is configuration.
``run()`` is the reactor-side entry point: it waits for one of ``queue_size``
slots (the bound that makes the pipeline, and through Scrapy's scraper slot the
downloader, pause when extraction falls behind) and awaits the result; results
come back in completion order.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import multiprocessing
import os
import queue
import selectors
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

#: Modules every worker imports once, before its first task.
PRELOAD = ("lxml.html", "trafilatura")
#: Imported last in the fork server for extraction pools: loads langdetect's
#: profiles and dateparser's locales once, so every worker (and every recycled
#: one) starts warm and shares them copy-on-write.
WARM_MODULE = "crawler.runtime.warm"


class ExtractTimeout(Exception):
    """The task ran past its deadline; its worker process was killed."""


class WorkerCrashed(Exception):
    """The worker process died while running the task."""


@dataclass
class Done:
    """A finished task: the function's return value and its run time in the worker."""

    value: Any
    seconds: float


@functools.cache
def resolve(dotted: str) -> Callable[..., Any]:
    """The object named by ``package.module.name`` (looked up once per process)."""
    module_name, _, attr = dotted.rpartition(".")
    if not module_name:
        raise ValueError(f"not a dotted path: {dotted!r}")
    return getattr(importlib.import_module(module_name), attr)


def _worker_main(conn: Connection, preload: tuple[str, ...]) -> None:
    """Worker process loop: receive ``(dotted, args)``, reply ``(ok, value, seconds)``."""
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        dotted, args = message
        started = time.perf_counter()
        try:
            reply: tuple[bool, Any, float] = (True, resolve(dotted)(*args), 0.0)
        except Exception as exc:  # the caller re-raises it
            reply = (False, exc, 0.0)
        reply = (reply[0], reply[1], time.perf_counter() - started)
        try:
            conn.send(reply)
        except Exception as exc:  # unpicklable result or exception
            conn.send((False, RuntimeError(f"worker could not send result: {exc!r}"), reply[2]))


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a worker without re-running the parent's ``__main__`` in it.

    Workers import tasks by dotted path and never need the parent's script; a
    script that starts a crawl without an ``if __name__ == "__main__"`` guard
    would otherwise start a crawl in every worker.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def start_fork_server(preload: tuple[str, ...]) -> bool:
    """Start this process's fork server now, preloading ``preload``, without waiting
    for its imports (they run in the server while the caller goes on).

    The first worker a pool starts then forks from a server that began warming up
    earlier. False where there is no fork server (``spawn`` platforms) or it is
    already running.
    """
    ctx = _context()
    if ctx.get_start_method() != "forkserver":
        return False
    from crawler import internals  # here: the fork server's own imports stay light

    server = internals.forkserver()
    if internals.forkserver_running(server):
        return False
    ctx.set_forkserver_preload([__name__, *preload])  # type: ignore[attr-defined]
    with _main_module_hidden():
        server.ensure_running()
    return True


class _Worker:
    """One worker process, its pipe, and the thread that feeds it tasks."""

    def __init__(self, pool: ExtractionPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        #: Watches the pipe and the process's sentinel: one registration per process,
        #: not a selector built for every liveness check and every wait.
        self.watch: selectors.BaseSelector | None = None
        self.tasks_done = 0
        self.thread = threading.Thread(
            target=self._loop, name=f"extract-worker-{index}", daemon=True
        )

    def start_process(self) -> None:
        parent, child = self.pool.ctx.Pipe(duplex=True)
        process = self.pool.ctx.Process(
            target=_worker_main,
            args=(child, self.pool.preload),
            name=f"cleanwire-extract-{self.index}",
            daemon=True,
        )
        with _main_module_hidden():
            process.start()
        child.close()
        watch = selectors.DefaultSelector()
        watch.register(parent.fileno(), selectors.EVENT_READ, "pipe")
        watch.register(process.sentinel, selectors.EVENT_READ, "exit")
        self.process, self.conn, self.watch, self.tasks_done = process, parent, watch, 0

    def stop_process(self, kill: bool) -> None:
        process, conn, watch = self.process, self.conn, self.watch
        self.process = self.conn = self.watch = None
        if watch is not None:
            watch.close()
        if conn is not None:
            if not kill:
                with contextlib.suppress(OSError):
                    conn.send(None)
            conn.close()
        if process is not None:
            if kill:
                process.kill()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
            self.pool.restarts += kill

    def _loop(self) -> None:
        # the process starts here, on this thread: the first start waits for the fork
        # server to import and warm up (about a second), which must not stall the reactor
        if self.process is None:
            try:
                self.start_process()
            except Exception:  # the first task tries again and fails with the reason
                logger.exception("extraction worker %d could not start", self.index)
        while True:
            task = self.pool.tasks.get()
            if task is None:
                self.stop_process(kill=False)
                return
            dotted, args, future = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._run(dotted, args))
            except BaseException as exc:  # delivered to the awaiting caller
                future.set_exception(exc)

    def _events(self, timeout: float | None) -> set[str]:
        """Which of "pipe" (a reply, or EOF) and "exit" (the process ended) are ready."""
        assert self.watch is not None
        return {key.data for key, _ in self.watch.select(timeout)}

    def _crashed(self) -> WorkerCrashed:
        process = self.process
        self.stop_process(kill=True)
        code = process.exitcode if process else None
        return WorkerCrashed(f"worker {self.index} died (exit code {code})")

    def _run(self, dotted: str, args: tuple[Any, ...]) -> Done:
        if self.process is not None and "exit" in self._events(0):
            self.stop_process(kill=True)  # ended while idle: replace it before the task
        if self.process is None:
            self.start_process()
        assert self.conn is not None
        try:
            self.conn.send((dotted, args))
            ready = self._events(self.pool.timeout)
        except OSError as exc:
            self.stop_process(kill=True)
            raise WorkerCrashed(f"worker {self.index} pipe failed: {exc!r}") from None
        if not ready:
            self.stop_process(kill=True)
            raise ExtractTimeout(f"no result within {self.pool.timeout:g}s")
        if "pipe" not in ready:
            # A reply written before the process ended would make the pipe readable too.
            raise self._crashed()
        try:
            ok, value, seconds = self.conn.recv()
        except (EOFError, OSError):
            raise self._crashed() from None
        self.tasks_done += 1
        if self.pool.max_tasks and self.tasks_done >= self.pool.max_tasks:
            self.stop_process(kill=False)  # recycle: bounds memory a long crawl leaks
        if not ok:
            raise value
        return Done(value, seconds)


class ExtractionPool:
    """``workers`` processes running ``dotted(*args)`` tasks with a per-task deadline.

    ``submit()`` is thread-agnostic and returns a ``concurrent.futures.Future`` of
    ``Done``; ``run()`` is for coroutines on the reactor and bounds the tasks in
    flight to ``queue_size``.
    """

    def __init__(
        self,
        workers: int,
        timeout: float,
        queue_size: int = 0,
        max_tasks: int = 0,
        preload: tuple[str, ...] = PRELOAD,
    ) -> None:
        self.size = max(1, workers)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.queue_size = queue_size if queue_size > 0 else 2 * self.size
        self.max_tasks = max_tasks
        self.preload = tuple(preload)
        self.ctx = _context()
        if hasattr(self.ctx, "set_forkserver_preload"):
            self.ctx.set_forkserver_preload([__name__, *self.preload])
        self.tasks: queue.SimpleQueue[tuple[str, tuple[Any, ...], Future[Done]] | None] = (
            queue.SimpleQueue()
        )
        self.restarts = 0
        self.in_flight = 0  # tasks holding a slot (at most queue_size)
        self.peak_in_flight = 0
        self.waiting = 0  # callers inside run(): holding or awaiting a slot
        self.peak_waiting = 0
        self._slots: Any = None
        self._workers = [_Worker(self, i) for i in range(self.size)]
        self._closed = False
        self._started = False

    def start(self) -> ExtractionPool:
        """Start the workers without waiting for them: each dispatcher thread starts its
        process (the fork server's warm-up runs while the crawl downloads)."""
        if not self._started:
            self._started = True
            for worker in self._workers:
                worker.thread.start()
        return self

    def submit(self, dotted: str, *args: Any) -> Future[Done]:
        """Queue ``dotted(*args)`` for the next free worker."""
        if self._closed:
            raise RuntimeError("pool is closed")
        self.start()
        future: Future[Done] = Future()
        self.tasks.put((dotted, args, future))
        return future

    async def run(self, dotted: str, *args: Any) -> Done:
        """Run a task from a coroutine on the asyncio reactor, waiting for a free slot first."""
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.queue_size)
        self.waiting += 1
        self.peak_waiting = max(self.peak_waiting, self.waiting)
        try:
            async with self._slots:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                try:
                    return await asyncio.wrap_future(self.submit(dotted, *args))
                finally:
                    self.in_flight -= 1
        finally:
            self.waiting -= 1

    def close(self) -> None:
        """Let running tasks finish, then stop every worker process."""
        if self._closed:
            return
        self._closed = True
        if not self._started:
            return
        for _ in self._workers:
            self.tasks.put(None)
        deadline = time.monotonic() + (self.timeout or 30) + 5
        for worker in self._workers:
            if worker.thread.ident is not None:
                worker.thread.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.thread.is_alive() or worker.thread.ident is None:
                worker.stop_process(kill=True)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for memory accounting)."""
        return [w.process.pid for w in self._workers if w.process and w.process.pid]

    def __enter__(self) -> ExtractionPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _module(dotted: str) -> str:
    return dotted.rpartition(".")[0]


def default_workers(setting: int) -> int:
    """EXTRACT_WORKERS semantics: 0 means one worker per CPU core."""
    return setting if setting > 0 else (os.cpu_count() or 1)


#: What the extract pipeline's runner runs for each page: decode the page's raw body
#: when the spider left it raw, then call the page function (``EXTRACT_FUNCTION``).
PAGE_TASK = "crawler.extract.pagework.extract_page"


class ExtractionRunner:
    """What the extract pipeline calls: the page function, pooled or in-process.

    Each page goes through ``PAGE_TASK`` (``crawler.extract.pagework.extract_page``), which
    decodes a raw body before ``function`` sees the page, so the page function always
    gets decoded HTML. ``workers == 1`` runs it in the crawl process itself (no pool,
    no timeout: for debugging and small test crawls); any other count runs it in an
    ``ExtractionPool`` of that many processes (0 = one per core).
    """

    def __init__(
        self,
        function: str,
        workers: int = 0,
        timeout: float = 20.0,
        queue_size: int = 0,
        max_tasks: int = 0,
        switch_interval: float = 0.0,
    ) -> None:
        self.function = function
        self.workers = default_workers(workers)
        #: ``sys.setswitchinterval`` while a pool runs (0 keeps Python's 5 ms). A worker
        #: that finished its page waits for a dispatcher thread here, and that thread
        #: for the GIL, which the reactor thread gives up only every switch interval.
        self.switch_interval = switch_interval
        self._saved_interval: float | None = None
        self.pool: ExtractionPool | None = None
        self._local: Callable[..., Any] | None = None
        if self.workers == 1:
            resolve(function)  # a wrong EXTRACT_FUNCTION fails here, not on the first page
            self._local = resolve(PAGE_TASK)
        else:
            self.pool = ExtractionPool(
                self.workers, timeout, queue_size, max_tasks, preload=self.preload(function)
            )

    @staticmethod
    def preload(function: str) -> tuple[str, ...]:
        """What the fork server of an extraction pool running ``function`` imports."""
        modules = {m: None for m in (_module(PAGE_TASK), _module(function))}
        return (*PRELOAD, *modules, WARM_MODULE)

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractionRunner:
        """Built from ``EXTRACT_FUNCTION``, ``EXTRACT_WORKERS``, ``EXTRACT_TIMEOUT``,
        ``EXTRACT_QUEUE_SIZE``, ``EXTRACT_MAX_TASKS_PER_WORKER`` and ``EXTRACT_SWITCH_INTERVAL``."""
        return cls(
            settings.get("EXTRACT_FUNCTION") or "crawler.extract.record.build_record",
            settings.getint("EXTRACT_WORKERS", 0),
            settings.getfloat("EXTRACT_TIMEOUT", 20.0),
            settings.getint("EXTRACT_QUEUE_SIZE", 0),
            settings.getint("EXTRACT_MAX_TASKS_PER_WORKER", 0),
            settings.getfloat("EXTRACT_SWITCH_INTERVAL", 0.0),
        )

    def start(self) -> None:
        if self.pool is not None:
            if self.switch_interval > 0 and self._saved_interval is None:
                self._saved_interval = sys.getswitchinterval()
                sys.setswitchinterval(self.switch_interval)
            self.pool.start()

    async def run(self, *args: Any) -> Done:
        """The function's result for ``args`` (a page and its options); raises
        ``ExtractTimeout`` or ``WorkerCrashed`` when a pooled page hangs or kills its worker."""
        if self.pool is not None:
            return await self.pool.run(PAGE_TASK, self.function, *args)
        assert self._local is not None
        started = time.perf_counter()
        value = self._local(self.function, *args)
        return Done(value, time.perf_counter() - started)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self._saved_interval is not None:
            sys.setswitchinterval(self._saved_interval)
            self._saved_interval = None

    def stats(self) -> dict[str, int]:
        """Pool figures for the crawl stats (set at close)."""
        if self.pool is None:
            return {"extract/workers": 0}
        return {
            "extract/workers": self.pool.size,
            "extract/peak_in_flight": self.pool.peak_in_flight,
            "extract/peak_waiting": self.pool.peak_waiting,
            "extract/worker_restarts": self.pool.restarts,
        }
