"""Intervals, equal-size comparison, trends (Theil–Sen, Mann–Kendall), permutation test."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from homog.diversity.metrics import centroid_similarity, cluster_distances, counts_by_label, shannon
from homog.diversity.panel import PANEL_KEYS
from homog.diversity.trends import default_periods, period_permutation, trend, trend_table
from homog.diversity.uncertainty import diversity_with_intervals

RNG = np.random.default_rng(11)
CENTERS = RNG.normal(size=(4, 6))


def _corpus():
    labels = np.array([0, 1, 2, 3] * 10 + [0, 0, 0, 1] * 10 + [0] * 3 + [-1])
    years = np.array([2019] * 40 + [2020] * 40 + [2021] * 4)
    X = CENTERS[np.clip(labels, 0, None)] + 0.1 * RNG.normal(size=(labels.size, 6))
    return labels, years, X


def test_intervals_contain_point_and_are_deterministic():
    labels, years, X = _corpus()
    a = diversity_with_intervals(labels, years, X, CENTERS, n_boot=60, seed=3, n_papers={2022: 1})
    b = diversity_with_intervals(labels, years, X, CENTERS, n_boot=60, seed=3, n_papers={2022: 1})
    pd.testing.assert_frame_equal(a, b)
    ok = a[a["status"] == "ok"]
    assert ok["group"].tolist() == [2019, 2020, 2021]
    for key in PANEL_KEYS:
        assert (ok[f"{key}_lo"] <= ok[f"{key}_hi"] + 1e-12).all()
    # the point value is the plain metric of the group, clustering held fixed
    assert ok.iloc[0]["shannon"] == pytest.approx(math.log(4), abs=1e-12)
    assert ok.iloc[1]["shannon"] == pytest.approx(shannon([3, 1]), abs=1e-12)
    # an empty year is "no data": NaN metrics with a status, never 0
    empty = a[a["group"] == 2022].iloc[0]
    assert empty["status"].startswith("insufficient data") and math.isnan(empty["shannon_lo"])
    assert a.loc[a["group"] == 2021, "flag"].iloc[0].startswith("small group")


def test_bootstrap_interval_matches_independent_resampling():
    """Independent check: percentile bounds of Shannon from our own resampling loop, bias-corrected."""
    labels, years, X = _corpus()
    table = diversity_with_intervals(labels, years, X, CENTERS, n_boot=80, seed=5, equal_size=False)
    row = table[table["group"] == 2020].iloc[0]
    idx = np.flatnonzero(years == 2020)
    rng = np.random.default_rng([5, 1])
    values = [shannon(counts_by_label(labels[idx[rng.integers(0, idx.size, idx.size)]], 4)) for _ in range(80)]
    shift = row["shannon"] - np.mean(values)
    lo, hi = np.percentile(values, [2.5, 97.5]) + shift
    assert row["shannon_lo"] == pytest.approx(lo, abs=1e-12) and row["shannon_hi"] == pytest.approx(hi, abs=1e-12)


def test_equal_size_columns_use_smallest_group():
    labels, years, X = _corpus()
    table = diversity_with_intervals(labels, years, X, CENTERS, n_boot=30, seed=0, min_papers=5)
    ok = table[table["status"] == "ok"]
    assert set(ok["eq_n"]) == {40}
    # sampling 40 of 40 without replacement is the whole group: the equal-size value equals the point value
    assert np.allclose(ok["hill1_eq"], ok["hill1"], atol=1e-12)
    assert np.allclose(ok["vendi_eq"], ok["vendi"], atol=1e-9)


def test_trend_against_scipy_and_verdicts():
    years = [2013, 2014, 2015, 2016, 2017, 2018]
    falling = [3.0, 2.8, 2.7, 2.5, 2.2, 2.0]
    t = trend(years, falling)
    ts = stats.theilslopes(falling, years, alpha=0.95)
    assert t["slope"] == pytest.approx(ts.slope) and t["slope_hi"] == pytest.approx(ts.high_slope)
    assert t["mann_kendall_p"] == pytest.approx(stats.kendalltau(years, falling).pvalue)
    assert t["mann_kendall_p"] == pytest.approx(2 / math.factorial(6), rel=1e-9)  # exact: only 1 of 720 orders
    assert t["verdict"] == "narrowing"
    assert trend(years, falling, higher_is_diverse=False)["verdict"] == "broadening"
    assert trend(years, falling[::-1])["verdict"] == "broadening"
    assert trend(years, [2.0, 2.3, 1.9, 2.2, 2.0, 2.1])["verdict"] == "no evidence of change"
    assert trend(years, [1.0] * 6)["verdict"] == "no evidence of change"
    assert trend([2013, 2014], [1.0, 2.0])["verdict"].startswith("not enough years")
    assert trend(years, [3.0, np.nan, 2.7, 2.5, 2.2, 2.0])["n_years"] == 5


def test_permutation_test_detects_shift_and_null():
    rng = np.random.default_rng(0)
    n = 120
    years = np.repeat([2015, 2016, 2017, 2018], n // 4)
    labels = np.where(years <= 2016, rng.integers(0, 4, n), 0)
    X = CENTERS[labels] + 0.1 * rng.normal(size=(n, 6))
    res = period_permutation(labels, years, X, CENTERS, ((2015, 2016), (2017, 2018)), n_perm=99, seed=1)
    row = res.set_index("metric").loc["shannon"]
    early = shannon(counts_by_label(labels[years <= 2016], 4))
    assert row["permutation_diff"] == pytest.approx(0.0 - early, abs=1e-12)
    assert row["permutation_p"] == pytest.approx(1 / 100)
    same = period_permutation(rng.integers(0, 4, n), years, X, CENTERS, ((2015, 2016), (2017, 2018)),
                              n_perm=99, seed=1)
    assert same.set_index("metric").loc["shannon", "permutation_p"] > 0.05


def test_trend_table_and_default_periods():
    assert default_periods([2013, 2014, 2015, 2016, 2017]) == ((2013, 2015), (2016, 2017))
    assert default_periods([2020]) is None
    by_year = pd.DataFrame({"year": [2015, 2016, 2017, 2018], "status": ["ok"] * 4,
                            **{k: [4.0, 3.0, 2.0, 1.0] for k in PANEL_KEYS}})
    table = trend_table(by_year)
    assert list(table.columns[:6]) == ["metric", "slope", "slope_lo", "slope_hi", "p_value", "verdict"]
    verdict = dict(zip(table["metric"], table["verdict"]))
    assert verdict["shannon"] == "no evidence of change"  # 4 years: exact MK p = 2/24 > 0.05
    assert table["slope"].eq(-1.0).all()


def test_centroid_similarity_is_one_minus_distance():
    Z = centroid_similarity(CENTERS)
    D = cluster_distances(CENTERS)
    assert np.allclose(np.diag(Z), 1.0) and np.allclose(Z, np.clip(1 - D, 0, 1))
