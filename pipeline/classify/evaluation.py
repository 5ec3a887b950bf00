"""Leave-one-document-out evaluation: inputs from the gold dataset, the rule baseline,
per-label scores, LODO predictions and probabilities, the joint decision with the
extractor and calibration (ECE).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeline.classify.estimators import build_pipeline, predict_proba_dedup
from pipeline.classify.features import (
    _COMPARATOR,
    _QUANTITY,
    FeatureSet,
    document_features,
    extractor_evidence,
    read_alone,
)
from pipeline.settings import LABELS, get_settings


def dataset_inputs(ds: Any) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Feature dicts, labels and groups from the annotations Dataset. A clause that is not a
    heading also carries, under ``flat``, its feature dict in its document read as a page
    whose headings were lost (``flat_view``; what the router's page model learns from)."""
    names = ds.features["label"].names
    X: list[dict[str, Any]] = [{}] * len(ds)
    for rows, feats, flat in _documents(ds):
        for i, f in zip(rows, feats, strict=True):
            X[i] = f
        for i, f in flat.items():
            X[i] = {**X[i], "flat": f}
    y = [names[i] for i in ds["label"]]
    return X, y, list(ds["group"])


def flat_view(ds: Any) -> tuple[list[dict[str, Any] | None], list[int]]:
    """Every gold document as a page whose headings were lost in extraction: the clauses
    that head others (the text of an element of a heading chain) dropped, the rest in
    order, at their offsets, with no heading chain, and the extractor's counts and past
    flags found again in that flat page. Returns a feature dict per dataset row (None for
    a dropped heading) and the rows kept."""
    out: list[dict[str, Any] | None] = [None] * len(ds)
    for _, _, flat in _documents(ds):
        for i, f in flat.items():
            out[i] = f
    return out, sorted(i for i, f in enumerate(out) if f is not None)


def _documents(ds: Any) -> Iterator[tuple[list[int], list[dict[str, Any]], dict[int, dict[str, Any]]]]:
    """Per gold document (in the loader's order): its rows, their feature dicts, and the
    feature dicts of its rows that are not headings with the document read as a flat page."""
    from pipeline.text.segment import Clause

    doc_ids, texts, sections = list(ds["doc_id"]), list(ds["text"]), list(ds["section"])
    starts, ends = list(ds["start"]), list(ds["end"])
    meta = _manifest()
    for d in dict.fromkeys(doc_ids):
        rows = [i for i, x in enumerate(doc_ids) if x == d]  # document order (loader keeps it)
        title, year, text = meta.get(d, {}).get("title"), manifest_year(meta.get(d, {})), _corpus_text(d)
        heads = {h.strip() for i in rows for h in sections[i]}
        kept = [i for i in rows if texts[i].strip() not in heads]
        views = []
        with_headings: list[list[str]] = [list(sections[i]) for i in rows]
        without: list[list[str]] = [[] for _ in kept]
        for idx, secs in ((rows, with_headings), (kept, without)):
            clauses = [Clause(k, starts[i], ends[i], texts[i], tuple(sec), None, False)
                       for k, (i, sec) in enumerate(zip(idx, secs, strict=True))]
            counts, past = extractor_evidence(clauses, title, year, text)
            views.append(document_features([texts[i] for i in idx], secs, counts, past))
        yield rows, views[0], dict(zip(kept, views[1], strict=True))


# --- evaluation -------------------------------------------------------------------------

def _corpus_text(doc_id: str) -> str | None:
    from pipeline.gold.annotations import document_text

    try:
        return document_text(get_settings().corpus_dir, doc_id)
    except (OSError, ValueError):
        return None


def _manifest() -> dict[str, dict[str, str]]:
    from pipeline.gold.target_eval import load_manifest

    return load_manifest()


def manifest_year(row: dict[str, str]) -> int | None:
    """A document's year from its manifest row (None when it has none)."""
    year = row.get("year") or ""
    return int(year) if year.isdigit() else None


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
    """Labels and confidences: jointly with the extractor's targets (``pipeline.classify.joint``, the
    product's labels) or the classifier's own most probable label."""
    if joint:
        from pipeline.classify.joint import reconcile

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


def past_rule(probabilities: list[dict[str, float]], X: list[dict[str, Any]], y: list[str]) -> dict[str, Any]:
    """How the past rule does where it overrules the classifier (a past clause without
    targets that the classifier would not call ``other``): clauses, and the share that is
    ``other`` in the gold (``joint.PAST_RULE_PRECISION``)."""
    from pipeline.classify.joint import past_overrules

    idx = [i for i, (p, x) in enumerate(zip(probabilities, X, strict=True))
           if past_overrules(p, int(x.get("n_targets", 0)), bool(x.get("past")))]
    right = sum(y[i] == "other" for i in idx)
    return {"n": len(idx), "other_in_gold": right, "precision": right / len(idx) if idx else None}


def evaluate(
    ds: Any, params: dict[str, Any] | None = None, features: FeatureSet = FeatureSet(), builder: Any = None,
) -> dict[str, Any]:
    """Leave-one-document-group-out figures for the model and both baselines.

    ``builder`` (a callable returning an unfitted estimator) evaluates another model
    configuration, e.g. a clone of the current registered model, on the same folds.
    """
    X, y, groups = dataset_inputs(ds)
    # Every clause also read alone, as ``predict`` reads a sentence: its target count and past
    # flag found in the clause by itself, not in its document (a fact of a review section is
    # not past by itself).
    meta = _manifest()
    X = [{**x, "alone": read_alone(x["text"], manifest_year(meta.get(d, {})))}
         for x, d in zip(X, ds["doc_id"], strict=True)]
    proba = lodo_probabilities(X, y, groups, params, features, builder=builder,
                               views={"context": lambda x: x, "context_free": lambda x: x["alone"],
                                      "headings_lost": lambda x: x.get("flat") or x["alone"]})
    pred, conf = decide(proba["context"], X)
    result = scores(y, pred)
    result["calibration"] = calibration(y, pred, conf)
    result["past_rule"] = past_rule(proba["context"], X, y)
    own, own_conf = decide(proba["context"], X, joint=False)
    result["classifier_only"] = {**{k: v for k, v in scores(y, own).items() if k != "confusion"},
                                 "calibration": {"ece": calibration(y, own, own_conf)["ece"]}}
    cf, cf_conf = decide(proba["context_free"], [x["alone"] for x in X])
    result["context_free"] = {**scores(y, cf), "calibration": calibration(y, cf, cf_conf)}
    # Every document as a page whose headings were lost (``flat_view``), scored on the
    # clauses that are not headings.
    page = [i for i, x in enumerate(X) if x.get("flat")]
    hl, hl_conf = decide([proba["headings_lost"][i] for i in page], [X[i]["flat"] for i in page])
    yp = [y[i] for i in page]
    result["headings_lost"] = {**scores(yp, hl), "calibration": calibration(yp, hl, hl_conf), "n": len(page)}
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


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The figures of ``evaluate`` that ``policy-clauses evaluate --json`` prints (no bins, no
    confusion of the other views)."""
    keys = ("macro_f1", "accuracy", "per_label", "baselines", "confusion", "per_document", "n_clauses",
            "n_documents", "n_groups", "past_rule")
    out: dict[str, Any] = {k: result[k] for k in keys if k in result}
    if "calibration" in result:
        out["calibration"] = {k: result["calibration"][k] for k in ("ece", "mean_confidence", "accuracy")}
    for view, fields in (("context_free", ("macro_f1", "accuracy", "per_label")),
                         ("headings_lost", ("macro_f1", "accuracy", "per_label", "n"))):
        if view in result:
            out[view] = {**{k: result[view][k] for k in fields}, "ece": result[view]["calibration"]["ece"]}
    if "classifier_only" in result:
        out["classifier_only"] = {k: result["classifier_only"][k] for k in ("macro_f1", "per_label")}
    return out


def format_report(r: dict[str, Any]) -> str:
    """The figures of ``evaluate`` as the lines ``policy-clauses evaluate`` prints."""
    lines = [
        f"leave-one-document-out over {r['n_documents']} documents ({r['n_groups']} groups), {r['n_clauses']} clauses",
        f"{'label':10s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'support':>8s}",
    ]
    for lab, v in r["per_label"].items():
        lines.append(f"{lab:10s} {v['precision']:9.3f} {v['recall']:7.3f} {v['f1']:6.3f} {v['support']:8d}")
    lines.append(f"macro-F1 {r['macro_f1']:.3f}  accuracy {r['accuracy']:.3f}")
    if "calibration" in r:
        c = r["calibration"]
        lines.append(f"confidence: mean {c['mean_confidence']:.3f} vs accuracy {c['accuracy']:.3f}, "
                     f"expected calibration error {c['ece']:.3f}")
    if r.get("past_rule", {}).get("n"):
        pr = r["past_rule"]
        lines.append(f"the past rule overruled the classifier on {pr['n']} clauses: {pr['other_in_gold']} of them "
                     f"`other` in the gold ({pr['precision']:.3f})")
    if "context_free" in r:
        cf = r["context_free"]
        lines.append("every clause alone (as predict sees a sentence): " + ", ".join(
            f"{lab} {v['f1']:.3f}" for lab, v in cf["per_label"].items())
            + f"; macro-F1 {cf['macro_f1']:.3f}, expected calibration error {cf['calibration']['ece']:.3f}")
        if "headings_lost" in r:
            hl = r["headings_lost"]
            lines.append(f"every document with its headings lost ({hl['n']} clauses that are not headings): " + ", ".join(
                f"{lab} {v['f1']:.3f}" for lab, v in hl["per_label"].items())
                + f"; macro-F1 {hl['macro_f1']:.3f}, expected calibration error {hl['calibration']['ece']:.3f}")
        own = r["classifier_only"]
        lines.append("the classifier's own labels (before the joint decision with the targets): "
                     f"macro-F1 {own['macro_f1']:.3f}")
    for name, b in r["baselines"].items():
        lines.append(f"baseline {name:9s} macro-F1 {b['macro_f1']:.3f}  accuracy {b['accuracy']:.3f}")
    labels = r["confusion"]["labels"]
    lines.append("confusion (rows gold, columns predicted): " + " ".join(labels))
    for lab, row in zip(labels, r["confusion"]["matrix"], strict=True):
        lines.append(f"  {lab:10s} " + " ".join(f"{x:5d}" for x in row))
    return "\n".join(lines)
