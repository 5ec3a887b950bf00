"""Bad input, crashes and concurrent runs lose nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import Engine, ingest
from pipeline.settings import get_settings
from tests.conftest import CORPUS, ROOT

BIN = Path(sys.executable).parent
GOOD = "关于加快质量发展的实施意见\n一、主要目标\n到2020年,产品质量合格率达到90%以上。\n二、主要任务\n1.加强质量监管。严厉打击假冒伪劣。\n"


def light() -> Engine:
    return Engine(use_classifier=False, use_targets=False)


def test_every_bad_input_gets_an_error_row_and_good_documents_land(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "gb18030.txt").write_bytes("为提升质量水平,加强消费品标准建设。合格率达到95%。".encode("gb18030"))
    (inbox / "big5.txt").write_bytes("為提升質量水平,加強標準建設。".encode("big5"))
    (inbox / "utf16.txt").write_bytes("推进质量强省建设,完善质量基础设施。".encode("utf-16"))
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "spaces.txt").write_bytes(b" \n\t\r\n ")
    (inbox / "random.pdf").write_bytes(os.urandom(3000))
    (inbox / "corrupt.docx").write_bytes(b"PK\x03\x04" + os.urandom(500))
    (inbox / "truncated.html").write_text(
        "<html><head><title>质量强市实施意见</title></head><body><div><p>一、主要目标</p><p>到2020年,质量明显提升。</p><p>二、主要任", encoding="utf-8")
    (inbox / "english.txt").write_text("This document has no Chinese text at all.", encoding="utf-8")
    (inbox / "huge.txt").write_text("质量" * 3000, encoding="utf-8")
    (inbox / "republished.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "secret.txt").write_text(GOOD + "另一份。", encoding="utf-8")
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)

    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # root ignores chmod 000, so simulate the denial
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setenv("POLICY_MAX_CHARS", "5000")
    get_settings.cache_clear()
    try:
        s = ingest([inbox], tmp_path / "out", engine=light())
    finally:
        get_settings.cache_clear()
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("doc_id")
    assert set(docs.index) >= {"gb18030", "big5", "utf16", "truncated"}
    assert "加强消费品标准建设" in docs.text["gb18030"]
    assert "為提升質量水平" in docs.text["big5"]
    assert "推进质量强省建设" in docs.text["utf16"]
    assert "到2020年,质量明显提升。" in docs.text["truncated"]
    assert ("good" in docs.index) != ("republished" in docs.index)
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    by_name = {Path(p).name: (st, e) for p, st, e in zip(errors.source_path, errors.stage, errors.error, strict=True)}
    assert "empty" in by_name["empty.txt"][1]
    assert "white space" in by_name["spaces.txt"][1]
    assert "PDF" in by_name["random.pdf"][1]
    assert ".docx" in by_name["corrupt.docx"][1]
    assert "no Chinese text" in by_name["english.txt"][1]
    assert "6000" in by_name["huge.txt"][1] and "5000" in by_name["huge.txt"][1]
    assert "permission denied" in by_name["secret.txt"][1]
    assert "loop" in by_name["loop"][1]
    dup = by_name.get("republished.txt") or by_name.get("good.txt")
    assert dup is not None and dup[0] == "duplicate" and "same content as document" in dup[1]
    assert s.failed == len(errors)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen([str(BIN / "policy-clauses"), "ingest", *args], cwd=ROOT, env=env or os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_kill_during_a_run_leaves_the_previous_run_readable(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(CORPUS / "gansu-2015-quality-action-plan.txt", first / "a.txt")
    for name in ("gansu-2017-consumer-goods-quality", "shanghai-2021-eco-environment-plan", "henan-2017-quality-brand-interpretation"):
        shutil.copy(CORPUS / f"{name}.txt", second / f"{name}.txt")
    out = tmp_path / "out"
    p = _cli(str(first), "--out", str(out), "--no-prefect")
    assert p.wait(timeout=300) == 0, p.stderr.read()  # type: ignore[union-attr]
    baseline = pd.read_parquet(out / "clauses.parquet")
    for delay in (0.5, 2.0, 4.0, 6.0, 8.0):
        p = _cli(str(first), str(second), "--out", str(out), "--no-prefect")
        time.sleep(delay)
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        for table in ("documents", "clauses", "targets", "errors"):
            pd.read_parquet(out / f"{table}.parquet")  # readable
        clauses = pd.read_parquet(out / "clauses.parquet")
        assert set(baseline.clause_id) <= set(clauses.clause_id)
        docs = pd.read_parquet(out / "documents.parquet")
        assert "a" in set(docs.doc_id)
    p = _cli(str(first), str(second), "--out", str(out), "--no-prefect")
    assert p.wait(timeout=300) == 0
    docs = pd.read_parquet(out / "documents.parquet")
    errors = pd.read_parquet(out / "errors.parquet")
    assert errors.empty, errors.to_dict("records")
    assert set(docs.doc_id) == {"a", "gansu-2017-consumer-goods-quality", "shanghai-2021-eco-environment-plan",
                                "henan-2017-quality-brand-interpretation"}
    clauses = pd.read_parquet(out / "clauses.parquet")
    assert clauses.clause_id.is_unique
    assert clauses.groupby("doc_id").size().to_dict() == docs.set_index("doc_id").n_clauses.to_dict()


def test_two_concurrent_runs_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(CORPUS / "gansu-2015-quality-action-plan.txt", a / "gansu.txt")
    shutil.copy(CORPUS / "shanghai-2017-consumer-goods-quality.txt", b / "shanghai.txt")
    shutil.copy(CORPUS / "anhui-2022-rcep-opening.txt", b / "anhui.txt")
    out = tmp_path / "out"
    procs = [_cli(str(a), "--out", str(out), "--no-prefect"), _cli(str(b), "--out", str(out), "--no-prefect")]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()  # type: ignore[union-attr]
    docs = pd.read_parquet(out / "documents.parquet")
    assert sorted(docs.doc_id) == ["anhui", "gansu", "shanghai"]
    clauses = pd.read_parquet(out / "clauses.parquet")
    assert clauses.clause_id.is_unique
    assert clauses.groupby("doc_id").size().to_dict() == docs.set_index("doc_id").n_clauses.to_dict()


def test_training_refuses_bad_annotations(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    src = ROOT / "annotations" / "gansu-2015-quality-action-plan.jsonl"
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"label": "', '"label": "x', 1)
    (gold / src.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    from pipeline.classify import train_and_register
    from pipeline.gold.annotations import AnnotationError

    with pytest.raises(AnnotationError, match=r"gansu-2015-quality-action-plan.jsonl:4:"):
        train_and_register(gold, ROOT / "corpus", tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_missing_pkuseg_model_says_how_to_provision(tmp_path: Path) -> None:
    from pipeline.provision import ModelMissingError, check_pkuseg

    with pytest.raises(ModelMissingError, match="make models"):
        check_pkuseg(tmp_path / "nowhere")
