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
import math
import os
from collections import Counter, defaultdict
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import check_output_folder, os_failure, remove_if_unused
from pipeline.tables import CLAUSES, DOCUMENTS, ERRORS, INDICATORS, TARGETS, read_table

LABELS = ("goal", "target", "measure", "safeguard", "other")
UNLABELLED = "unlabelled"
LABEL_COLOURS = {
    "goal": "#4e79a7",
    "target": "#e15759",
    "measure": "#59a14f",
    "safeguard": "#f28e2b",
    "other": "#bab0ac",
    UNLABELLED: "#e6e6e6",
}
KINDS = ("level", "increase", "decrease")
KIND_COLOURS = {"level": "#4e79a7", "increase": "#59a14f", "decrease": "#e15759"}
NO_YEAR = "no year"
TOP_AGENCIES = 25
TOP_SHARED = 8
COMPARATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "≈", "=": ""}
CHART_WIDTH = 960


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


def no_data(what: str) -> str:
    return f"<p class=\"empty\">No {escape(what)}.</p>"


# --- charts --------------------------------------------------------------------------------


def label_mix_chart(documents: pd.DataFrame, clauses: pd.DataFrame) -> str:
    """One 100 % stacked bar per document: the share of each label among its clauses."""
    doc_ids = sorted(set(documents["doc_id"]) | set(clauses["doc_id"]))
    if not doc_ids:
        return "<div class=\"chart\" data-chart=\"label-mix\">" + no_data("documents") + "</div>"
    titles = dict(zip(documents["doc_id"], documents["title"], strict=True))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc_id, label in zip(clauses["doc_id"], clauses["label"], strict=True):
        counts[doc_id][label if isinstance(label, str) else UNLABELLED] += 1
    labels = [lab for lab in LABELS if any(c[lab] for c in counts.values())]
    labels += sorted({lab for c in counts.values() for lab in c} - set(labels) - {UNLABELLED})
    if any(c[UNLABELLED] for c in counts.values()):
        labels.append(UNLABELLED)

    left, right, row_h, top = 300, 60, 24, 34
    bar_w = CHART_WIDTH - left - right
    height = top + row_h * len(doc_ids) + 8
    parts = [legend(labels, LABEL_COLOURS, left, 14)]
    for i, doc_id in enumerate(doc_ids):
        y = top + i * row_h
        c = counts[doc_id]
        total = sum(c.values())
        title = titles.get(doc_id)
        tip = f"{doc_id}\n{title}" if isinstance(title, str) and title else doc_id
        parts.append(f"<text class=\"axis\" x=\"{left - 8}\" y=\"{y + row_h / 2 + 4:.1f}\" "
                     f"text-anchor=\"end\"><title>{escape(tip)}</title>{escape(doc_id)}</text>")
        x = float(left)
        for lab in labels:
            n = c[lab]
            if not n:
                continue
            w = bar_w * n / total
            parts.append(
                f"<rect class=\"bar\" data-label=\"{escape(lab)}\" x=\"{x:.2f}\" y=\"{y + 3}\" "
                f"width=\"{w:.2f}\" height=\"{row_h - 6}\" fill=\"{LABEL_COLOURS.get(lab, '#999')}\">"
                f"<title>{escape(f'{doc_id} · {lab}: {n} of {total} ({100 * n / total:.0f} %)')}</title></rect>"
            )
            x += w
        parts.append(f"<text class=\"value\" x=\"{left + bar_w + 6}\" y=\"{y + row_h / 2 + 4:.1f}\">{total:,}</text>")
    return svg("label-mix", height, parts, "Label mix per document")


def targets_by_year_chart(targets: pd.DataFrame) -> str:
    """Vertical bars: targets per deadline year (no year last), stacked by kind."""
    if not len(targets):
        return "<div class=\"chart\" data-chart=\"targets-by-year\">" + no_data("targets") + "</div>"
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for year, kind in zip(targets["year"], targets["kind"], strict=True):
        key = NO_YEAR if pd.isna(year) else str(int(year))
        counts[key][str(kind)] += 1
    keys = sorted(k for k in counts if k != NO_YEAR) + ([NO_YEAR] if NO_YEAR in counts else [])
    kinds = [k for k in KINDS if any(c[k] for c in counts.values())]
    kinds += sorted({k for c in counts.values() for k in c} - set(kinds))

    left, right, top, bottom, height = 50, 20, 40, 36, 320
    plot_h = height - top - bottom
    plot_w = CHART_WIDTH - left - right
    peak = max(sum(c.values()) for c in counts.values())
    step = nice_step(peak)
    y_max = step * math.ceil(peak / step)
    slot = plot_w / len(keys)
    bar_w = min(60.0, slot * 0.7)
    parts = [legend(kinds, KIND_COLOURS, left, 14)]
    for tick in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * tick / y_max
        parts.append(f"<line class=\"grid\" x1=\"{left}\" x2=\"{left + plot_w}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\"/>")
        parts.append(f"<text class=\"axis\" x=\"{left - 6}\" y=\"{y + 4:.1f}\" text-anchor=\"end\">{tick}</text>")
    for i, key in enumerate(keys):
        x = left + slot * i + (slot - bar_w) / 2
        base: float = top + plot_h
        total = sum(counts[key].values())
        for kind in kinds:
            n = counts[key][kind]
            if not n:
                continue
            h = plot_h * n / y_max
            base -= h
            parts.append(
                f"<rect class=\"bar\" data-year=\"{escape(key)}\" x=\"{x:.2f}\" y=\"{base:.2f}\" "
                f"width=\"{bar_w:.2f}\" height=\"{h:.2f}\" fill=\"{KIND_COLOURS.get(kind, '#999')}\">"
                f"<title>{escape(f'{key} · {kind}: {n}')}</title></rect>"
            )
        parts.append(f"<text class=\"value\" x=\"{x + bar_w / 2:.2f}\" y=\"{base - 5:.2f}\" text-anchor=\"middle\">{total}</text>")
        parts.append(f"<text class=\"axis\" x=\"{x + bar_w / 2:.2f}\" y=\"{top + plot_h + 18}\" text-anchor=\"middle\">{escape(key)}</text>")
    return svg("targets-by-year", height, parts, "Targets by deadline year")


def lead_agencies_chart(clauses: pd.DataFrame) -> str:
    """Horizontal bars: the agencies leading the most provisions (doc + provision number)."""
    provisions: dict[str, set[tuple[str, str]]] = defaultdict(set)
    docs: dict[str, set[str]] = defaultdict(set)
    # Simplified script, so 市質監局 and 市质监局 are one bar; rows written before the column
    # existed (null) fall back to the original script.
    simplified = clauses["lead_agencies_simplified"] if "lead_agencies_simplified" in clauses \
        else clauses["lead_agencies"]
    for doc_id, prov, clause_id, original, agencies in zip(
            clauses["doc_id"], clauses["provision_id"], clauses["clause_id"], clauses["lead_agencies"],
            simplified, strict=True):
        if agencies is None:
            agencies = original
        if agencies is None or not len(agencies):
            continue
        key = (doc_id, prov if isinstance(prov, str) else clause_id)
        for agency in agencies:
            provisions[agency].add(key)
            docs[agency].add(doc_id)
    if not provisions:
        return "<div class=\"chart\" data-chart=\"lead-agencies\">" + no_data("lead agencies found") + "</div>"
    ranked = sorted(provisions, key=lambda a: (-len(provisions[a]), a))[:TOP_AGENCIES]
    peak = len(provisions[ranked[0]])

    left, right, row_h, top = 200, 50, 22, 8
    bar_w = CHART_WIDTH - left - right
    height = top + row_h * len(ranked) + 8
    parts = []
    for i, agency in enumerate(ranked):
        y = top + i * row_h
        n = len(provisions[agency])
        w = bar_w * n / peak
        name = agency if len(agency) <= 16 else agency[:15] + "…"
        tip = f"{agency}: leads {n} provisions in {len(docs[agency])} documents"
        parts.append(f"<text class=\"axis\" x=\"{left - 8}\" y=\"{y + row_h / 2 + 4:.1f}\" "
                     f"text-anchor=\"end\"><title>{escape(agency)}</title>{escape(name)}</text>")
        parts.append(f"<rect class=\"bar\" x=\"{left}\" y=\"{y + 3}\" width=\"{w:.2f}\" height=\"{row_h - 6}\" "
                     f"fill=\"#76b7b2\"><title>{escape(tip)}</title></rect>")
        parts.append(f"<text class=\"value\" x=\"{left + w + 6:.2f}\" y=\"{y + row_h / 2 + 4:.1f}\">{n}</text>")
    more = len(provisions) - len(ranked)
    note = f"<p class=\"meta\">{more} more agencies not shown.</p>" if more > 0 else ""
    return svg("lead-agencies", height, parts, "Lead agencies") + note


def svg(chart: str, height: float, parts: list[str], label: str) -> str:
    return (
        f"<div class=\"chart\" data-chart=\"{escape(chart)}\">"
        f"<svg viewBox=\"0 0 {CHART_WIDTH} {height:.0f}\" role=\"img\" aria-label=\"{escape(label)}\">"
        + "".join(parts) + "</svg></div>"
    )


def legend(keys: list[str], colours: dict[str, str], x: float, y: float) -> str:
    out = []
    for key in keys:
        out.append(f"<rect x=\"{x:.1f}\" y=\"{y - 10}\" width=\"12\" height=\"12\" fill=\"{colours.get(key, '#999')}\"/>"
                   f"<text class=\"axis\" x=\"{x + 16:.1f}\" y=\"{y}\">{escape(key)}</text>")
        x += 16 + 8 * len(key) + 18
    return "<g class=\"legend\">" + "".join(out) + "</g>"


def nice_step(peak: int) -> int:
    """A round tick step giving about five grid lines up to ``peak``."""
    if peak <= 5:
        return 1
    raw = peak / 5
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return int(m * mag)
    return int(10 * mag)


# --- tables --------------------------------------------------------------------------------

TARGET_COLUMNS = (
    # header, row key, numeric sort
    ("document", "doc_id", False),
    ("indicator", "indicator", False),
    ("value", "value", True),
    ("value_max", "value_max", True),
    ("unit", "unit", False),
    ("comparator", "comparator", False),
    ("kind", "kind", False),
    ("year", "year", True),
    ("per_year", "per_year", False),
    ("clause in context", "clause", False),
)


def shared_indicators(documents: pd.DataFrame, targets: pd.DataFrame, indicators: pd.DataFrame | None) -> str:
    """A small table per indicator shared by documents: region, document, deadline, value."""
    if indicators is None or not len(indicators) or "indicator_key" not in targets:
        return no_data("indicators")
    shared = indicators[indicators["n_documents"] >= 2].sort_values(
        ["n_documents", "n_targets", "indicator_key"], ascending=[False, False, True], kind="stable").head(TOP_SHARED)
    if not len(shared):
        return no_data("indicators shared by two documents")
    docs = documents.set_index("doc_id")
    cards = []
    for ind in shared.itertuples(index=False):
        rows = []
        mine = targets[targets["indicator_key"] == ind.indicator_key].sort_values(["doc_id", "year"], kind="stable")
        for t in mine.itertuples(index=False):
            d = docs.loc[t.doc_id] if t.doc_id in docs.index else None
            region = d["region_simplified"] if d is not None and isinstance(d.get("region_simplified"), str) else None
            year = None if pd.isna(t.year) else int(t.year)
            value = f"{COMPARATOR_SIGNS.get(t.comparator, '')}{number(t.value)}" + (
                f"–{number(t.value_max)}" if t.value_max is not None and not pd.isna(t.value_max) else "")
            rows.append("<tr>" + "".join([
                cell(region, region or "", cls="zh"), cell(t.doc_id, t.doc_id),
                cell(year, year, cls="num"), cell(value, t.value, cls="num"), cell(t.unit, t.unit, cls="zh"),
                cell(t.indicator, t.indicator, cls="zh"),
            ]) + "</tr>")
        cards.append(
            f"<div class=\"indicator-card\" data-indicator=\"{escape(ind.indicator_key)}\">"
            f"<h3 lang=\"zh\">{escape(ind.name)}</h3><p class=\"meta\">{escape(ind.indicator_key)} · "
            f"{escape(ind.unit_family)} · {int(ind.n_documents)} documents, {int(ind.n_targets)} targets</p>"
            "<table><thead><tr><th>region</th><th>document</th><th>year</th><th>value</th><th>unit</th>"
            f"<th>as written</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    return f"<div class=\"indicator-cards\">{''.join(cards)}</div>"


def targets_table(documents: pd.DataFrame, clauses: pd.DataFrame, targets: pd.DataFrame) -> str:
    if not len(targets):
        return no_data("targets")
    by_id = {cid: (start, text, section) for cid, start, text, section in zip(
        clauses["clause_id"], clauses["start"], clauses["text"], clauses["section"], strict=True)}
    titles = dict(zip(documents["doc_id"], documents["title"], strict=True))
    head = "".join(
        f"<th data-col=\"{escape(key)}\" data-type=\"{'num' if num else 'text'}\" tabindex=\"0\" "
        f"aria-sort=\"none\">{escape(name)}</th>"
        for name, key, num in TARGET_COLUMNS
    )
    rows = []
    ordered = targets.sort_values(["doc_id", "start"], kind="stable")
    for t in ordered.itertuples(index=False):
        title = titles.get(t.doc_id)
        year = None if pd.isna(t.year) else int(t.year)  # nullable ints come back as floats
        cells = [
            cell(t.doc_id, t.doc_id, title=title if isinstance(title, str) else None),
            cell(t.indicator, t.indicator, cls="zh"),
            cell(number(t.value), t.value, cls="num"),
            cell(number(t.value_max), t.value_max, cls="num"),
            cell(t.unit, t.unit, cls="zh"),
            cell(t.comparator, t.comparator, cls="nowrap"),
            cell(t.kind, t.kind, cls="nowrap"),
            cell(year, year, cls="num"),
            cell("yes" if t.per_year else "no", "1" if t.per_year else "0"),
            f"<td class=\"clause\" lang=\"zh\">{clause_in_context(t, by_id.get(t.clause_id))}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<p><input type=\"search\" class=\"filter\" data-for=\"targets-table\" placeholder=\"Filter targets…\" "
        f"aria-label=\"Filter targets\"> <span class=\"count\" data-count-for=\"targets-table\">{len(rows)} of {len(rows)}</span></p>"
        f"<div class=\"scroll\"><table id=\"targets-table\" class=\"sortable\"><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def clause_in_context(t: Any, clause: tuple[int, str, Any] | None) -> str:
    """The clause text with the target span marked, under its heading chain."""
    if clause is None:
        return f"<mark>{escape(t.text)}</mark>"
    c_start, text, section = clause
    a, b = int(t.start) - int(c_start), int(t.end) - int(c_start)
    if 0 <= a <= b <= len(text) and text[a:b] == t.text:
        body = f"{escape(text[:a])}<mark>{escape(text[a:b])}</mark>{escape(text[b:])}"
    else:  # offsets disagree with the clause: show both rather than guess
        body = f"{escape(text)} <mark>{escape(t.text)}</mark>"
    chain = [s for s in (section if section is not None else []) if s]
    ctx = f"<div class=\"ctx\">{escape(' › '.join(chain))}</div>" if chain else ""
    return f"{ctx}<div>{body}</div>"


def documents_table(documents: pd.DataFrame, clauses: pd.DataFrame, targets: pd.DataFrame) -> str:
    if not len(documents):
        return no_data("documents")
    n_targets = Counter(targets["doc_id"])
    head = "".join(f"<th data-type=\"{typ}\" tabindex=\"0\" aria-sort=\"none\">{name}</th>" for name, typ in (
        ("document", "text"), ("title", "text"), ("issuer", "text"), ("number", "text"),
        ("published", "text"), ("script", "text"), ("clauses", "num"), ("targets", "num")))
    rows = []
    for d in documents.sort_values("doc_id").itertuples(index=False):
        published = None if d.published is None or pd.isna(d.published) else str(d.published)
        rows.append("<tr>" + "".join([
            cell(d.doc_id, d.doc_id, title=d.source_path),
            cell(d.title, d.title, cls="zh"),
            cell(d.issuer, d.issuer, cls="zh"),
            cell(d.doc_number, d.doc_number, cls="zh"),
            cell(published, published),
            cell(d.script, d.script),
            cell(f"{int(d.n_clauses):,}", d.n_clauses, cls="num"),
            cell(str(n_targets[d.doc_id]), n_targets[d.doc_id], cls="num"),
        ]) + "</tr>")
    return (f"<div class=\"scroll\"><table id=\"documents-table\" class=\"sortable\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def errors_table(errors: pd.DataFrame) -> str:
    if not len(errors):
        return no_data("errors")
    rows = []
    for e in errors.sort_values("at").itertuples(index=False):
        at = e.at.strftime("%Y-%m-%d %H:%M:%S") if not pd.isna(e.at) else None
        rows.append("<tr>" + cell(e.source_path, e.source_path) + cell(e.stage, e.stage)
                    + cell(e.error, e.error) + cell(at, at) + "</tr>")
    return ("<div class=\"scroll\"><table id=\"errors-table\"><thead><tr><th>input</th><th>stage</th>"
            f"<th>error</th><th>at</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def cell(shown: Any, sort_key: Any, cls: str | None = None, title: str | None = None) -> str:
    """A table cell; ``data-sort`` holds the raw value (empty for null, sorted last)."""
    missing = shown is None or (isinstance(shown, float) and math.isnan(shown))
    key = "" if sort_key is None or (isinstance(sort_key, float) and math.isnan(sort_key)) else str(sort_key)
    attrs = f" data-sort=\"{escape(key)}\""
    if cls == "zh":  # Chinese content: lets the browser pick CJK glyphs
        attrs += " lang=\"zh\""
    elif cls:
        attrs += f" class=\"{escape(cls)}\""
    if title:
        attrs += f" title=\"{escape(title)}\""
    content = "<span class=\"null\">–</span>" if missing else escape(str(shown))
    return f"<td{attrs}>{content}</td>"


def number(v: Any) -> str | None:
    if v is None or pd.isna(v):
        return None
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.6f}".rstrip("0").rstrip(".")


# --- style and behaviour -------------------------------------------------------------------

FONTS = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
         '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
         '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')

CSS = """
:root { --fg: #222; --muted: #666; --line: #ddd; --head: #f4f4f4; }
* { box-sizing: border-box; }
body { font-family: %FONTS%; color: var(--fg); margin: 0 auto; padding: 16px 24px 48px;
       max-width: 1200px; line-height: 1.45; font-size: 14px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 4px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta, .caption { color: var(--muted); margin: 4px 0 8px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { font-family: %FONTS%; font-size: 12px; fill: var(--fg); }
.chart text.value { fill: var(--muted); font-size: 11px; }
.chart line.grid { stroke: #e8e8e8; stroke-width: 1; }
.chart rect.bar:hover { opacity: 0.75; }
.empty { color: var(--muted); font-style: italic; }
.scroll { overflow-x: auto; }
.indicator-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.indicator-card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.indicator-card h3 { font-size: 15px; margin: 4px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--head); position: sticky; top: 0; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #aaa; }
table.sortable th[aria-sort="ascending"]::after { content: " \\2191"; color: var(--fg); }
table.sortable th[aria-sort="descending"]::after { content: " \\2193"; color: var(--fg); }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.clause { min-width: 420px; }
td.nowrap { white-space: nowrap; }
td .ctx { color: var(--muted); font-size: 12px; }
mark { background: #ffe08a; padding: 0 1px; }
.null { color: #bbb; }
input.filter { padding: 4px 8px; width: 280px; font: inherit; }
.count { color: var(--muted); }
""".replace("%FONTS%", FONTS)

JS = """
(function () {
  "use strict";
  function key(td, numeric) {
    var v = td ? td.getAttribute("data-sort") : "";
    if (v === null || v === "") return null;
    if (numeric) { var n = parseFloat(v); return isNaN(n) ? null : n; }
    return v;
  }
  function sortBy(table, th) {
    var ths = Array.prototype.slice.call(th.parentNode.children);
    var col = ths.indexOf(th);
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    ths.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) {
      return { row: r, i: i, k: key(r.cells[col], numeric) };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) {
        if (a.k === b.k) return a.i - b.i;
        return a.k === null ? 1 : -1;  // nulls last either way
      }
      var c = numeric ? a.k - b.k : a.k.localeCompare(b.k, "zh");
      return c !== 0 ? dir * c : a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th); }
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-for"));
    var count = document.querySelector("[data-count-for='" + table.id + "']");
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase(), shown = 0, rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var hit = !q || rows[i].textContent.toLowerCase().indexOf(q) !== -1;
        rows[i].hidden = !hit;
        if (hit) shown++;
      }
      if (count) count.textContent = shown + " of " + rows.length;
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


if __name__ == "__main__":  # python -m pipeline.report TABLES_DIR OUT_DIR
    import sys

    print(write_report(Path(sys.argv[1]), Path(sys.argv[2])))
