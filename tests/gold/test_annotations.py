"""Gold annotations: the check passes on the repository, bad lines are named file:line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from pipeline.gold.annotations import (
    AnnotationError,
    check_dir,
    document_groups,
    leave_one_group_out,
    load_dataset,
    load_records,
)
from tests.conftest import ANNOTATIONS, CORPUS, SEED_IDS


def test_check_command_passes_on_all_gold() -> None:
    result = CliRunner().invoke(app, ["annotations", "check"])
    assert result.exit_code == 0, result.output
    assert f"ok: {len(list(ANNOTATIONS.glob('*.jsonl')))} documents" in result.output


def test_every_corpus_document_has_gold() -> None:
    """Each document of the manifest is annotated (the three held aside joined the others
    after their one scoring)."""
    import csv

    with open(CORPUS / "manifest.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 24
    for r in rows:
        assert (ANNOTATIONS / f"{r['doc_id']}.jsonl").exists(), r["doc_id"]


def test_gold_covers_every_label_and_the_documents() -> None:
    report = check_dir(ANNOTATIONS, CORPUS)
    assert not report.errors
    assert len(report.documents) == len(list(ANNOTATIONS.glob("*.jsonl"))) >= 21
    labels = set().union(*(d.counts for d in report.documents))
    assert labels == {"goal", "target", "measure", "safeguard", "other"}
    for d in report.documents:
        assert d.coverage >= 0.90, d.doc_id
    seeds = [d for d in report.documents if d.doc_id in SEED_IDS]
    assert sum(sum(d.counts.values()) for d in seeds) >= 900
    assert sum(d.n_targets for d in seeds) > 40


def _copy_gold(tmp_path: Path, doc_id: str) -> Path:
    d = tmp_path / "ann"
    d.mkdir()
    shutil.copy(ANNOTATIONS / f"{doc_id}.jsonl", d / f"{doc_id}.jsonl")
    return d / f"{doc_id}.jsonl"


def _break(path: Path, lineno: int, fn) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = fn(lines[lineno - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _edit(**changes):  # type: ignore[no-untyped-def]
    def fn(line: str) -> str:
        rec = json.loads(line)
        rec.update(changes)
        return json.dumps(rec, ensure_ascii=False)
    return fn


# fmt: off
@pytest.mark.parametrize("breaker,reason", [
    (lambda line: line[:-5],                              "bad JSON"),
    (_edit(label="objective"),                             "label"),
    (_edit(start=3),                                       "offsets span"),
    (_edit(text="完全不同的文本"),                          "offsets span"),
    (_edit(targets=[{"text": "x", "indicator": "x", "value": 1, "value_max": None, "unit": "个",
                     "comparator": ">=", "kind": "level", "year": None, "per_year": False}]),
                                                           "targets on a clause labelled"),
])
# fmt: on
def test_bad_lines_are_reported_with_file_and_line(tmp_path: Path, breaker, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = _copy_gold(tmp_path, "shanghai-2017-consumer-goods-quality")
    _break(path, 7, breaker)
    report = check_dir(path.parent, CORPUS)
    assert any(e.startswith(f"{path}:7:") and reason in e for e in report.errors), report.errors
    with pytest.raises(AnnotationError, match=f"{path.name}:7"):
        load_records(path.parent, CORPUS)


def test_text_that_does_not_match_the_document_is_refused(tmp_path: Path) -> None:
    path = _copy_gold(tmp_path, "shanghai-2017-consumer-goods-quality")
    rec = json.loads(path.read_text(encoding="utf-8").splitlines()[4])
    _break(path, 5, _edit(start=rec["start"] + 1, end=rec["end"] + 1))
    report = check_dir(path.parent, CORPUS)
    assert any(":5: text does not match the document" in e for e in report.errors)


def test_target_on_wrong_comparator_is_refused(tmp_path: Path) -> None:
    path = _copy_gold(tmp_path, "gansu-2015-quality-action-plan")
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, x in enumerate(lines, 1) if json.loads(x)["label"] == "target")
    _break(path, n, lambda line: line.replace('"comparator": "=', '"comparator": "≥', 1))
    assert any(f":{n}:" in e and "comparator" in e for e in check_dir(path.parent, CORPUS).errors)


def test_dataset_loader_and_grouped_split() -> None:
    ds = load_dataset()
    assert len(ds) == sum(1 for p in ANNOTATIONS.glob("*.jsonl") for _ in p.open(encoding="utf-8"))
    assert ds.features["label"].names == ["goal", "target", "measure", "safeguard", "other"]
    folds = leave_one_group_out(ds)
    groups = ds["group"]
    docs = ds["doc_id"]
    for g, train, test in folds:
        test_docs = {docs[i] for i in test}
        train_docs = {docs[i] for i in train}
        assert not test_docs & train_docs
        assert all(groups[i] == g for i in test)
    assert sum(len(t) for _, _, t in folds) == len(ds)


def test_documents_sharing_clauses_fall_in_one_group() -> None:
    shared = [f"推进质量强省建设第{i}项任务加快实施" for i in "一二三四五六"]
    doc_ids = ["a"] * 6 + ["b"] * 6 + ["c"]
    texts = shared + shared + ["完全不同的一句话内容在这里"]
    g = document_groups(doc_ids, texts)
    assert g[0] == g[6] and g[12] != g[0]
