"""Calibrate the out-of-scope decision on data: cross-validated probabilities, a threshold and an unsure band.

    probs, classes = out_of_fold_probabilities(x, labels, c=50.0, folds=5)   # (n, k) never seen in training
    # or features learnt on each training fold only: featurize(train_idx, test_idx) -> (train rows, test rows)
    probs, classes = out_of_fold_probabilities(x, labels, 50.0, 5, featurize=per_fold_features)
    p_oos = probs[:, classes.index("out_of_scope")]
    tau = best_threshold(p_oos, is_oos, 0.95)        # decline when P(out_of_scope) >= tau
    low, high = unsure_band(p_oos, is_oos, tau)      # the LLM is asked inside [low, high)

The threshold maximises balanced accuracy (mean of in-scope recall and out-of-scope recall) of the
out-of-fold probabilities among the thresholds that keep a minimum in-scope recall (the service target),
so it is picked by the training utterances, not by hand. The band spans the
middle `share` of the cross-validated mistakes on each side of the threshold: where the classifier was
wrong, it was usually unsure, and that is where a second opinion pays. Nothing here knows about the LLM.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def out_of_fold_probabilities(x: np.ndarray, labels: list[str], c: float, folds: int = 5, seed: int = 0,
                              featurize: Callable | None = None) -> tuple[np.ndarray, list[str]]:
    """Class probabilities of every row from a model that did not see it (stratified k-fold).
    `featurize(train_idx, test_idx) -> (train_rows, test_rows)` builds features fitted on the fold's
    training rows only; without it the rows of `x` are used as they are."""
    y = np.asarray(labels)
    classes = sorted(set(labels))
    folds = min(folds, min(int((y == k).sum()) for k in classes))
    probs = np.zeros((len(y), len(classes)))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        a, b = featurize(train, test) if featurize is not None else (x[train], x[test])
        model = LogisticRegression(C=c, max_iter=3000).fit(a, y[train])
        cols = [classes.index(k) for k in model.classes_]
        probs[np.ix_(test, cols)] = model.predict_proba(b)
    return probs, classes


def balanced_accuracy(p_oos: np.ndarray, is_oos: np.ndarray, tau: float) -> float:
    """Mean of out-of-scope recall and in-scope recall when declining at P(out_of_scope) >= tau."""
    declined = p_oos >= tau
    return float((declined[is_oos].mean() + (~declined[~is_oos]).mean()) / 2)


def best_threshold(p_oos: np.ndarray, is_oos: np.ndarray, min_in_scope_recall: float = 0.0) -> float:
    """The tau with the best balanced accuracy among those that keep at least `min_in_scope_recall` of the
    in-scope rows (refusing a customer is the worse mistake); ties resolve to the middle of the best run."""
    p_oos, is_oos = np.asarray(p_oos, float), np.asarray(is_oos, bool)
    if is_oos.all() or not is_oos.any():
        raise ValueError("calibration needs both out-of-scope and in-scope examples")
    values = np.unique(p_oos)
    candidates = np.concatenate([(values[:-1] + values[1:]) / 2, [values[-1] + 1e-9]])
    kept = np.array([(p_oos[~is_oos] < t).mean() for t in candidates])
    candidates = candidates[kept >= min(min_in_scope_recall, kept.max())]
    scores = np.array([balanced_accuracy(p_oos, is_oos, t) for t in candidates])
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(candidates[best[len(best) // 2]])


def unsure_band(p_oos: np.ndarray, is_oos: np.ndarray, tau: float, share: float = 0.8) -> tuple[float, float]:
    """[low, high) around tau holding `share` of the cross-validated mistakes on each side of tau."""
    p_oos, is_oos = np.asarray(p_oos, float), np.asarray(is_oos, bool)
    missed = p_oos[is_oos & (p_oos < tau)]              # off-topic that would have been answered
    refused = p_oos[~is_oos & (p_oos >= tau)]           # shop questions that would have been declined
    low = float(np.quantile(missed, 1 - share)) if len(missed) else tau
    high = float(np.quantile(refused, share)) if len(refused) else tau
    return min(low, tau), max(high, tau)
