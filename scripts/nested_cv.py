"""Nested check of the classifier's LODO figure: C is chosen inside each training fold by
grouped 3-fold CV (GroupKFold over documents), never by looking at the held-out document.

usage: .venv/bin/python scripts/nested_cv.py   (a few minutes; prints a JSON line)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.classify import DEFAULT_PARAMS, build_pipeline, dataset_inputs, scores  # noqa: E402
from pipeline.gold.annotations import load_dataset  # noqa: E402
from pipeline.settings import LABELS  # noqa: E402

GRID = [0.3, 1.0, 3.0]


def inner_score(X, y, g, idx, C):  # type: ignore[no-untyped-def]
    preds, gold = [], []
    for tr, te in GroupKFold(n_splits=3).split(idx, groups=[g[i] for i in idx]):
        tr_i, te_i = [idx[k] for k in tr], [idx[k] for k in te]
        m = build_pipeline({**DEFAULT_PARAMS, "C": C}).fit([X[i] for i in tr_i], [y[i] for i in tr_i])
        preds += list(m.predict([X[i] for i in te_i]))
        gold += [y[i] for i in te_i]
    return f1_score(gold, preds, labels=list(LABELS), average="macro", zero_division=0)


def outer(X, y, g, held):  # type: ignore[no-untyped-def]
    train = [i for i, x in enumerate(g) if x != held]
    test = [i for i, x in enumerate(g) if x == held]
    best = max(GRID, key=lambda C: inner_score(X, y, g, train, C))
    m = build_pipeline({**DEFAULT_PARAMS, "C": best}).fit([X[i] for i in train], [y[i] for i in train])
    return best, list(zip(test, m.predict([X[i] for i in test]), strict=True))


def main() -> int:
    X, y, g = dataset_inputs(load_dataset())
    results = Parallel(n_jobs=2)(delayed(outer)(X, y, g, h) for h in sorted(set(g)))
    pred = [""] * len(y)
    chosen = []
    for best, part in results:
        chosen.append(best)
        for i, lab in part:
            pred[i] = str(lab)
    r = scores(y, pred)
    print(json.dumps({"macro_f1": r["macro_f1"], "accuracy": r["accuracy"],
                      "per_label_f1": {k: v["f1"] for k, v in r["per_label"].items()},
                      "chosen_C": dict(zip(*np.unique(chosen, return_counts=True), strict=True)) and
                      {str(c): chosen.count(c) for c in GRID}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
