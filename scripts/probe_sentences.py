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

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify.evaluation import scores  # noqa: E402
from pipeline.predict import predict_text  # noqa: E402

PROBE = ROOT / "annotations" / "sentences" / "probe.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("half", choices=["dev", "test"])
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--errors", action="store_true", help="print the wrong ones (dev half only)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.errors and args.half == "test":
        ap.error("the test half is scored, not read")
    rows = [json.loads(line) for line in PROBE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if (int(r["id"][1:]) % 2 == 1) == (args.half == "dev")]
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
        prior = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        prior[args.half] = result
        args.out.write_text(json.dumps(prior, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
