"""Score the target extractor against gold annotations (guide §4 files).

``evaluate_targets(annotations_dir)`` reads every ``*.jsonl`` there (one clause per line,
in document order), runs the extractor over each document's clauses (their sections and
the document title from ``corpus/manifest.csv`` give it the year context of addendum C1)
and compares records clause by clause:

- P/R/F1 on (value, unit);
- P/R/F1 on the full record (value, value_max, unit, comparator, year);
- among records matched on (value, unit): indicator exact match and partial match
  (character F1 ≥ 0.5), plus kind and per_year agreement;
- every miss: false negatives, false positives and field disagreements.

``format_report(result)`` renders that as text.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.settings import get_settings
from pipeline.targets import normalise
from pipeline.targets.document import extract_document_targets
from pipeline.text.segment import Clause

FULL_KEYS = ("value", "value_max", "unit", "comparator", "year")


def load_manifest(manifest: Path | None = None) -> dict[str, dict[str, str]]:
    """doc_id → manifest row of ``corpus/manifest.csv`` (empty when the file is missing)."""
    path = manifest or get_settings().corpus_dir / "manifest.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {row["doc_id"]: row for row in csv.DictReader(f)}


def load_titles(manifest: Path | None = None) -> dict[str, str]:
    """doc_id → title from ``corpus/manifest.csv``."""
    return {k: v.get("title") or "" for k, v in load_manifest(manifest).items()}


def read_gold(path: Path) -> list[dict[str, Any]]:
    """The clause records of one annotation file, in order."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def gold_clauses(records: list[dict[str, Any]]) -> list[Clause]:
    """Clause objects for the gold lines (a clause is a heading when a later section names it)."""
    headings = {h for r in records for h in r.get("section") or ()}
    return [
        Clause(seq=i, start=int(r["start"]), end=int(r["end"]), text=r["text"],
               section=tuple(r.get("section") or ()), provision_id=None,
               is_heading=r["text"] in headings)
        for i, r in enumerate(records)
    ]


def _document_text(doc_id: str) -> str | None:
    """The corpus text of ``doc_id`` (its line breaks make paragraphs), None if absent."""
    from pipeline.gold.annotations import document_text

    try:
        return document_text(get_settings().corpus_dir, doc_id)
    except (OSError, ValueError):
        return None


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        return round(float(x), 6)
    except (TypeError, ValueError):
        return None


def _unit(u: Any) -> str:
    return normalise(str(u or "")).strip()


def vu_key(t: dict[str, Any]) -> tuple:
    return (_num(t.get("value")), _unit(t.get("unit")))


def full_key(t: dict[str, Any]) -> tuple:
    return (_num(t.get("value")), _num(t.get("value_max")), _unit(t.get("unit")),
            str(t.get("comparator") or "="), t.get("year"))


def char_f1(a: str | None, b: str | None) -> float:
    """Character-bag F1 of two strings (script-normalised)."""
    a, b = normalise(a or ""), normalise(b or "")
    if not a or not b:
        return 0.0
    ca, cb = Counter(a), Counter(b)
    common = sum((ca & cb).values())
    if common == 0:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def match(gold: list[dict], pred: list[dict], key) -> list[tuple[int, int]]:
    """Pairs (gold index, pred index) with equal keys, preferring similar indicators."""
    pairs = []
    cands = sorted(
        ((char_f1(g.get("indicator"), p.get("indicator")), gi, pi)
         for gi, g in enumerate(gold) for pi, p in enumerate(pred) if key(g) == key(p)),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in cands:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "precision": round(p, 4),
            "recall": round(r, 4), "f1": round(f, 4)}


def _strip(t: dict[str, Any]) -> dict[str, Any]:
    keys = ("text", "indicator", "value", "value_max", "unit", "comparator", "kind", "year", "per_year")
    return {k: t.get(k) for k in keys}


def evaluate_targets(annotations_dir: Path | str | None = None, nlp=None,
                     titles: dict[str, str] | None = None) -> dict[str, Any]:
    """Score the extractor on every ``*.jsonl`` in ``annotations_dir``; returns figures and misses."""
    from pipeline.targets.nlp import load_nlp

    ann = Path(annotations_dir) if annotations_dir else get_settings().annotations_dir
    files = sorted(ann.glob("*.jsonl"))
    nlp = nlp or load_nlp()
    manifest = load_manifest()
    titles = titles if titles is not None else {k: v.get("title") or "" for k, v in manifest.items()}
    totals: dict[str, Counter] = defaultdict(Counter)
    per_doc: dict[str, dict[str, Any]] = {}
    misses: list[dict[str, Any]] = []
    for path in files:
        records = read_gold(path)
        if not records:
            continue
        doc_id = records[0].get("doc_id") or path.stem
        clauses = gold_clauses(records)
        year = manifest.get(doc_id, {}).get("year") or ""
        preds = extract_document_targets(nlp, clauses, titles.get(doc_id),
                                         doc_year=int(year) if year.isdigit() else None,
                                         text=_document_text(doc_id))
        by_clause: dict[int, list[dict]] = defaultdict(list)
        for p in preds:
            by_clause[p["clause_seq"]].append(p)
        c: Counter[str] = Counter()
        for i, r in enumerate(records):
            score_clause(doc_id, r, list(r.get("targets") or []), by_clause.get(i, []), c, misses)
        per_doc[doc_id] = _figures(c)
        totals["all"] += c
        totals[manifest.get(doc_id, {}).get("set") or "unlisted"] += c
    by_set = {k: _figures(v) for k, v in sorted(totals.items()) if k != "all"}
    result = {"annotations_dir": str(ann), "files": [p.name for p in files],
              "overall": _figures(totals["all"]), "by_set": by_set, "per_doc": per_doc,
              "misses": misses}
    return result


def score_clause(doc_id: str, r: dict[str, Any], gold: list[dict], pred: list[dict],
                 c: Counter[str], misses: list[dict[str, Any]]) -> None:
    """Match one clause's predicted targets with its gold ones: counts into ``c``; every
    false negative, false positive and field difference into ``misses``."""
    vu = match(gold, pred, vu_key)
    full = match(gold, pred, full_key)
    c["gold"] += len(gold)
    c["pred"] += len(pred)
    c["vu_tp"] += len(vu)
    c["full_tp"] += len(full)
    for gi, pi in vu:
        g, p = gold[gi], pred[pi]
        gi_, pi_ = (g.get("indicator") or "").strip(), (p.get("indicator") or "").strip()
        c["ind_exact"] += gi_ == pi_
        c["ind_partial"] += char_f1(gi_, pi_) >= 0.5
        c["kind_ok"] += (g.get("kind") or "level") == (p.get("kind") or "level")
        c["per_year_ok"] += bool(g.get("per_year")) == bool(p.get("per_year"))
        if full_key(g) != full_key(p) or gi_ != pi_ or (g.get("kind") or "level") != p.get("kind"):
            diffs = [k for k in (*FULL_KEYS, "kind", "per_year") if
                     (full_key(g)[FULL_KEYS.index(k)] != full_key(p)[FULL_KEYS.index(k)]
                      if k in FULL_KEYS else (g.get(k) or (False if k == "per_year" else "level"))
                      != p.get(k))]
            if gi_ != pi_:
                diffs.append("indicator")
            misses.append({"type": "field", "doc_id": doc_id, "clause": r["text"],
                           "fields": diffs, "gold": _strip(g), "pred": _strip(p)})
    matched_g = {gi for gi, _ in vu}
    matched_p = {pi for _, pi in vu}
    for gi, g in enumerate(gold):
        if gi not in matched_g:
            misses.append({"type": "fn", "doc_id": doc_id, "clause": r["text"],
                           "gold": _strip(g)})
    for pi, p in enumerate(pred):
        if pi not in matched_p:
            misses.append({"type": "fp", "doc_id": doc_id, "clause": r["text"],
                           "label": r.get("label"), "pred": _strip(p)})



def _figures(c: Counter) -> dict[str, Any]:
    m = c["vu_tp"]
    return {
        "value_unit": prf(c["vu_tp"], c["pred"], c["gold"]),
        "full_record": prf(c["full_tp"], c["pred"], c["gold"]),
        "matched": m,
        "indicator_exact": round(c["ind_exact"] / m, 4) if m else None,
        "indicator_partial": round(c["ind_partial"] / m, 4) if m else None,
        "kind_accuracy": round(c["kind_ok"] / m, 4) if m else None,
        "per_year_accuracy": round(c["per_year_ok"] / m, 4) if m else None,
    }


def format_report(result: dict[str, Any], max_misses: int | None = None) -> str:
    """A plain-text report of ``evaluate_targets``' result."""
    lines = [f"Targets scored against {result['annotations_dir']} ({len(result['files'])} files)", ""]
    header = f"{'document':44} {'gold':>5} {'pred':>5} {'VU-F1':>6} {'full-F1':>7} {'ind=':>5} {'ind~':>5}"
    lines.append(header)
    lines.append("-" * len(header))

    def row(name: str, f: dict[str, Any]) -> str:
        def pct(x):
            return "  -  " if x is None else f"{x:.3f}"
        return (f"{name[:44]:44} {f['value_unit']['gold']:>5} {f['value_unit']['pred']:>5} "
                f"{f['value_unit']['f1']:>6.3f} {f['full_record']['f1']:>7.3f} "
                f"{pct(f['indicator_exact']):>5} {pct(f['indicator_partial']):>5}")

    for doc_id, f in result["per_doc"].items():
        lines.append(row(doc_id, f))
    lines.append("-" * len(header))
    for name, f in result.get("by_set", {}).items():
        lines.append(row(f"set={name}", f))
    o = result["overall"]
    lines.append(row("ALL", o))
    lines.append("")
    for name in ("value_unit", "full_record"):
        f = o[name]
        lines.append(f"{name:12} P={f['precision']:.3f} R={f['recall']:.3f} F1={f['f1']:.3f} "
                     f"(tp={f['tp']}, pred={f['pred']}, gold={f['gold']})")
    lines.append(f"indicator exact={o['indicator_exact']} partial={o['indicator_partial']} "
                 f"kind={o['kind_accuracy']} per_year={o['per_year_accuracy']} (over {o['matched']} matched)")
    misses = result["misses"]
    if misses:
        lines += ["", f"Misses ({len(misses)}):"]
        for m in misses[: max_misses or len(misses)]:
            clause = m["clause"] if len(m["clause"]) <= 90 else m["clause"][:87] + "..."
            if m["type"] == "fn":
                lines.append(f"  FN {m['doc_id']}: {_fmt(m['gold'])}\n      in: {clause}")
            elif m["type"] == "fp":
                lines.append(f"  FP {m['doc_id']} [{m.get('label')}]: {_fmt(m['pred'])}\n      in: {clause}")
            else:
                lines.append(f"  ≠  {m['doc_id']} {','.join(m['fields'])}: gold {_fmt(m['gold'])}\n"
                             f"                pred {_fmt(m['pred'])}")
    return "\n".join(lines)


def _fmt(t: dict[str, Any]) -> str:
    vm = f"-{t['value_max']}" if t.get("value_max") is not None else ""
    py = " per_year" if t.get("per_year") else ""
    return (f"{t.get('indicator')!s} | {t.get('comparator')} {t.get('value')}{vm} {t.get('unit')} "
            f"| {t.get('kind')} | {t.get('year')}{py} | «{t.get('text')}»")


def main(argv: Iterable[str] = ()) -> int:
    import sys

    args = list(argv) or sys.argv[1:]
    as_json = "--json" in args
    dirs = [a for a in args if not a.startswith("--")]
    result = evaluate_targets(dirs[0] if dirs else None)
    print(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
