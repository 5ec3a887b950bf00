"""Label Studio round trip (queue → export → import) and the datasets export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from flows.cli import app
from pipeline.gold.annotations import check_dir
from pipeline.gold.labelstudio import CONFIG_PATH, import_export, queue
from tests.conftest import ANNOTATIONS, CORPUS


def test_queue_prefers_uncertain_clauses_across_documents(seed_tables: Path) -> None:
    tasks = queue(seed_tables, n=40, random_share=0.25, corpus_dir=CORPUS)
    assert len(tasks) == 40
    docs = {t["data"]["doc_id"] for t in tasks}
    assert len(docs) >= 4
    clauses = pd.read_parquet(seed_tables / "clauses.parquet")
    uncertain = [t for t in tasks if t["data"]["why"] == "uncertain"]
    assert len(uncertain) == 30
    worst = max(t["predictions"][0]["score"] for t in uncertain)
    assert worst < clauses.confidence.median()
    for t in tasks:
        pred = t["predictions"][0]["result"][0]
        assert pred["from_name"] == "label" and pred["value"]["choices"][0] in {"goal", "target", "measure", "safeguard", "other"}


def test_config_names_match_the_importer() -> None:
    xml = CONFIG_PATH.read_text(encoding="utf-8")
    for name in ('name="label"', 'name="targets"', 'name="note"', 'name="text" value="$text"'):
        assert name in xml
    for lab in ("goal", "target", "measure", "safeguard", "other"):
        assert f'<Choice value="{lab}"' in xml


def _export(task_data: list[dict], results: list[list[dict]]) -> list[dict]:
    """An export shaped like Label Studio's JSON export."""
    out = []
    for i, (data, result) in enumerate(zip(task_data, results, strict=True), 1):
        out.append({"id": i, "data": data, "annotations": [{
            "id": 100 + i, "completed_by": 7, "was_cancelled": False, "result": result,
            "created_at": "2026-11-22T10:00:00Z", "updated_at": "2026-11-22T10:05:00Z",
        }], "predictions": []})
    return out


def _choice(label: str) -> dict:
    return {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def _area(name: str, text: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "textarea", "value": {"text": [text]}}


def test_round_trip_adds_new_gold_and_reports_conflicts(tmp_path: Path) -> None:
    doc = "shanghai-2017-consumer-goods-quality"
    gold_dir = tmp_path / "ann"
    gold_dir.mkdir()
    lines = (ANNOTATIONS / f"{doc}.jsonl").read_text(encoding="utf-8").splitlines()
    recs = [json.loads(x) for x in lines]
    # Remove two clauses from the gold: the export brings them back.
    kept = [r for k, r in enumerate(recs) if k not in (10, 11)]
    (gold_dir / f"{doc}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in kept) + "\n", encoding="utf-8")
    r10, r11, r12 = recs[10], recs[11], recs[12]
    conflicting = "goal" if r12["label"] != "goal" else "measure"
    data = [{"text": r["text"], "doc_id": doc, "start": r["start"], "end": r["end"], "section": " > ".join(r["section"])}
            for r in (r10, r11, r12)]
    target_line = json.dumps({"text": r11["text"][:2], "indicator": "x", "value": 5, "value_max": None, "unit": "个",
                              "comparator": "=", "kind": "level", "year": None, "per_year": False}, ensure_ascii=False)
    export = _export(data, [
        [_choice(r10["label"]), _area("note", "checked")],
        [_choice("target"), _area("targets", target_line)],
        [_choice(conflicting)],
    ])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    report = import_export(path, gold_dir, CORPUS)
    assert report.errors == []
    assert len(report.added) == 2
    assert len(report.conflicts) == 1 and "gold kept" in report.conflicts[0]
    merged = [json.loads(x) for x in (gold_dir / f"{doc}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(merged) == len(recs)
    assert [r["start"] for r in merged] == sorted(r["start"] for r in merged)
    assert merged[12]["label"] == r12["label"]  # not overwritten
    assert merged[11]["label"] == "target" and merged[11]["targets"][0]["value"] == 5
    assert merged[10]["note"] == "checked"
    assert not check_dir(gold_dir, CORPUS).errors
    # importing the same export again changes nothing
    before = (gold_dir / f"{doc}.jsonl").read_bytes()
    again = import_export(path, gold_dir, CORPUS)
    assert len(again.unchanged) == 2 and not again.added
    assert (gold_dir / f"{doc}.jsonl").read_bytes() == before


def test_invalid_export_records_are_errors_not_gold(tmp_path: Path) -> None:
    doc = "gansu-2015-quality-action-plan"
    gold_dir = tmp_path / "ann"
    gold_dir.mkdir()
    shutil.copy(ANNOTATIONS / f"{doc}.jsonl", gold_dir / f"{doc}.jsonl")
    before = (gold_dir / f"{doc}.jsonl").read_bytes()
    data = [{"text": "x", "doc_id": doc, "start": 0, "end": 5},
            {"text": "y", "doc_id": "not-in-corpus", "start": 0, "end": 1},
            {"text": "z", "doc_id": doc, "start": 0, "end": 5}]
    export = _export(data, [[_choice("objective")], [_choice("goal")], [_choice("target")]])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    report = import_export(path, gold_dir, CORPUS)
    assert len(report.errors) == 3
    assert any("no valid label" in e for e in report.errors)
    assert any("not in the corpus" in e for e in report.errors)
    assert any("needs at least one target" in e or "no longer matches" in e for e in report.errors)
    assert (gold_dir / f"{doc}.jsonl").read_bytes() == before
    result = CliRunner().invoke(app, ["annotations", "import", str(path), "--dir", str(gold_dir)])
    assert result.exit_code == 1


def test_export_dataset(seed_tables: Path, tmp_path: Path) -> None:
    import datasets

    result = CliRunner().invoke(app, ["export-dataset", str(tmp_path / "ds"), "--tables", str(seed_tables)])
    assert result.exit_code == 0, result.output
    ds = datasets.load_from_disk(str(tmp_path / "ds"))
    clauses = pd.read_parquet(seed_tables / "clauses.parquet")
    assert len(ds) == len(clauses)
    assert {"text", "label", "doc_id", "section", "confidence"} <= set(ds.column_names)
