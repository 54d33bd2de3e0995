"""Case 20-edgeless-graph: graphs with no edges or one node, and the method-cluster graph."""
from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest

from homog.diversity.graph import NO_EDGES, annotate, category_graph, cluster_graph, graph_stats, write_graphml


def _categories(path):
    return [json.loads(line)["categories"] for line in path.read_text().splitlines() if line.strip()]


def test_case_20_edgeless_graph(cases_dir, tmp_path):
    """20-edgeless-graph points 1-3: 3 nodes, 0 edges, modularity undefined (NaN), density 0.0, GraphML kept."""
    G = category_graph(_categories(cases_dir / "20-edgeless-graph.jsonl"))
    assert sorted(G.nodes) == ["cs.LG", "math.CO", "q-bio.PE"]
    assert {v: G.nodes[v]["weight"] for v in G} == {"cs.LG": 2, "math.CO": 1, "q-bio.PE": 1}
    assert G.number_of_edges() == 0
    stats = graph_stats(G)
    assert stats["density"] == 0.0
    assert math.isnan(stats["modularity"]) and stats["modularity_status"] == NO_EDGES
    assert sorted(stats["communities"]) == [["cs.LG"], ["math.CO"], ["q-bio.PE"]]
    path = write_graphml(annotate(G, stats), tmp_path / "g.graphml")
    back = nx.read_graphml(path)
    assert sorted(back.nodes) == sorted(G.nodes) and back.number_of_edges() == 0
    assert math.isnan(float(back.graph["modularity"])) and back.graph["modularity_status"] == NO_EDGES


def test_case_20_single_node_graph(cases_dir):
    """20-edgeless-graph point 3 (20-single-node-graph.jsonl): density undefined, no exception."""
    G = category_graph(_categories(cases_dir / "20-single-node-graph.jsonl"))
    assert list(G.nodes) == ["cs.CL"]
    stats = graph_stats(G)
    assert math.isnan(stats["density"]) and stats["density_status"].startswith("undefined")
    assert math.isnan(stats["modularity"])


def test_case_20_self_loops_removed():
    """20-edgeless-graph point 4: a category listed twice is one node, no self-loop."""
    G = category_graph([["cs.LG", "cs.LG"], ["cs.LG", "stat.ML"]])
    assert nx.number_of_selfloops(G) == 0
    assert G.nodes["cs.LG"]["weight"] == 2 and G.edges["cs.LG", "stat.ML"]["weight"] == 1
    H = nx.Graph([(1, 1), (1, 2)])
    assert graph_stats(H)["n_edges"] == 1


def test_single_cluster_graph_from_case_15():
    """15-all-noise-clusters point 4: a one-node cluster graph is handled like case 20."""
    G = cluster_graph(np.ones((1, 3)), [8])
    stats = graph_stats(G)
    assert stats["n_nodes"] == 1 and math.isnan(stats["density"]) and math.isnan(stats["modularity"])


def test_cluster_graph_modularity_against_networkx():
    centers = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1]], dtype=float)
    G = cluster_graph(centers, [5, 4, 3, 2], n_neighbours=1)
    assert set(map(frozenset, G.edges)) == {frozenset({0, 1}), frozenset({2, 3})}
    stats = graph_stats(G)
    assert sorted(map(sorted, stats["communities"])) == [[0, 1], [2, 3]]
    # two equal disconnected edges: modularity = 2 * (1/2 - (1/2)^2) = 0.5
    assert stats["modularity"] == pytest.approx(0.5, abs=1e-12)
    assert stats["density"] == pytest.approx(2 / 6)
