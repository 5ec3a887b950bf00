"""Quick look at a piece of text: clauses with label, confidence and targets."""

from __future__ import annotations

import re
from typing import Any

from pipeline.text.markdown import render
from pipeline.text.segment import segment

# Marks of markdown in a piece of text (a scraped line pasted into ``predict``).
MARKDOWN_MARKS = re.compile(r"\*\*|__|\]\(|^\s*#{1,6}\s|^\s*\|.*\|", re.M)

TARGET_FIELDS = ("indicator", "value", "value_max", "unit", "comparator", "kind", "year", "year_source",
                 "per_year", "text")


def predict_text(text: str, doc_year: int | None = None, clf: Any = None) -> dict[str, Any]:
    """``{"text", "clauses": [{text, label, confidence, section, targets: [...]}]}``.

    The text is read as a document of ``doc_year`` (default: this year): ``今年`` is that
    year, and a sentence opening with an earlier year (``2023年，…增长6.2%``) reports the past.
    ``clf``: a loaded ``ClauseClassifier`` (default: the registered current model).
    """
    if doc_year is None:
        from datetime import date

        doc_year = date.today().year
    from pipeline.classify import load_current
    from pipeline.classify.joint import reconcile
    from pipeline.targets.document import extract_document_targets
    from pipeline.targets.nlp import load_nlp

    if MARKDOWN_MARKS.search(text):
        text = render(text).text  # ``**合格率**达到95%``: markdown syntax is not clause text
    clauses = segment(text).clauses
    past: list[bool] = []
    targets = extract_document_targets(load_nlp(), clauses, None, doc_year=doc_year, text=text,
                                       past=past) if clauses else []
    counts = [0] * len(clauses)
    for t in targets:
        counts[t["clause_seq"]] += 1
    clf = clf if clf is not None else load_current()
    labels: list[tuple[str | None, float | None]] = (
        list(reconcile(clf.proba_clauses(clauses, counts, past), counts, past)) if clf is not None and clauses
        else [(None, None)] * len(clauses))
    by_seq: dict[int, list[dict[str, Any]]] = {}
    for t in targets:
        by_seq.setdefault(t["clause_seq"], []).append({k: t[k] for k in TARGET_FIELDS})
    out = []
    for c, (lab, conf) in zip(clauses, labels, strict=True):
        ts = by_seq.get(c.seq, [])
        out.append({"text": c.text, "label": lab, "confidence": conf, "section": list(c.section), "targets": ts})
    return {"text": text, "clauses": out}
