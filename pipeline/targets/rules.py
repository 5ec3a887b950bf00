"""The rules of the target component: where they live, the word lists, the numeric tags
the patterns match on, the characters that bound a list item, and the numeral gate.

``Rules`` holds the Matcher patterns (``patterns/targets.jsonl``) and the word lists
(``patterns/target_vocab.json``, extended at load with the provisioned measure words of
``pipeline.targets.lexicon``); a saved pipeline carries both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import TAG
from spacy.tokens import Doc, Span, Token

from pipeline.text.numbers import parse_quantity

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
    if n and (n.endswith("%") or "分之" in n or "成" in n[-2:] or "/" in n):
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
        with the provisioned measure words (``pipeline.targets.lexicon``; a saved pipeline already
        carries them, so loading it adds nothing)."""
        from pipeline.targets.lexicon import load_measure_words

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



# A clause can only hold a target when its normalised text has a numeral, a percent sign
# or 翻 (翻番): every QUANTITY pattern of patterns/targets.jsonl needs a ``num_like`` or
# ``pct_like`` token (a numeral of _NUMERIC_TOKEN that parses as a quantity) or 翻. The
# gate sees the raw text, so it also lists the characters that t2s or ``fold`` turn into
# one of those (萬 → 万, 韆 → 千, 倆 → 两, ０ → 0 …); tests/targets/test_targets.py checks that
# against the dictionaries.
GATE_NORMALISED = "0123456789一二三四五六七八九十百千万亿两零〇壹贰叁肆伍陆柒捌玖拾佰仟%翻"
NUMERAL_GATE = re.compile(
    r"[0-9０-９一二两兩倆三四五六七八九十百千韆万萬亿億零〇壹贰貳叁叄肆伍陆陸柒捌玖拾佰仟%％翻]"
)


def has_numeral(text: str) -> bool:
    """Whether ``text`` passes NUMERAL_GATE (only then can it hold a target)."""
    return NUMERAL_GATE.search(text) is not None
