"""Split a document's text into clauses, as defined in ANNOTATION_GUIDE.md §1.

A clause is the span between sentence terminators or line breaks, never cut inside
paired brackets or quotes. Numbered headings open a level of the heading chain
(``section``); trailing responsibility notes become agency lists on the provision's
clauses instead of clauses of their own. Offsets always index the input text:
``text[c.start:c.end] == c.text``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.text.notes import (
    NOT_A_BODY,
    SPACE,
    ResponsibilityNote,
    _strip,
    find_notes,
    parse_agencies,
)
from pipeline.text.script import t2s

__all__ = ["Clause", "ResponsibilityNote", "Segmentation", "heading_marker", "parse_agencies", "segment",
           "split_spans"]

# Terminators that always end a clause.
CJK_TERMINATORS = frozenset("。！？；")
# ASCII terminators end a clause only before white space, the end of the line or a
# non-ASCII character, so that web debris such as ``![](a.png?x=1)`` is not shredded.
ASCII_TERMINATORS = frozenset(";!?")

OPENERS = {"《": "》", "“": "”", "‘": "’", "（": "）", "(": ")", "〔": "〕", "【": "】",
           "「": "」", "『": "』", "[": "]", "〈": "〉", "［": "］"}
CLOSERS = {v: k for k, v in OPENERS.items()}

_CN = "一二三四五六七八九十百零〇"
# (type, regex) in priority order; each regex matches the marker at the start of a
# line (after white space) and group 1 is the marker used in provision ids.
HEADING_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("annex", re.compile(r"^(附件\s*[0-9０-９一二三四五六七八九十]*)\s*[:：]?\s*$")),
    ("chapter", re.compile(rf"^(第[{_CN}0-9]+[章编])")),
    ("article", re.compile(rf"^(第[{_CN}0-9]+条)")),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、.．]")),
    ("paren_cn", re.compile(rf"^[（(]\s*([{_CN}]+)\s*[）)]")),
    ("num", re.compile(r"^([0-9０-９]{1,2})\s*(?:[、．]|\.(?![0-9０-９]))")),
    ("paren_num", re.compile(r"^[（(]\s*([0-9０-９]{1,2})\s*[）)]")),
    ("circled", re.compile(r"^([①-⑳])")),
    ("dash", re.compile(r"^(——|--)(?!-)")),
]
JUNK_LEAD = re.compile(r"^[？?•·●■□◆◇▪\s\u3000]+")
JUNK_ONLY = re.compile(r"[？?•·●■□◆◇▪\s\u3000]*")
# A line that is nothing but the title of one of a policy's parts (guide rule 2's bare
# section titles) when a page lost its numbering (``一、`` kept in CSS or a list element):
# ``总体要求``, ``重点任务``, ``保障措施``. It heads a part like ``一、保障措施`` would.
PART_TITLE = re.compile(
    r"(?:总体要求|總體要求|指导思想|指導思想|基本原则|基本原則|工作原则|工作原則|主要目标|主要目標|发展目标|發展目標"
    r"|工作目标|工作目標|总体目标|總體目標|目标任务|目標任務|重点任务|重點任務|主要任务|主要任務|重点工作|重點工作"
    r"|工作任务|工作任務|主要举措|主要舉措|重点举措|重點舉措|政策措施|工作措施|主要措施|具体措施|具體措施|保障措施"
    r"|组织实施|組織實施|实施保障|實施保障|组织保障|組織保障|工作要求|保障机制|保障機制|发展基础|發展基礎|发展现状"
    r"|發展現狀|面临形势|面臨形勢|发展环境|發展環境)[：:]?"
)

# List bullets and markdown list marks in front of a line (``• ``, ``- ``, ``## ``): what the
# classifier's features ignore (``features._LEAD_MARKS``) and a bare title may carry.
LIST_LEAD = re.compile(r"^(?:[\s\u3000]*(?:[-*+•·●▪■◆►>]|#{1,6})[\s\u3000]+|[\s\u3000]*[•·●▪■◆►])+")


def _unmarked(line: str) -> str:
    """A line without its markdown emphasis and heading marks, and the white space around."""
    return MARKDOWN_LEAD.sub("", line).replace("*", "").strip(" \t\u3000")


# A line that is nothing but the names of issuing bodies (the signatures under a joint
# document, an issuer line): guide §2 puts the issuing body under `other`. A name ends in the
# word of a body (部, 委员会, 局, 厅, 办公室, 政府, 院 …) and opens with no verb (``打造…``,
# ``建强…`` name a task, not a body).
_BODY = r"[\u4e00-\u9fff（）()]{2,24}?(?:部|委员会|委|总局|局|厅|办公室|办|政府|院|署|分行|银行|总会|联合会|协会)"
ISSUER_LINE = re.compile(rf"{_BODY}(?:[、，,\s]+{_BODY})*")
_VERB_OPENING = re.compile(
    r"^(?:加强|建立|推进|开展|实施|完善|鼓励|推动|加快|支持|引导|深化|健全|强化|落实|培育|打造|建设|建强|做强|"
    r"做实|做优|做大|组建|设立|成立|依托|组织|制定|探索|规范|促进|创新|发挥|构建|提升|提高|优化|扩大|推广|开发|"
    r"发展|用好|办好|管好|统筹|整合|保障|争创|创建|共建|筹建|申报)")


def is_issuer_line(text: str) -> bool:
    """Whether a clause only names issuing bodies (``工业和信息化部``, ``上海市人民政府办公厅``,
    ``教育部、科学技术部``); list bullets, markdown marks and end punctuation aside."""
    t = _unmarked(LIST_LEAD.sub("", text.strip())).rstrip("。；;，,")
    if not t or len(t) > 40:
        return False
    t = t2s(t)
    return not _VERB_OPENING.match(t) and bool(ISSUER_LINE.fullmatch(t)) and not NOT_A_BODY.search(t)


def is_bare_title(text: str) -> bool:
    """Whether a clause is nothing but a part's title, numbered or not (``三、保障措施``,
    ``（一）发展目标``, ``**保障措施**``, ``组织实施：``): guide rule 2's bare section title."""
    core = _unmarked(LIST_LEAD.sub("", text.strip()))
    for _, rx in HEADING_MARKERS:
        m = rx.match(core)
        if m:
            core = core[m.end():].lstrip(" \t\u3000、.．")
            break
    return bool(PART_TITLE.fullmatch(core.rstrip("。 \t\u3000")))


# An unnumbered run-in heading such as ``產品質量方面。`` at the start of a line.
RUN_IN_HEADING = re.compile(r"^[^，,。；;:：]{1,14}方面[。:：]")


@dataclass(frozen=True)
class Clause:
    """One clause: its span in the document and its place in the heading chain."""

    seq: int
    start: int
    end: int
    text: str
    section: tuple[str, ...]
    provision_id: str | None
    is_heading: bool
    lead_agencies: tuple[str, ...] = ()
    partner_agencies: tuple[str, ...] = ()


@dataclass
class Segmentation:
    clauses: list[Clause]
    notes: list[ResponsibilityNote] = field(default_factory=list)


# Markdown decoration in front of a heading in web-page text: ``**一、主要目标**``, ``## (一)``.
MARKDOWN_LEAD = re.compile(r"^(?:\*\*|__|>\s*|#{1,6}\s+)+")
# A markdown heading line (``## 政策全文``): its marks give its level and are not clause text.
MD_HEADING = re.compile(r"(#{1,6})[ \t]+(?=\S)")


def heading_marker(line: str) -> tuple[str, str] | None:
    """Return ``(type, marker)`` when a line opens with a provision number, else None."""
    lead = MARKDOWN_LEAD.match(line)
    core = line[lead.end():] if lead else line
    core = core[:8].replace("*", "") + core[8:]  # ``四 **、**`` in scraped markdown
    for kind, rx in HEADING_MARKERS:
        m = rx.match(core)
        if m:
            rest = core[m.end():].lstrip()
            if kind in ("num", "paren_num") and rest.startswith("["):
                return None  # a numbered list of links: navigation debris
            return kind, unicodedata.normalize("NFKC", m.group(1)).replace(" ", "")
    # Markdown ``#`` titles in scraped pages are page chrome, not provisions.
    return None


def split_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` (one line) at terminators outside brackets and quotes.

    Returns stripped, non-empty (start, end) spans in order.
    """
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    ascii_quote_open = False
    piece_start = start
    i = start
    while i < end:
        ch = text[i]
        if ch in OPENERS:
            stack.append(OPENERS[ch])
        elif ch in CLOSERS:
            if stack and stack[-1] == ch:
                stack.pop()
            elif ch in stack:
                while stack and stack.pop() != ch:
                    pass
        elif ch == '"':
            ascii_quote_open = not ascii_quote_open
        elif not stack and not ascii_quote_open and _is_terminator(text, i, end):
            j = i + 1
            while j < end and (text[j] in CJK_TERMINATORS or text[j] in ASCII_TERMINATORS):
                j += 1
            spans.append((piece_start, j))
            piece_start = j
            i = j
            continue
        i += 1
    spans.append((piece_start, end))
    out = []
    for s, e in spans:
        s, e = _strip(text, s, e)
        if s < e:
            out.append((s, e))
    return out


def _is_terminator(text: str, i: int, end: int) -> bool:
    ch = text[i]
    if ch in CJK_TERMINATORS:
        return True
    if ch in ASCII_TERMINATORS:
        nxt = text[i + 1] if i + 1 < end else "\n"
        return nxt in SPACE or nxt == "\n" or ord(nxt) > 127 or nxt in ";!?"
    return False


# A numbered heading inside a line: a page flattened into one paragraph (``…指导。（二）主要目标。
# 到2025年…``, ``一、总体要求 （一）指导思想。``). It starts a line of its own when it follows a
# full stop, or a gap of spaces after a word; never after a comma, 、 or ；, where ``（二）`` is an
# item of a sentence's list.
_INLINE_HEADING = re.compile(rf"[（(][{_CN}]{{1,3}}[)）]|[{_CN}]{{1,3}}、")


def _inline_heading_at(text: str, start: int, end: int) -> int | None:
    """Where the first numbered heading inside ``text[start:end]`` begins (not at its start), or None."""
    for m in _INLINE_HEADING.finditer(text, start + 1, end):
        j = m.start() - 1
        while j >= start and text[j] in SPACE:
            j -= 1
        if j < start:
            continue
        spaced = j < m.start() - 1
        prev = text[j]
        if (prev == "。" or spaced and ("\u4e00" <= prev <= "\u9fff" or prev in "）)”")) \
                and heading_marker(text[m.start():end]) is not None:
            return m.start()
    return None


def segment(text: str) -> Segmentation:
    """Segment a document into clauses and responsibility notes (guide §1)."""
    # Long on purpose: one pass over the lines with a heading stack and the provision and note
    # counters; the per-line steps are helpers (heading_marker, split_spans, find_notes).
    clauses: list[Clause] = []
    notes: list[ResponsibilityNote] = []
    stack: list[tuple[str, str, str]] = []  # (type, marker, heading clause text)
    provision_first_seq = 0  # first clause seq of the line of the deepest heading
    last_note_seq = 0
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        next_pos = None if nl < 0 else nl + 1
        ls, le = _strip(text, pos, line_end)
        inline = _inline_heading_at(text, ls, le)
        if inline is not None:
            line_end = next_pos = inline
            ls, le = _strip(text, pos, line_end)
        md = MD_HEADING.match(text, ls, le) if ls < le else None
        if md:
            ls = md.end()
        if ls < le:
            line_notes = find_notes(text, ls, le)
            body_end = line_notes[0].start if line_notes else le
            line = text[ls:body_end]
            # Scraped pages put glyph debris (``？``, ``•``) in front of headings.
            junk = JUNK_LEAD.match(line)
            marker = heading_marker(line[junk.end():] if junk else line)
            if marker is None and md:
                marker = (f"md{len(md.group(1))}", "")
            if marker is None and PART_TITLE.fullmatch(_unmarked(line)):
                marker = ("title", "")
            if marker is None and RUN_IN_HEADING.match(MARKDOWN_LEAD.sub("", line)) and _run_in_allowed(text, ls, body_end):
                marker = ("run_in", "")
            if stack and stack[-1][0] == "dash" and (marker is None or marker[0] != "dash"):
                stack.pop()  # a ``——`` item is one paragraph; the next line is not inside it
            # The line's body pieces lie between its notes.
            bounds = [ls] + [x for nt in line_notes for x in (nt.start, nt.end)] + [le]
            pieces = list(zip(bounds[0::2], bounds[1::2], strict=True))
            heading_seen = False
            for p_idx, (p_start, p_end) in enumerate(pieces):
                first_seq = len(clauses)
                for s, e in split_spans(text, p_start, p_end):
                    is_heading = (
                        marker is not None and p_idx == 0 and not heading_seen
                        and not JUNK_ONLY.fullmatch(text[s:e])
                    )
                    heading_seen = heading_seen or is_heading or not JUNK_ONLY.fullmatch(text[s:e])
                    if is_heading:
                        kind, mk = marker  # type: ignore[misc]
                        _push_heading(stack, kind, mk, text[s:e])
                        provision_first_seq = len(clauses)
                        section = tuple(h for _, _, h in stack[:-1])
                    else:
                        section = tuple(h for _, _, h in stack)
                    clauses.append(
                        Clause(
                            seq=len(clauses), start=s, end=e, text=text[s:e], section=section,
                            provision_id=_provision_id(stack), is_heading=is_heading,
                        )
                    )
                if p_idx < len(line_notes):
                    note = line_notes[p_idx]
                    notes.append(note)
                    # The note covers its provision: back to the line of the deepest
                    # heading, but not past the previous note.
                    scope_from = min(max(provision_first_seq, last_note_seq), first_seq)
                    for idx in range(scope_from, len(clauses)):
                        c = clauses[idx]
                        clauses[idx] = Clause(
                            c.seq, c.start, c.end, c.text, c.section, c.provision_id,
                            c.is_heading, note.lead_agencies, note.partner_agencies,
                        )
                    last_note_seq = len(clauses)
        if next_pos is None:
            break
        pos = next_pos
    return Segmentation(clauses, notes)


def _run_in_allowed(text: str, s: int, e: int) -> bool:
    """A run-in heading (``…方面。``) only counts when body text follows it on its line."""
    spans = split_spans(text, s, e)
    return len(spans) > 1


def _push_heading(stack: list[tuple[str, str, str]], kind: str, marker: str, text: str) -> None:
    """Put a heading on the chain: it closes the open heading of its own kind and all below.

    A markdown heading (``md1``…``md6``) closes every heading after the last markdown
    heading of a higher level; a numbered one only looks below the last markdown heading,
    so ``一、`` under a second ``## part`` does not close the first part's ``一、``."""
    if kind == "annex":
        stack.clear()
    last_md = max((i for i, (k, _, _) in enumerate(stack) if k.startswith("md")), default=-1)
    if kind.startswith("md"):
        level = int(kind[2:])
        keep = max((i + 1 for i, (k, _, _) in enumerate(stack) if k.startswith("md") and int(k[2:]) < level),
                   default=0)
        del stack[keep:]
    else:
        for i in range(last_md + 1, len(stack)):
            if stack[i][0] == kind:
                del stack[i:]
                break
    stack.append((kind, marker, text))


def _provision_id(stack: list[tuple[str, str, str]]) -> str | None:
    parts = [m if k not in ("paren_cn", "paren_num") else f"({m})" for k, m, _ in stack if m]
    return "/".join(parts) if parts else None
