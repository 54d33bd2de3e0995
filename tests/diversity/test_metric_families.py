"""New metric families against hand values, independent computations and properties (Hypothesis)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import block_diag

from homog.diversity.metrics import (
    centroid_similarity,
    cluster_distances,
    gini_coefficient,
    hill_number,
    hill_profile,
    leinster_cobbold,
    rao_stirling,
    vendi_score,
)
from homog.diversity.panel import PANEL_KEYS, panel_matrix, panel_values

counts_st = st.lists(st.integers(0, 50), min_size=1, max_size=12).filter(lambda c: sum(c) > 0)


def test_gini_coefficient_hand_computed():
    # sizes 1, 2, 3: sum |xi - xj| over ordered pairs = 2 * (1 + 2 + 1) = 8; 2 S^2 mean = 2 * 9 * 2 = 36
    assert gini_coefficient([1, 2, 3]) == pytest.approx(8 / 36, abs=1e-15)
    assert gini_coefficient([4, 4, 4]) == pytest.approx(0.0, abs=1e-15)
    assert gini_coefficient([9]) == 0.0
    assert gini_coefficient([0, 1, 0, 2, 3]) == pytest.approx(8 / 36, abs=1e-15)  # zeros contribute nothing


@given(counts_st)
def test_gini_coefficient_equals_pairwise_definition(counts):
    x = np.array([c for c in counts if c > 0], dtype=float)
    direct = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini_coefficient(counts) == pytest.approx(direct, abs=1e-12)
    assert 0.0 <= gini_coefficient(counts) <= 1 - 1 / x.size + 1e-12


def test_leinster_cobbold_hand_computed():
    p = np.array([0.5, 0.5])
    Z = np.array([[1.0, 0.5], [0.5, 1.0]])  # Zp = [0.75, 0.75]
    assert leinster_cobbold([1, 1], Z, 1) == pytest.approx(1 / 0.75, abs=1e-14)
    assert leinster_cobbold([1, 1], Z, 2) == pytest.approx(1 / 0.75, abs=1e-14)
    assert leinster_cobbold([1, 1], Z, math.inf) == pytest.approx(1 / 0.75, abs=1e-14)
    assert leinster_cobbold([3, 0], Z, 1) == 1.0
    Z3 = np.array([[1, 0.2, 0], [0.2, 1, 0.4], [0, 0.4, 1.0]])
    p = np.array([2, 1, 1]) / 4
    zp = Z3 @ p
    assert leinster_cobbold([2, 1, 1], Z3, 0) == pytest.approx(np.sum(p / zp), abs=1e-14)
    assert leinster_cobbold([2, 1, 1], Z3, 3) == pytest.approx(np.sum(p * zp**2) ** -0.5, abs=1e-14)
    with pytest.raises(ValueError):
        leinster_cobbold([1, 1], np.array([[1, 2], [2, 1.0]]), 1)


@settings(max_examples=60, deadline=None)
@given(counts_st, st.sampled_from([0, 0.5, 1, 2, 3.5, math.inf]))
def test_leinster_cobbold_identity_similarity_is_hill(counts, q):
    assert leinster_cobbold(counts, np.eye(len(counts)), q) == pytest.approx(hill_number(counts, q), rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(counts_st, st.integers(0, 10_000))
def test_leinster_cobbold_bounds_and_monotone_in_q(counts, seed):
    C = np.random.default_rng(seed).normal(size=(len(counts), 5))
    Z = centroid_similarity(C)
    values = [leinster_cobbold(counts, Z, q) for q in (0, 0.5, 1, 2, 4, math.inf)]
    assert all(a >= b - 1e-9 for a, b in zip(values, values[1:]))
    assert all(1 - 1e-9 <= v <= hill_number(counts, q) + 1e-9 for v, q in zip(values, (0, 0.5, 1, 2, 4, math.inf)))


@settings(max_examples=80, deadline=None)
@given(counts_st)
def test_hill_profile_falls_with_q_and_is_bounded(counts):
    profile = hill_profile(counts, (0, 0.3, 1, 1.7, 2, 5, math.inf))
    values = list(profile.values())
    s = sum(1 for c in counts if c > 0)
    assert all(a >= b - 1e-9 for a, b in zip(values, values[1:]))
    assert all(1 - 1e-12 <= v <= s + 1e-9 for v in values)


@settings(max_examples=60, deadline=None)
@given(counts_st, st.integers(2, 4), st.sampled_from([0, 1, 2, math.inf]))
def test_replication_principle(counts, m, q):
    """m disjoint, equally large copies of a community have m times its diversity (Hill, Leinster-Cobbold)."""
    pooled = list(counts) * m
    assert hill_number(pooled, q) == pytest.approx(m * hill_number(counts, q), rel=1e-9)
    C = np.random.default_rng(len(counts)).normal(size=(len(counts), 4))
    Z = centroid_similarity(C)
    Zm = block_diag(*[Z] * m)
    assert leinster_cobbold(pooled, Zm, q) == pytest.approx(m * leinster_cobbold(counts, Z, q), rel=1e-9)


def test_rao_stirling_exponents_hand_computed():
    D = np.array([[0, 1.0, 0.5], [1.0, 0, 0.2], [0.5, 0.2, 0]])
    # alpha=2, beta=0.5: 2 * (1 * sqrt(1/8) + 0.25 * sqrt(1/8) + 0.04 * sqrt(1/16))
    expected = 2 * (1 * math.sqrt(1 / 8) + 0.25 * math.sqrt(1 / 8) + 0.04 * 0.25)
    assert rao_stirling([2, 1, 1], D, alpha=2, beta=0.5) == pytest.approx(expected, abs=1e-14)


def _vendi_direct(X: np.ndarray, q: float) -> float:
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    lam = np.linalg.eigvalsh(U @ U.T / U.shape[0])
    lam = lam[lam > 1e-15]
    lam = lam / lam.sum()
    if q == 1:
        return float(np.exp(-np.sum(lam * np.log(lam))))
    if math.isinf(q):
        return float(1 / lam.max())
    return float(np.sum(lam**q) ** (1 / (1 - q)))


@pytest.mark.parametrize("n, d", [(30, 8), (8, 30), (200, 16)])
@pytest.mark.parametrize("q", [0.5, 1, 2, math.inf])
def test_vendi_equals_direct_n_by_n_kernel(n, d, q):
    X = np.random.default_rng(n * d).normal(size=(n, d))
    assert vendi_score(X, q) == pytest.approx(_vendi_direct(X, q), rel=1e-9, abs=1e-9)


def test_vendi_equals_vendi_score_package_at_q1():
    from vendi_score import vendi

    X = np.random.default_rng(3).normal(size=(500, 24))
    assert vendi_score(X, 1) == pytest.approx(vendi.score_dual(X, q=1), abs=1e-9)
    assert vendi_score(X[:50], 1) == pytest.approx(vendi.score_X(X[:50], q=1), abs=1e-9)


def test_vendi_chunked_equals_one_block():
    X = np.random.default_rng(4).normal(size=(1000, 12)).astype(np.float32)
    assert vendi_score(X, chunk_rows=37) == pytest.approx(vendi_score(X, chunk_rows=10**6), abs=1e-10)


def test_vendi_edge_cases():
    assert vendi_score(np.ones((5, 3))) == pytest.approx(1.0, abs=1e-12)  # all parallel: the minimum
    assert vendi_score(np.eye(4)) == pytest.approx(4.0, abs=1e-12)  # orthogonal: min(n, d)
    with pytest.raises(ValueError):
        vendi_score(np.zeros((0, 3)))


def test_replication_principle_vendi():
    X = np.random.default_rng(5).normal(size=(20, 4))
    doubled = np.vstack([np.hstack([X, np.zeros_like(X)]), np.hstack([np.zeros_like(X), X])])
    assert vendi_score(doubled) == pytest.approx(2 * vendi_score(X), rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.lists(counts_st.map(lambda c: (c + [0] * 12)[:6]), min_size=1, max_size=5), st.integers(0, 1000))
def test_panel_matrix_equals_scalar_panel(rows, seed):
    C = np.random.default_rng(seed).normal(size=(6, 5))
    D, Z = cluster_distances(C), centroid_similarity(C)
    M = np.array(rows)
    vec = panel_matrix(M, D, Z)
    for i, row in enumerate(M):
        scalar = panel_values(row, D, Z, None)
        for key in PANEL_KEYS:
            if key != "vendi":
                assert vec[key][i] == pytest.approx(scalar[key], rel=1e-9, abs=1e-12), key


def test_panel_matrix_empty_row_is_no_data():
    out = panel_matrix(np.zeros((1, 3)), np.zeros((3, 3)), np.eye(3))
    assert all(math.isnan(v[0]) for v in out.values())
    with pytest.raises(ValueError):
        panel_values(np.zeros(3), np.zeros((3, 3)), np.eye(3), None)
