"""The record JSON Schema (crawler/article.schema.json), for tests that validate output."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "crawler" / "article.schema.json"


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema(), format_checker=FormatChecker())


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, as readable messages (empty when valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<record>'}: {e.message}"
        for e in sorted(_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    ]


def validate_record(record: dict[str, Any]) -> None:
    """Raise ``AssertionError`` naming the record and every schema violation."""
    errors = schema_errors(record)
    assert not errors, f"record {record.get('url')!r} breaks the schema: {errors}"
