"""The whole pipeline on the seed documents, and the quick-look `predict` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app


def test_seed_tables_are_complete_and_indexed(seed_tables: Path) -> None:
    docs = pd.read_parquet(seed_tables / "documents.parquet").set_index("doc_id")
    clauses = pd.read_parquet(seed_tables / "clauses.parquet")
    targets = pd.read_parquet(seed_tables / "targets.parquet")
    assert len(clauses) >= 900
    assert clauses.label.notna().all() and clauses.confidence.between(0, 1).all()
    assert set(clauses.label) == {"goal", "target", "measure", "safeguard", "other"}
    for row in clauses.itertuples():
        assert docs.text[row.doc_id][row.start:row.end] == row.text
    assert len(targets) > 40
    for row in targets.itertuples():
        assert docs.text[row.doc_id][row.start:row.end] == row.text
    # every target sits in a clause labelled target
    labels = clauses.set_index("clause_id").label
    assert (labels[targets.clause_id] == "target").all()
    loudi = targets[targets.doc_id == "loudi-2017-quality-city"]
    assert ((loudi.value == 90) & (loudi.unit == "%") & (loudi.comparator == ">=") & (loudi.year == 2020)).any()


def test_predict_json_one_object_per_input_line() -> None:
    lines = "到2020年,工业产品质量监督抽查合格率达到90%以上。\n(一)加强组织领导。各级政府要加强对质量工作的领导。\n"
    result = CliRunner().invoke(app, ["predict", "--json"], input=lines)
    assert result.exit_code == 0, result.output
    objs = [json.loads(x) for x in result.output.strip().splitlines()]
    assert len(objs) == 2
    first = objs[0]["clauses"]
    assert first[0]["label"] == "target"
    t = first[0]["targets"][0]
    assert (t["value"], t["unit"], t["comparator"], t["year"]) == (90, "%", ">=", 2020)
    assert set(t) == {"indicator", "value", "value_max", "unit", "comparator", "kind", "year", "year_source",
                      "per_year", "text"}
    assert [c["text"] for c in objs[1]["clauses"]] == ["(一)加强组织领导。", "各级政府要加强对质量工作的领导。"]


@pytest.mark.parametrize(("year", "expected"), [
    # A plan period that ended before the text's year is the past; within it, a commitment.
    (2022, [(200.0, "家", "~", 2025, True)]),
    (2027, []),
])
def test_predict_reads_the_text_as_issued_in_the_given_year(year: int, expected: list[tuple[Any, ...]]) -> None:
    result = CliRunner().invoke(app, ["predict", "--json", "--year", str(year),
                                      "“十四五”期间，每年新增省级专精特新企业200家左右"])
    assert result.exit_code == 0, result.output
    (clause,) = json.loads(result.output)["clauses"]
    assert [(t["value"], t["unit"], t["comparator"], t["year"], t["per_year"]) for t in clause["targets"]] == expected
    assert (clause["label"] == "target") == bool(expected)


def test_predict_plain_text() -> None:
    result = CliRunner().invoke(app, ["predict", "新增省长质量奖10个以上。"])
    assert result.exit_code == 0, result.output
    assert "[target" in result.output and "→" in result.output
