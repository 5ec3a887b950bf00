"""Single sentences the product never saw, labelled by a separate session from the guide alone.

usage: python scripts/probe_sentences.py dev|test [--year 2023] [--errors] [--out docs/probe-sentences.json]

``annotations/sentences/probe.jsonl``: 200 clauses (40 per label) written by a helper session
that read only the annotation guide and its addendum (no corpus, no code, no model output),
each with the label the guide gives it read alone. The odd ids are the dev half (its errors
may be read while working); the even ids are the test half, scored once. Every sentence goes
through ``predict`` as a user would paste it (segmentation, extractor, classifier, joint
decision) in a text of ``--year`` (default 2023: the sentences speak of 2025 and the 十四五
as ahead); a sentence the segmenter splits is labelled by its longest clause.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify.evaluation import scores  # noqa: E402
from pipeline.gold.probes import parse_probe_arguments, probe_arguments, read_half, save_half  # noqa: E402
from pipeline.predict import predict_text  # noqa: E402

PROBE = ROOT / "annotations" / "sentences" / "probe.jsonl"


def main() -> int:
    ap = probe_arguments("Score the probe sentences' labels through predict.")
    ap.add_argument("--year", type=int, default=2023)
    args = parse_probe_arguments(ap)
    rows = read_half(PROBE, args.half)
    gold, pred = [], []
    for r in rows:
        clauses = predict_text(r["text"], doc_year=args.year)["clauses"]
        label = max(clauses, key=lambda c: len(c["text"]))["label"] if clauses else "other"
        gold.append(r["label"])
        pred.append(label)
        if args.errors and label != r["label"]:
            print(f"{r['id']} {r['label']} -> {label}  {r['text']}")
    s = scores(gold, pred)
    result = {"half": args.half, "year": args.year, "n": len(rows), "macro_f1": round(s["macro_f1"], 4),
              "accuracy": round(s["accuracy"], 4),
              "f1": {k: round(v["f1"], 4) for k, v in s["per_label"].items()}}
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    if args.out:
        save_half(args.out, args.half, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
