"""Outcome metrics against independent computations: enumeration, scikit-learn, hand-computed cases."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score

from homog.bench import agreement as ag
from homog.bench import outcomes as oc


def test_poisson_binomial_equals_direct_enumeration():
    p = [0.1, 0.35, 0.6, 0.9]
    direct = np.zeros(len(p) + 1)
    for outcome in itertools.product([0, 1], repeat=len(p)):
        direct[sum(outcome)] += math.prod(pj if o else 1 - pj for pj, o in zip(p, outcome))
    np.testing.assert_allclose(oc.poisson_binomial_pmf(p), direct, atol=1e-15)
    with pytest.raises(ValueError):
        oc.poisson_binomial_pmf([0.5, 1.5])


def test_systemic_failure_and_ratio_hand_computed():
    # 3 models, 5 examples; example 4 is wrong for all, example 3 wrong for two.
    correct = np.array([[1, 1, 1, 0, 0],
                        [1, 1, 0, 0, 0],
                        [1, 0, 1, 1, 0]], dtype=bool)
    assert oc.systemic_failure(correct) == pytest.approx(1 / 5)
    expected = (2 / 5) * (3 / 5) * (2 / 5)  # error rates 0.4, 0.6, 0.4
    assert oc.expected_systemic_failure(correct) == pytest.approx(expected)
    assert oc.homogenization_ratio(correct) == pytest.approx((1 / 5) / expected)
    observed, pmf = oc.failure_distribution(correct)
    np.testing.assert_allclose(observed, [1 / 5, 2 / 5, 1 / 5, 1 / 5])  # wrong counts per example: 0,1,1,2,3
    np.testing.assert_allclose(pmf, oc.poisson_binomial_pmf([0.4, 0.6, 0.4]))
    assert pmf[-1] == pytest.approx(expected)


def test_degenerate_rosters():
    always_right = np.array([[1, 1, 1, 1], [1, 0, 1, 0]], dtype=bool)
    assert oc.expected_systemic_failure(always_right) == 0
    assert math.isnan(oc.homogenization_ratio(always_right))
    identical = np.tile(np.array([1, 0, 1, 1, 0, 1, 1, 1], dtype=bool), (3, 1))  # error rate e = 0.25
    assert oc.systemic_failure(identical) == pytest.approx(0.25)
    assert oc.homogenization_ratio(identical) == pytest.approx(0.25 ** (1 - 3))
    assert ag.error_consistency(identical[0], identical[1]) == pytest.approx(1.0)
    assert ag.error_consistency(always_right[0], always_right[1]) == 0.0
    assert math.isnan(ag.error_consistency(always_right[0], always_right[0]))


def test_mismatched_example_sets_rejected():
    frame = pd.DataFrame({"model": ["a"] * 3 + ["b"] * 3, "idx": [0, 1, 2, 0, 1, 3],
                          "correct": [True, False, True, True, True, False]})
    with pytest.raises(ValueError, match="mismatched example sets"):
        oc.correctness_matrix(frame)
    with pytest.raises(ValueError, match="length mismatch"):
        ag.error_consistency([True, False], [True])
    good = frame.assign(idx=[2, 0, 1, 1, 2, 0])
    models, matrix = oc.correctness_matrix(good)
    assert models == ["a", "b"]
    np.testing.assert_array_equal(matrix, [[False, True, True], [False, True, True]])


def test_kappa_matches_scikit_learn():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    b[:120] = a[:120]
    assert ag.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_error_consistency_hand_computed_and_bootstrap_agrees():
    a = np.array([1, 1, 1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)  # acc 0.7
    b = np.array([1, 1, 1, 0, 0, 1, 1, 0, 1, 0], dtype=bool)  # acc 0.6
    c_obs = 7 / 10  # same outcome on examples 0,1,2,4,6,7,8
    c_exp = 0.7 * 0.6 + 0.3 * 0.4
    assert ag.error_consistency(a, b) == pytest.approx((c_obs - c_exp) / (1 - c_exp))
    idx = oc.bootstrap_indices(10, 50, seed=1)
    samples = oc.error_consistency_samples(np.vstack([a, b]), idx)
    for k in range(5):
        direct = ag.error_consistency(a[idx[k]], b[idx[k]])
        assert (math.isnan(direct) and math.isnan(samples[k, 0, 1])) or samples[k, 0, 1] == pytest.approx(direct)
    np.testing.assert_array_equal(idx, oc.bootstrap_indices(10, 50, seed=1))  # seeded


def test_bootstrap_scores_match_scikit_learn_on_each_resample():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 40), rng.integers(0, 3, 40)
    idx = oc.bootstrap_indices(40, 20, seed=2)
    f1 = oc.macro_f1_samples(y, p, 3, idx)
    acc = oc.accuracy_samples(y == p, idx)
    for k in range(20):
        assert f1[k] == pytest.approx(f1_score(y[idx[k]], p[idx[k]], labels=[0, 1, 2], average="macro",
                                               zero_division=0))
        assert acc[k] == pytest.approx(np.mean(y[idx[k]] == p[idx[k]]))
    lo, hi = oc.interval(acc)
    assert 0 <= lo <= np.mean(y == p) <= hi <= 1


def test_homogenization_samples_match_point_estimate_on_each_resample():
    rng = np.random.default_rng(5)
    correct = rng.random((4, 60)) < 0.7
    idx = oc.bootstrap_indices(60, 10, seed=0)
    samples = oc.homogenization_samples(correct, idx)
    for k in range(10):
        assert samples[k] == pytest.approx(oc.homogenization_ratio(correct[:, idx[k]]), nan_ok=True)


def test_capa_hand_computed():
    pa = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    pb = np.array([[0.7, 0.3], [0.5, 0.5], [0.1, 0.9]])
    y = np.array([0, 1, 1])
    c_obs = ((0.63 + 0.03) + (0.1 + 0.4) + (0.06 + 0.36)) / 3
    pbar_a, pbar_b = (0.9 + 0.8 + 0.4) / 3, (0.7 + 0.5 + 0.9) / 3
    c_exp = pbar_a * pbar_b + (1 - pbar_a) * (1 - pbar_b)  # K - 1 = 1
    assert ag.capa(pa, pb, y) == pytest.approx((c_obs - c_exp) / (1 - c_exp))
    onehot = np.eye(2)[y]
    assert math.isnan(ag.capa(onehot, onehot, y))  # both certain and always right: c_exp = 1
    with pytest.raises(ValueError):
        ag.capa(pa, pb[:2], y)


def test_linear_cka_equals_centered_gram_formula():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 5)), rng.normal(size=(30, 8))
    h = np.eye(30) - 1 / 30
    k, l_ = h @ x @ x.T @ h, h @ y @ y.T @ h
    hsic = np.trace(k @ l_) / np.sqrt(np.trace(k @ k) * np.trace(l_ @ l_))
    assert ag.linear_cka(x, y) == pytest.approx(hsic)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    assert ag.linear_cka(x, 3 * x @ q + 1) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        ag.linear_cka(x, y[:10])
