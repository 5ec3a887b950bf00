"""The report's charts as inline SVG: label mix per document, targets by deadline year,
lead agencies."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from html import escape

import pandas as pd

from pipeline.report.style import (
    CHART_WIDTH,
    KIND_COLOURS,
    KINDS,
    LABEL_COLOURS,
    LABELS,
    NO_YEAR,
    TOP_AGENCIES,
    UNLABELLED,
    no_data,
)


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
