"""Clause classifier: one scikit-learn Pipeline, leave-one-document-out evaluation, registry.

Features (each measured in LODO, see ``ABLATIONS`` and the README): character n-grams
of the clause on script-normalised text (OpenCC t2s) with digits and years masked;
character n-grams of the nearest headings of its chain; position in the document; a
heading flag; a quantity cue (a number with a unit or a comparator word); the nearest
heading; and safeguard cues (the safeguard row's function words, the last top-level part).
The estimator is a class-weighted LinearSVC; a temperature-scaled softmax of its decision
values is the confidence.

Registry: ``models/clause-classifier/<version>/`` holds ``model.joblib``, ``metrics.json``,
``params.json`` and ``MODEL_CARD.md``; ``models/clause-classifier/registry.json``
records each version's sha256 and training-data hash and names the current version.
A model file whose sha256 is not the recorded one is refused before it is unpickled.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from pipeline.provision import (  # noqa: F401  (ModelIntegrityError, REGISTRY_NAME, current_version: re-exported)
    REGISTRY_NAME,
    ModelIntegrityError,
    current_version,
    read_registry,
    registry_dir,
    sha256_file,
    verify_registered_model,
)
from pipeline.settings import LABELS, get_settings

# The version of what ``document_features`` and the Pipeline's transformers compute: a
# model is only loaded by code that computes the features it was trained on (the registry
# records the version; the retrain flow retrains when it differs). Raise it when they change.
FEATURES_VERSION = "5"
_YEAR = re.compile(r"(?:19|20)\d{2}")
_DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_QUANTITY = re.compile(
    r"[0-9０-９][0-9０-９.．,，]*\s*(?:%|％|个百分点|个|家|项|件|张|座|处|所|万|亿|倍|千|百|人|户|台|套|艘|吨|公里|亩|元|条|种|次|名|辆|千瓦|平方米|兆|G)"
    r"|百分之|翻一番|翻两番"
)
_COMPARATOR = re.compile(r"以上|以下|以内|不低于|不少于|不超过|不高于|超过|高于|低于|少于|左右|达到|稳定在|控制在|突破|新增")


# What a clause's label does not depend on: list bullets and markdown marks in front, the
# final punctuation, emphasis marks, the script, and how a number is written.
_LEAD_MARKS = re.compile(r"^(?:[\s\u3000]*(?:[-*+•·●▪■◆►>]|#{1,6})[\s\u3000]+|[\s\u3000]*[•·●▪■◆►])+")
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
    from pipeline.numbers import fold
    from pipeline.read import to_simplified

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
_DEBRIS = re.compile(r"https?://|\]\(|!\[|\|\s*---|浏览|瀏覽|分享|打印|关闭|字号|来源|來源|索\s*引|责任编辑")


def clause_features(
    text: str, section: list[str] | tuple[str, ...], position: float,
    prev_text: str = "", next_text: str = "", after: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """The raw inputs the Pipeline expects for one clause (and its neighbours)."""
    from pipeline.segment import heading_marker

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
    from pipeline.segment import heading_marker

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
    from pipeline.segment import heading_marker

    n = len(texts)
    parts = list(dict.fromkeys(part_of(sec) for sec in sections if sec))
    last_part = parts[-1] if parts else None
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
        f["in_last_part"] = bool(sec) and part_of(sec) == last_part
        f["doc_headings"] = bool(parts)
        f["past"] = bool(past[i]) if past is not None else False
        out.append(f)
    return out


def extractor_counts(clauses: list[Any], title: str | None, doc_year: int | None) -> list[int]:
    """How many targets the rule extractor finds in each clause (a feature of the model)."""
    return extractor_evidence(clauses, title, doc_year)[0]


def extractor_evidence(clauses: list[Any], title: str | None, doc_year: int | None,
                       text: str | None = None) -> tuple[list[int], list[bool]]:
    """Per clause: how many targets the extractor finds, and whether the clause reports the
    past (a review section, a past time opening its sentence or paragraph)."""
    from pipeline.document_targets import extract_document_targets
    from pipeline.nlp import load_nlp

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
        return [norm(x["text"]) for x in X]


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
            CUE * float(bool(_MACHINERY.search(t))),
            float(x.get("n_targets", 0) > 0), min(x.get("n_targets", 0), 5) / 5.0, float(x.get("past", False)),
        ])
    return np.asarray(rows, dtype=float)


def _structure(X: list[dict[str, Any]]) -> np.ndarray:
    """Structure cues from the guide: the clause's part is the document's last top-level
    part; the safeguard row's function words in the nearest heading, in the clause, in the
    nearest heading of a part that follows a safeguards heading, and in the heading above
    that; a review/background heading above it (addendum D6/D13); a preamble purpose
    sentence (guide rule 4)."""
    rows = []
    for x in X:
        sec = x["section"]
        t = normalise(x["text"])
        prov = bool(sec) and bool(_SAFEGUARD_FUNCTION.search(sec[-1]))
        rows.append([
            float(x.get("in_last_part", False)), float(prov),
            float(bool(_SAFEGUARD_FUNCTION.search(t))),
            float(prov and x.get("after", {}).get("safeguard", False)),
            float(len(sec) >= 2 and bool(_SAFEGUARD_FUNCTION.search(sec[-2]))),
            float(any(_REVIEW_HEAD.search(h) for h in sec)), float(bool(_PURPOSE.search(t))),
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


# Chosen among 8 configurations (LogisticRegression C 2–32 with and without class weights,
# LinearSVC C 0.3–3, char n-grams up to 3 or 4) by LODO macro-F1; see README "Results".
DEFAULT_PARAMS: dict[str, Any] = {
    "estimator": "svc", "C": 1.0, "class_weight": "balanced", "ngram_max": 3, "min_df": 2, "section_last": 2,
    "context_dropout": 0.3, "router": True,
}


def context_free(x: dict[str, Any]) -> dict[str, Any]:
    """The feature dict of a clause seen alone, as ``predict`` sees a sentence: no heading
    chain, no neighbours, first position, the extractor's count kept."""
    (f,) = document_features([x["text"]], [[]], [int(x.get("n_targets", 0))])
    return f


class ContextDropoutPipeline(Pipeline):
    """The classifier Pipeline, fitted on every clause twice: with its context (heading
    chain, neighbours, position, part) and alone (``context_free``), so that a clause with
    no context — a sentence given to ``predict``, a page whose headings were lost — is
    still judged by what it says. ``context_dropout`` is the share of clauses copied
    (0 turns it off); predicting is the plain Pipeline's."""

    def __init__(self, steps: list[Any], *, context_dropout: float = 1.0, transform_input: Any = None,
                 memory: Any = None, verbose: bool = False):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.context_dropout = context_dropout

    def fit(self, X: Any, y: Any = None, **params: Any) -> ContextDropoutPipeline:
        X, y = list(X), list(y)
        if self.context_dropout > 0:
            rng = np.random.default_rng(0)
            pick = [i for i in range(len(X)) if self.context_dropout >= 1 or rng.random() < self.context_dropout]
            X = X + [context_free(X[i]) for i in pick]
            y = y + [y[i] for i in pick]
        super().fit(X, y, **params)
        return self


class ContextRouter(ClassifierMixin, BaseEstimator):
    """Two Pipelines behind one estimator: ``with_context`` labels the clauses of documents
    that have headings (it reads the heading chain, the part, the neighbours, the position);
    ``alone`` is fitted on every training clause seen alone (``context_free``) and labels
    the clauses of documents without any heading — a sentence given to ``predict``, a page
    whose headings were lost — by what they say. A clause goes to ``alone`` when its feature
    dict says its document has no heading (``doc_headings`` false)."""

    def __init__(self, with_context: Any = None, alone: Any = None):
        self.with_context = with_context
        self.alone = alone

    def fit(self, X: Any, y: Any) -> ContextRouter:
        from sklearn.base import clone

        X, y = list(X), list(y)
        self.with_context_ = clone(self.with_context).fit(X, y)
        # Facts of a review section read like goals once the section is gone (环境质量持续改善):
        # alone they teach nothing true, and the decision labels them from their context.
        keep = [i for i, x in enumerate(X) if not x.get("past")]
        self.alone_ = clone(self.alone).fit([context_free(X[i]) for i in keep], [y[i] for i in keep])
        self.classes_ = self.with_context_.classes_
        return self

    @staticmethod
    def routed_alone(x: dict[str, Any]) -> bool:
        return not x.get("doc_headings", bool(x.get("section")))

    def predict_proba(self, X: Any) -> np.ndarray:
        X = list(X)
        out = np.zeros((len(X), len(self.classes_)))
        for model, idx in ((self.with_context_, [i for i, x in enumerate(X) if not self.routed_alone(x)]),
                           (self.alone_, [i for i, x in enumerate(X) if self.routed_alone(x)])):
            if idx:
                proba = predict_proba_dedup(model, [X[i] for i in idx])
                cols = [list(model.classes_).index(c) for c in self.classes_]
                out[idx] = proba[:, cols]
        return out

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def build_pipeline(params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet()) -> Any:
    """The untrained classifier: a ``ContextRouter`` of two Pipelines (feature dicts → label),
    or one Pipeline when ``params["router"]`` is false."""
    p = {**DEFAULT_PARAMS, **(params or {})}
    if not p.get("router", True):
        return build_one_pipeline(p, features)
    alone = FeatureSet(text=features.text, section=False, dense=features.dense, context=False, part=False,
                       provision=False, structure=features.structure)
    return ContextRouter(build_one_pipeline(p, features), build_one_pipeline({**p, "context_dropout": 0.0}, alone))


def build_one_pipeline(params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet()) -> Pipeline:
    """The untrained classifier Pipeline (feature dicts → label)."""
    p = {**DEFAULT_PARAMS, **(params or {})}
    parts = []
    if features.text:
        parts.append(("text", Pipeline([
            ("col", TextColumn("text")),
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, p["ngram_max"]), min_df=p["min_df"],
                                      sublinear_tf=True, max_features=60000)),
        ])))
    if features.section:
        parts.append(("section", Pipeline([
            ("col", TextColumn("section", last=p["section_last"])),
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=p["min_df"], sublinear_tf=True)),
        ])))
    if features.part:
        parts.append(("part", Pipeline([
            ("col", TextColumn("part")),
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=p["min_df"], sublinear_tf=True)),
        ])))
    if features.context:
        parts.append(("context", Pipeline([
            ("col", TextColumn("context")),
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=p["min_df"], sublinear_tf=True)),
        ])))
    if features.provision:
        parts.append(("provision", Pipeline([
            ("col", TextColumn("provision")),
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=p["min_df"], sublinear_tf=True)),
        ])))
    if features.dense:
        parts.append(("dense", FunctionTransformer(_dense)))
    if features.structure:
        parts.append(("structure", FunctionTransformer(_structure)))
    return ContextDropoutPipeline([
        ("features", FeatureUnion(parts)),
        ("clf", _estimator(p)),
    ], context_dropout=float(p.get("context_dropout", 1.0)))


def _estimator(p: dict[str, Any]) -> Any:
    cw = p.get("class_weight", "balanced")
    if p.get("estimator") == "svc":
        return TemperedLinearSVC(C=p["C"], class_weight=cw)
    if p.get("estimator") == "svc_cv":  # models up to 20261122-033325
        return CalibratedLinearSVC(C=p["C"], class_weight=cw)
    return LogisticRegression(C=p["C"], class_weight=cw, max_iter=3000)


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """LinearSVC with probabilities calibrated by (up to) 3-fold CV; with a class too small
    to calibrate (fewer than 2 examples), a softmax of the decision function instead."""

    def __init__(self, C: float = 1.0, class_weight: Any = "balanced"):
        self.C = C
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any) -> CalibratedLinearSVC:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        smallest = min(Counter(y).values())
        svc = LinearSVC(C=self.C, class_weight=self.class_weight)
        if smallest >= 2:
            self.model_ = CalibratedClassifierCV(svc, cv=min(3, smallest)).fit(X, y)
        else:
            self.model_ = svc.fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        if hasattr(self.model_, "predict_proba"):
            return self.model_.predict_proba(X)
        d = np.atleast_2d(self.model_.decision_function(X))
        if d.shape[0] != X.shape[0]:
            d = d.T
        if d.shape[1] == 1:
            d = np.hstack([-d, d])
        e = np.exp(d - d.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class TemperedLinearSVC(ClassifierMixin, BaseEstimator):
    """LinearSVC whose label is the argmax of its decision function and whose confidence is
    a softmax of the decision values with one temperature, fitted (log loss) on out-of-fold
    decision values of a stratified 3-fold split of the training data. The temperature is
    monotone, so the label is always the most probable class.

    (``CalibratedLinearSVC`` averages three sigmoid-calibrated models fitted on random
    folds instead; its argmax moved clauses of whole provisions away from the plain SVC's
    decision and cost 0.02–0.03 safeguard F1 in LODO, see the README.)"""

    GRID = np.logspace(-2, 1.5, 71)

    def __init__(self, C: float = 1.0, class_weight: Any = "balanced", cv: int = 3):
        self.C = C
        self.class_weight = class_weight
        self.cv = cv

    def _svc(self) -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, class_weight=self.class_weight, max_iter=5000)

    @staticmethod
    def _scores(model: Any, X: Any) -> np.ndarray:
        d = np.asarray(model.decision_function(X), dtype=float)
        if d.ndim == 1:  # two classes
            d = np.column_stack([-d, d]) / 2.0
        return d

    def fit(self, X: Any, y: Any) -> TemperedLinearSVC:
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y)
        self.svc_ = self._svc().fit(X, y)
        self.classes_ = self.svc_.classes_
        self.temperature_ = 1.0
        smallest = min(Counter(y.tolist()).values())
        k = min(self.cv, smallest)
        if k >= 2 and len(self.classes_) >= 2:
            oof = np.zeros((len(y), len(self.classes_)))
            for tr, te in StratifiedKFold(n_splits=k, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
                oof[te] = self._scores(self._svc().fit(X[tr], y[tr]), X[te])
            gold = np.searchsorted(self.classes_, y)

            def nll(t: float) -> float:
                z = oof / t
                z = z - z.max(axis=1, keepdims=True)
                logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                return float(-logp[np.arange(len(y)), gold].mean())

            self.temperature_ = float(min(self.GRID, key=nll))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return self._scores(self.svc_, X)

    def predict_proba(self, X: Any) -> np.ndarray:
        z = self.decision_function(X) / self.temperature_
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


# --- data -------------------------------------------------------------------------------

def dataset_inputs(ds: Any) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Feature dicts, labels and groups from the annotations Dataset."""
    from pipeline.segment import Clause

    names = ds.features["label"].names
    doc_ids, texts, sections = list(ds["doc_id"]), list(ds["text"]), list(ds["section"])
    starts, ends = list(ds["start"]), list(ds["end"])
    meta = _manifest()
    X: list[dict[str, Any]] = [{}] * len(texts)
    for d in dict.fromkeys(doc_ids):
        idx = [i for i, x in enumerate(doc_ids) if x == d]  # document order (loader keeps it)
        clauses = [Clause(k, starts[i], ends[i], texts[i], tuple(sections[i]), None, False) for k, i in enumerate(idx)]
        year = meta.get(d, {}).get("year", "")
        counts, past = extractor_evidence(clauses, meta.get(d, {}).get("title"),
                                          int(year) if year.isdigit() else None, _corpus_text(d))
        feats = document_features([texts[i] for i in idx], [sections[i] for i in idx], counts, past)
        for i, f in zip(idx, feats, strict=True):
            X[i] = f
    y = [names[i] for i in ds["label"]]
    return X, y, list(ds["group"])


# --- evaluation -------------------------------------------------------------------------

def _corpus_text(doc_id: str) -> str | None:
    from pipeline.annotations import document_text

    try:
        return document_text(get_settings().corpus_dir, doc_id)
    except (OSError, ValueError):
        return None


def _manifest() -> dict[str, dict[str, str]]:
    import csv

    path = get_settings().corpus_dir / "manifest.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["doc_id"]: r for r in csv.DictReader(f)}


def rule_baseline(x: dict[str, Any]) -> str:
    """Keyword/section rules: the baseline a model must beat."""
    t, sec = x["text"], " ".join(x["section"])
    if x["is_heading"] and len(t) <= 12:
        return "other"
    if _QUANTITY.search(t) and _COMPARATOR.search(t):
        return "target"
    if re.search(r"保障|组织实施|組織實施|保障措施", sec) or re.search(r"组织领导|組織領導|考核|督查|督导|宣传|宣傳|经费|經費|资金|資金", t):
        return "safeguard"
    if re.search(r"目标|目標|指导思想|指導思想|基本原则|基本原則|总体要求|總體要求", sec) or re.search(r"明显|明顯|基本形成|更加|坚持|堅持", t):
        return "goal"
    if len(t) < 8 or not re.search(r"[\u4e00-\u9fff]{4}", t):
        return "other"
    return "measure"


def scores(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=0)
    return {
        "macro_f1": float(np.mean(f)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_label": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(LABELS)
        },
        "confusion": {"labels": list(LABELS), "matrix": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()},
    }


def lodo_predictions(
    X: list[dict[str, Any]], y: list[str], groups: list[str],
    params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet(), n_jobs: int = 2,
    builder: Any = None,
) -> list[str]:
    """Labels for every clause from a model that never saw its document group (joint decision)."""
    return lodo_predictions_with_confidence(X, y, groups, params, features, n_jobs, builder)[0]


def lodo_probabilities(
    X: list[dict[str, Any]], y: list[str], groups: list[str],
    params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet(), n_jobs: int = 2,
    builder: Any = None, views: dict[str, Any] | None = None,
) -> dict[str, list[dict[str, float]]]:
    """{view: [{label: probability} per clause]} from models that never saw the clause's
    document group; a view maps a clause's feature dict to the one the model is shown
    (default: ``{"context": the clause as it stands}``). One model is fitted per fold."""
    from joblib import Parallel, delayed

    views = views or {"context": lambda x: x}

    def fold(g: str) -> list[tuple[int, dict[str, dict[str, float]]]]:
        train = [i for i, x in enumerate(groups) if x != g]
        test = [i for i, x in enumerate(groups) if x == g]
        est = builder() if builder is not None else build_pipeline(params, features)
        model = est.fit([X[i] for i in train], [y[i] for i in train])
        classes = [str(c) for c in model.classes_]
        out: dict[int, dict[str, dict[str, float]]] = {i: {} for i in test}
        for name, view in views.items():
            proba = predict_proba_dedup(model, [view(X[i]) for i in test])
            for i, row in zip(test, proba, strict=True):
                out[i][name] = {c: float(p) for c, p in zip(classes, row, strict=True)}
        return list(out.items())

    result: dict[str, list[dict[str, float]]] = {name: [{} for _ in y] for name in views}
    for part in Parallel(n_jobs=n_jobs)(delayed(fold)(g) for g in sorted(set(groups))):
        for i, by_view in part:
            for name, row in by_view.items():
                result[name][i] = row
    return result


def decide(probabilities: list[dict[str, float]], X: list[dict[str, Any]], joint: bool = True) -> tuple[list[str], list[float]]:
    """Labels and confidences: jointly with the extractor's targets (``pipeline.decide``, the
    product's labels) or the classifier's own most probable label."""
    if joint:
        from pipeline.decide import reconcile

        pairs = reconcile(probabilities, [int(x.get("n_targets", 0)) for x in X],
                          [bool(x.get("past")) for x in X])
    else:
        pairs = [(max(p, key=lambda k: p[k]), max(p.values())) for p in probabilities]
    return [lab for lab, _ in pairs], [c for _, c in pairs]


def lodo_predictions_with_confidence(
    X: list[dict[str, Any]], y: list[str], groups: list[str],
    params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet(), n_jobs: int = 2,
    builder: Any = None,
) -> tuple[list[str], list[float]]:
    """Labels and confidences for every clause from models that never saw its document group
    (the joint label + targets decision)."""
    proba = lodo_probabilities(X, y, groups, params, features, n_jobs, builder)["context"]
    return decide(proba, X)


def calibration(y_true: list[str], y_pred: list[str], confidence: list[float], bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of the confidences (equal-width bins) and per-bin figures."""
    correct = np.asarray([a == b for a, b in zip(y_true, y_pred, strict=True)], dtype=float)
    c = np.asarray(confidence, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(c, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        m = which == b
        if not m.any():
            continue
        acc, mean = float(correct[m].mean()), float(c[m].mean())
        ece += m.sum() / len(c) * abs(acc - mean)
        rows.append({"from": float(edges[b]), "to": float(edges[b + 1]), "n": int(m.sum()),
                     "mean_confidence": mean, "accuracy": acc})
    return {"ece": float(ece), "mean_confidence": float(c.mean()) if len(c) else 0.0,
            "accuracy": float(correct.mean()) if len(c) else 0.0, "bins": rows}


def evaluate(
    ds: Any, params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet(), builder: Any = None,
) -> dict[str, Any]:
    """Leave-one-document-group-out figures for the model and both baselines.

    ``builder`` (a callable returning an unfitted estimator) evaluates another model
    configuration, e.g. a clone of the current registered model, on the same folds.
    """
    X, y, groups = dataset_inputs(ds)
    proba = lodo_probabilities(X, y, groups, params, features, builder=builder,
                               views={"context": lambda x: x, "context_free": context_free})
    pred, conf = decide(proba["context"], X)
    result = scores(y, pred)
    result["calibration"] = calibration(y, pred, conf)
    own, own_conf = decide(proba["context"], X, joint=False)
    result["classifier_only"] = {**{k: v for k, v in scores(y, own).items() if k != "confusion"},
                                 "calibration": {"ece": calibration(y, own, own_conf)["ece"]}}
    cf, cf_conf = decide(proba["context_free"], X)
    result["context_free"] = {**scores(y, cf), "calibration": calibration(y, cf, cf_conf)}
    majority = Counter(y).most_common(1)[0][0]
    result["baselines"] = {
        "majority": {k: v for k, v in scores(y, [majority] * len(y)).items() if k != "confusion"},
        "rules": {k: v for k, v in scores(y, [rule_baseline(x) for x in X]).items() if k != "confusion"},
    }
    per_doc = {}
    docs = list(ds["doc_id"])
    for d in sorted(set(docs)):
        idx = [i for i, x in enumerate(docs) if x == d]
        per_doc[d] = {"n": len(idx), "accuracy": float(np.mean([y[i] == pred[i] for i in idx]))}
    result["per_document"] = per_doc
    result["n_clauses"] = len(y)
    result["n_documents"] = len(set(docs))
    result["n_groups"] = len(set(groups))
    return result


ABLATIONS: dict[str, FeatureSet] = {
    "all": FeatureSet(),
    "clause text n-grams only": FeatureSet(section=False, dense=False, context=False, part=False, provision=False,
                                           structure=False),
    "no section": FeatureSet(section=False),
    "no dense (position, heading, part and quantity cues)": FeatureSet(dense=False),
    "no neighbour context": FeatureSet(context=False),
    "no top-level part heading": FeatureSet(part=False),
    "no nearest-heading n-grams": FeatureSet(provision=False),
    "no structure cues (safeguard functions, last part, review heading, purpose)": FeatureSet(structure=False),
}


# --- registry ---------------------------------------------------------------------------

def _write_registry(root: Path, reg: dict[str, Any]) -> None:
    tmp = root / "registry.json.tmp"
    tmp.write_text(json.dumps(reg, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(root / "registry.json")


def train_and_register(
    annotations_dir: Path | None = None, corpus_dir: Path | None = None, models_dir: Path | None = None,
    params: dict[str, Any] | None = None, make_current: bool = False, metrics: dict[str, Any] | None = None,
) -> str:
    """Fit on all gold, evaluate LODO (unless given), save a new version; returns it."""
    import joblib

    from pipeline.annotations import annotations_hash, load_dataset

    s = get_settings()
    ann = annotations_dir or s.annotations_dir
    ds = load_dataset(ann, corpus_dir or s.corpus_dir)
    X, y, _ = dataset_inputs(ds)
    p = {**DEFAULT_PARAMS, **(params or {})}
    metrics = metrics or evaluate(ds, p)
    model = build_pipeline(p).fit(X, y)
    data_hash = annotations_hash(ann)
    stamp = datetime.now(UTC)
    version = f"{stamp:%Y%m%d-%H%M%S}-{data_hash[:8]}"
    root = registry_dir(models_dir)
    vdir = root / version
    vdir.mkdir(parents=True, exist_ok=False)
    joblib.dump(model, vdir / "model.joblib", compress=3)
    digest = sha256_file(vdir / "model.joblib")  # from pipeline.provision
    (vdir / "model.sha256").write_text(f"{digest}  model.joblib\n")
    (vdir / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    settings_doc = {
        "params": p, "features": ["char 1-3 grams of t2s text, digits/years masked",
                                  "char 1-2 grams of the last 2 headings", "position, position², heading flag, "
                                  "quantity cue, quantity+comparator cue, length, no-section flag, part cues, "
                                  "debris cues, rule-extractor target count",
                                  "char 1-2 grams of the top-level part heading", "char 1-2 grams of the neighbours",
                                  "char 1-2 grams of the nearest heading (and of the clause when it is a heading)",
                                  "safeguard-function words in the clause and its headings, last top-level part, "
                                  "review/background heading, preamble purpose sentence"],
        "estimator": {"svc": "LinearSVC, temperature-scaled softmax confidence",
                      "svc_cv": "CalibratedClassifierCV(LinearSVC)"}.get(str(p.get("estimator")), "LogisticRegression")
        + f"(C={p.get('C')}, class_weight={p.get('class_weight')!r})",
        "training_data_sha256": data_hash, "n_clauses": len(y), "labels": list(LABELS),
        "sklearn": __import__("sklearn").__version__,
    }
    (vdir / "params.json").write_text(json.dumps(settings_doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (vdir / "MODEL_CARD.md").write_text(model_card(version, settings_doc, metrics), encoding="utf-8")
    reg = read_registry(root)
    reg["versions"][version] = {
        "sha256": digest, "training_data_sha256": data_hash, "created": stamp.isoformat(),
        "macro_f1": metrics["macro_f1"],
        "per_label_f1": {k: v["f1"] for k, v in metrics["per_label"].items()},
        "features_version": FEATURES_VERSION,
    }
    if make_current or reg.get("current") is None:
        reg["current"] = version
    _write_registry(root, reg)
    return version


def promote(version: str, models_dir: Path | None = None) -> None:
    root = registry_dir(models_dir)
    reg = read_registry(root)
    if version not in reg["versions"]:
        raise KeyError(f"unknown model version {version!r}")
    reg["current"] = version
    _write_registry(root, reg)


def registry(models_dir: Path | None = None) -> dict[str, Any]:
    return read_registry(registry_dir(models_dir))


def model_card(version: str, settings_doc: dict[str, Any], m: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {lab} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for lab, v in m["per_label"].items()
    )
    return f"""# Clause classifier {version}

Labels every clause goal / target / measure / safeguard / other (ANNOTATION_GUIDE.md §2).

- Estimator: {settings_doc['estimator']}, params {settings_doc['params']}
- Features: {'; '.join(settings_doc['features'])}
- Training data: {settings_doc['n_clauses']} gold clauses, annotations sha256 {settings_doc['training_data_sha256']}
- Evaluation: leave-one-document-out over {m.get('n_documents')} documents ({m.get('n_groups')} groups;
  documents sharing near-duplicate clauses are held out together)

| label | precision | recall | F1 | support |
|---|---|---|---|---|
{rows}

Macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}; baselines: majority macro-F1
{m['baselines']['majority']['macro_f1']:.3f}, keyword/section rules macro-F1 {m['baselines']['rules']['macro_f1']:.3f}.

Limits: trained on {m.get('n_documents')} provincial/city documents of 2015–2024; web debris is labelled
`other`; documents of other genres (laws, news) were never seen.
"""


def predict_proba_dedup(model: Any, X: list[dict[str, Any]]) -> np.ndarray:
    """``model.predict_proba(X)`` with each distinct string TF-IDF-transformed once.

    The heading fields repeat from clause to clause (558 distinct section strings in
    3,109 clauses of the corpus), and a vectorizer's rows depend on their own string
    only, so transforming the distinct strings and repeating the rows gives the same
    matrix for less work. Models of another shape go through ``predict_proba``.
    """
    from scipy import sparse

    if isinstance(model, ContextRouter):
        return model.predict_proba(X)
    feats = model.named_steps.get("features") if isinstance(model, Pipeline) else None
    if not isinstance(feats, FeatureUnion) or feats.transformer_weights or len(model.steps) != 2:
        return model.predict_proba(X)
    blocks = []
    for _, tr in feats.transformer_list:
        if tr == "drop":
            continue
        if isinstance(tr, Pipeline) and len(tr.steps) == 2 and isinstance(tr.steps[0][1], TextColumn) \
                and isinstance(tr.steps[1][1], TfidfVectorizer):
            strings = tr.steps[0][1].transform(X)
            index: dict[str, int] = {}
            rows = [index.setdefault(x, len(index)) for x in strings]
            blocks.append(tr.steps[1][1].transform(list(index))[rows])
        else:
            blocks.append(tr.transform(X))
    if any(sparse.issparse(b) for b in blocks):
        features = sparse.hstack(blocks).tocsr()
    else:  # pragma: no cover - every trained model has a TF-IDF block
        features = np.hstack(blocks)
    return model.steps[-1][1].predict_proba(features)


class ClauseClassifier:
    """A loaded, verified model version."""

    def __init__(self, version: str, model: Any):
        self.version = version
        self.model = model

    def predict_features(self, X: list[dict[str, Any]]) -> list[tuple[str, float]]:
        """(label, probability) per feature dict: the most probable label."""
        out = []
        for row in self.proba_features(X):
            label = max(row, key=lambda k: row[k])
            out.append((label, row[label]))
        return out

    def proba_features(self, X: list[dict[str, Any]]) -> list[dict[str, float]]:
        """{label: probability} per feature dict."""
        if not X:
            return []
        proba = predict_proba_dedup(self.model, X)
        classes = [str(c) for c in self.model.classes_]
        return [{c: float(p) for c, p in zip(classes, row, strict=True)} for row in proba]

    def proba_clauses(self, clauses: list[Any], target_counts: list[int],
                      past: list[bool] | None = None) -> list[dict[str, float]]:
        """{label: probability} for the clauses of one document, in order."""
        X = document_features([c.text for c in clauses], [list(c.section) for c in clauses], target_counts, past)
        return self.proba_features(X)

    def predict_clauses(self, clauses: list[Any], target_counts: list[int] | None = None) -> list[tuple[str, float]]:
        """Label the clauses of one document, in order; ``target_counts`` are the rule
        extractor's counts per clause (computed here when not given)."""
        if target_counts is None:
            target_counts = extractor_counts(clauses, None, None) if clauses else []
        X = document_features([c.text for c in clauses], [list(c.section) for c in clauses], target_counts)
        return self.predict_features(X)


def load_version(version: str, models_dir: Path | None = None, check_features: bool = True) -> ClauseClassifier:
    """Load a registered version after checking its sha256 against the registry (and that
    this code computes the features it was trained on, unless ``check_features`` is false:
    the retrain gate refits an old configuration on today's features)."""
    import joblib

    root = registry_dir(models_dir)
    path = verify_registered_model(root, version)
    trained_for = read_registry(root)["versions"][version].get("features_version")
    if check_features and trained_for != FEATURES_VERSION:
        raise ModelIntegrityError(
            f"{root / version}: this model was trained on features version {trained_for or 'before 4'}, "
            f"this code computes version {FEATURES_VERSION}; train a model for it with "
            "`policy-clauses retrain` (it retrains when the features changed)")
    return ClauseClassifier(version, joblib.load(path))


@lru_cache(maxsize=4)
def _cached(version: str, models_dir: str) -> ClauseClassifier:
    return load_version(version, Path(models_dir))


def load_current(models_dir: Path | None = None) -> ClauseClassifier | None:
    """The current version, verified; None when no model has been registered."""
    md = models_dir or get_settings().models_dir
    v = current_version(md)
    if v is None:
        return None
    return _cached(v, str(md))
