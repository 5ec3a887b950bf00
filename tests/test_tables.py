"""Table declarations: schemas enforced before writing, atomic writes, one-line loads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.tables import (
    CLAUSES,
    DOCUMENTS,
    ERRORS,
    TABLES,
    TARGETS,
    SchemaError,
    empty,
    read_table,
    to_arrow,
    write_table,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)

FULL_ROWS = {
    "documents": [{
        "doc_id": "d1", "source_path": "in/d1.txt", "text": "一、主要目标", "title": "t", "doc_number": None,
        "issuer": None, "region": "甘肃省", "published": date(2017, 7, 7), "script": "simplified", "encoding": "utf-8",
        "format": "text", "content_sha256": "ab", "n_clauses": 1, "pipeline_version": "0.1.0",
        "model_version": None, "ingested_at": NOW,
    }],
    "clauses": [{
        "doc_id": "d1", "clause_id": "d1#0000", "seq": 0, "start": 0, "end": 6, "text": "一、主要目标",
        "section": [], "provision_id": "一", "is_heading": True, "lead_agencies": [], "partner_agencies": ["x"],
        "label": None, "confidence": None, "model_version": None,
    }],
    "targets": [{
        "doc_id": "d1", "clause_id": "d1#0000", "start": 0, "end": 3, "text": "90%", "indicator": "合格率",
        "value": 90.0, "value_max": None, "unit": "%", "comparator": ">=", "kind": "level", "year": 2020,
        "per_year": False,
    }],
    "errors": [{"source_path": "in/bad.pdf", "stage": "extract", "error": "not a readable PDF file", "at": NOW}],
    "indicators": [{"indicator_key": "ind-0123456789", "name": "合格率", "unit_family": "share", "names": ["合格率"],
                    "n_targets": 1, "n_documents": 1, "first_year": 2020, "last_year": 2020}],
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_declares_its_required_columns(name: str) -> None:
    required = {
        "documents": {"doc_id", "source_path", "text", "title", "doc_number", "issuer", "published", "script", "content_sha256"},
        "clauses": {"doc_id", "clause_id", "seq", "start", "end", "text", "section", "provision_id", "lead_agencies",
                    "partner_agencies", "label", "confidence", "model_version"},
        "targets": {"doc_id", "clause_id", "start", "end", "text", "indicator", "value", "value_max", "unit",
                    "comparator", "kind", "year", "per_year"},
        "errors": {"source_path", "stage", "error", "at"},
        "indicators": {"indicator_key", "name", "unit_family", "names", "n_targets", "n_documents", "first_year",
                       "last_year"},
    }[name]
    table = TABLES[name]
    assert required <= {c.name for c in table.columns}
    assert all(c.description for c in table.columns)
    assert set(table.primary_key) <= {c.name for c in table.columns}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_empty_and_full_tables_read_back_together(tmp_path: Path, name: str) -> None:
    """An empty table keeps real column types (not `null`), so it concatenates with a full one."""
    table = TABLES[name]
    write_table(tmp_path / "empty", table, [])
    write_table(tmp_path / "full", table, FULL_ROWS[name])
    a = read_table(tmp_path / "empty", table)
    b = read_table(tmp_path / "full", table)
    assert a.schema == b.schema == table.schema
    assert not any(pa.types.is_null(f.type) for f in a.schema)
    both = pa.concat_tables([a, b])
    assert both.num_rows == 1

    import duckdb
    import pandas as pd
    import polars as pl

    for d in ("empty", "full"):
        path = tmp_path / d / table.filename()
        n = 0 if d == "empty" else 1
        assert len(pd.read_parquet(path)) == n
        assert pl.read_parquet(path).height == n
        assert duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0] == n


def test_null_in_non_nullable_column_is_refused(tmp_path: Path) -> None:
    rows = [dict(FULL_ROWS["clauses"][0], text=None)]
    with pytest.raises(SchemaError, match="clauses.text"):
        write_table(tmp_path, CLAUSES, rows)
    assert not (tmp_path / "clauses.parquet").exists()


def test_wrong_type_is_refused() -> None:
    with pytest.raises(SchemaError, match="targets.value"):
        to_arrow(TARGETS, [dict(FULL_ROWS["targets"][0], value="ninety")])


def test_failed_write_keeps_the_old_table(tmp_path: Path) -> None:
    write_table(tmp_path, ERRORS, FULL_ROWS["errors"])
    before = (tmp_path / "errors.parquet").read_bytes()
    with pytest.raises(SchemaError):
        write_table(tmp_path, ERRORS, [{"source_path": None, "stage": "x", "error": "y", "at": NOW}])
    assert (tmp_path / "errors.parquet").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["errors.parquet"]


def test_schema_doc_is_generated_from_declarations(root: Path) -> None:
    from pipeline.tables import schema_markdown

    md = schema_markdown()
    for t in TABLES.values():
        assert f"## `{t.name}`" in md
        for c in t.columns:
            assert f"`{c.name}`" in md
    assert (root / "docs" / "SCHEMA.md").read_text(encoding="utf-8").strip() == md.strip(), (
        "docs/SCHEMA.md is stale: run `policy-clauses schema`"
    )


def test_documents_table_empty_schema_types() -> None:
    e = empty(DOCUMENTS)
    assert e.schema.field("published").type == pa.date32()
    assert e.schema.field("ingested_at").type == pa.timestamp("us", tz="UTC")
