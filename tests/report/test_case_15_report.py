"""Case 15-all-noise-clusters point 5: all-noise and single-cluster labels still give a complete report.

The case hands clustering labels, not texts to cluster: a clusterer component that returns them is
passed to the pipeline (the stages are swappable components), and everything after it runs as usual.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from homog.cluster import class_tfidf_terms, cluster_centers, clustering_summary
from homog.pipeline import Pipeline, RunSettings
from homog.report.build import write_report


class GivenLabels:
    """A clusterer component that assigns the labels the case file gives, by text."""

    def __init__(self, labels_by_text: dict[str, int]):
        self.labels_by_text = labels_by_text

    def fit(self, X, texts):
        self.labels_ = np.array([self.labels_by_text[t] for t in texts])
        self.centers_ = cluster_centers(X, self.labels_)
        self.k_ = len(self.centers_)
        self.terms_ = class_tfidf_terms(texts, self.labels_)
        self.labels_text_ = {c: " · ".join(t[:3]) for c, t in self.terms_.items()}
        self.central_ = {}
        self.notes_ = [clustering_summary(self.labels_, min_cluster_size=10)]
        return self


def _report(tmp_path, store, case_file):
    records = [json.loads(line) for line in case_file.read_text().splitlines() if line.strip()]
    pipeline = Pipeline(RunSettings(bench=False, method="hdbscan"), store=store,
                        clusterer=GivenLabels({r["abstract"]: r["cluster"] for r in records}))
    result = pipeline.run([case_file])
    written = write_report(result, tmp_path / "out")
    return result, written


def test_case_15_all_noise_report(tmp_path, store, cases_dir):
    """Case 15-all-noise-clusters points 1, 2 and 5: no crash, 'undefined (no clusters)', full report."""
    result, written = _report(tmp_path, store, cases_dir / "15-all-noise-labels.jsonl")
    html = written["report.html"].read_text()
    markdown = written["report.md"].read_text()
    for text in (html, markdown):
        assert "0 method clusters found; 8 of 8 abstracts are unclustered (noise)" in text
        assert "min-cluster-size" in text
    by_year = pd.read_csv(written["diversity_by_year"])
    assert set(by_year["status"]) == {"undefined (no clusters)"}
    assert by_year[["shannon", "gini_simpson", "rao_stirling"]].isna().all().all()
    assert by_year["n_noise"].sum() == 8
    assert result.clusters.empty  # -1 never becomes a "method"


def test_case_15_single_cluster_report(tmp_path, store, cases_dir):
    """Case 15-all-noise-clusters points 4 and 5: one cluster gives exactly 0 diversity and keywords."""
    result, written = _report(tmp_path, store, cases_dir / "15-single-cluster-labels.jsonl")
    by_year = pd.read_csv(written["diversity_by_year"])
    ok = by_year[by_year["status"] == "ok"]
    assert len(ok) == len(by_year) > 0
    for column in ("shannon", "gini_simpson", "rao_stirling"):
        assert (ok[column] == 0.0).all()
    assert (ok["hill1"] == 1.0).all()
    assert len(result.clusters) == 1 and result.clusters.loc[0, "terms"]
    assert all(term.strip() for term in result.clusters.loc[0, "terms"].split(","))
    assert written["report.html"].stat().st_size > 0 and written["report.md"].stat().st_size > 0

