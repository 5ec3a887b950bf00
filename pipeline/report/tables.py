"""The report's HTML tables: shared indicators, targets with their clause in context,
documents and errors; sortable cells."""

from __future__ import annotations

import math
from collections import Counter
from html import escape
from typing import Any

import pandas as pd

from pipeline.report.style import COMPARATOR_SIGNS, TOP_SHARED, no_data

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
