"""The sources file: every site a crawl covers, with per-site overrides.

``scrapy crawl news -a sources=sources.toml`` reads a TOML file of ``[[site]]``
tables (see ``sources.example.toml``). Errors name the file, line and field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorSyntaxError
from lxml.cssselect import CSSSelector

from crawler.net.urls import site_of


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names line and field."""


@dataclass
class SiteSource:
    """One site of a sources file."""

    name: str
    start: list[str]
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    max_pages: int | None = None

    @property
    def hosts(self) -> set[str]:
        """Hosts of the site's start, sitemap and feed URLs."""
        return {site_of(u) for u in [*self.start, *self.sitemaps, *self.feeds]}

    def allows(self, url: str) -> bool:
        """True when ``url`` passes the site's allow and deny patterns."""
        if any(re.search(p, url) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, url) for p in self.allow)


_LIST_FIELDS = ("start", "sitemaps", "feeds", "allow", "deny", "languages", "remove")
_KNOWN = {"name", "max_pages", *_LIST_FIELDS}


def _line_of(lines: list[str], table_line: int, key: str) -> int:
    """Line number (1-based) of ``key =`` in the table starting at ``table_line``."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(table_line, len(lines)):
        if number > table_line and lines[number].lstrip().startswith("[["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return table_line + 1


def _table_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if re.match(r"^\s*\[\[\s*site\s*\]\]", line)]


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_site(raw: dict[str, Any], where: str, line_of: Any) -> SiteSource:
    """The site of one ``[[site]]`` table, every field checked in turn."""
    _check_fields(raw, where, line_of)
    _check_addresses(raw, where, line_of)
    _check_patterns(raw, where, line_of)
    _check_languages(raw, where, line_of)
    max_pages = raw.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise SourcesError(
            f"{where}, line {line_of('max_pages')}: 'max_pages' must be a positive whole number"
        )
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise SourcesError(f"{where}, line {line_of('name')}: 'name' must be a string")
    first = (raw.get("start") or raw.get("sitemaps") or raw.get("feeds"))[0]
    return SiteSource(
        name=name or (urlsplit(first).hostname or first),
        start=raw.get("start", []),
        sitemaps=raw.get("sitemaps", []),
        feeds=raw.get("feeds", []),
        allow=raw.get("allow", []),
        deny=raw.get("deny", []),
        languages=raw.get("languages", []),
        remove=raw.get("remove", []),
        max_pages=max_pages,
    )


def _check_fields(raw: dict[str, Any], where: str, line_of: Any) -> None:
    """Known fields only; list fields as lists of strings (a lone string becomes one);
    at least one of ``start``, ``sitemaps`` and ``feeds``."""
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        key = unknown[0]
        raise SourcesError(
            f"{where}, line {line_of(key)}: unknown field '{key}' "
            f"(known: {', '.join(sorted(_KNOWN))})"
        )
    for key in _LIST_FIELDS:
        value = raw.get(key, [])
        if isinstance(value, str):
            raw[key] = value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SourcesError(f"{where}, line {line_of(key)}: '{key}' must be a list of strings")
    if not raw.get("start") and not raw.get("sitemaps") and not raw.get("feeds"):
        raise SourcesError(
            f"{where}, line {line_of('name')}: a site needs 'start', 'sitemaps' or 'feeds'"
        )


def _check_addresses(raw: dict[str, Any], where: str, line_of: Any) -> None:
    """Start, sitemap and feed URLs are http(s) URLs."""
    for key in ("start", "sitemaps", "feeds"):
        for url in raw.get(key, []):
            if not _is_http_url(url):
                raise SourcesError(
                    f"{where}, line {line_of(key)}: '{key}' has {url!r}, not an http(s) URL"
                )


def _check_patterns(raw: dict[str, Any], where: str, line_of: Any) -> None:
    """Allow and deny patterns compile; remove selectors are valid CSS."""
    for key in ("allow", "deny"):
        for pattern in raw.get(key, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SourcesError(
                    f"{where}, line {line_of(key)}: '{key}' pattern {pattern!r} is not a "
                    f"regular expression ({exc})"
                ) from None
    for selector in raw.get("remove", []):
        try:
            CSSSelector(selector)
        except SelectorSyntaxError as exc:
            raise SourcesError(
                f"{where}, line {line_of('remove')}: 'remove' selector {selector!r} is not valid "
                f"CSS ({exc})"
            ) from None


def _check_languages(raw: dict[str, Any], where: str, line_of: Any) -> None:
    """Languages are two-letter ISO 639-1 codes."""
    for code in raw.get("languages", []):
        if not re.fullmatch(r"[a-z]{2}", code):
            raise SourcesError(
                f"{where}, line {line_of('languages')}: 'languages' has {code!r}, "
                "not an ISO 639-1 code like 'en'"
            )


def parse_sources(text: str, filename: str = "sources.toml") -> list[SiteSource]:
    """The sites of a sources file's text; raises SourcesError naming line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{filename}: {exc}") from None
    lines = text.splitlines()
    unknown = sorted(set(data) - {"site"})
    if unknown:
        raise SourcesError(
            f"{filename}: unknown top-level key '{unknown[0]}' (use [[site]] tables)"
        )
    sites = data.get("site", [])
    if not isinstance(sites, list) or not sites:
        raise SourcesError(f"{filename}: no [[site]] table found")
    tables = _table_lines(lines)
    result = []
    for index, raw in enumerate(sites):
        table_line = tables[index] if index < len(tables) else 0
        where = f"{filename}, site {index + 1}"

        def line_of(key: str, _start: int = table_line) -> int:
            return _line_of(lines, _start, key)

        result.append(_check_site(dict(raw), where, line_of))
    return result


def load_sources(path: str | Path) -> list[SiteSource]:
    """Read and check a sources file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{file}: cannot read sources file ({exc.strerror})") from None
    return parse_sources(text, str(file))
