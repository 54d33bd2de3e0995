"""Diversity metrics over cluster counts and embedding vectors (pure functions).

Conventions shared by every function here:

* natural logarithm everywhere;
* ``counts`` are non-negative abundances (papers per method cluster); they are
  turned into shares ``p_i = c_i / sum(c)`` and zero counts contribute nothing;
* an empty input (no counts, all-zero counts, no vectors) has no defined
  diversity: the functions raise ``ValueError``.  The per-group table in
  :mod:`homog.diversity.measure` turns "no data" into a status text instead.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from threadpoolctl import ThreadpoolController

_BLAS = ThreadpoolController()


def _shares(counts: ArrayLike) -> np.ndarray:
    """Nonzero shares ``p_i`` of a 1-D count vector; ``ValueError`` if there are none."""
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1:
        raise ValueError(f"counts must be one-dimensional; got shape {c.shape}")
    if c.size == 0:
        raise ValueError("counts are empty: diversity is undefined without data")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError("counts must be finite and non-negative")
    total = c.sum()
    if total <= 0:
        raise ValueError("all counts are zero: diversity is undefined without data")
    p = c[c > 0] / total
    return p


def shannon(counts: ArrayLike) -> float:
    """Shannon entropy ``H = -sum_i p_i ln p_i`` over the nonzero shares (nats).

    One category gives exactly 0.0; ``S`` equally common categories give ``ln S``.
    """
    p = _shares(counts)
    if p.size == 1:
        return 0.0
    return float(-np.sum(p * np.log(p)))


def hill_number(counts: ArrayLike, q: float) -> float:
    """Hill number (effective number of categories) of order ``q >= 0``.

    ``D_q = (sum_i p_i^q)^(1/(1-q))`` for ``q`` not 0, 1 or infinity;
    ``D_0`` = number of nonzero categories (richness);
    ``D_1 = exp(H)`` (the limit at q -> 1, H = Shannon entropy in nats);
    ``D_inf = 1 / max_i p_i`` (Berger-Parker).
    Always ``1 <= D_q <= S`` and non-increasing in ``q`` (Hill 1973).
    """
    if math.isnan(q) or q < 0:
        raise ValueError(f"Hill number order q must be >= 0; got {q}")
    p = _shares(counts)
    if p.size == 1:
        return 1.0
    if q == 0:
        return float(p.size)
    if q == 1:
        return float(np.exp(-np.sum(p * np.log(p))))
    if math.isinf(q):
        return float(1.0 / p.max())
    return float(np.sum(p**q) ** (1.0 / (1.0 - q)))


def hhi(counts: ArrayLike) -> float:
    """Herfindahl-Hirschman index ``sum_i p_i^2`` (concentration; 1 = one category)."""
    p = _shares(counts)
    return float(np.sum(p * p))


def gini_simpson(counts: ArrayLike) -> float:
    """Gini-Simpson index ``1 - sum_i p_i^2``: chance two papers drawn with replacement differ."""
    p = _shares(counts)
    if p.size == 1:
        return 0.0
    return float(1.0 - np.sum(p * p))


def rao_stirling(counts: ArrayLike, distance: ArrayLike, alpha: float = 1.0, beta: float = 1.0) -> float:
    """Rao-Stirling diversity ``sum_{i != j} d_ij^alpha (p_i p_j)^beta`` (Stirling 2007).

    The sum runs over ORDERED pairs ``i != j`` (each unordered pair counted
    twice); the unordered-pair convention used by some authors gives exactly
    half this value.  With ``alpha = beta = 1`` it is Rao's quadratic entropy.
    ``distance`` is the ``S x S`` matrix between the categories of ``counts``
    (here: cosine distance ``1 - cos`` between cluster centroids, see
    :func:`cluster_distances`).  Categories with zero count contribute nothing;
    a single category gives exactly 0.0.
    """
    c = np.asarray(counts, dtype=float)
    d = np.asarray(distance, dtype=float)
    _shares(c)  # validates counts
    if d.shape != (c.size, c.size):
        raise ValueError(f"distance must be {c.size}x{c.size} to match counts; got shape {d.shape}")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ValueError("distances must be finite and non-negative")
    keep = c > 0
    p = c[keep] / c.sum()
    if p.size == 1:
        return 0.0
    dk = d[np.ix_(keep, keep)]
    off = ~np.eye(p.size, dtype=bool)
    terms = dk[off] ** alpha * np.outer(p, p)[off] ** beta
    return float(np.sum(terms))


def _unit_rows(X: ArrayLike) -> np.ndarray:
    """Rows scaled to unit L2 norm; ``ValueError`` for empty, non-finite or zero rows."""
    A = np.asarray(X, dtype=float)
    if A.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (n x d); got shape {A.shape}")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError("no vectors: diversity is undefined without data")
    if not np.all(np.isfinite(A)):
        raise ValueError("vectors contain NaN or infinite values")
    norms = np.linalg.norm(A, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"vector {int(np.argmin(norms))} has zero length; cosine is undefined")
    return A / norms[:, None]


def vendi_score(X: ArrayLike, q: float = 1, *, chunk_rows: int = 65536) -> float:
    """Vendi score (Friedman & Dieng 2023) of order ``q`` of the row vectors ``X`` (n x d), cosine kernel.

    Rows are L2-normalised and ``K = X X^T / n`` (so ``trace K = 1``); the
    score is the Hill number of order ``q`` of K's eigenvalues, at ``q = 1``
    ``exp(-sum_i l_i ln l_i)``.  When ``n > d`` the eigenvalues come from the
    ``d x d`` matrix ``X^T X / n``, which has the same nonzero eigenvalues
    (exact, not an approximation); it is accumulated in float64 over blocks of
    ``chunk_rows`` rows, so a million 384-d vectors take seconds and little
    memory.  Eigenvalues are clipped at 0 and renormalised to sum 1 to absorb
    rounding.  Ranges from 1 (all vectors parallel) to ``min(n, d)``
    (mutually orthogonal).
    """
    A = np.asarray(X)
    if A.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (n x d); got shape {A.shape}")
    n, d = A.shape
    if n <= d:
        U = _unit_rows(A)
        gram = U @ U.T
    else:
        gram = np.zeros((d, d))
        with _BLAS.limit(limits=1, user_api="blas"):  # see _safe_spectrum: one thread is robustly faster
            for start in range(0, n, chunk_rows):
                gram += _unit_gram(A[start : start + chunk_rows], start)
    return hill_number(_safe_spectrum(gram / n), q)


def _unit_gram(block: np.ndarray, offset: int) -> np.ndarray:
    """``U^T U`` of the rows of ``block`` scaled to unit length, in float64, with one pass for the norms."""
    B = np.array(block, dtype=np.float64)
    sq = np.einsum("ij,ij->i", B, B)
    if not np.all(np.isfinite(sq)):
        raise ValueError("vectors contain NaN or infinite values")
    if np.any(sq == 0):
        raise ValueError(f"vector {offset + int(np.argmin(sq))} has zero length; cosine is undefined")
    B /= np.sqrt(sq)[:, None]
    return B.T @ B


def _safe_spectrum(matrix: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric PSD matrix, symmetrised first, clipped at 0 and scaled to sum 1.

    The decomposition runs on one BLAS thread: for d <= a few hundred that is
    faster, and multi-threaded BLAS/LAPACK on a busy 2-core machine was
    measured 6x (product) to 100x (eigenvalues) slower than one thread.
    """
    with _BLAS.limit(limits=1, user_api="blas"):
        eig = np.linalg.eigvalsh((matrix + matrix.T) / 2.0)
    eig = np.clip(eig, 0.0, None)
    return eig / eig.sum()


def hill_profile(counts: ArrayLike, qs: Sequence[float] = (0, 0.5, 1, 1.5, 2, 3, 4, math.inf)) -> dict[float, float]:
    """Hill numbers ``{q: D_q}`` over the orders ``qs`` (a diversity profile, Leinster & Cobbold 2012)."""
    return {float(q): hill_number(counts, q) for q in qs}


def gini_coefficient(counts: ArrayLike) -> float:
    """Gini coefficient of cluster sizes, ``G = sum_i sum_j |x_i - x_j| / (2 S^2 mean(x))``.

    Inequality of the papers per cluster over the S clusters with a nonzero
    count (zero counts contribute nothing, as for every metric here): 0 when
    all clusters are equally large (and for one cluster, the minimum),
    approaching ``1 - 1/S`` when one cluster holds almost everything.
    Higher = more concentrated.
    """
    p = _shares(counts)
    if p.size == 1:
        return 0.0
    x = np.sort(p)
    s = x.size
    ranks = np.arange(1, s + 1)
    return max(0.0, float(np.sum((2 * ranks - s - 1) * x) / (s * x.sum())))  # clip rounding below 0


def centroid_similarity(centers: ArrayLike) -> np.ndarray:
    """Similarity ``Z_ij = max(0, cos(c_i, c_j))`` between cluster centroids, for Leinster-Cobbold.

    Symmetric, values in ``[0, 1]`` and ones on the diagonal (a cluster is
    fully similar to itself); negative cosines count as no similarity.
    """
    D = cluster_distances(centers)
    return np.clip(1.0 - D, 0.0, 1.0)


def leinster_cobbold(counts: ArrayLike, similarity: ArrayLike, q: float = 1) -> float:
    """Similarity-sensitive diversity of order ``q`` (Leinster & Cobbold 2012).

    ``qD^Z = (sum_i p_i (Zp)_i^(q-1))^(1/(1-q))``; ``q = 1``:
    ``exp(-sum_i p_i ln (Zp)_i)``; ``q = inf``: ``1 / max_i (Zp)_i``, sums over
    clusters with ``p_i > 0`` (zero counts contribute nothing).  ``Z`` is the
    ``S x S`` similarity between the clusters of ``counts``, in ``[0, 1]`` with
    unit diagonal (here :func:`centroid_similarity`).  With ``Z = I`` it equals
    the Hill number; it never exceeds it; one cluster gives 1.
    """
    c = np.asarray(counts, dtype=float)
    z = np.asarray(similarity, dtype=float)
    _shares(c)
    if math.isnan(q) or q < 0:
        raise ValueError(f"Leinster-Cobbold order q must be >= 0; got {q}")
    if z.shape != (c.size, c.size):
        raise ValueError(f"similarity must be {c.size}x{c.size} to match counts; got shape {z.shape}")
    if not np.all(np.isfinite(z)) or np.any(z < 0) or np.any(z > 1) or np.any(np.diag(z) != 1):
        raise ValueError("similarity must lie in [0, 1] with ones on the diagonal")
    keep = c > 0
    p = c[keep] / c.sum()
    if p.size == 1:
        return 1.0
    zp = z[np.ix_(keep, keep)] @ p
    if q == 1:
        return float(np.exp(-np.sum(p * np.log(zp))))
    if math.isinf(q):
        return float(1.0 / zp.max())
    return float(np.sum(p * zp ** (q - 1.0)) ** (1.0 / (1.0 - q)))


def cluster_distances(centers: ArrayLike) -> np.ndarray:
    """Cosine distance matrix ``1 - cos(c_i, c_j)`` between cluster centroids.

    Zero diagonal, symmetric, clipped to ``[0, 2]``.  An empty ``0 x d`` input
    gives a ``0 x 0`` matrix (no clusters).
    """
    C = np.asarray(centers, dtype=float)
    if C.ndim != 2:
        raise ValueError(f"centers must be a 2-D array (k x d); got shape {C.shape}")
    if C.shape[0] == 0:
        return np.zeros((0, 0))
    U = _unit_rows(C)
    D = 1.0 - U @ U.T
    D = (D + D.T) / 2.0
    np.fill_diagonal(D, 0.0)
    return np.clip(D, 0.0, 2.0)


def counts_by_label(labels: Sequence[int] | np.ndarray, n_clusters: int) -> np.ndarray:
    """Papers per cluster ``0..n_clusters-1``; noise (label -1) is not a category and is ignored."""
    lab = np.asarray(labels, dtype=int)
    lab = lab[lab >= 0]
    if lab.size and lab.max() >= n_clusters:
        raise ValueError(f"label {int(lab.max())} out of range for {n_clusters} clusters")
    return np.bincount(lab, minlength=n_clusters)
