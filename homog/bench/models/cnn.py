"""A small network trained from scratch: the sentence CNN of Kim (2014), randomly initialised word vectors."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from homog.bench.models._base import ProbaClassifier

TOKEN = re.compile(r"\w+|[^\w\s]")
PAD, UNK = 0, 1


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens."""
    return TOKEN.findall(text.lower())


class KimCNN(ProbaClassifier):
    """CNN-rand of Kim (2014): word embeddings → parallel 1-D convolutions (widths ``filter_sizes``,
    ``n_filters`` each, ReLU) → max over time → dropout → linear layer.

    Adam, shuffled mini-batches; weights and data order from ``random_state``.
    The vocabulary is the training words seen at least ``min_count`` times (at most
    ``max_vocab``); other words map to one unknown token.  ``transform`` returns the
    max-pooled features (the representation compared by CKA).
    """

    def __init__(self, embed_dim: int = 128, filter_sizes: tuple[int, ...] = (3, 4, 5), n_filters: int = 100,
                 dropout: float = 0.5, epochs: int = 5, batch_size: int = 32, learning_rate: float = 1e-3,
                 max_length: int = 64, min_count: int = 1, max_vocab: int = 30_000, random_state: int = 0):
        self.embed_dim = embed_dim
        self.filter_sizes = filter_sizes
        self.n_filters = n_filters
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.random_state = random_state

    def _ids(self, texts: Sequence[str]) -> Any:
        import torch

        width = max(max(self.filter_sizes), 1)
        rows = [[self.vocab_.get(t, UNK) for t in tokenize(text)[: self.max_length]] for text in texts]
        length = max(width, max((len(r) for r in rows), default=0))
        ids = np.full((len(rows), length), PAD, dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return torch.from_numpy(ids)

    def fit(self, texts: Sequence[str], y: Sequence[int]) -> "KimCNN":
        """Build the vocabulary from ``texts`` and train the network."""
        import torch

        texts, y = list(texts), np.asarray(y, dtype=np.int64)
        if len(texts) != len(y) or not texts:
            raise ValueError(f"need equally many texts and labels (got {len(texts)} and {len(y)})")
        counts = Counter(t for text in texts for t in tokenize(text))
        kept = sorted((w for w, c in counts.items() if c >= self.min_count), key=lambda w: (-counts[w], w))
        self.vocab_ = {w: i + 2 for i, w in enumerate(kept[: self.max_vocab])}
        self.classes_ = np.arange(int(y.max()) + 1)
        torch.manual_seed(self.random_state)
        self.net_ = _build_net(len(self.vocab_) + 2, self.embed_dim, tuple(self.filter_sizes), self.n_filters,
                         self.dropout, len(self.classes_))
        optimizer = torch.optim.Adam(self.net_.parameters(), lr=self.learning_rate)
        rng = np.random.default_rng(self.random_state)
        labels = torch.from_numpy(y)
        self.net_.train()
        for _ in range(self.epochs):
            order = rng.permutation(len(texts))
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                logits = self.net_(self._ids([texts[i] for i in idx]))
                loss = torch.nn.functional.cross_entropy(logits, labels[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        self.net_.eval()
        return self

    def _forward(self, texts: Sequence[str], features: bool) -> np.ndarray:
        import torch

        texts = list(texts)
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(texts), 256):
                ids = self._ids(texts[start:start + 256])
                out = self.net_.features(ids) if features else torch.softmax(self.net_(ids), dim=-1)
                chunks.append(out.numpy())
        width = len(self.filter_sizes) * self.n_filters if features else len(self.classes_)
        return np.concatenate(chunks) if chunks else np.zeros((0, width), np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax class probabilities, shape (n, n_classes)."""
        return self._forward(texts, features=False)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Max-pooled convolution features, shape (n, len(filter_sizes) * n_filters)."""
        return self._forward(texts, features=True)


def _build_net(vocab: int, dim: int, widths: tuple[int, ...], n_filters: int, dropout: float, n_classes: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
            self.convs = nn.ModuleList(nn.Conv1d(dim, n_filters, w) for w in widths)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(n_filters * len(widths), n_classes)

        def features(self, ids: torch.Tensor) -> torch.Tensor:
            x = self.embed(ids).transpose(1, 2)
            return torch.cat([torch.relu(conv(x)).amax(dim=2) for conv in self.convs], dim=1)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.out(self.drop(self.features(ids)))

    return Net()
