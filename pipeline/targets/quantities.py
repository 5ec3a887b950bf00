"""Finding the quantities of a clause (step 1 of reading a target): tokens split into number
and unit, the Matcher's quantities read (value, range, unit, multiplier, comparator suffix),
and the vetoes — ordinals, scope counts, durations, articles (``一个``), figures of speech
(``千家万户``) — that keep numbers which are not quantities of an objective out."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.targets.items import Candidate
from pipeline.targets.rules import DIST_JOINERS, HARD_BOUNDARY, SOFT_BOUNDARY, _numeric_kind
from pipeline.targets.tokenizer import normalise
from pipeline.targets.words import RuleWords
from pipeline.text.numbers import parse_quantity


class QuantityReading(RuleWords):
    """Step 1 of ``TargetRecognizer``: the quantities of a clause."""

    def _split_merged(self, doc: Doc) -> None:
        """Split tokens such as ``10个`` / ``两项`` into number and unit."""
        todo = []
        for tok in doc:
            n = tok.norm_
            k = self._split_at.get(n, -1)
            if k == -1:
                if len(self._split_at) > 500_000:  # a bound on the memo over a long run
                    self._split_at.clear()
                k = self._split_at[n] = self._split_point(n)
            if k:
                todo.append((tok.i, k))
        if not todo:
            return
        with doc.retokenize() as retok:
            for i, k in todo:
                tok = doc[i]
                n = tok.norm_
                # split() hashes NORM values without adding them to the StringStore:
                # add them first, or reading norm_ later fails with E018.
                doc.vocab.strings.add(n[:k])
                doc.vocab.strings.add(n[k:])
                retok.split(tok, [tok.text[:k], tok.text[k:]], heads=[(tok, 0), (tok, 0)],
                            attrs={"NORM": [n[:k], n[k:]]})

    def _split_point(self, n: str) -> int:
        """Where a token norm splits into a bare number and a unit (``10个`` → 2), or 0."""
        if len(n) < 2 or any(_numeric_kind(n)) or n in self.units:
            return 0  # ``千瓦`` is a unit, not 千 + 瓦
        for k in range(1, len(n)):  # the longest unit first: 450|万千瓦, not 450万千|瓦
            head, tail = n[:k], n[k:]
            if tail not in self.units:
                continue
            q = parse_quantity(head)
            if q is not None and q.unit is None:
                if not re.fullmatch(r"[一二两三四五六七八九十百千万亿零0-9.]+", head):
                    return 0
                return k
        return 0

    def _read_quantity(self, doc: Doc, s: int, e: int, rule: str) -> Candidate | None:
        # Long on purpose: one left-to-right walk over the tokens of a match (numeral parts, then
        # multiplier and unit, then what follows) whose position each step hands to the next.
        toks = doc[s:e]
        num_parts: list[str] = []
        k = 0
        while k < len(toks) and (toks[k]._.num_like or toks[k]._.pct_like or toks[k].norm_ in
                                 self.rules.vocab["range_separators"] or toks[k].norm_ in ("翻", "了")
                                 or toks[k].norm_.endswith("番")):
            num_parts.append(toks[k].norm_)
            k += 1
            if num_parts[-1].endswith("%") or num_parts[-1].endswith("番"):
                if k < len(toks) and toks[k].norm_ in self.rules.vocab["range_separators"]:
                    continue
                break
        unit_toks = toks[k:]
        number_text = "".join(p for p in num_parts if p != "了")
        if rule.startswith("doubling"):
            number_text = number_text.replace("一翻", "一番")
            if number_text == "翻番":
                number_text = "翻一番"
        approx = False
        if unit_toks and unit_toks[0].norm_ in ("多", "余"):
            approx = True
            unit_toks = unit_toks[1:]
        q = parse_quantity(number_text)
        if q is None:
            return None
        unit = q.unit or ""
        unit_text = "".join(t.text for t in unit_toks)
        unit_norm = "".join(t.norm_ for t in unit_toks)
        value, value_max = q.value, q.value_max
        if unit_norm in ("个百分点",) or unit_norm == "个百分点":
            unit = unit_text
        elif unit_norm == "%":
            unit = "%"
        elif unit_norm:
            unit = unit_text
            if unit_norm not in self.no_multiply:
                for mword, mult in self.multipliers:
                    rest = unit_norm[len(mword):]
                    if unit_norm.startswith(mword) and rest and (rest in self.units or rest == "元"):
                        value *= mult
                        value_max = value_max * mult if value_max is not None else None
                        unit = unit_text[len(mword):]
                        break
        if rule == "bare_number":
            unit = ""  # a dimensionless value after a comparator (``PUE不高于1.4``)
        elif not unit:
            return None
        end = e
        if unit and unit != "%" or unit_norm == "%":
            end, unit = self._extend_unit(doc, end, unit)
        suffix, end = self._suffix_after(doc, end)
        if approx and suffix is None:
            suffix = ">"
        chinese = not re.search(r"[0-9]", number_text) and unit != "%" and not number_text.startswith("翻")
        return Candidate(s, s + k, end, value, value_max, unit, suffix, rule, chinese)

    def _suffix_after(self, doc: Doc, end: int) -> tuple[str | None, int]:
        """A comparator word after a quantity ending at ``end`` (以上, 左右, 及以上 …): its
        comparator and the new end, or (None, ``end``)."""
        for n in (3, 2, 1):
            if end + n <= len(doc):
                w = "".join(t.norm_ for t in doc[end:end + n])
                if w in self.cmp_suffix:
                    return self.cmp_suffix[w], end + n
        return None, end

    def _extend_unit(self, doc: Doc, end: int, unit: str) -> tuple[int, str]:
        """``吨/日``, ``个/百万人``, ``台（套）``, ``艘（台、套）``, ``吨`` + ``标准煤``: compound
        units as written."""
        for n in (3, 2, 1):  # a unit the tokenizer cut in two: 吨|标准煤, 万|标准箱
            if end + n <= len(doc):
                tail = doc[end:end + n]
                if normalise(unit + tail.text) in self.units and not any(t.is_space for t in tail):
                    unit, end = unit + tail.text, end + n
                    break
        if end + 1 < len(doc) and doc[end].norm_ == "/":
            for n in (2, 1):
                if end + 1 + n <= len(doc):
                    w = "".join(t.norm_ for t in doc[end + 1:end + 1 + n])
                    if w in self.unit_denominators:
                        return end + 1 + n, unit + doc[end:end + 1 + n].text
        if end < len(doc) and doc[end].norm_ in ("(", "（"):
            j = end + 1
            while j < len(doc) and j < end + 8 and (doc[j].norm_ in self.units or doc[j].norm_ == "、"):
                j += 1
            if j > end + 1 and j < len(doc) and doc[j].norm_ in (")", "）"):
                return j + 1, unit + doc[end:j + 1].text
        return end, unit

    # -- 1. the quantities --------------------------------------------------
    def _find_quantities(self, doc: Doc) -> list[Candidate]:
        """The quantities of the Matcher's patterns, minus the vetoed ones (ordinals, scope
        counts, durations …) and small Chinese numerals that are articles (``一个``)."""
        qty_spans: list[Span] = []
        veto: list[Span] = []
        for match_id, s, e in self.matcher(doc):
            label, rule = self.vocab.strings[match_id].split("|", 1)
            sp = Span(doc, s, e, label=rule)
            (qty_spans if label == "QUANTITY" else veto).append(sp)
        bare = [sp for sp in qty_spans if sp.label_ == "bare_number"]
        qty_spans = [sp for sp in qty_spans if sp.label_ != "bare_number"]
        covered = {i for sp in qty_spans for i in range(sp.start, sp.end)}
        for sp in bare:
            n = sp.end - 1
            nxt = doc[n + 1].norm_ if n + 1 < len(doc) else "。"
            if n not in covered and (nxt in HARD_BOUNDARY or nxt in self.cmp_suffix):
                qty_spans.append(Span(doc, n, n + 1, label="bare_number"))
        cands: list[Candidate] = []
        for sp in sorted(filter_spans(qty_spans), key=lambda x: x.start):
            c = self._read_quantity(doc, sp.start, sp.end, sp.label_)
            if c is None:
                continue
            if any(v.start < c.num_end and c.start < v.end and not self._committed_round_number(doc, c, v)
                   for v in veto):
                continue
            if cands and c.start < cands[-1].end:
                continue
            if c.chinese_numeral and c.value < 10 and c.suffix_cmp is None and c.end < len(doc) \
                    and doc[c.end].norm_ not in HARD_BOUNDARY and doc[c.end].norm_ not in SOFT_BOUNDARY \
                    and not (c.start > 0 and doc[c.start - 1].norm_ in self.cmp_prefix) \
                    and not self._counted(doc, c):
                continue  # 一次, 一个, 两项 before a noun: an article or a count, not a target
            cands.append(c)
        times = [t for t in self._time_measures(doc) if not any(t.start < c.end and c.start < t.end for c in cands)]
        if times:
            cands = sorted(cands + times, key=lambda c: c.start)
        for a, b in zip(cands, cands[1:], strict=False):
            # ``分别提高5个和8个百分点``: a unit written once for the items of a list
            if b.unit.startswith(a.unit) and len(b.unit) > len(a.unit) and a.unit and \
                    all(t.norm_ in DIST_JOINERS for t in doc[a.end:b.start] if not t.is_space):
                a.unit = b.unit
        return cands

    def _time_measures(self, doc: Doc) -> list[Candidate]:
        """``人均预期寿命达到80岁``, ``平均受教育年限提高到11.5年``: a number of years right after
        a comparator or change verb whose indicator is a span of life or of schooling (``寿命``,
        ``年限``) is the quantity measured, not a duration (addendum F13)."""
        out: list[Candidate] = []
        if not any(t.norm_.endswith(self.time_heads) for t in doc):
            return out  # most clauses: no span of life or schooling to measure
        for i in range(2, len(doc)):
            last = list(doc[i - 2:i])
            hits = [h for h in (self._phrase_at_end(last, self.cmp_prefix),
                                self._phrase_at_end(last, self.kind_verbs)) if h]
            if not hits:
                continue
            lead = max(n for _, n in hits)
            before = list(doc[max(0, i - lead - 6):i - lead])
            k = next((j for j in range(len(before) - 1, -1, -1) if before[j].is_punct), -1)
            if not any(t.norm_.endswith(self.time_heads) for t in before[k + 1:]):
                continue  # the indicator (with a base year between: ``寿命比2020年提高1岁``)
            n = doc[i].norm_
            if i + 1 < len(doc) and doc[i + 1].norm_ in self.time_measure_units:
                number, unit, end = n, doc[i + 1].text, i + 2
            else:
                m = re.fullmatch(r"(.+?)(周岁|岁|年)", n)
                if not m:
                    continue
                number, unit, end = m.group(1), doc[i].text[len(m.group(1)):], i + 1
            q = parse_quantity(number)
            if q is None or q.unit:
                continue
            suffix, end = self._suffix_after(doc, end)
            out.append(Candidate(i, i + 1, end, q.value, q.value_max, unit, suffix, "time_measure",
                                 not re.search(r"[0-9]", number)))
        return out

    # -- helpers -------------------------------------------------------------
    def _counted(self, doc: Doc, c: Candidate) -> bool:
        """``培育三家…平台``: a small Chinese numeral (two or more) right after a verb of the
        rules counts what the verb makes, as ``培育3家`` would; ``建立一个机制`` stays an article."""
        return c.value >= 2 and c.start > 0 and bool(self._phrase_at_end(list(doc[max(0, c.start - 3):c.start]),
                                                                         self.object_verbs))

    def _committed_round_number(self, doc: Doc, c: Candidate, veto: Span) -> bool:
        """``形成百项标志性产品``, ``打造百家领军企业``: a bare 百/千/万 with a unit right after a
        verb or comparator is a count (addendum E13); elsewhere (``百花齐放``, ``千家万户``) it
        is a figure of speech, which the ``vague_round_number`` veto removes."""
        if veto.label_ != "vague_round_number" or normalise(c.unit) not in self.count_units:
            return False  # ``建设千亩花卉产业园``: a scale, not a count
        rest = doc[c.end:]
        stop = next((t.i for t in rest if t.norm_ in HARD_BOUNDARY or t.norm_ in SOFT_BOUNDARY), len(doc))
        if "".join(t.norm_ for t in doc[c.end:stop]).endswith(self.programme_heads):
            return False  # ``实施千座公园计划``: the name of a programme (addendum D20)
        before = doc[max(0, c.start - 3):c.start]
        return bool(self._phrase_at_end(list(before), self.object_verbs)
                    or self._phrase_at_end(list(before), self.cmp_prefix))
