"""95 % intervals for every diversity metric: bootstrap within groups and equal-size resampling.

Both hold the clustering fixed (labels and centroids from the full corpus):
they measure sampling uncertainty of the papers in a group, not the
uncertainty of the clustering itself (see :mod:`homog.diversity.sensitivity`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from homog.diversity.measure import STATUS_OK, diversity_table
from homog.diversity.metrics import centroid_similarity, cluster_distances, counts_by_label
from homog.diversity.panel import PANEL_KEYS, panel_values, resampled_panel

SMALL_FLAG = "small group (<{n} papers): interval is wide"


def _resampled(draws: list[np.ndarray], lab: np.ndarray, emb: np.ndarray, k: int, dist: np.ndarray,
               sim: np.ndarray, vendi_draws: int) -> np.ndarray:
    """:func:`~homog.diversity.panel.resampled_panel` as a matrix (rows = draws, columns = PANEL_KEYS)."""
    values = resampled_panel(draws, lab, emb, k, dist, sim, vendi_draws)
    return np.column_stack([values[key] for key in PANEL_KEYS])


def metric_range(key: str, k: int, n: int, max_distance: float) -> tuple[float, float]:
    """The values a metric can take for a group of ``n`` papers over ``k`` clusters.

    Hill numbers and Leinster–Cobbold lie in [1, min(k, n)], Shannon in [0, ln min(k, n)], Gini–Simpson in
    [0, 1 − 1/min(k, n)], HHI in [1/min(k, n), 1], the Gini coefficient of sizes in [0, 1], Rao–Stirling in
    [0, max d · (1 − 1/min(k, n))] and Vendi in [1, n].
    """
    s = max(1, min(k, n))
    ranges = {"shannon": (0.0, float(np.log(s))), "gini_simpson": (0.0, 1.0 - 1.0 / s), "hhi": (1.0 / s, 1.0),
              "gini": (0.0, 1.0), "rao_stirling": (0.0, max_distance * (1.0 - 1.0 / s)), "vendi": (1.0, float(n))}
    return ranges.get(key, (1.0, float(s)))


def _percentiles(table: np.ndarray, level: float, centre: dict[str, float] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float, float]]:
    """Per metric: (mean, lower, upper) percentile bounds over the resamples, ignoring empty resamples.

    With ``centre`` (the point estimates) the bounds are bias-corrected: shifted
    by ``centre - mean`` so that the downward bias of resampling with
    replacement (duplicated papers lower richness-like metrics) is removed;
    the shifted bounds are then clipped to the metric's possible ``ranges``
    (a bound outside what the metric can take carries no information).
    """
    tail = (1.0 - level) / 2.0 * 100.0
    out = {}
    for j, key in enumerate(PANEL_KEYS):
        col = table[:, j]
        col = col[np.isfinite(col)]
        if col.size == 0:
            out[key] = (np.nan, np.nan, np.nan)
        else:
            lo, hi = np.percentile(col, [tail, 100.0 - tail])
            shift = centre[key] - col.mean() if centre is not None and np.isfinite(centre[key]) else 0.0
            lo, hi = lo + shift, hi + shift
            if ranges is not None and key in ranges:
                low, high = ranges[key]
                lo, hi = min(max(lo, low), high), min(max(hi, low), high)
            out[key] = (float(col.mean()), float(lo), float(hi))
    return out


def diversity_with_intervals(
    labels: ArrayLike,
    groups: Sequence[Any] | np.ndarray,
    embeddings: ArrayLike,
    centers: ArrayLike,
    *,
    n_papers: Mapping[Any, int] | None = None,
    min_papers: int = 2,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
    equal_size: bool = True,
    min_interval_papers: int = 30,
    vendi_draws: int = 100,
    on_progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Per-group table of every panel metric with ``<metric>_lo`` / ``<metric>_hi`` bootstrap bounds.

    Inputs are aligned per embedded paper (``labels`` with -1 = noise,
    ``groups``, ``embeddings``); ``centers`` are the k cluster centroids.
    Starts from :func:`homog.diversity.measure.diversity_table` (group,
    n_papers, n_clustered, n_noise, status), then for each ``ok`` group adds
    the :data:`~homog.diversity.panel.PANEL` values and a ``level`` percentile
    bootstrap interval from ``n_boot`` resamples of the group's papers with
    replacement (clustering held fixed).  With ``equal_size`` and two or more
    ``ok`` groups, ``<metric>_eq`` (+ ``_eq_lo``, ``_eq_hi``) is the mean over
    ``n_boot`` samples WITHOUT replacement of ``eq_n`` papers per group, with
    ``eq_n`` the smallest ``ok`` group's size, so groups of unequal size are
    compared at equal size.  ``flag`` marks ok groups under
    ``min_interval_papers`` papers.  Metrics are NaN unless ``ok``; the status
    says why.  The bootstrap bounds are bias-corrected (shifted by the
    difference between the point estimate and the resample mean), since
    duplicated papers lower richness-like metrics (Hill q=0, Vendi).  Vendi,
    which needs a d x d eigen-decomposition per draw, uses the first
    ``vendi_draws`` draws.  Same inputs and seed give identical numbers.
    """
    lab = np.asarray(labels).astype(int)
    emb = np.asarray(embeddings, dtype=float)
    C = np.asarray(centers, dtype=float)
    k = C.shape[0] if C.ndim == 2 else 0
    dist = cluster_distances(C) if k else np.zeros((0, 0))
    sim = centroid_similarity(C) if k else np.zeros((0, 0))
    base = diversity_table(lab, groups, emb, dist, n_papers=n_papers, min_papers=min_papers)
    grp = pd.Series(list(groups), dtype=object)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1; got {n_boot}")
    rows = []
    ok_idx: dict[Any, np.ndarray] = {}
    for i, row in base.iterrows():
        out: dict[str, Any] = {key: np.nan for key in PANEL_KEYS}
        for key in PANEL_KEYS:
            out[f"{key}_lo"] = out[f"{key}_hi"] = np.nan
        out["flag"] = ""
        if row["status"] == STATUS_OK:
            idx = np.flatnonzero((grp == row["group"]).to_numpy())
            ok_idx[row["group"]] = idx
            out.update(panel_values(counts_by_label(lab[idx], k), dist, sim, None))
            out["vendi"] = row["vendi"]  # the whole group's Vendi, already computed by diversity_table
            rng = np.random.default_rng([seed, int(i)])
            draws = [idx[rng.integers(0, idx.size, idx.size)] for _ in range(n_boot)]
            boot = _resampled(draws, lab, emb, k, dist, sim, vendi_draws)
            ranges = {key: metric_range(key, k, idx.size, float(dist.max()) if dist.size else 0.0)
                      for key in PANEL_KEYS}
            for key, (_, lo, hi) in _percentiles(boot, level, centre=out, ranges=ranges).items():
                out[f"{key}_lo"], out[f"{key}_hi"] = lo, hi
            if idx.size < min_interval_papers:
                out["flag"] = SMALL_FLAG.format(n=min_interval_papers)
        rows.append(out)
        if on_progress:
            on_progress(int(i) + 1, len(base))
    table = pd.concat([base.drop(columns=[c for c in base.columns if c in PANEL_KEYS]),
                       pd.DataFrame(rows, index=base.index)], axis=1)
    if equal_size and len(ok_idx) >= 2:
        table = _add_equal_size(table, ok_idx, lab, emb, k, dist, sim, n_boot, seed, level, vendi_draws)
    return table


def _add_equal_size(table: pd.DataFrame, ok_idx: dict[Any, np.ndarray], lab: np.ndarray, emb: np.ndarray, k: int,
                    dist: np.ndarray, sim: np.ndarray, n_rep: int, seed: int, level: float,
                    vendi_draws: int) -> pd.DataFrame:
    """Columns ``<metric>_eq/_eq_lo/_eq_hi`` and ``eq_n`` from equal-size subsamples of every ok group."""
    m = min(idx.size for idx in ok_idx.values())
    cols: dict[str, list[float]] = {f"{key}{suffix}": [] for key in PANEL_KEYS for suffix in ("_eq", "_eq_lo", "_eq_hi")}
    for pos, group in enumerate(table["group"]):
        idx = ok_idx.get(group)
        if idx is None:
            for values in cols.values():
                values.append(np.nan)
            continue
        rng = np.random.default_rng([seed, 1_000_003, pos])
        draws = [rng.choice(idx, m, replace=False) for _ in range(n_rep)]
        values = _resampled(draws, lab, emb, k, dist, sim, vendi_draws)
        for key, (mean, lo, hi) in _percentiles(values, level).items():
            cols[f"{key}_eq"].append(mean)
            cols[f"{key}_eq_lo"].append(lo)
            cols[f"{key}_eq_hi"].append(hi)
    table = table.copy()
    table["eq_n"] = [m if g in ok_idx else np.nan for g in table["group"]]
    for name, values in cols.items():
        table[name] = values
    return table
