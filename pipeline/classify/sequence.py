"""A document's labels read along its clauses: a linear-chain smoothing of the classifier's
probabilities (forward-backward over the label sequence).

Labels come in runs: a provision's clauses are measures together, a safeguards part closes
a document, a review part's facts follow each other. The classifier reads each clause with
its headings and neighbours' words but not with its neighbours' labels. Here a document's
clauses are a hidden Markov chain whose transition probabilities are counted on the gold
sequences of the training documents (add-one), whose emissions are the classifier's
probabilities divided by the label prior to the power ``prior_power`` (0 keeps the
probabilities as they are, 1 makes them likelihoods), and whose transitions weigh
``weight`` (their power: 0 is no smoothing). Each clause gets its posterior marginal.

Leave-one-document-out (24 documents, the model in context's out-of-fold probabilities,
weight and prior power chosen on the other documents: 0.5 and 0.5 in 22 of 24 folds):
macro-F1 0.897 → 0.902, safeguard 0.771 → 0.792, other 0.937 → 0.950; on pages whose
headings were lost 0.817 → 0.840. A sentence or a snippet read clause by clause is not
smoothed (README, stop 29). The marginals are surer than the classifier was (expected
calibration error 0.019 → 0.033 in context, 0.019 → 0.055 on pages); raised to the power 0.6
they read 0.010 and 0.012 (chosen on the same out-of-fold marginals, 0.5–1.0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def transition_matrix(runs: Iterable[Sequence[Any]], classes: Sequence[Any]) -> np.ndarray:
    """Row-normalised label transition probabilities counted over ``runs`` (each a document's
    labels in order), with one added to every count."""
    index = {c: k for k, c in enumerate(classes)}
    counts = np.ones((len(classes), len(classes)))
    for run in runs:
        for a, b in zip(run, run[1:], strict=False):
            if a in index and b in index:
                counts[index[a], index[b]] += 1
    return counts / counts.sum(axis=1, keepdims=True)


def smooth(proba: np.ndarray, transitions: np.ndarray, prior: np.ndarray, weight: float = 0.5,
           prior_power: float = 0.5, temperature: float = 1.0) -> np.ndarray:
    """Posterior marginals of a run of clauses (rows of ``proba``, one per clause, in order)
    under the chain described in the module docstring, each row raised to ``temperature``
    and renormalised (below 1 it tempers the marginals' confidence; the order of a row's
    labels, and so every decision, stays as it is)."""
    n = len(proba)
    if n < 2 or weight <= 0:
        return proba
    t = transitions ** weight
    e = np.clip(proba, 1e-9, None) / np.clip(prior, 1e-9, None) ** prior_power
    fwd = np.zeros_like(e)
    bwd = np.ones_like(e)
    fwd[0] = e[0] / e[0].sum()
    for i in range(1, n):
        f = (fwd[i - 1] @ t) * e[i]
        fwd[i] = f / f.sum()
    for i in range(n - 2, -1, -1):
        b = t @ (e[i + 1] * bwd[i + 1])
        bwd[i] = b / b.sum()
    post = fwd * bwd
    post = (post / post.sum(axis=1, keepdims=True)) ** temperature
    return post / post.sum(axis=1, keepdims=True)


def document_runs(X: Sequence[dict[str, Any]], keep: Sequence[bool]) -> list[list[int]]:
    """The indices of ``X`` with ``keep`` true, cut into documents: a document starts at a
    clause that is the first of its document (its index ``position × (doc_clauses − 1)`` is 0).
    Clauses not kept neither belong to a run nor cut one."""
    runs: list[list[int]] = []
    for i, (x, k) in enumerate(zip(X, keep, strict=True)):
        if not k:
            continue
        n = int(x.get("doc_clauses", 1))
        first = round(float(x.get("position", 0.0)) * max(1, n - 1)) == 0
        if first or not runs:
            runs.append([])
        runs[-1].append(i)
    return runs


def fit_transitions(X: Sequence[dict[str, Any]], y: Sequence[Any], classes: Sequence[Any]
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The transitions of the training documents' gold label sequences, as read in context
    (every clause in order) and as pages (the clauses with a ``flat`` view, headings gone),
    and the label prior."""
    in_context = document_runs(X, [True] * len(X))
    flat = [x.get("flat") for x in X]
    as_pages = document_runs([f or {} for f in flat], [f is not None for f in flat])
    runs = [[y[i] for i in r] for r in in_context]
    transitions = {"context": transition_matrix(runs, classes),
                   "flat": transition_matrix([[y[i] for i in r] for r in as_pages] or runs, classes)}
    counts = Counter(y)
    return transitions, np.array([counts[c] for c in classes], dtype=float) / max(1, len(y))


def smooth_routes(X: Sequence[dict[str, Any]], routes: Sequence[str], out: np.ndarray,
                  transitions: dict[str, np.ndarray], prior: np.ndarray, weight: float, prior_power: float,
                  temperature: float) -> np.ndarray:
    """Each document's clauses read in context, or as a page, smoothed along their order; a
    clause read alone is not (``ContextRouter.route`` names the route of each)."""
    for name in ("context", "flat"):
        for run in document_runs(X, [r == name for r in routes]):
            out[run] = smooth(out[run], transitions[name], prior, weight, prior_power, temperature)
    return out
