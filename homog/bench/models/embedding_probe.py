"""Frozen-embedding family: a linear probe on sentence embeddings from :class:`homog.embed.Embedder`."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from homog.bench.models._base import ProbaClassifier
from homog.embed import DEFAULT_MODEL


class EmbeddingProbe(ProbaClassifier):
    """Logistic regression on frozen, L2-normalised sentence embeddings.

    ``embedder`` (an :class:`homog.embed.Embedder`, shared across runs so the
    model loads once) is used when given; otherwise one is built from ``model``,
    ``embedder_kwargs`` and ``store`` (which caches vectors, so reruns embed nothing).
    """

    def __init__(self, model: str = DEFAULT_MODEL, C: float = 10.0, max_iter: int = 2000,
                 embedder_kwargs: dict[str, Any] | None = None, store: Any = None, embedder: Any = None,
                 random_state: int = 0):
        self.model = model
        self.C = C
        self.max_iter = max_iter
        self.embedder_kwargs = embedder_kwargs
        self.store = store
        self.embedder = embedder
        self.random_state = random_state

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder_.transform(list(texts))

    def fit(self, texts: Sequence[str], y: Sequence[int]) -> "EmbeddingProbe":
        """Embed ``texts`` and fit the probe."""
        if self.embedder is not None:
            self.embedder_ = self.embedder
        else:
            from homog.embed import Embedder

            self.embedder_ = Embedder(**{**(self.embedder_kwargs or {}), "model": self.model, "store": self.store})
        self.clf_ = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)
        self.clf_.fit(self._embed(texts), np.asarray(y))
        self.classes_ = self.clf_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return self.clf_.predict_proba(self._embed(texts))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """The frozen sentence embeddings the probe reads (the representation compared by CKA)."""
        return self._embed(texts)
