"""The one-call analysis: determinism, group tables, and the all-noise / single-cluster cases."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from homog.cluster import cluster_centers
from homog.diversity.analysis import analyse, hill_profile_table
from homog.diversity.metrics import hill_number
from homog.diversity.uncertainty import diversity_with_intervals

from synthetic import narrowing_corpus


def _run(labels, years, X, texts, **kw):
    return analyse(labels=labels, years=years, embeddings=X, centers=cluster_centers(X, labels), texts=texts,
                   clusterer_params={"method": "kmeans", "n_init": 2}, seed=0, n_papers_by_year=None,
                   min_papers=2, periods=None, n_boot=kw.pop("n_boot", 15), grid=kw.pop("grid", []), **kw)


def test_same_seed_same_numbers():
    X, texts, years, groups = narrowing_corpus(n=90)
    a, b = _run(groups, years, X, texts), _run(groups, years, X, texts)
    pd.testing.assert_frame_equal(a.by_year, b.by_year)
    pd.testing.assert_frame_equal(a.trends, b.trends)
    assert a.stability["mean_ari"] == b.stability["mean_ari"]


def test_case_15_all_noise_through_analysis(cases_dir):
    """15-all-noise-clusters: all -1 -> 'undefined (no clusters)' per year, no crash, empty graph."""
    rows = [json.loads(x) for x in (cases_dir / "15-all-noise-labels.jsonl").read_text().splitlines() if x.strip()]
    labels = np.array([r["cluster"] for r in rows])
    years = np.array([r["year"] for r in rows])
    texts = [r["abstract"] for r in rows]
    X = np.random.default_rng(15).normal(size=(len(rows), 8))
    a = _run(labels, years, X, texts)
    assert (a.by_year["status"] == "undefined (no clusters)").all()
    assert a.by_year["hill1_lo"].isna().all()
    assert a.graph.number_of_nodes() == 0 and math.isnan(a.graph_stats["modularity"])
    assert a.dynamics.empty and a.method_view["status"].startswith("undefined")
    assert set(a.trends["verdict"]) == {"not enough years (<3)"}


def test_case_15_single_cluster_through_analysis(cases_dir):
    """15-all-noise-clusters point 4: one cluster -> Shannon, Gini-Simpson, Rao-Stirling exactly 0 every year."""
    rows = [json.loads(x) for x in
            (cases_dir / "15-single-cluster-labels.jsonl").read_text().splitlines() if x.strip()]
    labels = np.array([r["cluster"] for r in rows])
    years = np.array([r["year"] for r in rows])
    X = np.random.default_rng(15).normal(size=(len(rows), 8))
    a = _run(labels, years, X, [r["abstract"] for r in rows])
    ok = a.by_year[a.by_year["status"] == "ok"]
    assert len(ok) > 0
    for key, value in {"shannon": 0.0, "gini_simpson": 0.0, "rao_stirling": 0.0, "hill1": 1.0, "hhi": 1.0,
                       "gini": 0.0, "leinster_cobbold": 1.0}.items():
        assert (ok[key] == value).all() and (ok[f"{key}_lo"] == value).all(), key
    assert a.graph.number_of_nodes() == 1 and math.isnan(a.graph_stats["density"])


def test_group_intervals_for_string_groups():
    X, _, years, groups = narrowing_corpus(n=120)
    venue = np.where(years % 2 == 0, "NeurIPS", "ICML")
    table = diversity_with_intervals(groups, venue, X, cluster_centers(X, groups), n_boot=20, seed=1)
    assert table["group"].tolist() == ["ICML", "NeurIPS"]
    assert {"hill1_lo", "hill1_hi", "vendi_eq"} <= set(table.columns)


def test_hill_profile_table():
    prof = hill_profile_table([0, 0, 1, 2, -1], [2020] * 5, 3, qs=(0, 2))
    assert prof["hill"].tolist() == [3.0, hill_number([2, 1, 1], 2)]
