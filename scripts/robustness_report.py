"""Invariance flip rates of the clause labels, leave-one-document-out (CheckList).

usage: python scripts/robustness_report.py [--out docs/robustness.json]

Every gold clause is labelled by a model that never saw its document, as it stands and with
each perturbation of ``pipeline.classify.robustness`` applied to it (the rest of its document
unchanged), through the product's path (features, classifier, the extractor's count of the
clause, the joint decision). Writes the flip rate per perturbation with a few examples.
``tests/classify/test_classifier_behaviour.py`` checks the same rates for the registered model on
clauses it was trained on (a floor); these are the honest ones.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify import decide, lodo_probabilities  # noqa: E402
from pipeline.classify.robustness import (  # noqa: E402
    PERTURBATIONS,
    count_targets,
    gold_documents,
    perturbed_features,
)
from pipeline.targets.nlp import load_nlp  # noqa: E402


class _Lookup:
    """A picklable view: the feature dict precomputed for clause ``x["_i"]``."""

    def __init__(self, table: list[dict[str, Any]]):
        self.table = table

    def __call__(self, x: dict[str, Any]) -> dict[str, Any]:
        return self.table[x["_i"]]


Views = tuple[list[dict[str, Any]], list[str], list[str], list[dict[str, Any]], dict[str, list[dict[str, Any] | None]]]


def perturbed_views(names: list[str] | None = None) -> Views:
    """Every gold clause (numbered ``_i``), its label and document, its feature dict read
    alone as it stands (``base``) and with each named perturbation (None where it does not
    apply), with the extractor's count of the clause as it is shown."""
    nlp = load_nlp()
    X: list[dict[str, Any]] = []
    y: list[str] = []
    groups: list[str] = []
    base: list[dict[str, Any]] = []
    views: dict[str, list[dict[str, Any] | None]] = {name: [] for name in names or PERTURBATIONS}
    for d in gold_documents():
        for x, lab in zip(d["X"], d["y"], strict=True):
            X.append({**x, "_i": len(X)})
            y.append(lab)
            groups.append(d["doc_id"])
            base.append(perturbed_features(x, x["text"], x["section"],
                                           count_targets(nlp, x["text"], x["section"], d["title"], d["year"])))
            for name, table in views.items():
                p = PERTURBATIONS[name](x["text"], x["section"])
                table.append(None if p is None else perturbed_features(
                    x, p[0], p[1], count_targets(nlp, p[0], p[1], d["title"], d["year"])))
    return X, y, groups, base, views


def main(argv: list[str]) -> int:
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else ROOT / "docs" / "robustness.json"
    X, y, groups, base, views = perturbed_views()
    lookups = {"base": _Lookup(base)}
    for name, table in views.items():
        lookups[name] = _Lookup([t if t is not None else b for t, b in zip(table, base, strict=True)])
    proba = lodo_probabilities(X, y, groups, views=lookups)
    labels = {name: decide(p, [lookups[name](x) for x in X])[0] for name, p in proba.items()}
    result: dict[str, Any] = {"n_clauses": len(X), "n_documents": len(set(groups)), "perturbations": {}}
    for name in PERTURBATIONS:
        idx = [i for i, t in enumerate(views[name]) if t is not None]
        flips = [i for i in idx if labels[name][i] != labels["base"][i]]
        result["perturbations"][name] = {
            "n": len(idx), "flips": len(flips), "rate": round(len(flips) / len(idx), 4) if idx else 0.0,
            "examples": [(X[i]["text"][:50], labels["base"][i], labels[name][i]) for i in flips[:5]],
        }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, r in result["perturbations"].items():
        print(f"{name:28} n={r['n']:5d} flips={r['flips']:4d} rate={r['rate']:.3%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
