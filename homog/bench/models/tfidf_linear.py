"""Bag-of-words family: TF-IDF word n-grams + logistic regression."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


class TfidfLogReg(ClassifierMixin, BaseEstimator):
    """TF-IDF (word 1–2 grams by default, sublinear tf) followed by L2 logistic regression."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, max_features: int | None = None,
                 C: float = 10.0, max_iter: int = 1000, random_state: int = 0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, texts: Sequence[str], y: Sequence[int]) -> "TfidfLogReg":
        """Learn the vocabulary and the classifier."""
        self.pipeline_ = Pipeline([
            ("tfidf", TfidfVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                      max_features=self.max_features, sublinear_tf=True)),
            ("clf", LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)),
        ])
        self.pipeline_.fit(list(texts), np.asarray(y))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return self.pipeline_.predict_proba(list(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(texts), axis=1)]
