"""Model versions in the registry: train and register a version (``models/clause-classifier/<version>/``
with model, metrics, params and card), promote, load a version after checking its sha256
and features version, and the ``ClauseClassifier`` the ingest uses.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.classify.estimators import (
    DEFAULT_PARAMS,
    build_pipeline,
    predict_proba_dedup,
)
from pipeline.classify.evaluation import dataset_inputs, evaluate
from pipeline.classify.features import (
    FEATURES_VERSION,
    document_features,
    extractor_counts,
)
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


def _write_registry(root: Path, reg: dict[str, Any]) -> None:
    tmp = root / "registry.json.tmp"
    tmp.write_text(json.dumps(reg, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(root / "registry.json")


def _new_version_dir(root: Path, stamp: datetime, data_hash: str) -> tuple[str, Path]:
    """A new version's name (time of training, training data's hash) and its folder, made;
    two versions trained within one second get distinct names (``…-2``)."""
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        version = f"{stamp:%Y%m%d-%H%M%S}-{data_hash[:8]}" + (f"-{n}" if n > 1 else "")
        try:
            (root / version).mkdir(exist_ok=False)
            return version, root / version
        except FileExistsError:
            continue
    raise FileExistsError(f"{root}: no free version name for {stamp:%Y%m%d-%H%M%S}")


def train_and_register(
    annotations_dir: Path | None = None, corpus_dir: Path | None = None, models_dir: Path | None = None,
    params: dict[str, Any] | None = None, make_current: bool = False, metrics: dict[str, Any] | None = None,
) -> str:
    """Fit on all gold, evaluate LODO (unless given), save a new version; returns it."""
    import joblib

    from pipeline.gold.annotations import annotations_hash, load_dataset

    s = get_settings()
    ann = annotations_dir or s.annotations_dir
    ds = load_dataset(ann, corpus_dir or s.corpus_dir)
    X, y, _ = dataset_inputs(ds)
    p = {**DEFAULT_PARAMS, **(params or {})}
    metrics = metrics or evaluate(ds, p)
    model = build_pipeline(p).fit(X, y)
    data_hash = annotations_hash(ann)
    stamp = datetime.now(UTC)
    root = registry_dir(models_dir)
    version, vdir = _new_version_dir(root, stamp, data_hash)
    joblib.dump(model, vdir / "model.joblib", compress=3)
    digest = sha256_file(vdir / "model.joblib")  # from pipeline.provision
    (vdir / "model.sha256").write_text(f"{digest}  model.joblib\n")
    (vdir / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    settings_doc = {
        "params": p, "features": ["char 1-3 grams of t2s text, digits/years masked",
                                  f"char 1-2 grams of the last {p.get('section_last', 2)} heading(s)", "position, position², heading flag, "
                                  "quantity cue, quantity+comparator cue, length, no-section flag, part cues, "
                                  "debris cues, rule-extractor target count",
                                  "char 1-2 grams of the top-level part heading", "char 1-2 grams of the neighbours",
                                  "char 1-2 grams of the nearest heading (and of the clause when it is a heading)",
                                  "safeguard-function words in the clause and its headings, last top-level part, "
                                  "review/background heading, preamble purpose sentence"],
        "estimator": {"svc": "LinearSVC, temperature-scaled softmax confidence",
                      "svc_cv": "CalibratedClassifierCV(LinearSVC)"}.get(str(p.get("estimator")), "LogisticRegression")
        + f"(C={p.get('C')}, class_weight={p.get('class_weight')!r})",
        "routes": routes(p),
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


def _version_json(version: str, name: str, models_dir: Path | None) -> dict[str, Any] | None:
    """A version's ``name`` file (``params.json``, ``metrics.json``) as a dict, or None."""
    try:
        return dict(json.loads((registry_dir(models_dir) / version / name).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def version_params(version: str, models_dir: Path | None = None) -> dict[str, Any] | None:
    """The training parameters a version was fitted with (its ``params.json``), or None."""
    doc = _version_json(version, "params.json", models_dir)
    try:
        return dict(doc["params"]) if doc is not None else None
    except (KeyError, TypeError, ValueError):
        return None


def version_metrics(version: str, models_dir: Path | None = None) -> dict[str, Any] | None:
    """The figures a version was registered with (its ``metrics.json``), or None."""
    return _version_json(version, "metrics.json", models_dir)


def registry(models_dir: Path | None = None) -> dict[str, Any]:
    return read_registry(registry_dir(models_dir))


def _views(m: dict[str, Any]) -> str:
    got = [f"{name} macro-F1 {m[key]['macro_f1']:.3f}" for key, name in
           (("context_free", "every clause alone"), ("headings_lost", "every document with its headings lost"))
           if isinstance(m.get(key), dict)]
    flips = (m.get("invariance") or {}).get("perturbations") or {}
    if flips:
        name, worst = max(flips.items(), key=lambda kv: kv[1]["rate"])
        got.append(f"labels flipped by the invariance perturbations, leave-one-document-out: at most "
                   f"{worst['rate']:.2%} ({name})")
    text = "; ".join(got)
    return f" {text[:1].upper()}{text[1:]}." if got else ""


def routes(p: dict[str, Any]) -> list[str]:
    """The models behind the ``ContextRouter`` of a recipe, in words (params.json, the card)."""
    if not p.get("router", True):
        return []
    from pipeline.classify.estimators import ContextRouter
    from pipeline.classify.features import EDGE_CHARS

    est = str(p.get("reading_estimator", p.get("estimator")))
    reading = ("logistic regression" if est == "lr" else "LinearSVC") + f" C={p.get('reading_C', p.get('C'))}"
    extra = "".join(part for on, part in ((p.get("edges"), f", its opening and closing {EDGE_CHARS} characters"),
                                         (p.get("words"), ", its pkuseg words")) if on)
    out = ["documents with headings: the estimator and features above"]
    if p.get("pages"):
        out.append(f"pages of {ContextRouter.PAGE_MIN_CLAUSES} clauses or more without a heading: the clause{extra}, "
                   f"neighbours, position, cues; {reading}")
    out.append(f"a sentence or a snippet: the clause{extra}, cues; {reading}")
    if p.get("sequence"):
        out.append(f"a document's or page's labels smoothed along its clauses (forward-backward, transitions "
                   f"counted on the training documents, weight {p['sequence']}, prior power "
                   f"{p.get('sequence_prior', 0.5)}, confidence tempered by the power {p.get('sequence_temperature', 1.0)}); "
                   "a sentence or snippet read clause by clause is not")
    return out


def model_card(version: str, settings_doc: dict[str, Any], m: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {lab} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for lab, v in m["per_label"].items()
    )
    return f"""# Clause classifier {version}

Labels every clause goal / target / measure / safeguard / other (ANNOTATION_GUIDE.md §2).

- Estimator: {settings_doc['estimator']}, params {settings_doc['params']}
- Features: {'; '.join(settings_doc['features'])}
- Routes: {'; '.join(settings_doc.get('routes') or ['one Pipeline'])}
- Training data: {settings_doc['n_clauses']} gold clauses, annotations sha256 {settings_doc['training_data_sha256']}
- Evaluation: leave-one-document-out over {m.get('n_documents')} documents ({m.get('n_groups')} groups;
  documents sharing near-duplicate clauses are held out together)

| label | precision | recall | F1 | support |
|---|---|---|---|---|
{rows}

Macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}; baselines: majority macro-F1
{m['baselines']['majority']['macro_f1']:.3f}, keyword/section rules macro-F1 {m['baselines']['rules']['macro_f1']:.3f}.{_views(m)}

Limits: trained on {m.get('n_documents')} provincial/city documents of 2015–2024; web debris is labelled
`other`; documents of other genres (laws, news) were never seen.
"""


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
