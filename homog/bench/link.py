"""The link between the literature and the benchmark: do models whose methods are closer in the
literature's method space make more similar errors?

Each roster model's description is embedded with the corpus encoder; the literature
distance between two models is the cosine distance between those embeddings, and
each model is placed in its nearest method cluster (cosine to the cluster centres).
"""
from __future__ import annotations

import math
from itertools import permutations as all_permutations

import numpy as np


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("a zero vector has no direction")
    return vectors / norms


def cosine_distances(vectors: np.ndarray) -> np.ndarray:
    """(m, m) matrix of ``1 - cos(v_a, v_b)``."""
    unit = _unit(vectors)
    dist = 1.0 - unit @ unit.T
    np.fill_diagonal(dist, 0.0)
    return dist


def cosine_similarities(vectors: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, k) matrix of ``cos(vectors_i, centers_j)``."""
    return _unit(vectors) @ _unit(centers).T


def nearest_cluster(vectors: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Row index of the cluster centre with the highest cosine similarity to each vector."""
    return np.argmax(cosine_similarities(vectors, centers), axis=1)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def mantel(a: np.ndarray, b: np.ndarray, permutations: int = 999, seed: int = 0) -> tuple[float, float]:
    """Mantel test: Pearson ``r`` between the upper triangles of two symmetric (m, m) matrices, and its
    two-sided permutation p-value.

    The null distribution permutes the rows and columns of ``b`` together.  When
    ``m!`` is at most ``permutations`` every permutation is enumerated and the p-value
    is exact (the share of permutations, identity included, with ``|r| >= |r_obs|``);
    otherwise ``p = (1 + #{|r_perm| >= |r_obs|}) / (1 + permutations)`` from seeded
    random permutations.  Pairs with a NaN in either matrix are left out.  Needs
    ``m >= 3``; NaN results when fewer than 3 pairs are usable.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape or a.shape[0] != a.shape[1]:
        raise ValueError(f"expected two square matrices of one shape, got {a.shape} and {b.shape}")
    m = a.shape[0]
    if m < 3:
        raise ValueError(f"a Mantel test needs at least 3 objects, got {m}")
    rows, cols = np.triu_indices(m, k=1)
    x = a[rows, cols]
    r_obs = _pearson(x, b[rows, cols])
    if math.isnan(r_obs):
        return math.nan, math.nan
    exact = math.factorial(m) <= permutations
    if exact:
        orders = (np.array(p) for p in all_permutations(range(m)))
    else:
        rng = np.random.default_rng(seed)
        orders = (rng.permutation(m) for _ in range(permutations))
    hits = total = 0
    for order in orders:
        r = _pearson(x, b[order][:, order][rows, cols])
        hits += int(not math.isnan(r) and abs(r) >= abs(r_obs) - 1e-12)
        total += 1
    p = hits / total if exact else (1 + hits) / (1 + total)
    return r_obs, float(p)


def within_between(values: np.ndarray, clusters: np.ndarray) -> tuple[float, float]:
    """Mean of a pairwise (m, m) matrix (or a stack (..., m, m)) over pairs in the same cluster and over
    pairs in different clusters, NaN pairs ignored; NaN where there is no such pair."""
    clusters = np.asarray(clusters)
    m = len(clusters)
    rows, cols = np.triu_indices(m, k=1)
    same = clusters[rows] == clusters[cols]
    pairs = np.asarray(values, dtype=np.float64)[..., rows, cols]

    def mean(mask: np.ndarray) -> np.ndarray | float:
        if not mask.any():
            return np.full(pairs.shape[:-1], np.nan) if pairs.ndim > 1 else math.nan
        with np.errstate(invalid="ignore"):
            chosen = pairs[..., mask]
            counts = np.sum(np.isfinite(chosen), axis=-1)
            sums = np.nansum(chosen, axis=-1)
            out = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        return out if pairs.ndim > 1 else float(out)

    return mean(same), mean(~same)
