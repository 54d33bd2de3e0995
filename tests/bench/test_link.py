"""The literature link: Mantel test against brute-force enumeration, within/between means by hand."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import pearsonr

from homog.bench import link as lk


def symmetric(values, m):
    out = np.zeros((m, m))
    out[np.triu_indices(m, 1)] = values
    return out + out.T


def test_mantel_exact_p_equals_enumeration_with_scipy():
    m = 5
    a = symmetric([0.1, 0.5, 0.9, 0.3, 0.4, 0.8, 0.2, 0.7, 0.6, 1.0], m)
    b = symmetric([0.8, 0.4, 0.05, 0.7, 0.5, 0.3, 0.9, 0.1, 0.35, 0.0], m)
    rows, cols = np.triu_indices(m, 1)
    r_obs = pearsonr(a[rows, cols], b[rows, cols]).statistic
    perms = [np.array(p) for p in itertools.permutations(range(m))]
    hits = sum(abs(pearsonr(a[rows, cols], b[p][:, p][rows, cols]).statistic) >= abs(r_obs) - 1e-12 for p in perms)
    r, p = lk.mantel(a, b, permutations=999)
    assert r == pytest.approx(r_obs)
    assert p == pytest.approx(hits / len(perms))
    assert r < 0


def test_mantel_random_permutations_are_seeded_and_valid():
    rng = np.random.default_rng(0)
    m = 9
    a = symmetric(rng.random(m * (m - 1) // 2), m)
    r1, p1 = lk.mantel(a, a, permutations=199, seed=3)
    r2, p2 = lk.mantel(a, a, permutations=199, seed=3)
    assert (r1, p1) == (r2, p2) and r1 == pytest.approx(1.0)
    assert 1 / 200 <= p1 <= 0.05
    with pytest.raises(ValueError):
        lk.mantel(a[:2, :2], a[:2, :2])


def test_within_between_and_placement():
    ec = symmetric([0.6, 0.1, 0.2, 0.0, 0.3, 0.5], 4)  # pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3)
    clusters = np.array([0, 0, 1, 1])
    within, between = lk.within_between(ec, clusters)
    assert within == pytest.approx((0.6 + 0.5) / 2)
    assert between == pytest.approx((0.1 + 0.2 + 0.0 + 0.3) / 4)
    stacked_w, stacked_b = lk.within_between(np.stack([ec, 2 * ec]), clusters)
    np.testing.assert_allclose(stacked_w, [0.55, 1.1])
    w, b = lk.within_between(ec, np.array([0, 1, 2, 3]))
    assert math.isnan(w) and b == pytest.approx(np.mean([0.6, 0.1, 0.2, 0.0, 0.3, 0.5]))
    centers = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert lk.nearest_cluster(np.array([[0.9, 0.2], [0.1, 3.0]]), centers).tolist() == [0, 1]
    np.testing.assert_allclose(lk.cosine_distances(np.array([[1.0, 0.0], [0.0, 2.0]])), [[0, 1], [1, 0]])
