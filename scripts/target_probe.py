"""Target sentences the product never saw, with records written by a separate session from the guide.

usage: python scripts/target_probe.py dev|test [--errors] [--out docs/target-probe.json]

``annotations/sentences/target-probe.jsonl``: single clauses written by a helper session that
read only the annotation guide and its addendum (no corpus, no code, no model output), each
with its document's year, its label and the target records the guide gives it. Odd ids are
the dev half (its errors may be read while working); even ids are the test half, scored once.
Every sentence goes through ``predict`` as a user would paste it, in a text of its year; the
records of all its clauses are matched with the gold ones as ``evaluate targets`` matches
them (value+unit, then the full record: value, value_max, unit, comparator, year).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.gold.probes import parse_probe_arguments, probe_arguments, read_half, save_half  # noqa: E402
from pipeline.gold.target_eval import _figures, score_clause  # noqa: E402
from pipeline.predict import predict_text  # noqa: E402

PROBE = ROOT / "annotations" / "sentences" / "target-probe.jsonl"


def main() -> int:
    args_parser = probe_arguments("Score the target probe sentences through predict.")
    args = parse_probe_arguments(args_parser)
    rows = read_half(PROBE, args.half)
    c: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    label_right = 0
    for r in rows:
        out = predict_text(r["text"], doc_year=int(r["doc_year"]))["clauses"]
        pred = [t for clause in out for t in clause["targets"]]
        score_clause(r["id"], r, list(r.get("targets") or []), pred, c, misses)
        label = max(out, key=lambda x: len(x["text"]))["label"] if out else "other"
        label_right += label == r["label"]
        if args.errors and label != r["label"]:
            print(f"{r['id']} label {r['label']} -> {label}  {r['text']}")
    if args.errors:
        for m in misses:
            print(json.dumps(m, ensure_ascii=False))
    fig = _figures(c)
    result = {"half": args.half, "n_sentences": len(rows), "gold_targets": c["gold"],
              "value_unit": fig["value_unit"], "full_record": fig["full_record"],
              "indicator_exact": fig["indicator_exact"], "indicator_partial": fig["indicator_partial"],
              "kind_accuracy": fig["kind_accuracy"],
              "per_year_accuracy": fig["per_year_accuracy"],
              "label_accuracy": round(label_right / len(rows), 4) if rows else None}
    print(json.dumps(result, ensure_ascii=False))
    if args.out:
        save_half(args.out, args.half, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
