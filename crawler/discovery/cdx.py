"""The CDX index API of web archives: queries, answers and paging, in both dialects.

A CDX server lists an archive's captures of a site; a replay service serves each
capture's bytes. Two dialects are spoken:

- **ia**, the Internet Archive's Wayback CDX server (and compatible ones):
  ``output=json`` is one JSON array of arrays, a header row first; a long listing
  is read with ``limit`` and ``showResumeKey=true``, which ends a truncated answer
  with an empty row and a one-element row holding the ``resumeKey`` of the next
  request. Filters are ``filter=statuscode:200`` (a regular expression on a field),
  ``collapse=digest`` folds adjacent identical captures.
- **pywb**, the pywb/IIPC CDX server: ``output=json`` is one JSON object per line;
  a paged (ZipNum) index says how many pages a query has with ``showNumPages=true``
  (``{"pages": N, ...}``) and serves each with ``page=K``; a plain CDXJ index is not
  paged and answers the whole query at once. Filters are ``filter==status:200``.

``CdxListing`` drives the requests that list one site's captures: it detects the
dialect from the first answer (``CDX_DIALECT=auto``) and says which request comes
next. Pure: it takes and returns strings; ``crawler/spider_parts/cdx_listing.py``
makes the requests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

from crawler.net.urls import DEFAULT_PORTS, bare_host

DIALECTS = ("auto", "ia", "pywb")

#: Field names of the two dialects (and of CDX text formats) -> ours.
_FIELD_NAMES = {
    "urlkey": "urlkey",
    "timestamp": "timestamp",
    "original": "original",
    "url": "original",
    "mimetype": "mimetype",
    "mime": "mimetype",
    "statuscode": "status",
    "status": "status",
    "digest": "digest",
    "length": "length",
}
#: The Internet Archive's default fields, in order; every CDX format starts with the first six.
IA_DEFAULT_FIELDS = (
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "length",
)
_TIMESTAMP = re.compile(r"^\d{4,14}$")
_BOUND = re.compile(r"^\d{4}(\d{2}){0,5}$")


class CdxError(ValueError):
    """A CDX answer that cannot be read, or a query that cannot be made."""


# --------------------------------------------------------------------- timestamps


def pad_timestamp(value: str, upper: bool = False) -> str:
    """A 4- to 14-digit CDX timestamp as 14 digits: the first second it covers, or
    with ``upper`` the last (``"2024"`` -> ``20240101000000`` / ``20241231235959``)."""
    if not _TIMESTAMP.match(value):
        raise CdxError(f"not a timestamp: {value!r}")
    if not upper:
        return (value + "0101000000"[len(value) - 4 :])[:14] if len(value) < 14 else value
    year = int(value[:4])
    month = int(value[4:6]) if len(value) >= 6 else 12
    if len(value) >= 8:
        day = int(value[6:8])
    else:
        following = datetime(year + (month == 12), month % 12 + 1, 1)
        day = (following - datetime(year, month, 1)).days
    stamp = f"{year:04d}{month:02d}{day:02d}" + value[8:]
    return stamp + "235959"[len(stamp) - 8 :]


def parse_bound(value: str, upper: bool = False) -> str:
    """A ``from``/``to`` argument (``YYYY``, ``YYYYMM``, ``YYYYMMDD``, up to 14 digits;
    ``-`` and ``:`` are ignored) as a 14-digit timestamp; ``ValueError`` names the fault."""
    digits = re.sub(r"[-:T ]", "", value.strip())
    stamp = None
    if _BOUND.match(digits):
        try:
            stamp = _checked(pad_timestamp(digits, upper))
        except ValueError:  # a month or day out of range
            stamp = None
    if stamp is None:
        raise ValueError(f"{value!r} is not a date: give YYYY, YYYYMM or YYYYMMDD")
    return stamp


def _checked(stamp: str) -> str | None:
    """``stamp`` when it is a real time (14 digits), else None."""
    try:
        datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return stamp


def timestamp_iso(stamp: str) -> str:
    """A 14-digit CDX timestamp as ISO 8601 UTC (``2024-05-01T08:00:00Z``)."""
    when = datetime.strptime(pad_timestamp(stamp), "%Y%m%d%H%M%S")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_timestamp(value: str) -> str | None:
    """An ISO 8601 time as a 14-digit UTC timestamp, or None when unreadable."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%d%H%M%S")


def memento_iso(header: str | bytes | None) -> str | None:
    """The ``Memento-Datetime`` header of a replay (an HTTP date) as ISO 8601 UTC."""
    if not header:
        return None
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------ captures


@dataclass(frozen=True)
class Capture:
    """One row of a CDX answer: an archived copy of ``original`` taken at ``timestamp``."""

    urlkey: str
    timestamp: str  # 14 digits, UTC
    original: str
    mimetype: str = ""
    status: str = ""
    digest: str = ""

    @property
    def captured_at(self) -> str:
        """The capture time, ISO 8601 UTC."""
        return timestamp_iso(self.timestamp)

    def replay_url(self, archive_url: str) -> str:
        """The capture's original bytes from a replay service (the ``id_`` form, so that
        nothing is rewritten): ``{archive_url}{timestamp}id_/{original}``."""
        base = archive_url if archive_url.endswith("/") else archive_url + "/"
        return f"{base}{self.timestamp}id_/{self.original}"


def _capture(values: dict[str, str]) -> Capture | None:
    """A capture from a row's fields (any dialect's names); None when it lacks one."""
    row = {_FIELD_NAMES[k]: str(v) for k, v in values.items() if k in _FIELD_NAMES and v}
    stamp = row.get("timestamp", "")
    original = row.get("original", "")
    if not _TIMESTAMP.match(stamp) or not original:
        return None
    stamp = _checked(pad_timestamp(stamp))
    if stamp is None:
        return None
    return Capture(
        urlkey=row.get("urlkey", ""),
        timestamp=stamp,
        original=original,
        mimetype=row.get("mimetype", ""),
        status=row.get("status", ""),
        digest=row.get("digest", ""),
    )


@dataclass
class CdxAnswer:
    """What one CDX answer holds."""

    #: "ia" (a JSON array of arrays), "pywb" (JSON objects or CDXJ, one per line),
    #: "count" (a page count) or "" (an empty answer: nothing to tell the dialect by)
    form: str
    captures: list[Capture] = field(default_factory=list)
    resume_key: str | None = None
    pages: int | None = None
    #: rows that could not be read (no timestamp, no URL, not JSON)
    bad_rows: int = 0


def parse_answer(body: bytes | str) -> CdxAnswer:
    """Read a CDX answer in either dialect; ``CdxError`` for anything else (an HTML
    error page, a proxy's answer)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.strip()
    if not text:
        return CdxAnswer("")
    if text.isdigit():  # the Internet Archive's showNumPages answer
        return CdxAnswer("count", pages=int(text))
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CdxError(f"unreadable JSON ({exc})") from None
        if not isinstance(data, list):
            raise CdxError("a JSON answer that is not a list of rows")
        return _parse_ia_rows(data)
    first = text.split("\n", 1)[0].strip()
    if first.startswith("{") and "\n" not in text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and "pages" in data:
            try:
                return CdxAnswer("count", pages=int(data["pages"]))
            except (TypeError, ValueError):
                raise CdxError(f"unreadable page count {data['pages']!r}") from None
        if isinstance(data, dict) and "message" in data and "timestamp" not in data:
            raise CdxError(f"the server says: {str(data['message'])[:200]}")
    if first.startswith("{") or _looks_like_cdxj(first):
        return _parse_lines(text.splitlines())
    raise CdxError(f"not a CDX answer: {first[:80]!r}")


def _looks_like_cdxj(line: str) -> bool:
    parts = line.split(" ", 2)
    return len(parts) == 3 and bool(_TIMESTAMP.match(parts[1])) and parts[2].startswith("{")


def _parse_ia_rows(data: list[object]) -> CdxAnswer:
    answer = CdxAnswer("ia")
    rows = list(data)
    # showResumeKey: the rows, an empty row, then [resumeKey]
    if len(rows) >= 2 and rows[-2] == [] and isinstance(rows[-1], list) and len(rows[-1]) == 1:
        answer.resume_key = str(rows[-1][0]) or None
        rows = rows[:-2]
    names: tuple[str, ...] | None = None
    if rows and isinstance(rows[0], list) and "timestamp" in rows[0]:
        names = tuple(str(n) for n in rows[0])
        rows = rows[1:]
    for row in rows:
        if row == []:
            continue
        capture = None
        if isinstance(row, list) and names is not None and len(row) == len(names):
            capture = _capture(dict(zip(names, (str(v) for v in row), strict=True)))
        elif isinstance(row, list) and names is None and len(row) >= 6:
            # no header (OutbackCDX): the CDX formats all start with the same six fields
            values = (str(v) for v in row[:6])
            capture = _capture(dict(zip(IA_DEFAULT_FIELDS[:6], values, strict=True)))
        if capture is None:
            answer.bad_rows += 1
        else:
            answer.captures.append(capture)
    return answer


def _parse_lines(lines: Iterable[str]) -> CdxAnswer:
    answer = CdxAnswer("pywb")
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        values: object = None
        if line.startswith("{"):
            try:
                values = json.loads(line)
            except ValueError:
                values = None
        elif _looks_like_cdxj(line):  # CDXJ: "urlkey timestamp {json}"
            urlkey, stamp, rest = line.split(" ", 2)
            try:
                values = {**json.loads(rest), "urlkey": urlkey, "timestamp": stamp}
            except ValueError:
                values = None
        capture = _capture(values) if isinstance(values, dict) else None
        if capture is None:
            answer.bad_rows += 1
        else:
            answer.captures.append(capture)
    return answer


# -------------------------------------------------------------------------- sites


@dataclass(frozen=True)
class SiteScope:
    """A site to backfill: its host (without ``www.``), with its subdomains; with an
    explicit port, only that port (CDX domain matching knows no ports, so such a site
    is listed by prefix: ``http://host:port/``)."""

    host: str
    port: int | None = None

    @classmethod
    def parse(cls, value: str) -> SiteScope:
        """``example.com``, ``https://www.example.com/``, ``example.com:8080``."""
        text = value.strip()
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = bare_host(parts.hostname or "")
        if not host:
            raise ValueError(f"{value!r} names no host")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{value!r} has a port that is not a number") from None
        if port is not None and port == DEFAULT_PORTS.get(parts.scheme.lower()):
            port = None
        return cls(host, port)

    @property
    def name(self) -> str:
        """How the site is named in logs and stats: ``host`` or ``host:port``."""
        return f"{self.host}:{self.port}" if self.port else self.host

    def contains(self, url: str) -> bool:
        """True for a URL on the site's host, its www variant or a subdomain."""
        parts = urlsplit(url)
        host = bare_host(parts.hostname or "")
        if not (host == self.host or host.endswith("." + self.host)):
            return False
        if self.port is None:
            return True
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return False
        return port == self.port

    def url_params(self) -> list[tuple[str, str]]:
        """The ``url`` and ``matchType`` of a CDX query for every capture of the site."""
        if self.port is None:
            return [("url", self.host), ("matchType", "domain")]
        return [("url", f"http://{self.host}:{self.port}/"), ("matchType", "prefix")]


# ------------------------------------------------------------------ queries, paging


@dataclass(frozen=True)
class CdxQuery:
    """What to ask a CDX server about one site: status 200 HTML captures in a range."""

    endpoint: str
    site: SiteScope
    start: str | None = None  # 14-digit timestamp
    end: str | None = None
    limit: int = 5000  # rows per Internet Archive request (resumeKey paging)
    page_size: int = 0  # blocks per page of a paged pywb index; 0: the server's own

    def _url(self, params: list[tuple[str, str]]) -> str:
        sep = "&" if "?" in self.endpoint else "?"
        return self.endpoint + sep + urlencode(params)

    def _common(self) -> list[tuple[str, str]]:
        params = [*self.site.url_params(), ("output", "json")]
        if self.start:
            params.append(("from", self.start))
        if self.end:
            params.append(("to", self.end))
        return params

    def ia_url(self, resume_key: str | None = None) -> str:
        """An Internet Archive request (also the first request when the dialect is
        not known: a pywb server reads its filters and ``limit`` and ignores the rest)."""
        params = [
            *self._common(),
            ("filter", "statuscode:200"),
            ("filter", "mimetype:text/html"),
            ("collapse", "digest"),
            ("limit", str(self.limit)),
            ("showResumeKey", "true"),
        ]
        if resume_key:
            params.append(("resumeKey", resume_key))
        return self._url(params)

    def pywb_url(self, page: int | None = None, count: bool = False) -> str:
        """A pywb request: the page count, one page, or (``page`` None) the whole listing."""
        params = [*self._common(), ("filter", "=status:200"), ("filter", "=mime:text/html")]
        if count:
            params.append(("showNumPages", "true"))
        if page is not None:
            params.append(("page", str(page)))
        if (count or page is not None) and self.page_size > 0:
            params.append(("pageSize", str(self.page_size)))
        return self._url(params)


@dataclass(frozen=True)
class CdxRequest:
    """One request of a listing: its URL and what it asks for."""

    url: str
    #: "probe" (first request, dialect unknown), "ia" (resumeKey paging), "count"
    #: (pywb page count), "page" (one pywb page), "all" (an unpaged pywb listing)
    step: str
    page: int = 0
    pages: int = 0


class CdxListing:
    """The requests that list one site's captures, each decided by the last answer."""

    def __init__(self, query: CdxQuery, dialect: str = "auto") -> None:
        if dialect not in DIALECTS:
            raise CdxError(f"unknown CDX dialect {dialect!r} (one of {', '.join(DIALECTS)})")
        self.query = query
        self.setting = dialect
        #: the dialect the server speaks: as set, or detected from its first answer
        self.dialect: str | None = None if dialect == "auto" else dialect
        self.requests = 0
        self.bad_rows = 0
        #: an answer as long as the limit came without a resumeKey: maybe cut short
        self.maybe_cut = False

    def first(self) -> CdxRequest:
        if self.setting == "pywb":
            return CdxRequest(self.query.pywb_url(count=True), "count")
        return CdxRequest(self.query.ia_url(), "probe" if self.setting == "auto" else "ia")

    def answer(
        self, request: CdxRequest, body: bytes | str
    ) -> tuple[list[Capture], CdxRequest | None]:
        """The captures an answer lists, and the next request (None: the listing is done)."""
        self.requests += 1
        answer = parse_answer(body)
        self.bad_rows += answer.bad_rows
        if request.step in ("probe", "ia"):
            return self._after_ia(request, answer)
        if request.step == "count":
            if answer.form == "":
                return [], None
            if answer.form == "count":
                pages = answer.pages or 0
                if pages <= 0:
                    return [], None
                return [], CdxRequest(self.query.pywb_url(page=0), "page", 0, pages)
            self._expect(answer, "pywb")
            # a plain (unpaged) index answers the page count with its raw lines: ask
            # again for the whole listing, filtered
            return [], CdxRequest(self.query.pywb_url(), "all")
        self._expect(answer, "pywb")
        if request.step == "page" and request.page + 1 < request.pages:
            following = request.page + 1
            nxt = CdxRequest(self.query.pywb_url(page=following), "page", following, request.pages)
            return answer.captures, nxt
        return answer.captures, None

    def _after_ia(
        self, request: CdxRequest, answer: CdxAnswer
    ) -> tuple[list[Capture], CdxRequest | None]:
        if answer.form == "":
            return [], None
        if self.setting == "auto" and self.dialect is None:
            self.dialect = "pywb" if answer.form == "pywb" else "ia"
        self._expect(answer, "ia" if self.dialect == "ia" else "pywb")
        if self.dialect == "pywb":
            # pywb read the filters and the limit: a shorter answer is the whole listing
            if len(answer.captures) + answer.bad_rows < self.query.limit:
                return answer.captures, None
            return [], CdxRequest(self.query.pywb_url(count=True), "count")
        if answer.resume_key:
            return answer.captures, CdxRequest(self.query.ia_url(answer.resume_key), "ia")
        if len(answer.captures) + answer.bad_rows >= self.query.limit:
            # a server that pages without resumeKey (OutbackCDX) stops at the limit
            self.maybe_cut = True
        return answer.captures, None

    def _expect(self, answer: CdxAnswer, form: str) -> None:
        if answer.form not in ("", form):
            raise CdxError(
                f"the answer is in the {answer.form} form, not the {form} dialect's "
                f"(CDX_DIALECT={self.setting})"
            )
