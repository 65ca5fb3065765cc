"""A Wayback-style archive on 127.0.0.1 speaking the Internet Archive's dialect.

``/cdx/search/cdx`` answers CDX queries as the Internet Archive's CDX server does:
``output=json`` is one JSON array with a header row; ``url`` with ``matchType=domain``
or ``prefix``; ``from``/``to``; ``filter=[!]field:regex``; ``collapse=digest``
(adjacent rows); ``limit`` with ``showResumeKey=true``, which ends a truncated answer
with ``[]`` and ``[resumeKey]``, and ``resumeKey`` to go on. ``/web/<ts>id_/<url>``
replays a capture's original bytes with its status and type, or redirects to the
capture of that URL nearest in time. Every request is
recorded with its arrival time; faults answer a path (prefix) with a status and
headers a given number of times.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from crawler.discovery.cdx import pad_timestamp
from crawler.sample_server import LoopbackServer

FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def surt(url: str) -> str:
    """The Internet Archive's sort key of a URL: host reversed, without www."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    port = parts.port
    if port in (80, 443):
        port = None
    key = ",".join(reversed(host.split("."))) + (f":{port}" if port else "") + ")"
    path = (parts.path or "/").lower().rstrip("/") or "/"
    return key + path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Archived:
    """One capture the archive holds."""

    original: str
    timestamp: str
    body: bytes
    status: int = 200
    mimetype: str = "text/html"

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()

    def row(self) -> list[str]:
        return [
            surt(self.original),
            self.timestamp,
            self.original,
            self.mimetype,
            str(self.status),
            self.digest,
            str(len(self.body)),
        ]


@dataclass
class Hit:
    path: str
    status: int
    at: float = field(default_factory=time.monotonic)


class IaArchiveServer(LoopbackServer):
    """The CDX API and ``id_`` replay of an archive holding ``captures``."""

    def __init__(self, captures: list[Archived]) -> None:
        self.captures = sorted(captures, key=lambda c: (surt(c.original), c.timestamp))
        self.requests: list[Hit] = []
        self.faults: dict[str, tuple[int, dict[str, str], int]] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler())

    def cdx_url(self) -> str:
        return self.base + "/cdx/search/cdx"

    def archive_url(self) -> str:
        return self.base + "/web/"

    def fault(self, prefix: str, status: int, times: int, **headers: str) -> None:
        """Answer requests whose path and query start with ``prefix`` with ``status``."""
        self.faults[prefix] = (status, headers, times)

    def hits(self, prefix: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.requests if h.path.startswith(prefix)]

    # -- the CDX API ------------------------------------------------------------------
    def query(self, params: dict[str, list[str]]) -> list[list[str]] | None:
        """The answer to a CDX query, or None for a bad one."""
        url = (params.get("url") or [""])[0]
        match = (params.get("matchType") or ["exact"])[0]
        if not url:
            return None
        if match == "domain":
            prefix = surt("http://" + url + "/")[:-2]  # "example,news"
            rows = [
                c
                for c in self.captures
                if surt(c.original).startswith((prefix + ")", prefix + ","))
            ]
        elif match == "prefix":
            key = surt(url if "://" in url else "http://" + url)
            key = key[:-1] if key.endswith("/") else key
            rows = [c for c in self.captures if surt(c.original).startswith(key)]
        else:
            rows = [c for c in self.captures if surt(c.original) == surt(url)]
        start = (params.get("from") or [""])[0]
        end = (params.get("to") or [""])[0]
        if start:
            rows = [c for c in rows if c.timestamp >= pad_timestamp(start)]
        if end:
            rows = [c for c in rows if c.timestamp <= pad_timestamp(end, upper=True)]
        table = [c.row() for c in rows]
        for spec in params.get("filter", []):
            invert = spec.startswith("!")
            name, _, pattern = spec.lstrip("!").partition(":")
            column = FIELDS.index(name)
            table = [r for r in table if bool(re.fullmatch(pattern, r[column])) != invert]
        if "digest" in params.get("collapse", []):
            collapsed: list[list[str]] = []
            for row in table:
                if not collapsed or collapsed[-1][5] != row[5] or collapsed[-1][0] != row[0]:
                    collapsed.append(row)
            table = collapsed
        return table

    def cdx_answer(self, params: dict[str, list[str]]) -> bytes | None:
        table = self.query(params)
        if table is None:
            return None
        offset = int((params.get("resumeKey") or ["0"])[0] or 0)
        limit = int((params.get("limit") or ["0"])[0] or 0)
        page = table[offset : offset + limit] if limit else table[offset:]
        answer: list[list[str]] = [FIELDS, *page] if page else []
        more = limit and offset + limit < len(table)
        if more and (params.get("showResumeKey") or [""])[0] == "true":
            answer += [[], [str(offset + limit)]]
        return json.dumps(answer).encode()

    def replay(self, path: str) -> Archived | None:
        """The capture a replay path names, or the one of its URL nearest in time (the
        Wayback Machine redirects there)."""
        match = re.match(r"^/web/(\d{14})id_/(.+)$", path)
        if not match:
            return None
        stamp, original = match.groups()
        same = [c for c in self.captures if surt(c.original) == surt(original)]
        if not same:
            return None
        return min(same, key=lambda c: abs(int(c.timestamp) - int(stamp)))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                with server._lock:
                    server.requests.append(Hit(self.path, status))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with server._lock:
                    for prefix, (status, headers, times) in list(server.faults.items()):
                        if self.path.startswith(prefix) and times > 0:
                            server.faults[prefix] = (status, headers, times - 1)
                            break
                    else:
                        status = 0
                if status:
                    self._send(status, b"busy", {"Content-Type": "text/plain", **headers})
                    return
                parts = urlsplit(self.path)
                if parts.path == "/cdx/search/cdx":
                    body = server.cdx_answer(parse_qs(parts.query, keep_blank_values=True))
                    if body is None:
                        self._send(400, b"bad query", {"Content-Type": "text/plain"})
                    else:
                        self._send(200, body, {"Content-Type": "text/plain"})
                    return
                capture = server.replay(self.path)
                if capture is None:
                    self._send(404, b"not in archive", {"Content-Type": "text/html"})
                    return
                if not self.path.startswith(f"/web/{capture.timestamp}id_/"):
                    where = f"/web/{capture.timestamp}id_/{capture.original}"
                    self._send(302, b"", {"Location": server.base + where})
                    return
                when = calendar.timegm(time.strptime(capture.timestamp, "%Y%m%d%H%M%S"))
                headers = {
                    "Content-Type": f"{capture.mimetype}; charset=utf-8",
                    "Memento-Datetime": formatdate(when, usegmt=True),
                }
                self._send(capture.status, capture.body, headers)

        return Handler
