"""Crawl state in Redis: the store several crawl workers share.

Same behaviour as the SQLite store (``crawler/runtime/state/sqlite.py``); the near-duplicate
index uses the same LSH bands (``crawler/text/neardup.py``), one Redis set of record ids
per band bucket, and the same Jaccard check on the stored signatures, so both
backends give the same answers.

Keys (``<p>`` is the prefix, ``STATE_REDIS_PREFIX``, default ``cleanwire``)::

    <p>:article:<id>        hash   ArticleState fields
    <p>:url:<url>           string record id (fetched and canonical URLs)
    <p>:content:<hash>      string record id of the first text with this hash
    <p>:sig:<id>            string MinHash signature (uint32 bytes)
    <p>:lsh:<band>:<key>    set    record ids in one LSH bucket
    <p>:blocks:<site>       hash   learned block hash -> document frequency
    <p>:blockdocs:<site>    string documents the block counts were learned from
    <p>:claim:id:<id>       string owner:token of a pending emission (see ``claim``)
    <p>:claim:content:<h>   string same, for a content hash
    <p>:live:<owner>        string liveness of a process (expires unless refreshed)

Every write is one Lua script, so a mark is atomic and a retried command (the
client retries through a Redis restart) is harmless: marks are idempotent and
claims carry a token.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import asdict, fields
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from crawler.runtime.state.base import ArticleState
from crawler.text import neardup

logger = logging.getLogger(__name__)

#: This process's identity in claims and liveness keys (host, pid and a random tag,
#: so a reused pid on a restarted machine is a different owner).
PROCESS_ID = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"

_FIELDS = [f.name for f in fields(ArticleState)]

# KEYS: article, sig, content, claim:id, claim:content, ids, then nu url keys,
#       then nb new band keys, then old band keys
# ARGV: id, version, owner, nu, sig ('' for none), content hash, nb, field/value pairs...
_MARK = """
local function release()
  for i = 4, 5 do
    local h = redis.call('GET', KEYS[i])
    if h and string.sub(h, 1, string.len(ARGV[3]) + 1) == ARGV[3] .. ':' then
      redis.call('DEL', KEYS[i])
    end
  end
end
local cur = redis.call('HMGET', KEYS[1], 'version', 'content_hash')
if cur[1] and (tonumber(cur[1]) > tonumber(ARGV[2])
    or (tonumber(cur[1]) == tonumber(ARGV[2]) and cur[2] == ARGV[6])) then
  release()
  return 0
end
local nu = tonumber(ARGV[4])
local nb = tonumber(ARGV[7])
for i = 7 + nu + nb, #KEYS do
  redis.call('SREM', KEYS[i], ARGV[1])
end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if redis.call('ZSCORE', KEYS[6], ARGV[1]) == false then
  redis.call('ZADD', KEYS[6], redis.call('ZCARD', KEYS[6]) + 1, ARGV[1])
end
for i = 7, 6 + nu do
  redis.call('SET', KEYS[i], ARGV[1])
end
redis.call('SET', KEYS[3], ARGV[1], 'NX')
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[2], ARGV[5])
  for i = 7 + nu, 6 + nu + nb do
    redis.call('SADD', KEYS[i], ARGV[1])
  end
end
release()
return 1
"""

# KEYS: claim:id, claim:content, article, content
# ARGV: owner, token, id, version, live-key prefix, lease ms
# 1: claimed; 0: emitted already or held by this process; -1: held by a live process
_CLAIM = """
local mine = ARGV[1] .. ':' .. ARGV[2]
local cur = redis.call('HGET', KEYS[3], 'version')
if cur and tonumber(cur) >= tonumber(ARGV[4]) then return 0 end
local c = redis.call('GET', KEYS[4])
if c and c ~= ARGV[3] then return 0 end
for i = 1, 2 do
  local h = redis.call('GET', KEYS[i])
  if h and h ~= mine then
    local owner = string.match(h, '^(.*):[^:]*$')
    if owner == ARGV[1] then return 0 end
    if redis.call('EXISTS', ARGV[5] .. owner) == 1 then return -1 end
  end
end
redis.call('SET', KEYS[1], mine, 'PX', ARGV[6])
redis.call('SET', KEYS[2], mine, 'PX', ARGV[6])
return 1
"""

# KEYS: claim:id, claim:content; ARGV: owner
_RELEASE = """
for i = 1, 2 do
  local h = redis.call('GET', KEYS[i])
  if h and string.sub(h, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ':' then
    redis.call('DEL', KEYS[i])
  end
end
return 1
"""

# KEYS: blocks, blockdocs; ARGV: documents, then hash/count pairs
_SAVE_BLOCKS = """
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('SET', KEYS[2], ARGV[1])
return 1
"""


class FailFastRedis(redis.Redis):
    """A client that, once a call has spent its retries on an outage, fails at once for a while.

    Without it every item still in the pipelines of a worker whose Redis is gone would
    wait out the whole retry budget on its own, and the worker would take minutes to stop.
    """

    fail_fast_seconds: float = 30.0
    _down_until: float = 0.0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if time.monotonic() < self._down_until:
            raise redis.exceptions.ConnectionError(
                "Redis unreachable (retries already ran out; failing fast)"
            )
        try:
            return super().execute_command(*args, **options)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            self._down_until = time.monotonic() + self.fail_fast_seconds
            raise


def redis_client(url: str, retry_seconds: float = 30.0) -> redis.Redis:
    """A client for ``url`` that retries connection errors for about ``retry_seconds``.

    So a Redis restart shorter than that is invisible to the crawl; a longer one
    raises ``redis.exceptions.ConnectionError``, and calls in the next
    ``retry_seconds`` fail at once instead of waiting again.
    """
    cap = 1.0
    retries = max(1, int(retry_seconds / cap) + 3)
    client = FailFastRedis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=cap, base=0.05), retries),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=10,
    )
    client.fail_fast_seconds = retry_seconds
    return client


def _split_url(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without our own query options (``prefix``), and those options."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    ours = {k: v for k, v in query if k in ("prefix",)}
    rest = [(k, v) for k, v in query if k not in ours]
    return urlunsplit(parts._replace(query=urlencode(rest))), ours


def ping(url: str, retry_seconds: float = 30.0) -> None:
    """Check that the store's Redis at ``url`` answers, as the store would connect.

    Raises ``ValueError`` for a URL redis-py cannot read and
    ``redis.exceptions.RedisError`` when the server does not answer in ``retry_seconds``
    (or refuses the credentials).
    """
    client = redis_client(_split_url(url)[0], retry_seconds)
    try:
        client.ping()
    finally:
        client.close()


class RedisStore:
    """The ``StateStore`` protocol on a Redis server (shared by every worker)."""

    def __init__(
        self,
        url: str,
        threshold: float = 0.8,
        num_perm: int = 128,
        prefix: str | None = None,
        owner: str = PROCESS_ID,
        live_ttl: float = 10.0,
        claim_lease: float = 600.0,
        retry_seconds: float = 30.0,
        shingle_size: int = 5,
    ) -> None:
        url, options = _split_url(url)
        self.prefix = (prefix or options.get("prefix") or "cleanwire").rstrip(":")
        self.threshold = threshold
        self.num_perm = num_perm
        self.scheme = neardup.signature_scheme(num_perm, shingle_size)
        self.owner = owner
        self.live_ttl = live_ttl
        self.claim_lease = claim_lease
        self.redis = redis_client(url, retry_seconds)
        self.redis.ping()
        self._mark = self.redis.register_script(_MARK)
        self._claim = self.redis.register_script(_CLAIM)
        self._release = self.redis.register_script(_RELEASE)
        self._save_blocks = self.redis.register_script(_SAVE_BLOCKS)
        self._check_signature_scheme()
        self._closed = threading.Event()
        self.redis.set(self._live_prefix() + owner, "1", px=int(live_ttl * 1000))
        self._heartbeat = threading.Thread(
            target=self._beat, args=(url,), name="redis-store-liveness", daemon=True
        )
        self._heartbeat.start()

    def _check_signature_scheme(self) -> None:
        """Drop stored signatures made by another scheme (``<p>:meta`` field
        ``signature``): they cannot be compared with this crawl's. Workers of one crawl
        must share DEDUPE_NUM_PERM and DEDUPE_SHINGLE_SIZE."""
        meta = self._k("meta")
        if self.redis.hsetnx(meta, "signature", self.scheme):
            return  # a new store, or one written before schemes were recorded
        stored = self.redis.hget(meta, "signature")
        stored = stored.decode() if isinstance(stored, bytes) else stored
        if stored == self.scheme:
            return
        dropped = 0
        for pattern in (self._k("sig", "*"), self._k("lsh", "*")):
            batch: list[Any] = []
            for key in self.redis.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    dropped += self.redis.delete(*batch)
                    batch = []
            if batch:
                dropped += self.redis.delete(*batch)
        self.redis.hset(meta, "signature", self.scheme)
        logger.warning(
            "Redis state %s: near-duplicate signatures were made by %s, this crawl makes %s "
            "(DEDUPE_NUM_PERM / DEDUPE_SHINGLE_SIZE or a new version): %d signature and "
            "bucket keys dropped; articles emitted before are still matched by URL and by "
            "exact text",
            self.prefix,
            stored,
            self.scheme,
            dropped,
        )

    # -- keys --------------------------------------------------------------------
    def _k(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(p) for p in parts)])

    def _live_prefix(self) -> str:
        return self._k("live") + ":"

    # -- liveness ----------------------------------------------------------------
    def _beat(self, url: str) -> None:
        """Keep ``<p>:live:<owner>`` alive so other workers respect our claims."""
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        key = self._live_prefix() + self.owner
        ttl_ms = int(self.live_ttl * 1000)
        interval = max(0.2, self.live_ttl / 5)
        while not self._closed.is_set():
            with contextlib.suppress(redis.exceptions.RedisError):
                client.set(key, "1", px=ttl_ms)
            self._closed.wait(interval)
        with contextlib.suppress(redis.exceptions.RedisError):
            client.delete(key)
        client.close()

    # -- URL identity and incremental fetch ----------------------------------------
    def _state(self, raw: dict[bytes, bytes]) -> ArticleState | None:
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}
        values: dict[str, Any] = {}
        for name in _FIELDS:
            value = data.get(name)
            if value is None or value == "\x00":
                values[name] = None
            elif name == "version":
                values[name] = int(value)
            else:
                values[name] = value
        return ArticleState(**values)

    def get_article(self, record_id: str) -> ArticleState | None:
        return self._state(self.redis.hgetall(self._k("article", record_id)))

    def get_by_url(self, url: str) -> ArticleState | None:
        record_id = self.redis.get(self._k("url", url))
        return self.get_article(record_id.decode()) if record_id else None

    # -- exact and near duplicates -----------------------------------------------
    def find_content(self, content_hash: str) -> str | None:
        record_id = self.redis.get(self._k("content", content_hash))
        return record_id.decode() if record_id else None

    def _band_keys(self, hashvalues: list[int]) -> list[str]:
        return [
            self._k("lsh", i, key)
            for i, key in enumerate(neardup.band_keys(hashvalues, self.threshold))
        ]

    def near_duplicates(self, key: str, hashvalues: list[int]) -> list[str]:
        """Ids (other than ``key``) whose signature shares an LSH bucket with
        ``hashvalues`` and whose estimated Jaccard reaches the threshold, oldest first."""
        if len(hashvalues) != self.num_perm or neardup.is_empty(hashvalues):
            return []
        pipe = self.redis.pipeline(transaction=False)
        for band in self._band_keys(hashvalues):
            pipe.smembers(band)
        candidates = sorted({m.decode() for members in pipe.execute() for m in members} - {key})
        if not candidates:
            return []
        pipe = self.redis.pipeline(transaction=False)
        pipe.mget([self._k("sig", c) for c in candidates])
        pipe.zmscore(self._k("ids"), candidates)
        sigs, order = pipe.execute()
        scored = []
        for candidate, blob, seq in zip(candidates, sigs, order, strict=True):
            if not blob or seq is None:
                continue
            if neardup.jaccard(neardup.from_blob(blob), hashvalues) >= self.threshold:
                scored.append((seq, candidate))
        return [candidate for _, candidate in sorted(scored)]

    # -- exactly once across workers ------------------------------------------------
    def claim(self, record_id: str, version: int, content_hash: str) -> bool:
        """Reserve the emission of ``record_id`` version ``version`` with this text.

        False when it was emitted already (this version, or this text under any
        id) or another emission of it is pending in this process. When another
        live worker holds it, wait until that worker marks it (False) or dies
        (then the claim is taken over). ``mark_emitted`` or ``release`` ends a claim.
        """
        keys = [
            self._k("claim", "id", record_id),
            self._k("claim", "content", content_hash),
            self._k("article", record_id),
            self._k("content", content_hash),
        ]
        token = secrets.token_hex(6)
        deadline = time.monotonic() + max(30.0, 4 * self.live_ttl)
        delay = 0.01
        while True:
            result = int(
                self._claim(
                    keys=keys,
                    args=[
                        self.owner,
                        token,
                        record_id,
                        version,
                        self._live_prefix(),
                        int(self.claim_lease * 1000),
                    ],
                )
            )
            if result >= 0:
                return result == 1
            if time.monotonic() > deadline:
                logger.warning(
                    "Emission of %s is held by a live worker for too long; not emitting it here",
                    record_id,
                )
                return False
            time.sleep(delay)
            delay = min(0.2, delay * 2)

    def release(self, record_id: str, content_hash: str) -> None:
        """Give up this process's claim (the record was not written)."""
        self._release(
            keys=[self._k("claim", "id", record_id), self._k("claim", "content", content_hash)],
            args=[self.owner],
        )

    # -- the one write ----------------------------------------------------------------
    def mark_emitted(
        self, state: ArticleState, fetched_url: str, hashvalues: list[int] | None
    ) -> None:
        """Remember an emitted version, atomically. Idempotent: marking a version the
        store already holds (same version and hash, or an older version) changes nothing."""
        urls = list(dict.fromkeys(u for u in (fetched_url, state.url, state.canonical_url) if u))
        sig = b""
        bands: list[str] = []
        if (
            hashvalues is not None
            and len(hashvalues) == self.num_perm
            and not neardup.is_empty(hashvalues)
        ):
            sig = neardup.to_blob(hashvalues)
            bands = self._band_keys(list(hashvalues))
        old_bands: list[str] = []
        old_sig = self.redis.get(self._k("sig", state.id))
        if old_sig:
            old = neardup.from_blob(old_sig)
            if len(old) == self.num_perm:
                old_bands = [b for b in self._band_keys(list(old)) if b not in bands]
        pairs: list[Any] = []
        for name, value in asdict(state).items():
            pairs += [name, "\x00" if value is None else str(value)]
        self._mark(
            keys=[
                self._k("article", state.id),
                self._k("sig", state.id),
                self._k("content", state.content_hash),
                self._k("claim", "id", state.id),
                self._k("claim", "content", state.content_hash),
                self._k("ids"),
                *(self._k("url", u) for u in urls),
                *bands,
                *old_bands,
            ],
            args=[
                state.id,
                state.version,
                self.owner,
                len(urls),
                sig,
                state.content_hash,
                len(bands),
                *pairs,
            ],
        )

    # -- learned site boilerplate ----------------------------------------------------
    def load_blocks(self, site: str) -> tuple[int, dict[str, int]]:
        pipe = self.redis.pipeline(transaction=True)
        pipe.get(self._k("blockdocs", site))
        pipe.hgetall(self._k("blocks", site))
        documents, counts = pipe.execute()
        return int(documents or 0), {k.decode(): int(v) for k, v in counts.items()}

    def save_blocks(self, site: str, documents: int, counts: dict[str, int]) -> None:
        pairs: list[Any] = []
        for block, count in counts.items():
            pairs += [block, int(count)]
        self._save_blocks(
            keys=[self._k("blocks", site), self._k("blockdocs", site)],
            args=[int(documents), *pairs],
        )

    # -- lifecycle ---------------------------------------------------------------------
    def commit(self) -> None:
        """Every write is already applied by Redis (durability is Redis's AOF/RDB)."""

    def close(self) -> None:
        """Stop the liveness beat and disconnect (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._heartbeat.join(timeout=5)
        self.redis.close()

    # -- introspection (tests, reports) ------------------------------------------------
    def count(self) -> int:
        """Number of articles the store remembers."""
        return int(self.redis.zcard(self._k("ids")))
