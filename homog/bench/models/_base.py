"""The base every model family shares: scikit-learn classifier whose predictions come from ``predict_proba``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class ProbaClassifier(ClassifierMixin, BaseEstimator):
    """``predict`` as the most probable class of ``predict_proba`` (subclasses set ``classes_`` in ``fit``)."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(texts), axis=1)]
