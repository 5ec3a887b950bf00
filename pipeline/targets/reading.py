"""Reading a clause's quantities as targets, in the order of the guide's §3: find the
quantities; then, item by item, what is not a target (guide rule 1), the comparator and the
change verb, the indicator (before the number, or after it: ``建成6个…中心``), and the
deadline. Items of one list share what they leave out: a verb, a kind, a per-year word, a
scope, a verb phrase (``Chain``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from spacy.tokens import Doc, Token

from pipeline.targets.items import Chain, ClauseContext, Item, LeftWords, Reading
from pipeline.targets.relations import ItemRelations
from pipeline.targets.rules import (
    CLOSERS,
    CLOSING_QUOTES,
    HARD_BOUNDARY,
    LEVEL_SUFFIX,
    LIST_JOINERS,
    OPENERS,
    _bracket_depth,
)
from pipeline.targets.tokenizer import normalise
from pipeline.targets.words import LEVEL_ONLY, with_level
from pipeline.text.numbers import clean


class ItemReading(ItemRelations):
    """Steps 2–5 of ``TargetRecognizer`` (this module's docstring)."""

    def _deadlines(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(start_char, end_char, year) of deadline expressions in the clause; a relative one
        (``今年``, ``近3年``) has ``-offset`` as its year (see ``document.as_triples``)."""
        from pipeline.targets.document import as_triples, find_deadlines

        return as_triples(find_deadlines(self, "".join(t.norm_ + t.whitespace_ for t in doc)))

    def _extract(self, doc: Doc) -> list[Reading]:
        """The targets of one clause: (quantity, fields, token span of its text)."""
        cands = self._find_quantities(doc)
        if not cands or self._has_word(doc, self.debris_words) or self._has_word(doc, self.subsidy_words):
            return []
        clause = ClauseContext(doc, cands, self._deadlines(doc), _bracket_depth(doc))
        chain = Chain()
        out = []
        start_of: tuple[int, list[Token]] | None = None  # a 由/从 baseline just read
        for idx, c in enumerate(cands):
            item = self._item(clause, chain, idx)
            if self._threshold(clause, item):
                continue  # not a target: it belongs to the next item's indicator (guide §3)
            if start_of is not None:  # ``由120座增加到200座``: the indicator and the verb, no baseline
                cut, verb = start_of
                item = replace(item, left=[t for t in item.left if t.i < cut] + verb,
                               between=[t for t in item.between if t.i < cut] + verb)
            start_of = self._baseline(clause, idx)
            if start_of is not None:
                continue  # the baseline of a change is context, not a target
            reading = self._read_item(clause, chain, item)
            chain.prev_end = c.end
            if reading is not None:
                out.append(reading)
        return out

    def _item(self, clause: ClauseContext, chain: Chain, idx: int) -> Item:
        """The words around quantity ``idx``: its segment, what is left and right of it."""
        doc, depth, c = clause.doc, clause.depth, clause.cands[idx]
        seg_start = c.start
        while seg_start > 0 and not self._hard(doc, seg_start - 1, depth):
            seg_start -= 1
        seg_end = c.end
        while seg_end < len(doc) and not self._hard(doc, seg_end, depth):
            seg_end += 1
        new_chain = seg_start >= chain.prev_end
        if new_chain:
            chain.kind, chain.per_year, chain.rate_prefix = None, False, None
        item_start = self._skip_scope_phrase(doc, max(seg_start, chain.prev_end), c.start)
        if depth[c.start] > depth[item_start]:  # inside brackets: the item starts after the bracket
            for i in range(c.start - 1, item_start - 1, -1):
                if doc[i].norm_ in OPENERS and depth[i] == depth[c.start] - 1:
                    item_start = i + 1
                    break
        soft = [i for i in range(item_start, c.start) if self._soft(doc, i, depth)]
        left = [t for t in doc[(soft[-1] + 1) if soft else item_start:c.start] if not t.is_space]
        between = [t for t in doc[item_start:c.start] if not t.is_space]
        next_start = clause.cands[idx + 1].start if idx + 1 < len(clause.cands) else len(doc)
        right_end = aside_end = c.end
        if c.end < len(doc) and doc[c.end].norm_ in OPENERS:
            # ``2400户（累计约3600户）大中型餐饮单位``: an aside in brackets right after the number is
            # not what is counted; the words after it are, and its own numbers are read for themselves.
            close = next((j for j in range(c.end + 1, seg_end) if doc[j].norm_ in CLOSERS
                          and depth[j] == depth[c.end] + 1), None)
            if close is not None:
                right_end = aside_end = close + 1
                next_start = next((k.start for k in clause.cands[idx + 1:] if k.start >= aside_end), len(doc))
        while right_end < min(seg_end, next_start):
            if doc[right_end].norm_ in LIST_JOINERS and right_end + 1 < len(doc) and \
                    (doc[right_end + 1]._.num_like or doc[right_end + 1]._.pct_like or next_start < seg_end):
                break  # ``1万个和充电桩3000个``: a joiner before the next item of the segment ends this one
            if self._soft(doc, right_end, depth) and (
                    right_end + 1 >= len(doc) or doc[right_end + 1]._.num_like
                    or doc[right_end + 1]._.pct_like or right_end == c.end):
                break
            right_end += 1
        right = [t for t in doc[aside_end:right_end] if not t.is_space and t.norm_ not in HARD_BOUNDARY]
        inside = bool(left) and left[0].i > 0 and doc[left[0].i - 1].norm_ in OPENERS  # words of its own bracket
        while inside and right and right[-1].norm_ in CLOSERS and depth[right[-1].i] == depth[c.start]:
            right.pop()  # ``（其中公共充电桩3000个）``: the bracket the item stands in closes after it
        if all(t.norm_ in LIST_JOINERS for t in right):
            right = []
        return Item(c, idx, seg_start, seg_end, item_start, new_chain, soft, left, between, right)

    def _read_item(self, clause: ClauseContext, chain: Chain, item: Item) -> Reading | None:
        """One item read as a target, or None when it is not one."""
        shared = self._list_value(chain, item)
        if shared is not None:
            return shared
        if self._not_committed(clause, item):
            chain.past = chain.past or self._past_before(clause, item)
            return None
        if chain.past and item.new_chain and self._bare(item):
            return None  # ``已建成养老机构86家，床位1.5万张``: the fact goes on, no verb of its own
        chain.past = False
        left = self._comparator_and_verbs(clause, chain, item)
        self._lead_words(clause, chain, item, left)
        case = self._indicator_side(clause, chain, item, left)
        if case is None:
            return None
        found = self._indicator(clause, chain, item, left, case)
        if found is None:
            return None
        indicator, text_span, items = found
        fields = self._fields(clause, item, left, indicator)
        chain.per_year = chain.per_year or bool(left.per_year)
        chain.last = {"fields": fields, "prefix_cmp": left.prefix_cmp, "items": items, "item_index": 0}
        return item.c, fields, text_span

    # -- 2. what is not a target --------------------------------------------
    def _not_committed(self, clause: ClauseContext, item: Item) -> bool:
        """The past (``已``, ``了``, ``同比`` before the number), a modifier (``…的``), a subsidy."""
        doc = clause.doc
        return self._past_before(clause, item) or \
            (bool(item.left) and item.left[-1].norm_ == "的") or \
            self._subsidy_context(doc, item.seg_start, item.seg_end, clause.depth)

    def _past_before(self, clause: ClauseContext, item: Item) -> bool:
        """A past marker before the number in its item. A change against the year before
        (``同比增长6%``, ``较上年下降3%``) is a fact of the past unless the item looks ahead:
        a bound after the number (``6%以上``, ``3%左右``) or a word of commitment before it
        in the clause (``力争``, ``确保``, ``预期``, ``控制在``; addendum F11)."""
        left = clause.doc[item.seg_start:item.c.start]
        if self._has_word(left, self.past_markers):
            return True
        if not self._has_word(left, self.base_period_markers):
            return False
        return item.c.suffix_cmp is None and not self._has_word(clause.doc[:item.c.start], self.commitment_words)

    def _bare(self, item: Item) -> bool:
        """Only nouns before the number in its item: no verb, comparator, time or number."""
        return all(t.is_alpha and t.norm_ not in self.item_words for t in item.between)

    # -- 3. the comparator and the change verb -------------------------------
    def _comparator_and_verbs(self, clause: ClauseContext, chain: Chain, item: Item) -> LeftWords:
        """Strip the words left of the number from the right: comparator, verbs, fillers."""
        r = LeftWords(text_start=item.c.start, work=list(item.left))
        changed = True
        while r.work and changed:
            changed = False
            for words, what in ((self.cmp_prefix, "cmp"), (self.object_verbs, "verb"),
                                (self.drop_trailing, "drop")):
                hit = self._phrase_at_end(r.work, words)
                if not hit:
                    continue
                if what == "cmp":
                    if r.prefix_cmp is None or r.prefix_cmp == "=":
                        r.prefix_cmp = self.cmp_prefix[hit[0]] if r.prefix_cmp is None else r.prefix_cmp
                        r.prefix_word = hit[0]
                    r.text_start = r.work[-hit[1]].i
                elif what == "verb":
                    self._verb_before(r, hit)
                else:
                    r.fenbie = r.fenbie or hit[0] == "分别"
                r.work = r.work[: -hit[1]]
                changed = True
                break
        r.fenbie = r.fenbie or any(t.norm_ == "分别" for t in r.work)
        r.per_year = self._has_word(clause.doc[item.seg_start:item.c.start], self.per_year_words) or chain.per_year
        return r

    def _verb_before(self, r: LeftWords, hit: tuple[str, int]) -> None:
        """A verb right before the number; ``新引进和培育10家``: coordinated verbs share the
        object (addendum D11)."""
        if hit[0] in self.kind_verbs and r.kind is None:
            r.kind = self.kind_verbs[hit[0]]
        r.verb_before = True
        r.text_start = r.work[-hit[1]].i
        rest = r.work[: -hit[1]]
        if len(rest) > 1 and rest[-1].norm_ in LIST_JOINERS:
            other = self._phrase_at_end(rest[:-1], self.object_verbs)
            if other:
                if r.kind is None and other[0] in self.kind_verbs:
                    r.kind = self.kind_verbs[other[0]]
                r.text_start = rest[-1 - other[1]].i
                r.work = rest[: -1 - other[1]] + r.work[-hit[1]:]

    def _lead_words(self, clause: ClauseContext, chain: Chain, item: Item, r: LeftWords) -> None:
        """What opens the item: a scope kept (``全市``, ``累计``), verbs dropped (``新增``), and
        the kind the item takes from its own verb, its list or its clause."""
        lead_kind = None
        work = self._strip_leading(r.work, clause.deadlines)
        k = 0
        while k < len(work) - 1 and (work[k].norm_ in self.scope_words or work[k].norm_ in self.count_qualifiers):
            k += 1
        if not k:  # ``城镇新增就业岗位``: a short place noun before a change verb
            k = next((p for p in (1, 2) if p < len(work) - 1 and all(len(t.norm_) <= 2 for t in work[:p])
                      and (self._phrase_at_start(work[p:], self.kind_verbs) or ("", 0))[0]
                      .startswith(("新", "净"))), 0)
        if k and self._phrase_at_start(work[k:], self.object_verbs | self.action_verbs):
            r.scope, work = work[:k], work[k:]  # ``全市新增公园``, ``全市累计培育…``: keep 全市/累计, drop the verb
        if len(work) > 1 and work[0].norm_ == "新" and self._phrase_at_start(work[1:], self.object_verbs):
            lead_kind, work = "increase", work[1:]  # 新评选, 新设立: "new" verbs (D1)
        while work:
            hit = self._lead_verb(work)
            if not hit:
                break
            if hit[0] not in self.kind_verbs and hit[0] not in self.action_verbs and \
                    "".join(t.norm_ for t in work).endswith(self.rate_heads):
                break  # ``研发经费投入强度``: a rate's name, not a verb and its object
            r.lead_verb = True
            if hit[0] in self.kind_verbs and lead_kind is None:
                lead_kind = self.kind_verbs[hit[0]]
            work = self._strip_leading(work[hit[1]:], clause.deadlines)
        r.work = r.scope + work if r.scope and work else work
        if r.lead_verb and (item.new_chain or not item.soft):
            chain.kind = lead_kind
        if r.kind is None:
            # an item with a level comparator of its own (``（累计达到5万个）``) does not take the list's change
            r.kind = lead_kind if r.lead_verb else None if r.prefix_cmp in (">=", "<=", "~", "=") and \
                r.prefix_word and not item.new_chain else chain.kind
        if r.kind is None and not r.lead_verb and not r.verb_before and r.prefix_cmp is None:
            r.kind = chain.clause_kind  # ``新增公园600座，骨干绿道500公里``: the verb still governs
        elif r.lead_verb or r.verb_before or r.prefix_cmp is not None:
            chain.clause_kind = r.kind
        if item.c.rule.startswith("doubling") and r.kind is None:
            r.kind = "increase"

    # -- 4. the indicator ----------------------------------------------------
    def _indicator_side(self, clause: ClauseContext, chain: Chain, item: Item, r: LeftWords) -> str | None:
        """Where the indicator is — "before" or "after" the number — or None when the item
        describes rather than commits (a count with no verb, an estimate, an article)."""
        c, right = item.c, item.right
        if right and not r.work and all(t.norm_ in LIST_JOINERS for t in item.left) and chain.after_verb:
            r.verb_before = True
        if right and not r.work and c.suffix_cmp:
            r.verb_before = True  # ``40%以上城市建成区达到…``
        # ``全市90%的重点领域市场主体纳入…``: a share of what follows 的.
        r.share_of = c.unit == "%" and bool(right) and right[0].norm_ == "的" and \
            all(t.norm_ in self.scope_words for t in r.work)
        if right and (r.verb_before or not r.work or r.share_of):
            case = "after"
        elif right:
            return None  # ``落实…3个标准体系``: the number counts the items of a list, not a target.
        else:
            case = "before"
        if case == "after" and not r.verb_before and not r.prefix_cmp and not r.share_of:
            return None  # ``八个着力``, ``三项保障措施``: a count with no verb describes, it does not commit.
        if r.prefix_word in self.approx_words and r.kind is None and not r.verb_before and not r.lead_verb \
                and c.suffix_cmp is None and not clause.deadlines and not r.per_year:
            return None  # ``总规划面积约60平方公里``: an estimate with no verb and no deadline describes.
        if case == "after" and r.prefix_word in self.verb_like_comparators:
            r.prefix_cmp = "="  # ``突破百项…技术``: a verb with its object, not "more than" (E13)
        if c.chinese_numeral and c.value < 10 and r.prefix_cmp in (None, "=") \
                and c.suffix_cmp is None and r.kind is None and c.value_max is None \
                and not self._counted(clause.doc, c):
            return None
        return case

    def _indicator(self, clause: ClauseContext, chain: Chain, item: Item, r: LeftWords,
                   case: str) -> tuple[str, tuple[int, int], list[str]] | None:
        """(indicator, token span of the target's text, the items of a 分别 list), or None."""
        items: list[str] = []
        indicator: str | None
        if case == "after":
            indicator, text_span = self._indicator_after(clause, item, r)
            chain.after_verb = True
        elif r.work:
            indicator, text_span, items = self._indicator_before(clause, chain, item, r)
            chain.after_verb = False
        elif chain.last is not None:
            indicator, text_span = chain.last["fields"]["indicator"], (r.text_start, item.c.end)
            share = indicator.find("占")
            if share > 0 and r.kind == "increase" and item.c.unit == "%":
                indicator = indicator[:share]  # ``…占GDP比重达到50%，年均增速10%``: the subject grows
        else:
            indicator, text_span = None, (r.text_start, item.c.end)
        if indicator and chain.last is not None and LEVEL_ONLY.fullmatch(indicator):
            indicator = with_level(indicator, chain.last["fields"]["indicator"])
        if indicator and normalise(indicator).startswith("占"):
            subject = self._share_subject(clause, chain, item)
            indicator = subject + indicator if subject else indicator
        base = self.compare_base_rx.search(normalise(indicator)) if indicator else None
        if base and base.start() == 0:  # only the base of a change: the previous target's indicator
            indicator = chain.last["fields"]["indicator"] if chain.last is not None else None
        indicator = self._clean_indicator(indicator or "")
        return (indicator, text_span, items) if indicator else None

    def _indicator_after(self, clause: ClauseContext, item: Item, r: LeftWords) -> tuple[str, tuple[int, int]]:
        """The indicator after the number (``建成6个国家级…中心``), with a short subject before
        the verb that defines it (``每个优势产业建立3-5个``)."""
        doc, cands = clause.doc, clause.cands
        r_toks = list(item.right[1:] if r.share_of else item.right)
        if r_toks and r_toks[0].norm_ == "的" and item.c.suffix_cmp is not None:
            r_toks = r_toks[1:]  # ``20个左右的试点村``: the bound's 的 opens no indicator
        r_toks = self._trim_right(r_toks)
        parts = [r_toks] if not r_toks or not r_toks[0].norm_.endswith(LEVEL_SUFFIX) else []
        if r_toks and not parts:
            head = r_toks
            if all(t.norm_.endswith(LEVEL_SUFFIX) for t in r_toks) and item.idx + 1 < len(cands):
                head = r_toks + self._shared_head(doc, cands[item.idx + 1], item.seg_end, clause.depth)
            parts = [head]
        work = r.work
        subject = self._span_text(doc, work) if work and len(work) <= 3 and (
            work[0].norm_.startswith("每") or work[-1].norm_.endswith(self.subject_heads)) and \
            not any(t.norm_ in OPENERS or t.norm_ in CLOSERS for t in work) else ""
        indicator = subject + "".join(self._pieces_text(doc, p) for p in parts if p)
        return indicator, (r.text_start, item.c.end)

    def _indicator_before(self, clause: ClauseContext, chain: Chain, item: Item,
                          r: LeftWords) -> tuple[str, tuple[int, int], list[str]]:
        """The indicator before the number, with what a list shares: the indicators before it
        that have no number of their own (``A、B达到100%``), the items of ``分别``, a carried
        verb phrase, the scope of the list's first rate."""
        doc, work = clause.doc, r.work
        start_tok = work[0]
        if item.soft:
            pend = self._strip_leading([t for t in doc[item.item_start:item.soft[-1]] if not t.is_space],
                                       clause.deadlines)
            while pend:
                hit = self._lead_verb(pend)
                if not hit:
                    break
                if hit[0] in self.kind_verbs and r.kind is None:
                    r.kind = self.kind_verbs[hit[0]]
                pend = self._strip_leading(pend[hit[1]:], clause.deadlines)
            if pend and pend[0].i < work[0].i:
                start_tok = pend[0]
        full = [t for t in doc[start_tok.i:work[-1].i + 1] if not t.is_space]
        indicator = doc.text[start_tok.idx:work[-1].idx + len(work[-1])]
        scope = r.scope
        if scope and start_tok.i == work[0].i and len(work) > len(scope) and \
                work[len(scope)].i > work[len(scope) - 1].i + 1:
            indicator = self._pieces_text(doc, work)  # ``全市新增公园``: 全市 + 公园
        items: list[str] = []
        if r.fenbie:
            items = self._distribute(doc, start_tok.i, work[-1].i + 1, clause.depth)
            if len(items) > 1:
                indicator = items[0]
        if chain.carry and not r.lead_verb and not r.fenbie and work[-1].norm_ == chain.carry[1] \
                and not self._has_word(full, self.carry_verbs):
            indicator = chain.carry[0] + indicator
        # ``新开工…项目覆盖率100%、一次验收合格率100%``: the scope of the first rate.
        if chain.rate_prefix and not item.new_chain and start_tok.i == work[0].i and \
                indicator.endswith(self.rate_heads) and not indicator.startswith(chain.rate_prefix):
            indicator = chain.rate_prefix + indicator
        elif item.new_chain and indicator.endswith(self.rate_heads):
            chain.rate_prefix = self._scope_prefix(full)
        first = work[-1].i
        if work[-1].norm_ in CLOSING_QUOTES:
            for t in reversed(work[:-1]):
                if t.norm_ == CLOSING_QUOTES[work[-1].norm_]:
                    first = t.i
                    break
        new_carry = self._carry_prefix(full)
        if new_carry:
            chain.carry = new_carry
        return indicator, (first, item.c.end), items

    # -- 5. the fields and the deadline -------------------------------------
    def _fields(self, clause: ClauseContext, item: Item, r: LeftWords, indicator: str) -> dict[str, Any]:
        c = item.c
        fields: dict[str, Any] = {
            "indicator": indicator,
            "value": clean(c.value),
            "value_max": clean(c.value_max) if c.value_max is not None else None,
            "unit": c.unit,
            "comparator": self._comparator(r.prefix_cmp, c.suffix_cmp),
            "kind": r.kind or "level",
            "year": None,
            "per_year": bool(r.per_year),
            "year_offset": None,
        }
        y = self._year_for(clause.deadlines, clause.doc[c.start].idx)
        if y is not None:
            fields["year" if y > 0 else "year_offset"] = abs(y)  # 0: the document's year
        return fields

    @staticmethod
    def _year_for(deadlines: list[tuple[int, int, int]], char: int) -> int | None:
        """The nearest deadline before the number in the clause, else the first after it
        (``每年推动1000个…，到2027年…``: the clause's deadline governs it, addendum D21)."""
        before = [d for d in deadlines if d[0] <= char]
        if before:
            return before[-1][2]
        return deadlines[0][2] if deadlines else None
