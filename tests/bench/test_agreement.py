"""Agreement metrics against hand-computed values and scikit-learn."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from homog.bench.agreement import accuracy, agreement, cohen_kappa, error_consistency, macro_f1


def test_accuracy_and_agreement_by_hand():
    assert accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert agreement([2, 1, 0, 0, 1], [2, 0, 0, 1, 1]) == 0.6


def test_macro_f1_by_hand():
    # class 0: TP=1 FP=0 FN=1 -> F1 = 2/3; class 1: TP=2 FP=1 FN=0 -> F1 = 4/5
    assert macro_f1([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx((2 / 3 + 4 / 5) / 2)
    # a class named in labels but never true nor predicted scores 0
    assert macro_f1([0, 0, 1, 1], [0, 1, 1, 1], labels=[0, 1, 2]) == pytest.approx((2 / 3 + 4 / 5) / 3)


def test_cohen_kappa_by_hand():
    # p_o = 3/4; marginals a = (1/2, 1/2), b = (1/4, 3/4) -> p_e = 1/8 + 3/8 = 1/2 -> kappa = 1/2
    assert cohen_kappa([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx(0.5)
    assert cohen_kappa([0, 1, 2, 0], [0, 1, 2, 0]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))  # p_e = 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=40))
def test_cohen_kappa_matches_sklearn(pairs):
    a, b = map(np.array, zip(*pairs))
    ours = cohen_kappa(a, b)
    if len(np.union1d(a, b)) == 1:
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(cohen_kappa_score(a, b))


def test_error_consistency_by_hand():
    # p_a = 3/4, p_b = 1/2: c_exp = 3/8 + 1/8 = 1/2; c_obs = 3/4 -> kappa = 1/2
    assert error_consistency([1, 1, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.5)
    # independent-looking errors: p = 1/2 each, c_obs = 1/2 = c_exp -> 0
    assert error_consistency([1, 1, 0, 0], [1, 0, 0, 1]) == pytest.approx(0.0)
    # opposite errors: c_obs = 0, c_exp = 1/2 -> -1
    assert error_consistency([1, 0, 1, 0], [0, 1, 0, 1]) == pytest.approx(-1.0)


def test_error_consistency_identical_models():
    correct = [True, False, True, True, False]
    assert error_consistency(correct, correct) == pytest.approx(1.0)


def test_error_consistency_one_model_always_right():
    # p_a = 1: c_exp = p_b = c_obs, so kappa is 0 (not degenerate)
    assert error_consistency([1, 1, 1, 1], [1, 0, 1, 0]) == pytest.approx(0.0)


def test_error_consistency_degenerate_cases_are_nan():
    assert math.isnan(error_consistency([1, 1, 1], [1, 1, 1]))  # both always right: c_exp = 1
    assert math.isnan(error_consistency([0, 0, 0], [0, 0, 0]))  # both always wrong: c_exp = 1
    assert error_consistency([1, 1, 1], [0, 0, 0]) == pytest.approx(0.0)  # c_exp = 0, c_obs = 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=40))
def test_error_consistency_is_kappa_over_correctness(pairs):
    # Geirhos' c_exp equals Cohen's chance agreement for two binary raters, so sklearn is an independent check.
    a, b = map(np.array, zip(*pairs))
    ours = error_consistency(a, b)
    if (a.all() and b.all()) or (not a.any() and not b.any()):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


@pytest.mark.parametrize("fn", [accuracy, agreement, cohen_kappa, error_consistency, macro_f1])
def test_mismatched_lengths_rejected(fn):
    with pytest.raises(ValueError, match="length mismatch"):
        fn([1, 0, 1], [1, 0])
