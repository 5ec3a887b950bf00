"""Ingest documents into the output tables: read, segment, label, extract, write.

Incremental and idempotent: a document whose content hash, pipeline version and model
version are already in ``documents`` is left alone; a run that changes nothing writes
nothing. Every bad input becomes a row in ``errors`` and the run goes on. One run at a
time holds the output folder's lock, and every table is replaced atomically, with
``documents`` written last, so a crash leaves the previous complete state readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from filelock import FileLock

from pipeline.errors import (
    check_output_folder,
    check_signals,
    deferred_signals,
    os_failure,
    remove_if_unused,
    stop_on_signals,
)
from pipeline.ingest.engine import PIPELINE_VERSION, Engine, rows_for
from pipeline.ingest.inputs import InputError, scan_inputs
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
from pipeline.text.read import (
    Document,
    ReadError,
    make_document,
    read_text,
    slugify_doc_id,
    text_sha256,
)


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
        from pipeline.targets.indicators import Catalogue

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
    from pipeline.targets.indicators import catalogue_rows

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
