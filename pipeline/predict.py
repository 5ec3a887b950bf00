"""Quick look at a piece of text: clauses with label, confidence and targets."""

from __future__ import annotations

from typing import Any

from pipeline.segment import segment

TARGET_FIELDS = ("indicator", "value", "value_max", "unit", "comparator", "kind", "year", "per_year", "text")


def predict_text(text: str) -> dict[str, Any]:
    """``{"text", "clauses": [{text, label, confidence, section, targets: [...]}]}``."""
    from pipeline.classify import load_current
    from pipeline.nlp import load_nlp
    from pipeline.targets import extract_document_targets

    clauses = segment(text).clauses
    targets = extract_document_targets(load_nlp(), clauses, None) if clauses else []
    counts = [0] * len(clauses)
    for t in targets:
        counts[t["clause_seq"]] += 1
    clf = load_current()
    labels = clf.predict_clauses(clauses, target_counts=counts) if clf is not None else [(None, None)] * len(clauses)
    by_seq: dict[int, list[dict[str, Any]]] = {}
    for t in targets:
        by_seq.setdefault(t["clause_seq"], []).append({k: t[k] for k in TARGET_FIELDS})
    out = []
    for c, (lab, conf) in zip(clauses, labels, strict=True):
        ts = by_seq.get(c.seq, []) if lab in (None, "target") else []
        out.append({"text": c.text, "label": lab, "confidence": conf, "section": list(c.section), "targets": ts})
    return {"text": text, "clauses": out}
