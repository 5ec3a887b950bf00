"""Behavioural checks of the clause labels (CheckList, Ribeiro et al. 2020): perturbations
that must not change a label, and the flip rate of each over gold clauses.

A perturbation rewrites one clause the way real input varies — its final 。 lost or gained,
the other script, numbers in Chinese numerals or full-width digits, a list bullet or a
markdown marker in front, a neutral heading added above it or removed — and returns None
where it does not apply. ``flip_rates`` labels every gold clause of a document as it
stands and as perturbed (the rest of the document unchanged), through the product's path
(features, classifier, the extractor's count, the joint decision), and counts the changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.classify.features import is_neutral_heading
from pipeline.text.script import converter, t2s

# A heading that says nothing about the label of what stands under it.
NEUTRAL_HEADING = "（一）有关工作"
_END = "。；;"
_ARABIC = re.compile(r"(?<![0-9.])(\d+(?:\.\d+)?)(?![0-9.])")


def drop_end(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    return (text[:-1], list(section)) if text and text[-1] in _END and len(text) > 1 else None


def add_end(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    return (text + "。", list(section)) if text and text[-1] not in _END + "，,：:" else None


def other_script(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    simp = t2s(text)
    out = converter("s2t")(text) if simp == text else simp
    return (out, list(section)) if out != text else None


def chinese_numerals(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    """``500家`` → ``五百家``, ``7.8%`` → ``七点八%``; years (19xx/20xx before 年) stay."""
    import cn2an

    def swap(m: re.Match[str]) -> str:
        s = m.group(1)
        after = text[m.end():m.end() + 1]
        if after == "年" and len(s) == 4:
            return s
        try:
            return str(cn2an.an2cn(s, "low"))
        except Exception:  # noqa: BLE001 - leave what cn2an cannot write
            return s

    out = _ARABIC.sub(swap, text)
    return (out, list(section)) if out != text else None


def full_width(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    out = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789%"})
    return (out, list(section)) if out != text else None


def bullet(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    return ("• " + text, list(section))


def markdown_marker(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    return ("- " + text, list(section))


def heading_added(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    return (text, [*section, NEUTRAL_HEADING])


def heading_removed(text: str, section: Sequence[str]) -> tuple[str, list[str]] | None:
    """Remove the nearest heading when it is neutral (names no part, task or function)."""
    if section and is_neutral_heading(section[-1]):
        return (text, list(section[:-1]))
    return None


PERTURBATIONS: dict[str, Callable[[str, Sequence[str]], tuple[str, list[str]] | None]] = {
    "final 。/； removed": drop_end,
    "final 。 added": add_end,
    "other script": other_script,
    "Chinese numerals": chinese_numerals,
    "full-width digits": full_width,
    "list bullet in front": bullet,
    "markdown marker in front": markdown_marker,
    "neutral heading added": heading_added,
    "neutral heading removed": heading_removed,
}


def perturbed_features(x: dict[str, Any], text: str, section: list[str], n_targets: int) -> dict[str, Any]:
    """``x`` (a clause's feature dict in its document) with its text, heading chain and
    extractor count replaced."""
    from pipeline.classify.features import _LEAD_MARKS
    from pipeline.text.segment import heading_marker

    return {**x, "text": text, "section": section, "n_targets": n_targets,
            "is_heading": heading_marker(_LEAD_MARKS.sub("", text)) is not None}


def as_read(nlp: Any, x: dict[str, Any], text: str, section: list[str], doc: dict[str, Any]) -> dict[str, Any]:
    """``x`` with its text and heading chain replaced, and the extractor's count of the clause
    read alone under them (``doc``: its document's ``title`` and ``year``)."""
    return perturbed_features(x, text, section, count_targets(nlp, text, section, doc.get("title"), doc.get("year")))


def count_targets(nlp: Any, text: str, section: Sequence[str], title: str | None, doc_year: int | None) -> int:
    """How many targets the extractor finds in one clause under ``section``."""
    from pipeline.targets import has_numeral
    from pipeline.targets.document import extract_document_targets
    from pipeline.text.segment import Clause

    if not has_numeral(text):
        return 0
    clause = Clause(0, 0, len(text), text, tuple(section), None, False)
    return len(extract_document_targets(nlp, [clause], title, doc_year=doc_year))


def flip_rates(predict: Callable[[list[dict[str, Any]]], list[str]], docs: list[dict[str, Any]], nlp: Any,
               perturbations: dict[str, Callable[..., Any]] | None = None) -> dict[str, dict[str, Any]]:
    """{perturbation: {"n": clauses it applies to, "flips": label changes, "rate": …,
    "examples": a few (text, before, after)}}.

    ``docs``: dicts with ``X`` (feature dicts of the document's gold clauses, as
    ``document_features`` makes them), ``title`` and ``year``; ``predict`` maps feature
    dicts to labels (the product's joint decision)."""
    perturbations = perturbations or PERTURBATIONS
    out: dict[str, dict[str, Any]] = {}
    for name, fn in perturbations.items():
        n = flips = 0
        examples: list[tuple[str, str, str]] = []
        for d in docs:
            if "base" not in d:
                # The extractor's count of each clause read alone, as for the perturbed ones,
                # so a flip is the perturbation's doing, not the paragraph's.
                d["X0"] = [as_read(nlp, x, x["text"], x["section"], d) for x in d["X"]]
                d["base"] = predict(d["X0"])
            X, base = d["X0"], d["base"]
            idx, changed = [], []
            for i, x in enumerate(X):
                p = fn(x["text"], x["section"])
                if p is None:
                    continue
                idx.append(i)
                changed.append(as_read(nlp, x, p[0], p[1], d))
            if not idx:
                continue
            labels = predict(changed)
            for i, lab, x in zip(idx, labels, changed, strict=True):
                n += 1
                if lab != base[i]:
                    flips += 1
                    if len(examples) < 5:
                        examples.append((x["text"][:60], base[i], lab))
        out[name] = {"n": n, "flips": flips, "rate": flips / n if n else 0.0, "examples": examples}
    return out


def gold_documents(annotations_dir: Any = None, corpus_dir: Any = None) -> list[dict[str, Any]]:
    """The gold documents as ``flip_rates`` takes them: per document its feature dicts (with
    the extractor's counts), title, year and gold labels."""
    from pipeline.classify import _manifest, dataset_inputs
    from pipeline.classify.evaluation import manifest_year
    from pipeline.gold.annotations import load_dataset

    ds = load_dataset(annotations_dir, corpus_dir)
    X, y, _ = dataset_inputs(ds)
    meta = _manifest()
    docs: dict[str, dict[str, Any]] = {}
    for d, x, lab in zip(ds["doc_id"], X, y, strict=True):
        row = meta.get(d, {})
        doc = docs.setdefault(d, {"doc_id": d, "X": [], "y": [], "title": row.get("title"),
                                  "year": manifest_year(row)})
        doc["X"].append(x)
        doc["y"].append(lab)
    return list(docs.values())


def gold_flip_rates(model: Any = None) -> dict[str, dict[str, Any]]:
    """Flip rates of every perturbation over every gold clause, labelled by ``model`` (the
    current registered one by default: clauses it was trained on, so these rates are a floor;
    ``scripts/robustness_report.py`` gives them leave-one-document-out)."""
    from pipeline.classify import decide, load_current
    from pipeline.targets.nlp import load_nlp

    clf = model or load_current()
    if clf is None:
        raise RuntimeError("no classifier is registered")

    def predict(X: list[dict[str, Any]]) -> list[str]:
        return decide(clf.proba_features(X), X)[0]

    return flip_rates(predict, gold_documents(), load_nlp())


class ViewOf:
    """A picklable view for ``lodo_probabilities``: the feature dict precomputed for clause
    ``x["_i"]``."""

    def __init__(self, table: list[dict[str, Any]]):
        self.table = table

    def __call__(self, x: dict[str, Any]) -> dict[str, Any]:
        return self.table[x["_i"]]


Views = tuple[list[dict[str, Any]], list[str], list[str], list[dict[str, Any]], dict[str, list[dict[str, Any] | None]]]


def perturbed_lookups(base: list[dict[str, Any]], views: dict[str, list[dict[str, Any] | None]]) -> dict[str, Any]:
    """A ``lodo_probabilities`` view per perturbation (its feature dict, or the clause's ``base``
    one where the perturbation does not apply) and ``base`` itself."""
    lookups: dict[str, Any] = {"base": ViewOf(base)}
    for name, table in views.items():
        lookups[name] = ViewOf([t if t is not None else b for t, b in zip(table, base, strict=True)])
    return lookups


def perturbed_views(names: list[str] | None = None, annotations_dir: Any = None, corpus_dir: Any = None) -> Views:
    """Every gold clause (numbered ``_i``), its label and document, its feature dict with the
    extractor's count of the clause read alone (``base``) and with each named perturbation
    (None where it does not apply)."""
    from pipeline.targets.nlp import load_nlp

    nlp = load_nlp()
    X: list[dict[str, Any]] = []
    y: list[str] = []
    groups: list[str] = []
    base: list[dict[str, Any]] = []
    views: dict[str, list[dict[str, Any] | None]] = {name: [] for name in names or PERTURBATIONS}
    for d in gold_documents(annotations_dir, corpus_dir):
        for x, lab in zip(d["X"], d["y"], strict=True):
            X.append({**x, "_i": len(X)})
            y.append(lab)
            groups.append(d["doc_id"])
            base.append(as_read(nlp, x, x["text"], x["section"], d))
            for name, table in views.items():
                p = PERTURBATIONS[name](x["text"], x["section"])
                table.append(None if p is None else as_read(nlp, x, p[0], p[1], d))
    return X, y, groups, base, views


def lodo_flip_rates(annotations_dir: Any = None, corpus_dir: Any = None, params: dict[str, Any] | None = None,
                    builder: Any = None, names: list[str] | None = None) -> dict[str, Any]:
    """Flip rates leave-one-document-out: every gold clause labelled by a model (``params``, or
    ``builder()``) that never saw its document, as it stands and with each perturbation (the
    rest of its document unchanged), through the joint decision. One model per fold.
    ``{"n_clauses", "n_documents", "perturbations": {name: {"n", "flips", "rate", "examples"}}}``."""
    from pipeline.classify.evaluation import decide, lodo_probabilities

    X, y, groups, base, views = perturbed_views(names, annotations_dir, corpus_dir)
    lookups = perturbed_lookups(base, views)
    proba = lodo_probabilities(X, y, groups, params, builder=builder, views=lookups)
    labels = {name: decide(p, [lookups[name](x) for x in X])[0] for name, p in proba.items()}
    result: dict[str, Any] = {"n_clauses": len(X), "n_documents": len(set(groups)), "perturbations": {}}
    for name in views:
        idx = [i for i, t in enumerate(views[name]) if t is not None]
        flips = [i for i in idx if labels[name][i] != labels["base"][i]]
        result["perturbations"][name] = {
            "n": len(idx), "flips": len(flips), "rate": round(len(flips) / len(idx), 4) if idx else 0.0,
            "examples": [(X[i]["text"][:50], labels["base"][i], labels[name][i]) for i in flips[:5]],
        }
    return result
