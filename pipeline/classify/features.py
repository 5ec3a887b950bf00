"""Clause features: the clause text normalised and masked, its heading chain, position,
heading flag, quantity cue, nearest heading, safeguard cues and the extractor's evidence
(``document_features``); the transformers that turn them into columns (``TextColumn``,
``_dense``, ``_structure``) and the ``FeatureSet`` switches the ablations use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.text.segment import LIST_LEAD

# The version of what ``document_features`` and the Pipeline's transformers compute: a
# model is only loaded by code that computes the features it was trained on (the registry
# records the version; the retrain flow retrains when it differs). Raise it when they change.
FEATURES_VERSION = "9"
_YEAR = re.compile(r"(?:19|20)\d{2}")
_DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_QUANTITY = re.compile(
    r"[0-9０-９][0-9０-９.．,，]*\s*(?:%|％|个百分点|个|家|项|件|张|座|处|所|万|亿|倍|千|百|人|户|台|套|艘|吨|公里|亩|元|条|种|次|名|辆|千瓦|平方米|兆|G)"
    r"|百分之|翻一番|翻两番"
)
_COMPARATOR = re.compile(r"以上|以下|以内|不低于|不少于|不超过|不高于|超过|高于|低于|少于|左右|达到|稳定在|控制在|突破|新增")


# What a clause's label does not depend on: list bullets and markdown marks in front, the
# final punctuation, emphasis marks, the script, and how a number is written.
_LEAD_MARKS = LIST_LEAD
_END_MARKS = re.compile(r"[。；;，,：:！!？?、\s\u3000]+$")
_CN_QUANTITY = re.compile(
    r"(?:百分之)?[零〇一二两三四五六七八九十百千万亿]*[一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*"
    r"(?:点[零〇一二三四五六七八九]+)?(?=[个家项件名座所万亿倍人户台套艘吨亩元条种次辆张类批分%])"
)


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The clause as the features read it (cached: the text, dense and structure features
    each read it): script-normalised (OpenCC t2s), full-width folded,
    bullets and markdown marks in front and punctuation at the end removed, ``**`` dropped,
    years masked as Y and numbers — Arabic or Chinese (``五百家`` → ``0家``) — as 0."""
    from pipeline.text.metadata import to_simplified
    from pipeline.text.numbers import fold

    t = fold(to_simplified(text)).replace("*", "")
    t = _LEAD_MARKS.sub("", t)
    t = _END_MARKS.sub("", t)
    t = _YEAR.sub("Y", t)
    t = _CN_QUANTITY.sub("0", t)
    return _DIGITS.sub("0", t)


_SAFEGUARD_HEAD = re.compile(r"保障|組織實施|组织实施|工作要求|组织领导|組織領導|实施保障")
_GOAL_HEAD = re.compile(r"目标|目標|指导思想|指導思想|基本原则|基本原則|总体要求|總體要求")
_TASK_HEAD = re.compile(r"任务|任務|措施|行动|行動|工程|举措|舉措")
# The functions of the guide's safeguard row (and addendum D5/D9/D23): organisation and
# coordination, division of responsibility, assessment, funding/tax/finance support,
# publicity, talent; matched in a clause and in the headings above it.
_SAFEGUARD_FUNCTION = re.compile(
    r"组织领导|組織領導|统筹协调|統籌協調|协调机制|協調機制|考核|督查|督导|督導|督促|评估|評估|经费|經費|资金|資金"
    r"|财政|財政|税收|稅收|金融|宣传|宣傳|舆论|輿論|氛围|氛圍|人才|队伍|隊伍|责任|責任|落实|落實|保障|组织实施"
    r"|組織實施|工作机制|工作機制|分工|监测|監測|考评|考評|通报|通報|问责|問責|追责|追責|联席会议|聯席會議"
    r"|协同|協同|协调|協調"
)
# The guide's typical words (§2 table) where a clause starts and ends: a measure opens with
# an action verb (加强, 建立, 推进 …); a goal states an outcome of its subject at its end
# (明显提升, 基本形成, 更加完善, 持续优化); a safeguard names the implementation of the
# document itself (为实施本方案, 确保本意见落实).
_ACTION_START = re.compile(
    r"^(?:[（(][一二三四五六七八九十0-9]+[)）]|[0-9一二三四五六七八九十]+[、.])?\s*(?:加强|建立|推进|开展|实施|完善|鼓励|严厉打击|"
    r"推动|加快|支持|引导|深化|健全|强化|落实|培育|打造|建设|组织|制定|探索|规范|促进|创新|大力|积极|全面|着力|严格|"
    r"持续|继续|坚决|扎实|切实|进一步|发挥|构建|提升|提高|优化|扩大|实行|推广|开发|发展)"
)
_OUTCOME_END = re.compile(
    r"(?:明显|显著|持续|稳步|不断|进一步|普遍|大幅|全面|基本|初步|更加|逐步|有效|大幅度|日益)"
    r"(?:提升|提高|优化|改善|增强|完善|形成|建立|健全|扩大|降低|下降|改进|巩固|壮大|加强|凸显|完备|成熟|普及|落实)$"
    r"|(?:取得|实现)[^，,]{0,8}(?:成效|进展|突破|成果)$|更加[^，,]{1,6}$"
)
_GOAL_START = re.compile(r"^(?:基本|初步|逐步)(?:形成|建成|建立|实现)|^坚持")
# The machinery of implementing a document (the guide's safeguard row, its specific words).
_MACHINERY = re.compile(
    r"组织领导|领导小组|工作专班|联席会议|统筹协调|协调机制|督查|督导|督促检查|考核|问责|追责|通报|第三方评估|"
    r"评估机制|资金保障|经费保障|财政支持|税收优惠|舆论|氛围|人才保障|责任分工|贯彻落实|议事日程|工作合力|落到实处|"
    r"考评|评分|分值|^[(（]?[0-9.]+分[)）]?$"  # an assessment scheme's scoring (addendum B5)
)
_OWN_IMPLEMENTATION = re.compile(r"(?:本|该|此)(?:方案|意见|规划|计划|政策|通知|办法|措施)[^，,。]{0,6}(?:实施|落实|执行)"
                                 r"|(?:实施|落实|执行)(?:本|该)(?:方案|意见|规划|计划)|各项任务|工作合力|重要议事日程")
# Background and review sections (addendum D6/D13: the past and the background are `other`).
_REVIEW_HEAD = re.compile(r"成效|成就|回顾|回顧|现状|現狀|问题|問題|形势|形勢|发展基础|發展基礎|进展|進展|背景")
# Purpose sentences of a preamble (guide rule 4: `为…,现提出如下实施意见。` is `goal`).
_PURPOSE = re.compile(r"^(?:为了?|為了?)[^。]{4,}(?:特制定|现提出|現提出|制定本|提出如下|现就|現就|特提出|制定如下|特制訂|制訂本)")
# A sentence that reports the past or the present (addendum B4/E4): review openings,
# perfective and completed aspect.
_PAST = re.compile(r"^(?:过去|近年来|多年来|[0-9一二三四五六七八九十]+年来|[^，,]{0,14}以来|去年|上年|目前|当前|截至)"
                   r"|已经|已有|已建成|已形成|取得了|实现了|达到了|增长了|提高了|下降了")
# A heading that names a part, a task or a function of the document (what the guide's rule 3
# reads); one that names none (``（三）其他事项``) is neutral, and no label should hinge on it
# being there (the invariance checks of ``robustness``, the heading noise of training).
_NAMING_HEADING = re.compile(r"目标|原则|思想|要求|任务|措施|行动|工程|保障|组织|实施|领导|考核|资金|宣传|人才|成效|成就|"
                             r"现状|形势|问题|背景|回顾|基础|意见|方案|规划|计划")


def is_neutral_heading(heading: str) -> bool:
    from pipeline.text.script import t2s

    return not _NAMING_HEADING.search(t2s(heading))


# Procedural sentences of a document (guide rule 4, `other`): sending it on (现印发给你们，
# 请认真贯彻执行), its entry into force and validity (自印发之日起施行, 有效期5年), who
# interprets it, what it replaces.
_PROCEDURAL = re.compile(
    r"印发给你们|请(?:各[^，,。]{1,12})?认真(?:贯彻|按照|抓好|推进|组织|遵照|执行|落实)|请结合实际|遵照执行|特此通知|之日起(?:施行|实施|执行|生效)"
    r"|起施行|起生效|开始执行|有效期(?:为|至|0|[一二三四五六七八九十]+年)|负责解释|以本(?:方案|意见|办法|通知|规定|政策|措施)为准"
    r"|同时废止|不再执行"
)
# Web page furniture (links, tables of markdown, share/print bars, attachments and their
# file names, previous/next links, site registration).
_DEBRIS = re.compile(r"https?://|\]\(|!\[|\|\s*---|浏览|瀏覽|分享|打印|关闭|字号|来源|來源|索\s*引|责任编辑"
                     r"|扫一扫|掃一掃|当前页|當前頁|上一篇|下一篇|原文下载|ICP备|公网安备|印发日期|发布日期"
                     r"|\.(?:pdf|PDF|docx?|xlsx?|wps|ofd|jpe?g|png)\b")


def clause_features(
    text: str, section: list[str] | tuple[str, ...], position: float,
    prev_text: str = "", next_text: str = "", after: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """The raw inputs the Pipeline expects for one clause (and its neighbours)."""
    from pipeline.text.segment import heading_marker

    return {
        "text": text,
        "section": list(section),
        "position": float(position),
        "is_heading": heading_marker(_LEAD_MARKS.sub("", text)) is not None,
        "context": f"{prev_text[-30:]} ‖ {next_text[:30]}",
        "after": after or {},
    }


def part_of(section: list[str] | tuple[str, ...]) -> str:
    """The top-level part a heading chain belongs to: its outermost numbered heading
    (``二、主要任务``), else its outermost heading (a markdown page title or ``政策全文``
    above the numbered parts does not make the whole document one part)."""
    from pipeline.text.segment import heading_marker

    for h in section:
        if heading_marker(h) is not None:
            return h
    return section[0] if section else ""


def document_features(
    texts: list[str], sections: list[list[str]], target_counts: list[int] | None = None,
    past: list[bool] | None = None,
) -> list[dict[str, Any]]:
    """Feature dicts for all clauses of one document, in order (neighbours and the parts
    of the document the clause follows: goals / tasks / safeguards headings)."""
    from pipeline.text.segment import heading_marker

    n = len(texts)
    clause_parts = [part_of(sec) if sec else None for sec in sections]  # each chain read once
    parts = list(dict.fromkeys(p for p in clause_parts if p is not None))
    last_part = parts[-1] if parts else None
    support = _part_support(texts, clause_parts, parts)
    out = []
    state = {"goal": False, "task": False, "safeguard": False}
    for i, (t, sec) in enumerate(zip(texts, sections, strict=True)):
        core = _END_MARKS.sub("", t)
        if heading_marker(t) is not None or (len(core) <= 16 and not any(p in core for p in "，,、；;")):
            if _SAFEGUARD_HEAD.search(t):
                state = {"goal": False, "task": False, "safeguard": True}
            elif _TASK_HEAD.search(t) and len(t) <= 16:
                state = {"goal": False, "task": True, "safeguard": False}
            elif _GOAL_HEAD.search(t):
                state = {"goal": True, "task": False, "safeguard": False}
        f = clause_features(
            t, sec, i / max(1, n - 1),
            texts[i - 1] if i > 0 else "", texts[i + 1] if i + 1 < n else "", dict(state),
        )
        f["n_targets"] = target_counts[i] if target_counts is not None else 0
        part = clause_parts[i]
        f["in_last_part"] = part is not None and part == last_part
        f["part_support"], f["part_place"] = support[part] if part is not None else (0.0, 0.0)
        f["doc_headings"] = bool(parts)
        f["doc_clauses"] = n
        f["past"] = bool(past[i]) if past is not None else False
        out.append(f)
    return out


def _part_support(texts: list[str], clause_parts: list[str | None], parts: list[str]) -> dict[str, tuple[float, float]]:
    """Per top-level part: the share of its clauses (its headings among them) naming one of
    the safeguard row's functions (``_SAFEGUARD_FUNCTION``: organisation, assessment,
    funding, finance, talent, publicity …), and its place among the parts (0 first, 1 last).
    A whole chapter about support placed after the tasks is the safeguards part whatever its
    title (addendum D23/E17); what makes it one is what its clauses are about and where it
    stands, which its heading's own words need not say (强化人才支撑, 建立工作机制)."""
    hits: dict[str, list[int]] = {p: [0, 0] for p in parts}
    for t, part in zip(texts, clause_parts, strict=True):
        if part is not None:
            h = hits[part]
            h[0] += bool(_SAFEGUARD_FUNCTION.search(normalise(t)))
            h[1] += 1
    last = max(1, len(parts) - 1)
    return {p: (h[0] / h[1], k / last) for k, (p, h) in enumerate(hits.items())}


def extractor_counts(clauses: list[Any], title: str | None, doc_year: int | None) -> list[int]:
    """How many targets the rule extractor finds in each clause (a feature of the model)."""
    return extractor_evidence(clauses, title, doc_year)[0]


def extractor_evidence(clauses: list[Any], title: str | None, doc_year: int | None,
                       text: str | None = None) -> tuple[list[int], list[bool]]:
    """Per clause: how many targets the extractor finds, and whether the clause reports the
    past (a review section, a past time opening its sentence or paragraph)."""
    from pipeline.targets.document import extract_document_targets
    from pipeline.targets.nlp import load_nlp

    counts = [0] * len(clauses)
    past: list[bool] = []
    for t in extract_document_targets(load_nlp(), clauses, title, doc_year=doc_year, text=text, past=past):
        counts[t["clause_seq"]] += 1
    return counts, past


class TextColumn(BaseEstimator, TransformerMixin):
    """Select and normalise the clause text (or its nearest headings) from feature dicts."""

    def __init__(self, field: str = "text", last: int = 2):
        self.field = field
        self.last = last

    def fit(self, X: list[dict[str, Any]], y: Any = None) -> TextColumn:
        return self

    def transform(self, X: list[dict[str, Any]]) -> list[str]:
        memo: dict[str, str] = {}  # headings repeat from clause to clause: normalise each once

        def norm(s: str) -> str:
            return memo[s] if s in memo else memo.setdefault(s, normalise(s))

        if self.field == "section":
            return [norm(" | ".join(x["section"][-self.last:])) for x in X]
        if self.field == "part":
            return [norm(part_of(x["section"])) for x in X]
        if self.field == "provision":  # the nearest heading, and the clause itself when it is one
            return [norm((x["section"][-1] if x["section"] else "") + " ‖ " + (x["text"] if x["is_heading"] else ""))
                    for x in X]
        if self.field == "context":
            return [norm(x["context"]) for x in X]
        if self.field == "edges":
            return [clause_edges(norm(x["text"])) for x in X]
        if self.field == "words":
            return [clause_words(norm(x["text"])) for x in X]
        return [norm(x["text"]) for x in X]


EDGE_CHARS = 6
# A provision number or a dash bullet opening a normalised clause (``（一）``, ``0.``, ``——``).
_OPENING_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十百0]+[章节条部分]|[（(][一二三四五六七八九十0]+[)）]|[一二三四五六七八九十0]+[、.]"
                             r"|[—－-]{1,2})\s*")


def clause_edges(normalised: str, k: int = EDGE_CHARS) -> str:
    """A normalised clause's opening and closing ``k`` characters, marked ``^…`` and ``…$``
    (its provision number left out): where the guide's typical words stand — the action
    verb a measure opens with (加强, 建立), the outcome a goal ends on (明显提升, 更加完善),
    the organ a safeguard opens with (各级政府, 领导小组). Their n-grams are a column of the
    models that read a clause without its headings (alone, page)."""
    t = _OPENING_NUMBER.sub("", normalised)
    return f"^{t[:k]} {t[-k:]}$"


@lru_cache(maxsize=1 << 16)
def clause_words(normalised: str) -> str:
    """A normalised clause cut into words by the extractor's tokenizer (pkuseg with the
    policy lexicon), space-separated: the words a clause read alone is judged by, where
    char n-grams also match across word boundaries (``质量提升`` holds ``量提``)."""
    from pipeline.targets.nlp import load_nlp

    return " ".join(tok.text for tok in load_nlp().tokenizer(normalised) if not tok.is_space)


CUE = 3.0


def _dense(X: list[dict[str, Any]]) -> np.ndarray:
    rows = []
    for x in X:
        t = normalise(x["text"])
        q = bool(_QUANTITY.search(t))
        sec = " ".join(x["section"])
        after = x.get("after", {})
        han = sum(1 for ch in t if "\u4e00" <= ch <= "\u9fff")
        rows.append([
            x["position"], x["position"] ** 2, float(x["is_heading"]), float(q),
            float(q and bool(_COMPARATOR.search(t))), min(len(t), 300) / 300.0,
            float(len(x["section"]) == 0),
            float(bool(_SAFEGUARD_HEAD.search(sec))), float(bool(_GOAL_HEAD.search(sec))),
            float(bool(_TASK_HEAD.search(sec))),
            float(after.get("safeguard", False)), float(after.get("goal", False)), float(after.get("task", False)),
            han / max(1, len(t)), float(bool(_DEBRIS.search(x["text"]))), float(bool(_PAST.search(t))),
            # the guide's typical words, weighted up: a linear model then needs less weight to use them
            CUE * float(bool(_ACTION_START.search(t))), CUE * float(bool(_OUTCOME_END.search(t))),
            CUE * float(bool(_OWN_IMPLEMENTATION.search(t))), CUE * float(bool(_GOAL_START.search(t))),
            CUE * float(bool(_MACHINERY.search(t))), CUE * float(bool(_PROCEDURAL.search(t))),
            float(x.get("n_targets", 0) > 0), min(x.get("n_targets", 0), 5) / 5.0, float(x.get("past", False)),
        ])
    return np.asarray(rows, dtype=float)


def _structure(X: list[dict[str, Any]]) -> np.ndarray:
    """Structure cues from the guide: the clause's part is the document's last top-level
    part; the safeguard row's function words in the nearest heading, in the clause, in the
    nearest heading of a part that follows a safeguards heading, and in the heading above
    that; a review/background heading above it (addendum D6/D13); a preamble purpose
    sentence (guide rule 4); how much the clause's part is about those functions, and that
    share again weighted by where the part stands (``_part_support``, addendum D23/E17)."""
    rows = []
    for x in X:
        sec = x["section"]
        t = normalise(x["text"])
        prov = bool(sec) and bool(_SAFEGUARD_FUNCTION.search(sec[-1]))
        support = x.get("part_support", 0.0)
        rows.append([
            float(x.get("in_last_part", False)), float(prov),
            float(bool(_SAFEGUARD_FUNCTION.search(t))),
            float(prov and x.get("after", {}).get("safeguard", False)),
            float(len(sec) >= 2 and bool(_SAFEGUARD_FUNCTION.search(sec[-2]))),
            float(any(_REVIEW_HEAD.search(h) for h in sec)), float(bool(_PURPOSE.search(t))),
            CUE * support, CUE * support * x.get("part_place", 0.0),
        ])
    return np.asarray(rows, dtype=float)


@dataclass(frozen=True)
class FeatureSet:
    text: bool = True
    section: bool = True
    dense: bool = True
    context: bool = True
    part: bool = True
    provision: bool = True
    structure: bool = True
    edges: bool = False
    words: bool = False


# Chosen among 8 configurations (LogisticRegression C 2–32 with and without class weights,
# LinearSVC C 0.3–3, char n-grams up to 3 or 4) by LODO macro-F1; see README "Results".
def context_free(x: dict[str, Any]) -> dict[str, Any]:
    """The feature dict of a clause without its context: no heading chain, no neighbours,
    first position, the extractor's count kept (what training copies for context dropout;
    ``read_alone`` is what ``predict`` sees)."""
    (f,) = document_features([x["text"]], [[]], [int(x.get("n_targets", 0))])
    return f


def read_alone(text: str, doc_year: int | None) -> dict[str, Any]:
    """The feature dict of a clause given alone, as ``predict`` reads a sentence: no heading
    chain, no neighbours, and the extractor's count and past flag found in the clause by
    itself (a fact of a review section is a fact only by its section), in a text of
    ``doc_year``."""
    from pipeline.text.segment import Clause

    counts, past = extractor_evidence([Clause(0, 0, len(text), text, (), None, False)], None, doc_year, text)
    (f,) = document_features([text], [[]], counts, past)
    return f
