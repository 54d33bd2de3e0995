"""The diversity-analysis report section: files, machine-readable columns, HTML/Markdown fragments."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "diversity"))
from synthetic import narrowing_corpus  # noqa: E402

from homog.cluster import MethodClusterer  # noqa: E402
from homog.diversity.analysis import analyse  # noqa: E402
from homog.diversity.panel import PANEL_KEYS  # noqa: E402
from homog.report.sections.diversity import render  # noqa: E402


@pytest.fixture(scope="module")
def analysis():
    X, texts, years, _ = narrowing_corpus()
    est = MethodClusterer(k=6, n_init=3).fit(X, texts)
    return analyse(labels=est.labels_, years=years, embeddings=X, centers=est.centers_, texts=texts,
                   clusterer_params=est.get_params(), seed=0, n_papers_by_year=None, min_papers=2,
                   periods=((2015, 2017), (2018, 2020)), n_boot=40, cluster_labels=est.labels_text_)


def test_render_writes_machine_readable_outputs(analysis, tmp_path):
    html, md, files = render(analysis, tmp_path)
    trends = pd.read_csv(tmp_path / "trends.csv")
    assert list(trends.columns[:6]) == ["metric", "slope", "slope_lo", "slope_hi", "p_value", "verdict"]
    assert set(trends["metric"]) == set(PANEL_KEYS)
    sens = pd.read_csv(tmp_path / "sensitivity.csv")
    assert {"choice", "metric", "verdict", "share_agreeing"} <= set(sens.columns)
    assert not sens.duplicated(["choice", "metric"]).any()
    G = nx.read_graphml(tmp_path / "clusters.graphml")
    assert G.number_of_nodes() == 6 and G.number_of_edges() > 0
    assert "<img alt='diversity_intervals' src='data:image/png;base64," in html
    assert "Leinster–Cobbold" in html and "Theil–Sen" in md
    assert "narrowing" in md
    for name in ("figure_sensitivity", "figure_cluster_graph", "trends", "clusters.graphml"):
        assert files[name].exists()


def test_every_metric_column_has_interval_columns(analysis):
    by_year = analysis.by_year
    for key in PANEL_KEYS:
        assert {f"{key}_lo", f"{key}_hi", f"{key}_eq", f"{key}_eq_lo", f"{key}_eq_hi"} <= set(by_year.columns)
        ok = by_year[by_year["status"] == "ok"]
        assert (ok[f"{key}_lo"] <= ok[f"{key}_hi"] + 1e-12).all()


def test_narrowing_corpus_gives_narrowing_verdicts(analysis):
    verdicts = dict(zip(analysis.trends["metric"], analysis.trends["verdict"]))
    for key in ("shannon", "hill1", "gini_simpson", "hhi", "rao_stirling"):
        assert verdicts[key] == "narrowing", key
    assert analysis.trends.set_index("metric").loc["hhi", "slope"] > 0  # rising concentration = narrowing
    assert 0.5 < analysis.stability["mean_ari"] <= 1.0 and len(analysis.stability["seeds"]) == 5
    assert not math.isnan(analysis.method_view["nmi"])


def test_edgeless_graph_section_renders(tmp_path):
    """20-edgeless-graph point 5: the report renders and says why graph statistics are missing."""
    X, texts, years, _ = narrowing_corpus(n=60)
    est = MethodClusterer(k=2, n_init=3).fit(X, texts)
    a = analyse(labels=est.labels_, years=years, embeddings=X, centers=est.centers_, texts=texts,
                clusterer_params=est.get_params(), seed=0, n_papers_by_year=None, min_papers=2, periods=None,
                n_boot=10, grid=[])
    a.graph.remove_edges_from(list(a.graph.edges))
    from homog.diversity.graph import annotate, graph_stats

    a.graph_stats = graph_stats(a.graph)
    a.graph = annotate(a.graph, a.graph_stats)
    html, md, _ = render(a, tmp_path)
    assert "undefined (graph has no edges)" in md
    G = nx.read_graphml(tmp_path / "clusters.graphml")
    assert math.isnan(float(G.graph["modularity"]))
