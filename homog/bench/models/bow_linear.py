"""Bag-of-words families: TF-IDF + logistic regression, a linear SVM, multinomial naive Bayes, character n-grams."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from homog.bench.models._base import ProbaClassifier


class _TextPipeline(ProbaClassifier):
    """Shared fit/predict over a scikit-learn text pipeline built by ``_pipeline``."""

    def _pipeline(self) -> Pipeline:
        raise NotImplementedError

    def fit(self, texts: Sequence[str], y: Sequence[int]) -> "_TextPipeline":
        """Learn the features and the classifier."""
        self.pipeline_ = self._pipeline().fit(list(texts), np.asarray(y))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return self.pipeline_.predict_proba(list(texts))


class TfidfLogReg(_TextPipeline):
    """TF-IDF (word 1–2 grams by default, sublinear tf) followed by L2 logistic regression."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, max_features: int | None = None,
                 C: float = 10.0, max_iter: int = 1000, random_state: int = 0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        return Pipeline([
            ("tfidf", TfidfVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                      max_features=self.max_features, sublinear_tf=True)),
            ("clf", LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)),
        ])


class TfidfLinearSVM(_TextPipeline):
    """TF-IDF word n-grams + linear SVM; probabilities by sigmoid (Platt) calibration over ``cv`` folds."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, C: float = 1.0, cv: int = 3,
                 random_state: int = 0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        svm = LinearSVC(C=self.C, random_state=self.random_state)
        return Pipeline([
            ("tfidf", TfidfVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df, sublinear_tf=True)),
            ("clf", CalibratedClassifierCV(svm, method="sigmoid", cv=self.cv)),
        ])


class CountNaiveBayes(_TextPipeline):
    """Word n-gram counts + multinomial naive Bayes (additive smoothing ``alpha``)."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, alpha: float = 1.0,
                 random_state: int = 0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.alpha = alpha
        self.random_state = random_state  # naive Bayes is deterministic; kept so every kind takes the seed

    def _pipeline(self) -> Pipeline:
        return Pipeline([
            ("counts", CountVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df)),
            ("clf", MultinomialNB(alpha=self.alpha)),
        ])


class CharNgramLogReg(_TextPipeline):
    """TF-IDF over character n-grams inside word boundaries (``char_wb``) + logistic regression."""

    def __init__(self, ngram_range: tuple[int, int] = (2, 5), min_df: int = 2, max_features: int | None = 200_000,
                 C: float = 10.0, max_iter: int = 1000, random_state: int = 0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        return Pipeline([
            ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                      max_features=self.max_features, sublinear_tf=True)),
            ("clf", LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)),
        ])
