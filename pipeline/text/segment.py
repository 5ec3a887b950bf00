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

# Terminators that always end a clause.
CJK_TERMINATORS = frozenset("。！？；")
# ASCII terminators end a clause only before white space, the end of the line or a
# non-ASCII character, so that web debris such as ``![](a.png?x=1)`` is not shredded.
ASCII_TERMINATORS = frozenset(";!?")

OPENERS = {"《": "》", "“": "”", "‘": "’", "（": "）", "(": ")", "〔": "〕", "【": "】",
           "「": "」", "『": "』", "[": "]", "〈": "〉", "［": "］"}
CLOSERS = {v: k for k, v in OPENERS.items()}
# White space stripped from clause ends: ASCII, ideographic space, NBSP and friends.
SPACE = " \t\u3000\u00a0\u2002\u2003\u2009\r\f\v"

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
# An unnumbered run-in heading such as ``產品質量方面。`` at the start of a line.
RUN_IN_HEADING = re.compile(r"^[^，,。；;:：]{1,14}方面[。:：]")

NOTE_CUES = re.compile(
    r"牵头|牽頭|配合|责任单位|責任單位|责任部门|責任部門|责任处室|責任處室|"
    r"(?:按职责分工|按職責分工)?(?:负责|負責)$"
)
ROLE_LABEL = re.compile(
    r"^(?:.*?[，,])?\s*(牵头考核单位|牽頭考核單位|牵头单位|牽頭單位|责任单位|責任單位|"
    r"责任部门|責任部門|责任处室|責任處室|配合单位|配合單位)\s*[:：]"
)
# A bare list of agencies, ``(市商务粮食局、市经信委、市质监局)``: a note without a cue word.
_AGENCY = r"[\u4e00-\u9fff]{1,16}(?:局|委|办|辦|厅|廳|部|会|會|府|中心|处|處|室|院|署|行|馆|館|协|協|联|聯)"
AGENCY_LIST = re.compile(rf"{_AGENCY}(?:[、，,]{_AGENCY}){{1,}}(?:[、，,]?(?:相关|相關|各)[\u4e00-\u9fff]{{0,6}})?")
# One agency closing a sentence, ``…利用度。（市科委）``: a note too (not ``（试行）``).
SINGLE_AGENCY = re.compile(rf"{_AGENCY}(?:[，,]?(?:等|相关|相關)[\u4e00-\u9fff]{{0,6}})?")
LEAD_SUFFIX = re.compile(r"(?:牵头负责|牽頭負責|牵头|牽頭|按职责分工负责|按職責分工負責|负责|負責)$")
PARTNER_SUFFIX = re.compile(r"(?:配合|参与|參與|协同|協同|协助|協助)$")


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


@dataclass(frozen=True)
class ResponsibilityNote:
    """A trailing ``(…牵头,…配合)`` note: metadata of the provision it closes."""

    start: int
    end: int
    text: str
    lead_agencies: tuple[str, ...]
    partner_agencies: tuple[str, ...]


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


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s] in SPACE or text[s].isspace()):
        s += 1
    while e > s and (text[e - 1] in SPACE or text[e - 1].isspace()):
        e -= 1
    return s, e


def find_trailing_note(
    text: str, start: int, end: int, whole: bool = False
) -> ResponsibilityNote | None:
    """Find a responsibility note that closes the line ``text[start:end]``.

    With ``whole`` the span is a bracket group that may be a note by itself.
    """
    s, e = _strip(text, start, end)
    # Allow a terminator after the note: ``…(省质监局负责)。``
    tail = e
    while tail > s and text[tail - 1] in "。；;.":
        tail -= 1
    if tail <= s or text[tail - 1] not in ")）":
        return None
    depth = 0
    i = tail - 1
    while i >= s:
        ch = text[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            depth -= 1
            if depth == 0:
                break
        i -= 1
    if i < s or depth != 0:
        return None
    inner = text[i + 1 : tail - 1].strip()
    if (i == s and not whole) or not inner or len(inner) > 400:
        return None
    after_sentence = i > s and text[i - 1] in "。；;"
    if not NOTE_CUES.search(inner) and not AGENCY_LIST.fullmatch(inner) and not (
            after_sentence and SINGLE_AGENCY.fullmatch(inner)):
        return None
    lead, partner = parse_agencies(inner)
    if not lead and not partner:
        return None
    return ResponsibilityNote(i, e, text[i:e], tuple(lead), tuple(partner))


def parse_agencies(inner: str) -> tuple[list[str], list[str]]:
    """Turn the inside of a responsibility note into (lead, partner) agency lists."""
    m = ROLE_LABEL.match(inner)
    if m:
        label = m.group(1)
        rest = inner[m.end():]
        names = _names(rest)
        if label.startswith(("配合",)):
            return [], names
        # ``牵头单位:A;配合单位:B`` — split on the second label if present.
        m2 = re.search(r"[，,;；]\s*(?:配合单位|配合單位|协同单位)\s*[:：]", rest)
        if m2:
            return _names(rest[: m2.start()]), _names(rest[m2.end():])
        return names, []
    lead: list[str] = []
    partner: list[str] = []
    pending: list[str] = []
    for seg in re.split(r"[，,;；]", inner):
        seg = seg.strip()
        if not seg:
            continue
        if PARTNER_SUFFIX.search(seg):
            partner += pending + _names(PARTNER_SUFFIX.sub("", seg))
            pending = []
        elif LEAD_SUFFIX.search(seg):
            lead += pending + _names(LEAD_SUFFIX.sub("", seg))
            pending = []
        else:
            pending += _names(seg)
    lead += pending
    return _dedupe(lead), _dedupe(partner)


def _names(s: str) -> list[str]:
    out = []
    for part in re.split(r"[、，,;；]|(?<=[局委厅办部会处室心府])和", s):
        part = re.sub(r"(?:等)?(?:按职责分工|按職責分工)?$", "", part.strip())
        part = re.sub(r"等$", "", part).strip()
        if part:
            out.append(part)
    return out


def _dedupe(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def find_notes(text: str, start: int, end: int) -> list[ResponsibilityNote]:
    """Responsibility notes in the line ``text[start:end]``: the one closing it, and any
    that close a sentence inside it (``…。(合肥海关负责)巩固…``)."""
    notes: list[ResponsibilityNote] = []
    trailing = find_trailing_note(text, start, end)
    limit = trailing.start if trailing else end
    depth = 0
    open_at = -1
    for i in range(start, limit):
        ch = text[i]
        if ch in "(（":
            if depth == 0:
                open_at = i
            depth += 1
        elif ch in ")）" and depth > 0:
            depth -= 1
            if depth == 0 and open_at > start and _after_terminator(text, start, open_at):
                note = find_trailing_note(text, open_at, i + 1, whole=True)
                if note is not None:
                    notes.append(note)
    if trailing:
        notes.append(trailing)
    return notes


def _after_terminator(text: str, start: int, i: int) -> bool:
    j = i - 1
    while j >= start and text[j] in SPACE:
        j -= 1
    return j >= start and text[j] in "。；;"


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
        inline = _inline_heading_at(text, _strip(text, pos, line_end)[0], line_end)
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
