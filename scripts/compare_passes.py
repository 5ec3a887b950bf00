"""Print the disagreements between the two passes of a document (for the resolution).

usage: python scripts/compare_passes.py [--root DIR] DOC_ID ...
       (DIR default annotations; its passes are DIR/passes/a and DIR/passes/b)
Each disagreement is one line: L (label) or T (target record or fields), the clause index
used by resolutions.jsonl, both passes' values and the clause text.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.gold.agreement import compare  # noqa: E402


def main(argv: list[str]) -> int:
    root = ROOT / "annotations"
    if argv[:1] == ["--root"]:
        root, argv = (ROOT / argv[1]).resolve(), argv[2:]
    for d in argv:
        a = compare(root / "passes" / "a" / f"{d}.jsonl", root / "passes" / "b" / f"{d}.jsonl")
        print(f"{d}: {a.n} clauses, kappa {a.kappa:.3f}, targets a/b {a.n_targets_a}/{a.n_targets_b}, "
              f"matched {a.target_matches}")
        for x in a.label_disagreements:
            print(f"L {x['i']} a={x['a']} b={x['b']} | {x['text']}")
        for x in a.target_disagreements:
            what = x.get("diff") or {"record": (x["a"], x["b"])}
            print(f"T {x['i']} {what} | {x['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
