"""Ingest documents into the output tables: read, segment, label, extract, write.

Incremental and idempotent: a document whose content hash, pipeline version and model
version are already in ``documents`` is left alone; a run that changes nothing writes
nothing. Every bad input becomes a row in ``errors`` and the run goes on. One run at a
time holds the output folder's lock, and every table is replaced atomically, with
``documents`` written last, so a crash leaves the previous complete state readable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from filelock import FileLock

# The classifier registry's current version, read without importing the classifier code
# (scikit-learn, ~2 s).
from pipeline.errors import (
    check_output_folder,
    check_signals,
    deferred_signals,
    os_failure,
    remove_if_unused,
    stop_on_signals,
)
from pipeline.provision import current_version as registered_version
from pipeline.provision import registry_dir, verify_registered_model
from pipeline.read import (
    SUPPORTED_SUFFIXES,
    Document,
    ReadError,
    make_document,
    read_text,
    slugify_doc_id,
    text_sha256,
)
from pipeline.script import t2s
from pipeline.segment import Clause, segment
from pipeline.settings import get_settings
from pipeline.tables import (
    CLAUSES,
    DOCUMENTS,
    ERRORS,
    INDICATORS,
    TARGETS,
    check_stored,
    missing_columns,
    read_table,
    write_tables,
)

PIPELINE_VERSION = "0.4.0"


@dataclass
class InputError:
    source_path: str
    stage: str
    error: str


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    out: str = ""
    failures: list[InputError] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    wrote: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "failed": self.failed, "out": self.out}


# --- scanning ---------------------------------------------------------------------------

def scan_inputs(sources: Iterable[Path]) -> tuple[list[Path], list[InputError]]:
    """Expand files and folders into input files; unreadable places become errors."""
    files: list[Path] = []
    errors: list[InputError] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(d: Path) -> None:
        try:
            st = d.stat()
        except OSError as e:
            errors.append(InputError(str(d), "scan", _os_reason(e)))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            errors.append(InputError(str(d), "scan", "symbolic link loop: this folder was already scanned"))
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            errors.append(InputError(str(d), "scan", f"folder cannot be listed ({_os_reason(e)})"))
            return
        for entry in entries:
            p = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as e:
                errors.append(InputError(str(p), "scan", _os_reason(e)))
                continue
            if is_dir:
                walk(p)
            elif p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            elif entry.is_symlink() and not p.exists():
                errors.append(InputError(str(p), "scan", "broken symbolic link"))

    for src in sources:
        src = Path(src)
        if src.is_dir():
            walk(src)
        elif src.exists():
            files.append(src)
        elif src.is_symlink():
            errors.append(InputError(str(src), "scan", "broken or looping symbolic link"))
        else:
            errors.append(InputError(str(src), "scan", "no such file or folder"))
    return files, errors


def _os_reason(e: OSError) -> str:
    if e.errno == 40:  # ELOOP
        return "symbolic link loop"
    if isinstance(e, PermissionError):
        return "permission denied"
    return e.strerror or str(e)


# --- processing one document ------------------------------------------------------------

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
                from pipeline.nlp import load_nlp

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
            from pipeline.document_targets import extract_document_targets

            targets = extract_document_targets(
                self.nlp, clauses, doc.title, doc_year=doc.published.year if doc.published else None,
                text=doc.text, past=past,
            )
        labels = None
        if self.classifier is not None and clauses:
            from pipeline.decide import reconcile

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


# --- the run ----------------------------------------------------------------------------

ProgressFn = Callable[[str, int, int], None]


@dataclass
class Plan:
    """What a run will do: documents to process, errors met, and the counts so far."""

    out_dir: Path
    now: datetime
    model_version: str | None
    todo: list[Document]
    errors: list[InputError]
    ok_paths: set[str]
    summary: Summary


@dataclass
class Rows:
    """The rows one processed document contributes to each table."""

    document: dict[str, Any]
    clauses: list[dict[str, Any]]
    targets: list[dict[str, Any]]


def ingest(
    sources: Iterable[Path],
    out_dir: Path,
    engine: Engine | None = None,
    progress: ProgressFn | None = None,
    doc_ids: dict[Path, str] | None = None,
) -> Summary:
    """Ingest files/folders into ``out_dir``; returns the run summary.

    An expected failure (a broken registry or model, an output path that is a file, tables
    another program wrote, a full disk) raises ``UserError`` before any table is replaced,
    and a folder this run created is removed again."""
    out_dir = Path(out_dir)
    engine = engine or Engine()
    model_version = engine.model_version  # reads the registry: a broken one stops the run here
    check_output_folder(out_dir)
    check_stored(out_dir)
    made = not out_dir.exists()
    try:
        with lock(out_dir):
            p = plan(list(sources), out_dir, model_version, progress, doc_ids or {})
            if p.todo:
                # Load (and verify) the models before the first document: a missing or
                # damaged model stops the run instead of failing every document.
                if engine.classifier is not None or engine.use_targets:
                    engine.nlp  # noqa: B018
            results: list[Rows | InputError] = []
            for i, doc in enumerate(p.todo):
                check_signals()
                if progress:
                    progress("process", i, len(p.todo))
                results.append(process_one(engine, doc, p.model_version, p.now))
            return commit(p, results)
    except BaseException:
        remove_if_unused(out_dir, made)
        raise


@contextmanager
def lock(out_dir: Path) -> Iterator[FileLock]:
    """The output folder's lock: one run writes at a time; others wait for it. While it is
    held, SIGINT and SIGTERM raise ``Interrupted`` (SIGTERM would end the process on the
    spot), so the lock is released and no temporary file stays; ``commit`` finishes its
    writes before a signal is acted on."""
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise os_failure(out_dir, e, "cannot create the output folder") from e
    with stop_on_signals(), FileLock(str(Path(out_dir) / ".ingest.lock")) as held:
        yield held


def plan(
    sources: list[Path], out_dir: Path, model_version: str | None,
    progress: ProgressFn | None = None, doc_ids: dict[Path, str] | None = None,
) -> Plan:
    """Scan and read the inputs; decide what is new, changed, unchanged or failed."""
    settings = get_settings()
    doc_ids = doc_ids or {}
    summary = Summary(out=str(out_dir))
    now = datetime.now(UTC)
    files, errors = scan_inputs(sources)
    # Tables written by an earlier version (a column added since): every document whose
    # source is in this run is processed again, so its rows get the new columns; the others
    # keep them null (read_table) until they are ingested again.
    outdated = [t.name for t in (DOCUMENTS, CLAUSES, TARGETS) if missing_columns(out_dir, t)]
    documents = read_table(out_dir, DOCUMENTS)
    old = {
        r["doc_id"]: r
        for r in documents.select(["doc_id", "content_sha256", "pipeline_version", "model_version"]).to_pylist()
    }
    by_hash = {r["content_sha256"]: r["doc_id"] for r in old.values()}
    todo: list[Document] = []
    ok_paths: set[str] = set()
    run_ids: dict[str, str] = {}
    for i, path in enumerate(files):
        check_signals()
        if progress:
            progress("read", i, len(files))
        doc_id = doc_ids.get(path) or slugify_doc_id(path)
        try:
            text, encoding, fmt = read_text(path, max_chars=settings.max_chars, max_bytes=settings.max_bytes)
        except ReadError as e:
            errors.append(InputError(e.path, e.stage, e.reason))
            continue
        sha = text_sha256(text)
        if doc_id in run_ids:
            errors.append(InputError(str(path), "duplicate",
                                     f"doc_id {doc_id!r} is already used by {run_ids[doc_id]} in this run"))
            continue
        twin = by_hash.get(sha)
        if twin is not None and twin != doc_id:
            errors.append(InputError(str(path), "duplicate",
                                     f"same content as document {twin!r}; not processed twice"))
            continue
        run_ids[doc_id] = str(path)
        by_hash[sha] = doc_id
        ok_paths.add(str(path))
        prev = old.get(doc_id)
        if (prev is not None and prev["content_sha256"] == sha and not outdated
                and prev["pipeline_version"] == PIPELINE_VERSION
                and prev["model_version"] == model_version):
            summary.unchanged += 1  # decided on the text alone: no metadata is read
            continue
        (summary.new_ids if prev is None else summary.changed_ids).append(doc_id)
        todo.append(make_document(path, text, encoding, fmt, doc_id=doc_id, content_sha256=sha))
    return Plan(out_dir, now, model_version, todo, errors, ok_paths, summary)


def process_one(engine: Engine, doc: Document, model_version: str | None, now: datetime) -> Rows | InputError:
    """Segment, label and extract one document; an exception becomes an InputError."""
    try:
        processed = engine.process(doc)
    except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
        return InputError(doc.source_path, "process", f"{type(e).__name__}: {e}")
    d, c, t = rows_for(processed, model_version, now)
    return Rows(d, c, t)


def commit(p: Plan, results: list[Rows | InputError]) -> Summary:
    """Write the tables (atomically, ``documents`` last), unless nothing changed."""
    out_dir, now, summary = p.out_dir, p.now, p.summary
    errors = list(p.errors)
    ok_paths = set(p.ok_paths)
    done = [r for r in results if isinstance(r, Rows)]
    for r in results:
        if isinstance(r, InputError):
            errors.append(r)
            ok_paths.discard(r.source_path)
    landed = {r.document["doc_id"] for r in done}
    summary.new_ids = [x for x in summary.new_ids if x in landed]
    summary.changed_ids = [x for x in summary.changed_ids if x in landed]
    summary.new = len(summary.new_ids)
    summary.changed = len(summary.changed_ids)
    summary.failures = errors
    summary.failed = len(errors)

    old_errors = read_table(out_dir, ERRORS)
    kept_errors = [r for r in old_errors.to_pylist() if r["source_path"] not in ok_paths]
    known = {(r["source_path"], r["stage"], r["error"]) for r in kept_errors}
    added_errors = [
        {"source_path": e.source_path, "stage": e.stage, "error": e.error, "at": now}
        for e in errors if (e.source_path, e.stage, e.error) not in known
    ]
    errors_changed = bool(added_errors) or len(kept_errors) != old_errors.num_rows
    missing = [t for t in (DOCUMENTS, CLAUSES, TARGETS, ERRORS, INDICATORS) if not (out_dir / t.filename()).exists()]
    if not done and not errors_changed and not missing:
        return summary

    replaced = [r.document["doc_id"] for r in done]
    writes: list[tuple[Any, Any]] = []
    if done or INDICATORS in missing:
        new_targets = [t for r in done for t in r.targets]
        new_clauses = [c for r in done for c in r.clauses]
        from pipeline.indicators import Catalogue

        catalogue = Catalogue.from_rows(read_table(out_dir, INDICATORS).to_pylist())
        targets = _replace(read_table(out_dir, TARGETS), replaced, with_indicator_keys(catalogue, new_targets), TARGETS)
        writes.append((TARGETS, targets))
        writes.append((INDICATORS, indicator_rows(catalogue, targets)))
        if done:
            writes.append((CLAUSES, _replace(read_table(out_dir, CLAUSES), replaced, new_clauses, CLAUSES)))
    if errors_changed or ERRORS in missing:
        writes.append((ERRORS, kept_errors + added_errors))
    for t in (CLAUSES, TARGETS):
        if t in missing and not done:
            writes.append((t, []))
    if done or DOCUMENTS in missing:
        # documents last: it is what the next run trusts to skip work.
        documents = read_table(out_dir, DOCUMENTS)
        writes.append((DOCUMENTS, _replace(documents, replaced, [r.document for r in done], DOCUMENTS)))
    # All tables staged before any is replaced (a full disk replaces none), and a SIGINT or
    # SIGTERM waits until they are all in place.
    with deferred_signals():
        write_tables(out_dir, writes)
    summary.wrote = True
    return summary


def with_indicator_keys(cat: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with their ``indicator_key`` from the indicator catalogue ``cat`` (known
    strings keep their key; new ones are placed in an order independent of the rows')."""
    keys = cat.place_all([(r["indicator"] or "", r["unit"], r["doc_id"]) for r in rows])
    return [{**r, "indicator_key": k} for r, k in zip(rows, keys, strict=True)]


def indicator_rows(cat: Any, targets: pa.Table) -> list[dict[str, Any]]:
    """The ``indicators`` table of the catalogue, with its figures over the folder's targets."""
    from pipeline.indicators import catalogue_rows

    rows = targets.select(["indicator_key", "doc_id", "year"]).to_pylist()
    return catalogue_rows(cat, [r for r in rows if r["indicator_key"] is not None])


def _replace(existing: pa.Table, doc_ids: list[str], rows: list[dict], table) -> pa.Table:  # type: ignore[no-untyped-def]
    from pipeline.tables import to_arrow

    keep = existing.filter(pc.invert(pc.is_in(existing["doc_id"], pa.array(doc_ids, pa.string()))))
    fresh = to_arrow(table, rows)
    out = pa.concat_tables([keep, fresh])
    sort_keys = [("doc_id", "ascending")] + ([("seq", "ascending")] if "seq" in out.column_names else [])
    if "start" in out.column_names and "seq" not in out.column_names:
        sort_keys.append(("start", "ascending"))
    return out.sort_by(sort_keys)
