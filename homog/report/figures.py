"""Every figure of the report, drawn once here so the HTML and the paper figures show the same thing."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

DIVERSITY_PANELS = (
    ("hill1", "Hill number (q=1) = exp(Shannon)"),
    ("gini_simpson", "Gini–Simpson"),
    ("rao_stirling", "Rao–Stirling"),
    ("vendi", "Vendi score"),
)


def _new(width: float = 7.0, height: float = 3.2) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def papers_per_year(by_year: pd.DataFrame) -> Figure:
    """Bar chart of papers per year, with the clustered (abstract-bearing) share overlaid."""
    fig, ax = _new()
    years = by_year["year"].astype(int).astype(str)
    ax.bar(years, by_year["n_papers"], color="#c6dbef", label="all papers")
    ax.bar(years, by_year["n_clustered"], color="#2171b5", label="clustered (usable abstract)")
    ax.set_ylabel("papers")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Papers per year")
    fig.tight_layout()
    return fig


def cluster_shares(shares: pd.DataFrame, labels: dict[int, str]) -> Figure:
    """Stacked area of each method cluster's share of the year's clustered papers."""
    fig, ax = _new(7.5, 3.8)
    if shares.empty:
        ax.text(0.5, 0.5, "no method clusters", ha="center", va="center", transform=ax.transAxes)
        return fig
    years = shares.index.astype(int)
    cmap = plt.get_cmap("tab20")
    ax.stackplot(years, shares.T.values, labels=[f"{c}: {labels.get(c, '')}"[:40] for c in shares.columns],
                 colors=[cmap(i % 20) for i in range(shares.shape[1])], alpha=0.9)
    ax.set_ylim(0, 1)
    ax.set_xticks(years)
    ax.set_ylabel("share of clustered papers")
    ax.set_title("Method-cluster shares over time")
    ax.legend(fontsize=6, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def diversity_over_time(by_year: pd.DataFrame) -> Figure:
    """One small panel per diversity metric over the years (years without data are gaps)."""
    fig, axes = plt.subplots(1, len(DIVERSITY_PANELS), figsize=(11, 2.8), dpi=110)
    ok = by_year[by_year["status"] == "ok"]
    for ax, (column, title) in zip(axes, DIVERSITY_PANELS):
        ax.spines[["top", "right"]].set_visible(False)
        if {f"{column}_lo", f"{column}_hi"} <= set(ok.columns):
            ax.fill_between(ok["year"], ok[f"{column}_lo"], ok[f"{column}_hi"], alpha=0.25, color="#2171b5")
        ax.plot(ok["year"], ok[column], marker="o", color="#08519c")
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


def criterion_curve(criterion: pd.DataFrame, chosen_k: int | None) -> Figure:
    """The k-selection criterion (silhouette) against k, with the chosen k marked."""
    fig, ax = _new(5, 2.8)
    if criterion is not None and not criterion.empty:
        ax.plot(criterion["k"], criterion["silhouette"], marker="o")
        if chosen_k is not None:
            ax.axvline(chosen_k, color="#cb181d", ls="--", label=f"chosen k = {chosen_k}")
            ax.legend(frameon=False, fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("k")
    ax.set_ylabel("silhouette (cosine)")
    ax.set_title("Choice of k")
    fig.tight_layout()
    return fig


def agreement_heatmap(pairs: pd.DataFrame, value: str, title: str, order: list[str] | None = None) -> Figure:
    """Symmetric heat map of a pairwise model statistic (diagonal = 1)."""
    names = order or sorted(set(pairs["model_a"]) | set(pairs["model_b"]))
    matrix = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for row in pairs.itertuples():
        matrix.loc[row.model_a, row.model_b] = matrix.loc[row.model_b, row.model_a] = getattr(row, value)
    fig, ax = plt.subplots(figsize=(1.3 * len(names) + 2, 1.1 * len(names) + 1.2), dpi=110)
    image = ax.imshow(matrix.values.astype(float), vmin=-1 if value != "agreement" else 0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            v = matrix.values[i, j]
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if (not np.isnan(v) and v < 0.6) else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes and release it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


# -- diversity analysis (issue 4) ----------------------------------------------------------------

def metric_panel_with_intervals(by_year: pd.DataFrame, metrics: list[tuple[str, str]]) -> Figure:
    """Small multiples: every metric per year with its 95% interval band and the equal-size estimate."""
    cols = 4
    rows = int(np.ceil(len(metrics) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.5 * rows), dpi=100, squeeze=False)
    ok = by_year[by_year["status"] == "ok"]
    for ax, (key, title) in zip(axes.flat, metrics):
        ax.spines[["top", "right"]].set_visible(False)
        if f"{key}_lo" in ok:
            ax.fill_between(ok["year"], ok[f"{key}_lo"], ok[f"{key}_hi"], alpha=0.25, color="#2171b5")
        ax.plot(ok["year"], ok[key], marker="o", color="#08519c", label="all papers")
        if f"{key}_eq" in ok:
            ax.plot(ok["year"], ok[f"{key}_eq"], ls="--", color="#e6550d", label="equal size")
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, frameon=False)
    fig.tight_layout()
    return fig


def hill_profile_plot(profile: pd.DataFrame) -> Figure:
    """Hill number against order q (q = ∞ drawn at the right edge), one line per year."""
    fig, ax = _new(6, 3.2)
    finite = profile[np.isfinite(profile["q"])]
    right = float(finite["q"].max()) * 1.25 if not finite.empty else 1.0
    for year, part in profile.groupby("year", sort=True):
        q = part["q"].replace(np.inf, right)
        ax.plot(q, part["hill"], marker=".", label=str(year))
    ax.set_xlabel("order q (rightmost point: q = ∞)")
    ax.set_ylabel("Hill number ᵠD")
    ax.set_title("Diversity profile")
    ax.legend(fontsize=7, frameon=False, ncol=2)
    fig.tight_layout()
    return fig


def sensitivity_heatmap(sensitivity: pd.DataFrame) -> Figure:
    """Grid choice × metric, coloured by verdict (narrowing / no evidence / broadening), main verdict marked."""
    code = {"narrowing": -1.0, "no evidence of change": 0.0, "broadening": 1.0}
    table = sensitivity.pivot(index="choice", columns="metric", values="verdict")
    metrics = list(dict.fromkeys(sensitivity["metric"]))
    table = table[metrics]
    values = table.apply(lambda col: col.map(code)).to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(metrics), 1.2 + 0.32 * len(table)), dpi=100)
    ax.imshow(values, cmap="coolwarm_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(metrics)), metrics, rotation=40, ha="right", fontsize=7)
    ax.set_yticks(range(len(table)), table.index, fontsize=7)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(j, i, "–" if np.isnan(v) else {-1.0: "↓", 0.0: "·", 1.0: "↑"}[v], ha="center", va="center",
                    fontsize=8)
    ax.set_title("Sensitivity: ↓ narrowing · no evidence ↑ broadening – not tested (no clusters or too few years)",
                 fontsize=8)
    fig.tight_layout()
    return fig


def cluster_graph_plot(graph, seed: int = 0) -> Figure:
    """The method-cluster graph: node size = papers, colour = community, edge width = similarity."""
    import networkx as nx

    fig, ax = _new(6.5, 5)
    ax.axis("off")
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no method clusters", ha="center", transform=ax.transAxes)
        return fig
    pos = nx.spring_layout(graph, seed=seed, weight="weight")
    sizes = np.array([graph.nodes[v].get("size", 1) for v in graph.nodes], dtype=float)
    colours = [graph.nodes[v].get("community", 0) for v in graph.nodes]
    widths = [2.5 * d.get("weight", 0.5) for _, _, d in graph.edges(data=True)]
    nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, alpha=0.4)
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=60 + 600 * sizes / max(sizes.max(), 1), node_color=colours,
                           cmap="tab10", alpha=0.85)
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7,
                            labels={v: str(graph.nodes[v].get("label", v))[:28] for v in graph.nodes})
    status = graph.graph.get("modularity_status", "ok")
    subtitle = f"modularity {graph.graph['modularity']:.3f}" if status == "ok" else f"modularity {status}"
    ax.set_title(f"Method clusters (edges: centroid similarity); {subtitle}", fontsize=9)
    fig.tight_layout()
    return fig


# -- benchmark: outcome homogenization (issue 5) -------------------------------------------------

def systemic_failure_plot(failures: pd.DataFrame, title: str) -> Figure:
    """Share of test examples that exactly k models get wrong: observed bars against the
    Poisson-binomial expectation if models erred independently."""
    fig, ax = _new(6.0, 3.0)
    k = failures["n_wrong"].to_numpy()
    ax.bar(k - 0.2, failures["observed"], width=0.4, color="#2171b5", label="observed")
    ax.bar(k + 0.2, failures["expected_independent"], width=0.4, color="#bdbdbd", label="independent errors")
    ax.set_xticks(k)
    ax.set_xlabel("models wrong on the example (rightmost: all = systemic failure)")
    ax.set_ylabel("share of test examples")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def literature_link_plot(pairs: pd.DataFrame, title: str, mantel_r: float, p_value: float) -> Figure:
    """Each model pair: literature distance (description embeddings) against error consistency, with the Mantel result."""
    fig, ax = _new(5.5, 3.6)
    x, y = pairs["literature_distance"].to_numpy(float), pairs["error_consistency"].to_numpy(float)
    ax.scatter(x, y, color="#2171b5", s=28)
    for row in pairs.itertuples():
        ax.annotate(f"{row.model_a} / {row.model_b}", (row.literature_distance, row.error_consistency), fontsize=5,
                    alpha=0.7, xytext=(2, 2), textcoords="offset points")
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() >= 2 and np.ptp(x[keep]) > 0:
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        grid = np.linspace(x[keep].min(), x[keep].max(), 20)
        ax.plot(grid, slope * grid + intercept, color="#cb181d", lw=1)
    ax.set_xlabel("literature distance (1 − cosine of method descriptions)")
    ax.set_ylabel("error consistency (κ)")
    ax.set_title(f"{title}: Mantel r = {mantel_r:.2f}, p = {p_value:.3f}", fontsize=10)
    fig.tight_layout()
    return fig
