"""Graphs of method clusters (centroid similarity) and of co-listed categories, and their statistics."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from homog.diversity.metrics import centroid_similarity

NO_EDGES = "undefined (graph has no edges)"
ONE_NODE = "undefined (graph has fewer than 2 nodes)"
ZERO_WEIGHT = "undefined (edges have zero total weight)"


def cluster_graph(centers: ArrayLike, sizes: Sequence[int], labels: Mapping[int, str] | None = None, *,
                  n_neighbours: int = 2, min_similarity: float = 0.0) -> nx.Graph:
    """Method-cluster graph: one node per cluster, edges to each cluster's nearest centroids.

    Node attributes: ``size`` (papers), ``label``.  Each cluster is joined to
    its ``n_neighbours`` most similar other clusters (cosine similarity of
    centroids, ties by index) when that similarity is positive and at least
    ``min_similarity``; the edge ``weight`` is the similarity.  No self-loops.
    """
    Z = centroid_similarity(centers) if len(sizes) else np.zeros((0, 0))
    G = nx.Graph()
    for c, size in enumerate(sizes):
        G.add_node(int(c), size=int(size), label=(labels or {}).get(c, f"cluster {c}"))
    for c in range(len(sizes)):
        order = [j for j in np.lexsort((np.arange(len(sizes)), -Z[c])) if j != c]
        for j in order[:n_neighbours]:
            if Z[c, j] > 0 and Z[c, j] >= min_similarity:
                G.add_edge(int(c), int(j), weight=float(Z[c, j]))
    return G


def category_graph(papers: Iterable[Sequence[str]]) -> nx.Graph:
    """Co-occurrence graph of the categories listed on each paper.

    Node ``weight`` = papers listing the category; edge ``weight`` = papers
    listing both.  A category repeated on one paper (``cs.LG cs.LG``) counts
    once, so there are no self-loops.
    """
    G = nx.Graph()
    for cats in papers:
        unique = sorted({c.strip() for c in cats if c and c.strip()})
        for c in unique:
            G.add_node(c, weight=G.nodes[c]["weight"] + 1 if c in G else 1)
        for a, b in combinations(unique, 2):
            w = G.edges[a, b]["weight"] + 1 if G.has_edge(a, b) else 1
            G.add_edge(a, b, weight=w)
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    return G


def graph_stats(G: nx.Graph, *, seed: int = 0) -> dict[str, Any]:
    """Density, Louvain communities, modularity and centralities, defined for every graph.

    Self-loops are removed first.  Density: NaN with a status under 2 nodes,
    0.0 without edges.  Communities and modularity need at least one edge:
    otherwise each node is its own community, modularity is NaN and
    ``modularity_status`` says "undefined (graph has no edges)".  Communities:
    ``networkx`` Louvain (weighted, ``seed``); centralities: weighted degree
    (strength) and betweenness (distance = 1 - weight).
    """
    H = G.copy()
    H.remove_edges_from(list(nx.selfloop_edges(H)))
    n, m = H.number_of_nodes(), H.number_of_edges()
    out: dict[str, Any] = {"n_nodes": n, "n_edges": m}
    if n < 2:
        out.update(density=math.nan, density_status=ONE_NODE)
    else:
        out.update(density=float(nx.density(H)), density_status="ok")
    if m == 0 or H.size(weight="weight") <= 0:
        out.update(modularity=math.nan, modularity_status=NO_EDGES if m == 0 else ZERO_WEIGHT,
                   communities=[[v] for v in H.nodes])
    else:
        comms = nx.community.louvain_communities(H, weight="weight", seed=seed)
        comms = sorted((sorted(c, key=str) for c in comms), key=lambda c: (-len(c), str(c[0])))
        out.update(modularity=float(nx.community.modularity(H, comms, weight="weight")), modularity_status="ok",
                   communities=comms)
    for u, v, d in H.edges(data=True):
        d["distance"] = max(1.0 - float(d.get("weight", 1.0)), 1e-12)
    out["strength"] = dict(H.degree(weight="weight"))
    out["betweenness"] = nx.betweenness_centrality(H, weight="distance") if n > 2 else {v: 0.0 for v in H}
    return out


def annotate(G: nx.Graph, stats: Mapping[str, Any]) -> nx.Graph:
    """Copy of ``G`` with ``community``, ``strength`` and ``betweenness`` node attributes and graph statistics."""
    H = G.copy()
    for i, comm in enumerate(stats["communities"]):
        for v in comm:
            H.nodes[v]["community"] = i
    for v in H.nodes:
        H.nodes[v]["strength"] = float(stats["strength"].get(v, 0.0))
        H.nodes[v]["betweenness"] = float(stats["betweenness"].get(v, 0.0))
    for key in ("density", "modularity"):
        H.graph[key] = float(stats[key])
        H.graph[f"{key}_status"] = stats[f"{key}_status"]
    return H


def write_graphml(G: nx.Graph, path: str | Path) -> Path:
    """Write ``G`` as GraphML (NaN statistics stay NaN); returns the path."""
    path = Path(path)
    nx.write_graphml(G, path)
    return path
