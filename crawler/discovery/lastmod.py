"""Dates read by discovery: sitemap ``lastmod``, feed dates, dates in URLs, and
whether a listed date is newer than the stored one (incremental fetch).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit


def date_key(value: str | None) -> float:
    """A sort key for a date string: its timestamp, 0 when unreadable."""
    parsed = parse_date(value)
    return parsed.timestamp() if parsed else 0.0


# -------------------------------------------------------------------------- dates

_URL_DATE = re.compile(r"((?:19|20)\d{2})[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?")


def url_date_key(url: str) -> float:
    """A sort key from a date in a URL (``sitemap-2024-05-01.xml``, ``/2024/05/``), else 0."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return 0.0
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        return datetime(year, month, day, tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 (W3C datetime) or RFC 822 text; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        import email.utils

        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def iso_date(value: str | None) -> str | None:
    """``value`` as ISO 8601 UTC when it is a readable date, else None."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def is_newer(candidate: str | None, stored: str | None) -> bool:
    """True when date ``candidate`` is strictly later than ``stored`` (both readable)."""
    new, old = parse_date(candidate), parse_date(stored)
    if new is None or old is None:
        return False
    return new > old
