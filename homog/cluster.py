"""Method clusters: k-means (k chosen by silhouette) or HDBSCAN over abstract embeddings.

Also the corpus-size check the pipeline runs before loading any model, the
class-based TF-IDF cluster keywords, and a seed-stability measure.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score, silhouette_score

from homog.errors import HomogError

METHODS = ("kmeans", "hdbscan")
MIN_ABSTRACTS = 3
SMALL_CORPUS = 30


@dataclass(frozen=True)
class SizePlan:
    """Clustering settings adapted to the corpus size, with a note for every change."""

    n_abstracts: int
    k: int | None
    k_range: tuple[int, int]
    min_cluster_size: int
    small_corpus: bool
    notes: list[str] = field(default_factory=list)


def check_corpus_size(
    n_abstracts: int,
    *,
    k: int | None,
    method: str,
    min_cluster_size: int,
    k_range: tuple[int, int] = (2, 20),
) -> SizePlan:
    """Refuse or adapt clustering settings for ``n_abstracts`` usable abstracts.

    Call before embedding (needs only the count).  Fewer than 3 abstracts
    raises :class:`HomogError` (0 is "no usable abstracts").  Otherwise
    ``k`` is capped at ``n - 1``, ``k_range`` at ``[2, n - 1]`` (silhouette
    needs ``2 <= k <= n - 1``) and, when ``n < 2 * min_cluster_size``,
    ``min_cluster_size`` is lowered to ``max(2, n // 2)`` so two clusters
    remain possible; each change is a note.  Under 30 abstracts the plan is
    flagged ``small_corpus`` (the report shows "small corpus - results unreliable").
    """
    if method not in METHODS:
        raise HomogError(f"unknown clustering method {method!r}; choose one of {', '.join(METHODS)}")
    if k is not None and k < 1:
        raise HomogError(f"k must be >= 1; got {k}")
    lo, hi = k_range
    if not 2 <= lo <= hi:
        raise HomogError(f"k_range must satisfy 2 <= low <= high; got {k_range}")
    if min_cluster_size < 2:
        raise HomogError(f"min_cluster_size must be >= 2; got {min_cluster_size}")
    settings = f"k={k if k is not None else 'auto'}, method={method}, min_cluster_size={min_cluster_size}"
    if n_abstracts <= 0:
        raise HomogError(f"no usable abstracts to cluster ({settings}); check the input and the abstract filter")
    if n_abstracts < MIN_ABSTRACTS:
        raise HomogError(
            f"clustering needs at least {MIN_ABSTRACTS} abstracts; got {n_abstracts} ({settings}). "
            "Widen the query or add papers."
        )
    n = n_abstracts
    notes: list[str] = []
    new_k = k
    if method == "kmeans" and k is not None and k > n - 1:
        new_k = n - 1
        notes.append(f"{n} abstracts: k reduced from {k} to {new_k} (n-1)")
    new_range = (min(lo, n - 1), min(hi, n - 1))
    if method == "kmeans" and k is None and new_range != (lo, hi):
        notes.append(f"{n} abstracts: k range capped from {lo}-{hi} to {new_range[0]}-{new_range[1]} (n-1)")
    new_mcs = min_cluster_size
    if method == "hdbscan" and n < 2 * min_cluster_size:
        new_mcs = max(2, n // 2)
        if new_mcs != min_cluster_size:
            notes.append(f"{n} abstracts: min_cluster_size reduced from {min_cluster_size} to {new_mcs}")
    small = n < SMALL_CORPUS
    if small:
        notes.append(f"small corpus ({n} abstracts < {SMALL_CORPUS}) — results unreliable")
    return SizePlan(n, new_k, new_range, new_mcs, small, notes)


def relabel_by_appearance(labels: ArrayLike) -> np.ndarray:
    """Renumber clusters 0, 1, ... in order of first appearance; noise (-1) stays -1.

    Two identical partitions therefore get identical label arrays.
    """
    lab = np.asarray(labels, dtype=int)
    mapping: dict[int, int] = {}
    for value in lab:
        if value >= 0 and value not in mapping:
            mapping[int(value)] = len(mapping)
    return np.array([mapping.get(int(v), -1) for v in lab], dtype=int)


def class_tfidf_terms(texts: Sequence[str], labels: ArrayLike, n_terms: int = 8) -> dict[int, list[str]]:
    """Most distinctive terms per cluster by class-based TF-IDF (as in BERTopic).

    Each cluster's texts are joined into one document; a ``CountVectorizer``
    with English stop words gives term counts ``tf_{c,t}``; the score is
    ``tf_{c,t} / w_c * log(1 + A / f_t)`` with ``w_c`` the words in cluster
    ``c``, ``f_t`` the count of ``t`` over all clusters and ``A`` the average
    words per cluster.  Noise (-1) gets no entry.  Terms are ranked by score
    (ties alphabetically); only positive scores are kept, never empty strings.
    """
    lab = np.asarray(labels, dtype=int)
    if len(texts) != lab.size:
        raise ValueError(f"{len(texts)} texts but {lab.size} labels")
    clusters = sorted({int(c) for c in lab if c >= 0})
    if not clusters:
        return {}
    docs = [" ".join(texts[i] for i in np.flatnonzero(lab == c)) for c in clusters]
    try:
        vectorizer = CountVectorizer(stop_words="english")
        tf = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # empty vocabulary: only stop words or no letters
        return {c: [] for c in clusters}
    vocab = vectorizer.get_feature_names_out()
    words = tf.sum(axis=1)
    avg_words = words.sum() / len(clusters)
    idf = np.log(1.0 + avg_words / tf.sum(axis=0))
    scores = tf / np.where(words > 0, words, 1.0)[:, None] * idf
    terms: dict[int, list[str]] = {}
    for row, c in enumerate(clusters):
        order = sorted(np.flatnonzero(scores[row] > 0), key=lambda j: (-scores[row, j], vocab[j]))
        terms[c] = [str(vocab[j]) for j in order[:n_terms] if vocab[j].strip()]
    return terms


def cluster_centers(X: ArrayLike, labels: ArrayLike) -> np.ndarray:
    """L2-normalised mean of the unit-length rows of each cluster 0..k-1 (noise ignored)."""
    U = _unit_rows(np.asarray(X, dtype=float))
    lab = np.asarray(labels, dtype=int)
    k = int(lab.max()) + 1 if lab.size and lab.max() >= 0 else 0
    centers = np.zeros((k, U.shape[1]))
    for c in range(k):
        m = U[lab == c].mean(axis=0)
        norm = np.linalg.norm(m)
        centers[c] = m / norm if norm > 0 else m
    return centers


def clustering_summary(labels: ArrayLike, *, method: str = "hdbscan", min_cluster_size: int | None = None) -> str:
    """One line for the report: clusters found, noise share, and what to try when there are none."""
    lab = np.asarray(labels, dtype=int)
    n_clusters = len({int(c) for c in lab if c >= 0})
    n_noise = int(np.sum(lab < 0))
    plural = "" if n_clusters == 1 else "s"
    text = f"{n_clusters} method cluster{plural} found; {n_noise} of {lab.size} abstracts are unclustered (noise)"
    if n_clusters == 0:
        lower = f"--min-cluster-size {max(2, min_cluster_size // 2)}" if min_cluster_size else "a lower --min-cluster-size"
        text += (
            f". Try {lower} (now {min_cluster_size if min_cluster_size else 'default'}) "
            "or --method kmeans (optionally with --k 2 or more)"
        )
    elif n_clusters == 1 and method == "hdbscan":
        text += ". Only one method cluster: diversity is 0 by construction; try --method kmeans to split it"
    return text


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1)
    return X / np.where(norms > 0, norms, 1.0)[:, None]


class MethodClusterer(BaseEstimator):
    """Cluster abstract embeddings into research-method clusters.

    ``method="kmeans"``: scikit-learn ``KMeans(random_state=seed, n_init=n_init)``
    on L2-normalised vectors; when ``k`` is None, k is the value in ``k_range``
    with the highest silhouette score (cosine metric, on a seeded sample of at
    most ``sample_size`` points; ties -> smaller k).  ``method="hdbscan"``:
    ``sklearn.cluster.HDBSCAN(min_cluster_size=...)`` on the normalised vectors;
    label -1 is noise and never a method.  Settings too large for the corpus
    are reduced (see :func:`check_corpus_size`) and noted in ``notes_``.
    """

    def __init__(
        self,
        method: str = "kmeans",
        k: int | None = None,
        k_range: tuple[int, int] = (2, 20),
        min_cluster_size: int = 10,
        seed: int = 0,
        n_init: int = 10,
        n_terms: int = 8,
        n_central: int = 3,
        sample_size: int = 5000,
    ):
        self.method = method
        self.k = k
        self.k_range = k_range
        self.min_cluster_size = min_cluster_size
        self.seed = seed
        self.n_init = n_init
        self.n_terms = n_terms
        self.n_central = n_central
        self.sample_size = sample_size

    def fit(self, X: ArrayLike, texts: Sequence[str] | None = None) -> "MethodClusterer":
        """Cluster the rows of ``X`` (n x d); ``texts`` (the abstracts) give the cluster keywords."""
        A = np.asarray(X, dtype=float)
        if A.ndim != 2 or A.shape[1] == 0:
            raise HomogError(f"embeddings must be an n x d matrix; got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            bad = int(np.flatnonzero(~np.all(np.isfinite(A), axis=1))[0])
            raise HomogError("embedding contains NaN or infinite values", record=f"row {bad}")
        if texts is not None and len(texts) != A.shape[0]:
            raise HomogError(f"{len(texts)} texts for {A.shape[0]} embeddings")
        plan = check_corpus_size(
            A.shape[0], k=self.k, method=self.method, min_cluster_size=self.min_cluster_size, k_range=self.k_range
        )
        self.notes_ = list(plan.notes)
        self.small_corpus_ = plan.small_corpus
        U = _unit_rows(A)
        if self.method == "kmeans":
            raw = self._fit_kmeans(U, plan)
        else:
            raw = HDBSCAN(min_cluster_size=plan.min_cluster_size, copy=True).fit_predict(U)
            self.criterion_ = pd.DataFrame({"k": pd.Series(dtype=int), "silhouette": pd.Series(dtype=float)})
        self.labels_ = relabel_by_appearance(raw)
        self.k_ = int(self.labels_.max()) + 1 if self.labels_.max() >= 0 else 0
        self.centers_ = cluster_centers(U, self.labels_)
        self.central_ = self._central(U)
        self.terms_ = class_tfidf_terms(texts, self.labels_, self.n_terms) if texts is not None else {}
        self.labels_text_ = {
            c: " · ".join(self.terms_.get(c, [])[:3]) or f"cluster {c}" for c in range(self.k_)
        }
        if self.method == "hdbscan" or self.k_ == 0:
            self.notes_.append(
                clustering_summary(self.labels_, method=self.method, min_cluster_size=plan.min_cluster_size)
            )
        return self

    def _fit_kmeans(self, U: np.ndarray, plan: SizePlan) -> np.ndarray:
        """Labels from KMeans, choosing k by silhouette when not given; fills ``criterion_``."""
        n = U.shape[0]
        candidates = [plan.k] if plan.k is not None else list(range(plan.k_range[0], plan.k_range[1] + 1))
        sample = self.sample_size if n > self.sample_size else None
        rows, fits = [], {}
        for k in candidates:
            labels = KMeans(n_clusters=k, random_state=self.seed, n_init=self.n_init).fit_predict(U)
            fits[k] = labels
            score = np.nan
            if 2 <= len(np.unique(labels)) <= n - 1:
                score = float(silhouette_score(U, labels, metric="cosine", sample_size=sample, random_state=self.seed))
            rows.append({"k": k, "silhouette": score})
        self.criterion_ = pd.DataFrame(rows, columns=["k", "silhouette"])
        if plan.k is not None:
            return fits[plan.k]
        scores = self.criterion_["silhouette"].to_numpy()
        if np.all(np.isnan(scores)):
            chosen = candidates[0]
            self.notes_.append(f"silhouette undefined for every k (identical vectors?); used k={chosen}")
        else:
            chosen = candidates[int(np.nanargmax(scores))]
            self.notes_.append(
                f"k={chosen} chosen by maximum cosine silhouette over k={candidates[0]}..{candidates[-1]}"
            )
        return fits[chosen]

    def _central(self, U: np.ndarray) -> dict[int, list[int]]:
        """Indices of each cluster's papers nearest its centroid (cosine; ties by index)."""
        central: dict[int, list[int]] = {}
        for c in range(self.k_):
            members = np.flatnonzero(self.labels_ == c)
            sims = U[members] @ self.centers_[c]
            order = np.lexsort((members, -sims))
            central[c] = [int(i) for i in members[order[: self.n_central]]]
        return central

    def stability(self, X: ArrayLike, seeds: Sequence[int]) -> float:
        """Mean pairwise adjusted Rand index of k-means labelings of ``X`` over ``seeds``.

        Each seed re-runs the whole k-means procedure (including choosing k
        when ``k`` is None) with these settings; 1.0 means every seed gives the
        same partition.  Needs at least two seeds; does not change this estimator.
        """
        seeds = list(seeds)
        if len(seeds) < 2:
            raise ValueError(f"stability needs at least 2 seeds; got {len(seeds)}")
        labelings = [clone(self).set_params(method="kmeans", seed=s).fit(X).labels_ for s in seeds]
        return float(np.mean([adjusted_rand_score(a, b) for a, b in combinations(labelings, 2)]))
