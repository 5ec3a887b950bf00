"""Probe sentences: the halves, the figures file and the test half that is never read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipeline.gold.probes import parse_probe_arguments, probe_arguments, read_half, save_half
from tests.conftest import ROOT


def test_odd_ids_are_dev_and_even_ids_test(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"t{i:03d}", "text": str(i)}) for i in (1, 2, 3, 10, 11)) + "\n",
                    encoding="utf-8")
    assert [r["id"] for r in read_half(path, "dev")] == ["t001", "t003", "t011"]
    assert [r["id"] for r in read_half(path, "test")] == ["t002", "t010"]


def test_saving_one_half_keeps_the_other(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    save_half(out, "test", {"f1": 0.9})
    save_half(out, "dev", {"f1": 0.8})
    save_half(out, "dev", {"f1": 0.85})
    assert json.loads(out.read_text(encoding="utf-8")) == {"test": {"f1": 0.9}, "dev": {"f1": 0.85}}


def test_the_test_half_is_scored_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    ap = probe_arguments("probe")
    monkeypatch.setattr(sys, "argv", ["probe", "test", "--errors"])
    with pytest.raises(SystemExit):
        parse_probe_arguments(ap)
    monkeypatch.setattr(sys, "argv", ["probe", "dev", "--errors"])
    assert parse_probe_arguments(ap).errors


@pytest.mark.parametrize("name,prefix", [("probe.jsonl", "p"), ("target-probe.jsonl", "t")])
def test_the_bundled_probe_files_split_in_two(name: str, prefix: str) -> None:
    path = ROOT / "annotations" / "sentences" / name
    dev, test = read_half(path, "dev"), read_half(path, "test")
    assert dev and test and abs(len(dev) - len(test)) <= 1
    assert all(r["id"].startswith(prefix) for r in dev + test)
    assert not {r["id"] for r in dev} & {r["id"] for r in test}
