"""The output tables, each declared once; pyarrow schemas, atomic parquet writes, docs.

Every table is one parquet file ``OUT/<name>.parquet``. A write goes to a temporary file
in the same folder, is flushed to disk and renamed over the old file, so a reader (or a
crash) only ever sees the old or the new table, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import UserError, os_failure


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    description: str
    example: str = ""

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([c.field() for c in self.columns])

    def filename(self) -> str:
        return f"{self.name}.parquet"


STR_LIST = pa.list_(pa.string())

DOCUMENTS = Table(
    "documents",
    "One row per ingested document: its text and the metadata found in it.",
    ("doc_id",),
    (
        Column("doc_id", pa.string(), False, "Stable readable id (from the file name).", "loudi-2017-quality-city"),
        Column("source_path", pa.string(), False, "Path of the input file as given to ingest.", "corpus/loudi-2017-quality-city.txt"),
        Column("text", pa.string(), False, "Decoded text; for plain text the file content with \\r\\n → \\n, for markdown its rendering (no **, links or table pipes; # heading marks kept at line starts). Clause and target offsets index it.", "婁底市人民政府關于…"),
        Column("title", pa.string(), True, "Title found in the text.", "婁底市人民政府關于加快質量發展建設質量強市的實施意見"),
        Column("doc_number", pa.string(), True, "Issuing number (文号) found in the text.", "婁政發〔2017〕28號"),
        Column("issuer", pa.string(), True, "Issuing body found in the text.", "婁底市人民政府"),
        Column("region", pa.string(), True, "Province or city at the head of the issuer or title (original script).", "婁底市"),
        Column("region_simplified", pa.string(), True, "region in simplified script, for grouping across scripts (OpenCC t2s for a traditional-script document, else region itself); null where region is, or in rows written before 0.3.0.", "娄底市"),
        Column("published", pa.date32(), True, "Publication or signing date found in the text.", "2017-10-17"),
        Column("script", pa.string(), False, "simplified / traditional / unknown (OpenCC t2s change rate).", "traditional"),
        Column("encoding", pa.string(), False, "Encoding or container the text was read from.", "utf-8"),
        Column("format", pa.string(), False, "Input format: text, markdown, html, docx or pdf (a .md file, or a .txt file with front matter or markdown marks, is markdown: its text is rendered, see pipeline/text/markdown.py).", "text"),
        Column("source_url", pa.string(), True, "Address the document was taken from, from a markdown front matter's 来源/原文链接/source/url field; null when none was given.", "https://www.gov.cn/zhengce/content/2022-01/12/content_5667817.htm"),
        Column("content_sha256", pa.string(), False, "sha256 of the UTF-8 encoded text; unchanged content is skipped.", "9f2c…"),
        Column("n_clauses", pa.int32(), False, "Number of clauses of the document.", "315"),
        Column("pipeline_version", pa.string(), False, "Version of the segmenter/extractor code that produced the rows.", "0.1.0"),
        Column("model_version", pa.string(), True, "Classifier version that labelled the clauses; null when none was available.", "2026-11-22-a1b2c3d4"),
        Column("ingested_at", pa.timestamp("us", tz="UTC"), False, "When the document was (re)processed.", "2026-11-22T10:00:00Z"),
    ),
)

CLAUSES = Table(
    "clauses",
    "One row per clause (guide §1), with its place in the document and its label.",
    ("doc_id", "clause_id"),
    (
        Column("doc_id", pa.string(), False, "Document the clause belongs to.", "loudi-2017-quality-city"),
        Column("clause_id", pa.string(), False, "doc_id + '#' + zero-padded sequence number.", "loudi-2017-quality-city#0030"),
        Column("seq", pa.int32(), False, "Position of the clause in the document, from 0.", "30"),
        Column("start", pa.int32(), False, "Start offset in documents.text.", "1503"),
        Column("end", pa.int32(), False, "End offset in documents.text (exclusive); text == documents.text[start:end].", "1516"),
        Column("text", pa.string(), False, "The clause exactly as in the source.", "主導產品采標率90%以上。"),
        Column("section", STR_LIST, False, "Heading chain above the clause, outermost first.", "['一、主要目標', '質量技術基礎方面。']"),
        Column("provision_id", pa.string(), True, "Numbering path of the provision (e.g. 二/(一)/1); null before the first heading.", "一"),
        Column("is_heading", pa.bool_(), False, "True when the clause is a heading that opens a level of the chain.", "false"),
        Column("lead_agencies", STR_LIST, False, "Lead agencies from the provision's responsibility note (牵头/责任单位/负责).", "['市經信委', '市質監局']"),
        Column("partner_agencies", STR_LIST, False, "Partner agencies from the responsibility note (配合).", "['省發展改革委']"),
        Column("lead_agencies_simplified", STR_LIST, True, "lead_agencies in simplified script (as region_simplified); null only in rows written before 0.3.0.", "['市经信委', '市质监局']"),
        Column("partner_agencies_simplified", STR_LIST, True, "partner_agencies in simplified script (as region_simplified); null only in rows written before 0.3.0.", "['省发展改革委']"),
        Column("label", pa.string(), True, "goal / target / measure / safeguard / other; null when no classifier was available.", "target"),
        Column("confidence", pa.float32(), True, "Classifier probability of the label.", "0.93"),
        Column("model_version", pa.string(), True, "Classifier version that produced label and confidence.", "2026-11-22-a1b2c3d4"),
    ),
)

TARGETS = Table(
    "targets",
    "One row per numeric target (guide §3) found by the extractor.",
    ("doc_id", "clause_id", "start"),
    (
        Column("doc_id", pa.string(), False, "Document of the target.", "loudi-2017-quality-city"),
        Column("clause_id", pa.string(), False, "Clause that states the target.", "loudi-2017-quality-city#0030"),
        Column("start", pa.int32(), False, "Start offset of the target span in documents.text.", "1505"),
        Column("end", pa.int32(), False, "End offset of the target span in documents.text.", "1514"),
        Column("text", pa.string(), False, "The target span exactly as in the source.", "采標率90%以上"),
        Column("indicator", pa.string(), True, "The measured thing as written in the clause.", "主導產品采標率"),
        Column("value", pa.float64(), False, "The number, multipliers (万/亿) folded in.", "90.0"),
        Column("value_max", pa.float64(), True, "Upper bound of a range, else null.", "null"),
        Column("unit", pa.string(), True, "Unit after removing the multiplier: %, 个, 家, 项, 个百分点, 元, 倍 …", "%"),
        Column("comparator", pa.string(), False, ">=, >, <=, <, ~ or = (以上/以下 inclusive).", ">="),
        Column("kind", pa.string(), False, "level, increase or decrease.", "level"),
        Column("year", pa.int32(), True, "Deadline year from the clause, its headings, its lead-in or the title.", "2020"),
        Column("year_source", pa.string(), True, "Where year comes from: clause, heading, goals_lead (a lead-in or a deadline opening the goals paragraph), plan_period (the title's period), document_year (今年/年底/明年/近N年 from the document's year), table_header (an indicator table's year column); null when no deadline is stated.", "clause"),
        Column("per_year", pa.bool_(), False, "True for 每年/年均/每年度.", "false"),
        Column("indicator_simplified", pa.string(), True, "indicator in simplified script (as documents.region_simplified), for grouping across scripts.", "主导产品采标率"),
        Column("unit_simplified", pa.string(), True, "unit in simplified script (個 → 个), for grouping across scripts.", "个"),
        Column("indicator_key", pa.string(), True, "The indicator catalogue's key (indicators table): one key for the strings that name the same measured quantity across documents, scripts and wording; stable once given. Null only in rows written before 0.4.0.", "ind-3f9a1c2b7d"),
    ),
)

INDICATORS = Table(
    "indicators",
    "The indicator catalogue: one row per group of indicator strings that name the same measured quantity (pipeline/targets/indicators.py).",
    ("indicator_key",),
    (
        Column("indicator_key", pa.string(), False, "Stable key of the group (a hash of its first member); targets.indicator_key refers to it.", "ind-3f9a1c2b7d"),
        Column("name", pa.string(), False, "Canonical name in simplified script: the first member, normalised (scope prefixes and change verbs dropped).", "工业产品质量监督抽查合格率"),
        Column("unit_family", pa.string(), False, "count, share, points, money, times, or measure:<unit>.", "share"),
        Column("names", STR_LIST, False, "Every normalised indicator string placed in the group so far (the catalogue's memory: known strings keep their key).", "['工业产品质量监督抽查合格率', '工业产品监督抽查合格率']"),
        Column("n_targets", pa.int32(), False, "Targets in the targets table with this key.", "5"),
        Column("n_documents", pa.int32(), False, "Documents with a target of this key.", "3"),
        Column("first_year", pa.int32(), True, "Earliest deadline year among its targets.", "2020"),
        Column("last_year", pa.int32(), True, "Latest deadline year among its targets.", "2025"),
    ),
)

ERRORS = Table(
    "errors",
    "One row per input that could not be processed, with the reason; the run goes on.",
    ("source_path", "at"),
    (
        Column("source_path", pa.string(), False, "Input file (or folder) that failed.", "inbox/broken.docx"),
        Column("stage", pa.string(), False, "scan, read, decode, extract, segment, duplicate or write.", "extract"),
        Column("error", pa.string(), False, "A reason a person understands.", "not a readable .docx file (BadZipFile: File is not a zip file)"),
        Column("at", pa.timestamp("us", tz="UTC"), False, "When the failure was recorded.", "2026-11-22T10:00:00Z"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (DOCUMENTS, CLAUSES, TARGETS, ERRORS, INDICATORS)}


class SchemaError(ValueError):
    """Rows do not fit the declared table."""


def to_arrow(table: Table, rows: list[dict[str, Any]] | pa.Table) -> pa.Table:
    """Build (or cast) an arrow table with exactly the declared schema, checking nulls."""
    if isinstance(rows, pa.Table):
        missing = [c.name for c in table.columns if c.name not in rows.column_names]
        if missing:
            raise SchemaError(f"{table.name}: missing columns {missing}")
        data = rows.select([c.name for c in table.columns])
        try:
            data = data.cast(table.schema, safe=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise SchemaError(f"{table.name}: {e}") from e
    else:
        arrays = []
        for c in table.columns:
            values = [r.get(c.name) for r in rows]
            try:
                arrays.append(pa.array(values, type=c.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as e:
                raise SchemaError(f"{table.name}.{c.name}: {e}") from e
        data = pa.Table.from_arrays(arrays, schema=table.schema)
    for c in table.columns:
        if not c.nullable and data.column(c.name).null_count:
            raise SchemaError(f"{table.name}.{c.name}: {data.column(c.name).null_count} null values in a non-nullable column")
    return data


def empty(table: Table) -> pa.Table:
    return table.schema.empty_table()


class StoredTableError(UserError, SchemaError):
    """A table already in the output folder cannot be read as this version declares it."""


def read_table(out_dir: Path, table: Table) -> pa.Table:
    """Read a table, or an empty one with its schema when it does not exist yet.

    A table written by an earlier version that lacks columns added since (all nullable, see
    ``missing_columns``) is read with those columns null. A file that is not parquet, has
    columns this version does not know (a newer version wrote it: rewriting would drop
    them) or lacks a required column raises ``StoredTableError`` naming the file; nothing
    is written over it.
    """
    path = Path(out_dir) / table.filename()
    if not path.exists():
        return empty(table)
    try:
        # ParquetFile, not pq.read_table: the same table without importing pyarrow.dataset (~0.5 s).
        with pq.ParquetFile(path) as f:
            data = f.read()
    except (pa.ArrowException, OSError) as e:
        raise _unreadable(path, e) from e
    return _upgrade(table, data, path)


def _unreadable(path: Path, e: Exception) -> StoredTableError:
    return StoredTableError(path, f"not a readable parquet file ({e}); it was left as it is — "
                                  f"move it away or write to another --out folder")


def missing_columns(out_dir: Path, table: Table) -> list[str]:
    """Declared columns the stored table lacks (it was written by an earlier version)."""
    path = Path(out_dir) / table.filename()
    if not path.exists():
        return []
    try:
        names = set(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as e:
        raise _unreadable(path, e) from e
    return [c.name for c in table.columns if c.name not in names]


def _check_columns(table: Table, names: list[str], path: Path) -> None:
    """StoredTableError when a stored table's columns are not this version's (or an earlier
    version's) declaration of ``table``."""
    known = {c.name for c in table.columns}
    if not set(table.primary_key) & set(names):
        raise StoredTableError(
            path, f"is not a policy-clauses {table.name} table (its columns: {', '.join(names[:8]) or 'none'}"
                  f"{', …' if len(names) > 8 else ''}); another program wrote it? It was left as it "
                  f"is — move it away or use another folder")
    extra = [n for n in names if n not in known]
    if extra:
        raise StoredTableError(
            path, f"has columns {extra} that this version's {table.name} table does not declare "
                  f"(written by a newer policy-clauses?); not rewritten, since that would drop them — "
                  f"use the newer version or another --out folder")
    required = [c.name for c in table.columns if c.name not in names and not c.nullable]
    if required:
        raise StoredTableError(
            path, f"lacks the required columns {required} (written by an earlier version); "
                  f"ingest into a new --out folder to rebuild the tables")


def check_stored(out_dir: Path) -> None:
    """Check every table already in ``out_dir`` by its schema alone (no data read), so a run
    can refuse a folder of foreign, unreadable or newer tables before it creates anything."""
    for table in TABLES.values():
        path = Path(out_dir) / table.filename()
        if not path.exists():
            continue
        if path.is_dir():
            raise StoredTableError(path, "is a folder, not a parquet file; move it away or use another folder")
        try:
            names = pq.read_schema(path).names
        except (pa.ArrowException, OSError) as e:
            raise _unreadable(path, e) from e
        _check_columns(table, list(names), path)


def require_tables(tables_dir: Path, option: str = "--tables") -> None:
    """Refuse a folder that holds no tables of an ingest (missing, a file, empty, or only
    other files), or whose tables this version cannot read; a report of it would be empty."""
    d = Path(tables_dir)
    run = f"run `policy-clauses ingest SRC --out {d}` first, or give {option} the --out folder of an ingest"
    if not d.exists():
        raise UserError(d, f"no such folder; {run}")
    if not d.is_dir():
        raise UserError(d, f"is a file, not a folder of tables; {run}")
    if not (d / DOCUMENTS.filename()).exists():
        found = sorted(p.name for p in d.iterdir() if not p.name.startswith("."))
        what = (f"holds no {DOCUMENTS.filename()} (it has: {', '.join(found[:5])}{', …' if len(found) > 5 else ''})"
                if found else "is empty: it holds no tables")
        raise UserError(d, f"{what}; {run}")
    check_stored(d)


def _upgrade(table: Table, data: pa.Table, path: Path) -> pa.Table:
    _check_columns(table, data.column_names, path)
    missing = [c for c in table.columns if c.name not in data.column_names]
    for c in missing:
        data = data.append_column(c.field(), pa.nulls(data.num_rows, c.type))
    try:
        return to_arrow(table, data)
    except SchemaError as e:
        raise StoredTableError(path, str(e)) from e


def write_table(out_dir: Path, table: Table, data: pa.Table | list[dict[str, Any]]) -> Path:
    """Validate against the declaration and write atomically (temp file + fsync + rename)."""
    return write_tables(out_dir, [(table, data)])[0]


def write_tables(out_dir: Path, items: list[tuple[Table, pa.Table | list[dict[str, Any]]]]) -> list[Path]:
    """Validate and write several tables as one step: each to a temporary file first (flushed
    to disk), then all renamed over the old files, in the order given. When one cannot be
    written (a full disk, no permission) none is replaced: ``UserError`` says why."""
    arrows = [(t, to_arrow(t, d)) for t, d in items]
    out_dir = Path(out_dir)
    staged: list[tuple[str, Path]] = []
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for table, arrow in arrows:
                staged.append((_stage(out_dir, table, arrow), out_dir / table.filename()))
        except OSError as e:
            raise os_failure(out_dir, e, "cannot write the tables here; none was replaced") from e
        for tmp, final in staged:
            os.replace(tmp, final)
        _fsync_dir(out_dir)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return [final for _, final in staged]


def _stage(out_dir: Path, table: Table, arrow: pa.Table) -> str:
    """Write ``arrow`` to a temporary file beside the table's file, flushed to disk."""
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{table.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            pq.write_table(arrow, f, compression="zstd")
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def schema_markdown() -> str:
    """docs/SCHEMA.md, generated from the declarations above."""
    lines = [
        "# Output tables",
        "",
        "Generated from `pipeline/tables.py` by `policy-clauses schema` — do not edit by hand.",
        "Each table is one parquet file `OUT/<name>.parquet`.",
        "",
    ]
    for t in TABLES.values():
        lines += [f"## `{t.name}`", "", t.description, "", f"Primary key: `{', '.join(t.primary_key)}`", "",
                  "| column | type | nullable | meaning | example |", "|---|---|---|---|---|"]
        for c in t.columns:
            lines.append(
                f"| `{c.name}` | `{c.type}` | {'yes' if c.nullable else 'no'} | "
                f"{c.description.replace('|', '/')} | `{c.example}` |"
            )
        lines.append("")
    return "\n".join(lines)
