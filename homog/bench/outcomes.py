"""Roster-level outcome metrics: systemic failure, its independence baseline, and bootstrap intervals.

``correct`` is always a boolean matrix of shape (models, examples): ``correct[j, i]``
is whether model ``j`` got test example ``i`` right.  Intervals are percentile
bootstrap intervals over test examples: every resample draws ``n`` example indices
with replacement (seeded) and recomputes the statistic on them.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

N_BOOT = 1000
LEVEL = 0.95


def correctness_matrix(predictions: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Models (in first-seen order) and their (models, examples) correctness matrix, examples sorted by ``idx``.

    ``predictions`` holds one task and seed: columns ``model``, ``idx`` and ``correct``.
    Raises ``ValueError`` when the models were scored on different example sets
    (a comparison over mismatched examples would be meaningless).
    """
    models = list(dict.fromkeys(predictions["model"]))
    rows, reference = [], None
    for model in models:
        part = predictions[predictions["model"] == model].sort_values("idx")
        idx = part["idx"].to_numpy()
        if len(np.unique(idx)) != len(idx):
            raise ValueError(f"model {model} has duplicate example indices")
        if reference is None:
            reference = (models[0], idx)
        elif not np.array_equal(idx, reference[1]):
            raise ValueError(f"mismatched example sets: {model} was scored on {len(idx)} examples that differ "
                             f"from the {len(reference[1])} of {reference[0]}")
        rows.append(part["correct"].to_numpy(dtype=bool))
    if not rows:
        raise ValueError("no predictions")
    return models, np.vstack(rows)


def _check(correct: np.ndarray) -> np.ndarray:
    correct = np.asarray(correct)
    if correct.ndim != 2 or correct.shape[0] < 1 or correct.shape[1] < 1:
        raise ValueError(f"expected a non-empty (models, examples) matrix, got shape {correct.shape}")
    return correct.astype(bool)


def poisson_binomial_pmf(p: Sequence[float]) -> np.ndarray:
    """``P(K = k)`` for ``k = 0..m``, ``K`` the number of successes of independent Bernoulli(``p_j``) trials.

    Computed by convolving the ``m`` two-point distributions one at a time.
    """
    pmf = np.array([1.0])
    for pj in np.asarray(p, dtype=np.float64):
        if not 0.0 <= pj <= 1.0:
            raise ValueError(f"probabilities must lie in [0, 1], got {pj}")
        pmf = np.convolve(pmf, [1.0 - pj, pj])
    return pmf


def failure_distribution(correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed share of examples that exactly ``k`` models get wrong (``k = 0..m``), and the share
    expected if models erred independently at their own error rates (Poisson-binomial)."""
    correct = _check(correct)
    m = correct.shape[0]
    wrong = (~correct).sum(axis=0)
    observed = np.bincount(wrong, minlength=m + 1) / correct.shape[1]
    return observed, poisson_binomial_pmf(1.0 - correct.mean(axis=1))


def systemic_failure(correct: np.ndarray) -> float:
    """Share of examples that every model gets wrong."""
    return float(np.mean(~_check(correct).any(axis=0)))


def expected_systemic_failure(correct: np.ndarray) -> float:
    """``prod_j e_j``: the systemic failure rate if models erred independently at their error rates ``e_j``."""
    return float(np.prod(1.0 - _check(correct).mean(axis=1)))


def homogenization_ratio(correct: np.ndarray) -> float:
    """Observed over expected systemic failure (Bommasani et al. 2022): above 1, failures are shared
    more than independence predicts.  NaN when the expectation is 0 (some model is always right)."""
    expected = expected_systemic_failure(correct)
    return systemic_failure(correct) / expected if expected > 0 else math.nan


# -- bootstrap -----------------------------------------------------------------------
def bootstrap_indices(n: int, n_boot: int = N_BOOT, seed: int = 0) -> np.ndarray:
    """(n_boot, n) example indices drawn with replacement from a seeded generator."""
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def interval(samples: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Percentile interval of bootstrap ``samples`` along axis 0 (NaN samples ignored; NaN if all are)."""
    samples = np.asarray(samples, dtype=np.float64)
    if np.all(np.isnan(samples)):
        return math.nan, math.nan
    lo, hi = np.nanquantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def accuracy_samples(correct: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Accuracy on each resample, shape (n_boot,) for one model's 1-D correctness vector."""
    return np.asarray(correct, dtype=bool)[idx].mean(axis=1)


def macro_f1_samples(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, idx: np.ndarray) -> np.ndarray:
    """Macro-F1 over ``n_classes`` labels on each resample (a class with no true or predicted example scores 0)."""
    t, p = np.asarray(y_true)[idx], np.asarray(y_pred)[idx]
    scores = np.zeros(idx.shape[0])
    for c in range(n_classes):
        tp = np.sum((t == c) & (p == c), axis=1)
        wrong = np.sum((t == c) != (p == c), axis=1)  # false positives + false negatives
        denom = 2 * tp + wrong
        scores += np.divide(2 * tp, denom, out=np.zeros_like(scores), where=denom > 0)
    return scores / n_classes


def error_consistency_samples(correct: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Error consistency of every model pair on each resample, shape (n_boot, m, m); NaN where undefined."""
    c = _check(correct)[:, idx].astype(np.float64)  # (m, B, n)
    n = idx.shape[1]
    both_right = np.einsum("ibn,jbn->bij", c, c) / n
    both_wrong = np.einsum("ibn,jbn->bij", 1 - c, 1 - c) / n
    acc = c.mean(axis=2).T  # (B, m)
    c_exp = acc[:, :, None] * acc[:, None, :] + (1 - acc[:, :, None]) * (1 - acc[:, None, :])
    c_obs = both_right + both_wrong
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (c_obs - c_exp) / (1 - c_exp)
    kappa[np.isclose(c_exp, 1.0)] = np.nan
    return kappa


def homogenization_samples(correct: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Homogenization ratio on each resample, shape (n_boot,); NaN where the expectation is 0."""
    c = _check(correct)[:, idx]  # (m, B, n)
    observed = (~c.any(axis=0)).mean(axis=1)
    expected = np.prod(1.0 - c.mean(axis=2), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, observed / expected, np.nan)
