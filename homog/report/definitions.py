"""The formula and convention of every reported metric, as the report states them."""
from __future__ import annotations

METRIC_DEFINITIONS: list[tuple[str, str, str]] = [
    ("shannon", "Shannon entropy",
     "H = −Σᵢ pᵢ ln pᵢ over method clusters with pᵢ > 0 (natural log); pᵢ = share of the year's clustered papers "
     "in cluster i. Noise (HDBSCAN label −1) is never a cluster: it is left out of pᵢ and reported beside."),
    ("hill1", "Hill number of order 1",
     "¹D = exp(H): the effective number of equally common method clusters."),
    ("gini_simpson", "Gini–Simpson index",
     "1 − Σᵢ pᵢ²: the probability that two papers drawn with replacement belong to different clusters."),
    ("rao_stirling", "Rao–Stirling diversity",
     "Σ_{i≠j} dᵢⱼ pᵢ pⱼ summed over ordered pairs i ≠ j (each unordered pair counted twice; the unordered "
     "convention gives half this value), with dᵢⱼ = 1 − cos(cᵢ, cⱼ) the cosine distance between the centroids "
     "of clusters i and j, and distance and weight exponents α = β = 1 (Stirling 2007)."),
    ("vendi", "Vendi score (q = 1)",
     "exp(−Σₖ λₖ ln λₖ) over the eigenvalues λ of K/n, K = X Xᵀ the cosine-similarity kernel of the year's "
     "L2-normalised abstract embeddings (all embedded papers, noise included; no clusters needed). Computed exactly "
     "through the d×d matrix XᵀX/n, which has the same non-zero eigenvalues."),
]
