"""Embedder output, caching, duplicates, token counts, validation and precision."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from homog.corpus.record import text_hash
from homog.embed import Embedder
from homog.errors import HomogError

TEXTS = [
    "We train a convolutional network on satellite images to map crop types.",
    "A survey of nurses measured burnout with a standard questionnaire.",
    "We prove a lower bound for sorting networks of bounded depth.",
    "Graph neural networks predict molecular properties from atom graphs.",
]


def test_output_matches_plain_sentence_transformers(fitted, bare_model):
    vectors = fitted.transform(TEXTS)
    assert vectors.shape == (4, fitted.dimension_) == (4, bare_model.get_embedding_dimension())
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    reference = bare_model.encode(TEXTS, batch_size=4, normalize_embeddings=True)
    assert np.abs(vectors - reference).max() < 1e-5
    assert fitted.max_seq_length_ == bare_model.max_seq_length
    assert fitted.device_ == "cpu" and fitted.precision_ == "fp32"
    assert fitted.model_key_ == f"sentence-transformers/all-MiniLM-L6-v2@{fitted.model_revision_}|fp32|truncate"


def test_same_input_gives_identical_vectors_on_cpu(fitted):
    assert np.array_equal(fitted.transform(TEXTS), fitted.transform(TEXTS))
    # Order does not change how texts are batched, so the rows are bit-identical too.
    assert np.array_equal(fitted.transform(TEXTS[::-1]), fitted.transform(TEXTS)[::-1])


def test_second_call_hits_the_cache(store, model_path):
    first = Embedder(device="cpu", store=store)
    v1 = first.fit_transform(TEXTS)
    assert (first.n_cached_, first.n_embedded_) == (0, 4)
    again = Embedder(device="cpu", store=store)
    v2 = again.fit_transform(TEXTS)
    assert (again.n_cached_, again.n_embedded_) == (4, 0)
    assert np.array_equal(v1, v2)
    assert np.array_equal(first.n_tokens_, again.n_tokens_)
    assert np.array_equal(first.truncated_, again.truncated_)
    stored = store.get_embeddings(first.model_key_, [text_hash(t) for t in TEXTS])
    assert len(stored) == 4


def test_cache_is_per_policy_and_precision(store, model_path):
    Embedder(device="cpu", store=store).fit_transform(TEXTS[:2])
    chunked = Embedder(device="cpu", store=store, long_text="chunk")
    chunked.fit_transform(TEXTS[:2])
    assert chunked.n_embedded_ == 2  # a different model key: nothing reused
    assert chunked.model_key_.endswith("|chunk")


def test_duplicates_are_embedded_once(fitted, monkeypatch):
    seen: list[str] = []
    original = fitted._embed_batch

    def spy(texts):
        seen.extend(texts)
        return original(texts)

    monkeypatch.setattr(fitted, "_embed_batch", spy)
    vectors = fitted.transform([TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[0]])
    assert sorted(seen) == sorted(TEXTS[:2])
    assert fitted.n_embedded_ == 2
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[0], vectors[3])
    assert len(fitted.n_tokens_) == 4


def test_n_tokens_match_the_tokenizer(fitted, model_path):
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    fitted.transform(TEXTS)
    expected = [len(tokenizer(t)["input_ids"]) for t in TEXTS]  # with [CLS] and [SEP]
    assert fitted.n_tokens_.tolist() == expected
    assert not fitted.truncated_.any()


def test_progress_hook_reports_distinct_texts(model_path):
    calls: list[tuple[int, int]] = []
    emb = Embedder(device="cpu", batch_size=2, on_progress=lambda done, total: calls.append((done, total)))
    emb.fit_transform(TEXTS + [TEXTS[0]])
    assert calls[0] == (0, 4) and calls[-1] == (4, 4)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) == 3  # start + two batches of two


def test_empty_input_gives_empty_matrix(fitted):
    out = fitted.transform([])
    assert out.shape == (0, fitted.dimension_) and out.dtype == np.float32
    assert fitted.n_embedded_ == 0 and fitted.n_tokens_.shape == (0,)


@pytest.mark.parametrize(("texts", "match", "record"), [
    (["fine text here", None], "NoneType, not a string", "text #1"),
    (["fine text here", "  \n "], "empty or whitespace", "text #1"),
    (["", "fine"], "empty or whitespace", "text #0"),
    ("a single string", "single string", None),
])
def test_bad_texts_are_rejected_before_loading(texts, match, record):
    emb = Embedder(device="cpu")
    with pytest.raises(HomogError, match=match) as info:
        emb.transform(texts)
    assert info.value.record == record
    assert not hasattr(emb, "model_")


@pytest.mark.parametrize(("params", "match"), [
    ({"long_text": "summarise"}, "long-text policy"),
    ({"batch_size": 0}, "batch size"),
    ({"precision": "fp8"}, "unknown precision"),
])
def test_bad_settings_are_rejected_at_fit(params, match):
    with pytest.raises(HomogError, match=match):
        Embedder(device="cpu", **params).fit()


def test_non_finite_model_output_is_an_error(model_path, monkeypatch):
    emb = Embedder(device="cpu").fit()

    def broken(features):
        return {"sentence_embedding": torch.full((features["input_ids"].shape[0], emb.dimension_), float("nan"))}

    monkeypatch.setattr(emb.model_, "forward", broken)
    with pytest.raises(HomogError, match="NaN"):
        emb.transform(TEXTS[:2])


def test_bf16_close_to_fp32(fitted, model_path):
    emb = Embedder(device="cpu", precision="bf16")
    try:
        low = emb.fit_transform(TEXTS[:3])
    except RuntimeError as exc:  # a torch build without CPU bf16 autocast
        pytest.skip(f"bf16 autocast not available on this CPU: {exc}")
    assert emb.precision_ == "bf16" and emb.model_key_.endswith("|bf16|truncate")
    cosines = (low * fitted.transform(TEXTS[:3])).sum(axis=1)
    assert low.dtype == np.float32
    assert cosines.min() > 0.999
