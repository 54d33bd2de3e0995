"""Burst detection, cluster dynamics, the method view, partition agreement and the sensitivity grid."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from homog.diversity.dynamics import emerging_fading, kleinberg_bursts, share_table
from homog.diversity.sensitivity import Choice, default_grid, sensitivity_panel, tfidf_lsa, yearly_trends
from homog.diversity.validity import crosstab_top, partition_agreement
from homog.method_view import method_sentences, method_texts, split_sentences

from synthetic import narrowing_corpus


def _brute_force_bursts(r, d, s=2.0, gamma=1.0):
    """Independent check: enumerate all 2^n state sequences and take the cheapest."""
    from itertools import product
    from scipy.stats import binom

    r, d = np.asarray(r), np.asarray(d)
    p0 = r.sum() / d.sum()
    p = [p0, min(s * p0, 0.9999)]
    best, arg = np.inf, None
    for states in product([0, 1], repeat=r.size):
        cost = sum(-binom.logpmf(r[t], d[t], p[st]) for t, st in enumerate(states))
        prev = 0
        for st in states:
            cost += gamma * np.log(r.size) if st > prev else 0.0
            prev = st
        if cost < best - 1e-12:
            best, arg = cost, states
    return np.array(arg)


@pytest.mark.parametrize("r, d", [([1, 1, 2, 10, 12, 11], [20] * 6), ([8, 9, 2, 1, 1, 0], [20] * 6),
                                  ([3, 3, 3, 3, 3], [30] * 5), ([0, 5, 0, 9, 1], [10, 10, 10, 12, 10])])
def test_kleinberg_equals_brute_force(r, d):
    for s in (1.5, 2.0):
        assert kleinberg_bursts(r, d, s=s).tolist() == _brute_force_bursts(r, d, s=s).tolist()


def test_emerging_and_fading_clusters():
    years = np.repeat([2015, 2016, 2017, 2018, 2019], 40)
    labels = np.concatenate([np.r_[np.zeros(2), np.ones(18), np.full(20, 2)],
                             np.r_[np.zeros(3), np.ones(17), np.full(20, 2)],
                             np.r_[np.zeros(4), np.ones(6), np.full(30, 2)],
                             np.r_[np.zeros(16), np.ones(4), np.full(20, 2)],
                             np.r_[np.zeros(20), np.ones(2), np.full(18, 2)]]).astype(int)
    counts = share_table(np.r_[labels, -1], np.r_[years, 2019])
    assert counts.to_numpy().sum() == 200  # noise left out
    dyn = emerging_fading(counts, {0: "a", 1: "b", 2: "c"}).set_index("cluster")
    assert dyn.loc[0, "status"] == "emerging" and dyn.loc[0, "burst_years"].endswith("2019")
    assert dyn.loc[1, "status"] == "fading"
    assert emerging_fading(pd.DataFrame()).empty


def test_method_sentences():
    text = ("Ranking is popular. We propose a kernel method for ranking. "
            "Results hold on three datasets. It is based on random features.")
    kept, found = method_sentences(text)
    assert found and kept == "We propose a kernel method for ranking. It is based on random features."
    assert split_sentences("A b. C d? E f!") == ["A b.", "C d?", "E f!"]
    assert method_sentences("The weather was nice.") == ("The weather was nice.", False)
    texts, cued = method_texts(["We use MCMC.", "Nothing here."])
    assert cued.tolist() == [True, False]


def test_partition_agreement_against_sklearn():
    a = np.array([0, 0, 1, 1, 2, -1])
    truth = ["x", "x", "y", "y", "y", "z"]
    res = partition_agreement(a, truth)
    assert res["n"] == 5
    assert res["ari"] == pytest.approx(adjusted_rand_score(["x", "x", "y", "y", "y"], [0, 0, 1, 1, 2]))
    assert partition_agreement([0, 0, 1, 1], ["a", "a", "b", "b"]) == {"nmi": 1.0, "ari": 1.0, "n": 4}
    top = crosstab_top([0, 0, 1], ["a", "a", "b"])
    assert top.iloc[0].to_dict() == {"a": 0, "b": "a", "papers": 2, "share_of_a": 1.0}


def test_sensitivity_grid_on_narrowing_corpus():
    X, texts, years, groups = narrowing_corpus(n=180)
    lsa = tfidf_lsa(texts, n_components=5)
    assert lsa.shape == (180, 5) and np.allclose(np.linalg.norm(lsa, axis=1), 1.0)
    grid = [Choice("embedding", "kmeans", 6), Choice("tfidf-lsa", "kmeans", 6), Choice("embedding", "hdbscan", 10)]
    frame = sensitivity_panel({"embedding": X, "tfidf-lsa": lsa}, years, {"shannon": "narrowing"}, grid)
    assert len(frame) == 3 * 12 and not frame.duplicated(["choice", "metric"]).any()
    sh = frame[frame["metric"] == "shannon"]
    assert (sh["verdict"] == "narrowing").all() and sh["share_agreeing"].eq(1.0).all()
    assert len(default_grid(12, 10, 1000)) == 2 * (5 + 2)
    direct = yearly_trends(groups, years, X, np.eye(6, 16))["hhi"]
    assert direct["verdict"] == "narrowing" and direct["slope"] > 0
