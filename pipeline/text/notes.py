"""Responsibility notes (guide §1): a trailing ``(…牵头,…配合)`` or a bare list of agencies
that closes a provision is metadata of its clauses, not a clause; and the white space that
clause ends are stripped of (shared with ``segment``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# White space stripped from clause ends: ASCII, ideographic space, NBSP and friends.
SPACE = " \t\u3000\u00a0\u2002\u2003\u2009\r\f\v"


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
# A name that ends like a body's but is not one (``产业布局``, ``全社会``, ``大会``).
NOT_A_BODY = re.compile(r"(?:布局|格局|全局|大局|结局|結局|开局|開局|新局|破局|社会|社會|机会|機會|大会|大會|行业|行業)$")
LEAD_SUFFIX = re.compile(r"(?:牵头负责|牽頭負責|牵头|牽頭|按职责分工负责|按職責分工負責|负责|負責)$")
PARTNER_SUFFIX = re.compile(r"(?:配合|参与|參與|协同|協同|协助|協助)$")


@dataclass(frozen=True)
class ResponsibilityNote:
    """A trailing ``(…牵头,…配合)`` note: metadata of the provision it closes."""

    start: int
    end: int
    text: str
    lead_agencies: tuple[str, ...]
    partner_agencies: tuple[str, ...]


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
