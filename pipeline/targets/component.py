"""Numeric targets (guide §3, addendum C/D) as registered spaCy components.

``policy_zh_t2s.v1`` is the zh tokenizer with pkuseg run on an OpenCC t2s copy of the
text: tokens keep the original script (offsets and ``token.text`` index the input) and
carry the simplified, full-width-folded form in ``token.norm_``, which every rule
matches on. ``policy_targets_v1`` (spaCy forbids "." in factory names, so the version
is ``_v1``) finds quantities with ``Matcher`` patterns from ``patterns/targets.jsonl``
and reads the fields with the word lists of ``patterns/target_vocab.json``; it puts one
span per target in ``doc.spans["targets"]`` with the fields as ``span._.indicator`` …
``span._.per_year`` (and ``span._.year_offset`` for ``近5年内``). Both files are saved
with the pipeline (``to_disk``), so a built model carries its rules.

The reading itself lives in the mixins this class is built from: ``rules`` (the rule
files), ``words`` (word lists as predicates), ``quantities`` (numbers and units) and
``reading`` (one item's fields). ``pipeline.targets.document`` runs the pipeline over a
whole document and resolves the year by addendum C1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from pipeline.targets.reading import ItemReading
from pipeline.targets.rules import (
    SPANS_KEY,
    Rules,
    _set_numeric_tags,
    _tag_predicates,
)


@Language.factory(
    "policy_targets_v1",
    assigns=["doc.spans"],
    default_config={"spans_key": SPANS_KEY, "rules_dir": None},
)
def make_target_recognizer(nlp: Language, name: str, spans_key: str, rules_dir: str | None):
    """The rule-based target recognizer (guide §3); rules are read from ``rules_dir``."""
    return TargetRecognizer(nlp, name, spans_key=spans_key, rules_dir=rules_dir)


class TargetRecognizer(ItemReading):
    """Find quantified targets in a clause and read their fields (see module docstring)."""

    def __init__(self, nlp: Language, name: str = "policy_targets", *, spans_key: str = SPANS_KEY,
                 rules_dir: str | Path | None = None) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.spans_key = spans_key
        self.set_rules(Rules.load(rules_dir))

    def set_rules(self, rules: Rules) -> None:
        self.rules = rules
        v = rules.vocab
        self.matcher = Matcher(self.vocab)
        for label, rule_id, pattern in rules.resolved_patterns():
            self.matcher.add(f"{label}|{rule_id}", [_tag_predicates(pattern)], greedy="LONGEST")
        self.units = set(v["units"])
        self.multipliers = sorted(v["multipliers"].items(), key=lambda kv: -len(kv[0]))
        self.no_multiply = set(v["units_not_multiplied"])
        self.cmp_prefix = v["comparator_prefix"]
        self.cmp_suffix = v["comparator_suffix"]
        self.kind_verbs = v["kind_verbs"]
        self.object_verbs = set(v["object_verbs"]) | set(self.kind_verbs)
        self.skip_leading = set(v["skip_leading"])
        self.drop_trailing = set(v["drop_trailing"])
        self.per_year_words = set(v["per_year"])
        self.subsidy_words = set(v["subsidy_words"])
        self.debris_words = set(v["debris_words"])
        self.past_markers = set(v["past_markers"])
        self.base_period_markers = set(v["base_period_markers"])
        self.commitment_words = set(v["commitment_words"])
        self.time_heads = tuple(v["time_measures"]["heads"])
        self.time_measure_units = set(v["time_measures"]["units"])
        self.rate_heads = tuple(v["rate_heads"])
        self.carry_verbs = set(v["carry_prefix_verbs"])
        self.quotes = v["quote_marks"]
        self.deadline_rx = [re.compile(p) for p in v["deadline_patterns"]]
        self.plan_periods = v["plan_periods"]
        self.lead_in_cues = tuple(v["lead_in_cues"])
        self.document_year_words = v["document_year_words"]
        self.action_verbs = set(v["action_verbs"])
        self.item_words = self.object_verbs | self.action_verbs | set(self.cmp_prefix)
        self.approx_words = {w for w, c in self.cmp_prefix.items() if c == "~"}
        self.verb_like_comparators = set(v["verb_like_comparators"])
        self.count_units = set(v["count_units"])
        self.count_qualifiers = set(v["count_qualifiers"])
        self.programme_heads = tuple(v["programme_heads"])
        self.title_rx = [re.compile(p) for p in v["title_period_patterns"]]
        self.trailing_nominal = set(v["trailing_nominal"])
        self.subject_heads = tuple(v["subject_heads"])
        self.unit_denominators = set(v["unit_denominators"])
        self.noun_like_verbs = {k: set(x) for k, x in v["noun_like_verbs"].items()}
        self.scope_words = set(v["scope_words"])
        self.compare_base_rx = re.compile(v["comparison_base_pattern"])
        self.enumeration_rx = re.compile(v["enumeration_pattern"])
        self.scope_heads = tuple(v["scope_heads"])
        self.qualifier_rx = re.compile(v["indicator_qualifier_pattern"])
        self.relative_rx = [re.compile(p) for p in v["relative_deadline_patterns"]]
        self.past_section_cues = tuple(v["past_section_cues"])
        self.goal_section_cues = tuple(v["goal_section_cues"])
        self._max_phrase = 4
        self._split_at: dict[str, int] = {}  # norm -> _split_point(norm), per rule set

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        self.rules.to_disk(Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TargetRecognizer:
        self.set_rules(Rules.load(Path(path)))
        return self

    def __call__(self, doc: Doc) -> Doc:
        self._split_merged(doc)
        _set_numeric_tags(doc)
        spans = []
        for cand, fields, (s, e) in self._extract(doc):
            span = Span(doc, s, e, label="TARGET")
            for k, val in fields.items():
                setattr(span._, k, val)
            span._.rule = cand.rule
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


def get_recognizer(nlp: Language) -> TargetRecognizer:
    """The target component of a pipeline."""
    for _, proc in nlp.pipeline:
        if isinstance(proc, TargetRecognizer):
            return proc
    raise ValueError("the pipeline has no policy_targets component")
