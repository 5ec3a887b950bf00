"""Heading noise in training against leave-one-document-out F1 and heading flip rates.

usage: python scripts/heading_noise_experiment.py PARAMS [PARAMS ...] [--out docs/heading-noise.jsonl]

PARAMS is a share (``0.3``) or a JSON object of training parameters
(``'{"heading_noise": 0.6, "section_last": 3}'``) laid over ``DEFAULT_PARAMS``. For each, one
leave-one-document-out run over the gold labels every clause as it stands (per-label F1 of the
joint decision) and with a neutral heading added above it or its nearest neutral heading
removed (the perturbations of ``pipeline.classify.robustness``, as ``robustness_report.py``
applies them), and prints and appends one JSON line. The perturbed views are cached in
``$TMPDIR/heading-noise-views.pkl`` (they depend on the gold and the extractor only).
"""

from __future__ import annotations

import json
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import f1_score  # noqa: E402

from pipeline.classify import decide, lodo_probabilities  # noqa: E402
from pipeline.classify.robustness import Views, perturbed_lookups, perturbed_views  # noqa: E402
from pipeline.settings import LABELS  # noqa: E402

NAMES = ["neutral heading added", "neutral heading removed", "Chinese numerals"]


def views() -> Views:
    cache = Path(tempfile.gettempdir()) / "heading-noise-views.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # type: ignore[no-any-return]  # noqa: S301 - our own cache
    out = perturbed_views(NAMES)
    cache.write_bytes(pickle.dumps(out))
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else ROOT / "docs" / "heading-noise.jsonl"
    args = [a for i, a in enumerate(argv) if a != "--out" and (i == 0 or argv[i - 1] != "--out")]
    X, y, groups, base, table = views()
    lookups: dict[str, Any] = {"context": lambda x: x, **perturbed_lookups(base, table)}
    for arg in args:
        params = json.loads(arg) if arg.startswith("{") else {"heading_noise": float(arg)}
        t0 = time.time()
        proba = lodo_probabilities(X, y, groups, params=params, views=lookups)
        labels = {n: decide(p, [lookups[n](x) for x in X])[0] for n, p in proba.items()}
        f1 = f1_score(y, labels["context"], labels=list(LABELS), average=None)
        row: dict[str, Any] = {"params": params, "seconds": round(time.time() - t0),
                               "macro_f1": round(float(f1.mean()), 4),
                               **{lab: round(float(v), 4) for lab, v in zip(LABELS, f1, strict=True)}}
        for n in NAMES:
            idx = [i for i, t in enumerate(table[n]) if t is not None]
            row[f"flips: {n}"] = round(sum(labels[n][i] != labels["base"][i] for i in idx) / len(idx), 4)
        line = json.dumps(row, ensure_ascii=False)
        print(line, flush=True)
        with out.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
