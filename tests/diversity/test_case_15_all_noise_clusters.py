"""Case 15-all-noise-clusters: HDBSCAN labels that are all noise (-1) or one cluster."""
from __future__ import annotations

import json

import numpy as np
import pytest

from homog.cluster import class_tfidf_terms, cluster_centers, clustering_summary
from homog.diversity.measure import diversity_table
from homog.diversity.metrics import cluster_distances


def _load(path):
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    labels = np.array([r["cluster"] for r in rows])
    years = [r["year"] for r in rows]
    texts = [r["abstract"] for r in rows]
    emb = np.random.default_rng(15).normal(size=(len(rows), 16))
    return labels, years, texts, emb


def _table(labels, years, emb):
    centers = cluster_centers(emb, labels)
    return diversity_table(labels, years, emb, cluster_distances(centers))


def test_case_15_all_noise(cases_dir):
    """15-all-noise-clusters points 1-2: no crash, summary line, no keywords for -1, undefined diversity."""
    labels, years, texts, emb = _load(cases_dir / "15-all-noise-labels.jsonl")
    summary = clustering_summary(labels, method="hdbscan", min_cluster_size=10)
    assert summary.startswith("0 method clusters found; 8 of 8 abstracts are unclustered (noise)")
    assert "--min-cluster-size 5" in summary and "--method kmeans" in summary
    assert class_tfidf_terms(texts, labels) == {}
    assert cluster_centers(emb, labels).shape == (0, 16)
    table = _table(labels, years, emb)
    assert table["group"].tolist() == [2019, 2020, 2021, 2022]
    assert (table["status"] == "undefined (no clusters)").all()
    assert (table["n_noise"] == 2).all() and (table["n_clustered"] == 0).all()
    assert table[["shannon", "gini_simpson", "rao_stirling", "vendi"]].isna().all().all()


def test_case_15_noise_is_not_a_category(cases_dir):
    """15-all-noise-clusters point 3: 2019 labels [0, 0, -1] -> p = [1.0], Shannon 0, one noise paper."""
    emb = np.random.default_rng(0).normal(size=(5, 8))
    labels = np.array([0, 0, -1, 1, 0])
    table = diversity_table(labels, [2019, 2019, 2019, 2020, 2020], emb, cluster_distances(cluster_centers(emb, labels)))
    y19 = table.iloc[0]
    assert (y19.n_clustered, y19.n_noise, y19.status) == (2, 1, "ok")
    assert y19.shannon == 0.0 and y19.gini_simpson == 0.0 and y19.rao_stirling == 0.0
    assert table.iloc[1].shannon == pytest.approx(np.log(2), abs=1e-15)


def test_case_15_single_cluster(cases_dir):
    """15-all-noise-clusters point 4: keywords for cluster 0; every year's diversity exactly 0.0."""
    labels, years, texts, emb = _load(cases_dir / "15-single-cluster-labels.jsonl")
    terms = class_tfidf_terms(texts, labels)
    assert list(terms) == [0] and terms[0] and all(t.strip() for t in terms[0])
    assert terms[0][0] == "toy"  # appears in every abstract, twice
    assert clustering_summary(labels).startswith("1 method cluster found; 0 of 8 abstracts")
    table = _table(labels, years, emb)
    assert (table["status"] == "ok").all()
    assert (table["shannon"] == 0.0).all() and (table["gini_simpson"] == 0.0).all()
    assert (table["rao_stirling"] == 0.0).all() and (table["hill1"] == 1.0).all()
