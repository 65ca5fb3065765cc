"""The shared Redis frontier of distributed crawls (switched on by
``crawler/addons/distributed.py``).

The distribution itself is scrapy-redis (its Redis priority queue, request
serialisation and request-fingerprint dupefilter). This module adds what a
crawl that must lose nothing needs on top of it:

* **In-flight requests survive a dead worker.** A request popped from the shared
  queue is moved, in the same Lua script, to the worker's in-flight hash
  (``<spider>:inflight:<worker>``). It leaves that hash only when Scrapy has
  completely handled it (downloaded, parsed, its items through every pipeline,
  its child requests pushed). Each worker refreshes a heartbeat key; when one
  stops beating (SIGKILL, lost machine) another worker moves the dead worker's
  in-flight requests back to the queue. Re-crawling one is safe: the shared state
  store drops what was already emitted.
* **Dupefilter and push are one atomic step**, so a failed push never leaves a
  URL marked seen but queued nowhere.
* **Redis restarts are retried** (``DISTRIBUTED_REDIS_RETRY`` seconds); a longer
  outage stops the worker with reason ``redis_unavailable``, leaving its
  in-flight requests to be recovered.
* **Pages a held record waits for stay in its worker.** The multi-page pipeline holds
  a page-1 record in this process while the news spider fetches its later pages (or
  an AMP copy's canonical page); those requests (``meta["cleanwire_local"]``, see
  ``crawler.scheduler.LOCAL``) go to a local queue, served before the shared one,
  instead of the Redis queue, where another worker would pop them. Each is in the
  worker's in-flight hash from the moment it is queued, so a dead worker's local
  requests go back to the shared queue like the ones it popped.
* **Idle workers wait** for requests or for start URLs pushed to
  ``<spider>:start_urls``; a worker closes when the whole shared frontier
  (queue, start URLs, every worker's in-flight requests) has been empty for
  ``DISTRIBUTED_MAX_IDLE`` seconds (0: wait forever).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as ScrapyRedisScheduler
from twisted.internet import task

from crawler import internals
from crawler.addons.distributed import redis_url
from crawler.runtime.state.redis import PROCESS_ID, redis_client
from crawler.scheduler import LOCAL

logger = logging.getLogger(__name__)

# KEYS: queue, inflight, last pop; ARGV: pop token -> [data, score] or nil
# The client retries a call whose reply a Redis restart swallowed: the retry
# carries the same token and gets the same request back, instead of popping a
# second one and stranding the first in this worker's in-flight hash for good.
_POP = """
local last = redis.call('HMGET', KEYS[3], 'token', 'data', 'score')
if last[1] == ARGV[1] then return {last[2], last[3]} end
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return nil end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], r[2])
redis.call('HSET', KEYS[3], 'token', ARGV[1], 'data', r[1], 'score', r[2])
return r
"""

# KEYS: dupefilter, queue; ARGV: fingerprint, score, data, dont_filter ('1'/'0')
_PUSH = """
if ARGV[4] ~= '1' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: dupefilter, inflight; ARGV: fingerprint, score, data, dont_filter ('1'/'0')
# A request for this worker's local queue: in its in-flight hash from the start, so a
# dead worker's local requests are recovered with the ones it popped.
_HOLD = """
if ARGV[4] ~= '1' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
return 1
"""

# KEYS: inflight, queue, workers, heartbeat, last pop; ARGV: worker id, only_if_dead ('1'/'0')
_REQUEUE = """
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local items = redis.call('HGETALL', KEYS[1])
for i = 1, #items, 2 do
  redis.call('ZADD', KEYS[2], items[i + 1], items[i])
end
redis.call('DEL', KEYS[1], KEYS[5])
if ARGV[2] == '1' then redis.call('SREM', KEYS[3], ARGV[1]) end
return #items / 2
"""


class LocalQueue:
    """Requests only this worker may fetch, highest priority first (in order within one),
    each with its serialised form (its field in the in-flight hash)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Request, Any]] = []
        self._order = itertools.count()

    def push(self, request: Request, data: Any) -> None:
        heapq.heappush(self._heap, (-request.priority, next(self._order), request, data))

    def pop(self) -> tuple[Request, Any] | None:
        if not self._heap:
            return None
        _priority, _order, request, data = heapq.heappop(self._heap)
        return request, data

    def __len__(self) -> int:
        return len(self._heap)


class RedisScheduler(ScrapyRedisScheduler, BaseScheduler):
    """scrapy-redis's scheduler with in-flight tracking, recovery and a shared idle rule."""

    def __init__(self, server: redis.Redis, crawler: Any, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.worker = PROCESS_ID
        self.timeout = settings.getfloat("DISTRIBUTED_WORKER_TIMEOUT", 30.0)
        self.max_idle = settings.getfloat("DISTRIBUTED_MAX_IDLE", 60.0)
        self.start_urls_key_pattern = settings.get(
            "DISTRIBUTED_START_URLS_KEY", "%(name)s:start_urls"
        )
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._hold = server.register_script(_HOLD)
        self._requeue = server.register_script(_REQUEUE)
        self._active: dict[int, tuple[Request, bytes]] = {}
        self._local = LocalQueue()
        self._pop_tokens = itertools.count(1)
        self._broken = False
        self._idle_since: float | None = None
        self._loops: list[task.LoopingCall] = []
        self._stop_beating = threading.Event()
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._on_item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisScheduler:
        settings = crawler.settings
        server = redis_client(
            redis_url(settings), settings.getfloat("DISTRIBUTED_REDIS_RETRY", 30.0)
        )
        server.ping()
        kwargs: dict[str, Any] = {
            "persist": settings.getbool("SCHEDULER_PERSIST", True),
            "flush_on_start": settings.getbool("SCHEDULER_FLUSH_ON_START"),
            "idle_before_close": 0,
            "queue_cls": "scrapy_redis.queue.PriorityQueue",
        }
        for name, setting in (
            ("queue_key", "SCHEDULER_QUEUE_KEY"),
            ("dupefilter_key", "SCHEDULER_DUPEFILTER_KEY"),
        ):
            if settings.get(setting):
                kwargs[name] = settings.get(setting)
        return cls(server, crawler, **kwargs)

    # -- keys ------------------------------------------------------------------
    def _key(self, kind: str, worker: str | None = None) -> str:
        base = f"{self.spider.name}:{kind}"
        return f"{base}:{worker}" if worker else base

    # -- lifecycle ---------------------------------------------------------------
    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = PriorityQueue(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        self.df = RFPDupeFilter(
            self.server,
            key=self.dupefilter_key % {"spider": spider.name},
            debug=spider.settings.getbool("DUPEFILTER_DEBUG"),
        )
        if self.flush_on_start:
            self.flush()
        self._heartbeat(self.server)
        self.recover()
        if len(self.queue):
            logger.info("Resuming the shared crawl: %d requests queued", len(self.queue))
        # the heartbeat runs in a thread: a reactor busy for a while is not a dead worker
        threading.Thread(target=self._beat, name="distributed-heartbeat", daemon=True).start()
        for func, interval in (
            (self._recover_quietly, self.timeout / 5),
            (self._settle, 0.5),
            (self._poll, 0.5),
        ):
            loop = task.LoopingCall(func)
            loop.start(max(0.2, interval), now=False)
            self._loops.append(loop)

    def close(self, reason: str) -> None:
        self._stop_beating.set()
        for loop in self._loops:
            if loop.running:
                loop.stop()
        if self._broken:
            logger.error(
                "Left %d in-flight requests in Redis; a live worker re-queues them",
                len(self._active),
            )
            return
        try:
            self._settle()
            # whatever is still in flight was not finished: give it back to the queue
            back = self._requeue(
                keys=[
                    self._key("inflight", self.worker),
                    self.queue.key,
                    self._key("workers"),
                    self._key("worker", self.worker),
                    self._key("lastpop", self.worker),
                ],
                args=[self.worker, "0"],
            )
            if back:
                logger.info("Returned %d unfinished requests to the shared queue", back)
            self.server.delete(self._key("worker", self.worker))
            self.server.srem(self._key("workers"), self.worker)
        except redis.exceptions.RedisError as exc:
            logger.error(
                "Redis unavailable at close (%s); in-flight requests stay recoverable", exc
            )
        if not self.persist:
            self.flush()

    # -- queue ---------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        """Push ``request`` to the shared queue, or, when a record held in this process
        waits for it (``meta[LOCAL]``), to this worker's local queue; either way through
        the shared dupefilter (unless ``dont_filter``) and into Redis in one step."""
        if self._broken:
            return False
        local = bool(request.meta.get(LOCAL))
        data = internals.encode_request(self.queue, request)
        script, target = (
            (self._hold, self._key("inflight", self.worker))
            if local
            else (self._push, self.queue.key)
        )
        try:
            added = script(
                keys=[self.df.key, target],
                args=[
                    self.df.request_fingerprint(request),
                    -request.priority,
                    data,
                    "1" if request.dont_filter else "0",
                ],
            )
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return False
        if not added:
            self.df.log(request, self.spider)
            return False
        if local:
            self._local.push(request, data)
        self.stats.inc_value("scheduler/enqueued/local" if local else "scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._broken:
            return None
        held = self._local.pop()
        if held is not None:
            self._active[id(held[0])] = held
            self._idle_since = None
            self.stats.inc_value("scheduler/dequeued/local")
            return held[0]
        try:
            popped = self._pop(
                keys=[
                    self.queue.key,
                    self._key("inflight", self.worker),
                    self._key("lastpop", self.worker),
                ],
                args=[next(self._pop_tokens)],
            )
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return None
        if not popped:
            return None
        data = popped[0]
        request = internals.decode_request(self.queue, data)
        self._active[id(request)] = (request, data)
        self._idle_since = None  # work again: a later quiet spell counts from its start
        self.stats.inc_value("scheduler/dequeued/redis")
        # a request of a site another worker started (-a start or a URL from Redis):
        # this worker crawls that site too (allowed domains, redirect checks)
        adopt = getattr(self.spider, "adopt_site", None)
        if adopt is not None and request.meta.get("site"):
            adopt(request.meta["site"])
        return request

    def __len__(self) -> int:
        return len(self._local) + len(self.queue)

    def has_pending_requests(self) -> bool:
        if self._broken:
            return False
        if self._local:
            return True
        try:
            return len(self.queue) > 0
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return False

    # -- in-flight bookkeeping ------------------------------------------------------
    def _settle(self) -> None:
        """Forget in-flight requests Scrapy has completely handled."""
        if self._broken or not self._active:
            return
        inprogress = internals.requests_in_progress(self.crawler.engine)
        if inprogress is None:
            return
        done = [k for k, (req, _) in self._active.items() if req not in inprogress]
        if not done:
            return
        try:
            self.server.hdel(
                self._key("inflight", self.worker), *(self._active[k][1] for k in done)
            )
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return
        for k in done:
            del self._active[k]

    def _heartbeat(self, server: redis.Redis) -> None:
        server.set(self._key("worker", self.worker), "1", px=int(self.timeout * 1000))
        server.sadd(self._key("workers"), self.worker)

    def _beat(self) -> None:
        """Refresh this worker's heartbeat until it closes (or Redis stays unreachable)."""
        server = redis_client(redis_url(self.crawler.settings), retry_seconds=1.0)
        while not self._stop_beating.wait(self.timeout / 5):
            if self._broken:
                break
            with contextlib.suppress(redis.exceptions.RedisError):
                self._heartbeat(server)
        server.close()

    def _recover_quietly(self) -> None:
        if self._broken:
            return
        try:
            self.recover()
        except redis.exceptions.RedisError as exc:
            self._fail(exc)

    def _on_item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        """A pipeline lost the state store's Redis: stop before the request counts as done."""
        if isinstance(
            failure.value, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError
        ):
            self._fail(failure.value)

    def recover(self) -> int:
        """Move the in-flight requests of dead workers back to the queue."""
        moved = 0
        for raw in self.server.smembers(self._key("workers")):
            worker = raw.decode()
            if worker == self.worker:
                continue
            n = self._requeue(
                keys=[
                    self._key("inflight", worker),
                    self.queue.key,
                    self._key("workers"),
                    self._key("worker", worker),
                    self._key("lastpop", worker),
                ],
                args=[worker, "1"],
            )
            if n > 0:
                moved += n
                self.stats.inc_value("distributed/recovered_requests", n)
                logger.info(
                    "Worker %s stopped beating: re-queued its %d in-flight requests", worker, n
                )
        return moved

    def _fail(self, exc: Exception) -> None:
        """Redis stayed unreachable through the retries: stop this worker, clearly."""
        if self._broken:
            return
        self._broken = True
        self.stats.inc_value("distributed/redis_unavailable")
        logger.error(
            "Redis unreachable (%s); stopping this worker. Its in-flight requests stay "
            "in Redis and are re-queued by a live worker (or this one, restarted).",
            exc,
        )
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_unavailable"))

    # -- idle: wait for more work, close when the whole crawl is quiet ----------------------
    def _start_urls_key(self) -> str:
        return self.start_urls_key_pattern % {"name": self.spider.name}

    def _feed_start_urls(self) -> int:
        """Turn URLs pushed to ``<spider>:start_urls`` into this spider's start requests."""
        make = getattr(self.spider, "start_requests_for", None)
        fed = 0
        for _ in range(100):
            raw = self.server.lpop(self._start_urls_key())
            if raw is None:
                break
            url = raw.decode("utf-8", "replace").strip()
            if not url:
                continue
            if make is None:
                logger.warning(
                    "Spider %s cannot take start URLs from Redis; dropped %s", self.spider.name, url
                )
                continue
            self.stats.inc_value("distributed/start_urls")
            logger.info("Start URL from Redis: %s", url)
            for request in make(url):
                self.crawler.engine.crawl(request)
                fed += 1
        return fed

    def _poll(self) -> None:
        """Ask the engine for its next step twice a second.

        Scrapy re-checks an idle engine only every 5 s: a waiting worker would miss
        most of a small crawl another worker started, and notice start URLs pushed to
        Redis (and a quiet frontier) late. A busy engine ignores the extra call.
        """
        if self._broken:
            return
        internals.wake_engine(self.crawler.engine)

    def shared_found(self, site: str, add: int = 0) -> int:
        """Articles that sitemaps and feeds of ``site`` listed, summed over every worker.

        The news spider falls back to following links only when this stays 0: the
        worker that read a site's start page is often not the one that read its sitemaps.
        """
        try:
            if add:
                return int(self.server.hincrby(self._key("found"), site, add))
            return int(self.server.hget(self._key("found"), site) or 0)
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return 0

    def frontier_quiet(self) -> bool:
        """True when no worker has anything queued or in flight (False when Redis is lost)."""
        try:
            return self._frontier_quiet()
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return False

    def _frontier_quiet(self) -> bool:
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self.queue.key)
        pipe.llen(self._start_urls_key())
        pipe.smembers(self._key("workers"))
        queued, starts, workers = pipe.execute()
        if queued or starts:
            return False
        pipe = self.server.pipeline(transaction=False)
        for raw in workers:
            pipe.hlen(self._key("inflight", raw.decode()))
        return not any(pipe.execute())

    def _on_idle(self) -> None:
        if self._broken:
            return
        if self._local:  # not idle: a held record waits for these
            self._idle_since = None
            raise DontCloseSpider
        try:
            self._settle()
            if self._feed_start_urls():
                self._idle_since = None
                raise DontCloseSpider
            if not self._frontier_quiet():
                self._idle_since = None
                raise DontCloseSpider
        except redis.exceptions.RedisError as exc:
            self._fail(exc)
            return
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if self.max_idle <= 0 or now - self._idle_since < self.max_idle:
            raise DontCloseSpider
        logger.info("Shared frontier empty for %.0f s: closing this worker", now - self._idle_since)
