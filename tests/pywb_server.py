"""A real pywb on 127.0.0.1 for the archive tests: its own venv, collections, ``wayback``.

pywb pins libraries ours need newer (redis 2.x among them), so it lives in its own
virtualenv, ``.venv-pywb`` beside ``.venv``, installed from ``requirements-pywb.txt``
on first use (and again when the pins change), under a lock so that two test runs
on one machine do not install it at once. ``CLEANWIRE_PYWB_VENV`` puts it elsewhere.

A collection is made with ``wb-manager init`` and ``wb-manager add`` (which indexes
the WARC into a plain CDXJ file: not paged); ``paged=N`` turns its index into a
ZipNum cluster of N lines per block, which pywb pages (``showNumPages``, ``page``).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements-pywb.txt"


def pywb_venv() -> Path:
    """The venv with pywb, installed (or refreshed) if need be; raises if that fails."""
    venv = Path(os.environ.get("CLEANWIRE_PYWB_VENV") or ROOT / ".venv-pywb")
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".cleanwire-requirements.sha256"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text().strip() == want:
            return venv
        log = venv.parent / f"{venv.name}.install.log"
        with log.open("w") as out:
            steps = [
                [sys.executable, "-m", "venv", "--clear", str(venv)],
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "-r",
                    str(REQUIREMENTS),
                ],
            ]
            for step in steps:
                if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"installing pywb failed ({' '.join(step)}):\n{tail}")
        stamp.write_text(want)
    return venv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def zipnum_index(indexes: Path, lines_per_block: int) -> None:
    """Replace a collection's plain CDXJ index by a ZipNum cluster (gzipped blocks of
    ``lines_per_block`` lines, a ``.idx`` of the blocks' first keys and a ``.loc``)."""
    plain = indexes / "index.cdxj"
    lines = sorted(plain.read_bytes().splitlines(keepends=True))
    data = b""
    idx = []
    for number, start in enumerate(range(0, len(lines), lines_per_block), 1):
        block = gzip.compress(b"".join(lines[start : start + lines_per_block]), mtime=0)
        key = b" ".join(lines[start].split(b" ", 2)[:2])
        idx.append(b"%s\tcluster-00\t%d\t%d\t%d\n" % (key, len(data), len(block), number))
        data += block
    (indexes / "cluster-00.cdx.gz").write_bytes(data)
    (indexes / "cluster.idx").write_bytes(b"".join(idx))
    (indexes / "cluster.loc").write_text("cluster-00\tcluster-00.cdx.gz\n")
    plain.unlink()


class PywbServer:
    """``wayback`` serving the collections under ``root`` on 127.0.0.1."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.bin = pywb_venv() / "bin"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def _manager(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin / "wb-manager"), *args],
            cwd=self.root,
            check=True,
            capture_output=True,
        )

    def add_collection(self, name: str, warcs: list[Path], paged: int = 0) -> None:
        """A collection of ``warcs`` (indexed by ``wb-manager``); ``paged``: ZipNum
        blocks of that many lines instead of the plain index."""
        self._manager("init", name)
        self._manager("add", name, *(str(w) for w in warcs))
        if paged:
            zipnum_index(self.root / "collections" / name / "indexes", paged)

    def cdx_url(self, collection: str) -> str:
        return f"{self.base}/{collection}/cdx"

    def archive_url(self, collection: str) -> str:
        return f"{self.base}/{collection}/"

    def start(self, timeout: float = 60.0) -> PywbServer:
        self._log = (self.root / "wayback.log").open("wb")
        self._proc = subprocess.Popen(
            [str(self.bin / "wayback"), "-p", str(self.port), "-b", "127.0.0.1"],
            cwd=self.root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                with direct.open(self.base + "/", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        tail = (self.root / "wayback.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"pywb did not start on {self.base}:\n{tail}")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
