"""The targets of a whole document: every clause searched, deadlines and the past read from
the document, indicator tables read row by row.

``extract_document_targets`` runs the spaCy target component (``pipeline.targets``) over
every clause that holds a numeral, whatever its label (the label is decided afterwards,
together with the targets: ``pipeline.classify.joint``), and then uses the document around each
clause:

- **Deadlines** (guide §3 ``year``, addendum C1/D14/D21/E8/E12), each with its source in
  ``year_source``: ``clause`` (a deadline in the clause: before the number, else after it in
  the clause), ``heading`` (the nearest heading of its chain naming a deadline or a plan
  period: ``到2025年``, ``“十四五”``, ``（2021—2025年）``), ``goals_lead`` (a sentence opening
  its paragraph with a deadline, or a lead-in sentence governing its list or section),
  ``plan_period`` (the period in the document's title), ``document_year`` (``今年``,
  ``年底``, ``明年``, ``近3年`` counted from the document's own year), ``table_header`` (the
  year column of an indicator table), or null when none is stated.
- **The past is not a target** (guide rule 1, addendum B4/E4): clauses under a heading that
  reviews the past (``发展现状``, ``“十三五”时期…`` in a later document), sentences that open
  with a past time (``2020年，`` before the document's year, ``5年来``, ``去年``,
  ``截至2020年底``) and the rest of a paragraph that opens so (unless a sentence of it opens
  with a deadline still ahead) report facts. Inside a clause the component itself drops
  quantities after aspect and tense markers (``已``, ``了``, ``同比``).
- **Web addresses** (``https://…``, percent-encoded text) hold digits and ``%`` signs that
  are never quantities: targets overlapping them are dropped.
- **Indicator tables** (``pipeline.targets.tables``): rows of a table whose header names a
  target year give one target per target-year cell; those rows are not read as sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.text.numbers import fold, parse_number
from pipeline.text.script import t2s_same_length

YEAR_SOURCES = ("clause", "heading", "goals_lead", "plan_period", "document_year", "table_header")

URL = re.compile(r"(?:https?://|www\.)[^\s\u3000\u4e00-\u9fff，。；）)」】]+|(?:%[0-9A-Fa-f]{2}){2,}")
_YEAR = r"(?:19|20)\d{2}"
# A year that is the base of a comparison (``较2020年下降5%``), not a deadline.
_BASE_BEFORE = re.compile(r"(?:较|比|与|同|相比|相较于?|对比)\s*$")
# Sentence openings that place what follows in the past.
_PAST_OPENING = re.compile(
    r"^(?:过去|近年来|近几年来|近些年来|多年来|长期以来|近?[0-9一二三四五六七八九十两]+年来|"
    r"[^，,。；]{0,14}以来|去年|上年|前年|截至目前|截止目前|到目前为止|目前|当前|现阶段|此前)"
)
# A clause opening on a year (``2023年，``, ``2023年全市…``, ``2023年3月``), not on a deadline
# (``2023年前``, ``2023年底前``) or the start of something still running (``2022年起``).
_YEAR_OPENING = re.compile(rf"^({_YEAR})\s*年(?:上半年|下半年|前三季度|全年|一季度|底|末|度)?"
                           r"(?!\s*(?:前|底前|之前|以前|起|开始|后))")
# A clause opening on a span of years (``2018—2022年，``): the past when it ended before the
# document's year.
_RANGE_OPENING = re.compile(rf"^{_YEAR}\s*年?\s*[-—–~～至到]+\s*({_YEAR})\s*年"
                            r"(?!\s*(?:前|底前|之前|以前|起|开始|后))")
_CUTOFF = re.compile(rf"(?:截至|截止|截止到|截至到)\s*({_YEAR})\s*年")
# A preamble's purpose sentence (``为…，现提出如下意见``, guide rule 4) looks ahead: it ends a
# review that opened its paragraph (``近年来…取得积极成效…。为加快…，现提出如下意见。``).
_PURPOSE_OPENING = re.compile(r"^为了?[^。]{4,}?(?:特制定|现提出|制定本|提出如下|现就|特提出|制定如下|制订本)")
_PLAN_OPENING = re.compile(r"^[“\"]?(十[一二三四五六七八九]五)[”\"]?\s*(时期|期间|以来|期末|末)")
# A plan period alone (``十四五``), not a deadline of its own (``十四五期末`` is one).
_PLAN_ONLY = re.compile(r"^十[一二三四五六七八九]五$")
# A heading about a period: ``“十三五”时期``, ``2016—2020年``, ``过去五年`` (past when it ended
# before the document's year).
_PAST_PERIOD = re.compile(r"十[一二三四五六七八九]五|(?:19|20)\d{2}\s*[-—–~～至到]+\s*(?:19|20)\d{2}|时期|以来|期间")
_TIME_CHAR = re.compile(r"[0-9十今明年近来底末截目过去上前此以当现]")
_DEADLINE_OPENING = re.compile(rf"^(?:到|至|截至|力争到|力争|争取到|预计到)?\s*({_YEAR})\s*年")
_ENUM = re.compile(r"^(?:[（(][一二三四五六七八九十0-9]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、.．]|[0-9]{1,3}[、.．]|[①-⑳]|——|[-—·•])\s*")


# A year written in Chinese numerals (``二〇二五年``): read as its digits, same length.
_CN_YEAR = re.compile(r"(?:一九|二[〇零○])[〇零○一二三四五六七八九]{2}(?=\s*年)")
_CN_DIGIT = str.maketrans("〇零○一二三四五六七八九", "000123456789")


def normalise(text: str) -> str:
    """Simplified script, full-width folded, years in Chinese numerals as digits; same length
    (the form every rule reads)."""
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGIT), fold(t2s_same_length(text)))


@dataclass(frozen=True)
class Deadline:
    """A time expression in a text: where it is, its year or offset, and what it is."""

    start: int
    end: int
    year: int | None  # absolute year; None for a relative one
    offset: int | None = None  # years after the document's own year (今年 0, 明年 1, 近3年 3)
    kind: str = "deadline"  # deadline | relative | base | past


def find_deadlines(rec: Any, text: str, doc_year: int | None = None) -> list[Deadline]:
    """Deadlines and other time expressions of ``text`` (module docstring), in order."""
    norm = normalise(text)
    found: list[Deadline] = []

    def free(s: int, e: int) -> bool:
        return not any(d.start <= s < d.end or s <= d.start < e for d in found)

    for rx in rec.deadline_rx:
        for m in rx.finditer(norm):
            if not free(m.start(), m.end()):
                continue
            gd = m.groupdict()
            if gd.get("year"):
                year = int(gd["year"])
            elif gd.get("plan") in rec.plan_periods:
                year = int(rec.plan_periods[gd["plan"]])
            else:
                continue
            kind = "deadline"
            if _BASE_BEFORE.search(norm[max(0, m.start() - 4):m.start()]):
                kind = "base"
            elif doc_year and year < doc_year and (_CUTOFF.match(norm, m.start()) or m.start() == 0 and
                                                    _YEAR_OPENING.match(norm)):
                kind = "past"
            found.append(Deadline(m.start(), m.end(), year, None, kind))
    for rx in rec.relative_rx:
        for m in rx.finditer(norm):
            n = parse_number(m.group("rel"))
            if n is None or not 0 < n <= 30 or not free(m.start(), m.end()):
                continue
            found.append(Deadline(m.start(), m.end(), None, int(n), "relative"))
    for word, off in rec.document_year_words.items():
        for m in re.finditer(re.escape(word), norm):
            if free(m.start(), m.end()):
                found.append(Deadline(m.start(), m.end(), None, int(off), "relative"))
    return sorted(found, key=lambda d: d.start)


def as_triples(deadlines: Sequence[Deadline]) -> list[tuple[int, int, int]]:
    """(start, end, year) for the component: a relative deadline as ``-offset`` (0 for 今年)."""
    out = []
    for d in deadlines:
        if d.kind == "deadline" and d.year:
            out.append((d.start, d.end, d.year))
        elif d.kind == "relative" and d.offset is not None:
            out.append((d.start, d.end, -d.offset))
    return out


def plan_period_year(rec: Any, text: str | None) -> int | None:
    """End year of a plan period named in ``text`` (``(2016—2020年)`` → 2020, ``十四五`` → 2025,
    ``2015年行动计划`` → 2015), as in a title or a heading."""
    if not text:
        return None
    norm = normalise(text)
    for rx in rec.title_rx:
        m = rx.search(norm)
        if m:
            gd = m.groupdict()
            if gd.get("year"):
                return int(gd["year"])
            if gd.get("plan") in rec.plan_periods:
                return int(rec.plan_periods[gd["plan"]])
    return None


def title_year(rec: Any, title: str | None) -> int | None:
    """End year of the plan period named in a document title (``plan_period_year``)."""
    return plan_period_year(rec, title)


class DocumentYears:
    """Deadlines and the past of one document's clauses, read in document order.

    ``observe(clause)`` is called for every clause in order; ``is_past(clause)`` and
    ``inherited(clause)`` answer for the clause last observed.
    """

    def __init__(self, rec: Any, title: str | None, doc_year: int | None, text: str | None = None):
        self.rec = rec
        self.doc_year = doc_year
        self.title_year = plan_period_year(rec, title)
        self.text = text
        self._heading_cache: dict[str, tuple[int | None, int | None, bool]] = {}
        self._goal_cache: dict[str, bool] = {}
        self._lead_ins: list[tuple[tuple[str, ...], int]] = []
        self._paragraph: int | None = None
        self._paragraph_year: int | None = None
        self._paragraph_past = False
        self._open_sentence = False
        self._past = False
        self._own_year: int | None = None
        self._inherit_paragraph: int | None = None
        self._lead_now: int | None = None
        self._line_starts: list[int] | None = None

    # -- reading the document -------------------------------------------------
    def observe(self, clause: Any) -> None:
        """Read one clause (in document order): its paragraph, its opening, its lead-in role."""
        section = tuple(clause.section or ())
        para = self._paragraph_of(clause)
        # Only the opening matters here: the first 40 characters, read only when they could
        # hold a time (a digit, 十…五, 年) — most clauses cannot, and this runs on every clause.
        opening = _ENUM.sub("", normalise(clause.text[:48]).lstrip(" *#>")).lstrip()[:40]
        dls = find_deadlines(self.rec, opening, self.doc_year) if _TIME_CHAR.search(opening) else []
        first = dls[0] if dls and dls[0].start <= 2 else None
        past_opening = self._past_opening(opening, first)
        ahead = first is not None and first.kind == "deadline" and first.year is not None and (
            self.doc_year is None or first.year >= self.doc_year)
        same_sentence = para == self._paragraph and self._open_sentence
        if para != self._paragraph:
            self._paragraph, self._paragraph_year, self._paragraph_past = para, None, past_opening
        elif ahead or opening.startswith("为") and _PURPOSE_OPENING.match(_ENUM.sub("", normalise(clause.text)).lstrip()):
            self._paragraph_past = False
        elif past_opening:
            self._paragraph_past = True
        if not same_sentence and not self._in_goals(section):
            self._paragraph_year = None  # D21: outside a goals part a deadline governs its sentence
        self._open_sentence = clause.text.rstrip().endswith(("；", ";", "，", ",", "：", ":"))
        self._past = past_opening or self._paragraph_past or self._past_section(section)
        self._own_year = first.year if ahead and first is not None else None
        self._inherit_paragraph = self._paragraph_year
        if self._own_year is not None and not clause.is_heading:
            self._paragraph_year = self._own_year
        lead = self._lead_in(clause.text, section)
        self._lead_now = lead
        if lead is not None and not clause.is_heading:
            self._lead_ins.append((section, lead))

    def is_past(self, clause: Any) -> bool:
        """Whether the clause last observed reports the past (module docstring)."""
        return self._past

    def inherited(self, clause: Any) -> tuple[int | None, str | None]:
        """(year, year_source) a target of the clause takes when the clause names no deadline."""
        section = tuple(clause.section or ())
        y = self._heading_year(section, periods=False)
        if y is not None:
            return y, "heading"
        if self._inherit_paragraph is not None:
            return self._inherit_paragraph, "goals_lead"
        for sec, yr in reversed(self._lead_ins):
            if section[: len(sec)] == sec and (sec, yr) != (section, self._lead_now):
                return yr, "goals_lead"
        # A plan period named in a heading (``（2021—2025年）``, ``“十四五”``) or the title.
        y = self._heading_year(section, periods=True)
        if y is not None:
            return y, "heading"
        if self.title_year is not None:
            return self.title_year, "plan_period"
        return None, None

    # -- helpers --------------------------------------------------------------
    def _paragraph_of(self, clause: Any) -> int | None:
        """The source line of a clause (clauses of one line form a paragraph)."""
        if self.text is None:
            return None
        if self._line_starts is None:
            self._line_starts = [m.end() for m in re.finditer("\n", self.text)]
        import bisect

        return bisect.bisect_right(self._line_starts, clause.start)

    def _in_goals(self, section: tuple[str, ...]) -> bool:
        """Whether a heading of the chain names a goals part (``发展目标``, ``主要指标``) (E12)."""
        for h in section:
            if h not in self._goal_cache:
                norm = normalise(h)
                self._goal_cache[h] = any(cue in norm for cue in self.rec.goal_section_cues)
            if self._goal_cache[h]:
                return True
        return False

    def _past_opening(self, opening: str, first: Deadline | None) -> bool:
        m = _PLAN_OPENING.match(opening)
        if m and m.group(2) == "以来" and m.group(1) in self.rec.plan_periods:
            # ``“十四五”以来``: since the plan began (its last year less four), so the past
            # once that start is behind the document, though the plan itself still runs.
            return self.doc_year is None or int(self.rec.plan_periods[m.group(1)]) - 4 <= self.doc_year
        if _PAST_OPENING.match(opening) and not (first and first.kind == "deadline"):
            return True
        if first is not None and first.kind == "past":
            return True
        m = _RANGE_OPENING.match(opening)
        if m and self.doc_year and int(m.group(1)) < self.doc_year:
            return True
        m = _PLAN_OPENING.match(opening)
        if m and self.doc_year and m.group(1) in self.rec.plan_periods:
            return int(self.rec.plan_periods[m.group(1)]) < self.doc_year
        return False

    def _past_section(self, section: tuple[str, ...]) -> bool:
        for h in section:
            if h not in self._heading_cache:
                self._heading_year_of(h)
            if self._heading_cache[h][2]:
                return True
        return False

    def _heading_year_of(self, heading: str) -> tuple[int | None, int | None, bool]:
        """(deadline year, plan-period year, reviews the past) of one heading."""
        if heading in self._heading_cache:
            return self._heading_cache[heading]
        norm = normalise(heading)
        past = any(cue in norm for cue in self.rec.past_section_cues)
        dls = [d for d in find_deadlines(self.rec, heading, self.doc_year) if d.kind == "deadline" and d.year]
        deadline = dls[0].year if dls and not _PLAN_ONLY.search(norm[dls[0].start:dls[0].end]) else None
        period = plan_period_year(self.rec, heading)
        if self.doc_year and (deadline or period or self.doc_year) < self.doc_year and _PAST_PERIOD.search(norm):
            past = True  # ``“十三五”时期发展成就`` in a 2021 plan
        if self.doc_year and deadline is not None and deadline < self.doc_year:
            deadline = None
        if self.doc_year and period is not None and period < self.doc_year:
            period = None
        self._heading_cache[heading] = (deadline, period, past)
        return deadline, period, past

    def _heading_year(self, section: tuple[str, ...], periods: bool) -> int | None:
        for heading in reversed(section):
            deadline, period, _ = self._heading_year_of(heading)
            year = period if periods else deadline
            if year is not None:
                return year
        return None

    def _lead_in(self, text: str, section: Sequence[str]) -> int | None:
        """The deadline year of a lead-in sentence that introduces a list of goals, else None."""
        if "年" not in text and "五" not in text:
            return None  # every deadline pattern names a year (…年) or a plan period (十…五)
        norm = normalise(text).rstrip()
        dl = [d for d in find_deadlines(self.rec, norm, self.doc_year) if d.kind == "deadline" and d.year]
        if not dl:
            return None
        if norm.endswith((":", "：")) or ":" in norm or any(c in norm for c in self.rec.lead_in_cues):
            return dl[0].year
        # In a goals section, a clause that opens with its deadline (``到2027年，…``) sets it
        # for the clauses after it.
        if self.rec.enumeration_rx.sub("", norm[: dl[0].start]).strip(" *#") == "" and any(
                cue in normalise(h) for h in section for cue in self.rec.goal_section_cues):
            return dl[0].year
        return None


def url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of web addresses and percent-encoded text in ``text``."""
    return [m.span() for m in URL.finditer(text)]


def extract_document_targets(nlp: Any, clauses: Sequence[Any], title: str | None,
                             doc_year: int | None = None, text: str | None = None,
                             past: list[bool] | None = None) -> list[dict]:
    """One dict per target in the clauses of one document (in order), offsets into the document.

    Keys: clause_seq, start, end, text, indicator, value, value_max, unit, comparator, kind,
    year, year_source, per_year. ``doc_year`` is the document's own year (issue date, else
    the year in its title); ``text`` the document text (its line breaks make paragraphs).
    When ``past`` is a list, it receives one flag per clause: whether the clause reports the
    past (addendum E4; the label decision uses it, ``pipeline.classify.joint``).
    """
    from pipeline.targets import FIELDS, PolicyChineseTokenizer, get_recognizer, has_numeral
    from pipeline.targets.tables import table_targets

    rec = get_recognizer(nlp)
    years = DocumentYears(rec, title, doc_year, text)
    tables = table_targets(rec, clauses, doc_year, years.title_year)
    table_rows = {seq for t in tables for seq in t.get("row_seqs", (t["clause_seq"],))}
    out: list[dict] = []
    gated = [has_numeral(c.text) and c.seq not in table_rows for c in clauses]
    texts = [c.text for c, g in zip(clauses, gated, strict=True) if g]
    tok = nlp.tokenizer
    # The tokenizer's pipe segments the batch in one pass (FastPkuseg); spaCy's pipe takes Docs.
    made = tok.pipe(texts) if isinstance(tok, PolicyChineseTokenizer) else texts
    docs = iter(nlp.pipe(made, batch_size=64))
    by_seq: dict[int, list[dict[str, Any]]] = {t["clause_seq"]: [] for t in tables}
    for t in tables:
        by_seq[t["clause_seq"]].append({k: v for k, v in t.items() if k != "row_seqs"})
    for clause, g in zip(clauses, gated, strict=True):
        years.observe(clause)
        if past is not None:
            past.append(years.is_past(clause))
        out.extend(by_seq.get(clause.seq, []))
        if not g:
            continue
        spans = next(docs).spans.get(rec.spans_key, [])
        if not spans or years.is_past(clause):
            continue
        urls = url_spans(clause.text)
        inherited: tuple[int | None, str | None] | None = None
        for sp in spans:
            if any(s < sp.end_char and sp.start_char < e for s, e in urls):
                continue
            rec_ = {k: getattr(sp._, k) for k in FIELDS}
            source: str | None = "clause" if rec_["year"] is not None else None
            if rec_["year"] is None and sp._.year_offset is not None:
                rec_["year"] = doc_year + sp._.year_offset if doc_year else None
                source = "document_year" if doc_year else None
            elif rec_["year"] is None:
                inherited = inherited or years.inherited(clause)
                rec_["year"], source = inherited
            out.append({
                "clause_seq": clause.seq,
                "start": clause.start + sp.start_char,
                "end": clause.start + sp.end_char,
                "text": sp.text,
                **rec_,
                "year_source": source,
            })
    return out
