"""Would the verdicts hold with other clustering choices and another representation?"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from homog.cluster import MethodClusterer
from homog.diversity.metrics import centroid_similarity, cluster_distances, counts_by_label, vendi_score
from homog.diversity.panel import PANEL_KEYS, SPEC, panel_matrix
from homog.diversity.trends import trend

SENSITIVITY_COLUMNS = ["choice", "representation", "method", "setting", "n_clusters", "noise_share", "metric",
                       "slope", "p_value", "verdict", "main_verdict", "agrees", "share_agreeing"]


def tfidf_lsa(texts: Sequence[str], *, n_components: int = 100, seed: int = 0) -> np.ndarray:
    """Independent representation: TF-IDF (English stop words, sublinear tf, min_df 2) reduced by LSA.

    ``TruncatedSVD(n_components, random_state=seed)`` (capped below the
    vocabulary and document counts), rows L2-normalised.
    """
    min_df = 2 if len(texts) >= 20 else 1
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=min_df).fit_transform(texts)
    n = max(1, min(n_components, tfidf.shape[0] - 1, tfidf.shape[1] - 1))
    Z = TruncatedSVD(n_components=n, random_state=seed).fit_transform(tfidf)
    norms = np.linalg.norm(Z, axis=1)
    Z[norms == 0, 0] = 1.0  # a text with no kept term gets a fixed direction instead of a zero vector
    return normalize(Z)


@dataclass(frozen=True)
class Choice:
    """One cell of the sensitivity grid."""

    representation: str
    method: str
    setting: int

    @property
    def name(self) -> str:
        key = "k" if self.method == "kmeans" else "min_cluster_size"
        return f"{self.representation} / {self.method} {key}={self.setting}"


NOT_APPLICABLE = "not applicable (no clusters)"


def default_grid(chosen_k: int | None, min_cluster_size: int, n: int,
                 representations: Sequence[str] = ("embedding", "tfidf-lsa")) -> list[Choice]:
    """k-means at k in {5, 10, 15, 20, chosen k} (below n) and HDBSCAN at two cluster sizes, per representation."""
    ks = sorted({k for k in (5, 10, 15, 20, chosen_k or 0) if 2 <= k < n})
    cap = max(2, n // 2)  # as the clusterer adapts: larger minimum sizes cannot form two clusters
    sizes = sorted({min(max(2, min_cluster_size), cap), min(max(2, 2 * min_cluster_size), cap)})
    return [Choice(r, "kmeans", k) for r in representations for k in ks] + \
        [Choice(r, "hdbscan", m) for r in representations for m in sizes]


def yearly_trends(labels: np.ndarray, years: np.ndarray, vectors: np.ndarray, centers: np.ndarray,
                  *, min_papers: int = 2, vendi: dict[int, float] | None = None) -> dict[str, dict]:
    """Per metric, the :func:`~homog.diversity.trends.trend` of its per-year point values under one clustering."""
    ys = sorted({int(y) for y in years})
    k = centers.shape[0]
    ok_years, counts = [], []
    for y in ys:
        idx = np.flatnonzero(years == y)
        c = counts_by_label(labels[idx], k) if k else np.zeros(0)
        if idx.size >= min_papers and c.sum() > 0:
            ok_years.append(y)
            counts.append(c)
    if not ok_years:
        return {key: trend([], [], higher_is_diverse=SPEC[key].higher_is_diverse) for key in PANEL_KEYS}
    values = panel_matrix(np.array(counts), cluster_distances(centers), centroid_similarity(centers))
    values["vendi"] = np.array([(vendi or {}).get(y, np.nan) for y in ok_years])
    return {key: trend(ok_years, values[key], higher_is_diverse=SPEC[key].higher_is_diverse) for key in PANEL_KEYS}


def sensitivity_panel(
    representations: dict[str, np.ndarray],
    years: ArrayLike,
    main_verdicts: dict[str, str],
    grid: Sequence[Choice],
    *,
    seed: int = 0,
    min_papers: int = 2,
    n_init: int = 3,
    on_progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Trend verdicts recomputed for every grid choice; one row per (choice, metric).

    ``representations`` maps a name to the n x d vectors of the same papers.
    Each choice clusters its representation (k-means with ``n_init`` starts,
    or HDBSCAN, noise never a method), recomputes every metric per year and
    its trend verdict.  ``agrees`` compares with ``main_verdicts`` (the main
    analysis); ``share_agreeing`` is, per metric, the share of grid choices
    whose verdict equals the main one, over the choices that apply (a choice
    that finds no cluster is "not applicable" for the cluster metrics and left
    out of the share).  Vendi needs no clusters: it varies
    only with the representation.
    """
    yr = np.asarray(years).astype(int)
    vendi = {name: {int(y): vendi_score(X[yr == y]) for y in np.unique(yr) if np.sum(yr == y) >= min_papers}
             for name, X in representations.items()}
    rows = []
    for i, choice in enumerate(grid):
        X = representations[choice.representation]
        est = MethodClusterer(method=choice.method, k=choice.setting if choice.method == "kmeans" else None,
                              min_cluster_size=choice.setting if choice.method == "hdbscan" else 10,
                              seed=seed, n_init=n_init).fit(X)
        trends = yearly_trends(est.labels_, yr, X, est.centers_, min_papers=min_papers,
                               vendi=vendi[choice.representation])
        for key in PANEL_KEYS:
            t = trends[key]
            verdict = NOT_APPLICABLE if est.k_ == 0 and SPEC[key].uses_clusters else t["verdict"]
            rows.append({"choice": choice.name, "representation": choice.representation, "method": choice.method,
                         "setting": choice.setting, "n_clusters": est.k_, "noise_share": float(np.mean(est.labels_ < 0)),
                         "metric": key, "slope": t["slope"], "p_value": t["p_value"], "verdict": verdict,
                         "main_verdict": main_verdicts.get(key, "")})
        if on_progress:
            on_progress(i + 1, len(grid))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    applicable = frame["verdict"] != NOT_APPLICABLE
    frame["agrees"] = (frame["verdict"] == frame["main_verdict"]).where(applicable)  # NaN: left out of the share
    frame["share_agreeing"] = frame.groupby("metric")["agrees"].transform(lambda a: a.dropna().astype(float).mean())
    return frame[SENSITIVITY_COLUMNS]
