"""What the reading steps of the target component hand each other: a quantity found by the
Matcher, the clause it stands in, the chain of list items, one item and its left words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Token


@dataclass
class Candidate:
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


Reading = tuple[Candidate, dict[str, Any], tuple[int, int]]


@dataclass
class ClauseContext:
    """What every item of a clause shares: the tokens, the quantities, the deadlines."""

    doc: Doc
    cands: list[Candidate]
    deadlines: list[tuple[int, int, int]]
    depth: list[int]  # brackets open before each token


@dataclass
class Chain:
    """What an item hands to the items after it in the clause."""

    prev_end: int = 0
    kind: str | None = None  # the change verb opening a list
    per_year: bool = False
    after_verb: bool = False  # the last target had its indicator after the number
    clause_kind: str | None = None  # the kind the clause's last verb or comparator set
    rate_prefix: str | None = None  # the scope of the first rate of a list
    carry: tuple[str, str] | None = None  # (verb phrase, head noun) shared by list items
    last: dict[str, Any] | None = None  # the previous target's reading
    past: bool = False  # the last item reported the past (``已建成86家``); bare items go on with it


@dataclass
class Item:
    """One quantity and the words around it, up to the neighbouring items."""

    c: Candidate
    idx: int
    seg_start: int  # the segment between hard boundaries (，；。…)
    seg_end: int
    item_start: int
    new_chain: bool  # the segment starts after the previous item: a new list
    soft: list[int]  # 、 between the item's start and the number
    left: list[Token]  # the words after the last 、 before the number
    between: list[Token]
    right: list[Token]  # the words after the quantity, up to the next item


@dataclass
class LeftWords:
    """What the words left of the number say: comparator, verbs, and the indicator's words."""

    text_start: int
    work: list[Token]
    prefix_cmp: str | None = None
    prefix_word: str | None = None
    kind: str | None = None
    verb_before: bool = False
    fenbie: bool = False  # 分别: one value per listed indicator
    per_year: bool = False
    lead_verb: bool = False
    scope: list[Token] = field(default_factory=list)
    share_of: bool = False  # ``90%的…``: a share of what follows
