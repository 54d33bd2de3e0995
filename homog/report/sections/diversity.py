"""Report section "Is the change real?": intervals, trends, stability, sensitivity, graph, dynamics, method view."""
from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from homog.diversity.graph import write_graphml
from homog.diversity.panel import DEFINITIONS, PANEL
from homog.diversity.trends import TREND_COLUMNS, verdict_sentence
from homog.report import figures
from homog.report.definitions import METRIC_DEFINITIONS
from homog.report.formatting import b64, html_table, md_table

if TYPE_CHECKING:
    from homog.diversity.analysis import DiversityAnalysis

METHOD_TEXT = [
    ("Intervals", "95% bias-corrected percentile bootstrap (bounds clipped to each metric's possible range) over "
     "the papers of each year (or group) with the "
     "clustering held fixed; equal-size columns (_eq) average repeated samples without replacement of the "
     "smallest eligible year's number of papers from every year."),
    ("Trend", "Theil–Sen slope per year with its 95% interval (scipy.stats.theilslopes) and a two-sided "
     "Mann–Kendall test (Kendall's τ of value against year). A change is claimed only when p < 0.05 AND the "
     "slope interval excludes 0; falling diversity (rising HHI or Gini) is 'narrowing'."),
    ("Period test", "Permutation test: metric(later period) − metric(earlier period), papers of both periods "
     "re-split at random into groups of the same sizes; p = (1 + #|Δ* − mean Δ*| ≥ |Δ − mean Δ*|) / "
     "(1 + permutations), centred because size-dependent metrics differ between periods of unequal size even "
     "under the null."),
    ("Stability", "Mean pairwise adjusted Rand index of k-means partitions over several seeds at the chosen k."),
    ("Sensitivity", "Every verdict recomputed over a grid of clusterings (k-means at several k, HDBSCAN at two "
     "minimum cluster sizes) and two representations (sentence embeddings; TF-IDF reduced by LSA). Share "
     "agreeing = fraction of the grid with the same verdict as the main analysis."),
    ("Dynamics", "Emerging / fading clusters by Kleinberg's two-state burst detection for batched counts "
     "(burst rate 1.5× the base rate, transition cost ln(years)): 'emerging' = in a burst in the last year."),
    ("Graph", "Nodes are method clusters (size = papers); each cluster links to its 2 most similar clusters by "
     "centroid cosine similarity. Communities by Louvain (networkx, seeded), modularity; 'undefined (graph has "
     "no edges)' when there are no edges. Centrality: weighted degree and betweenness."),
    ("Method view", "Sentences of each abstract with method cues (\"we propose/use…\", \"based on / using / "
     "via\", named techniques and architectures) are clustered separately (TF-IDF + LSA, k-means at the same "
     "k); NMI and adjusted Rand index compare the method view with the topic view."),
]


def interval_table(by_year: pd.DataFrame) -> pd.DataFrame:
    """Compact per-year table: 'value [lo, hi]' per metric, plus papers and status."""
    rows = []
    for _, r in by_year.iterrows():
        row = {"year": r["year"], "papers": r["n_papers"], "status": r["status"]}
        for m in PANEL:
            row[m.key] = "–" if pd.isna(r[m.key]) else f"{r[m.key]:.3g} [{r[f'{m.key}_lo']:.3g}, {r[f'{m.key}_hi']:.3g}]"
        rows.append(row)
    return pd.DataFrame(rows)


def render(analysis: "DiversityAnalysis", out_dir: str | Path) -> tuple[str, str, dict[str, Path]]:
    """Write trends.csv, sensitivity.csv, clusters.graphml, tables and figures; return (html, markdown, files)."""
    out = Path(out_dir)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def save(name: str, frame: pd.DataFrame) -> None:
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        files[name] = path

    save("trends", analysis.trends[TREND_COLUMNS])
    save("sensitivity", analysis.sensitivity)
    save("cluster_dynamics", analysis.dynamics)
    save("hill_profile", analysis.hill_profile)
    if analysis.method_view.get("status") == "ok":
        save("method_view", analysis.method_view["table"])
    files["clusters.graphml"] = write_graphml(analysis.graph, out / "clusters.graphml")

    figs = {"diversity_intervals": figures.metric_panel_with_intervals(
        analysis.by_year, [(m.key, m.name) for m in PANEL])}
    if not analysis.hill_profile.empty:
        figs["hill_profile"] = figures.hill_profile_plot(analysis.hill_profile)
    if not analysis.sensitivity.empty:
        figs["sensitivity"] = figures.sensitivity_heatmap(analysis.sensitivity)
    figs["cluster_graph"] = figures.cluster_graph_plot(analysis.graph, seed=analysis.seed)
    pngs = {name: figures.to_png(fig) for name, fig in figs.items()}
    for name, png in pngs.items():
        path = fig_dir / f"{name}.png"
        path.write_bytes(png)
        files[f"figure_{name}"] = path

    verdicts = [verdict_sentence(r) for _, r in analysis.trends.iterrows()]
    agree = (analysis.sensitivity.groupby("metric", sort=False)
             .agg(main_verdict=("main_verdict", "first"), share_agreeing=("share_agreeing", "first"),
                  choices=("choice", "count")).reset_index()
             if not analysis.sensitivity.empty else pd.DataFrame())
    stats = analysis.graph_stats
    graph_line = (f"{stats['n_nodes']} clusters, {stats['n_edges']} edges; density "
                  f"{_num(stats['density'], stats['density_status'])}; modularity "
                  f"{_num(stats['modularity'], stats['modularity_status'])}; {len(stats['communities'])} "
                  f"{'community' if len(stats['communities']) == 1 else 'communities'}.")
    mv = analysis.method_view
    mv_line = (f"{mv['share_with_cues']:.0%} of abstracts have method sentences (the rest count with their full "
               f"text). Method view vs topic view: NMI {mv['nmi']:.3f}, adjusted Rand {mv['ari']:.3f}."
               if mv.get("status") == "ok" else f"Method view: {mv.get('status')}.")
    periods = (f"{analysis.periods[0][0]}–{analysis.periods[0][1]} vs {analysis.periods[1][0]}–"
               f"{analysis.periods[1][1]}" if analysis.periods else "not tested (fewer than 2 years)")
    small = analysis.by_year[(analysis.by_year["status"] != "ok") | (analysis.by_year.get("flag", "") != "")]
    flagged = [f"{r['year']}: {r['status'] if r['status'] != 'ok' else r['flag']}" for _, r in small.iterrows()]
    # build.py leaves its core definitions to this section when there is an analysis: state them here first
    definitions = [(n, t) for _, n, t in METRIC_DEFINITIONS + DEFINITIONS] + METHOD_TEXT
    sections = [
        ("Diversity with 95% intervals", [interval_table(analysis.by_year)], ["diversity_intervals", "hill_profile"],
         [", ".join(flagged) and f"Flagged years: {'; '.join(flagged)}."] + analysis.notes[:1]),
        ("Trends: is the change real?", [analysis.trends[TREND_COLUMNS]], [],
         [f"Periods compared: {periods}."] + verdicts),
        ("Clusters that hold up", [agree], ["sensitivity"], [analysis.stability["note"]]),
        ("Method-cluster graph and dynamics", [analysis.dynamics], ["cluster_graph"], [graph_line]),
        ("Methods, not just topics", [mv.get("table", pd.DataFrame())], [], [mv_line]),
    ]
    html_parts, md_parts = ["<section id='diversity-analysis'>"], []
    for title, tables, fig_names, lines in sections:
        html_parts.append(f"<h3>{html.escape(title)}</h3>")
        md_parts += [f"### {title}", ""]
        for line in filter(None, lines):
            html_parts.append(f"<p>{html.escape(line)}</p>")
            md_parts += [f"- {line}"]
        md_parts.append("")
        for table in tables:
            html_parts.append(html_table(table, style="g"))
            md_parts += [md_table(table, style="g"), ""]
        for name in fig_names:
            if name in pngs:
                html_parts.append(f"<img alt='{name}' src='data:image/png;base64,{b64(pngs[name])}'>")
                md_parts += [f"![{name}](figures/{name}.png)", ""]
    html_parts.append("<h3>Definitions and methods</h3><ul>")
    md_parts += ["### Definitions and methods", ""]
    for name, text in definitions:
        html_parts.append(f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>")
        md_parts.append(f"- **{name}**: {text}")
    html_parts.append("</ul><p>Machine-readable: trends.csv, sensitivity.csv, clusters.graphml, "
                      "cluster_dynamics.csv, hill_profile.csv.</p></section>")
    md_parts += ["", "Machine-readable: `trends.csv`, `sensitivity.csv`, `clusters.graphml`, "
                 "`cluster_dynamics.csv`, `hill_profile.csv`.", ""]
    return "\n".join(html_parts), "\n".join(md_parts), files


def _num(value: float, status: str) -> str:
    return f"{value:.3f}" if status == "ok" and np.isfinite(value) else status

