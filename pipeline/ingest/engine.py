"""Processing one document: the ``Engine`` (the spaCy pipeline and the classifier, loaded
once per process) and the table rows of a processed document (``rows_for``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# The classifier registry's current version, read without importing the classifier code
# (scikit-learn, ~2 s).
from pipeline.provision import current_version as registered_version
from pipeline.provision import registry_dir, verify_registered_model
from pipeline.text.read import (
    Document,
)
from pipeline.text.script import t2s
from pipeline.text.segment import Clause, segment

# Raise when what a document turns into changes: every document is then processed again.
PIPELINE_VERSION = "0.4.0"


@dataclass
class Processed:
    doc: Document
    clauses: list[Clause]
    labels: list[tuple[str, float]] | None
    targets: list[dict[str, Any]]


def verify_registered(version: str | None, models_dir: Path | None = None) -> None:
    """Check the version's model file against its recorded sha256 without loading it (a flow
    refuses a tampered model before any task starts); raises ``ModelIntegrityError``."""
    if version is not None:
        verify_registered_model(registry_dir(models_dir), version)


class Engine:
    """What processing needs, loaded once per process: the spaCy pipeline and classifier."""

    def __init__(self, use_classifier: bool = True, use_targets: bool = True, models_dir: Path | None = None):
        self.use_classifier = use_classifier
        self.use_targets = use_targets
        self.models_dir = models_dir  # classifier registry root; default: settings.models_dir
        self._nlp: Any = None
        self._classifier: Any = None
        self._classifier_loaded = False
        # Tasks on a thread runner start together: without the lock each would load its
        # own copy of the pipeline (measured: 2.6 GiB instead of 1.2 GiB on 4 documents).
        self._lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                from pipeline.targets.nlp import load_nlp

                self._nlp = load_nlp()
            return self._nlp

    @property
    def classifier(self) -> Any:
        with self._lock:
            if not self._classifier_loaded:
                if self.use_classifier:
                    from pipeline.classify import load_current

                    self._classifier = load_current(self.models_dir)
                self._classifier_loaded = True
            return self._classifier

    @property
    def model_version(self) -> str | None:
        """The classifier version of the rows: the loaded model's, or before it is loaded
        the registry's current one (which is what gets loaded), so a run with nothing to
        do never loads the model."""
        if not self.use_classifier:
            return None
        with self._lock:
            if self._classifier_loaded:
                return self._classifier.version if self._classifier is not None else None
        return registered_version(self.models_dir)

    def process(self, doc: Document) -> Processed:
        seg = segment(doc.text)
        clauses = seg.clauses
        targets: list[dict[str, Any]] = []
        past: list[bool] = []
        if (self.use_targets or self.classifier is not None) and clauses:
            from pipeline.targets.document import extract_document_targets

            targets = extract_document_targets(
                self.nlp, clauses, doc.title, doc_year=doc.published.year if doc.published else None,
                text=doc.text, past=past,
            )
        labels = None
        if self.classifier is not None and clauses:
            from pipeline.classify.joint import reconcile

            counts = [0] * len(clauses)
            for t in targets:
                counts[t["clause_seq"]] += 1
            labels = reconcile(self.classifier.proba_clauses(clauses, counts, past), counts, past)
        if not self.use_targets:
            targets = []
        return Processed(doc, clauses, labels, targets)


def clause_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}#{seq:04d}"


def rows_for(p: Processed, model_version: str | None, now: datetime) -> tuple[dict, list[dict], list[dict]]:
    d = p.doc
    # The *_simplified columns group across scripts: OpenCC t2s for a traditional-script
    # document, the text itself otherwise (t2s is not the identity on simplified text: 乾隆).
    traditional = d.script == "traditional"

    def zhs(text: str | None) -> str | None:
        return t2s(text) if traditional and text else text

    doc_row = {
        "doc_id": d.doc_id, "source_path": d.source_path, "text": d.text, "title": d.title,
        "doc_number": d.doc_number, "issuer": d.issuer, "region": d.region,
        "region_simplified": zhs(d.region), "published": d.published,
        "script": d.script, "encoding": d.encoding, "format": d.format, "source_url": d.source_url,
        "content_sha256": d.content_sha256, "n_clauses": len(p.clauses),
        "pipeline_version": PIPELINE_VERSION, "model_version": model_version, "ingested_at": now,
    }
    clause_rows = []
    for i, c in enumerate(p.clauses):
        lab, conf = p.labels[i] if p.labels is not None else (None, None)
        clause_rows.append({
            "doc_id": d.doc_id, "clause_id": clause_id(d.doc_id, c.seq), "seq": c.seq,
            "start": c.start, "end": c.end, "text": c.text, "section": list(c.section),
            "provision_id": c.provision_id, "is_heading": c.is_heading,
            "lead_agencies": list(c.lead_agencies), "partner_agencies": list(c.partner_agencies),
            "lead_agencies_simplified": [zhs(a) for a in c.lead_agencies],
            "partner_agencies_simplified": [zhs(a) for a in c.partner_agencies],
            "label": lab, "confidence": conf, "model_version": model_version if lab else None,
        })
    target_rows = []
    for t in p.targets:
        target_rows.append({
            "doc_id": d.doc_id, "clause_id": clause_id(d.doc_id, t["clause_seq"]),
            **{k: t[k] for k in ("start", "end", "text", "indicator", "value", "value_max", "unit",
                                 "comparator", "kind", "year", "per_year")},
            "year_source": t.get("year_source"),
            "indicator_simplified": zhs(t["indicator"]), "unit_simplified": zhs(t["unit"]),
        })
    return doc_row, clause_rows, target_rows
