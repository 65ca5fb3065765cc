"""A fixture HTTP server on 127.0.0.1 for end-to-end crawls.

Serves the files of a folder (``tests/sites/<name>/``), records every request,
answers conditional requests (ETag / If-Modified-Since), and lets a test inject
faults per path: any status, headers, body, delay, or a connection reset.
``{{BASE}}`` in served text files is replaced by the server's base URL, so
fixture sitemaps and feeds can hold absolute URLs.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import mimetypes
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from crawler.sample_server import LoopbackServer, site_file

TEXT_SUFFIXES = {".html", ".htm", ".xml", ".txt", ".rss", ".atom", ".json", ""}


@dataclass
class Fault:
    """What to answer for one path instead of the file."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False  # close the connection without answering
    times: int | None = None  # apply only to the first N requests, then serve normally


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class FixtureServer(LoopbackServer):
    """Threaded static server with a request log and fault injection."""

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1") -> None:
        self.root = Path(root) if root else None
        self.requests: list[Hit] = []
        self.faults: dict[str, Fault] = {}
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.mtimes: dict[str, float] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler(), host)

    # -- test API ------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def fault(self, path: str, **kwargs: object) -> None:
        self.faults[path] = Fault(**kwargs)  # type: ignore[arg-type]

    def route(self, path: str, body: bytes | str, content_type: str = "text/html") -> None:
        """Serve ``body`` at ``path`` (overrides files)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (data, content_type)

    def paths(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.requests]

    def hits(self, path: str) -> int:
        return sum(1 for p in self.paths() if p == path)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving -------------------------------------------------------------
    def _load(self, path: str) -> tuple[bytes, str, float] | None:
        if path in self.routes:
            body, ctype = self.routes[path]
            return body, ctype, self.mtimes.get(path, 1_700_000_000.0)
        if self.root is None:
            return None
        candidate = site_file(self.root, path)
        if candidate is None:
            return None
        data = candidate.read_bytes()
        suffix = candidate.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            data = data.replace(b"{{BASE}}", self.base.encode())
        elif candidate.name.endswith(".xml.gz"):
            raw = gzip.decompress(data).replace(b"{{BASE}}", self.base.encode())
            data = gzip.compress(raw, mtime=0)
        ctype = (
            {
                ".xml": "application/xml",
                ".rss": "application/rss+xml",
                ".atom": "application/atom+xml",
                ".gz": "application/x-gzip",
                ".txt": "text/plain",
                "": "text/html",
            }.get(suffix)
            or mimetypes.guess_type(candidate.name)[0]
            or "application/octet-stream"
        )
        if ctype == "text/html":
            ctype = "text/html; charset=utf-8"
        return data, ctype, self.mtimes.get(path, candidate.stat().st_mtime)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _record(self, status: int) -> None:
                path = urlsplit(self.path).path
                query = urlsplit(self.path).query
                with server._lock:
                    server.requests.append(
                        Hit(
                            self.command,
                            path + ("?" + query if query else ""),
                            dict(self.headers.items()),
                            status,
                        )
                    )

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                full = self.path
                path = urlsplit(full).path
                fault = server.faults.get(full) or server.faults.get(path)
                if fault is not None and fault.times is not None:
                    if fault.times <= 0:
                        fault = None
                    else:
                        fault.times -= 1
                if fault is not None:
                    if fault.delay:
                        time.sleep(fault.delay)
                    if fault.reset:
                        self._record(0)
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        )
                        self.close_connection = True
                        self.connection.close()
                        return
                    if fault.body is not None or fault.status != 200 or fault.headers:
                        body = fault.body or b""
                        if fault.body is None and fault.status == 200:
                            query = urlsplit(full).query
                            loaded = (
                                server._load(f"{path}?{query}") if query else None
                            ) or server._load(path)
                            body = loaded[0] if loaded else b""
                        self._record(fault.status)
                        self.send_response(fault.status)
                        headers = {"Content-Type": "text/html; charset=utf-8", **fault.headers}
                        for k, v in headers.items():
                            self.send_header(k, v)
                        if "Content-Length" not in headers:
                            self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        if self.command != "HEAD" and fault.status not in (204, 304):
                            self.wfile.write(body)
                        return
                query = urlsplit(full).query
                loaded = (server._load(path + "?" + query) if query else None) or server._load(path)
                if loaded is None:
                    self._record(404)
                    body = b"<html><body><h1>Not found</h1></body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body, ctype, mtime = loaded
                etag = '"' + hashlib.md5(body).hexdigest() + '"'
                last_modified = email.utils.formatdate(mtime, usegmt=True)
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                not_modified = inm == etag if inm else False
                if not inm and ims:
                    parsed = email.utils.parsedate_to_datetime(ims).timestamp()
                    not_modified = int(mtime) <= int(parsed)
                if not_modified:
                    self._record(304)
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._record(200)
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        return Handler
