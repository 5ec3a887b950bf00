"""The retrain flow: when the gold changed, train a candidate and promote it only if it is
not worse than the current model on the same leave-one-document-out folds, keeps its labels
under the invariance perturbations out of sample, and fails no behaviour case the current
configuration passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from pipeline.classify import (
    DEFAULT_PARAMS,
    FEATURES_VERSION,
    current_version,
    evaluate,
    load_version,
    promote,
    registry,
    train_and_register,
    version_metrics,
    version_params,
)
from pipeline.classify.behaviour import behaviour_failures
from pipeline.classify.robustness import lodo_flip_rates
from pipeline.gold.annotations import annotations_hash, load_dataset
from pipeline.settings import LABELS, get_settings

MAX_LABEL_DROP = 0.02
# The invariance bar (issue #17): a perturbation that must not change a label (a final 。
# lost, the other script, a neutral heading added …) may flip at most this share of the
# gold clauses' labels, leave-one-document-out.
MAX_FLIP_RATE = 0.02
# The other ways a document reaches the model (``evaluate``): each clause alone, as
# ``predict`` reads a sentence, and each document as a page whose headings were lost.
VIEWS = {"context_free": "alone", "headings_lost": "headings lost"}


def gate(candidate: dict[str, Any], current: dict[str, Any] | None) -> tuple[bool, list[str]]:
    """Promote only if macro-F1 is not lower, no label's F1 drops by more than 0.02, and the
    macro-F1 of the clauses read alone and of the pages with their headings lost is not
    lower either (where both evaluations have that view)."""
    if current is None:
        return True, ["no current model"]
    reasons = []
    if candidate["macro_f1"] < current["macro_f1"]:
        reasons.append(f"macro-F1 {candidate['macro_f1']:.4f} < current {current['macro_f1']:.4f}")
    for lab in LABELS:
        drop = current["per_label"][lab]["f1"] - candidate["per_label"][lab]["f1"]
        if drop > MAX_LABEL_DROP:
            reasons.append(f"{lab} F1 drops by {drop:.4f} (> {MAX_LABEL_DROP})")
    for view, name in VIEWS.items():
        if view in candidate and view in current and candidate[view]["macro_f1"] < current[view]["macro_f1"]:
            reasons.append(f"{name}: macro-F1 {candidate[view]['macro_f1']:.4f} < current {current[view]['macro_f1']:.4f}")
    return not reasons, reasons


def invariance_gate(rates: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]] | None) -> list[str]:
    """Reasons to keep the current model: each perturbation whose out-of-sample flip rate is
    over ``MAX_FLIP_RATE`` and over the current version's own recorded rate (a current model
    already over the bar is not a reason to keep it)."""
    reasons = []
    for name, r in rates.items():
        bar = max(MAX_FLIP_RATE, float((current or {}).get(name, {}).get("rate", 0.0)))
        if r["rate"] > bar:
            reasons.append(f"{name}: {r['rate']:.2%} of labels flip leave-one-document-out (> {bar:.2%})")
    return reasons


def invariance_table(rates: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]] | None) -> str:
    """Flip rate per perturbation, the current version's (where recorded) and the candidate's."""
    def cur(name: str) -> str:
        r = (current or {}).get(name)
        return f"{r['rate']:.2%}" if r else "—"

    rows = [f"| {name} | {r['n']} | {cur(name)} | {r['rate']:.2%} |" for name, r in rates.items()]
    return ("| perturbation | clauses | current flips | candidate flips |\n|---|---|---|---|\n" + "\n".join(rows))


@task(cache_policy=NONE)
def candidate_invariance(annotations_dir: str, corpus_dir: str, params: dict[str, Any]) -> dict[str, Any]:
    """The candidate's flip rates leave-one-document-out (``robustness.lodo_flip_rates``): six
    minutes on the 24 gold documents, so read only once the figures have passed."""
    return lodo_flip_rates(Path(annotations_dir), Path(corpus_dir), params=params)


@task(cache_policy=NONE)
def evaluate_candidate(annotations_dir: str, corpus_dir: str, params: dict[str, Any]) -> dict[str, Any]:
    return evaluate(load_dataset(Path(annotations_dir), Path(corpus_dir)), params)


@task(cache_policy=NONE)
def evaluate_current(annotations_dir: str, corpus_dir: str, models_dir: str, version: str) -> dict[str, Any]:
    from sklearn.base import clone

    model = load_version(version, Path(models_dir), check_features=False).model
    return evaluate(load_dataset(Path(annotations_dir), Path(corpus_dir)), builder=lambda: clone(model))


@task(cache_policy=NONE)
def behaviour_regressions(candidate: str, current: str | None, models_dir: str, annotations_dir: str,
                          corpus_dir: str) -> list[tuple[str, str, list[str]]]:
    """The behaviour cases the candidate version fails and the current configuration, refitted
    on the same gold with today's features (as ``evaluate_current`` compares it), passes."""
    from sklearn.base import clone

    from pipeline.classify import ClauseClassifier, dataset_inputs

    cand = behaviour_failures(load_version(candidate, Path(models_dir)))
    if current is None or not cand:
        return []
    X, y, _ = dataset_inputs(load_dataset(Path(annotations_dir), Path(corpus_dir)))
    refit = clone(load_version(current, Path(models_dir), check_features=False).model).fit(X, y)
    failed_before = {(lab, t) for lab, t, _ in behaviour_failures(ClauseClassifier(current, refit))}
    return [f for f in cand if (f[0], f[1]) not in failed_before]


def _decided(msg: str, result: dict[str, Any]) -> dict[str, Any]:
    """The flow's decision: a markdown artifact and a line of its log, then its result."""
    create_markdown_artifact(key="retrain-decision", markdown=msg)
    print(msg)
    return result


def _run_name() -> str:
    """``retrain on <annotations folder>`` (the default folder when none was given)."""
    from prefect.runtime import flow_run

    ann = flow_run.parameters.get("annotations_dir") or str(get_settings().annotations_dir)
    return f"retrain on {Path(ann).name or ann}" + (" (forced)" if flow_run.parameters.get("force") else "")


def decision_table(candidate: dict[str, Any], current: dict[str, Any] | None) -> str:
    """Per-label F1 of the current model and the candidate, with the change, as markdown."""
    def f1(m: dict[str, Any] | None, lab: str) -> float:
        return m["per_label"][lab]["f1"] if m else float("nan")

    rows = [f"| {lab} | {f1(current, lab):.3f} | {f1(candidate, lab):.3f} | {f1(candidate, lab) - f1(current, lab):+.3f} |"
            for lab in LABELS]
    cur_macro = current["macro_f1"] if current else float("nan")
    rows.append(f"| macro | {cur_macro:.3f} | {candidate['macro_f1']:.3f} | {candidate['macro_f1'] - cur_macro:+.3f} |")
    for view, name in VIEWS.items():
        if view in candidate:
            cur = current[view]["macro_f1"] if current and view in current else float("nan")
            new = candidate[view]["macro_f1"]
            rows.append(f"| macro, {name} | {cur:.3f} | {new:.3f} | {new - cur:+.3f} |")
    return "| label | current F1 | candidate F1 | change |\n|---|---|---|---|\n" + "\n".join(rows)


@flow(name="retrain", flow_run_name=_run_name, log_prints=True)
def retrain_flow(
    annotations_dir: str | None = None, corpus_dir: str | None = None, models_dir: str | None = None,
    relabel_sources: list[str] | None = None, out: str | None = None, force: bool = False,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Retrain when the annotations' hash differs from the current model's training data."""
    s = get_settings()
    ann = annotations_dir or str(s.annotations_dir)
    corpus = corpus_dir or str(s.corpus_dir)
    models = models_dir or str(s.models_dir)
    data_hash = annotations_hash(Path(ann))
    cur = current_version(Path(models))
    reg = registry(Path(models))
    same_features = cur is not None and reg["versions"][cur].get("features_version") == FEATURES_VERSION
    p = {**DEFAULT_PARAMS, **(params or {})}
    # A changed training recipe (``DEFAULT_PARAMS`` or ``params``) is fresh work like fresh gold.
    same_recipe = cur is not None and version_params(cur, Path(models)) == p
    if cur and reg["versions"][cur]["training_data_sha256"] == data_hash and same_features and same_recipe \
            and not force:
        return _decided(f"annotations, features and training parameters unchanged since {cur} "
                        f"(sha256 {data_hash[:12]}): nothing to do", {"decision": "unchanged", "current": cur})
    cand = evaluate_candidate(ann, corpus, p)
    current = evaluate_current(ann, corpus, models, cur) if cur else None
    ok, reasons = gate(cand, current)
    table = decision_table(cand, current) + (
        f"\n\nLeave-one-document-out on the same folds: {cand.get('n_documents')} documents, "
        f"{cand.get('n_clauses')} clauses, annotations sha256 {data_hash[:12]}.")
    if not ok:
        return _decided(f"kept {cur}: " + "; ".join(reasons) + "\n\n" + table,
                        {"decision": "kept", "current": cur, "reasons": reasons})
    # Invariance, out of sample: run 14 passed the figures and flipped 2.46% of labels when a
    # neutral heading went (README, runs 14-16); the gate did not read it then.
    inv = candidate_invariance(ann, corpus, p)
    recorded = ((version_metrics(cur, Path(models)) or {}).get("invariance") or {}).get("perturbations") if cur else None
    table += "\n\n" + invariance_table(inv["perturbations"], recorded)
    reasons = invariance_gate(inv["perturbations"], recorded)
    if reasons:
        return _decided(f"kept {cur}: " + "; ".join(reasons) + "\n\n" + table,
                        {"decision": "kept", "current": cur, "reasons": reasons})
    cand = {**cand, "invariance": inv}
    version = train_and_register(Path(ann), Path(corpus), Path(models), params=p, metrics=cand)
    # The behaviour table (``pipeline.classify.behaviour``): a candidate may not fail a
    # minimum-functionality case the current model passes (leave-one-document-out figures
    # do not see a sentence read alone going wrong; run 12 was promoted failing four).
    broken = behaviour_regressions(version, cur, models, ann, corpus)
    table += f"\n\nMinimum-functionality cases failed by the candidate and passed by the current model: {len(broken)}."
    if broken:
        reasons = [f"{len(broken)} minimum-functionality case(s) the current model passes: "
                   + "; ".join(f"{t} → {got} (want {lab})" for lab, t, got in broken[:5])]
        return _decided(f"kept {cur} (candidate {version} registered, not promoted): " + "; ".join(reasons)
                        + "\n\n" + table, {"decision": "kept", "current": cur, "reasons": reasons, "candidate": version})
    promote(version, Path(models))
    relabelled = None
    if relabel_sources and out:
        from flows.ingest import ingest_flow, reset_engine

        reset_engine()
        relabelled = ingest_flow(sources=relabel_sources, out=out, models_dir=models)
    return _decided(f"promoted {version} over {cur}\n\n{table}",
                    {"decision": "promoted", "current": version, "previous": cur, "relabelled": relabelled})
