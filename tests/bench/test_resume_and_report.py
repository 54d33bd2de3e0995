"""A runner killed mid-suite resumes to identical results; the report section and `homog bench run`."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from typer.testing import CliRunner

from homog.bench.models import CharNgramLogReg, CountNaiveBayes, TfidfLinearSVM, TfidfLogReg
from homog.bench.runner import BenchmarkRunner
from homog.bench.suite import load_suite
from homog.report.sections import benchmark as section
from homog.store import Store

SUITE = """
name = "cheap"
seeds = [0]
[budget]
train_size = 300
test_size = 120
[[tasks]]
name = "sst2"
source = "local"
path = "sst2/sentences"
layout = "glue_tsv"
test_split = "dev"
label_names = ["negative", "positive"]
[[tasks]]
name = "trec"
source = "local"
path = "trec"
layout = "trec"
test_split = "test"
[[models]]
name = "logreg"
family = "bag-of-words"
description = "bag of words logistic regression"
kind = "tfidf_logreg"
[[models]]
name = "svm"
family = "bag-of-words"
description = "bag of words linear support vector machine"
kind = "tfidf_linear_svm"
[[models]]
name = "nb"
family = "bag-of-words"
description = "naive Bayes over word counts"
kind = "count_naive_bayes"
[[models]]
name = "chars"
family = "character n-grams"
description = "character n-gram features with logistic regression"
kind = "char_ngram_logreg"
"""
CENTERS = np.vstack([HashingVectorizer(n_features=64).transform([t]).toarray()[0]
                     for t in ("bag of words linear classifier", "character n-gram features")])
LABELS = {0: "bag of words", 1: "character n-grams"}


def embed(texts):
    """A real (if simple) text embedding: hashed word counts, the same space as CENTERS."""
    return HashingVectorizer(n_features=64).transform(texts).toarray()


@pytest.fixture()
def bench_root(bench_root):
    """The shared folder, which these suites need to hold TREC too."""
    if not (bench_root / "trec").is_dir():
        pytest.skip("benchmark data not available")
    return bench_root


def run_suite(suite_path, store_path, root, **kwargs):
    with Store(store_path) as store:
        return BenchmarkRunner(load_suite(suite_path), store, data_root=root, embed_descriptions=embed,
                               method_space=(CENTERS, LABELS), **kwargs).run()


def test_case_killed_runner_resumes_to_identical_results(tmp_path, bench_root, monkeypatch):
    """A runner killed (SIGKILL) mid-suite and restarted runs only the missing runs; results equal an uninterrupted run."""
    suite = tmp_path / "cheap.toml"
    suite.write_text(SUITE)
    killed_store = tmp_path / "killed.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        from homog.bench.runner import BenchmarkRunner
        from homog.bench.suite import load_suite
        from homog.store import Store

        def progress(description, done, total):
            if done == 3:
                os.kill(os.getpid(), signal.SIGKILL)

        BenchmarkRunner(load_suite({str(suite)!r}), Store({str(killed_store)!r}), data_root={str(bench_root)!r},
                        link=False, on_progress=progress).run()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    calls = []
    for cls in (TfidfLogReg, TfidfLinearSVM, CountNaiveBayes, CharNgramLogReg):
        original = cls.fit
        monkeypatch.setattr(cls, "fit", lambda self, *a, _o=original, **k: calls.append(type(self).__name__)
                            or _o(self, *a, **k))
    resumed = run_suite(suite, killed_store, bench_root)
    assert len(calls) == 8 - 3  # 2 tasks x 4 models, 3 finished before the kill
    calls.clear()
    fresh = run_suite(suite, tmp_path / "fresh.sqlite", bench_root)
    assert len(calls) == 8
    for attr in ("models_", "pairs_", "predictions_", "homogenization_", "link_", "failures_", "placement_"):
        a, b = getattr(resumed, attr), getattr(fresh, attr)
        pd.testing.assert_frame_equal(a.drop(columns=["seconds"], errors="ignore"),
                                      b.drop(columns=["seconds"], errors="ignore"))
    assert len(resumed.models_) == 8 and len(resumed.pairs_) == 12
    assert list(resumed.placement_["cluster_label"]) == ["bag of words", "bag of words", "bag of words",
                                                         "character n-grams"]
    link = resumed.link_.set_index("task")
    assert set(link.index) == {"sst2", "trec"} and link["p_value"].between(0, 1).all()
    assert (link["n_within_pairs"] == 3).all() and (link["n_between_pairs"] == 3).all()


def test_report_section_and_cli(tmp_path, bench_root):
    suite = tmp_path / "cheap.toml"
    suite.write_text(SUITE)
    result = run_suite(suite, tmp_path / "s.sqlite", bench_root)
    html, markdown, files = section.render(result, tmp_path / "out")
    for name in ("bench_models", "bench_pairs", "bench_homogenization", "bench_link", "bench_predictions"):
        assert files[name].is_file()
    for name, columns in section.CSV_COLUMNS.items():
        assert list(pd.read_csv(files[name]).columns[: len(columns)]) == columns
    homog = pd.read_csv(files["bench_homogenization"])
    assert np.allclose(homog["ratio"], homog["systemic_failure"] / homog["expected_independent"])
    assert len([p for p in files.values() if p.suffix == ".png"]) == 6  # heat map, failures, link for 2 tasks
    for text in ("Mantel r", "Accuracy (95% interval)", "Systemic failure", "every model gets wrong",
                 "data:image/png;base64"):
        assert text in html
    assert "Mantel r" in markdown and section.answer_sentence(result) in markdown

    import typer

    from homog.cli_bench import bench_app

    app = typer.Typer()
    app.add_typer(bench_app, name="bench")  # as the integrator mounts it
    out = tmp_path / "cli_out"
    res = CliRunner().invoke(app, ["bench", "run", str(suite), "--store", str(tmp_path / "s.sqlite"), "--bench-data",
                                         str(bench_root), "--out", str(out)], env={"HF_HUB_OFFLINE": "1"})
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file() and (out / "bench_link.csv").is_file()
    bad = CliRunner().invoke(app, ["bench", "run", str(tmp_path / "missing.toml"), "--store", str(tmp_path / "s.sqlite"),
                                         "--out", str(out)])
    assert bad.exit_code == 2 and "suite file not found" in bad.output
