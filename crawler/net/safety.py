"""Pure safety checks: binary bodies, private addresses, redirect targets, spider traps.

The middlewares in ``crawler/downloadermiddlewares/`` and ``crawler/spidermiddlewares/``
adapt Scrapy objects to these functions; everything here takes strings or bytes and
returns values.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.net.urls import SESSION_PARAMS as URL_SESSION_PARAMS
from crawler.net.urls import bare_host, site_of

#: Magic numbers of formats that are never an HTML page (checked at offset 0).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"(\xb5/\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"wOFF", "woff"),
    (b"wOF2", "woff2"),
    (b"OggS", "ogg"),
    (b"fLaC", "flac"),
    (b"ID3", "mp3"),
    (b"\x1aE\xdf\xa3", "webm"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x00asm", "wasm"),
)
_RIFF_KINDS = {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


#: Control bytes that text does not use (all of C0 but tab, newline, form feed, CR, ESC).
_BINARY_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
#: A body whose first 4 kB are more than this share control bytes is binary.
BINARY_CONTROL_SHARE = 0.05


def sniff_binary(body: bytes) -> str | None:
    """The binary format ``body`` is in ("pdf", "png", "zip", ...), or None if it may be text."""
    head = body[:64]
    if head.startswith(b"RIFF") and len(head) >= 12:
        return _RIFF_KINDS.get(head[8:12], "riff")
    if head[4:8] == b"ftyp":
        return "mp4"
    for magic, kind in MAGIC:
        if head.startswith(magic):
            if kind == "bmp" and not _plausible_bmp(body):
                continue
            if kind == "exe" and b"This program" not in body[:512]:
                continue
            return kind
    # Binary data is full of control bytes; text has none, or a stray one (a NUL pasted
    # into an article is a bad character to remove, not a binary body). UTF-16/32 text
    # has a BOM or starts with "<" and has a NUL at every other (or fourth) byte.
    window = body[:4096]
    if b"\x00" in window and not window.startswith(_TEXT_BOMS):
        stripped = window.lstrip(b"\x00 \t\r\n")
        if stripped.startswith(b"<") and _looks_utf16(window):
            return None
        controls = len(window) - len(window.translate(None, _BINARY_CONTROLS))
        if controls > BINARY_CONTROL_SHARE * len(window):
            return "binary"
    return None


def _plausible_bmp(body: bytes) -> bool:
    return len(body) >= 26 and body[14:15] in (b"\x0c", b"\x28", b"\x38", b"\x40", b"\x6c", b"\x7c")


def _looks_utf16(window: bytes) -> bool:
    """UTF-16/32 text without a BOM: NULs at every other (or every fourth) byte."""
    even = window[0::2]
    odd = window[1::2]
    return even.count(0) > 0.8 * len(even) or odd.count(0) > 0.8 * len(odd)


def is_empty_body(status: int, body: bytes) -> bool:
    """A 204, or a 2xx answer without a single non-blank byte."""
    return status == 204 or (200 <= status < 300 and not body.strip())


# -- addresses ------------------------------------------------------------------


#: IPv4 as inet_aton reads it: 1 to 4 parts, each decimal, octal (leading 0) or hex.
_IPV4_LOOSE = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$", re.I)
#: NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): an IPv4 address inside.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host string names, also in the IPv4 spellings resolvers accept
    (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``); None for a name."""
    text = host.strip().strip("[]").split("%", 1)[0].rstrip(".")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not _IPV4_LOOSE.match(text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def is_ip_literal(host: str) -> bool:
    return parse_ip(host) is not None


def embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo."""
    found = [a for a in (addr.ipv4_mapped, addr.sixtofour) if a is not None]
    if addr.teredo is not None:
        found.extend(addr.teredo)  # (server, client)
    value = int(addr)
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d (deprecated "compatible" form)
        found.append(ipaddress.IPv4Address(value))
    if addr in _NAT64:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return found


def is_public_ip(ip: str) -> bool:
    """False for private, loopback, link-local, CGNAT, multicast, reserved and unspecified
    addresses, in any spelling, and for IPv6 addresses that carry such an IPv4 address."""
    addr = parse_ip(ip)
    if addr is None:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(addr)
        if inner:
            return all(a.is_global and not a.is_multicast for a in inner)
    return addr.is_global and not addr.is_multicast


def is_local_name(host: str) -> bool:
    """Host names that always mean this machine or the local network."""
    host = host.lower().rstrip(".")
    return (
        host in {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
        or host.endswith((".localhost", ".local", ".internal", ".home.arpa"))
        or (not is_ip_literal(host) and "." not in host)
    )


ALLOWED_SCHEMES: frozenset[str] = frozenset({"http", "https"})


def scheme_allowed(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES


# -- hosts ------------------------------------------------------------------------


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """True when ``host`` is one of ``allowed``, its www variant, a subdomain or a parent domain."""
    target = bare_host(host)
    if not target:
        return False
    for site in allowed:
        site = bare_host(site)
        if site and (target == site or target.endswith("." + site)):
            return True
        if "." in target and site.endswith("." + target):  # m.example.com -> example.com
            return True
    return False


# -- URLs and traps -------------------------------------------------------------

#: Query parameters and path parameters that carry a session, not a page.
SESSION_PARAMS: frozenset[str] = URL_SESSION_PARAMS | frozenset(
    # "s", "sid" and "session" are ambiguous: stripped only when the value looks like a token
    {"sid", "sessid", "session", "zenid", "osCsid", "s"}
)
_SESSION_VALUE = re.compile(r"^[0-9A-Za-z_\-]{16,}$")
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.I)
_ASP_SESSION = re.compile(r"/\(S\([0-9a-z]{16,}\)\)", re.I)
_DATE_IN_URL = re.compile(
    r"(?<!\d)((?:19|2\d|30)\d\d)[-/_.](0?[1-9]|1[0-2])(?:[-/_.]([0-2]?\d|3[01]))?(?!\d)"
)
_YEAR_PARAM = re.compile(r"(?:^|&)(?:year|yr|y|jahr|annee|anno)=(\d{4})(?:&|$)", re.I)


def strip_session_ids(url: str) -> str:
    """``url`` without session identifiers in the query or path (``;jsessionid=``, ``/(S(...))``).

    ``s`` and ``sid`` only count as sessions when their value looks like a token.
    """
    parts = urlsplit(url)
    path = _ASP_SESSION.sub("", _PATH_SESSION.sub("", parts.path))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_session_param(k, v)]
    query = urlencode(kept) if len(kept) != len(pairs) else parts.query
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _is_session_param(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered not in {p.lower() for p in SESSION_PARAMS}:
        return False
    if lowered in {"s", "sid", "session"}:
        return bool(_SESSION_VALUE.match(value))
    return True


def trap_reason(url: str, today: date | None = None, max_future_years: int = 1) -> str | None:
    """Why ``url`` looks like a spider trap, or None.

    Reasons: ``repeated_path`` (a path segment three times or more, the mark of
    relative-link loops), ``repeated_param`` (a query key repeated), ``many_params``
    (more than 12 query parameters), ``long_param`` (a query value over 500
    characters), ``future_date`` (a calendar date beyond next year).
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        counts: dict[str, int] = {}
        for seg in segments:
            counts[seg] = counts.get(seg, 0) + 1
        if max(counts.values()) >= 3 and len(segments) >= 3:
            return "repeated_path"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)) and len(keys) - len(set(keys)) >= 2:
        return "repeated_param"
    if len(pairs) > 12:
        return "many_params"
    if any(len(v) > 500 for _, v in pairs):
        return "long_param"
    limit = (today or date.today()).year + max_future_years
    for match in _DATE_IN_URL.finditer(parts.path + "?" + parts.query):
        if int(match.group(1)) > limit:
            return "future_date"
    for match in _YEAR_PARAM.finditer(parts.query):
        if int(match.group(1)) > limit:
            return "future_date"
    return None


_DIGITS = re.compile(r"\d+")


def url_template(url: str) -> str:
    """The shape of ``url``: host, path and query keys with digit runs replaced by ``#``.

    A calendar's ``/cal/2026/05/01`` and ``/cal/2026/05/02`` share a shape, as do
    ``?page=2`` and ``?page=3``; a long chain of same-shaped hops is a trap.
    """
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return _DIGITS.sub("#", f"{site_of(url)}{parts.path}?{'&'.join(keys)}")


def backoff_delay(retry_times: int, base: float, maximum: float) -> float:
    """Seconds to wait before retry number ``retry_times`` (1, 2, ...): base * 2**(n-1), capped."""
    if retry_times <= 0 or base <= 0:
        return 0.0
    return min(maximum, base * (2 ** (retry_times - 1)))


class AddressPolicy:
    """Which resolved addresses a crawl may connect to (SSRF and DNS-rebinding guard).

    Public addresses always. A private, loopback, link-local, CGNAT or reserved
    address only when ``allow_private`` is on (tests), or for a start host the user
    named whose *first* answer was private (an intranet site). A start host that
    first answered from a public address and later from a private one was rebound,
    and is refused like any other host. ``allow_names`` (e.g. a configured proxy) are
    never refused.
    """

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private
        self.allow_names: set[str] = set()
        self._starts: set[str] = set()
        #: start host -> whether the first address it answered from was public
        self._first_public: dict[str, bool] = {}
        #: host -> (why, how many lookups were refused and not yet taken)
        self._refused: dict[str, tuple[str, int]] = {}

    def add_starts(self, hosts: Iterable[str]) -> None:
        self._starts.update(bare_host(h) for h in hosts if h)

    def is_start(self, host: str) -> bool:
        return bare_host(host) in self._starts

    # Refusals and ``allow_names`` are keyed by the DNS name looked up (lower-cased, no
    # trailing dot), "www." kept: it is part of the name, unlike in ``bare_host``.

    def refuse(self, host: str, address: str) -> str | None:
        """:meth:`refusal`, remembered until :meth:`take_refusal` for the host."""
        why = self.refusal(host, address)
        if why is not None:
            key = host.lower().rstrip(".")
            self._refused[key] = (why, self._refused.get(key, ("", 0))[1] + 1)
        return why

    def take_refusal(self, host: str) -> str | None:
        """Why a lookup of ``host`` was refused, once per refused lookup; None when none was."""
        key = host.lower().rstrip(".")
        why, count = self._refused.pop(key, ("", 0))
        if count > 1:
            self._refused[key] = (why, count - 1)
        return why or None

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to ``host`` at ``address`` is refused, or None when it is not."""
        if self.allow_private or host.lower().rstrip(".") in self.allow_names:
            return None
        public = is_public_ip(address)
        name = bare_host(host)
        if name in self._starts:
            first = self._first_public.setdefault(name, public)
            if public or not first:
                return None
            return f"start host rebound from a public address to {address}"
        return None if public else f"resolves to private address {address}"
