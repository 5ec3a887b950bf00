"""The LinearSVCs of the classifier: ``TemperedLinearSVC`` (the model in context since the
temperature was fitted) and ``CalibratedLinearSVC`` (models up to 20261122-033325). Registered
models were pickled under ``pipeline.classify.estimators``, which re-exports both."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


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
    decision values of a stratified 3-fold split of the training data (copies of a clause
    kept in one fold). The temperature is
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

    def fit(self, X: Any, y: Any, groups: Any = None) -> TemperedLinearSVC:
        """``groups``: rows that are copies of one clause (the augmentation of training) stay
        in one fold of the temperature fit."""
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        y = np.asarray(y)
        self.svc_ = self._svc().fit(X, y)
        self.classes_ = self.svc_.classes_
        self.temperature_ = 1.0
        if groups is None:
            smallest = min(Counter(y.tolist()).values())
        else:  # a fold needs a clause of every class, copies and all
            smallest = min(Counter(lab for lab, _ in set(zip(y.tolist(), np.asarray(groups).tolist(), strict=True))).values())
        k = min(self.cv, smallest)
        if k >= 2 and len(self.classes_) >= 2:
            oof = np.zeros((len(y), len(self.classes_)))
            splitter = (StratifiedKFold(n_splits=k, shuffle=True, random_state=0) if groups is None
                        else StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=0))
            for tr, te in splitter.split(np.zeros(len(y)), y, groups):
                fold = self._svc().fit(X[tr], y[tr])
                scored = self._scores(fold, X[te])
                oof[te] = scored.min() - 1.0  # a class the fold never saw: below every other
                oof[np.ix_(te, np.searchsorted(self.classes_, fold.classes_))] = scored
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
