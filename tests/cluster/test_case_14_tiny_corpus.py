"""Case 14-tiny-corpus: fewer abstracts than the clustering defaults."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from homog.cluster import MethodClusterer, check_corpus_size
from homog.diversity.measure import diversity_table
from homog.diversity.metrics import cluster_distances
from homog.errors import HomogError


@pytest.fixture()
def tiny(cases_dir):
    rows = [json.loads(line) for line in (cases_dir / "14-tiny-corpus.jsonl").read_text().splitlines() if line.strip()]
    texts = [r["abstract"] for r in rows]
    X = TfidfVectorizer().fit_transform(texts).toarray()  # real vectors without loading a model
    return texts, [r["year"] for r in rows], X


def test_case_14_check_runs_before_any_model_is_loaded():
    """14-tiny-corpus point 1: the size check needs only the count and imports no embedding stack."""
    code = (
        "import sys\n"
        "from homog.cluster import check_corpus_size\n"
        "plan = check_corpus_size(5, k=8, method='kmeans', min_cluster_size=10)\n"
        "assert plan.k == 4, plan\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_case_14_adapts_and_says_so(tiny):
    """14-tiny-corpus design B: k reduced to n-1, min_cluster_size reduced, small-corpus flag."""
    texts, _, X = tiny
    plan = check_corpus_size(5, k=8, method="kmeans", min_cluster_size=10)
    assert plan.k == 4 and plan.small_corpus
    assert "5 abstracts: k reduced from 8 to 4 (n-1)" in plan.notes
    km = MethodClusterer(k=8).fit(X, texts)
    assert km.k_ == 4 and km.small_corpus_ and len(set(km.labels_)) == 4
    assert "5 abstracts: k reduced from 8 to 4 (n-1)" in km.notes_
    assert any("results unreliable" in n for n in km.notes_)
    auto = MethodClusterer().fit(X, texts)
    assert auto.criterion_["k"].tolist() == [2, 3, 4]
    assert "5 abstracts: k range capped from 2-20 to 2-4 (n-1)" in auto.notes_
    hd = MethodClusterer(method="hdbscan", min_cluster_size=10).fit(X, texts)
    assert "5 abstracts: min_cluster_size reduced from 10 to 2" in hd.notes_
    assert hd.labels_.shape == (5,) and hd.small_corpus_


def test_case_14_years_below_minimum_are_insufficient(tiny):
    """14-tiny-corpus point 2: 2022 has one paper -> "insufficient data", not 0."""
    texts, years, X = tiny
    model = MethodClusterer(k=2).fit(X, texts)
    table = diversity_table(model.labels_, years, X, cluster_distances(model.centers_)).set_index("group")
    assert table.loc[2022, "status"] == "insufficient data (<2 papers)"
    assert np.isnan(table.loc[2022, "shannon"]) and np.isnan(table.loc[2022, "vendi"])
    assert (table.loc[[2020, 2021], "status"] == "ok").all()
    strict = diversity_table(model.labels_, years, X, cluster_distances(model.centers_), min_papers=3)
    assert (strict["status"] == "insufficient data (<3 papers)").all()


@pytest.mark.parametrize("n", [1, 2])
def test_case_14_one_abstract_refused(tiny, n):
    """14-tiny-corpus point 3: 1 (or 2) abstracts -> clear refusal, no library traceback."""
    texts, _, X = tiny
    with pytest.raises(HomogError, match=f"clustering needs at least 3 abstracts; got {n}"):
        check_corpus_size(n, k=8, method="kmeans", min_cluster_size=10)
    with pytest.raises(HomogError, match=f"clustering needs at least 3 abstracts; got {n}"):
        MethodClusterer(k=8).fit(X[:n], texts[:n])


def test_case_14_zero_abstracts_refused():
    """14-tiny-corpus point 4: 0 abstracts -> "no usable abstracts" (as case 13 item 6)."""
    with pytest.raises(HomogError, match="no usable abstracts"):
        check_corpus_size(0, k=None, method="hdbscan", min_cluster_size=10)
    with pytest.raises(HomogError):
        MethodClusterer().fit(np.zeros((0, 4)))
