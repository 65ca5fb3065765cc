"""A static web server on 127.0.0.1 for the bundled sample site (``samples/newsroom``).

It serves a folder the way a simple news host would: ``/path/`` maps to
``path/index.html``, query strings are ignored, and ``{{BASE}}`` in text files
is replaced by the server's own base URL (sitemaps and feeds need absolute
URLs, and the port is only known once the server listens). Every requested
path is recorded, so a caller can tell what the crawler fetched.

``python -m crawler.sample_server [--port N]`` serves the sample until Ctrl-C
(or SIGTERM) and prints its URL and the commands that crawl and preview it.
(``python -m http.server`` would serve the ``{{BASE}}`` placeholders as they are,
and a crawl would find no article.)
"""

from __future__ import annotations

import argparse
import contextlib
import mimetypes
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urlsplit

SAMPLE_SITE = Path(__file__).resolve().parent.parent / "samples" / "newsroom"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css",
}
_TEXT = {".html", ".xml", ".txt", ".css"}


def site_file(root: Path, path: str) -> Path | None:
    """The file under ``root`` that answers the URL path ``path`` (``/dir/`` is
    ``dir/index.html``), or None when it is missing or outside ``root``."""
    root = root.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


class LoopbackServer:
    """A threaded HTTP server on a local address, started and stopped around a block.

    Subclasses give the request handler; ``base`` is known once the socket listens.
    """

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SampleSiteServer(LoopbackServer):
    """Serves ``root`` on 127.0.0.1 at a free port until ``stop()`` (or the ``with`` block ends)."""

    def __init__(self, root: Path = SAMPLE_SITE, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        self.requested: list[str] = []
        self._lock = threading.Lock()
        super().__init__(self._handler(), host, port)

    def resolve(self, url_path: str) -> Path | None:
        """The file that answers ``url_path``, or None (outside the root or missing)."""
        return site_file(self.root, unquote(url_path))

    def body(self, file: Path) -> bytes:
        data = file.read_bytes()
        if file.suffix in _TEXT:
            data = data.replace(b"{{BASE}}", self.base.encode())
        return data

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    server.requested.append(self.path)
                file = server.resolve(path)
                if file is None:
                    status, body, ctype = 404, b"<h1>Not found</h1>", "text/html; charset=utf-8"
                else:
                    status, body = 200, server.body(file)
                    ctype = _TYPES.get(file.suffix) or (
                        mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    )
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

        return Handler


def usage_lines(base: str) -> list[str]:
    """What ``python -m crawler.sample_server`` prints once it listens on ``base``."""
    return [
        f"Serving the sample site {SAMPLE_SITE.name} at {base}/ (Ctrl-C stops it)",
        "Crawl it (from the repository root, with the virtualenv active):",
        f"  scrapy crawl news -a start={base}/ -s ALLOW_LOOPBACK=1",
        f"  scrapy crawl news -a start={base}/ -a dry_run=1 -s ALLOW_LOOPBACK=1",
        f"  scrapy preview {base}/2024/05/13/council-approves-tram-extension/ --removed",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.sample_server",
        description="Serve the bundled sample news site (samples/newsroom) on 127.0.0.1 "
        "until Ctrl-C, with {{BASE}} replaced by the server's URL.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    args = parser.parse_args(argv)
    try:
        server = SampleSiteServer(SAMPLE_SITE, port=args.port)
    except OSError as exc:
        print(f"Cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    # SIGTERM (kill, systemd, a test) stops the server like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with server:
        print("\n".join(usage_lines(server.base)), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
