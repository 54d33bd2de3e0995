"""Report section "Do the methods fail together?": the benchmark's tables, figures and one-sentence answer."""
from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from homog.report import figures
from homog.report.formatting import b64, html_table, md_table

if TYPE_CHECKING:
    from homog.bench.runner import BenchResult

CSV_COLUMNS = {
    "bench_models": ["task", "model", "family", "seed", "accuracy", "accuracy_lo", "accuracy_hi", "macro_f1"],
    "bench_pairs": ["task", "model_a", "model_b", "agreement", "kappa", "error_consistency", "error_consistency_lo",
                    "error_consistency_hi", "capa"],
    "bench_homogenization": ["task", "systemic_failure", "expected_independent", "ratio", "ratio_lo", "ratio_hi"],
    "bench_link": ["task", "mantel_r", "p_value", "within_ec", "between_ec"],
}
N_EXAMPLES = 8
METHOD_TEXT = (
    "Intervals are 95% percentile bootstrap intervals over test examples (1,000 seeded resamples). "
    "Error consistency (Geirhos et al. 2020) is Cohen's κ over per-example correctness; CAPA (Goel et al. 2025) "
    "is κ over class probabilities; CKA is linear centered kernel alignment of the models' representations "
    "(where a model has one). Systemic failure is the share of test examples every model gets wrong; its "
    "independence expectation is the product of the models' error rates (the last term of the Poisson-binomial "
    "distribution of the number of models wrong), and the homogenization ratio is observed over expected "
    "(Bommasani et al. 2022). Literature distance is the cosine distance between the models' method "
    "descriptions embedded with the corpus encoder; the Mantel test correlates it with error consistency over "
    "model pairs (two-sided permutation p-value)."
)


def _ordered(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    return frame[first + [c for c in frame.columns if c not in first]]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_") or "task"


def _fmt(value: float, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _ci(value: float, lo: float, hi: float) -> str:
    return f"{_fmt(value)} [{_fmt(lo)}, {_fmt(hi)}]"


def answer_sentence(result: "BenchResult") -> str:
    """The link's answer in one sentence, with its numbers."""
    link = result.link_
    if link is None or link.empty or link["mantel_r"].isna().all():
        return ("The link between literature distance and shared errors could not be tested "
                "(the Mantel test needs at least three finished models on a task).")
    parts = [f"{row.task}: Mantel r = {_fmt(row.mantel_r, 2)} (p = {_fmt(row.p_value)})" for row in link.itertuples()]
    significant = link[(link["p_value"] < 0.05) & (link["mantel_r"] < 0)]
    verdict = (f"models closer in the literature made more similar errors on {len(significant)} of {len(link)} "
               f"task(s)" if len(significant) else
               f"models closer in the literature did not make detectably more similar errors on any of {len(link)} "
               f"task(s)")
    extra = ""
    if link["within_ec"].notna().any():
        extra = "; error consistency within vs between method clusters: " + ", ".join(
            f"{row.task} {_fmt(row.within_ec, 2)} [{_fmt(row.within_ec_lo, 2)}, {_fmt(row.within_ec_hi, 2)}] vs "
            f"{_fmt(row.between_ec, 2)} [{_fmt(row.between_ec_lo, 2)}, {_fmt(row.between_ec_hi, 2)}]"
            for row in link.itertuples())
    return f"{'Yes' if len(significant) else 'No'}: {verdict} ({'; '.join(parts)}{extra})."


def accuracy_table(models: pd.DataFrame) -> pd.DataFrame:
    """Models (rows, ordered by family) × tasks: accuracy with its interval, then macro-F1."""
    rows = []
    for (model, family), part in models.groupby(["model", "family"], sort=False):
        row = {"family": family, "model": model}
        for r in part.itertuples():
            row[f"{r.task} accuracy"] = _ci(r.accuracy, r.accuracy_lo, r.accuracy_hi)
            row[f"{r.task} macro-F1"] = _fmt(r.macro_f1)
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["family", "model"], kind="stable") if rows else pd.DataFrame()


def shared_failures(predictions: pd.DataFrame, n: int = N_EXAMPLES) -> pd.DataFrame:
    """Up to ``n`` test examples per task (and seed) that every model gets wrong, with the predictions made."""
    if predictions is None or predictions.empty:
        return pd.DataFrame(columns=["task", "text", "true label", "predictions"])
    rows = []
    for (task, seed), part in predictions.groupby(["task", "seed"], sort=True):
        wrong = part.groupby("idx")["correct"].any()
        for idx in wrong[~wrong].index[:n]:
            ex = part[part["idx"] == idx]
            counts = ex["y_pred"].value_counts()
            rows.append({"task": task, "text": ex["text"].iloc[0], "true label": ex["y_true"].iloc[0],
                         "predictions": ", ".join(f"{label} ×{c}" for label, c in counts.items())})
    return pd.DataFrame(rows, columns=["task", "text", "true label", "predictions"])


def render(result: "BenchResult", out_dir: str | Path) -> tuple[str, str, dict[str, Path]]:
    """Write the benchmark CSVs, predictions (Parquet) and figure PNGs into ``out_dir``; return the section
    as an HTML fragment (figures embedded as base64) and a Markdown fragment, and the written paths by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    frames = {"bench_models": result.models_, "bench_pairs": result.pairs_,
              "bench_homogenization": result.homogenization_, "bench_link": result.link_}
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        _ordered(frame, CSV_COLUMNS[name]).to_csv(path, index=False)
        files[name] = path
    files["bench_predictions"] = out / "bench_predictions.parquet"
    result.predictions_.to_parquet(files["bench_predictions"], index=False)

    pngs: list[tuple[str, str, bytes]] = []  # (task, caption, png)
    order_frame = result.models_.sort_values(["family", "model"], kind="stable")
    for task, pairs in result.pairs_.groupby("task", sort=True):
        order = list(dict.fromkeys(order_frame[order_frame["task"] == task]["model"]))
        pngs.append((task, "error consistency (ordered by method family)", figures.to_png(
            figures.agreement_heatmap(pairs, "error_consistency", f"{task}: error consistency (κ)", order))))
    for task, fails in result.failures_.groupby("task", sort=True):
        pngs.append((task, "systemic failure against independent errors", figures.to_png(
            figures.systemic_failure_plot(fails, f"{task}: how many models get an example wrong"))))
    for row in result.link_.itertuples():
        pairs = result.pairs_[(result.pairs_["task"] == row.task) & (result.pairs_["seed"] == row.seed)]
        pngs.append((row.task, "literature distance against error consistency", figures.to_png(
            figures.literature_link_plot(pairs, str(row.task), row.mantel_r, row.p_value))))
    if pngs:
        (out / "figures").mkdir(exist_ok=True)
    png_paths = [out / "figures" / f"bench_{_slug(task)}_{_slug(caption.split(' ')[0])}_{i}.png"
                 for i, (task, caption, _) in enumerate(pngs)]
    for (_, _, png), path in zip(pngs, png_paths):
        path.write_bytes(png)
        files[path.stem] = path

    answer = answer_sentence(result)
    accuracy = accuracy_table(result.models_)
    homog = result.homogenization_
    failures = shared_failures(result.predictions_)
    pair_cols = ["task", "model_a", "model_b", "agreement", "kappa", "error_consistency", "error_consistency_lo",
                 "error_consistency_hi", "capa", "cka", "literature_distance"]
    pair_table = result.pairs_[[c for c in pair_cols if c in result.pairs_]]
    notes = [f"{r.kind}: {r.task}{'/' + str(r.model) if r.model else ''}: {r.message}" for r in result.notes_.itertuples()]

    def table(frame: pd.DataFrame | None) -> str:
        return html_table(frame, digits=3)

    parts = [f"<p><strong>{html.escape(answer)}</strong></p>", f"<p class='muted'>{html.escape(METHOD_TEXT)}</p>",
             "<h3>Accuracy (95% interval) and macro-F1</h3>", table(accuracy),
             "<h3>Systemic failure against the independence baseline</h3>", table(homog),
             "<h3>Model pairs</h3>", table(pair_table),
             "<h3>Literature link</h3>", table(result.link_), table(result.placement_)]
    for task, caption, png in pngs:
        parts.append(f"<figure><img alt='{html.escape(f'{task}: {caption}')}' src='data:image/png;base64,"
                     f"{b64(png)}'><figcaption>{html.escape(f'{task}: {caption}')}"
                     f"</figcaption></figure>")
    parts += ["<h3>Examples every model gets wrong</h3>", table(failures)]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    md = [f"**{answer}**", "", METHOD_TEXT, "", "### Accuracy (95% interval) and macro-F1", "", _md(accuracy), "",
          "### Systemic failure against the independence baseline", "", _md(homog), "", "### Model pairs", "",
          _md(pair_table), "", "### Literature link", "",
          _md(result.link_), "", _md(result.placement_), ""]
    md += [f"![{task}: {caption}](figures/{p.name})" for (task, caption, _), p in zip(pngs, png_paths)]
    md += ["", "### Examples every model gets wrong", "", _md(failures), ""] + [f"- {n}" for n in notes]
    return "\n".join(parts), "\n".join(md), files


def _md(frame: pd.DataFrame | None) -> str:
    return md_table(frame, digits=3)
