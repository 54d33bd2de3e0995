"""Everything a reviewer asks about the diversity numbers, computed in one call for the report."""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from homog.cluster import MethodClusterer
from homog.diversity.dynamics import emerging_fading, share_table
from homog.diversity.graph import annotate, cluster_graph, graph_stats
from homog.diversity.metrics import counts_by_label, hill_profile
from homog.diversity.sensitivity import default_grid, sensitivity_panel, tfidf_lsa
from homog.diversity.trends import default_periods, period_permutation, trend_table
from homog.diversity.uncertainty import diversity_with_intervals
from homog.diversity.validity import crosstab_top, partition_agreement
from homog.method_view import method_texts

HILL_QS = (0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 8, math.inf)
STABILITY_SEEDS = 5
VENDI_DRAWS = 50  # Vendi needs a d x d eigen-decomposition per resample: it uses the first 50

Progress = Callable[[str, int, int], None]


@dataclass
class DiversityAnalysis:
    """Results of :func:`analyse`; every table is a plain DataFrame ready for CSV."""

    by_year: pd.DataFrame
    trends: pd.DataFrame
    sensitivity: pd.DataFrame
    stability: dict[str, Any]
    graph: nx.Graph
    graph_stats: dict[str, Any]
    shares: pd.DataFrame
    dynamics: pd.DataFrame
    method_view: dict[str, Any]
    hill_profile: pd.DataFrame
    periods: tuple[tuple[int, int], tuple[int, int]] | None
    n_boot: int
    seed: int
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def hill_profile_table(labels: ArrayLike, groups: Sequence[Any], k: int, *, qs: Sequence[float] = HILL_QS,
                       min_papers: int = 2) -> pd.DataFrame:
    """Long table ``group, q, hill`` of the Hill-number profile of each group with clustered papers."""
    lab = np.asarray(labels).astype(int)
    grp = np.asarray(list(groups), dtype=object)
    rows = []
    for g in sorted(set(grp.tolist())):
        idx = grp == g
        counts = counts_by_label(lab[idx], k)
        if idx.sum() < min_papers or counts.sum() == 0:
            continue
        rows += [{"group": g, "q": q, "hill": v} for q, v in hill_profile(counts, qs).items()]
    return pd.DataFrame(rows, columns=["group", "q", "hill"])


def analyse(
    *,
    labels: ArrayLike,
    years: Sequence[int] | np.ndarray,
    embeddings: ArrayLike,
    centers: ArrayLike,
    texts: Sequence[str],
    clusterer_params: Mapping[str, Any],
    seed: int,
    n_papers_by_year: Mapping[int, int] | None,
    min_papers: int,
    periods: tuple[tuple[int, int], tuple[int, int]] | None,
    n_boot: int = 200,
    cluster_labels: Mapping[int, str] | None = None,
    grid: Sequence[Any] | None = None,
    on_progress: Progress | None = None,
) -> DiversityAnalysis:
    """Intervals, trends, stability, sensitivity, graph, dynamics and the method view of one clustering.

    Inputs are aligned per embedded paper (``labels`` with -1 = noise,
    ``years``, ``embeddings``, ``texts``); ``centers`` are the k centroids and
    ``clusterer_params`` the :class:`~homog.cluster.MethodClusterer` settings
    used.  ``periods`` names the two periods of the permutation test (default:
    first vs second half of the years, noted).  ``n_boot`` resamples per year
    (default 200; Vendi uses at most 50 of them).  Same inputs and seed give
    identical numbers.
    """
    timings: dict[str, float] = {}
    notes: list[str] = []
    lab = np.asarray(labels).astype(int)
    yr = np.asarray(years).astype(int)
    X = np.asarray(embeddings, dtype=float)
    C = np.asarray(centers, dtype=float)
    k = C.shape[0] if C.ndim == 2 else 0
    texts = list(texts)
    if not (lab.size == yr.size == X.shape[0] == len(texts)):
        raise ValueError(f"labels ({lab.size}), years ({yr.size}), embeddings ({X.shape[0]}) and texts "
                         f"({len(texts)}) must describe the same papers")
    progress = on_progress or (lambda step, done, total: None)

    def step(name: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(name, done, total)

    t0 = time.perf_counter()
    table = diversity_with_intervals(lab, yr, X, C, n_papers=n_papers_by_year, min_papers=min_papers,
                                     n_boot=n_boot, seed=seed, vendi_draws=VENDI_DRAWS,
                                     on_progress=step("diversity intervals"))
    by_year = table.rename(columns={"group": "year"})
    notes.append(f"Intervals: 95% bias-corrected percentile bootstrap over papers within each year ({n_boot} "
                 f"resamples; Vendi on the first {min(n_boot, VENDI_DRAWS)}), with the clustering held fixed. "
                 "Equal-size columns (_eq) average repeated samples of the smallest eligible year's size from every "
                 "year.")
    timings["intervals"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ok_years = by_year.loc[by_year["status"] == "ok", "year"].astype(int).tolist()
    if periods is None:
        periods = default_periods(ok_years)
        if periods is not None:
            notes.append(f"Permutation test periods not given; used {periods[0][0]}–{periods[0][1]} vs "
                         f"{periods[1][0]}–{periods[1][1]} (first vs second half of the years).")
    perm = (period_permutation(lab, yr, X, C, periods, n_perm=n_boot, seed=seed, vendi_draws=VENDI_DRAWS)
            if periods is not None and k else None)
    trends = trend_table(by_year, permutation=perm)
    timings["trends"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    params = dict(clusterer_params)
    stability = _stability(X, params, k, seed)
    notes.append(stability["note"])
    timings["stability"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    lsa = tfidf_lsa(texts, seed=seed)
    main = dict(zip(trends["metric"], trends["verdict"]))
    chosen = grid if grid is not None else default_grid(k or None, int(params.get("min_cluster_size", 10)), lab.size)
    sensitivity = sensitivity_panel({"embedding": X, "tfidf-lsa": lsa}, yr, main, chosen, seed=seed,
                                    min_papers=min_papers, on_progress=step("sensitivity"))
    timings["sensitivity"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sizes = counts_by_label(lab, k) if k else np.zeros(0, dtype=int)
    G = cluster_graph(C, sizes.tolist(), dict(cluster_labels or {}))
    stats = graph_stats(G, seed=seed)
    graph = annotate(G, stats)
    counts = share_table(lab, yr)
    shares = counts.div(counts.sum(axis=1), axis=0) if not counts.empty else counts
    dynamics = emerging_fading(counts, dict(cluster_labels or {}))
    timings["graph+dynamics"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    method_view = _method_view(lab, texts, lsa, k, seed)
    timings["method view"] = time.perf_counter() - t0
    profile = hill_profile_table(lab, yr, k, min_papers=min_papers).rename(columns={"group": "year"})
    noise = int(np.sum(lab < 0))
    if noise:
        notes.append(f"{noise} of {lab.size} papers are HDBSCAN noise: counted in n_noise, never as a method.")
    return DiversityAnalysis(by_year=by_year, trends=trends, sensitivity=sensitivity, stability=stability,
                             graph=graph, graph_stats=stats, shares=shares, dynamics=dynamics,
                             method_view=method_view, hill_profile=profile, periods=periods, n_boot=n_boot,
                             seed=seed, notes=notes, seconds={k_: round(v, 2) for k_, v in timings.items()})


def _stability(X: np.ndarray, params: dict[str, Any], k: int, seed: int) -> dict[str, Any]:
    """Mean pairwise ARI of k-means over 5 seeds at the number of clusters found (k held fixed)."""
    seeds = [seed + i for i in range(STABILITY_SEEDS)]
    if k < 2:
        return {"mean_ari": float("nan"), "seeds": seeds, "k": k,
                "note": "Stability across seeds: undefined (fewer than 2 clusters)."}
    est = MethodClusterer(method="kmeans", k=k, seed=seed, n_init=int(params.get("n_init", 10)))
    ari = est.stability(X, seeds)
    how = ("" if params.get("method", "kmeans") == "kmeans"
           else " (HDBSCAN is deterministic; k-means at the number of HDBSCAN clusters is re-run instead)")
    return {"mean_ari": ari, "seeds": seeds, "k": k,
            "note": f"Stability across seeds {seeds[0]}–{seeds[-1]}: mean pairwise adjusted Rand index {ari:.3f} "
                    f"of k-means with k = {k}{how}."}


def _method_view(labels: np.ndarray, texts: list[str], lsa_full: np.ndarray, k: int, seed: int) -> dict[str, Any]:
    """Cluster the method sentences (TF-IDF + LSA, k-means at the same k) and compare with the topic view."""
    if k < 2:
        return {"status": "undefined (fewer than 2 topic clusters)", "table": pd.DataFrame()}
    mtexts, cued = method_texts(texts)
    M = tfidf_lsa(mtexts, seed=seed)
    method_labels = MethodClusterer(method="kmeans", k=k, seed=seed, n_init=3).fit(M, mtexts)
    topic_lsa = MethodClusterer(method="kmeans", k=k, seed=seed, n_init=3).fit(lsa_full).labels_
    vs_topic = partition_agreement(method_labels.labels_, labels)
    vs_same_rep = partition_agreement(method_labels.labels_, topic_lsa)
    table = pd.DataFrame([
        {"comparison": "method view vs topic view (sentence embeddings)", **vs_topic},
        {"comparison": "method view vs topic view (same TF-IDF+LSA representation)", **vs_same_rep},
    ])
    return {"status": "ok", "table": table, "labels": method_labels.labels_, "terms": method_labels.terms_,
            "share_with_cues": float(cued.mean()), "nmi": vs_topic["nmi"], "ari": vs_topic["ari"],
            "pairs": crosstab_top(labels, method_labels.labels_).rename(
                columns={"a": "topic_cluster", "b": "method_cluster", "share_of_a": "share_of_topic"})}
