"""A small synthetic corpus whose diversity narrows over the years, for analysis tests."""
from __future__ import annotations

import numpy as np

WORDS = ["graph neural network", "kernel svm", "bayesian inference", "reinforcement learning policy",
         "convex optimization", "mcmc sampling"]


def narrowing_corpus(n: int = 240, seed: int = 0):
    """Embeddings, texts and years where later years concentrate on cluster 0 (6 clusters, 2015-2020)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(6, 16))
    years = rng.integers(2015, 2021, n)
    groups = np.array([rng.integers(0, 6) if rng.random() > (y - 2015) / 6 else 0 for y in years])
    X = centers[groups] + 0.3 * rng.normal(size=(n, 16))
    texts = [f"We propose a {WORDS[g]} method. The data are about subject {g}." for g in groups]
    return X, texts, years, groups
