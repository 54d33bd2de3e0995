"""Bootstrap interval ends never leave the range a metric can take (small groups are where they would)."""
from __future__ import annotations

import numpy as np

from homog.diversity.panel import PANEL_KEYS
from homog.diversity.uncertainty import diversity_with_intervals, metric_range


def test_interval_ends_stay_inside_each_metrics_range():
    rng = np.random.default_rng(0)
    centers = np.eye(3, 8)
    labels = np.array([0, 1, 2, 0] * 3)
    years = np.repeat([2020, 2021, 2022], 4)
    vectors = centers[labels] + 0.3 * rng.standard_normal((12, 8))
    table = diversity_with_intervals(labels, years, vectors, centers, n_boot=200, seed=0)
    distances = 1 - centers @ centers.T
    for _, row in table.iterrows():
        for key in PANEL_KEYS:
            low, high = metric_range(key, 3, 4, float(distances.max()))
            assert low - 1e-12 <= row[f"{key}_lo"] <= row[f"{key}_hi"] <= high + 1e-12, key
        assert row["hill0_hi"] <= 3 and row["vendi_hi"] <= 4


def test_metric_range_by_hand():
    assert metric_range("hill1", k=3, n=4, max_distance=1.0) == (1.0, 3.0)
    assert metric_range("hill0", k=5, n=2, max_distance=1.0) == (1.0, 2.0)
    assert metric_range("gini_simpson", k=4, n=10, max_distance=1.0) == (0.0, 0.75)
    assert metric_range("hhi", k=4, n=10, max_distance=1.0) == (0.25, 1.0)
    assert metric_range("vendi", k=4, n=10, max_distance=1.0) == (1.0, 10.0)
    assert metric_range("rao_stirling", k=2, n=10, max_distance=0.8) == (0.0, 0.4)
