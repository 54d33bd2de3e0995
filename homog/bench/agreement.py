"""Agreement between models: scores, prediction agreement and error consistency.

All functions take 1-D sequences of equal length and raise ``ValueError`` otherwise.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

ERROR_CONSISTENCY_UNDEFINED = "undefined: both models are always right or both always wrong (c_exp = 1)"


def _pair(a: Sequence | np.ndarray, b: Sequence | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"expected 1-D arrays, got shapes {a.shape} and {b.shape}")
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} vs {len(b)}")
    if len(a) == 0:
        raise ValueError("empty input")
    return a, b


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    """Share of correct predictions: ``(1/n) * sum_i [y_pred_i == y_true_i]``."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def macro_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence | None = None) -> float:
    """Unweighted mean over classes of ``F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)``.

    ``labels`` fixes the class set (default: classes seen in either array); a class
    with no true and no predicted examples scores 0 (scikit-learn ``zero_division=0``).
    """
    t, p = _pair(y_true, y_pred)
    return float(f1_score(t, p, labels=labels, average="macro", zero_division=0))


def agreement(pred_a: Sequence, pred_b: Sequence) -> float:
    """Observed agreement: ``(1/n) * sum_i [pred_a_i == pred_b_i]``."""
    a, b = _pair(pred_a, pred_b)
    return float(np.mean(a == b))


def cohen_kappa(pred_a: Sequence, pred_b: Sequence) -> float:
    """Cohen's kappa between two models' predictions: ``(p_o - p_e) / (1 - p_e)``.

    ``p_o`` is the observed agreement and ``p_e = sum_c q_a(c) q_b(c)`` the agreement
    expected from each model's marginal label frequencies ``q``.  When ``p_e = 1``
    (both models predict one and the same class everywhere) kappa is undefined and
    NaN is returned.
    """
    a, b = _pair(pred_a, pred_b)
    labels = np.union1d(a, b)
    if len(labels) == 1:
        return math.nan
    return float(cohen_kappa_score(a, b, labels=labels))


def error_consistency(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> float:
    """Error consistency (Geirhos et al. 2020): kappa over per-example correctness.

    ``c_obs`` = share of examples where both models are right or both wrong;
    ``c_exp = p_a p_b + (1 - p_a)(1 - p_b)`` with ``p`` each model's accuracy
    (the agreement two independent models of those accuracies would show);
    ``kappa = (c_obs - c_exp) / (1 - c_exp)``.

    Degenerate case: ``c_exp = 1`` happens exactly when both models are always
    right (``p_a = p_b = 1``) or both always wrong (``p_a = p_b = 0``).  Then
    ``c_obs = 1`` too, the formula is 0/0, and there are no errors (or no
    successes) whose overlap could be measured: NaN is returned
    (:data:`ERROR_CONSISTENCY_UNDEFINED` gives the reason to show).  One model
    always right and the other not is *not* degenerate: ``c_obs = c_exp = p_b``
    and kappa is 0.
    """
    a, b = _pair(correct_a, correct_b)
    a, b = a.astype(bool), b.astype(bool)
    p_a, p_b = a.mean(), b.mean()
    c_obs = float(np.mean(a == b))
    c_exp = float(p_a * p_b + (1 - p_a) * (1 - p_b))
    if math.isclose(c_exp, 1.0):
        return math.nan
    return (c_obs - c_exp) / (1 - c_exp)



def capa(proba_a: np.ndarray, proba_b: np.ndarray, y_true: Sequence[int]) -> float:
    """CAPA, chance-adjusted probabilistic agreement (Goel et al. 2025): kappa over class probabilities.

    ``c_obs = (1/n) sum_i sum_k p_a(k|x_i) p_b(k|x_i)``, the chance that the two models,
    each sampling its answer from its probabilities, give the same answer;
    ``c_exp = pbar_a pbar_b + (1 - pbar_a)(1 - pbar_b) / (K - 1)`` with ``pbar`` a
    model's mean probability on the true class and ``K`` the number of classes
    (two independent models of those accuracies, wrong answers spread evenly);
    ``capa = (c_obs - c_exp) / (1 - c_exp)``.  NaN when ``c_exp = 1``.
    """
    pa, pb = np.asarray(proba_a, dtype=np.float64), np.asarray(proba_b, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    if pa.ndim != 2 or pa.shape != pb.shape:
        raise ValueError(f"expected two (n, K) arrays of one shape, got {pa.shape} and {pb.shape}")
    if pa.shape[0] != len(y) or len(y) == 0:
        raise ValueError(f"length mismatch or empty input: {pa.shape[0]} probabilities vs {len(y)} labels")
    k = pa.shape[1]
    if k < 2:
        raise ValueError("CAPA needs at least two classes")
    rows = np.arange(len(y))
    c_obs = float(np.mean(np.sum(pa * pb, axis=1)))
    pbar_a, pbar_b = pa[rows, y].mean(), pb[rows, y].mean()
    c_exp = float(pbar_a * pbar_b + (1 - pbar_a) * (1 - pbar_b) / (k - 1))
    if math.isclose(c_exp, 1.0):
        return math.nan
    return (c_obs - c_exp) / (1 - c_exp)


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear centered kernel alignment (Kornblith et al. 2019) between two representations of the same examples.

    With column-centred ``X`` (n, d1) and ``Y`` (n, d2):
    ``CKA = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)``; 1 for representations equal up to
    rotation and isotropic scaling.  NaN when either representation is constant.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise ValueError(f"expected two 2-D arrays with the same number (>= 2) of rows, got {x.shape} and {y.shape}")
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    denom = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    if denom == 0:
        return math.nan
    return float(np.linalg.norm(y.T @ x) ** 2 / denom)
