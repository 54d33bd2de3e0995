"""Cluster shares over time and emerging / fading method clusters by Kleinberg burst detection."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import gammaln

DYNAMICS_COLUMNS = ["cluster", "label", "status", "burst_years", "first_share", "last_share", "share_change"]


def share_table(labels: ArrayLike, years: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Year x cluster table of papers per cluster (noise excluded); rows sorted by year."""
    lab = np.asarray(labels).astype(int)
    yr = np.asarray(years).astype(int)
    keep = lab >= 0
    if not keep.any():
        return pd.DataFrame()
    return pd.crosstab(pd.Series(yr[keep], name="year"), pd.Series(lab[keep], name="cluster"))


def kleinberg_bursts(relevant: ArrayLike, totals: ArrayLike, *, s: float = 1.5, gamma: float = 1.0) -> np.ndarray:
    """Two-state burst states (0 = base, 1 = burst) of a batched count series (Kleinberg 2003, section 4).

    Batch ``t`` has ``relevant[t]`` of ``totals[t]`` items in the class.  The
    base rate is ``p0 = sum(relevant) / sum(totals)``, the burst rate
    ``p1 = min(s * p0, 0.9999)`` (default s = 1.5: method clusters are large
    classes, where Kleinberg's s = 2 for rare words is rarely reachable); the
    cost of state ``i`` at ``t`` is the binomial negative log-likelihood ``-ln[C(d,r) p_i^r (1-p_i)^(d-r)]``;
    entering the burst state costs ``gamma * ln(n_batches)``, leaving it is
    free.  The cheapest state sequence is found exactly by dynamic programming
    (Viterbi).  A class present at a constant rate gets no burst.
    """
    r = np.asarray(relevant, dtype=float)
    d = np.asarray(totals, dtype=float)
    if r.shape != d.shape or r.ndim != 1 or np.any(r < 0) or np.any(r > d):
        raise ValueError("relevant and totals must be 1-D, the same length, with 0 <= relevant <= totals")
    n = r.size
    if n == 0 or d.sum() == 0 or r.sum() == 0:
        return np.zeros(n, dtype=int)
    p0 = r.sum() / d.sum()
    p = np.array([p0, min(s * p0, 0.9999)])
    log_binom = gammaln(d + 1) - gammaln(r + 1) - gammaln(d - r + 1)
    cost = -(log_binom[:, None] + r[:, None] * np.log(p)[None, :] + (d - r)[:, None] * np.log1p(-p)[None, :])
    enter = gamma * np.log(max(n, 2))
    best = np.zeros((n, 2))
    back = np.zeros((n, 2), dtype=int)
    best[0] = cost[0] + np.array([0.0, enter])
    for t in range(1, n):
        stay0, from1_to0 = best[t - 1, 0], best[t - 1, 1]
        back[t, 0] = 0 if stay0 <= from1_to0 else 1
        best[t, 0] = min(stay0, from1_to0) + cost[t, 0]
        up, stay1 = best[t - 1, 0] + enter, best[t - 1, 1]
        back[t, 1] = 1 if stay1 <= up else 0
        best[t, 1] = min(up, stay1) + cost[t, 1]
    states = np.zeros(n, dtype=int)
    states[-1] = int(np.argmin(best[-1]))
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states


def emerging_fading(counts: pd.DataFrame, labels: Mapping[int, str] | None = None, *, s: float = 1.5,
                    gamma: float = 1.0) -> pd.DataFrame:
    """Classify each cluster from its yearly counts (``share_table`` output) by Kleinberg bursts.

    "emerging": in a burst in the last year; "fading": a burst that ended
    before the last year and a last-year share below the first-year share;
    "burst (ended)": a burst that ended without a decline; else "steady".
    """
    if counts.empty:
        return pd.DataFrame(columns=DYNAMICS_COLUMNS)
    totals = counts.sum(axis=1).to_numpy()
    years = counts.index.to_numpy()
    shares = counts.div(counts.sum(axis=1).where(lambda v: v > 0), axis=0)
    rows = []
    for c in counts.columns:
        states = kleinberg_bursts(counts[c].to_numpy(), totals, s=s, gamma=gamma)
        first, last = float(shares[c].iloc[0]), float(shares[c].iloc[-1])
        if states[-1] == 1:
            status = "emerging"
        elif states.any():
            status = "fading" if last < first else "burst (ended)"
        else:
            status = "steady"
        rows.append({"cluster": int(c), "label": (labels or {}).get(int(c), f"cluster {c}"), "status": status,
                     "burst_years": ", ".join(str(int(y)) for y in years[states == 1]),
                     "first_share": first, "last_share": last, "share_change": last - first})
    return pd.DataFrame(rows, columns=DYNAMICS_COLUMNS)
