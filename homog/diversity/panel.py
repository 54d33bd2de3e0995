"""The full panel of reported diversity metrics for one group of papers (one year, venue, category)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from homog.diversity.metrics import (
    counts_by_label,
    gini_coefficient,
    gini_simpson,
    hhi,
    hill_number,
    leinster_cobbold,
    rao_stirling,
    shannon,
    vendi_score,
)


@dataclass(frozen=True)
class MetricSpec:
    """One reported metric: column key, display name, and whether higher means MORE diverse."""

    key: str
    name: str
    higher_is_diverse: bool
    uses_clusters: bool = True


PANEL: tuple[MetricSpec, ...] = (
    MetricSpec("hill0", "Hill q=0 (richness)", True),
    MetricSpec("shannon", "Shannon entropy", True),
    MetricSpec("hill1", "Hill q=1", True),
    MetricSpec("hill2", "Hill q=2 (inverse Simpson)", True),
    MetricSpec("hill_inf", "Hill q=∞ (Berger–Parker)", True),
    MetricSpec("gini_simpson", "Gini–Simpson", True),
    MetricSpec("hhi", "HHI (concentration)", False),
    MetricSpec("gini", "Gini coefficient of cluster sizes", False),
    MetricSpec("rao_stirling", "Rao–Stirling", True),
    MetricSpec("leinster_cobbold", "Leinster–Cobbold q=1", True),
    MetricSpec("leinster_cobbold2", "Leinster–Cobbold q=2", True),
    MetricSpec("vendi", "Vendi q=1", True, uses_clusters=False),
)
PANEL_KEYS: tuple[str, ...] = tuple(m.key for m in PANEL)
SPEC = {m.key: m for m in PANEL}


def panel_values(counts: np.ndarray, distances: np.ndarray, similarity: np.ndarray,
                 vectors: np.ndarray | None) -> dict[str, float]:
    """Every metric of :data:`PANEL` for one group (``counts`` over all k clusters; noise excluded).

    ``vectors`` are the group's embeddings for Vendi (``None`` skips it: NaN).
    Raises ``ValueError`` when the group has no clustered paper (no data).
    """
    return {
        "hill0": hill_number(counts, 0),
        "shannon": shannon(counts),
        "hill1": hill_number(counts, 1),
        "hill2": hill_number(counts, 2),
        "hill_inf": hill_number(counts, math.inf),
        "gini_simpson": gini_simpson(counts),
        "hhi": hhi(counts),
        "gini": gini_coefficient(counts),
        "rao_stirling": rao_stirling(counts, distances),
        "leinster_cobbold": leinster_cobbold(counts, similarity, 1),
        "leinster_cobbold2": leinster_cobbold(counts, similarity, 2),
        "vendi": vendi_score(vectors) if vectors is not None else float("nan"),
    }


DEFINITIONS: list[tuple[str, str, str]] = [
    ("hill0", "Hill number q = 0", "⁰D = number of method clusters with at least one paper (richness)."),
    ("hill2", "Hill number q = 2", "²D = 1 / Σᵢ pᵢ² (inverse Simpson): effective number of dominant clusters."),
    ("hill_inf", "Hill number q = ∞", "∞D = 1 / maxᵢ pᵢ (Berger–Parker). Hill numbers ᵠD = (Σᵢ pᵢ^q)^{1/(1−q)} "
     "never rise with q; all lie in [1, S]; one cluster gives 1 (the minimum)."),
    ("hhi", "Herfindahl–Hirschman index", "HHI = Σᵢ pᵢ² ∈ [1/S, 1]; higher = more concentrated (less diverse)."),
    ("gini", "Gini coefficient of cluster sizes", "G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 S² x̄) over the S clusters with papers "
     "in the group (zero counts contribute nothing); 0 = equal sizes or one cluster; higher = more unequal."),
    ("leinster_cobbold", "Leinster–Cobbold diversity (q = 1, 2)",
     "ᵠD^Z = (Σᵢ pᵢ (Zp)ᵢ^{q−1})^{1/(1−q)}, at q = 1 exp(−Σᵢ pᵢ ln (Zp)ᵢ); Z_ij = max(0, cos(cᵢ, cⱼ)) between "
     "cluster centroids (Leinster & Cobbold 2012). Z = I gives the Hill number; similar clusters count as less "
     "than two."),
    ("vendi_q", "Vendi score of order q", "Hill number of order q of the eigenvalues of K/n (see Vendi above); "
     "eigenvalues are symmetrised, clipped at 0 and renormalised to sum 1."),
    ("conventions", "Conventions", "Zero counts contribute nothing; one cluster gives the minimum (Hill 1, "
     "Shannon / Gini–Simpson / Rao–Stirling / Gini 0, HHI 1); a group with no clustered paper is 'no data' "
     "(status text, never 0). Intervals: 95 % bias-corrected percentile bootstrap (clipped to each metric's range) over papers within each group, clustering "
     "held fixed. Equal-size columns (_eq): mean over repeated random samples without replacement of the same "
     "number of papers from every group (the smallest eligible group's size)."),
]


def panel_matrix(counts: np.ndarray, distances: np.ndarray, similarity: np.ndarray) -> dict[str, np.ndarray]:
    """The cluster-based metrics of :data:`PANEL` for many count vectors at once (rows of ``counts``).

    Same formulas and conventions as :func:`panel_values` (zero counts
    contribute nothing, one cluster gives the minimum exactly); rows with no
    clustered paper give NaN.  Used for resampling, where thousands of count
    vectors are scored.  Vendi is not included (it needs the vectors).
    """
    c = np.asarray(counts, dtype=float)
    total = c.sum(axis=1, keepdims=True)
    empty = total[:, 0] == 0
    p = c / np.where(total > 0, total, 1.0)
    pos = p > 0
    s = pos.sum(axis=1)
    logp = np.log(np.where(pos, p, 1.0))
    sq = np.sum(p * p, axis=1)
    h = -np.sum(p * logp, axis=1)
    absdiff = np.abs(p[:, :, None] - p[:, None, :]).sum(axis=(1, 2)) - 2.0 * (p.shape[1] - s)
    with np.errstate(divide="ignore", invalid="ignore"):
        zp = p @ similarity.T
        lc1 = np.exp(-np.sum(np.where(pos, p * np.log(np.where(pos, zp, 1.0)), 0.0), axis=1))
        out = {
            "hill0": s.astype(float),
            "shannon": h,
            "hill1": np.exp(h),
            "hill2": 1.0 / sq,
            "hill_inf": 1.0 / p.max(axis=1),
            "gini_simpson": 1.0 - sq,
            "hhi": sq,
            "gini": np.maximum(absdiff / (2.0 * s), 0.0),  # mean share is 1/s; clip rounding below 0
            "rao_stirling": np.sum((p @ distances) * p, axis=1),
            "leinster_cobbold": lc1,
            "leinster_cobbold2": 1.0 / np.sum(p * zp, axis=1),
        }
    one = s == 1
    minimum = {"hill0": 1.0, "shannon": 0.0, "hill1": 1.0, "hill2": 1.0, "hill_inf": 1.0, "gini_simpson": 0.0,
               "hhi": 1.0, "gini": 0.0, "rao_stirling": 0.0, "leinster_cobbold": 1.0, "leinster_cobbold2": 1.0}
    for key, value in out.items():
        value[one] = minimum[key]
        value[empty] = np.nan
    return out


def resampled_panel(draws: list[np.ndarray], labels: np.ndarray, vectors: np.ndarray, k: int, distances: np.ndarray,
                    similarity: np.ndarray, vendi_draws: int) -> dict[str, np.ndarray]:
    """Every metric of :data:`PANEL` for each index draw into ``labels``/``vectors`` (clustering held fixed).

    The cluster metrics come from :func:`panel_matrix` over the draws' counts;
    Vendi (a d x d eigen-decomposition per draw) is scored on the first
    ``vendi_draws`` draws only, the other entries are NaN for it.
    """
    counts = np.array([counts_by_label(labels[take], k) for take in draws]).reshape(len(draws), k)
    values = panel_matrix(counts, distances, similarity)
    values["vendi"] = np.array([vendi_score(vectors[take]) if j < vendi_draws else np.nan
                                for j, take in enumerate(draws)])
    return values
