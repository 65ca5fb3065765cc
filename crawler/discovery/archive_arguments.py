"""The archive spider's ``-a`` arguments: which sites, which capture dates, how many (pure).

``check_archive_arguments`` finds every problem before crawling (``scrapy crawl``
logs them and exits with status 2); ``BackfillArguments.parse`` reads checked values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.discovery.cdx import SiteScope, parse_bound
from crawler.runtime import preflight

#: The ``-a`` arguments the archive spider takes.
ARGUMENTS = ("site", "sources", "from", "to", "max_captures")


def read_sites_file(path: str) -> list[str]:
    """The sites a ``-a sources`` file names: one per line (``#`` starts a comment),
    or each site's first start (or sitemap, or feed) URL in a TOML sources file
    (``crawler/discovery/sources.py``)."""
    if path.endswith(".toml"):
        from crawler.discovery.sources import load_sources

        sources = load_sources(path)
        return [
            [*s.start, *s.sitemaps, *s.feeds][0]
            for s in sources
            if s.start or s.sitemaps or s.feeds
        ]
    text = Path(path).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def date_bounds(args: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """The ``from``/``to`` timestamps and the problems with them."""
    problems: list[str] = []
    bounds: list[str | None] = []
    for name, upper in (("from", False), ("to", True)):
        value = str(args.get(name) or "").strip()
        if not value:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_bound(value, upper))
        except ValueError as exc:
            problems.append(f"-a {name}={value}: {exc}, e.g. -a {name}=2019 or {name}=20190315")
            bounds.append(None)
    start, end = bounds
    if start and end and start > end:
        problems.append(f"-a from={args.get('from')} is after -a to={args.get('to')}; swap them")
    return start, end, problems


def check_archive_arguments(args: dict[str, Any]) -> list[str]:
    """Problems with the archive spider's ``-a`` values, one line each."""
    problems: list[str] = []
    site = str(args.get("site") or "")
    sources = str(args.get("sources") or "")
    if not site.strip() and not sources.strip():
        return [
            "scrapy crawl archive needs -a site=example.com[,other.example] "
            "or -a sources=FILE (one site per line)"
        ]
    problems += preflight.check_start_urls(site, name="site")
    if sources.strip():
        try:
            listed = read_sites_file(sources)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"-a sources={sources}: cannot be read ({exc}); give a file")
        else:
            if not listed:
                problems.append(f"-a sources={sources}: names no site; one site per line")
            for value in listed:
                problems += preflight.check_start_urls(value, name=f"sources={sources}: site")
    problems += date_bounds(args)[2]
    if args.get("max_captures") not in (None, ""):
        problems += preflight.check_positive_int("max_captures", args["max_captures"])
    return problems


@dataclass
class BackfillArguments:
    """The checked ``-a`` values: the sites (each once), the date span, the budget."""

    scopes: list[SiteScope]
    start_ts: str | None
    end_ts: str | None
    max_captures: int | None

    @classmethod
    def parse(cls, given: dict[str, Any]) -> BackfillArguments:
        """The values of ``given``, which ``check_archive_arguments`` found no fault in."""
        values: list[str] = [v for v in str(given.get("site") or "").split(",") if v.strip()]
        if given.get("sources"):
            values += read_sites_file(str(given["sources"]))
        scopes = {s.name: s for s in (SiteScope.parse(v) for v in values)}
        start_ts, end_ts, _ = date_bounds(given)
        max_captures = str(given.get("max_captures") or "").strip()
        return cls(
            list(scopes.values()), start_ts, end_ts, int(max_captures) if max_captures else None
        )
