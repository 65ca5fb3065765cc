"""The record is declared once: dataclass, JSON Schema and README tables stay in step."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

import crawler.settings as project_settings
from crawler.items import ArticleRecord, record_fields, record_to_dict
from tests.schema import schema, schema_errors, validate_record

README = Path(__file__).resolve().parent.parent / "README.md"


def _table_names(marker: str) -> list[str]:
    """First-column names (in backticks) of the README table between ``<!-- marker -->`` tags."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}:start -->(.*?)<!-- {marker}:end -->", text, re.S)
    assert match, f"README.md has no <!-- {marker}:start --> ... <!-- {marker}:end --> table"
    return re.findall(r"^\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|", match.group(1), re.M)


def _record(**overrides: object) -> dict:
    record = ArticleRecord(
        id="a" * 32,
        url="http://127.0.0.1:8000/2024/05/14/story/",
        canonical_url="http://127.0.0.1:8000/2024/05/14/story/",
        title="Storm halts ferry crossings",
        text="First paragraph.\n\nSecond paragraph.",
        language="en",
        language_confidence=0.99,
        published="2024-05-14T07:30:00+00:00",
        modified=None,
        authors=["Maria Okafor"],
        image=None,
        site="127.0.0.1",
        description=None,
        tags=["weather"],
        paywalled=False,
        fetched_at="2024-05-14T08:00:00Z",
        word_count=4,
        content_hash="b" * 32,
        crawl_meta={"hints": {"language": "en"}},
    )
    return {**record_to_dict(record), **overrides}


def test_dataclass_schema_and_readme_declare_the_same_fields() -> None:
    dataclass_fields = set(record_fields())
    schema_fields = set(schema()["properties"])
    readme_fields = _table_names("fields")
    assert len(readme_fields) == len(set(readme_fields)), "a field is listed twice in README"
    assert dataclass_fields == schema_fields
    assert set(readme_fields) == dataclass_fields
    assert set(schema()["required"]) == schema_fields
    assert schema()["additionalProperties"] is False


def test_internal_fields_are_never_written() -> None:
    internal = {f.name for f in fields(ArticleRecord) if f.metadata.get("internal")}
    assert internal == {"crawl_meta"}
    assert not internal & set(_record())


def test_every_setting_has_a_readme_row() -> None:
    names = {n for n in vars(project_settings) if n.isupper() and not n.startswith("_")}
    documented = set(_table_names("settings"))
    assert not names - documented, f"settings missing from README: {sorted(names - documented)}"
    assert not documented - names, f"README rows for unknown settings: {sorted(documented - names)}"


def test_a_real_record_validates() -> None:
    validate_record(_record())
    validate_record(_record(language=None, language_confidence=None, published=None, title=None))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": "not-a-hash"}, "id"),
        ({"language": "eng"}, "language"),
        ({"language_confidence": 1.5}, "language_confidence"),
        ({"text": ""}, "text"),
        ({"authors": "Maria Okafor"}, "authors"),
        ({"word_count": -1}, "word_count"),
        ({"crawl_meta": {}}, "<record>"),
    ],
)
def test_bad_record_is_rejected_naming_the_field(overrides: dict, field: str) -> None:
    errors = schema_errors(_record(**overrides))
    assert errors and errors[0].startswith(field)
    with pytest.raises(AssertionError, match="breaks the schema"):
        validate_record(_record(**overrides))


def test_missing_field_is_rejected() -> None:
    record = _record()
    del record["content_hash"]
    assert any("content_hash" in e for e in schema_errors(record))
