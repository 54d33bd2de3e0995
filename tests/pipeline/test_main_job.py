"""The main job end to end on real NeurIPS papers, with every number checked by an independent computation.

Two years of NeurIPS (2013–2014, ~770 abstracts) keep the run to about a minute on a CPU; `make run`
does the full 2013–2018 corpus.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from homog.cli import app
from homog.corpus.record import text_hash
from homog.store import Store

pytestmark = pytest.mark.slow

SUITE = """
name = "test-mini"
seeds = [0]
[budget]
train_size = 200
test_size = 100
epochs = 1
max_length = 32
[[tasks]]
name = "sst2"
source = "local"
path = "sst2/sentences"
layout = "glue_tsv"
test_split = "dev"
[[tasks]]
name = "corpus-category"
source = "corpus"
label = "primary_category"
[[models]]
name = "tfidf-logreg"
family = "bag-of-words"
description = "TF-IDF + logistic regression"
kind = "tfidf_logreg"
[[models]]
name = "minilm-probe"
family = "frozen-embedding"
description = "probe on frozen MiniLM embeddings"
kind = "embedding_probe"
model = "sentence-transformers/all-MiniLM-L6-v2"
[[models]]
name = "minilm-finetune"
family = "fine-tuning"
description = "MiniLM fine-tuned"
kind = "finetune_transformer"
model = "sentence-transformers/all-MiniLM-L6-v2"
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    """Run `homog run` twice on the same input and store; return both output folders and the store path."""
    tmp = tmp_path_factory.mktemp("main")
    suite = tmp / "suite.toml"
    suite.write_text(SUITE)
    inputs = [str(data_dir / "openreview-confs" / f"NIPS{y}_paper.csv") for y in (13, 14)]
    outs = []
    for name in ("first", "second"):
        out = tmp / name
        result = CliRunner().invoke(app, ["run", *inputs, "--out", str(out), "--store", str(tmp / "s.sqlite"),
                                          "--suite", str(suite), "--bench-data", str(data_dir / "benchmarks"),
                                          "--k-max", "8"])
        assert result.exit_code == 0, result.output
        outs.append(out)
    return outs[0], outs[1], tmp / "s.sqlite"


def test_every_output_is_written(runs):
    first, _, _ = runs
    for name in ("report.html", "report.md", "manifest.json", "diversity_by_year.csv", "clusters.csv",
                 "papers.csv", "bench_models.csv", "bench_pairs.csv", "bench_predictions.parquet",
                 "figures/papers_per_year.png", "figures/cluster_shares.png", "figures/diversity.png"):
        assert (first / name).stat().st_size > 0, name
    html = (first / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 5  # papers, k choice, shares, diversity, heat maps
    by_year = pd.read_csv(first / "diversity_by_year.csv")
    assert list(by_year.columns[:7]) == ["year", "n_papers", "shannon", "hill1", "gini_simpson", "rao_stirling",
                                         "vendi"]
    assert by_year["year"].tolist() == [2013, 2014]
    assert by_year["n_papers"].tolist() == [359, 411]  # SOURCE.md: 359 and 411 unique titles


def test_manifest_records_provenance(runs, data_dir):
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["seed"] == 0
    assert manifest["model"]["name"].endswith("all-MiniLM-L6-v2") and manifest["model"]["revision"]
    assert manifest["device"] == "cpu"
    assert {i["path"].rsplit("/", 1)[-1] for i in manifest["inputs"]} == {"NIPS13_paper.csv", "NIPS14_paper.csv"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    for library in ("torch", "sentence-transformers", "scikit-learn", "numpy"):
        assert manifest["library_versions"][library] != "not installed"
    assert set(manifest["seconds_per_step"]) >= {"ingest", "embed", "cluster", "measure", "benchmark"}
    assert manifest["parameters"]["k_max"] == 8


def _embeddings(store_path, model_key, abstracts):
    with Store(store_path) as store:
        cached = store.get_embeddings(model_key, [text_hash(a) for a in abstracts])
    return np.stack([cached[text_hash(a)][0] for a in abstracts])


def test_diversity_numbers_match_independent_computation(runs):
    first, _, store_path = runs
    by_year = pd.read_csv(first / "diversity_by_year.csv").set_index("year")
    papers = pd.read_csv(first / "papers.csv")
    manifest = json.loads((first / "manifest.json").read_text())
    with Store(store_path) as store:
        stored = {p.id: p.abstract for p in store.get_papers(papers["id"].tolist())}
    papers["abstract"] = papers["id"].map(stored)
    embedded = papers[papers["cluster"].notna()].copy()
    vectors = _embeddings(store_path, manifest["model"]["key"], embedded["abstract"].tolist())
    labels = embedded["cluster"].astype(int).to_numpy()
    centroids = {}
    for c in np.unique(labels):
        mean = vectors[labels == c].mean(axis=0)
        centroids[c] = mean / np.linalg.norm(mean)
    for year, row in by_year.iterrows():
        in_year = (embedded["year"] == year).to_numpy()
        counts = pd.Series(labels[in_year]).value_counts()
        p = (counts / counts.sum()).to_numpy()
        assert row["shannon"] == pytest.approx(-(p * np.log(p)).sum(), abs=1e-9)
        assert row["hill1"] == pytest.approx(np.exp(-(p * np.log(p)).sum()), abs=1e-9)
        assert row["gini_simpson"] == pytest.approx(1 - (p ** 2).sum(), abs=1e-9)
        share = dict(zip(counts.index, p))
        rao = sum(share[i] * share[j] * (1 - float(centroids[i] @ centroids[j]))
                  for i in share for j in share if i != j)
        assert row["rao_stirling"] == pytest.approx(rao, abs=1e-6)
        x = vectors[in_year].astype(np.float64)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        eig = np.linalg.eigvalsh(x @ x.T / len(x))
        eig = eig[eig > 1e-12]
        assert row["vendi"] == pytest.approx(np.exp(-(eig * np.log(eig)).sum()), rel=1e-6)


def test_benchmark_numbers_match_predictions(runs):
    first, _, _ = runs
    models = pd.read_csv(first / "bench_models.csv")
    predictions = pd.read_parquet(first / "bench_predictions.parquet")
    assert set(models["model"]) == {"tfidf-logreg", "minilm-probe", "minilm-finetune"}
    for row in models.itertuples():
        mine = predictions[(predictions["task"] == row.task) & (predictions["model"] == row.model)]
        assert len(mine) == row.n_test
        assert row.accuracy == pytest.approx((mine["y_true"] == mine["y_pred"]).mean(), abs=1e-12)
    pairs = pd.read_csv(first / "bench_pairs.csv")
    assert len(pairs) == 3
    a = predictions[predictions["model"] == "tfidf-logreg"].sort_values("idx")
    b = predictions[predictions["model"] == "minilm-probe"].sort_values("idx")
    row = pairs[(pairs["model_a"].isin(["tfidf-logreg", "minilm-probe"]))
                & (pairs["model_b"].isin(["tfidf-logreg", "minilm-probe"]))].iloc[0]
    assert row["agreement"] == pytest.approx((a["y_pred"].to_numpy() == b["y_pred"].to_numpy()).mean())


def test_second_run_reuses_everything_and_gives_identical_numbers(runs):
    first, second, _ = runs
    for name in ("diversity_by_year.csv", "clusters.csv", "papers.csv", "bench_models.csv", "bench_pairs.csv"):
        a = pd.read_csv(first / name)
        b = pd.read_csv(second / name)
        if "seconds" in a:
            a, b = a.drop(columns="seconds"), b.drop(columns="seconds")
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["embedding_cache"]["embedded"] == 0
    assert manifest["embedding_cache"]["reused"] > 700
