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

``extract_document_targets`` runs the pipeline over the clauses of one document that
hold a numeral (``NUMERAL_GATE``; no other clause can hold a target) and resolves the
year by addendum C1 (clause, heading chain, governing lead-in, title).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
import srsly
from spacy.attrs import TAG
from spacy.lang.zh import ChineseTokenizer, Segmenter
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans, get_words_and_spaces, minibatch, registry

from pipeline.fastseg import FastPkuseg, load_segmenter, set_processors, write_tables
from pipeline.numbers import clean, fold, parse_quantity
from pipeline.script import t2s_same_length

RULES_DIR = Path(__file__).resolve().parent / "patterns"
PATTERNS_FILE = "targets.jsonl"
VOCAB_FILE = "target_vocab.json"
SPANS_KEY = "targets"
FIELDS = ("indicator", "value", "value_max", "unit", "comparator", "kind", "year", "per_year")
HARD_BOUNDARY = frozenset(",;。:!?；，：！？\n")
SOFT_BOUNDARY = frozenset("、")
LIST_JOINERS = frozenset(("、", "和", "及", "以及", "与", "或"))
DIST_JOINERS = frozenset(("、", "和", "及", "以及"))
LEVEL_SUFFIX = ("级",)
SCOPE_ENDS = frozenset(("领域", "方面", "行业", "范围内", "基础上"))
OPENERS = {"(": ")", "（": "）", "[": "]", "［": "］", "【": "】", "〔": "〕"}
CLOSERS = {v: k for k, v in OPENERS.items()}
CLOSING_QUOTES = {"”": "“", "\"": "\"", "’": "‘", "》": "《", "」": "「", "』": "『"}


# A list bullet or item number at the start of an item (``——``, ``•``, ``①``, ``（1）``, ``1.``).
LEAD_MARK = re.compile(
    r"(?:[（(]\s*[0-9０-９一二三四五六七八九十]{1,3}\s*[）)]|[0-9０-９]{1,3}\s*[.．、](?![0-9０-９])"
    r"|[一二三四五六七八九十]{1,3}\s*[、.．]|[①-⑳]|[—–－-]{1,2}|[·•●■□◆◇▪★☆○◎►▶])\s*"
)


def _bracket_depth(doc: Doc) -> list[int]:
    """Per token, how many brackets are open before it (a boundary inside brackets is not one)."""
    out, d = [], 0
    for t in doc:
        out.append(d)
        for ch in t.norm_:
            if ch in OPENERS:
                d += 1
            elif ch in CLOSERS and d > 0:
                d -= 1
    return out


# ---------------------------------------------------------------------------
# Script normalisation and the tokenizer.

to_simplified = t2s_same_length  # OpenCC t2s, same length (per character where phrases change it)


def normalise(text: str) -> str:
    """The matching form of ``text``: simplified script, full-width folded; same length."""
    return fold(to_simplified(text))


class PolicyChineseTokenizer(ChineseTokenizer):
    """pkuseg over the normalised text; tokens keep the original characters, norm the normalised.

    A saved pkuseg model with current fast tables beside it is loaded as
    ``pipeline.fastseg.FastPkuseg`` (the same cut, faster, ~4 s less to load); ``to_disk``
    writes the tables."""

    def __call__(self, text: str) -> Doc:
        return self._doc(text, _normal_form(text), None)

    def pipe(self, texts: Iterable[str], batch_size: int = 256, **kwargs: Any) -> Iterator[Doc]:
        """Docs for ``texts``; a FastPkuseg segments each batch in one pass."""
        for batch in minibatch(texts, size=batch_size):
            yield from self._docs(list(batch))

    def _docs(self, texts: list[str]) -> list[Doc]:
        seg = self.pkuseg_seg if self.segmenter == Segmenter.pkuseg else None
        if not isinstance(seg, FastPkuseg):
            return [self._doc(t, _normal_form(t), None) for t in texts]
        norms = [_normal_form(t) for t in texts]
        return [self._doc(t, n, cut) for t, n, cut in zip(texts, norms, seg.cut_many(norms), strict=True)]

    def _doc(self, text: str, norm: str, cut: list[str] | None) -> Doc:
        if self.segmenter == Segmenter.pkuseg and self.pkuseg_seg is not None:
            # What ChineseTokenizer does, without building a Doc of the normalised text.
            norms, spaces = get_words_and_spaces(cut if cut is not None else self.pkuseg_seg.cut(norm), norm)
        else:
            base = super().__call__(norm)
            norms, spaces = [t.text for t in base], [bool(t.whitespace_) for t in base]
        words, pos = [], 0
        for w, sp in zip(norms, spaces, strict=True):
            words.append(text[pos:pos + len(w)])
            pos += len(w) + sp
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for tok, n in zip(doc, norms, strict=True):
            tok.norm_ = n
        return doc

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        super().to_disk(path, **kwargs)
        model_dir = Path(path) / "pkuseg_model"
        if self.segmenter == Segmenter.pkuseg and self.pkuseg_seg is not None and model_dir.exists():
            if isinstance(self.pkuseg_seg, FastPkuseg):
                self.pkuseg_seg.save_tables(model_dir)
            else:
                write_tables(model_dir, self.pkuseg_seg.feature_extractor)

    def from_disk(self, path: str | Path, **kwargs: Any) -> PolicyChineseTokenizer:
        """ChineseTokenizer.from_disk, with the pkuseg model loaded by ``load_segmenter``."""
        path = Path(path)
        cfg = path / "cfg"
        if cfg.exists():
            self._set_config(srsly.read_json(cfg))
        model_dir, processors = path / "pkuseg_model", path / "pkuseg_processors"
        if self.segmenter != Segmenter.pkuseg or not model_dir.exists():
            super().from_disk(path, **kwargs)
            return self
        self.pkuseg_seg = load_segmenter(model_dir)
        if processors.exists():
            set_processors(self.pkuseg_seg, processors)
        return self


def _normal_form(text: str) -> str:
    norm = normalise(text)
    return norm if len(norm) == len(text) else text  # normalise is length-preserving


@registry.tokenizers("policy_zh_t2s.v1")
def create_policy_tokenizer(segmenter: str = "pkuseg"):
    """Tokenizer factory for ``[nlp.tokenizer] @tokenizers = "policy_zh_t2s.v1"``."""

    def factory(nlp: Language) -> PolicyChineseTokenizer:
        return PolicyChineseTokenizer(nlp.vocab, segmenter=Segmenter(segmenter))

    return factory


# ---------------------------------------------------------------------------
# Extension attributes.

_NUMERIC_TOKEN = re.compile(r"^[-+]?[0-9０-９.,，一二三四五六七八九十百千万亿两零〇壹贰叁肆伍陆柒捌玖拾佰仟点%％／/—~－-]+$|^百分之.+$")


@lru_cache(maxsize=1 << 16)
def _numeric_kind(n: str) -> tuple[bool, bool]:
    """(num_like, pct_like) of a token's norm ``n``: a number that is not a percentage, a
    percentage. Cached: the Matcher asks for every token at every pattern step, and the
    same norms recur from clause to clause."""
    num = pct = False
    if n and _NUMERIC_TOKEN.match(n) and not (n[-1] in "%-—~" and not n.endswith("%")):
        q = parse_quantity(n)
        num = q is not None and q.unit != "%"
    if n and (n.endswith("%") or n.startswith("百分之")):
        q = parse_quantity(n)
        pct = q is not None and q.unit == "%"
    return num, pct


def _num_like(token: Token) -> bool:
    return _numeric_kind(token.norm_)[0]


def _pct_like(token: Token) -> bool:
    return _numeric_kind(token.norm_)[1]


# The Matcher would call the two getters for every token at every pattern step (about
# half of its time on the corpus). The component writes the same answer into
# ``token.tag_`` once per token (the pipeline has no tagger) and the patterns'
# ``{"_": {"num_like": true}}`` are matched as ``{"TAG": "NUM"}``; the rules files keep
# the readable form.
NUMERIC_TAGS = {"num_like": "NUM", "pct_like": "PCT"}
OTHER_TAG = "X"


def _tag_predicates(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``pattern`` with ``{"_": {"num_like": true}}`` / ``pct_like`` as a TAG predicate."""
    out = []
    for tok in pattern:
        ext = tok.get("_")
        if isinstance(ext, dict) and len(ext) == 1 and "TAG" not in tok:
            ((name, want),) = ext.items()
            if name in NUMERIC_TAGS and want is True:
                tok = {k: v for k, v in tok.items() if k != "_"}
                tok["TAG"] = NUMERIC_TAGS[name]
        out.append(tok)
    return out


def _set_numeric_tags(doc: Doc) -> None:
    """Put NUM (``_.num_like``), PCT (``_.pct_like``) or X in each token's tag."""
    strings = doc.vocab.strings
    num, pct, other = (strings.add(t) for t in (NUMERIC_TAGS["num_like"], NUMERIC_TAGS["pct_like"], OTHER_TAG))
    tags = []
    for t in doc:
        k = _numeric_kind(t.norm_)
        tags.append(num if k[0] else pct if k[1] else other)
    if tags:
        doc.from_array([TAG], numpy.asarray(tags, dtype="uint64").reshape(-1, 1))  # type: ignore[arg-type]


for _name, _getter in (("num_like", _num_like), ("pct_like", _pct_like)):
    if not Token.has_extension(_name):
        Token.set_extension(_name, getter=_getter)
for _field in (*FIELDS, "rule", "year_offset"):
    if not Span.has_extension(_field):
        Span.set_extension(_field, default=None)


# ---------------------------------------------------------------------------
# Rules.

@dataclass
class Rules:
    """The patterns (Matcher) and word lists of the component, as read from ``rules_dir``."""

    patterns: list[dict[str, Any]]
    vocab: dict[str, Any]

    @classmethod
    def load(cls, rules_dir: Path | str | None = None) -> Rules:
        """The rules of ``rules_dir`` (default ``pipeline/patterns``), their units extended
        with the provisioned measure words (``pipeline.lexicon``; a saved pipeline already
        carries them, so loading it adds nothing)."""
        from pipeline.lexicon import load_measure_words

        d = Path(rules_dir) if rules_dir else RULES_DIR
        with open(d / PATTERNS_FILE, encoding="utf-8") as f:
            patterns = [json.loads(line) for line in f if line.strip()]
        with open(d / VOCAB_FILE, encoding="utf-8") as f:
            vocab = json.load(f)
        known = set(vocab["units"]) | set(vocab["time_units"])
        vocab["units"] = list(vocab["units"]) + [w for w in load_measure_words() if w not in known]
        return cls(patterns, vocab)

    def to_disk(self, d: Path) -> None:
        d.mkdir(parents=True, exist_ok=True)
        with open(d / PATTERNS_FILE, "w", encoding="utf-8") as f:
            for p in self.patterns:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        lines = [f" {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                 for k, v in self.vocab.items()]
        with open(d / VOCAB_FILE, "w", encoding="utf-8") as f:
            f.write("{\n" + ",\n".join(lines) + "\n}\n")

    def resolved_patterns(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """Patterns with ``"$list"`` references replaced by the vocabulary lists."""

        def sub(x: Any) -> Any:
            if isinstance(x, str) and x.startswith("$"):
                val = self.vocab[x[1:]]
                return list(val) if not isinstance(val, dict) else list(val.keys())
            if isinstance(x, dict):
                return {k: sub(v) for k, v in x.items()}
            if isinstance(x, list):
                return [sub(v) for v in x]
            return x

        return [(p["label"], p.get("id", p["label"]), sub(p["pattern"])) for p in self.patterns]


def _longest_first(words: Iterable[str]) -> list[str]:
    return sorted(set(words), key=len, reverse=True)


@dataclass
class _Cand:
    """A quantity found by the Matcher, before the context is read."""

    start: int  # token index of the first number token
    num_end: int  # end of the number tokens
    end: int  # end of the quantity incl. unit and comparator suffix
    value: float
    value_max: float | None
    unit: str
    suffix_cmp: str | None
    rule: str
    chinese_numeral: bool


@Language.factory(
    "policy_targets_v1",
    assigns=["doc.spans"],
    default_config={"spans_key": SPANS_KEY, "rules_dir": None},
)
def make_target_recognizer(nlp: Language, name: str, spans_key: str, rules_dir: str | None):
    """The rule-based target recognizer (guide §3); rules are read from ``rules_dir``."""
    return TargetRecognizer(nlp, name, spans_key=spans_key, rules_dir=rules_dir)


class TargetRecognizer:
    """Find quantified targets in a clause and read their fields (see module docstring)."""

    def __init__(self, nlp: Language, name: str = "policy_targets", *, spans_key: str = SPANS_KEY,
                 rules_dir: str | Path | None = None) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.spans_key = spans_key
        self.set_rules(Rules.load(rules_dir))

    # -- rules ------------------------------------------------------------
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
        self.rate_heads = tuple(v["rate_heads"])
        self.carry_verbs = set(v["carry_prefix_verbs"])
        self.quotes = v["quote_marks"]
        self.deadline_rx = [re.compile(p) for p in v["deadline_patterns"]]
        self.plan_periods = v["plan_periods"]
        self.lead_in_cues = tuple(v["lead_in_cues"])
        self.document_year_words = v["document_year_words"]
        self.action_verbs = set(v["action_verbs"])
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

    def is_past_section(self, section: Sequence[str]) -> bool:
        """True under a heading that reviews the past (``“十三五”时期的主要成效``)."""
        return any(cue in normalise(h) for h in section for cue in self.past_section_cues)

    # -- serialisation ----------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        self.rules.to_disk(Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TargetRecognizer:
        self.set_rules(Rules.load(Path(path)))
        return self

    # -- the component ----------------------------------------------------
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

    # -- helpers ----------------------------------------------------------
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

    def _read_quantity(self, doc: Doc, s: int, e: int, rule: str) -> _Cand | None:
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
        # A comparator word after the quantity: 以上, 左右, 及以上 …
        suffix = None
        for n in (3, 2, 1):
            if end + n <= len(doc):
                w = "".join(t.norm_ for t in doc[end:end + n])
                if w in self.cmp_suffix:
                    suffix = self.cmp_suffix[w]
                    end += n
                    break
        if approx and suffix is None:
            suffix = ">"
        chinese = not re.search(r"[0-9]", number_text) and unit != "%" and not number_text.startswith("翻")
        return _Cand(s, s + k, end, value, value_max, unit, suffix, rule, chinese)

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

    def _deadlines(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(start_char, end_char, year) of deadline expressions in the clause; a relative one
        (``今年``, ``近3年``) has ``-offset`` as its year (see ``document_targets.as_triples``)."""
        from pipeline.document_targets import as_triples, find_deadlines

        return as_triples(find_deadlines(self, "".join(t.norm_ + t.whitespace_ for t in doc)))

    # -- the core ---------------------------------------------------------
    def _extract(self, doc: Doc) -> list[tuple[_Cand, dict[str, Any], tuple[int, int]]]:
        matches = self.matcher(doc)
        qty_spans: list[Span] = []
        veto: list[Span] = []
        for match_id, s, e in matches:
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
        cands: list[_Cand] = []
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
        if not cands or self._has_word(doc, self.debris_words) or self._has_word(doc, self.subsidy_words):
            return []
        deadlines = self._deadlines(doc)
        depth = _bracket_depth(doc)
        out: list[tuple[_Cand, dict[str, Any], tuple[int, int]]] = []
        prev_end = 0
        chain_kind: str | None = None
        chain_per_year = False
        chain_after_verb = False  # the clause's last target had its indicator after the number
        clause_kind: str | None = None
        chain_rate_prefix: str | None = None
        carry: tuple[str, str] | None = None  # (verb phrase, head noun) shared by list items
        last: dict[str, Any] | None = None  # the previous target of this clause
        for idx, c in enumerate(cands):
            seg_start = c.start
            while seg_start > 0 and not self._hard(doc, seg_start - 1, depth):
                seg_start -= 1
            seg_end = c.end
            while seg_end < len(doc) and not self._hard(doc, seg_end, depth):
                seg_end += 1
            new_chain = seg_start >= prev_end
            if new_chain:
                chain_kind, chain_per_year, chain_rate_prefix = None, False, None
            item_start = max(seg_start, prev_end)
            item_start = self._skip_scope_phrase(doc, item_start, c.start)
            # Inside brackets, the item starts after the opening bracket.
            if depth[c.start] > depth[item_start]:
                for i in range(c.start - 1, item_start - 1, -1):
                    if doc[i].norm_ in OPENERS and depth[i] == depth[c.start] - 1:
                        item_start = i + 1
                        break
            soft = [i for i in range(item_start, c.start) if self._soft(doc, i, depth)]
            left = [t for t in doc[(soft[-1] + 1) if soft else item_start:c.start] if not t.is_space]
            between = [t for t in doc[item_start:c.start] if not t.is_space]
            next_start = cands[idx + 1].start if idx + 1 < len(cands) else len(doc)
            right_end = c.end
            while right_end < min(seg_end, next_start):
                if doc[right_end].norm_ in LIST_JOINERS and right_end + 1 < len(doc) and \
                        (doc[right_end + 1]._.num_like or doc[right_end + 1]._.pct_like):
                    break
                if self._soft(doc, right_end, depth) and (
                        right_end + 1 >= len(doc) or doc[right_end + 1]._.num_like
                        or doc[right_end + 1]._.pct_like or right_end == c.end):
                    break
                right_end += 1
            right = [t for t in doc[c.end:right_end] if not t.is_space and t.norm_ not in HARD_BOUNDARY]
            if all(t.norm_ in LIST_JOINERS for t in right):
                right = []

            # ``分别达30%、20%和10%``: a later value of a list takes the first one's reading.
            if last is not None and not new_chain and all(t.norm_ in LIST_JOINERS for t in between) \
                    and not right:
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
                out.append((c, fields, (c.start, c.end)))
                last = {**last, "fields": fields, "item_index": k}
                prev_end = c.end
                continue

            if self._has_word(doc[seg_start:c.start], self.past_markers) or \
                    (left and left[-1].norm_ == "的") or self._subsidy_context(doc, seg_start, seg_end, depth):
                prev_end = c.end
                continue

            # Strip the left item from the right: comparator, verbs, fillers.
            prefix_cmp = None
            prefix_word = None
            kind = None
            verb_before = False
            fenbie = False
            text_start_tok = c.start
            work = list(left)
            changed = True
            while work and changed:
                changed = False
                for words, what in ((self.cmp_prefix, "cmp"), (self.object_verbs, "verb"),
                                    (self.drop_trailing, "drop")):
                    hit = self._phrase_at_end(work, words)
                    if not hit:
                        continue
                    if what == "cmp":
                        if prefix_cmp is None or prefix_cmp == "=":
                            prefix_cmp = self.cmp_prefix[hit[0]] if prefix_cmp is None else prefix_cmp
                            prefix_word = hit[0]
                        text_start_tok = work[-hit[1]].i
                    elif what == "verb":
                        if hit[0] in self.kind_verbs and kind is None:
                            kind = self.kind_verbs[hit[0]]
                        verb_before = True
                        text_start_tok = work[-hit[1]].i
                        # ``新引进和培育10家``: coordinated verbs share the object (D11).
                        rest = work[: -hit[1]]
                        if len(rest) > 1 and rest[-1].norm_ in LIST_JOINERS:
                            other = self._phrase_at_end(rest[:-1], self.object_verbs)
                            if other:
                                if kind is None and other[0] in self.kind_verbs:
                                    kind = self.kind_verbs[other[0]]
                                text_start_tok = rest[-1 - other[1]].i
                                work = rest[: -1 - other[1]] + work[-hit[1]:]
                    else:
                        fenbie = fenbie or hit[0] == "分别"
                    work = work[: -hit[1]]
                    changed = True
                    break
            fenbie = fenbie or any(t.norm_ == "分别" for t in work)
            per_year = self._has_word(doc[seg_start:c.start], self.per_year_words) or chain_per_year
            lead_kind, lead_verb = None, False
            work = self._strip_leading(work, deadlines)
            scope: list[Token] = []
            k = 0
            while k < len(work) - 1 and (work[k].norm_ in self.scope_words or work[k].norm_ in self.count_qualifiers):
                k += 1
            if not k:  # ``城镇新增就业岗位``: a short place noun before a change verb
                k = next((p for p in (1, 2) if p < len(work) - 1 and all(len(t.norm_) <= 2 for t in work[:p])
                          and (self._phrase_at_start(work[p:], self.kind_verbs) or ("", 0))[0]
                          .startswith(("新", "净"))), 0)
            if k and self._phrase_at_start(work[k:], self.object_verbs | self.action_verbs):
                scope, work = work[:k], work[k:]  # ``全市新增公园``, ``全市累计培育…``: keep 全市/累计, drop the verb
            if len(work) > 1 and work[0].norm_ == "新" and self._phrase_at_start(work[1:], self.object_verbs):
                lead_kind, work = "increase", work[1:]  # 新评选, 新设立: "new" verbs (D1)
            while work:
                hit = self._lead_verb(work)
                if not hit:
                    break
                if hit[0] not in self.kind_verbs and hit[0] not in self.action_verbs and \
                        "".join(t.norm_ for t in work).endswith(self.rate_heads):
                    break  # ``研发经费投入强度``: a rate's name, not a verb and its object
                lead_verb = True
                if hit[0] in self.kind_verbs and lead_kind is None:
                    lead_kind = self.kind_verbs[hit[0]]
                work = self._strip_leading(work[hit[1]:], deadlines)
            if scope and work:
                work = scope + work
            if lead_verb and (new_chain or not soft):
                chain_kind = lead_kind
            if kind is None:
                kind = lead_kind if lead_verb else chain_kind
            if kind is None and not lead_verb and not verb_before and prefix_cmp is None:
                kind = clause_kind  # ``新增公园600座，骨干绿道500公里``: the verb still governs
            elif lead_verb or verb_before or prefix_cmp is not None:
                clause_kind = kind
            if c.rule.startswith("doubling") and kind is None:
                kind = "increase"

            # Where the indicator is: before the number, or after it (``建成6个…中心``).
            if right and not work and all(t.norm_ in LIST_JOINERS for t in left) and chain_after_verb:
                verb_before = True
            if right and not work and c.suffix_cmp:
                verb_before = True  # ``40%以上城市建成区达到…``
            # ``全市90%的重点领域市场主体纳入…``: a share of what follows 的.
            share_of = c.unit == "%" and bool(right) and right[0].norm_ == "的" and \
                all(t.norm_ in self.scope_words for t in work)
            if right and (verb_before or not work or share_of):
                case = "after"
            elif right:
                # ``落实…3个标准体系``: the number counts the items of a list, not a target.
                prev_end = c.end
                continue
            else:
                case = "before"
            if case == "after" and not verb_before and not prefix_cmp and not share_of:
                # ``八个着力``, ``三项保障措施``: a count with no verb describes, it does not commit.
                prev_end = c.end
                continue
            if prefix_word in self.approx_words and kind is None and not verb_before and not lead_verb \
                    and c.suffix_cmp is None and not deadlines and not per_year:
                # ``总规划面积约60平方公里``: an estimate with no verb and no deadline describes.
                prev_end = c.end
                continue
            if case == "after" and prefix_word in self.verb_like_comparators:
                prefix_cmp = "="  # ``突破百项…技术``: a verb with its object, not "more than" (E13)
            if c.chinese_numeral and c.value < 10 and prefix_cmp in (None, "=") \
                    and c.suffix_cmp is None and kind is None and c.value_max is None and not self._counted(doc, c):
                prev_end = c.end
                continue

            items = []
            if case == "after":
                r_toks = self._trim_right(right[1:] if share_of else right)
                parts = [r_toks] if not r_toks or not r_toks[0].norm_.endswith(LEVEL_SUFFIX) else []
                if r_toks and not parts:
                    head = r_toks
                    if all(t.norm_.endswith(LEVEL_SUFFIX) for t in r_toks) and idx + 1 < len(cands):
                        head = r_toks + self._shared_head(doc, cands[idx + 1], seg_end, depth)
                    parts = [head]
                # A short subject before the verb defines the indicator (``每个优势产业建立3-5个``).
                subject = self._span_text(doc, work) if work and len(work) <= 3 and (
                    work[0].norm_.startswith("每") or work[-1].norm_.endswith(self.subject_heads)) and \
                    not any(t.norm_ in OPENERS or t.norm_ in CLOSERS for t in work) else ""
                indicator = subject + "".join(self._pieces_text(doc, p) for p in parts if p)
                text_span = (text_start_tok, c.end)
                chain_after_verb = True
            elif work:
                start_tok = work[0]
                if soft:
                    # Items before this one with no number of their own share it (``A、B达到100%``).
                    pend = self._strip_leading([t for t in doc[item_start:soft[-1]] if not t.is_space],
                                               deadlines)
                    while pend:
                        hit = self._lead_verb(pend)
                        if not hit:
                            break
                        if hit[0] in self.kind_verbs and kind is None:
                            kind = self.kind_verbs[hit[0]]
                        pend = self._strip_leading(pend[hit[1]:], deadlines)
                    if pend and pend[0].i < work[0].i:
                        start_tok = pend[0]
                full = [t for t in doc[start_tok.i:work[-1].i + 1] if not t.is_space]
                indicator = doc.text[start_tok.idx:work[-1].idx + len(work[-1])]
                if scope and start_tok.i == work[0].i and len(work) > len(scope) and \
                        work[len(scope)].i > work[len(scope) - 1].i + 1:
                    indicator = self._pieces_text(doc, work)  # ``全市新增公园``: 全市 + 公园
                if fenbie:
                    items = self._distribute(doc, start_tok.i, work[-1].i + 1, depth)
                    if len(items) > 1:
                        indicator = items[0]
                if carry and not lead_verb and not fenbie and work[-1].norm_ == carry[1] \
                        and not self._has_word(full, self.carry_verbs):
                    indicator = carry[0] + indicator
                # ``新开工…项目覆盖率100%、一次验收合格率100%``: the scope of the first rate.
                if chain_rate_prefix and not new_chain and start_tok.i == work[0].i and \
                        indicator.endswith(self.rate_heads) and not indicator.startswith(chain_rate_prefix):
                    indicator = chain_rate_prefix + indicator
                elif new_chain and indicator.endswith(self.rate_heads):
                    chain_rate_prefix = self._scope_prefix(full)
                first = work[-1].i
                if work[-1].norm_ in CLOSING_QUOTES:
                    for t in reversed(work[:-1]):
                        if t.norm_ == CLOSING_QUOTES[work[-1].norm_]:
                            first = t.i
                            break
                text_span = (first, c.end)
                chain_after_verb = False
                new_carry = self._carry_prefix(full)
                if new_carry:
                    carry = new_carry
            elif last is not None:
                indicator = last["fields"]["indicator"]
                text_span = (text_start_tok, c.end)
            else:
                indicator = None
                text_span = (text_start_tok, c.end)
            indicator = self._clean_indicator(indicator or "")
            if not indicator:
                prev_end = c.end
                continue
            fields = {
                "indicator": indicator,
                "value": clean(c.value),
                "value_max": clean(c.value_max) if c.value_max is not None else None,
                "unit": c.unit,
                "comparator": self._comparator(prefix_cmp, c.suffix_cmp),
                "kind": kind or "level",
                "year": None,
                "per_year": bool(per_year),
                "year_offset": None,
            }
            y = self._year_for(deadlines, doc[c.start].idx)
            if y is not None:
                fields["year" if y > 0 else "year_offset"] = abs(y)  # 0: the document's year
            chain_per_year = chain_per_year or bool(per_year)
            last = {"fields": fields, "prefix_cmp": prefix_cmp, "items": items, "item_index": 0}
            prev_end = c.end
            out.append((c, fields, text_span))
        return out

    # -- context helpers --------------------------------------------------
    def _counted(self, doc: Doc, c: _Cand) -> bool:
        """``培育三家…平台``: a small Chinese numeral (two or more) right after a verb of the
        rules counts what the verb makes, as ``培育3家`` would; ``建立一个机制`` stays an article."""
        return c.value >= 2 and c.start > 0 and bool(self._phrase_at_end(list(doc[max(0, c.start - 3):c.start]),
                                                                         self.object_verbs))


    def _committed_round_number(self, doc: Doc, c: _Cand, veto: Span) -> bool:
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
                out.append(TargetRecognizer._span_text(doc, run))
                run = [t]
        out.append(TargetRecognizer._span_text(doc, run))
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

    def _shared_head(self, doc: Doc, nxt: _Cand, seg_end: int, depth: list[int]) -> list[Token]:
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
        for k, it in enumerate(items):
            body = self._span_text(doc, it)
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

    @staticmethod
    def _comparator(prefix: str | None, suffix: str | None) -> str:
        if "~" in (prefix, suffix):
            return "~"
        if suffix:
            return suffix
        return prefix or "="

    @staticmethod
    def _year_for(deadlines: list[tuple[int, int, int]], char: int) -> int | None:
        """The nearest deadline before the number in the clause, else the first after it
        (``每年推动1000个…，到2027年…``: the clause's deadline governs it, addendum D21)."""
        before = [d for d in deadlines if d[0] <= char]
        if before:
            return before[-1][2]
        return deadlines[0][2] if deadlines else None


# A clause can only hold a target when its normalised text has a numeral, a percent sign
# or 翻 (翻番): every QUANTITY pattern of patterns/targets.jsonl needs a ``num_like`` or
# ``pct_like`` token (a numeral of _NUMERIC_TOKEN that parses as a quantity) or 翻. The
# gate sees the raw text, so it also lists the characters that t2s or ``fold`` turn into
# one of those (萬 → 万, 韆 → 千, 倆 → 两, ０ → 0 …); tests/test_targets.py checks that
# against the dictionaries.
GATE_NORMALISED = "0123456789一二三四五六七八九十百千万亿两零〇壹贰叁肆伍陆柒捌玖拾佰仟%翻"
NUMERAL_GATE = re.compile(
    r"[0-9０-９一二两兩倆三四五六七八九十百千韆万萬亿億零〇壹贰貳叁叄肆伍陆陸柒捌玖拾佰仟%％翻]"
)


def has_numeral(text: str) -> bool:
    """Whether ``text`` passes NUMERAL_GATE (only then can it hold a target)."""
    return NUMERAL_GATE.search(text) is not None


def get_recognizer(nlp: Language) -> TargetRecognizer:
    """The target component of a pipeline."""
    for _, proc in nlp.pipeline:
        if isinstance(proc, TargetRecognizer):
            return proc
    raise ValueError("the pipeline has no policy_targets component")
