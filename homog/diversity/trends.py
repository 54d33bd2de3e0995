"""Is the change over years real?  Theil–Sen slope, Mann–Kendall test, period permutation test, verdicts."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from homog.diversity.metrics import centroid_similarity, cluster_distances
from homog.diversity.panel import PANEL_KEYS, SPEC, resampled_panel

NARROWING = "narrowing"
BROADENING = "broadening"
NO_CHANGE = "no evidence of change"
TOO_FEW = "not enough years (<3)"
TREND_COLUMNS = ["metric", "slope", "slope_lo", "slope_hi", "p_value", "verdict", "mann_kendall_tau",
                 "mann_kendall_p", "permutation_diff", "permutation_p", "n_years"]


def trend(years: ArrayLike, values: ArrayLike, *, higher_is_diverse: bool = True, alpha: float = 0.05) -> dict[str, Any]:
    """Theil–Sen slope per year with its ``1 - alpha`` interval, Mann–Kendall test, and a verdict.

    Years with a NaN value are dropped.  ``slope`` and its interval come from
    ``scipy.stats.theilslopes``; the Mann–Kendall test is Kendall's tau
    between year and value (``scipy.stats.kendalltau``, exact p for small
    samples without ties), two-sided.  Verdict: with at least 3 years, a change
    is claimed only when BOTH the Mann–Kendall p < ``alpha`` and the slope
    interval excludes 0; its direction is "narrowing" when diversity falls
    (for concentration metrics, HHI and Gini, when the value RISES) and
    "broadening" otherwise; else "no evidence of change".
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    out: dict[str, Any] = {"slope": np.nan, "slope_lo": np.nan, "slope_hi": np.nan, "p_value": np.nan,
                           "mann_kendall_tau": np.nan, "mann_kendall_p": np.nan, "n_years": int(x.size)}
    if x.size < 3:
        out["verdict"] = TOO_FEW
        return out
    ts = stats.theilslopes(y, x, alpha=1.0 - alpha)
    out.update(slope=float(ts.slope), slope_lo=float(ts.low_slope), slope_hi=float(ts.high_slope))
    if np.all(y == y[0]):
        tau, p = 0.0, 1.0
    else:
        res = stats.kendalltau(x, y)
        tau, p = float(res.statistic), float(res.pvalue)
    out.update(mann_kendall_tau=tau, mann_kendall_p=p, p_value=p)
    rising = out["slope_lo"] > 0
    falling = out["slope_hi"] < 0
    if p < alpha and (rising or falling):
        more_diverse = rising == higher_is_diverse
        out["verdict"] = BROADENING if more_diverse else NARROWING
    else:
        out["verdict"] = NO_CHANGE
    return out


def period_permutation(
    labels: ArrayLike,
    years: Sequence[int] | np.ndarray,
    embeddings: ArrayLike,
    centers: ArrayLike,
    periods: tuple[tuple[int, int], tuple[int, int]],
    *,
    n_perm: int = 200,
    seed: int = 0,
    vendi_draws: int = 50,
) -> pd.DataFrame:
    """Permutation test of each panel metric between two periods ``((a0, a1), (b0, b1))`` (inclusive years).

    Statistic: metric(papers of period B) − metric(papers of period A), with
    the clustering held fixed.  Null: period membership is exchangeable, so
    the papers of both periods are pooled and re-split at random into groups
    of the original sizes ``n_perm`` times; two-sided
    ``p = (1 + #{|d* - mean(d*)| >= |d - mean(d*)|}) / (1 + n_perm)``, centred
    on the permutation mean because size-dependent metrics (richness, Vendi)
    differ between unequal periods even under the null.  Vendi uses the
    first ``vendi_draws`` permutations.  Returns one row per metric:
    ``metric, permutation_diff, permutation_p, n_a, n_b``.
    """
    lab = np.asarray(labels).astype(int)
    yr = np.asarray(years, dtype=float)
    emb = np.asarray(embeddings, dtype=float)
    C = np.asarray(centers, dtype=float)
    k = C.shape[0]
    (a0, a1), (b0, b1) = periods
    in_a = np.flatnonzero((yr >= a0) & (yr <= a1))
    in_b = np.flatnonzero((yr >= b0) & (yr <= b1))
    rows = []
    if in_a.size == 0 or in_b.size == 0 or k == 0:
        for key in PANEL_KEYS:
            rows.append({"metric": key, "permutation_diff": np.nan, "permutation_p": np.nan,
                         "n_a": int(in_a.size), "n_b": int(in_b.size)})
        return pd.DataFrame(rows)
    dist, sim = cluster_distances(C), centroid_similarity(C)
    pool = np.concatenate([in_a, in_b])
    rng = np.random.default_rng([seed, 7919])
    splits = [(in_a, in_b)] + [np.split(rng.permutation(pool), [in_a.size]) for _ in range(n_perm)]

    parts = [part for pair in splits for part in pair]
    vals = resampled_panel(parts, lab, emb, k, dist, sim, 2 * (vendi_draws + 1))  # observed pair + vendi_draws
    for key in PANEL_KEYS:
        diffs = vals[key][1::2] - vals[key][0::2]
        observed, null = diffs[0], diffs[1:]
        null = null[np.isfinite(null)]
        centre = null.mean() if null.size else 0.0
        p = ((1 + np.sum(np.abs(null - centre) >= abs(observed - centre) - 1e-12)) / (1 + null.size)
             if np.isfinite(observed) else np.nan)
        rows.append({"metric": key, "permutation_diff": float(observed), "permutation_p": float(p),
                     "n_a": int(in_a.size), "n_b": int(in_b.size)})
    return pd.DataFrame(rows)


def default_periods(years: Sequence[int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """First half vs second half of the distinct years (middle year to the first half); None under 2 years."""
    ys = sorted({int(y) for y in years})
    if len(ys) < 2:
        return None
    half = (len(ys) + 1) // 2
    return (ys[0], ys[half - 1]), (ys[half], ys[-1])


def trend_table(by_year: pd.DataFrame, *, year_column: str = "year", metrics: Sequence[str] = PANEL_KEYS,
                permutation: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """One row per metric (``TREND_COLUMNS``): trend over the ``ok`` years, plus the period permutation test."""
    ok = by_year[by_year["status"] == "ok"]
    perm = permutation.set_index("metric") if permutation is not None else None
    rows = []
    for key in metrics:
        row = {"metric": key, **trend(ok[year_column], ok[key], higher_is_diverse=SPEC[key].higher_is_diverse,
                                      alpha=alpha)}
        row["permutation_diff"] = float(perm.loc[key, "permutation_diff"]) if perm is not None else np.nan
        row["permutation_p"] = float(perm.loc[key, "permutation_p"]) if perm is not None else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def verdict_sentence(row: pd.Series) -> str:
    """Plain-language verdict with the numbers behind it, for the report."""
    name = SPEC[row["metric"]].name if row["metric"] in SPEC else row["metric"]
    if row["verdict"] == TOO_FEW:
        return f"{name}: {TOO_FEW}."
    text = (f"{name}: {row['verdict']} — Theil–Sen slope {row['slope']:+.4g}/year "
            f"(95% CI {row['slope_lo']:+.4g} to {row['slope_hi']:+.4g}), Mann–Kendall p = {row['mann_kendall_p']:.3g}")
    if np.isfinite(row.get("permutation_p", np.nan)):
        text += f"; between periods Δ = {row['permutation_diff']:+.4g}, permutation p = {row['permutation_p']:.3g}"
    return text + "."
