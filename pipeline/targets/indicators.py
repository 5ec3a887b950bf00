"""The indicator catalogue: one ``indicator_key`` for the indicator strings that name the
same measured quantity, across documents, scripts and wording.

An indicator string is first **normalised** by the annotation guide's rules for what is
not part of the measured thing (guide §3, addendum C2/D3/D15): simplified script,
full-width folded; quotation and book-title marks, brackets' marks, spaces and 的 dropped;
scope prefixes that name the issuing government's place (全省, 全市, 本市 …) and the generic
emphasis 主要/重点 at the start dropped; change and achievement verbs at the start (新增,
培育, 建成 …) dropped (``kind`` says whether a target adds or reaches).

Two strings are then the same indicator when they have the same **unit family** (a count,
a share, percentage points, money, a multiple, or a physical unit: a count is never a
share), a character bigram Dice similarity of at least ``threshold`` (chosen on the
hand-made indicator gold, see ``annotations/indicators/`` and ``scripts/indicator_eval.py``;
bigrams make word order matter little), no **substituted qualifier** (``国家级``/``省级``,
``国际``/``国家``, ``5A``/``4A``: two populations) and, across documents, no qualifier
**added in front** (``新城水功能区…`` is not ``水功能区…``). A new string joins the cluster
of its most similar known string when that passes; otherwise it opens a cluster. There is
no hand list of indicators.

Keys are stable: a cluster's key is a hash of its first member's normalised string and
unit family, and the catalogue (``indicators.parquet``) keeps every member string, so a
rerun or a new document maps known strings to their old keys and only places new ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.text.numbers import fold
from pipeline.text.script import t2s

DEFAULT_THRESHOLD = 0.75  # the threshold chosen in most folds of scripts/indicator_eval.py

_MARKS = re.compile(r"[“”\"'‘’《》〈〉「」『』()（）\[\]【】〔〕\s\u3000*·]")
_SCOPE = re.compile(r"^(?:(?:全省|全市|全区|全县|全州|全盟|本市|本省|本区|我省|我市|我区|各地|各市|全社会|全行业)"
                    r"|(?:主要|重点))+")
_VERB = re.compile(r"^(?:累计|新增|新建|新培育|新认定|新创建|新评选|新引进|培育|建成|建设|打造|认定|创建|完成|实现|达到|引进|"
                   r"推广|组建|设立|争创|创成|获批|遴选|评选|选树)+")
_COUNT_UNITS = set("个家项件名人所座条只台套辆艘户位种类支部批处块栋间株棵宗篇门款场次颗发盏")


_NOTE = re.compile(r"[(（][^()（）]{1,12}[)）]$")


def normalise_indicator(text: str) -> str:
    """The measured thing of an indicator string (module docstring)."""
    s = fold(t2s(text or ""))
    s = _NOTE.sub("", s) or s  # ``名牌产品(服务名牌)``, ``能源利用效率（PUE）``: a note or an abbreviation
    s = _MARKS.sub("", s).replace("的", "")
    for _ in range(3):
        before = s
        s = _SCOPE.sub("", s)
        s = _VERB.sub("", s)
        if s == before:
            break
    return s or fold(t2s(text or ""))


def unit_family(unit: str | None) -> str:
    """count, share (%), points (个百分点), money (元), times (倍), or ``measure:<unit>``."""
    u = fold(t2s(unit or "")).strip()
    if u in ("%", "％"):
        return "share"
    if u.endswith("百分点"):
        return "points"
    if u.endswith("元") and "/" not in u:
        return "money"
    if u == "倍":
        return "times"
    if u and (u in _COUNT_UNITS or u[0] in _COUNT_UNITS and len(u) <= 2 and u.endswith("次")):
        return "count"
    return f"measure:{u}" if u else "none"


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two normalised strings."""
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 1.0


_FUNCTION = set("和或及与、并暨")


def contrast(a: str, b: str) -> bool:
    """Whether two strings differ by a substitution of content (``国家级`` / ``省级``, ``国际``
    / ``国家``, ``5A`` / ``4A``): a qualifier that tells two populations apart."""
    from difflib import SequenceMatcher

    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace" and (set(a[i1:i2]) - _FUNCTION) and (set(b[j1:j2]) - _FUNCTION):
            return True
    return False


def _prefixed(a: str, b: str) -> bool:
    """Whether one string is the other with words in front (``新城水功能区…`` and
    ``水功能区…``): a qualifier naming another population."""
    short, long = sorted((a, b), key=len)
    return len(long) > len(short) and long.endswith(short)


def key_of(name: str, family: str) -> str:
    """The stable key of a cluster opened by ``name``: ``ind-`` + 10 hex digits."""
    return "ind-" + hashlib.sha1(f"{family}|{name}".encode()).hexdigest()[:10]


@dataclass
class Catalogue:
    """Clusters of normalised indicator strings; ``place`` assigns keys incrementally."""

    threshold: float = DEFAULT_THRESHOLD
    members: dict[str, list[str]] = field(default_factory=dict)  # key -> normalised names
    docs: dict[str, set[str]] = field(default_factory=dict)  # normalised name -> documents
    family: dict[str, str] = field(default_factory=dict)  # key -> unit family
    name: dict[str, str] = field(default_factory=dict)  # key -> canonical name
    _index: dict[tuple[str, str], str] = field(default_factory=dict)  # (family, name) -> key

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]], threshold: float = DEFAULT_THRESHOLD) -> Catalogue:
        """A catalogue from ``indicators`` table rows (indicator_key, name, unit_family, names)."""
        cat = cls(threshold)
        for r in rows:
            k = r["indicator_key"]
            cat.members[k] = list(r.get("names") or [r["name"]])
            cat.family[k] = r["unit_family"]
            cat.name[k] = r["name"]
            for n in cat.members[k]:
                cat._index[(r["unit_family"], n)] = k
        return cat

    def place(self, indicator: str, unit: str | None, doc_id: str | None = None) -> str:
        """The key of an indicator string with its unit: a known string keeps its key, a new
        one joins its most similar cluster or opens a new one. Joining needs the same unit
        family, a similarity ≥ threshold, no substituted qualifier (``contrast``),
        and — for strings of different documents — no words added in front: a qualifier in
        front (``新城…``, ``种植业…``) names another population."""
        name, fam = normalise_indicator(indicator), unit_family(unit)
        known = self._index.get((fam, name))
        if known is not None:
            if doc_id:
                self.docs.setdefault(name, set()).add(doc_id)
            return known
        best, best_sim = None, 0.0
        for k, names in self.members.items():
            if self.family[k] != fam:
                continue
            for n in names:
                if contrast(n, name):
                    continue
                if _prefixed(n, name) and not (doc_id and doc_id in self.docs.get(n, ())):
                    continue
                sim = similarity(n, name)
                if sim > best_sim or (sim == best_sim and best is not None and k < best):
                    best, best_sim = k, sim
        if best is not None and best_sim >= self.threshold:
            key = best
            self.members[key].append(name)
        else:
            key = key_of(name, fam)
            while key in self.members and self.family[key] != fam:  # a hash collision: never merge
                key = key_of(name + "#", fam)
            self.members.setdefault(key, []).append(name)
            self.family[key] = fam
            self.name.setdefault(key, name)
        self._index[(fam, name)] = key
        if doc_id:
            self.docs.setdefault(name, set()).add(doc_id)
        return key

    def place_all(self, triples: Sequence[tuple[str, str | None, str | None]]) -> list[str]:
        """Keys for (indicator, unit, doc_id) triples; unknown strings are placed document by
        document in sorted order, so the result does not depend on the order of the input."""
        for ind, unit, doc in sorted(set(triples), key=lambda p: (p[2] or "", unit_family(p[1]),
                                                                    normalise_indicator(p[0]), p[0])):
            self.place(ind, unit, doc)
        return [self.place(ind, unit, doc) for ind, unit, doc in triples]


def catalogue_rows(cat: Catalogue, targets: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the ``indicators`` table: every cluster with its figures over ``targets``
    (dicts with indicator_key, doc_id, year)."""
    stats: dict[str, dict[str, Any]] = {}
    for t in targets:
        s = stats.setdefault(t["indicator_key"], {"n": 0, "docs": set(), "years": []})
        s["n"] += 1
        s["docs"].add(t["doc_id"])
        if t.get("year") is not None:
            s["years"].append(int(t["year"]))
    rows = []
    for k in sorted(cat.members):
        s = stats.get(k, {"n": 0, "docs": set(), "years": []})
        rows.append({
            "indicator_key": k, "name": cat.name[k], "unit_family": cat.family[k],
            "names": sorted(set(cat.members[k])), "n_targets": s["n"], "n_documents": len(s["docs"]),
            "first_year": min(s["years"]) if s["years"] else None,
            "last_year": max(s["years"]) if s["years"] else None,
        })
    return rows
