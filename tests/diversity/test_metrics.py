"""Diversity metrics against hand-computed values, independent references and properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from homog.diversity.metrics import (
    cluster_distances,
    counts_by_label,
    gini_simpson,
    hhi,
    hill_number,
    rao_stirling,
    shannon,
    vendi_score,
)

COUNTS = [2, 1, 1]  # p = [1/2, 1/4, 1/4]
D3 = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]])


def test_shannon_hand_computed():
    # -(1/2 ln 1/2 + 2 * 1/4 ln 1/4) = 1/2 ln 2 + ln 2 = 1.5 ln 2
    assert shannon(COUNTS) == pytest.approx(1.5 * math.log(2), abs=1e-15)
    assert shannon([7]) == 0.0
    assert shannon([3, 0, 3]) == pytest.approx(math.log(2), abs=1e-15)


@pytest.mark.parametrize(
    "q, expected",
    [
        (0, 3.0),
        (1, 2**1.5),  # exp(1.5 ln 2)
        (2, 8 / 3),  # 1 / (1/4 + 1/16 + 1/16)
        (3, (1 / 8 + 2 / 64) ** -0.5),
        (math.inf, 2.0),  # 1 / max p
    ],
)
def test_hill_numbers_hand_computed(q, expected):
    assert hill_number(COUNTS, q) == pytest.approx(expected, rel=1e-14)


def test_hill_near_one_is_continuous():
    assert hill_number(COUNTS, 1 + 1e-7) == pytest.approx(hill_number(COUNTS, 1), rel=1e-6)


def test_gini_simpson_and_hhi_hand_computed():
    assert hhi(COUNTS) == pytest.approx(0.375, abs=1e-15)
    assert gini_simpson(COUNTS) == pytest.approx(0.625, abs=1e-15)
    assert gini_simpson([5]) == 0.0


def test_rao_stirling_hand_computed_ordered_pairs():
    # ordered pairs: 2 * (1 * 1/8 + 0.5 * 1/8 + 0.2 * 1/16) = 0.4; unordered would be 0.2
    assert rao_stirling(COUNTS, D3) == pytest.approx(0.4, abs=1e-15)
    # alpha=2: 2 * (1 * 1/8 + 0.25 * 1/8 + 0.04 * 1/16) = 0.3175
    assert rao_stirling(COUNTS, D3, alpha=2) == pytest.approx(0.3175, abs=1e-15)
    # beta=0.5: 2 * (1 * sqrt(1/8) + 0.5 * sqrt(1/8) + 0.2 * 1/4)
    assert rao_stirling(COUNTS, D3, beta=0.5) == pytest.approx(2 * (1.5 * 8**-0.5 + 0.05), abs=1e-14)


def test_rao_stirling_ignores_zero_counts_and_single_category():
    assert rao_stirling([2, 0, 2], D3) == pytest.approx(2 * 0.5 * 0.25, abs=1e-15)
    assert rao_stirling([0, 4, 0], D3) == 0.0


def test_empty_and_bad_inputs_raise():
    for fn in (shannon, gini_simpson, hhi):
        with pytest.raises(ValueError):
            fn([])
        with pytest.raises(ValueError):
            fn([0, 0])
        with pytest.raises(ValueError):
            fn([1, -1])
    with pytest.raises(ValueError):
        hill_number(COUNTS, -0.5)
    with pytest.raises(ValueError):
        rao_stirling(COUNTS, np.zeros((2, 2)))
    with pytest.raises(ValueError):
        vendi_score(np.zeros((0, 4)))
    with pytest.raises(ValueError):
        vendi_score(np.array([[1.0, 0.0], [0.0, 0.0]]))


def test_cluster_distances():
    centers = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]])
    d = cluster_distances(centers)
    expected = np.array(
        [
            [0, 1, 2, 1 - 2**-0.5],
            [1, 0, 1, 1 - 2**-0.5],
            [2, 1, 0, 1 + 2**-0.5],
            [1 - 2**-0.5, 1 - 2**-0.5, 1 + 2**-0.5, 0],
        ]
    )
    np.testing.assert_allclose(d, expected, atol=1e-15)
    assert np.all(np.diag(d) == 0) and np.array_equal(d, d.T)
    assert cluster_distances(np.zeros((0, 5))).shape == (0, 0)


def test_counts_by_label_drops_noise():
    np.testing.assert_array_equal(counts_by_label([0, 0, -1, 2], 3), [2, 0, 1])
    with pytest.raises(ValueError):
        counts_by_label([0, 3], 3)


# --- Vendi ----------------------------------------------------------------


def _vendi_direct(X: np.ndarray, q: float = 1) -> float:
    """Reference: eigenvalues of the full n x n cosine kernel / n."""
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    w = scipy.linalg.eigvalsh(U @ U.T / len(U))
    w = w[w > 1e-15]
    if q == 1:
        return float(np.exp(-np.sum(w * np.log(w))))
    return float(np.sum(w**q) ** (1 / (1 - q)))


def test_vendi_hand_computed():
    # K/n = [[1,1,0],[1,1,0],[0,0,1]]/3 -> eigenvalues 2/3, 1/3
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 5.0]])
    assert vendi_score(X) == pytest.approx(math.exp(-(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))), rel=1e-12)
    assert vendi_score(np.ones((6, 3))) == pytest.approx(1.0, rel=1e-12)
    assert vendi_score(np.eye(4)) == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize("n, d", [(7, 20), (50, 6), (30, 30)])
@pytest.mark.parametrize("q", [1, 2, 0.5])
def test_vendi_matches_direct_kernel_eigendecomposition(n, d, q):
    X = np.random.default_rng(n * 100 + d).normal(size=(n, d))
    assert vendi_score(X, q=q) == pytest.approx(_vendi_direct(X, q), rel=1e-9)


@pytest.mark.parametrize("n, d", [(7, 20), (50, 6)])
@pytest.mark.parametrize("q", [1, 2])
def test_vendi_matches_vendi_score_package(n, d, q):
    vendi = pytest.importorskip("vendi_score.vendi")
    X = np.random.default_rng(7 * n + d).normal(size=(n, d))
    assert vendi_score(X, q=q) == pytest.approx(float(vendi.score_dual(X, q=q)), abs=1e-9)


# --- properties -------------------------------------------------------------

count_vectors = st.lists(st.integers(0, 60), min_size=1, max_size=25).filter(lambda c: sum(c) > 0)
ORDERS = [0, 0.3, 1, 1.5, 2, 5, math.inf]


@settings(max_examples=150, deadline=None)
@given(count_vectors)
def test_hill_bounds_and_monotone_in_q(counts):
    richness = sum(1 for c in counts if c > 0)
    values = [hill_number(counts, q) for q in ORDERS]
    assert all(1 - 1e-12 <= v <= richness + 1e-9 for v in values)
    assert values[0] == richness
    assert all(a >= b - 1e-9 for a, b in zip(values, values[1:]))
    assert values[2] == pytest.approx(math.exp(shannon(counts)), rel=1e-12)
    assert values[4] == pytest.approx(1 / hhi(counts), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 30))
def test_replication_principle(n_types, abundance):
    """S equally common, completely distinct types: every Hill number is S, and so is Vendi."""
    counts = [abundance] * n_types
    for q in ORDERS:
        assert hill_number(counts, q) == pytest.approx(n_types, rel=1e-12)
    distinct = 1.0 - np.eye(n_types)
    assert rao_stirling(counts, distinct) == pytest.approx(1 - 1 / n_types, abs=1e-12)
    X = np.repeat(np.eye(n_types), min(abundance, 3), axis=0)  # orthogonal types, each repeated
    assert vendi_score(X) == pytest.approx(n_types, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(count_vectors)
def test_rao_stirling_with_unit_distances_is_gini_simpson(counts):
    distinct = 1.0 - np.eye(len(counts))
    assert rao_stirling(counts, distinct) == pytest.approx(gini_simpson(counts), abs=1e-12)
    assert rao_stirling(counts, np.zeros((len(counts), len(counts)))) == 0.0
