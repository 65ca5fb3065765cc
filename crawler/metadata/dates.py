"""Publication and modification times of an article page."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as date_parser
from htmldate import find_date
from lxml.html import HtmlElement

from crawler.detect import json_ld_objects
from crawler.metadata import meta_content


def iso_datetime(value: Any) -> str | None:
    """ISO 8601 form of a date or datetime string, or None."""
    if not value or not isinstance(value, str):
        return None
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unknown zone names ("EST") parse as naive
                parsed = date_parser.parse(raw)
        except (ValueError, OverflowError, TypeError):
            return None
    if len(raw) <= 10 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return parsed.date().isoformat()
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
        return parsed.isoformat().replace("+00:00", "Z")
    return parsed.isoformat()


def published(tree: HtmlElement, url: str, hints: dict[str, Any]) -> str | None:
    """Publication time: page markup, then sitemap/feed date, then htmldate, then lastmod."""
    for obj in json_ld_objects(tree):
        value = obj.get("datePublished")
        if isinstance(value, str) and iso_datetime(value):
            return iso_datetime(value)
    declared = meta_content(
        tree,
        "article:published_time",
        "datePublished",
        "pubdate",
        "publishdate",
        "og:published_time",
        "dc.date.issued",
        "sailthru.date",
    )
    if declared and iso_datetime(declared):
        return iso_datetime(declared)
    # a news sitemap's or feed's publication date beats htmldate's guess (often from the URL)
    if iso_datetime(hints.get("published")):
        return iso_datetime(hints.get("published"))
    # nothing declared: htmldate's guess from the markup (and URL)
    try:
        guessed = find_date(tree, extensive_search=True, original_date=True, url=url)
    except Exception:  # htmldate on pathological markup
        guessed = None
    if guessed and iso_datetime(guessed):
        return iso_datetime(guessed)
    return iso_datetime(hints.get("lastmod"))
