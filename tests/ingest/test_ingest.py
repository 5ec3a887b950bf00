"""Ingest: incremental and idempotent runs, bad inputs recorded, outputs indexed into text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from pipeline.ingest import Engine, ingest
from tests.conftest import CORPUS

GOOD = "关于加快质量发展的实施意见\n一、主要目标\n到2020年,产品质量合格率达到90%以上。\n二、主要任务\n1.加强质量监管。严厉打击假冒伪劣。\n"


def light() -> Engine:
    return Engine(use_classifier=False, use_targets=False)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}


def test_second_run_changes_nothing_and_new_file_is_new(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("gansu-2015-quality-action-plan.txt", "shanghai-2017-consumer-goods-quality.txt"):
        shutil.copy(CORPUS / name, inbox / name)
    out = tmp_path / "out"
    s1 = ingest([inbox], out, engine=light())
    assert (s1.new, s1.changed, s1.unchanged, s1.failed) == (2, 0, 0, 0)
    before = snapshot(out)
    assert set(before) == {"documents.parquet", "clauses.parquet", "targets.parquet", "errors.parquet", "indicators.parquet"}
    s2 = ingest([inbox], out, engine=light())
    assert (s2.new, s2.changed, s2.unchanged) == (0, 0, 2)
    assert snapshot(out) == before
    (inbox / "new-doc.txt").write_text(GOOD, encoding="utf-8")
    s3 = ingest([inbox], out, engine=light())
    assert (s3.new, s3.changed, s3.unchanged) == (1, 0, 2)
    docs = pd.read_parquet(out / "documents.parquet")
    assert sorted(docs.doc_id) == ["gansu-2015-quality-action-plan", "new-doc", "shanghai-2017-consumer-goods-quality"]


def test_changed_content_replaces_that_documents_rows(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    ingest([inbox], out, engine=light())
    (inbox / "a.txt").write_text(GOOD + "三、保障措施\n(一)加强组织领导。\n", encoding="utf-8")
    s = ingest([inbox], out, engine=light())
    assert (s.new, s.changed) == (0, 1)
    clauses = pd.read_parquet(out / "clauses.parquet")
    assert clauses.clause_id.is_unique
    assert "(一)加强组织领导。" in set(clauses.text)
    assert len(pd.read_parquet(out / "documents.parquet")) == 1


def test_clause_offsets_index_documents_text(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest([CORPUS / "loudi-2017-quality-city.txt"], out, engine=light())
    text = pd.read_parquet(out / "documents.parquet").text.iloc[0]
    clauses = pd.read_parquet(out / "clauses.parquet")
    assert len(clauses) > 300
    for row in clauses.itertuples():
        assert text[row.start:row.end] == row.text


def test_bad_inputs_become_error_rows_and_good_ones_land(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "random.pdf").write_bytes(bytes(range(256)) * 4)
    (inbox / "copy-of-good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "big5.txt").write_bytes("質量發展綱要。主導產品采標率90%以上。".encode("big5"))
    out = tmp_path / "out"
    s = ingest([inbox], out, engine=light())
    assert s.new == 2  # good.txt (or its copy) and big5.txt
    errors = pd.read_parquet(out / "errors.parquet")
    reasons = dict(zip(errors.source_path.map(lambda p: Path(p).name), errors.error, strict=True))
    assert "empty" in reasons["empty.txt"]
    assert "PDF" in reasons["random.pdf"]
    dup = [n for n in reasons if n in ("copy-of-good.txt", "good.txt")]
    assert len(dup) == 1 and "same content as document" in reasons[dup[0]]
    docs = pd.read_parquet(out / "documents.parquet")
    assert "質量發展綱要" in docs.set_index("doc_id").text["big5"]
    # a second run records nothing new and rewrites nothing
    before = snapshot(out)
    ingest([inbox], out, engine=light())
    assert snapshot(out) == before


def test_missing_source_is_an_error_not_a_crash(tmp_path: Path) -> None:
    s = ingest([tmp_path / "nope"], tmp_path / "out", engine=light())
    assert s.failed == 1
    assert "no such file" in s.failures[0].error


def test_symlink_loop_is_reported(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)
    s = ingest([inbox], tmp_path / "out", engine=light())
    assert s.new == 1
    assert any("loop" in f.error for f in s.failures)


def test_registered_version_is_the_classifiers_current_version(tmp_path: Path) -> None:
    from pipeline.classify import current_version
    from pipeline.ingest import Engine, registered_version

    assert registered_version() == current_version() is not None
    models = tmp_path / "models"
    assert registered_version(models) is None
    (models / "clause-classifier").mkdir(parents=True)
    for version in ("v-one", "v-two", None):
        reg = {"current": version, "versions": {"v-one": {}, "v-two": {}}}
        (models / "clause-classifier" / "registry.json").write_text(json.dumps(reg), encoding="utf-8")
        assert registered_version(models) == current_version(models) == version
        assert Engine(models_dir=models).model_version == version  # without loading the model
    assert Engine(use_classifier=False).model_version is None


def test_a_run_with_nothing_new_loads_no_model_and_reads_no_metadata(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pipeline.ingest.run as ingest_mod  # where plan() looks make_document up

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    first = Engine(use_targets=False)
    assert ingest([inbox], out, engine=first).new == 1
    assert first._classifier_loaded  # there was work: the model was loaded (and verified) up front
    before = snapshot(out)

    def no_metadata(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("an unchanged document needs no metadata")

    monkeypatch.setattr(ingest_mod, "make_document", no_metadata)
    again = Engine()
    s = ingest([inbox], out, engine=again)
    assert (s.new, s.changed, s.unchanged, s.failed) == (0, 0, 1, 0)
    assert not again._classifier_loaded and again._nlp is None
    assert snapshot(out) == before


# --- output folders written by other versions ------------------------------------------

def _rewrite_without(path: Path, column: str) -> None:
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    pq.write_table(t.drop_columns([column]), path)


def test_tables_from_an_earlier_version_are_upgraded_not_rejected(tmp_path: Path) -> None:
    """documents.parquet without ``region`` (as 0.1.0 wrote it): the documents of this run are
    processed again and get it; one whose source is not in the run keeps its rows, region null."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name in ("loudi-2017-quality-city.txt", "gansu-2015-quality-action-plan.txt"):
        shutil.copy(CORPUS / name, inbox / name)
    ingest([inbox], out, engine=light())
    fresh = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert fresh.region.notna().all()
    clauses_before = pd.read_parquet(out / "clauses.parquet")
    _rewrite_without(out / "documents.parquet", "region")
    (inbox / "gansu-2015-quality-action-plan.txt").unlink()

    s = ingest([inbox], out, engine=light())
    assert (s.new, s.changed, s.unchanged, s.failed) == (0, 1, 0, 0)
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert docs.loc["loudi-2017-quality-city", "region"] == fresh.loc["loudi-2017-quality-city", "region"]
    assert pd.isna(docs.loc["gansu-2015-quality-action-plan", "region"])
    def gansu(c: pd.DataFrame) -> pd.DataFrame:
        return c[c.doc_id == "gansu-2015-quality-action-plan"].reset_index(drop=True)

    assert gansu(pd.read_parquet(out / "clauses.parquet")).equals(gansu(clauses_before))
    # Upgraded: the next run has nothing to do.
    s = ingest([inbox], out, engine=light())
    assert (s.new, s.changed, s.unchanged) == (0, 0, 1)


def test_unreadable_or_foreign_tables_stop_the_run_and_stay_as_they_were(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pytest
    from typer.testing import CliRunner

    from flows.cli import app
    from pipeline.tables import StoredTableError

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "a.txt").write_text(GOOD, encoding="utf-8")
    ingest([inbox], out, engine=light())
    (inbox / "b.txt").write_text(GOOD.replace("90%", "95%"), encoding="utf-8")
    clauses = out / "clauses.parquet"
    good = clauses.read_bytes()

    # 1. Not parquet at all.
    clauses.write_bytes(b"not a parquet file")
    before = snapshot(out)
    with pytest.raises(StoredTableError, match=r"clauses\.parquet: not a readable parquet file"):
        ingest([inbox], out, engine=light())
    assert snapshot(out) == before
    r = CliRunner().invoke(app, ["ingest", str(inbox), "--out", str(out), "--no-prefect", "--no-classifier"])
    assert r.exit_code == 2 and "clauses.parquet: not a readable parquet file" in r.output
    assert snapshot(out) == before

    # 2. A column this version does not know: rewriting would drop it.
    t = pq.read_table(pa.BufferReader(good))
    pq.write_table(t.append_column("topic", pa.array(["x"] * t.num_rows)), clauses)
    before = snapshot(out)
    with pytest.raises(StoredTableError, match=r"clauses\.parquet: has columns \['topic'\]"):
        ingest([inbox], out, engine=light())
    assert snapshot(out) == before

    # 3. A required column missing.
    pq.write_table(t.drop_columns(["text"]), clauses)
    before = snapshot(out)
    with pytest.raises(StoredTableError, match=r"clauses\.parquet: lacks the required columns \['text'\]"):
        ingest([inbox], out, engine=light())
    assert snapshot(out) == before

    # Put back, the run goes on as usual.
    clauses.write_bytes(good)
    s = ingest([inbox], out, engine=light())
    assert (s.new, s.unchanged) == (1, 1)


def test_simplified_companions_group_across_scripts(seed_tables: Path) -> None:
    docs = pd.read_parquet(seed_tables / "documents.parquet").set_index("doc_id")
    assert docs.loc["loudi-2017-quality-city", ["script", "region", "region_simplified"]].tolist() == \
        ["traditional", "婁底市", "娄底市"]
    assert docs.loc["gansu-2015-quality-action-plan", ["script", "region", "region_simplified"]].tolist() == \
        ["traditional", "甘肅省", "甘肃省"]
    targets = pd.read_parquet(seed_tables / "targets.parquet")
    loudi = targets[targets.doc_id == "loudi-2017-quality-city"]
    assert (loudi.unit == "個").any()
    assert set(loudi.unit_simplified) <= {"%", "个", "项", "家", "张"}
    row = loudi[loudi.indicator == "主導產品采標率"]
    assert row.indicator_simplified.tolist() == ["主导产品采标率"]
    clauses = pd.read_parquet(seed_tables / "clauses.parquet")
    lc = clauses[clauses.doc_id == "loudi-2017-quality-city"]
    pairs = {(a, b) for x, y in zip(lc.lead_agencies, lc.lead_agencies_simplified, strict=True)
             for a, b in zip(x, y, strict=True)}
    assert ("市質監局", "市质监局") in pairs and ("市發改委", "市发改委") in pairs
    # Simplified-script documents: the companions are the fields themselves.
    simp = set(docs.index[docs.script == "simplified"])
    assert len(simp) == 3  # Loudi and Gansu 2015 are in traditional script
    d = docs.loc[sorted(simp)]
    assert d.region_simplified.equals(d.region)
    t = targets[targets.doc_id.isin(simp)]
    assert t.indicator_simplified.equals(t.indicator) and t.unit_simplified.equals(t.unit)
    c = clauses[clauses.doc_id.isin(simp)]
    assert [list(x) for x in c.lead_agencies_simplified] == [list(x) for x in c.lead_agencies]
    assert [list(x) for x in c.partner_agencies_simplified] == [list(x) for x in c.partner_agencies]


def test_simplified_text_is_not_run_through_t2s(tmp_path: Path) -> None:
    """乾县 is a county in Shaanxi; OpenCC t2s would make it 干县."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "qianxian.txt").write_text(
        "乾县人民政府关于加快质量发展的实施意见\n一、主要任务\n1.加强质量监管。严厉打击假冒伪劣。(牵头单位:乾县市场监管局)\n",
        encoding="utf-8")
    ingest([inbox], out, engine=light())
    docs = pd.read_parquet(out / "documents.parquet")
    assert docs.script.tolist() == ["simplified"]
    clauses = pd.read_parquet(out / "clauses.parquet")
    led = [a for x in clauses.lead_agencies_simplified for a in x]
    assert "乾县市场监管局" in led and "干县市场监管局" not in led
