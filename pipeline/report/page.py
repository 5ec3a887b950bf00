"""A self-contained HTML report of an ingest's output tables.

``write_report(tables_dir, out_dir)`` reads ``documents``, ``clauses``, ``targets`` and
``errors`` from ``tables_dir`` and writes ``out_dir/index.html``: one file with its CSS, a
few lines of vanilla JS (table sorting and filtering) and the charts as inline SVG, so it
opens with no network. Charts: label mix per document, targets by deadline year, lead
agencies by number of provisions led; the indicators most shared by documents (value by
region and deadline, from ``indicators`` and ``targets.indicator_key``); then the targets table (every target with the clause
it stands in, the target span highlighted), the documents and the errors.

Every piece of text from the tables goes through ``html.escape``.
"""


from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from pipeline.errors import check_output_folder, os_failure, remove_if_unused
from pipeline.report.charts import label_mix_chart, lead_agencies_chart, targets_by_year_chart
from pipeline.report.style import CSS, JS, TOP_AGENCIES, TOP_SHARED
from pipeline.report.tables import documents_table, errors_table, shared_indicators, targets_table
from pipeline.tables import CLAUSES, DOCUMENTS, ERRORS, INDICATORS, TARGETS, read_table


def write_report(tables_dir: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from the tables in ``tables_dir``; return its path.

    Missing tables count as empty, so a report can be written for any output folder (the
    command line first checks that ``tables_dir`` holds tables: ``require_tables``). An
    ``out_dir`` that is a file, or a write that fails (a full disk, no permission), raises
    ``UserError`` and leaves no report file and no folder this call made.
    """
    tables_dir, out_dir = Path(tables_dir), Path(out_dir)
    check_output_folder(out_dir)
    documents = read_table(tables_dir, DOCUMENTS).drop_columns(["text"]).to_pandas()
    clauses = read_table(tables_dir, CLAUSES).to_pandas()
    targets = read_table(tables_dir, TARGETS).to_pandas()
    errors = read_table(tables_dir, ERRORS).to_pandas()
    indicators = read_table(tables_dir, INDICATORS).to_pandas()

    page = render_page(tables_dir, documents, clauses, targets, errors, indicators)
    made = not out_dir.exists()
    path = out_dir / "index.html"
    tmp = path.with_name(".index.html.tmp")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        remove_if_unused(out_dir, made, leftovers=())
        raise os_failure(out_dir, e, "cannot write the report here") from e
    return path


# --- the page ------------------------------------------------------------------------------


def render_page(tables_dir: Path, documents: pd.DataFrame, clauses: pd.DataFrame,
                targets: pd.DataFrame, errors: pd.DataFrame, indicators: pd.DataFrame | None = None) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join([
        f"<header><h1>Policy clauses report</h1><p class=\"meta\">Tables: <code>{escape(str(tables_dir))}</code>"
        f" · generated {escape(generated)}</p></header>",
        summary_section(documents, clauses, targets, errors),
        section("label-mix", "Label mix per document",
                "Share of each clause label in each document (all clauses, headings included). "
                "Hover a bar for the counts.", label_mix_chart(documents, clauses)),
        section("targets-by-year", "Targets by deadline year",
                "Number of numeric targets per deadline year, split by kind.",
                targets_by_year_chart(targets)),
        section("lead-agencies", "Lead agencies",
                f"Agencies that lead the most provisions (distinct document + provision number "
                f"with the agency in its responsibility note; names in simplified script; "
                f"top {TOP_AGENCIES}).",
                lead_agencies_chart(clauses)),
        section("shared-indicators", "Same indicator, different documents",
                f"The {TOP_SHARED} indicators (indicator_key) with targets in the most documents: each "
                "document's value and deadline, by region (names in simplified script).",
                shared_indicators(documents, targets, indicators)),
        section("targets", "Targets",
                "Every numeric target with the clause it stands in (target span highlighted, "
                "heading chain above). Click a column header to sort; type to filter.",
                targets_table(documents, clauses, targets)),
        section("documents", "Documents", "", documents_table(documents, clauses, targets)),
        section("errors", "Errors", "Inputs the ingest could not process.", errors_table(errors)),
    ])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Policy clauses report</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n<script>{JS}</script>\n</body>\n</html>\n"
    )


def section(id_: str, title: str, caption: str, content: str) -> str:
    cap = f"<p class=\"caption\">{escape(caption)}</p>" if caption else ""
    return f"<section id=\"{escape(id_)}\"><h2>{escape(title)}</h2>{cap}\n{content}\n</section>"


def summary_section(documents: pd.DataFrame, clauses: pd.DataFrame, targets: pd.DataFrame,
                    errors: pd.DataFrame) -> str:
    labelled = int(clauses["label"].notna().sum()) if len(clauses) else 0
    models = sorted({str(v) for v in documents["model_version"].dropna()}) if len(documents) else []
    items = [
        ("documents", len(documents)), ("clauses", len(clauses)), ("labelled clauses", labelled),
        ("targets", len(targets)), ("errors", len(errors)),
    ]
    cards = "".join(f"<div class=\"card\"><b>{n:,}</b><span>{escape(k)}</span></div>" for k, n in items)
    model = f"<p class=\"meta\">Classifier: {escape(', '.join(models) or 'none')}</p>"
    return f"<section id=\"summary\"><div class=\"cards\">{cards}</div>{model}</section>"


if __name__ == "__main__":  # python -m pipeline.report.page TABLES_DIR OUT_DIR
    import sys

    print(write_report(Path(sys.argv[1]), Path(sys.argv[2])))
