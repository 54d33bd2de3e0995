"""Write a run's report: report.html (self-contained, with figures), report.md, CSV tables, manifest.json."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from homog.report import figures
from homog.report.definitions import METRIC_DEFINITIONS
from markupsafe import Markup

from homog.report.formatting import b64 as _b64, html_table as _html_table, md_table as _md_table

if TYPE_CHECKING:
    from homog.pipeline import RunResult

DIVERSITY_COLUMNS = ["year", "n_papers", "shannon", "hill1", "gini_simpson", "rao_stirling", "vendi"]
SHOWN_COLUMNS = [*DIVERSITY_COLUMNS, "n_clustered", "n_noise", "status"]  # the CSV has every column


def _diversity_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The by-year table with the required leading columns, then the rest (intervals, counts, status)."""
    rest = [c for c in frame.columns if c not in DIVERSITY_COLUMNS]
    return frame[[c for c in DIVERSITY_COLUMNS if c in frame.columns] + rest]


def _shown(by_year: pd.DataFrame) -> pd.DataFrame:
    return by_year[[c for c in SHOWN_COLUMNS if c in by_year.columns]]


def _cluster_text(result: "RunResult") -> str:
    clustered = int((result.papers["cluster"].fillna(-1) >= 0).sum())
    embedded = int(result.papers["abstract_missing"].isna().sum())
    n_clusters = len(result.clusters)
    noise = embedded - clustered
    if n_clusters == 0:
        return (f"0 method clusters found; {noise} of {embedded} abstracts are unclustered (noise). Try a lower "
                "--min-cluster-size, or k-means (--method kmeans).")
    criterion = result.criterion
    if result.settings.method == "kmeans" and result.settings.k is None and criterion is not None and len(criterion):
        how = (f"k-means, k = {result.chosen_k} chosen by the highest silhouette (cosine) over k = "
               f"{int(criterion['k'].min())}…{int(criterion['k'].max())}")
    else:
        how = f"{result.settings.method}, k = {result.chosen_k}"
    text = f"{n_clusters} method clusters over {embedded} embedded abstracts ({how})."
    if noise:
        text += f" {noise} abstracts are noise (HDBSCAN −1): reported, never counted as a method."
    return text + " Labels are each cluster's most distinctive terms by class-based TF-IDF."


def _coverage(result: "RunResult") -> str:
    coverage = result.ingest.get("abstract_coverage") or {}
    return "; ".join(f"{src}: {c['with_abstract']}/{c['papers']} with abstracts" for src, c in coverage.items()) or "–"


def write_report(result: "RunResult", out: str | Path) -> dict[str, Path]:
    """Write every output of a run into ``out``; returns the paths by name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = dict(result.manifest, generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    written: dict[str, Path] = {}

    def save_csv(name: str, frame: pd.DataFrame | None) -> None:
        if frame is not None:
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            written[name] = path

    by_year = _diversity_csv(result.diversity_by_year)
    save_csv("diversity_by_year", by_year)
    for column, frame in result.diversity_by_group.items():
        save_csv(f"diversity_by_{column}", frame)
    save_csv("clusters", result.clusters)
    save_csv("dedup", result.dedup)
    save_csv("papers", result.papers)
    shares = result.cluster_shares.copy()
    if not shares.empty:
        shares.index.name = "year"
        save_csv("cluster_shares", shares.reset_index())

    labels = dict(zip(result.clusters["cluster"], result.clusters["label"]))
    figs = {
        "papers_per_year": figures.papers_per_year(by_year),
        "cluster_shares": figures.cluster_shares(result.cluster_shares, labels),
        "diversity": figures.diversity_over_time(by_year),
    }
    if result.criterion is not None and not result.criterion.empty:
        figs["criterion"] = figures.criterion_curve(result.criterion, result.chosen_k)
    pngs = {name: figures.to_png(fig) for name, fig in figs.items()}
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    for name, png in pngs.items():
        (fig_dir / f"{name}.png").write_bytes(png)

    bench_html, bench_md = "", ""
    if result.bench is not None:
        from homog.report.sections import benchmark as benchmark_section

        bench_html, bench_md, files_written = benchmark_section.render(result.bench, out)
        written.update(files_written)
    diversity_html, diversity_md = "", ""
    if result.analysis is not None:
        from homog.report.sections import diversity as diversity_section

        diversity_html, diversity_md, files_written = diversity_section.render(result.analysis, out)
        written.update(files_written)

    banners = []
    if result.small_corpus:
        banners.append("Small corpus — results unreliable: the clustering settings were adapted (see Notes).")
    if result.clusters.empty:
        banners.append(_cluster_text(result))
    files = pd.DataFrame(result.ingest.get("files", []))
    if "sha256" in files:  # the full hashes are in manifest.json
        files["sha256"] = files["sha256"].str[:12]
    dedup_counts = _dedup_counts(result.dedup)
    harvest = pd.DataFrame(result.ingest.get("harvest", []))
    summary = [("papers", f"{len(result.papers):,}"),
               ("embedded abstracts", f"{int(result.papers['abstract_missing'].isna().sum()):,}"),
               ("method clusters", str(len(result.clusters))),
               ("years", _year_span(result.papers))]
    versions = pd.DataFrame(sorted(manifest["library_versions"].items()), columns=["library", "version"])
    timings = pd.DataFrame(sorted(manifest["seconds_per_step"].items()), columns=["step", "seconds"])
    group_tables = [(name, _html_table(_shown(frame.rename(columns={name: "year"})).rename(columns={"year": name})))
                    for name, frame in result.diversity_by_group.items()]
    context: dict[str, Any] = {
        "title": "Field diversity report", "manifest": manifest, "banners": banners, "summary": summary,
        "ingest": result.ingest, "coverage": _coverage(result),
        "problems": result.ingest.get("problems", [])[:200], "settings": result.settings,
        "cluster_text": _cluster_text(result),
        "definitions": METRIC_DEFINITIONS if result.analysis is None else [],  # the analysis section defines all
        "figures": {k: _b64(v) for k, v in pngs.items()}, "group_tables": group_tables,
        "bench": result.bench is not None, "notes": result.notes,
        "sections": {"diversity": Markup(diversity_html), "benchmark": Markup(bench_html)},
        "tables": {
            "files": _html_table(files), "dedup": _html_table(dedup_counts), "harvest": _html_table(harvest),
            "clusters": _html_table(result.clusters, 3),
            "diversity_by_year": _html_table(_shown(by_year)), "versions": _html_table(versions),
            "timings": _html_table(timings, 2),
        },
    }
    env = Environment(loader=PackageLoader("homog", "report/templates"), autoescape=select_autoescape(["j2"]))
    html = env.get_template("report.html.j2").render(**context)
    (out / "report.html").write_text(html, encoding="utf-8")
    written["report.html"] = out / "report.html"
    (out / "report.md").write_text(_markdown(result, context, by_year, files, diversity_md, bench_md),
                                   encoding="utf-8")
    written["report.md"] = out / "report.md"
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=_json_default), encoding="utf-8")
    written["manifest.json"] = out / "manifest.json"
    return written


def _dedup_counts(dedup: pd.DataFrame | None) -> pd.DataFrame | None:
    """Merges and exclusions counted by kind of reason (the text before the first ':')."""
    if dedup is None or dedup.empty:
        return None
    kinds = dedup["reason"].astype(str).str.split(":", n=1).str[0].str.strip()
    return kinds.value_counts().rename_axis("reason").reset_index(name="count")


def _year_span(papers: pd.DataFrame) -> str:
    years = papers["year"].dropna()
    return "–" if years.empty else f"{int(years.min())}–{int(years.max())}"


def _markdown(result: "RunResult", context: dict[str, Any], by_year: pd.DataFrame, files: pd.DataFrame,
              diversity_md: str, bench_md: str) -> str:
    m = context["manifest"]
    lines = [
        f"# {context['title']}", "",
        f"Generated {m['generated_at']} by homog {m['homog_version']}; seed {m['seed']}; model `{m['model']['name']}` "
        f"(revision {m['model']['revision']}) on {m['device']} ({m['precision']}); corpus hash `{m['corpus_hash']}`.", "",
        *[f"> **{b}**\n" for b in context["banners"]],
        "## Data provenance", "", result.ingest.get("summary", ""), "", _md_table(files), "",
        "Merges and exclusions (every one is listed in `dedup.csv`):", "", _md_table(_dedup_counts(result.dedup)), "",
        *([_md_table(pd.DataFrame(result.ingest["harvest"])), ""] if result.ingest.get("harvest") else []),
        f"Abstract coverage: {context['coverage']}", "",
        "Dates are first-version dates; titles and abstracts are the latest version's text seen.", "",
        "![papers per year](figures/papers_per_year.png)", "",
        "## Method clusters", "", context["cluster_text"], "", _md_table(result.clusters, 3), "",
        "![cluster shares](figures/cluster_shares.png)", "",
        "## Diversity over time", "", _md_table(_shown(by_year)), "", "![diversity](figures/diversity.png)", "",
        diversity_md, "",
    ]
    for name, frame in result.diversity_by_group.items():
        lines += [f"### By {name}", "", _md_table(_shown(frame.rename(columns={name: "year"})).rename(
            columns={"year": name})), ""]
    if context["definitions"]:
        lines += ["### Definitions", ""] + [f"- **{n}** (`{k}`): {t}" for k, n, t in context["definitions"]] + [""]
    lines += ["## Benchmark", ""]
    if context["bench"]:
        lines += [bench_md, ""]
    else:
        lines += ["No benchmark was run.", ""]
    lines += ["", "## Notes", ""] + [f"- {n}" for n in context["notes"]]
    lines += ["", "## Reproducibility", "", "Every parameter, input hash, library version and step time is in "
              "`manifest.json`.", ""]
    return "\n".join(lines)


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
