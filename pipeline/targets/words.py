"""The word-level helpers of the target component: phrases of whole tokens, item
boundaries, and reading an indicator's words (what opens an item and is not the
indicator, list items sharing a head or a verb, quotation marks, qualifiers).

``RuleWords`` declares the word lists ``TargetRecognizer.set_rules`` reads from the rules,
so the reading steps (``pipeline.targets.reading``) and these helpers can use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from pipeline.targets.items import Candidate
from pipeline.targets.rules import (
    CLOSERS,
    DIST_JOINERS,
    HARD_BOUNDARY,
    LEAD_MARK,
    LEVEL_SUFFIX,
    OPENERS,
    SCOPE_ENDS,
    SOFT_BOUNDARY,
    Rules,
)
from pipeline.targets.tokenizer import normalise

# An administrative level alone (``省级``, ``国家级``, ``市级以上``): an item that names only its
# level shares the head of the item beside it (``国家级示范区5个、省级20个``).
LEVEL_ONLY = re.compile(r"[\u4e00-\u9fff]{1,3}级(?:及?以上)?")


def with_level(level: str, reference: str) -> str:
    """``省级`` with the head of ``国家级农业标准化示范区`` → ``省级农业标准化示范区``; the level
    alone when the reference does not open with a level of its own."""
    m = LEVEL_ONLY.match(reference)
    return level + reference[m.end():] if m and m.end() < len(reference) else level


class RuleWords:
    """Word lists of the rules (set by ``TargetRecognizer.set_rules``) and helpers over them."""

    rules: Rules
    vocab: Vocab
    matcher: Matcher
    _split_at: dict[str, int]
    units: set[str]
    multipliers: list[tuple[str, int]]
    no_multiply: set[str]
    cmp_prefix: dict[str, str]
    cmp_suffix: dict[str, str]
    kind_verbs: dict[str, str]
    object_verbs: set[str]
    skip_leading: set[str]
    drop_trailing: set[str]
    per_year_words: set[str]
    subsidy_words: set[str]
    debris_words: set[str]
    past_markers: set[str]  # 已, 了, 以来: the past
    base_period_markers: set[str]  # 同比, 较上年: the past unless the item looks ahead
    commitment_words: set[str]
    time_heads: tuple[str, ...]  # 寿命, 年限: indicators measured in years of age or schooling
    time_measure_units: set[str]
    rate_heads: tuple[str, ...]
    carry_verbs: set[str]
    quotes: str
    trailing_nominal: set[str]
    subject_heads: tuple[str, ...]
    unit_denominators: set[str]
    noun_like_verbs: dict[str, set[str]]
    scope_words: set[str]
    compare_base_rx: re.Pattern[str]
    enumeration_rx: re.Pattern[str]
    scope_heads: tuple[str, ...]
    qualifier_rx: re.Pattern[str]
    action_verbs: set[str]
    item_words: set[str]  # verbs and comparators: an item without them is bare nouns
    approx_words: set[str]
    verb_like_comparators: set[str]
    count_units: set[str]
    count_qualifiers: set[str]
    programme_heads: tuple[str, ...]
    _max_phrase: int

    def _phrase_at_end(self, toks: Sequence[Token], phrases: Any) -> tuple[str, int] | None:
        """Longest phrase (joined norms of whole tokens) ending at the end of ``toks``."""
        best = None
        for n in range(1, min(self._max_phrase, len(toks)) + 1):
            s = "".join(t.norm_ for t in toks[-n:])
            if s in phrases and (best is None or len(s) > len(best[0])):
                best = (s, n)
        return best

    def _phrase_at_start(self, toks: Sequence[Token], phrases: Any) -> tuple[str, int] | None:
        best = None
        for n in range(1, min(self._max_phrase, len(toks)) + 1):
            s = "".join(t.norm_ for t in toks[:n])
            if s in phrases and (best is None or len(s) > len(best[0])):
                best = (s, n)
        return best

    def _has_word(self, toks: Doc | Span | Sequence[Token], words: set[str]) -> bool:
        """Whether a phrase of ``words`` is a run of whole tokens of ``toks``."""
        norms = [t.norm_ for t in toks]
        joined = "".join(norms)
        if not any(w in joined for w in words):
            return False  # not even as a substring (most texts): no token run can be one
        for i in range(len(norms)):
            acc = ""
            for j in range(i, min(i + self._max_phrase, len(norms))):
                acc += norms[j]
                if acc in words:
                    return True
        return False

    @staticmethod
    def _hard(doc: Doc, i: int, depth: list[int]) -> bool:
        return doc[i].norm_ in HARD_BOUNDARY and (depth[i] == 0 or doc[i].norm_ in "。；;")

    @staticmethod
    def _soft(doc: Doc, i: int, depth: list[int]) -> bool:
        return doc[i].norm_ in SOFT_BOUNDARY and depth[i] == 0

    @staticmethod
    def _span_text(doc: Doc, toks: Sequence[Token]) -> str:
        return doc.text[toks[0].idx:toks[-1].idx + len(toks[-1])]

    def _subsidy_context(self, doc: Doc, seg_start: int, seg_end: int, depth: list[int]) -> bool:
        """Subsidy, reward or penalty words in this segment or the next one (addendum B3)."""
        end = seg_end + 1
        while end < len(doc) and not self._hard(doc, end, depth):
            end += 1
        return self._has_word(doc[seg_start:end], self.subsidy_words)

    @staticmethod
    def _pieces_text(doc: Doc, toks: Sequence[Token]) -> str:
        """Text of tokens that may not be contiguous: contiguous runs joined."""
        out, run = [], [toks[0]]
        for t in toks[1:]:
            if t.i == run[-1].i + 1 or (t.i == run[-1].i + 2 and doc[run[-1].i + 1].is_space):
                run.append(t)
            else:
                out.append(RuleWords._span_text(doc, run))
                run = [t]
        out.append(RuleWords._span_text(doc, run))
        return "".join(out)

    def _scope_prefix(self, toks: Sequence[Token]) -> str | None:
        """The scope words that open an indicator (``新开工大中型工程项目``), if any."""
        for j in range(len(toks) - 1, 0, -1):
            if toks[j - 1].norm_.endswith(self.scope_heads):
                return self._span_text(toks[0].doc, toks[:j])
        return None

    def _skip_scope_phrase(self, doc: Doc, start: int, end: int) -> int:
        """Skip ``在…等领域`` at the start of an item: it scopes the target, it is not the indicator."""
        i = start
        while i < end and (doc[i].is_space or doc[i].norm_ in self.skip_leading and doc[i].norm_ != "在"):
            i += 1
        if i < end and doc[i].norm_ == "在":
            for j in range(i + 1, min(end, i + 60)):
                if doc[j].norm_ in HARD_BOUNDARY:
                    break
                if doc[j].norm_ in SCOPE_ENDS and j + 1 < end:
                    return j + 1
        return start

    def _trim_right(self, toks: list[Token]) -> list[Token]:
        """The indicator after a number: drop a trailing note in brackets, 的, 建设 …"""
        toks = list(toks)
        changed = True
        while toks and changed:
            changed = False
            if toks[-1].norm_ in CLOSERS:
                opener = CLOSERS[toks[-1].norm_]
                for j in range(len(toks) - 2, -1, -1):
                    if toks[j].norm_ == opener:
                        toks = toks[:j]
                        break
                else:
                    toks = toks[:-1]
                changed = True
            elif toks[-1].norm_ in self.trailing_nominal:
                toks = toks[:-1]
                changed = True
        return toks

    def _shared_head(self, doc: Doc, nxt: Candidate, seg_end: int, depth: list[int]) -> list[Token]:
        """``6个国家级、30个省级科技创新平台``: the head noun the next item shares."""
        toks = []
        for i in range(nxt.end, seg_end):
            if self._soft(doc, i, depth) or self._hard(doc, i, depth):
                break
            if not doc[i].is_space:
                toks.append(doc[i])
        toks = self._trim_right(toks)
        while toks and toks[0].norm_.endswith(LEVEL_SUFFIX):
            toks = toks[1:]
        return toks

    def _distribute(self, doc: Doc, start: int, end: int, depth: list[int]) -> list[str]:
        """``A的B、C和D分别占比…``: one indicator per listed item, sharing prefix and suffix."""
        toks = [t for t in doc[start:end] if not t.is_space]
        cut = next((j for j, t in enumerate(toks) if t.norm_ == "分别"), len(toks))
        tail = self._span_text(doc, toks[cut + 1:]) if cut + 1 < len(toks) else ""
        items: list[list[Token]] = [[]]
        for t in toks[:cut]:
            if t.norm_ in DIST_JOINERS and depth[t.i] == 0:
                items.append([])
            else:
                items[-1].append(t)
        items = [i for i in items if i]
        if len(items) < 2:
            return []
        first = items[0]
        prefix = ""
        for j in range(len(first) - 1, 0, -1):
            if first[j - 1].norm_.endswith(self.scope_heads):
                prefix = self._span_text(doc, first[:j])
                break
        out = []
        last = self._span_text(doc, items[-1])
        for k, it in enumerate(items):
            body = self._span_text(doc, it)
            if k < len(items) - 1 and LEVEL_ONLY.fullmatch(body):
                body = with_level(body, last)  # ``国家级和省级专精特新企业``: the levels share the head
            out.append(body + tail if k == 0 or body.startswith(prefix) else prefix + body + tail)
        return out

    def _lead_verb(self, work: list[Token]) -> tuple[str, int] | None:
        """An object verb opening the item, unless coordinated (``组织或参与制修订…`` is kept)."""
        hit = self._phrase_at_start(work, self.object_verbs | self.action_verbs)
        if hit and len(work) > hit[1] and work[hit[1]].norm_ in ("或", "和", "及", "与", "并"):
            return None
        if hit and hit[0] in self.noun_like_verbs and (
                len(work) <= hit[1] or work[hit[1]].norm_ not in self.noun_like_verbs[hit[0]]):
            return None  # ``研发投入``: 研发 names the thing unless it takes an object (``研发新产品``)
        return hit

    def _strip_leading(self, work: list[Token], deadlines: list[tuple[int, int, int]]) -> list[Token]:
        """Drop what opens an item but is not the indicator: deadlines, fillers, numbering."""
        changed = True
        while work and changed:
            changed = False
            t = work[0]
            mark = LEAD_MARK.match(t.doc.text, t.idx)
            if mark and mark.end() > t.idx:
                # ``——``, ``•``, ``①``, ``（1）``, ``1.``: a bullet or number opening a list item.
                work = [u for u in work if u.idx >= mark.end()]
                changed = True
                continue
            if t.is_space or t.norm_ in HARD_BOUNDARY or t.norm_ in SOFT_BOUNDARY or t.norm_ in "()（）" \
                    or t.norm_ in self.quotes:
                work = work[1:]
                changed = True
                continue
            if any(s <= t.idx < e for s, e, _ in deadlines) or self.enumeration_rx.fullmatch(t.norm_):
                work = work[1:]
                changed = True
                continue
            hit = self._phrase_at_start(work, self.skip_leading | self.per_year_words)
            if hit:
                # ``在…领域/方面/中``: a prepositional scope, skip to its end.
                if hit[0] == "在":
                    for j, u in enumerate(work[1:40], start=1):
                        if u.norm_ in ("领域", "方面", "中", "上", "内", "里", "基础上", "范围内"):
                            work = work[j + 1:]
                            break
                    else:
                        work = work[1:]
                else:
                    work = work[hit[1]:]
                changed = True
                continue
            if re.fullmatch(r"[0-9]{4}年(?:底|末)?", t.norm_) or t.norm_ in ("年底", "年末", "底", "前"):
                work = work[1:]
                changed = True
        return work

    def _carry_prefix(self, toks: list[Token]) -> tuple[str, str] | None:
        """``主导和参与制订国际标准5个、国家标准100个``: the verb phrase later items share.

        Returns (verb phrase, head noun); a later item takes the phrase when it ends in
        the same head noun and has no verb of its own.
        """
        last = None
        for j, t in enumerate(toks):
            if t.norm_ in self.carry_verbs:
                last = j
        if last is None or last == len(toks) - 1:
            return None
        return self._span_text(toks[0].doc, toks[: last + 1]), toks[-1].norm_

    def _clean_indicator(self, s: str) -> str:
        """Drop quotation and book-title marks (addendum D3) and stray brackets; reorder
        ``农产品加工企业年产值过亿元企业`` → ``年产值过亿元农产品加工企业`` (guide §3)."""
        s = "".join(ch for ch in s if ch not in self.quotes).strip(" \t\u3000")
        m = self.compare_base_rx.search(normalise(s))
        if m and m.start() > 0:
            s = s[: m.start()]  # ``投资规模较2023年``: the base of the change is not the indicator
        while s and s[-1] in CLOSERS and CLOSERS[s[-1]] not in s:
            s = s[:-1]
        while s and s[0] in OPENERS and OPENERS[s[0]] not in s:
            s = s[1:]
        norm = normalise(s)
        m = self.qualifier_rx.search(norm)
        if m and m.start() > 0:
            head_before, qual, after = s[: m.start()], s[m.start():m.end()], s[m.end():]
            if after and head_before.endswith(after):
                s = qual + head_before
        return s.strip()
