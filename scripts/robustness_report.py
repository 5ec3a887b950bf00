"""Invariance flip rates of the clause labels, leave-one-document-out (CheckList).

usage: python scripts/robustness_report.py [--out docs/robustness.json]

Every gold clause is labelled by a model that never saw its document, as it stands and with
each perturbation of ``pipeline.classify.robustness`` applied to it (the rest of its document
unchanged), through the product's path (features, classifier, the extractor's count of the
clause, the joint decision). Writes the flip rate per perturbation with a few examples
(``robustness.lodo_flip_rates``, which the retrain flow's gate also reads).
``tests/classify/test_classifier_behaviour.py`` checks the same rates for the registered model on
clauses it was trained on (a floor); these are the honest ones.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify.robustness import lodo_flip_rates  # noqa: E402


def main(argv: list[str]) -> int:
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else ROOT / "docs" / "robustness.json"
    result = lodo_flip_rates()
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, r in result["perturbations"].items():
        print(f"{name:28} n={r['n']:5d} flips={r['flips']:4d} rate={r['rate']:.3%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
