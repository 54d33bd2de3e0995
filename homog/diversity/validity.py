"""Agreement between two partitions (homog's clusters vs. ground-truth categories, or two views)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def partition_agreement(labels: ArrayLike, truth: Sequence[Any] | np.ndarray, *, drop_noise: bool = True) -> dict[str, float]:
    """NMI (arithmetic mean normalisation, scikit-learn's default) and adjusted Rand index.

    With ``drop_noise`` papers labelled -1 (HDBSCAN noise) are left out, since
    noise is not a method; ``n`` is the number of papers compared.
    """
    lab = np.asarray(labels)
    tru = np.asarray(list(truth), dtype=object)
    if lab.shape[0] != tru.shape[0]:
        raise ValueError(f"{lab.shape[0]} labels but {tru.shape[0]} reference labels")
    keep = (lab.astype(int) >= 0) if drop_noise else np.ones(lab.shape[0], dtype=bool)
    if keep.sum() < 2:
        return {"nmi": float("nan"), "ari": float("nan"), "n": int(keep.sum())}
    a, b = lab[keep].astype(int), tru[keep].astype(str)
    return {"nmi": float(normalized_mutual_info_score(b, a)), "ari": float(adjusted_rand_score(b, a)),
            "n": int(keep.sum())}


def crosstab_top(labels_a: ArrayLike, labels_b: ArrayLike, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` most common (a, b) label pairs with counts and the share of a's papers they hold."""
    frame = pd.DataFrame({"a": np.asarray(labels_a), "b": np.asarray(labels_b)})
    pairs = frame.value_counts().rename("papers").reset_index()
    sizes = frame["a"].value_counts()
    pairs["share_of_a"] = pairs["papers"] / pairs["a"].map(sizes)
    return pairs.sort_values(["papers", "a", "b"], ascending=[False, True, True]).head(n).reset_index(drop=True)
