"""MethodClusterer, keywords, relabelling and stability on synthetic data with known structure."""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from homog.cluster import (
    MethodClusterer,
    class_tfidf_terms,
    cluster_centers,
    clustering_summary,
    relabel_by_appearance,
)
from homog.errors import HomogError


def blobs(n_per: int = 15, k: int = 4, d: int = 8, spread: float = 0.05, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """k tight groups around orthogonal directions, shuffled."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(k), n_per)
    X = np.eye(d)[truth] * 2 + rng.normal(scale=spread, size=(k * n_per, d))
    order = rng.permutation(len(truth))
    return X[order], truth[order]


def test_relabel_by_first_appearance():
    np.testing.assert_array_equal(relabel_by_appearance([5, 5, -1, 2, 5, 0]), [0, 0, -1, 1, 0, 2])
    np.testing.assert_array_equal(relabel_by_appearance([-1, -1]), [-1, -1])


def test_class_tfidf_hand_computed():
    texts = ["graph graph", "the node", "graph survey"]
    terms = class_tfidf_terms(texts, [0, 0, 1])
    # tf: c0 graph 2 node 1; c1 graph 1 survey 1.  words 3, 2; A = 2.5; f = graph 3, node 1, survey 1
    s_graph0 = 2 / 3 * math.log(1 + 2.5 / 3)
    s_node0 = 1 / 3 * math.log(1 + 2.5)
    s_graph1 = 1 / 2 * math.log(1 + 2.5 / 3)
    s_survey1 = 1 / 2 * math.log(1 + 2.5)
    assert s_node0 > s_graph0 and s_survey1 > s_graph1
    assert terms == {0: ["node", "graph"], 1: ["survey", "graph"]}  # "the" is a stop word
    assert class_tfidf_terms(texts, [0, 0, 1], n_terms=1) == {0: ["node"], 1: ["survey"]}
    assert class_tfidf_terms(["the of", "and"], [0, -1]) == {0: []}
    assert class_tfidf_terms(texts, [-1, 0, -1]) == {0: ["node"]}


def test_kmeans_chooses_true_k_by_silhouette():
    X, truth = blobs()
    model = MethodClusterer(k_range=(2, 7)).fit(X)
    assert model.k_ == 4
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert model.criterion_["k"].tolist() == list(range(2, 8))
    best = model.criterion_.loc[model.criterion_["silhouette"].idxmax(), "k"]
    assert best == 4
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert model.criterion_.set_index("k").loc[4, "silhouette"] == pytest.approx(
        silhouette_score(U, truth, metric="cosine"), rel=1e-12
    )
    assert model.labels_[0] == 0 and set(model.labels_) == {0, 1, 2, 3}
    np.testing.assert_allclose(np.linalg.norm(model.centers_, axis=1), 1.0)
    for c, idx in model.central_.items():
        assert len(idx) == 3 and all(model.labels_[i] == c for i in idx)
        members = np.flatnonzero(model.labels_ == c)
        sims = U[members] @ model.centers_[c]
        assert U[idx[0]] @ model.centers_[c] == pytest.approx(sims.max())
    assert any("k=4 chosen" in n for n in model.notes_)
    assert model.small_corpus_ is False


def test_silhouette_sample_is_seeded():
    X, _ = blobs(n_per=20)
    a = MethodClusterer(k_range=(2, 5), sample_size=30, seed=3).fit(X)
    b = MethodClusterer(k_range=(2, 5), sample_size=30, seed=3).fit(X)
    assert a.criterion_.equals(b.criterion_)


def test_kmeans_with_given_k_and_terms():
    X, truth = blobs(n_per=5, k=2)
    texts = ["graph neural node embedding" if t == 0 else "survey interview respondents" for t in truth]
    model = MethodClusterer(k=2).fit(X, texts)
    assert model.k_ == 2 and model.criterion_["k"].tolist() == [2]
    first = model.labels_[0]
    assert set(model.terms_[first]) == set(texts[0].split())
    assert model.labels_text_[first].count(" · ") == 2
    assert model.small_corpus_ is True


def test_hdbscan_finds_groups_and_noise():
    X, truth = blobs(n_per=12, k=3)
    X = np.vstack([X, [[0, 0, 0, 0, 0, 0, 1, 1]]])  # an outlier away from every group
    model = MethodClusterer(method="hdbscan", min_cluster_size=5).fit(X)
    assert model.k_ == 3 and model.labels_[-1] == -1
    assert adjusted_rand_score(truth, model.labels_[:-1]) == 1.0
    assert model.centers_.shape == (3, 8) and -1 not in model.central_
    assert model.notes_[-1].startswith("3 method clusters found; 1 of 37 abstracts")


def test_hdbscan_all_noise_does_not_crash():
    X = np.random.default_rng(0).normal(size=(8, 16))
    texts = [f"toy abstract number {w}" for w in "abcdefgh"]
    model = MethodClusterer(method="hdbscan", min_cluster_size=4).fit(X, texts)
    assert model.k_ == 0 and (model.labels_ == -1).all()  # 8 scattered points: HDBSCAN finds nothing
    assert model.terms_ == {} and model.labels_text_ == {} and model.central_ == {}
    assert model.centers_.shape == (0, 16) and model.criterion_.empty
    assert "0 method clusters found; 8 of 8 abstracts are unclustered (noise)" in model.notes_[-1]


def test_bad_embeddings_raise_homog_error():
    X = np.ones((5, 3))
    X[2, 1] = np.nan
    with pytest.raises(HomogError, match="row 2"):
        MethodClusterer(k=2).fit(X)
    with pytest.raises(HomogError, match="texts"):
        MethodClusterer(k=2).fit(np.eye(4), ["a"])
    with pytest.raises(HomogError, match="unknown clustering method"):
        MethodClusterer(method="dbscan").fit(np.eye(4))


def test_summary_for_zero_clusters_suggests_settings():
    text = clustering_summary([-1] * 8, min_cluster_size=10)
    assert text.startswith("0 method clusters found; 8 of 8 abstracts are unclustered (noise)")
    assert "--min-cluster-size 5" in text and "--method kmeans" in text


def test_cluster_centers_are_normalised_means():
    X = np.array([[2.0, 0.0], [0.0, 3.0], [5.0, 5.0], [1.0, 1.0]])
    centers = cluster_centers(X, [0, 0, 1, -1])
    np.testing.assert_allclose(centers, [[2**-0.5, 2**-0.5], [2**-0.5, 2**-0.5]])


def test_stability_matches_independent_mean_pairwise_ari():
    X, _ = blobs(n_per=15, k=3)
    assert MethodClusterer(k=3).stability(X, seeds=[0, 1, 2]) == 1.0
    noise = np.random.default_rng(5).normal(size=(60, 6))
    seeds = [0, 1, 2, 3]
    got = MethodClusterer(k=5, n_init=1).stability(noise, seeds)
    U = noise / np.linalg.norm(noise, axis=1, keepdims=True)
    runs = [KMeans(5, random_state=s, n_init=1).fit_predict(U) for s in seeds]
    expected = np.mean([adjusted_rand_score(a, b) for a, b in combinations(runs, 2)])
    assert got == pytest.approx(expected, abs=1e-12)
    assert got < 1.0
    with pytest.raises(ValueError):
        MethodClusterer(k=3).stability(X, seeds=[0])
