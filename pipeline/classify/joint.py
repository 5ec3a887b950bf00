"""The clause label and the targets, decided together (guide §2 rule 1, addendum B2).

Every clause is searched for targets, whatever the classifier says; the extractor decides
what is and is not a quantified objective (it knows the non-targets of guide rule 1). The
two outputs must then agree: a clause that holds a target is a ``target`` clause, and a
clause without one is not (a clause without a number is never ``target``).

``reconcile`` turns the classifier's probabilities per clause into (label, confidence):

- targets found → ``target``, with the classifier's probability of ``target`` (its
  confidence in the label it was overruled by is not a confidence in ``target``);
- no target → the most probable label other than ``target``, with its probability;
- a clause that reports the past (a review section, a sentence opening with a past time:
  ``pipeline.targets.document``) → ``other`` (addendum E4: the past and the present are
  ``other`` whatever their verbs), with the classifier's probability of ``other`` or, where
  the rule overrules the classifier, the rule's own precision if that is higher: the
  classifier's probability of ``other`` there (0.18 on average) is a confidence in the
  label the rule overruled, and an analyst filtering on confidence would lose right labels.

``bare_titles`` (guide rule 2) and ``issuer_lines`` (guide §2: the issuing body is `other`)
set the classifier's probabilities of a bare section title and of a line that only names
issuing bodies to ``other`` before any of this; ``ContextRouter.predict_proba`` applies them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

TARGET = "target"
# How often a clause relabelled ``other`` by the past rule against the classifier's own
# choice is ``other`` in the gold, leave-one-document-out: 36 of 40 on the 24 documents with
# the training recipe of 2026-12-04 19:02 (``policy-clauses evaluate --json``, ``past_rule``;
# it was 53 of 57 = 0.93 with the recipe before heading noise).
PAST_RULE_PRECISION = 0.90


def past_overrules(proba: dict[str, float], n_targets: int, past: bool) -> bool:
    """Whether the past rule decides against the classifier: a past clause without targets
    whose most probable label is not ``other``."""
    return past and n_targets == 0 and max(proba, key=lambda k: proba[k]) != "other"


def reconcile(probabilities: Sequence[dict[str, float]], target_counts: Sequence[int],
              past: Sequence[bool] | None = None) -> list[tuple[str, float]]:
    """(label, confidence) per clause that agree with the targets found (module docstring)."""
    out = []
    past = past if past is not None else [False] * len(target_counts)
    for proba, n, was in zip(probabilities, target_counts, past, strict=True):
        if was and n == 0:
            p_other = float(proba.get("other", 0.0))
            out.append(("other", max(p_other, PAST_RULE_PRECISION) if past_overrules(proba, n, was) else p_other))
        elif n > 0:
            out.append((TARGET, float(proba.get(TARGET, 0.0))))
        else:
            alt = max((k for k in proba if k != TARGET), key=lambda k: proba[k])
            out.append((alt, float(proba[alt])))
    return out


def _set_other(X: Sequence[dict[str, Any]], out: np.ndarray, classes: list[Any], max_len: int,
               test: Callable[[str], bool], confidence: float) -> np.ndarray:
    """Rows of the clauses whose text passes ``test`` set to `other` with ``confidence``."""
    if "other" not in classes:
        return out
    k = classes.index("other")
    for i, x in enumerate(X):
        if len(x.get("text", "")) <= max_len and test(x["text"]):
            row = np.full(len(classes), (1 - confidence) / max(1, len(classes) - 1))
            row[k] = confidence
            out[i] = row
    return out


# Guide rule 2: a bare section title (``三、保障措施``, ``(三)发展目标``, and ``保障措施`` on its
# own line when a page lost the number) is `other`, whatever stands around it; on the gold,
# all 64 such clauses are `other`.
BARE_TITLE_CONFIDENCE = 0.99


def bare_titles(X: Sequence[dict[str, Any]], out: np.ndarray, classes: list[Any]) -> np.ndarray:
    """Rows of bare section titles set to `other` (``BARE_TITLE_CONFIDENCE``)."""
    from pipeline.text.segment import is_bare_title

    return _set_other(X, out, classes, 24, is_bare_title, BARE_TITLE_CONFIDENCE)


# Guide §2, the `other` row: the issuing body. A line that only names government bodies (the
# signatures under a joint document, an issuer line after the title) is `other` wherever it
# stands: at the end of a document it inherits the last part's headings (``五、保障措施``)
# and the classifier read such signatures as `safeguard`. On the gold, all 32 such clauses
# are `other` (the rule was written after reading those errors, stop 30).
ISSUER_CONFIDENCE = 0.99


def issuer_lines(X: Sequence[dict[str, Any]], out: np.ndarray, classes: list[Any]) -> np.ndarray:
    """Rows of lines naming only issuing bodies set to `other` (``ISSUER_CONFIDENCE``)."""
    from pipeline.text.segment import is_issuer_line

    return _set_other(X, out, classes, 48, is_issuer_line, ISSUER_CONFIDENCE)
