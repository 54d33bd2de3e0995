"""Bug-report cases 17 (long-abstract truncation) and 18 (nondeterminism) for the embedder."""
from __future__ import annotations

import logging
import random

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from homog.corpus.record import text_hash
from homog.embed import Embedder
from homog.errors import HomogError


@pytest.fixture(scope="module")
def truncated_17(case17, model_path):
    emb = Embedder(device="cpu", precision="fp32")
    return emb, emb.fit_transform([r["abstract"] for r in case17])


def test_case_17_token_counts_and_flags(truncated_17, case17, bare_model):
    """17-long-abstract-truncation points 1 and 5: n_tokens from the model's own tokenizer, per text."""
    emb, _ = truncated_17
    tokenizer = bare_model.tokenizer
    expected = [len(tokenizer(r["abstract"], verbose=False)["input_ids"]) for r in case17]
    assert emb.n_tokens_.tolist() == expected
    words = [len(r["abstract"].split()) for r in case17]
    assert emb.n_tokens_[2] > words[2]  # L3: rare characters split into more tokens than words
    assert emb.truncated_.tolist() == [n > bare_model.max_seq_length for n in expected] == [True, False, False]


def test_case_17_limit_read_from_model_and_logged(case17, model_path, caplog):
    """17-long-abstract-truncation point 2: '1 of 3 ... exceeded the model limit (256 tokens for <model>)'."""
    emb = Embedder(device="cpu")
    with caplog.at_level(logging.WARNING, logger="homog.embed"):
        emb.fit_transform([r["abstract"] for r in case17])
    expected = ("1 of 3 texts exceeded the model limit (256 tokens for "
                "sentence-transformers/all-MiniLM-L6-v2); policy: truncate")
    assert emb.truncation_message_ == expected
    assert expected in caplog.text
    assert emb.max_seq_length_ == emb.model_.max_seq_length


def test_case_17_limit_follows_the_model_config(case17, model_path, tmp_path):
    """17-long-abstract-truncation point 2: the limit comes from the loaded model, not a constant."""
    folder = tmp_path / "minilm-128"
    folder.mkdir()
    for item in model_path.iterdir():
        if item.name != "sentence_bert_config.json":
            (folder / item.name).symlink_to(item)
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128, "do_lower_case": false}')
    emb = Embedder(model=str(folder), device="cpu")
    emb.fit_transform([r["abstract"] for r in case17])
    assert emb.max_seq_length_ == 128
    assert emb.truncation_message_.startswith(f"1 of 3 texts exceeded the model limit (128 tokens for {folder}")
    assert emb.n_tokens_[0] > 1000  # counted before truncation


def test_case_17_chunk_changes_long_text_only(truncated_17, case17, bare_model):
    """17-long-abstract-truncation point 3: chunk = embed <=limit windows, average, re-normalise."""
    _, truncated = truncated_17
    chunker = Embedder(device="cpu", precision="fp32", long_text="chunk")
    chunked = chunker.fit_transform([r["abstract"] for r in case17])
    cosines = (truncated * chunked).sum(axis=1)
    assert cosines[0] < 0.999
    assert cosines[1] > 0.99999 and cosines[2] > 0.99999
    assert chunker.truncated_.tolist() == [True, False, False]  # 'truncated' = exceeded the limit

    # Independent reference for L1: cut the token ids by hand into windows of 254 (+[CLS], [SEP]).
    tok = bare_model.tokenizer
    ids = tok(case17[0]["abstract"], add_special_tokens=False, verbose=False)["input_ids"]
    inner = bare_model.max_seq_length - 2
    windows = []
    for start in range(0, len(ids), inner):
        piece = [tok.cls_token_id, *ids[start:start + inner], tok.sep_token_id]
        features = {"input_ids": torch.tensor([piece]), "attention_mask": torch.ones(1, len(piece), dtype=torch.long),
                    "token_type_ids": torch.zeros(1, len(piece), dtype=torch.long)}
        with torch.inference_mode():
            windows.append(bare_model.forward(features)["sentence_embedding"][0].numpy())
    assert len(windows) == 4  # 1007 content tokens
    mean = np.mean(windows, axis=0)
    reference = mean / np.linalg.norm(mean)
    assert np.abs(chunked[0] - reference).max() < 1e-5


class _FakeOOM:
    """Stand-in for a GPU: raises torch.OutOfMemoryError for batches above ``capacity`` texts."""

    def __init__(self, emb: Embedder, capacity: int, fail_after: int | None = None):
        self.embed = emb._embed_batch
        self.capacity = capacity
        self.fail_after = fail_after
        self.calls = 0

    def __call__(self, texts):
        self.calls += 1
        if len(texts) > self.capacity or (self.fail_after is not None and self.calls > self.fail_after):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.embed(texts)


def test_case_17_oom_halves_batch_and_keeps_results(case18, model_path, store, caplog, monkeypatch):
    """17-long-abstract-truncation point 4: after an OOM the batch size is halved, with a log line."""
    texts = [r["abstract"] for r in case18]
    reference = Embedder(device="cpu", batch_size=4, precision="fp32").fit_transform(texts)
    emb = Embedder(device="cpu", batch_size=8, precision="fp32", store=store).fit()
    monkeypatch.setattr(emb, "_embed_batch", _FakeOOM(emb, capacity=3))
    with caplog.at_level(logging.WARNING, logger="homog.embed"):
        vectors = emb.transform(texts)
    assert emb.batch_size_ == 2  # 8 -> 4 -> 2
    assert caplog.text.count("out of memory on cpu; batch size lowered") == 2
    assert np.abs(vectors - reference).max() <= 1e-4
    assert emb.n_embedded_ == 12 and len(store.get_embeddings(emb.model_key_, [text_hash(t) for t in texts])) == 12


def test_case_17_oom_at_batch_size_one_keeps_what_was_embedded(case18, model_path, store, monkeypatch):
    """17-long-abstract-truncation point 4: an OOM never ends the run without saving finished batches."""
    texts = [r["abstract"] for r in case18]
    emb = Embedder(device="cpu", batch_size=4, store=store).fit()
    monkeypatch.setattr(emb, "_embed_batch", _FakeOOM(emb, capacity=4, fail_after=2))
    with pytest.raises(HomogError, match="even with batch size 1"):
        emb.transform(texts)
    kept = store.get_embeddings(emb.model_key_, [text_hash(t) for t in texts])
    assert len(kept) == 8  # the two finished batches of four
    resumed = Embedder(device="cpu", batch_size=4, store=store)
    resumed.fit_transform(texts)
    assert (resumed.n_cached_, resumed.n_embedded_) == (8, 4)


def _kmeans_labels(vectors: np.ndarray) -> np.ndarray:
    return KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(vectors)


def test_case_18_batch_size_one_vs_32(case18, model_path):
    """18-nondeterminism point 3: batch size 1 vs 32 gives the same vectors (1e-4) and the same partition."""
    texts = [r["abstract"] for r in case18]
    one = Embedder(device="cpu", batch_size=1, precision="fp32").fit_transform(texts)
    many = Embedder(device="cpu", batch_size=32, precision="fp32").fit_transform(texts)
    assert np.abs(one - many).max() <= 1e-4
    assert (one * many).sum(axis=1).min() >= 0.9999
    labels_one, labels_many = _kmeans_labels(one), _kmeans_labels(many)
    assert adjusted_rand_score(labels_one, labels_many) == 1.0
    assert adjusted_rand_score([r["expected_group"] for r in case18], labels_one) == 1.0


def test_case_18_cache_keyed_by_text_not_position(case18, model_path, store):
    """18-nondeterminism point 4: embeddings are cached by (model, revision, text hash), not by position."""
    texts = [r["abstract"] for r in case18]
    first = Embedder(device="cpu", batch_size=5, store=store)
    vectors = dict(zip(texts, first.fit_transform(texts)))
    shuffled = texts[3:] + texts[:3]
    random.Random(0).shuffle(shuffled)
    again = Embedder(device="cpu", batch_size=3, store=store)
    out = again.fit_transform(shuffled[:7] + [shuffled[0]])
    assert (again.n_cached_, again.n_embedded_) == (7, 0)
    for text, row in zip(shuffled[:7] + [shuffled[0]], out):
        assert np.array_equal(row, vectors[text])
    assert first.model_revision_ in again.model_key_ and first.model_key_ == again.model_key_
