"""Agreement between two independent annotation passes: Cohen's kappa and target matches."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TARGET_FIELDS = ("value", "value_max", "unit", "comparator", "kind", "year", "per_year", "indicator")


@dataclass
class DocAgreement:
    doc_id: str
    n: int
    kappa: float
    label_disagreements: list[dict[str, Any]] = field(default_factory=list)
    n_targets_a: int = 0
    n_targets_b: int = 0
    target_matches: int = 0  # records matched on (value, unit)
    field_exact: dict[str, int] = field(default_factory=dict)
    target_disagreements: list[dict[str, Any]] = field(default_factory=list)


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def compare(a_path: Path, b_path: Path) -> DocAgreement:
    """Compare two passes over the same clauses (same offsets, same order)."""
    from sklearn.metrics import cohen_kappa_score

    a, b = _load(a_path), _load(b_path)
    if [(r["start"], r["end"]) for r in a] != [(r["start"], r["end"]) for r in b]:
        raise ValueError(f"{a_path} and {b_path} do not cover the same clauses")
    la, lb = [r["label"] for r in a], [r["label"] for r in b]
    kappa = float(cohen_kappa_score(la, lb)) if la != lb else 1.0
    out = DocAgreement(a_path.stem, len(a), kappa)
    for i, (ra, rb) in enumerate(zip(a, b, strict=True)):
        if ra["label"] != rb["label"]:
            out.label_disagreements.append({"i": i, "text": ra["text"], "a": ra["label"], "b": rb["label"]})
        ta, tb = ra.get("targets") or [], rb.get("targets") or []
        out.n_targets_a += len(ta)
        out.n_targets_b += len(tb)
        unmatched_b = list(tb)
        for t in ta:
            twin = next((u for u in unmatched_b if u["value"] == t["value"] and u["unit"] == t["unit"]), None)
            if twin is None:
                out.target_disagreements.append({"i": i, "text": ra["text"], "a": t, "b": None})
                continue
            unmatched_b.remove(twin)
            out.target_matches += 1
            diffs = {}
            for f in TARGET_FIELDS:
                if t.get(f) == twin.get(f):
                    out.field_exact[f] = out.field_exact.get(f, 0) + 1
                else:
                    diffs[f] = (t.get(f), twin.get(f))
            if diffs:
                out.target_disagreements.append({"i": i, "text": ra["text"], "a": t, "b": twin, "diff": diffs})
        for u in unmatched_b:
            out.target_disagreements.append({"i": i, "text": ra["text"], "a": None, "b": u})
    return out
