"""Markdown as written by scrapers and LLM-era tools, rendered to the text clauses index.

A scraped policy page arrives as markdown: a front-matter block (YAML between ``---``
lines, or ``# title`` followed by ``**发布日期**: …`` lines), ``#`` headings, ``**bold**``,
links and images, ``|`` tables, ``---`` rules, list bullets and ``\\`` escapes. ``render``
turns it into plain text, line for line:

- inline syntax goes (``**一、**`` → ``一、``, ``[首页](https://…)`` → ``首页``,
  ``![](a.png)`` → nothing, ``\\>`` → ``>``); list bullets ``-``/``*``/``+`` and ``>``
  quote marks go, ordered-list numbers stay (``1.`` numbers a provision);
- a heading keeps its ``#`` marks at the start of its line, so the segmenter can give it
  its level in the heading chain (the marks are never part of a clause's text);
- a table row becomes one line with its cells separated by a tab; separator rows
  (``| --- | --- |``) and ``---`` rules become empty lines.

``render`` also returns, for every character of the output, the offset of the input
character it came from, so spans annotated on the raw text can be carried over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FRONT_KEYS = {
    "title": ("title", "标题", "標題", "名称", "名稱"),
    "published": ("发布日期", "發布日期", "发文日期", "發文日期", "成文日期", "印发日期", "印發日期", "日期",
                  "date", "published", "publish_date"),
    "issuer": ("发布机构", "發布機構", "发文机关", "發文機關", "发文机构", "發文機構", "发布单位", "發布單位",
               "issuer", "publisher"),
    "source_url": ("来源", "來源", "原文链接", "原文鏈接", "原文地址", "链接", "鏈接", "网址", "網址",
                   "source", "url", "link", "source_url"),
}
_KEY_OF = {k.lower(): field for field, keys in _FRONT_KEYS.items() for k in keys}

HEADING = re.compile(r"^(#{1,6})[ \t]+(?=\S)")
_RULE = re.compile(r"^[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:=[ \t]*){3,})$")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
_BULLET = re.compile(r"^[ \t]*(?:[-*+][ \t]+)+")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_SEPARATOR_CELL = re.compile(r"^[ \t]*:?-{2,}:?[ \t]*$")
_FRONT_LINE = re.compile(r"^[ \t]*(?:\*\*|__)?([^:：*\n]{1,12}?)(?:\*\*|__)?[ \t]*[:：][ \t]*(.*?)[ \t]*$")
_URL = re.compile(r"https?://[^\s)\]\"'<>]+")

# Inline syntax, tried in this order at each position.
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_LINK = re.compile(r"\[((?:[^\[\]\n]|!\[[^\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\))*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_TAG = re.compile(r"</?(?:br|p|span|div|strong|b|em|i|u|sup|sub|font|a|img|center|small|big)\b[^>\n]*>", re.I)
_ESCAPABLE = set("\\`*_{}[]()#+-.!>|~<")


@dataclass(frozen=True)
class Rendered:
    """Plain text and, per character of it, the offset of its source character."""

    text: str
    source: list[int]


def looks_like_markdown(text: str) -> bool:
    """Whether a ``.txt`` file is markdown: a front-matter block, or several markdown marks
    (headings, bold, links or images, table separator rows) in its first 300 lines."""
    head = text.lstrip("\ufeff")[:40000]
    lines = head.splitlines()[:300]
    if lines and lines[0].strip() == "---" and any(ln.strip() == "---" for ln in lines[1:40]):
        return True
    marks = 0
    for ln in lines:
        if HEADING.match(ln):
            marks += 2
        if "**" in ln or _LINK.search(ln) or _IMAGE.search(ln):
            marks += 1
        if ln.lstrip().startswith("|") and all(_SEPARATOR_CELL.match(c) for c in _cells(ln) if c.strip()) \
                and any(c.strip() for c in _cells(ln)):
            marks += 4  # a table's separator row: nothing else writes that
    return marks >= 4


def render(text: str) -> Rendered:
    """Plain text of markdown ``text``, line for line (see the module docstring)."""
    out: list[str] = []
    src: list[int] = []
    pos = 0
    in_fence = False
    for line in text.split("\n"):
        end = pos + len(line)
        if _FENCE.match(line):
            in_fence = not in_fence
        elif in_fence:
            _emit(out, src, line, pos)
        else:
            _render_line(out, src, text, pos, end)
        if end < len(text):
            out.append("\n")
            src.append(end)
        pos = end + 1
    return Rendered("".join(out), src)


def _render_line(out: list[str], src: list[int], text: str, s: int, e: int) -> None:
    line = text[s:e]
    if _RULE.match(line):
        return
    stripped = line.lstrip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        _render_row(out, src, text, s + len(line) - len(stripped), e)
        return
    m = HEADING.match(line)
    if m:
        # ``## 一、总体要求 ##``: keep the opening marks and one space, drop closing marks.
        _emit(out, src, m.group(1) + " ", s)
        body_end = e
        closing = re.search(r"[ \t]+#+[ \t]*$", line)
        if closing and closing.start() > m.end():
            body_end = s + closing.start()
        _inline(out, src, text, s + m.end(), body_end)
        return
    m = _QUOTE.match(line)
    if m:
        s += m.end()
        line = text[s:e]
    m = _BULLET.match(line)
    if m and m.end() < len(line):
        s += m.end()
    _inline(out, src, text, s, e)


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return re.split(r"(?<!\\)\|", body)


def _render_row(out: list[str], src: list[int], text: str, s: int, e: int) -> None:
    """``| a | b |`` → ``a<TAB>b``; a separator row or a row of empty cells → nothing."""
    line = text[s:e]
    cells = _cells(line)
    if all(not c.strip() or _SEPARATOR_CELL.match(c) for c in cells):
        return
    # Offsets of each cell's body in the line.
    body_start = s + (len(line) - len(line.lstrip())) + 1
    k = body_start
    spans = []
    for c in cells:
        spans.append((k, k + len(c)))
        k += len(c) + 1
    while spans and not text[spans[-1][0]:spans[-1][1]].strip():
        spans.pop()  # trailing empty cells
    for j, (cs, ce) in enumerate(spans):
        if j:
            _emit(out, src, "\t", cs - 1)
        while cs < ce and text[cs] in " \t":
            cs += 1
        while ce > cs and text[ce - 1] in " \t":
            ce -= 1
        _inline(out, src, text, cs, ce)


def _inline(out: list[str], src: list[int], text: str, s: int, e: int) -> None:
    """Inline markdown of ``text[s:e]`` rendered to plain text."""
    i = s
    while i < e:
        ch = text[i]
        if ch == "\\" and i + 1 < e and text[i + 1] in _ESCAPABLE:
            _emit(out, src, text[i + 1], i + 1)
            i += 2
            continue
        if ch == "!" and text.startswith("![", i):
            m = _IMAGE.match(text, i, e)
            if m:
                _inline(out, src, text, m.start(1), m.end(1))
                i = m.end()
                continue
        if ch == "[":
            m = _LINK.match(text, i, e)
            if m:
                _inline(out, src, text, m.start(1), m.end(1))
                i = m.end()
                continue
        if ch == "<":
            m = _AUTOLINK.match(text, i, e)
            if m:
                _emit(out, src, m.group(1), m.start(1))
                i = m.end()
                continue
            m = _TAG.match(text, i, e)
            if m:
                i = m.end()
                continue
        if ch in "*_" and text.startswith(ch * 2, i):
            if ch == "*" or _paired(text, i, e, "__"):
                i += 2
                continue
        if ch == "*" and _paired(text, i, e, "*"):
            i += 1
            continue
        if ch == "`":
            i += 1
            continue
        _emit(out, src, ch, i)
        i += 1


def _paired(text: str, i: int, e: int, mark: str) -> bool:
    """An emphasis mark at ``i`` that opens or closes a pair on this line, hugging a word."""
    n = len(mark)
    before = text[i - 1] if i > 0 else " "
    after = text[i + n] if i + n < e else " "
    if after not in " \t" and text.find(mark, i + n, e) > i + n:
        return True  # opens
    if before not in " \t" and text.rfind(mark, 0, i) >= 0:
        j = text.rfind(mark, 0, i)
        return text.rfind("\n", 0, i) < j  # closes a mark on the same line
    return False


def _emit(out: list[str], src: list[int], s: str, at: int) -> None:
    for k, ch in enumerate(s):
        out.append(ch)
        src.append(at + k)


def front_matter(text: str) -> dict[str, str]:
    """Title, publication date, issuer and source address from a markdown document's head.

    Works on the raw or the rendered text: reads the ``key: value`` lines (YAML, or a
    scraper's ``**发布日期**: …``) among the first 30 non-empty lines, and the first
    level-1 ``#`` heading as the title when no ``title`` key is given. Values are as
    written; ``source_url`` is the first http(s) address of its field. Unknown keys and
    values without a letter, digit or Han character (``issuer: []``) are ignored.
    """
    fields: dict[str, str] = {}
    heading_title = None
    seen = 0
    for ln in text.lstrip("\ufeff").split("\n"):
        if not ln.strip() or _RULE.match(ln):
            continue
        seen += 1
        if seen > 30:
            break
        m = HEADING.match(ln)
        if m:
            if len(m.group(1)) == 1 and heading_title is None:
                heading_title = _plain(ln[m.end():])
            continue
        m = _FRONT_LINE.match(ln)
        if not m:
            continue
        field = _KEY_OF.get(m.group(1).strip().strip("*_").strip().lower())
        value = _plain(m.group(2)).strip().strip("\"'").strip()
        if not field or field in fields or not re.search(r"[0-9A-Za-z\u4e00-\u9fff]", value):
            continue
        if field == "source_url":
            url = _URL.search(m.group(2))
            if not url:
                continue
            value = url.group(0).split("#:~:", 1)[0]  # a browser's text-highlight fragment
        fields[field] = value
    if heading_title and "title" not in fields:
        fields["title"] = heading_title
    return fields


def _plain(s: str) -> str:
    r = render(s)
    return r.text.lstrip("#").strip()
