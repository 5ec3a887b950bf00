"""Score one classifier + extractor release on gold documents it was not trained on.

usage: python scripts/score_release.py GOLD_DIR [DOC_ID ...] [--json]

For each document of GOLD_DIR (default: all ``*.jsonl`` there) the clauses of the gold are
labelled by the current registered model (``models/clause-classifier``, with the rule
extractor's counts as the feature it expects) and searched by the target extractor, as
``ingest`` does. Reported:

- labels: per-label precision/recall/F1 and macro-F1 against the gold labels;
- targets as ingest reports them and as the extractor finds them on every clause (the same
  since the labels are decided with the targets; the release of 2026-11-22 kept a target only
  where the model said ``target``, so the baseline in docs/baseline differs there): value+unit
  P/R/F1, full record F1 (value, value_max, unit, comparator, year), indicator exact match.

The labels are the joint decision of the classifier and the extractor (``pipeline.classify.joint``);
the baseline in docs/baseline was made with the release before it (the classifier's labels).

Only aggregate figures are printed, so it can score held-aside documents without showing
their errors. Used for the README's "current release on unseen genres" tables.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify import load_current, scores  # noqa: E402
from pipeline.classify.evaluation import manifest_year  # noqa: E402
from pipeline.classify.joint import reconcile  # noqa: E402
from pipeline.gold.target_eval import (  # noqa: E402
    full_key,
    gold_clauses,
    load_manifest,
    match,
    prf,
    read_gold,
    vu_key,
)
from pipeline.targets.document import extract_document_targets  # noqa: E402
from pipeline.targets.nlp import load_nlp  # noqa: E402


def _text(gold_dir: Path, doc_id: str) -> str | None:
    from pipeline.gold.annotations import document_text
    from pipeline.settings import get_settings

    try:
        return document_text(get_settings().corpus_dir, doc_id)
    except (OSError, ValueError):
        return None


def score(gold_dir: Path, doc_ids: list[str]) -> dict:
    nlp, clf, manifest = load_nlp(), load_current(), load_manifest()
    y_true: list[str] = []
    y_pred: list[str] = []
    tc = {"ingest": Counter(), "extractor": Counter()}
    files = [gold_dir / f"{d}.jsonl" for d in doc_ids] if doc_ids else sorted(gold_dir.glob("*.jsonl"))
    for path in files:
        records = read_gold(path)
        doc_id = path.stem
        clauses = gold_clauses(records)
        row = manifest.get(doc_id, {})
        past: list[bool] = []
        preds = extract_document_targets(nlp, clauses, row.get("title"), doc_year=manifest_year(row),
                                         text=_text(gold_dir, doc_id), past=past)
        counts = [0] * len(clauses)
        for t in preds:
            counts[t["clause_seq"]] += 1
        labels = [lab for lab, _ in reconcile(clf.proba_clauses(clauses, counts, past), counts, past)]
        y_true += [r["label"] for r in records]
        y_pred += labels
        for i, r in enumerate(records):
            gold = list(r.get("targets") or [])
            found = [p for p in preds if p["clause_seq"] == i]
            for view, pred in (("extractor", found), ("ingest", found)):
                c = tc[view]
                vu = match(gold, pred, vu_key)
                c["gold"] += len(gold)
                c["pred"] += len(pred)
                c["vu"] += len(vu)
                c["full"] += len(match(gold, pred, full_key))
                c["ind"] += sum((gold[g].get("indicator") or "").strip() == (pred[p].get("indicator") or "").strip()
                                for g, p in vu)
    lab = scores(y_true, y_pred)
    out = {"documents": [p.stem for p in files], "model": clf.version, "n_clauses": len(y_true),
           "labels": {"macro_f1": lab["macro_f1"], "accuracy": lab["accuracy"], "per_label": lab["per_label"]},
           "targets": {}}
    for view, c in tc.items():
        out["targets"][view] = {"value_unit": prf(c["vu"], c["pred"], c["gold"]),
                                "full_record": prf(c["full"], c["pred"], c["gold"]),
                                "indicator_exact": round(c["ind"] / c["vu"], 4) if c["vu"] else None}
    return out


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    res = score(Path(args[0]), args[1:])
    if as_json:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    print(f"{len(res['documents'])} documents, {res['n_clauses']} clauses, model {res['model']}")
    for k, v in res["labels"]["per_label"].items():
        print(f"  {k:10} P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f} n={v['support']}")
    print(f"  macro-F1 {res['labels']['macro_f1']:.3f} accuracy {res['labels']['accuracy']:.3f}")
    for view, t in res["targets"].items():
        vu, fr = t["value_unit"], t["full_record"]
        print(f"  targets[{view}] gold={vu['gold']} pred={vu['pred']} VU P/R/F1={vu['precision']:.3f}/"
              f"{vu['recall']:.3f}/{vu['f1']:.3f} full F1={fr['f1']:.3f} indicator exact={t['indicator_exact']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
