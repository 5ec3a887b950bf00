"""What one item of a clause says about its neighbours (step 2 of ``TargetRecognizer``, read
before the item itself): a threshold that belongs to the next item's indicator
(``年产值10亿元以上企业30家``), a baseline whose end point is the next item
(``由120座增加到200座``), a later value of a ``分别`` list, and the subject a share leaves out
(``…规模突破5万亿元，占GDP比重达到50%``)."""

from __future__ import annotations

import re

from spacy.tokens import Token

from pipeline.targets.items import Chain, ClauseContext, Item, Reading
from pipeline.targets.quantities import QuantityReading
from pipeline.targets.rules import LIST_JOINERS
from pipeline.text.numbers import clean

# The change from a baseline to an end point (``由…提高到…``, ``从…下降至…``).
_TO_VERB = re.compile(r"^(?:提高|增加|增长|提升|扩大|上升|下降|降低|减少|压减|缩小|缩减|降)?(?:到|至)$")
_YEAR_TOKEN = re.compile(r"^(?:19|20)\d{2}年(?:底|末)?$")
# Words that open the base of a comparison (``较2020年``), where a subject ends.
_BASE_WORDS = frozenset({"较", "比", "与", "同", "相比", "相较"})
# A bound written before a quantity that qualifies what follows (``超10亿元企业``).
THRESHOLD_PREFIX = frozenset({"超", "超过", "过", "逾"})


class ItemRelations(QuantityReading):
    """The relations between a clause's items that ``ItemReading`` reads first."""

    def _baseline(self, clause: ClauseContext, idx: int) -> tuple[int, list[Token]] | None:
        """``由120座增加到200座``, ``从2020年的23%提高到2025年的25%``: quantity ``idx`` is the
        baseline of a change whose end point is the next quantity. Returns where 由/从 stands
        (the indicator ends before it) and the verb with 到/至 the end point takes; else None."""
        doc, cands = clause.doc, clause.cands
        if idx + 1 >= len(cands):
            return None
        c, nxt = cands[idx], cands[idx + 1]
        j = c.start - 1
        if j >= 1 and doc[j].norm_ == "的" and _YEAR_TOKEN.match(doc[j - 1].norm_):
            j -= 2  # 由2020年的23%
        if j < 0 or doc[j].norm_ not in ("由", "从"):
            return None
        verb = [t for t in doc[c.end:nxt.start] if not t.is_space]
        if len(verb) >= 2 and verb[-1].norm_ == "的" and _YEAR_TOKEN.match(verb[-2].norm_):
            verb = verb[:-2]  # 提高到2025年的25%
        if not verb or not _TO_VERB.match("".join(t.norm_ for t in verb)):
            return None
        return j, verb

    def _list_value(self, chain: Chain, item: Item) -> Reading | None:
        """``分别达30%、20%和10%``: a later value of a list takes the first one's reading."""
        last, c = chain.last, item.c
        if last is None or item.new_chain or item.right or not all(t.norm_ in LIST_JOINERS for t in item.between):
            return None
        fields = dict(last["fields"])
        items = last.get("items") or []
        k = last.get("item_index", 0) + 1
        fields["indicator"] = items[k] if k < len(items) else fields["indicator"]
        fields["value"] = clean(c.value)
        fields["value_max"] = clean(c.value_max) if c.value_max is not None else None
        fields["unit"] = c.unit
        if c.suffix_cmp:
            fields["comparator"] = self._comparator(last["prefix_cmp"], c.suffix_cmp)
        elif last["prefix_cmp"]:
            fields["comparator"] = self._comparator(last["prefix_cmp"], None)
        else:
            fields["comparator"] = "="
        chain.last = {**last, "fields": fields, "item_index": k}
        return c, fields, (c.start, c.end)

    def _threshold(self, clause: ClauseContext, item: Item) -> bool:
        """``500万元以上技改项目300个``, ``年产值10亿元以上企业30家``, ``营业收入超10亿元企业30家``:
        a quantity with 以上/以下 (or 超/过/逾 before it) followed, in its segment, by bare nouns and then the number that is the target; the
        first one says which projects or firms count (guide §3: it stays in the indicator)."""
        nxt = clause.cands[item.idx + 1] if item.idx + 1 < len(clause.cands) else None
        bound = item.c.suffix_cmp in (">=", "<=") or bool(item.left) and item.left[-1].norm_ in THRESHOLD_PREFIX
        if not bound or nxt is None or nxt.start >= item.seg_end or not item.right:
            return False
        return all(t.is_alpha and t.norm_ not in self.item_words and t.norm_ not in LIST_JOINERS and t.norm_ != "的"
                   for t in item.right) and item.right[-1].i + 1 == nxt.start

    def _share_subject(self, clause: ClauseContext, chain: Chain, item: Item) -> str | None:
        """``全省数字经济规模突破5万亿元，占GDP比重达到50%``: the subject a share (``占…比重``)
        leaves out — the previous target's indicator (before its own 占), else the words that
        open the clause up to its first verb, comparator, base or number."""
        if chain.last is not None:
            prev = chain.last["fields"]["indicator"]
            k = prev.find("占")
            return prev if k < 0 else prev[:k] or None
        doc, segment = clause.doc, []
        for t in doc[:item.seg_start]:
            if t.is_space:
                continue
            if not self._hard(doc, t.i, clause.depth):
                segment.append(t)
                continue
            words = self._strip_leading(segment, clause.deadlines)
            if words:
                break
            segment = []
        words = self._strip_leading(segment, clause.deadlines)
        subject = []
        for t in words:
            if t.norm_ in self.item_words or t.norm_ in _BASE_WORDS or t._.num_like or t._.pct_like \
                    or self._phrase_at_start([t], self.kind_verbs):
                break
            subject.append(t)
        return self._span_text(doc, subject) if subject else None

    @staticmethod
    def _comparator(prefix: str | None, suffix: str | None) -> str:
        if "~" in (prefix, suffix):
            return "~"
        if suffix:
            return suffix
        return prefix or "="
