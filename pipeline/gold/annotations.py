"""Gold annotations: validated records, checks, and loading as a Hugging Face Dataset.

One JSONL file per document, ``annotations/<doc_id>.jsonl``, one clause per line, in the
format of ANNOTATION_GUIDE.md §4. Offsets index the document text as the readers
produce it (``documents.text``: decoded, ``\\r\\n`` → ``\\n``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.settings import LABELS

Label = Literal["goal", "target", "measure", "safeguard", "other"]
Comparator = Literal[">=", ">", "<=", "<", "~", "="]
Kind = Literal["level", "increase", "decrease"]


class TargetRecord(BaseModel):
    """One quantified objective inside a `target` clause (guide §3)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="Exact source span of the target.")
    indicator: str = Field(min_length=1, description="The measured thing as written.")
    value: float = Field(description="The number, multipliers folded in.")
    value_max: float | None = Field(None, description="Upper bound of a range.")
    unit: str | None = Field(description="Unit after removing the multiplier.")
    comparator: Comparator
    kind: Kind
    year: int | None = Field(description="Deadline year.", ge=1949, le=2100)
    per_year: bool

    @model_validator(mode="after")
    def _range(self) -> TargetRecord:
        if self.value_max is not None and self.value_max < self.value:
            raise ValueError(f"value_max {self.value_max} < value {self.value}")
        return self


class ClauseRecord(BaseModel):
    """One annotated clause (guide §4)."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(min_length=1)
    label: Label
    section: list[str] = Field(default_factory=list)
    targets: list[TargetRecord] = Field(default_factory=list)
    annotator: str = ""
    note: str = ""

    @field_validator("text")
    @classmethod
    def _stripped(cls, v: str) -> str:
        if v != v.strip():
            raise ValueError("clause text has leading or trailing white space")
        return v

    @model_validator(mode="after")
    def _cross(self) -> ClauseRecord:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} <= start {self.start}")
        if self.end - self.start != len(self.text):
            raise ValueError(f"offsets span {self.end - self.start} characters but text has {len(self.text)}")
        if self.targets and self.label != "target":
            raise ValueError(f"targets on a clause labelled {self.label!r} (only 'target' clauses have targets)")
        if self.label == "target" and not self.targets:
            raise ValueError("a 'target' clause needs at least one target record")
        for t in self.targets:
            if t.text not in self.text:
                raise ValueError(f"target text {t.text!r} is not inside the clause")
        return self


@dataclass
class DocReport:
    doc_id: str
    counts: Counter[str]
    n_targets: int
    coverage: float


@dataclass
class CheckReport:
    documents: list[DocReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def n_clauses(self) -> int:
        return sum(sum(d.counts.values()) for d in self.documents)

    @property
    def n_targets(self) -> int:
        return sum(d.n_targets for d in self.documents)


class AnnotationError(ValueError):
    """Annotation files are invalid; the message lists file:line: reason for each problem."""


def corpus_file(corpus_dir: Path, doc_id: str) -> Path:
    """The corpus file of ``doc_id``: ``corpus/<doc_id>.<suffix>`` for a supported suffix."""
    from pipeline.text.read import SUPPORTED_SUFFIXES

    found = [p for p in sorted(Path(corpus_dir).glob(f"{doc_id}.*")) if p.suffix.lower() in SUPPORTED_SUFFIXES]
    if not found:
        raise FileNotFoundError(f"no corpus file {doc_id}.* in {corpus_dir}")
    return found[0]


def document_text(corpus_dir: Path, doc_id: str) -> str:
    """The text annotation offsets index: the corpus file as the readers produce it
    (``documents.text``: decoded, \\r\\n → \\n, markdown rendered)."""
    from pipeline.text.read import read_text

    return read_text(corpus_file(corpus_dir, doc_id))[0]


def annotation_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.jsonl") if p.is_file())


def read_file(path: Path, corpus_dir: Path) -> tuple[list[ClauseRecord], list[str]]:
    """Parse and validate one annotation file; returns (records, 'file:line: reason' errors)."""
    records: list[ClauseRecord] = []
    errors: list[str] = []
    doc_id = path.stem
    try:
        text = document_text(corpus_dir, doc_id)
    except (OSError, ValueError) as e:
        return [], [f"{path}:0: no readable corpus document {doc_id!r} ({e})"]
    prev_end = -1
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: bad JSON ({e.msg} at column {e.colno})")
            continue
        try:
            rec = ClauseRecord.model_validate(obj)
        except ValidationError as e:
            reasons = "; ".join(
                f"{'.'.join(str(x) for x in err['loc']) or 'record'}: {err['msg']}" for err in e.errors()
            )
            errors.append(f"{where}: {reasons}")
            continue
        if rec.doc_id != doc_id:
            errors.append(f"{where}: doc_id {rec.doc_id!r} does not match the file name {doc_id!r}")
        if text[rec.start:rec.end] != rec.text:
            errors.append(
                f"{where}: text does not match the document at [{rec.start}:{rec.end}] "
                f"(document has {text[rec.start:rec.end][:30]!r})"
            )
        if rec.start < prev_end:
            errors.append(f"{where}: clause starts at {rec.start}, before the previous clause ends ({prev_end}): out of order or overlapping")
        prev_end = max(prev_end, rec.end)
        records.append(rec)
    return records, errors


def check_dir(directory: Path, corpus_dir: Path) -> CheckReport:
    """Validate every ``*.jsonl`` in the folder against the corpus."""
    report = CheckReport()
    for path in annotation_files(directory):
        records, errors = read_file(path, corpus_dir)
        report.errors.extend(errors)
        if not records:
            continue
        text = document_text(corpus_dir, path.stem)
        covered = sum(len(r.text) - sum(ch.isspace() for ch in r.text) for r in records)
        report.documents.append(DocReport(
            doc_id=path.stem,
            counts=Counter(r.label for r in records),
            n_targets=sum(len(r.targets) for r in records),
            coverage=covered / max(1, _countable_chars(text)),
        ))
    return report


def _countable_chars(text: str) -> int:
    """Non-space characters that are not inside responsibility notes."""
    from pipeline.text.segment import segment

    notes = segment(text).notes
    in_notes = sum(len(n.text) - sum(ch.isspace() for ch in n.text) for n in notes)
    return sum(1 for ch in text if not ch.isspace()) - in_notes


def load_records(directory: Path, corpus_dir: Path) -> list[ClauseRecord]:
    """All records of all files, or AnnotationError listing every bad line (nothing is dropped)."""
    out: list[ClauseRecord] = []
    errors: list[str] = []
    for path in annotation_files(directory):
        recs, errs = read_file(path, corpus_dir)
        out.extend(recs)
        errors.extend(errs)
    if errors:
        raise AnnotationError("invalid annotations:\n" + "\n".join(errors))
    return out


def annotations_hash(directory: Path) -> str:
    """sha256 over the annotation files' names and bytes: the training-data hash."""
    h = hashlib.sha256()
    for p in annotation_files(directory):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def load_dataset(directory: Path | None = None, corpus_dir: Path | None = None) -> Any:
    """Gold clauses as a Hugging Face ``datasets.Dataset``.

    Columns: ``doc_id``, ``seq`` (position in its document), ``n_in_doc``, ``text``,
    ``label`` (a ClassLabel over goal/target/measure/safeguard/other), ``section``
    (list of heading texts), ``start``, ``end``, ``n_targets``, ``group`` (the
    document group used for splits, see :func:`document_groups`). Raises
    AnnotationError (with file:line reasons) rather than dropping bad lines.
    """
    import datasets

    from pipeline.settings import get_settings

    s = get_settings()
    records = load_records(directory or s.annotations_dir, corpus_dir or s.corpus_dir)
    per_doc = Counter(r.doc_id for r in records)
    seqs: Counter[str] = Counter()
    rows: dict[str, list[Any]] = {k: [] for k in
                                  ("doc_id", "seq", "n_in_doc", "text", "label", "section", "start", "end", "n_targets")}
    for r in records:
        rows["doc_id"].append(r.doc_id)
        rows["seq"].append(seqs[r.doc_id])
        seqs[r.doc_id] += 1
        rows["n_in_doc"].append(per_doc[r.doc_id])
        rows["text"].append(r.text)
        rows["label"].append(r.label)
        rows["section"].append(list(r.section))
        rows["start"].append(r.start)
        rows["end"].append(r.end)
        rows["n_targets"].append(len(r.targets))
    groups = document_groups(rows["doc_id"], rows["text"])
    rows["group"] = groups
    features = datasets.Features({
        "doc_id": datasets.Value("string"), "seq": datasets.Value("int32"),
        "n_in_doc": datasets.Value("int32"), "text": datasets.Value("string"),
        "label": datasets.ClassLabel(names=list(LABELS)),
        "section": datasets.Sequence(datasets.Value("string")),
        "start": datasets.Value("int32"), "end": datasets.Value("int32"),
        "n_targets": datasets.Value("int32"), "group": datasets.Value("string"),
    })
    # Built with an explicit fingerprint (a hash of the rows): datasets would otherwise
    # fingerprint the Arrow table through dill, whose stdout capture leaks disassembly
    # into Prefect's print-as-log inside flows.
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    table = datasets.table.InMemoryTable.from_pydict(features.encode_batch(rows), schema=features.arrow_schema)
    return datasets.Dataset(table, info=datasets.DatasetInfo(features=features), fingerprint=digest[:16])


def _norm(text: str) -> str:
    import re

    from pipeline.text.metadata import to_simplified

    return re.sub(r"[\W\d_]+", "", to_simplified(text))


def document_groups(doc_ids: list[str], texts: list[str], min_shared: int = 5, min_len: int = 12) -> list[str]:
    """Group documents that share near-duplicate clauses, so splits keep them together.

    Two documents fall into one group when at least ``min_shared`` of their clauses
    (of ``min_len`` or more normalised characters) are identical after script
    normalisation and removal of punctuation and digits. Within one document the
    restated text of a 政策解读 is already on the same side of any split.
    """
    seen: dict[str, set[str]] = {}
    for d, t in zip(doc_ids, texts, strict=True):
        n = _norm(t)
        if len(n) >= min_len:
            seen.setdefault(n, set()).add(d)
    parent = {d: d for d in set(doc_ids)}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shared: Counter[tuple[str, str]] = Counter()
    for docs in seen.values():
        ds = sorted(docs)
        for i in range(len(ds)):
            for j in range(i + 1, len(ds)):
                shared[(ds[i], ds[j])] += 1
    for (a, b), count in shared.items():
        if count >= min_shared:
            parent[find(a)] = find(b)
    return [find(d) for d in doc_ids]


def leave_one_group_out(dataset: Any) -> list[tuple[str, list[int], list[int]]]:
    """Leave-one-document-group-out folds: (held-out group, train indices, test indices)."""
    groups = dataset["group"]
    out = []
    for g in sorted(set(groups)):
        test = [i for i, x in enumerate(groups) if x == g]
        train = [i for i, x in enumerate(groups) if x != g]
        out.append((g, train, test))
    return out
