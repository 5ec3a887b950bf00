"""Feature ablations and estimator variants of the clause classifier, all leave-one-document-out.

usage: .venv/bin/python scripts/classifier_experiments.py [--out docs/classifier-experiments.json]

Every row is a LODO run over all annotated documents (each document predicted by a model
that never saw it). The choice of the default configuration was made by looking at these
rows, so they are not a held-out estimate of that choice; `scripts/nested_cv.py` is.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.classify import (  # noqa: E402
    ABLATIONS,
    DEFAULT_PARAMS,
    FeatureSet,
    dataset_inputs,
    lodo_predictions,
    scores,
)
from pipeline.gold.annotations import load_dataset  # noqa: E402

VARIANTS: dict[str, dict[str, object]] = {
    "LinearSVC C=0.3": {"estimator": "svc", "C": 0.3},
    "LinearSVC C=3": {"estimator": "svc", "C": 3.0},
    "LinearSVC, sigmoid-calibrated 3-fold ensemble (previous default), C=1": {"estimator": "svc_cv", "C": 1.0},
    "LogisticRegression C=8, balanced": {"estimator": "lr", "C": 8.0},
    "LinearSVC C=1, no class weights": {"estimator": "svc", "C": 1.0, "class_weight": None},
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/classifier-experiments.json"))
    args = ap.parse_args()
    X, y, g = dataset_inputs(load_dataset())
    rows = []
    runs = [(f"features: {name}", None, fs) for name, fs in ABLATIONS.items()]
    runs += [(f"estimator: {name}", p, FeatureSet()) for name, p in VARIANTS.items()]
    for name, params, fs in runs:
        t = time.perf_counter()
        s = scores(y, lodo_predictions(X, y, g, {**DEFAULT_PARAMS, **(params or {})}, fs))
        row = {"run": name, "macro_f1": round(s["macro_f1"], 4), "accuracy": round(s["accuracy"], 4),
               "f1": {k: round(v["f1"], 4) for k, v in s["per_label"].items()},
               "seconds": round(time.perf_counter() - t, 1)}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"default_params": DEFAULT_PARAMS, "n_clauses": len(y),
                                    "n_documents": len(set(g)), "rows": rows}, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
