"""A real redis-server on a free loopback port, for tests.

``RedisServer(tmp_dir).start()`` runs ``redis-server`` with append-only
persistence in ``tmp_dir`` (so a test can restart it on the same port and keep
the data), waits until it answers PING, and ``stop()`` terminates it. The
``redis_server`` fixture gives a started server and stops it after the test; it
skips the test, saying why, only when the ``redis-server`` binary is missing.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REDIS_BINARY = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process bound to 127.0.0.1, data kept in ``directory``."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        if REDIS_BINARY is None:
            raise RuntimeError("redis-server is not installed")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.proc = subprocess.Popen(
            [
                str(REDIS_BINARY),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            while True:
                try:
                    if client.ping():
                        return self
                except redis.exceptions.RedisError:
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"redis-server did not start on port {self.port}: "
                        + (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                    )
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (the append-only file keeps the data), wait ``down_for`` s, start again."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A started redis-server on a free loopback port, stopped after the test."""
    if REDIS_BINARY is None:
        pytest.skip("redis-server binary not found (apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


class ReplyDroppingProxy:
    """A TCP proxy in front of a real redis-server that swallows chosen replies.

    Every connection is relayed byte for byte, except that a client request
    containing ``marker`` (e.g. a Lua script's SHA1) is forwarded, the server's
    reply is awaited and thrown away, and the client's connection is closed: what
    a client sees when Redis dies after running its command but before replying.
    ``drop_every`` picks which of the matching requests (1st, then every n-th) lose
    their reply, up to ``max_drops``.
    """

    def __init__(self, target_port: int, marker: bytes, drop_every: int = 1, max_drops: int = 1):
        self.target_port = target_port
        self.marker = marker
        self.drop_every = drop_every
        self.max_drops = max_drops
        self.seen = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _should_drop(self, data: bytes) -> bool:
        if self.marker not in data:
            return False
        with self._lock:
            self.seen += 1
            if self.dropped >= self.max_drops or (self.seen - 1) % self.drop_every:
                return False
            self.dropped += 1
            return True

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        pair = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(pair, [], [], 1.0)
                if self._closed:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        upstream.sendall(data)
                        if self._should_drop(data):
                            upstream.settimeout(10)
                            upstream.recv(65536)  # the command ran; its reply is lost
                            return
                    else:
                        client.sendall(data)
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
