"""The report's look: label and kind colours, the page's CSS and JS, and the few sizes
the charts and tables share."""

from html import escape

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


def no_data(what: str) -> str:
    return f"<p class=\"empty\">No {escape(what)}.</p>"


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
