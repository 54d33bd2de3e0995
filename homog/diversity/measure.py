"""Per-group (year, venue, category) diversity of method clusters."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from homog.diversity.metrics import (
    counts_by_label,
    gini_simpson,
    hill_number,
    rao_stirling,
    shannon,
    vendi_score,
)

STATUS_OK = "ok"
STATUS_NO_CLUSTERS = "undefined (no clusters)"
METRICS = ("shannon", "hill1", "gini_simpson", "rao_stirling", "vendi")
COLUMNS = ("group", "n_papers", "n_clustered", "n_noise", *METRICS, "status")


def insufficient_status(min_papers: int) -> str:
    """Status text of a group with too few abstracts."""
    return f"insufficient data (<{min_papers} papers)"


def diversity_table(
    labels: ArrayLike,
    groups: Sequence[Any] | np.ndarray,
    embeddings: ArrayLike,
    distances: ArrayLike,
    *,
    n_papers: Mapping[Any, int] | None = None,
    min_papers: int = 2,
) -> pd.DataFrame:
    """One row per group value (sorted) with method-cluster diversity and its status.

    Inputs are aligned per embedded paper (a paper with a usable abstract):
    ``labels[i]`` its cluster (``-1`` = noise, never a category), ``groups[i]``
    its year/venue/category, ``embeddings[i]`` its vector.  ``distances`` is
    the ``k x k`` cluster distance matrix indexed by label
    (:func:`homog.diversity.metrics.cluster_distances`).  ``n_papers`` maps a
    group to ALL its papers, including those without abstracts; groups that
    appear only there get a row too.

    Columns: ``group, n_papers, n_clustered, n_noise, shannon, hill1,
    gini_simpson, rao_stirling, vendi, status``.  Shares (Shannon, Hill q=1,
    Gini-Simpson, Rao-Stirling over ordered pairs) use the clustered papers
    only; noise is counted in ``n_noise`` beside them.  Vendi uses every
    embedded paper of the group, noise included, since it needs no clusters.
    Status, checked in this order: fewer than ``min_papers`` embedded papers
    -> ``insufficient data (<min_papers papers)``; no clustered paper ->
    ``undefined (no clusters)``; else ``ok``.  Metrics are NaN unless ``ok``.
    """
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"labels must be one-dimensional; got shape {lab.shape}")
    lab = lab.astype(int)
    grp = pd.Series(list(groups), dtype=object)
    emb = np.asarray(embeddings, dtype=float)
    dist = np.asarray(distances, dtype=float)
    n = lab.size
    if len(grp) != n or emb.ndim != 2 or emb.shape[0] != n:
        raise ValueError(
            f"labels ({n}), groups ({len(grp)}) and embeddings ({emb.shape}) must describe the same papers"
        )
    if grp.isna().any():
        raise ValueError(f"{int(grp.isna().sum())} papers have no group value; drop or fill them first")
    if np.any(lab < -1):
        raise ValueError("labels must be cluster indices >= 0, or -1 for noise")
    k = dist.shape[0] if dist.ndim == 2 else -1
    if dist.shape != (k, k):
        raise ValueError(f"distances must be a square matrix; got shape {dist.shape}")
    if min_papers < 1:
        raise ValueError(f"min_papers must be >= 1; got {min_papers}")

    keys = set(grp.tolist()) | set(n_papers or {})
    rows = []
    for key in sorted(keys):
        idx = np.flatnonzero((grp == key).to_numpy())
        counts = counts_by_label(lab[idx], k)
        n_clustered = int(counts.sum())
        total = int(n_papers[key]) if n_papers is not None and key in n_papers else idx.size
        if total < idx.size:
            raise ValueError(f"group {key!r}: n_papers ({total}) is less than its embedded papers ({idx.size})")
        row: dict[str, Any] = {
            "group": key,
            "n_papers": total,
            "n_clustered": n_clustered,
            "n_noise": int(idx.size - n_clustered),
            **{m: np.nan for m in METRICS},
        }
        if idx.size < min_papers:
            row["status"] = insufficient_status(min_papers)
        elif n_clustered == 0:
            row["status"] = STATUS_NO_CLUSTERS
        else:
            row.update(
                shannon=shannon(counts),
                hill1=hill_number(counts, 1),
                gini_simpson=gini_simpson(counts),
                rao_stirling=rao_stirling(counts, dist),
                vendi=vendi_score(emb[idx]),
                status=STATUS_OK,
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
