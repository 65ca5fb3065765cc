"""The items that flow through the crawl.

``FetchedPage`` carries a downloaded HTML page from a spider to the extract
pipeline; ``ArticleRecord`` is the one record Cleanwire emits. The JSON Schema
in ``crawler/article.schema.json`` and the README's field table describe
``ArticleRecord``; ``tests/test_schema.py`` keeps the three in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any


@dataclass
class FetchedPage:
    """An HTML page, as a spider fetched it, plus discovery hints.

    ``html`` is the decoded page, or empty while ``body`` still holds the raw
    response bytes: the extraction worker decodes those (``crawler.extract.pagework``).
    """

    url: str
    html: str
    fetched_at: str
    status: int = 200
    #: Where the URL was found: "sitemap", "news_sitemap", "feed", "listing", "start" or
    #: "archive" (a web archive's capture).
    source: str = "listing"
    #: Hints from a sitemap or feed entry: title, published, language, lastmod.
    hints: dict[str, Any] = field(default_factory=dict)
    #: Conditional-request validators from the response (etag, last_modified).
    validators: dict[str, str] = field(default_factory=dict)
    #: The raw response body while ``html`` is not decoded yet; None once it is.
    body: bytes | None = None
    #: The response's Content-Type header: the declared charset, a hint for decoding ``body``.
    content_type: str | None = None
    #: How the body was decoded when it took more than a strict read of its charset:
    #: "lossy" (a few bad bytes replaced), "detected", "repaired" (counted as charset/*).
    decoded_how: str | None = None

    def __repr__(self) -> str:  # log lines name the page, never hold it
        raw = f", body={len(self.body)} bytes" if self.body is not None else ""
        return f"FetchedPage(url={self.url!r}, html={len(self.html)} chars{raw})"


@dataclass
class ArticleRecord:
    """One clean article: the JSONL record."""

    id: str
    url: str
    canonical_url: str
    title: str | None
    text: str
    language: str | None
    language_confidence: float | None
    published: str | None
    modified: str | None
    authors: list[str]
    image: str | None
    site: str
    description: str | None
    tags: list[str]
    paywalled: bool
    fetched_at: str
    word_count: int
    content_hash: str
    version: int = 1
    updated_at: str | None = None
    duplicate_of: str | None = None
    #: Pages of a multi-page article joined into ``text`` (1 for a one-page article).
    pages: int = 1
    #: Crawl bookkeeping carried between pipelines (fetch validators, sitemap
    #: lastmod, discovery source). Never written to the JSONL.
    crawl_meta: dict[str, Any] = field(default_factory=dict, metadata={"internal": True})

    def __repr__(self) -> str:  # log lines name the record, never hold its text
        return (
            f"ArticleRecord(id={self.id!r}, url={self.url!r}, version={self.version}, "
            f"words={self.word_count})"
        )


#: The JSONL fields in output order, and a getter of their values from a record.
_RECORD_FIELDS = tuple(f.name for f in fields(ArticleRecord) if not f.metadata.get("internal"))
_RECORD_VALUES = attrgetter(*_RECORD_FIELDS)


def record_fields() -> list[str]:
    """Names of the fields written to the JSONL, in output order."""
    return list(_RECORD_FIELDS)


def record_to_dict(record: ArticleRecord) -> dict[str, Any]:
    """The JSON object written for ``record`` (internal fields left out)."""
    return dict(zip(_RECORD_FIELDS, _RECORD_VALUES(record), strict=True))
