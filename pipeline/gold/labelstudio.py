"""The annotation round trip with Label Studio, and the `datasets` export.

``queue`` picks the clauses the current model is least sure about (plus a few random
ones), spread across documents, and writes them as Label Studio tasks with the model's
label as a pre-annotation. ``import_export`` turns a Label Studio JSON export back into
``annotations/`` records: every record is validated, and a clause that already has gold
with a different label or targets is reported as a conflict, never overwritten.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from pipeline.gold.annotations import ClauseRecord, TargetRecord, document_text
from pipeline.settings import LABELS

CONFIG_PATH = Path(__file__).resolve().parents[2] / "annotations" / "labelstudio" / "config.xml"


def queue(tables_dir: Path, n: int = 200, random_share: float = 0.1, seed: int = 0,
          corpus_dir: Path | None = None) -> list[dict[str, Any]]:
    """Label Studio tasks for the ``n`` clauses most worth annotating next."""
    clauses = pd.read_parquet(Path(tables_dir) / "clauses.parquet")
    clauses = clauses[clauses.label.notna()].copy()
    if corpus_dir is not None:
        # Only documents whose text is in the corpus can become gold.
        from pipeline.text.read import SUPPORTED_SUFFIXES

        available = {p.stem for p in Path(corpus_dir).iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES}
        clauses = clauses[clauses.doc_id.isin(available)]
    if clauses.empty:
        return []
    n_random = int(round(n * random_share))
    n_uncertain = max(0, n - n_random)
    # Least confident first, taken round-robin across documents so no document dominates.
    ranked = clauses.sort_values("confidence", kind="stable")
    per_doc = {d: list(g.index) for d, g in ranked.groupby("doc_id", sort=False)}
    picked: list[int] = []
    while len(picked) < n_uncertain and any(per_doc.values()):
        for d in sorted(per_doc, key=lambda d: clauses.loc[per_doc[d][0], "confidence"] if per_doc[d] else 2.0):
            if per_doc[d] and len(picked) < n_uncertain:
                picked.append(per_doc[d].pop(0))
    rest = [i for i in clauses.index if i not in set(picked)]
    rng = random.Random(seed)
    picked += rng.sample(rest, min(n_random, len(rest)))
    docs = pd.read_parquet(Path(tables_dir) / "documents.parquet", columns=["doc_id", "text"]).set_index("doc_id").text
    tasks = []
    for i in picked:
        row = clauses.loc[i]
        text = docs[row.doc_id]
        tasks.append({
            "data": {
                "text": row.text, "doc_id": row.doc_id, "clause_id": row.clause_id,
                "start": int(row.start), "end": int(row.end),
                "section": " > ".join(row.section), "before": text[max(0, row.start - 80):row.start],
                "after": text[row.end:row.end + 80],
                "why": "random" if i not in picked[:n_uncertain] else "uncertain",
            },
            "predictions": [{
                "model_version": row.model_version, "score": float(row.confidence),
                "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                            "value": {"choices": [row.label]}}],
            }],
        })
    return tasks


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _choice(result: list[dict[str, Any]], name: str) -> str | None:
    for r in result:
        if r.get("from_name") == name and r.get("type") == "choices":
            choices = r.get("value", {}).get("choices") or []
            return choices[0] if choices else None
    return None


def _text(result: list[dict[str, Any]], name: str) -> str:
    for r in result:
        if r.get("from_name") == name and r.get("type") == "textarea":
            return "\n".join(r.get("value", {}).get("text") or [])
    return ""


def import_export(export_path: Path, annotations_dir: Path, corpus_dir: Path) -> ImportReport:
    """Merge a Label Studio JSON export into the gold files (validated; conflicts reported)."""
    report = ImportReport()
    try:
        tasks = json.loads(Path(export_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        report.errors.append(f"{export_path}: not a Label Studio JSON export ({e})")
        return report
    if not isinstance(tasks, list):
        report.errors.append(f"{export_path}: expected a JSON list of tasks")
        return report
    new_by_doc: dict[str, list[ClauseRecord]] = {}
    for k, task in enumerate(tasks):
        where = f"{export_path}: task {task.get('id', k)}"
        data = task.get("data") or {}
        anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if not anns:
            continue
        ann = max(anns, key=lambda a: a.get("updated_at") or a.get("created_at") or "")
        result = ann.get("result") or []
        label = _choice(result, "label")
        if label not in LABELS:
            report.errors.append(f"{where}: no valid label chosen ({label!r})")
            continue
        doc_id = str(data.get("doc_id") or "")
        try:
            text = document_text(corpus_dir, doc_id)
        except (OSError, ValueError, TypeError):
            report.errors.append(f"{where}: document {doc_id!r} is not in the corpus; add it (and its manifest row) first")
            continue
        targets = []
        for j, line in enumerate(x for x in _text(result, "targets").splitlines() if x.strip()):
            try:
                targets.append(TargetRecord.model_validate(json.loads(line)))
            except json.JSONDecodeError as e:
                report.errors.append(f"{where}: target line {j + 1}: bad JSON ({e.msg})")
            except ValidationError as e:
                report.errors.append(f"{where}: target line {j + 1}: "
                                     + "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()))
        try:
            start, end = int(data["start"]), int(data["end"])
            rec = ClauseRecord(
                doc_id=doc_id, start=start, end=end, text=text[start:end], label=label,
                section=[s for s in str(data.get("section") or "").split(" > ") if s],
                targets=targets, annotator=str(ann.get("completed_by", "label-studio")),
                note=_text(result, "note"),
            )
        except ValidationError as e:
            report.errors.append(f"{where}: " + "; ".join(err["msg"] for err in e.errors()))
            continue
        except (KeyError, ValueError) as e:
            report.errors.append(f"{where}: bad task data ({type(e).__name__}: {e})")
            continue
        if data.get("text") and data["text"] != rec.text:
            report.errors.append(f"{where}: task text no longer matches {doc_id}[{start}:{end}]")
            continue
        new_by_doc.setdefault(doc_id, []).append(rec)
    for doc_id, recs in new_by_doc.items():
        _merge(Path(annotations_dir) / f"{doc_id}.jsonl", recs, report)
    return report


def _merge(path: Path, recs: list[ClauseRecord], report: ImportReport) -> None:
    existing: list[dict[str, Any]] = []
    if path.exists():
        existing = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    by_span = {(r["start"], r["end"]): r for r in existing}
    changed = False
    for rec in recs:
        key = (rec.start, rec.end)
        new = rec.model_dump()
        old = by_span.get(key)
        ident = f"{rec.doc_id}[{rec.start}:{rec.end}]"
        if old is not None:
            same = old["label"] == new["label"] and _targets_key(old["targets"]) == _targets_key(new["targets"])
            if same:
                report.unchanged.append(ident)
            else:
                report.conflicts.append(
                    f"{ident}: gold says {old['label']} ({len(old['targets'])} targets), "
                    f"import says {new['label']} ({len(new['targets'])} targets); gold kept"
                )
            continue
        overlap = [r for r in existing if r["start"] < rec.end and rec.start < r["end"]]
        if overlap:
            report.conflicts.append(f"{ident}: overlaps gold clause [{overlap[0]['start']}:{overlap[0]['end']}]; not added")
            continue
        existing.append(new)
        by_span[key] = new
        report.added.append(ident)
        changed = True
    if changed:
        existing.sort(key=lambda r: r["start"])
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for r in existing:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, path)


def _targets_key(ts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((t.get("value"), t.get("value_max"), t.get("unit"), t.get("comparator"), t.get("kind"),
                   t.get("year"), t.get("per_year"), t.get("indicator")) for t in ts)


def export_dataset(tables_dir: Path, dest: Path) -> int:
    """Save the clause table as a Hugging Face dataset (``save_to_disk``); returns rows."""
    import datasets

    clauses = pd.read_parquet(Path(tables_dir) / "clauses.parquet")
    ds = datasets.Dataset.from_pandas(clauses, preserve_index=False)
    ds.save_to_disk(str(dest))
    return len(ds)
