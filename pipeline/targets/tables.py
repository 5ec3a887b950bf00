"""Indicator tables: one target per cell of a table's target-year column (addendum E2).

Plans often put their targets in a table (指标 | 单位 | 2020年 | 2025年 | 属性). Whatever
the source format, the readers give one table row per line with its cells separated by a
tab (markdown, HTML, DOCX) or, in plain text and PDF text, by runs of two or more spaces;
each row is one clause. ``table_targets`` finds runs of such rows whose header names at
least one year column, and reads every data row:

- the **target-year column** is the column whose header says 目标/预期 or, failing that,
  the latest year column (a single year column counts only when its year is not before the
  document's own year: a table of last year's figures reports the past);
- other year columns (基期, 2020年 …) are baselines: context, never targets;
- ``indicator`` is the indicator cell without a unit in brackets; ``unit`` the unit column,
  else the bracket (``（%）``), else a unit written in the cell (``85%``);
- ``comparator`` from the cell (``>90``, ``≥``, ``以上``, ``左右``, ``约``), else ``=``;
  the attribute column (预期性/约束性) does not change it;
- ``kind``/``per_year`` from the indicator's wording (``年均增长`` → increase, per year);
- ``year`` from the column header, ``year_source`` ``table_header``; ``text`` is the cell.

Rows that do not fit the header (a category row naming a group) give nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.targets.document import normalise
from pipeline.text.numbers import clean, parse_quantity

CELL_SPLIT = re.compile(r"\t|[ \u3000\u00a0]{2,}|\u3000")
_YEAR_HEAD = re.compile(r"((?:19|20)\d{2})\s*年?(?:年底|年末|底|末)?\s*(目标值?|预期值?|预期目标|规划值|目标)?")
_TARGET_WORD = re.compile(r"目标|预期|规划值")
_BASE_WORD = re.compile(r"基期|基准|现状|基数|现值|实际")
_INDICATOR_HEAD = re.compile(r"指标|名称|项目|内容")
_UNIT_HEAD = re.compile(r"^(?:计量)?单位$")
_SKIP_HEAD = re.compile(r"^(?:序号|编号|类别|领域|类型|属性|性质|指标属性|备注|责任单位|牵头单位)$")
_BRACKET_UNIT = re.compile(r"[（(]\s*([^（）()]{1,8})\s*[)）]\s*$")
# Change wording in an indicator's name (``年均增长``, ``新增``, ``下降``); ``增加值`` is value added.
_KIND = re.compile(r"新增|增长|增速|增幅|下降|降低|减少|压减")
_CMP = [
    (re.compile(r"^(?:≥|≧|>=|＞=|不低于|不少于|大于等于)"), ">="),
    (re.compile(r"^(?:≤|≦|<=|＜=|不高于|不超过|小于等于)"), "<="),
    (re.compile(r"^(?:>|＞|超过|大于)"), ">"),
    (re.compile(r"^(?:<|＜|低于|小于)"), "<"),
    (re.compile(r"^(?:约|左右|~|～)"), "~"),
]
_CMP_SUFFIX = [(re.compile(r"(?:以上|及以上)$"), ">="), (re.compile(r"(?:以下|以内|及以下)$"), "<="),
               (re.compile(r"左右$"), "~")]


def cells_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of the cells of a table row (stripped; empty cells kept as empty spans)."""
    out, pos = [], 0
    for m in CELL_SPLIT.finditer(text):
        out.append(_strip(text, pos, m.start()))
        pos = m.end()
    out.append(_strip(text, pos, len(text)))
    return out


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _is_row(text: str) -> bool:
    if "\t" not in text and "  " not in text and "\u3000" not in text and "\u00a0\u00a0" not in text:
        return False  # no cell separator at all (most clauses)
    return sum(1 for s, e in cells_of(text) if e > s) >= 2


def _is_category(text: str) -> bool:
    """A one-cell row inside a table naming a group of rows (``数字基础设施``)."""
    return len(text) <= 20 and not text.endswith(("。", "；", ";", "：", ":"))


def _header(cells: list[str], doc_year: int | None) -> dict[str, Any] | None:
    """Column roles of a header row, or None when the row names no year column."""
    years: dict[int, tuple[int, bool, bool]] = {}
    roles: dict[str, int] = {}
    for i, c in enumerate(cells):
        c = c.replace(" ", "")
        m = _YEAR_HEAD.fullmatch(c) or (_YEAR_HEAD.search(c) if len(c) <= 12 else None)
        if m:
            years[i] = (int(m.group(1)), bool(_TARGET_WORD.search(c)), bool(_BASE_WORD.search(c)))
        elif _UNIT_HEAD.match(c):
            roles["unit"] = i
        elif _INDICATOR_HEAD.search(c) and "indicator" not in roles:
            roles["indicator"] = i
    if not years:
        return None
    marked = [i for i, (_, t, _) in years.items() if t]
    candidates = marked or [i for i, (_, _, b) in years.items() if not b]
    if not candidates:
        return None
    target = max(candidates, key=lambda i: years[i][0])
    if not marked and len(years) == 1 and doc_year and years[target][0] < doc_year:
        return None  # a single column of a past year: a status table
    if "indicator" not in roles:
        free = [i for i in range(len(cells)) if i not in years and i != roles.get("unit")
                and not _SKIP_HEAD.match(cells[i].replace(" ", ""))]
        if not free:
            return None
        roles["indicator"] = free[0]
    return {"n": len(cells), "target": target, "year": years[target][0], "years": sorted(years), **roles}


def _value(cell: str) -> tuple[float, float | None, str | None, str] | None:
    """(value, value_max, unit written in the cell, comparator) of a value cell."""
    s = cell.strip()
    cmp_ = None
    for rx, c in _CMP:
        m = rx.match(s)
        if m:
            cmp_, s = c, s[m.end():].strip()
            break
    for rx, c in _CMP_SUFFIX:
        m = rx.search(s)
        if m:
            cmp_ = cmp_ or c
            s = s[: m.start()].strip()
    q = parse_quantity(s)
    if q is None:
        return None
    return q.value, q.value_max, q.unit, cmp_ or "="


def _read_row(rec: Any, clause: Any, head: dict[str, Any]) -> dict[str, Any] | None:
    spans = cells_of(clause.text)
    texts = [clause.text[s:e] for s, e in spans]
    shift = len(texts) - head["n"]
    if shift < 0 and len(texts) < head["target"] + 1:
        return None
    shift = max(shift, 0)  # extra leading cells: a category or number column merged away

    def cell(i: int | None) -> tuple[str, tuple[int, int]] | None:
        if i is None or not 0 <= i + shift < len(texts):
            return None
        return texts[i + shift], spans[i + shift]

    ind, val = cell(head.get("indicator")), cell(head["target"])
    if ind is None or not ind[0].strip():
        return None
    parsed = _value(val[0]) if val is not None and val[0].strip() else None
    if parsed is None and len(texts) != head["n"]:
        # Text tables lose empty cells (runs of spaces): take the values in order, one per
        # year column, when the row has exactly as many as the header has year columns.
        numeric = [k for k in range(1, len(texts)) if _value(texts[k])]
        if len(numeric) == len(head["years"]):
            k = numeric[head["years"].index(head["target"])]
            val, parsed = (texts[k], spans[k]), _value(texts[k])
            if head.get("unit") is not None and len(texts) < head["n"]:
                head = {**head, "unit": None}  # which cell is missing is unknown
    if parsed is None or val is None:
        return None
    value, value_max, cell_unit, cmp_ = parsed
    indicator = ind[0].strip()
    unit = None
    m = _BRACKET_UNIT.search(indicator)
    if m:
        unit, indicator = m.group(1).strip(), indicator[: m.start()].strip()
    u = cell(head.get("unit"))
    if u is not None and u[0].strip() and u[0].strip() not in ("—", "-", "/"):
        unit = u[0].strip()
    unit = unit or cell_unit or ""
    if unit not in rec.no_multiply:
        for word, mult in rec.multipliers:  # ``万户`` → ×10,000 户 (addendum C4)
            if unit.startswith(word) and len(unit) > len(word):
                value *= mult
                value_max = value_max * mult if value_max is not None else None
                unit = unit[len(word):]
                break
    norm = indicator
    per_year = any(w in norm for w in rec.per_year_words)
    kind = "level"
    m = _KIND.search(normalise(norm).replace("增加值", ""))
    if m:
        kind = "decrease" if m.group(0) in ("下降", "降低", "减少", "压减") else "increase"
    s, e = val[1]
    return {
        "clause_seq": clause.seq, "start": clause.start + s, "end": clause.start + e,
        "text": clause.text[s:e], "indicator": indicator, "value": clean(value),
        "value_max": clean(value_max) if value_max is not None else None, "unit": unit,
        "comparator": cmp_, "kind": kind, "year": head["year"], "per_year": per_year,
        "year_source": "table_header",
    }


def table_targets(rec: Any, clauses: Sequence[Any], doc_year: int | None,
                  title_year: int | None = None) -> list[dict[str, Any]]:
    """Targets read from the indicator tables among ``clauses`` (module docstring).

    Each dict has the keys of ``extract_document_targets`` plus ``row_seqs``: the clause
    numbers of the whole table (the first dict of a table carries them), which the
    sentence extractor then leaves alone.
    """
    out: list[dict[str, Any]] = []
    i, n = 0, len(clauses)
    while i < n:
        if not _is_row(clauses[i].text):
            i += 1
            continue
        j = i
        while j < n and (_is_row(clauses[j].text) or (
                j + 1 < n and _is_row(clauses[j + 1].text) and _is_category(clauses[j].text))):
            j += 1
        head = None
        rows: list[dict[str, Any]] = []
        seqs: list[int] = []
        for c in clauses[i:j]:
            cells = [c.text[s:e] for s, e in cells_of(c.text)]
            h = _header(cells, doc_year)
            if h is not None and not any(_value(x) and not _YEAR_HEAD.fullmatch(x.replace(" ", ""))
                                         for x in cells[1:] if x.strip()):
                head = h  # a (new) header row: no plain value cells
                seqs.append(c.seq)
                continue
            if head is not None:
                seqs.append(c.seq)
                t = _read_row(rec, c, head)
                if t is not None:
                    rows.append(t)
        if rows:
            rows[0]["row_seqs"] = tuple(seqs)
            out.extend(rows)
        i = j
    return out
