"""The ``homog`` command line: thin Typer commands that parse, call the Python API, and print."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

from enum import Enum

import typer
from rich.console import Console
from rich.table import Table

from homog.cli_common import (DEFAULT_STORE, ColumnOption, DebugOption, DedupOption, StoreOption, _errors,
                               _load_hook, _progress, _progress_hook, column_map, print_load_report)
from homog.cli_bench import bench_app
from homog.cli_corpus import corpus_app, harvest

class Precision(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


class LongText(str, Enum):
    truncate = "truncate"
    chunk = "chunk"


class ClusterMethod(str, Enum):
    kmeans = "kmeans"
    hdbscan = "hdbscan"


app = typer.Typer(help="Measure homogenization in AI research: papers → method clusters → diversity → benchmark → report.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
@app.command()
def run(
    inputs: Annotated[Optional[list[Path]], typer.Argument(
        metavar="INPUTS", help="Paper files (any supported format) or corpus specifications (corpora/*.toml). "
                               "None: harvest a small arXiv query live.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report and tables.")] = Path("reports/latest"),
    store: StoreOption = DEFAULT_STORE,
    query: Annotated[str, typer.Option(help="arXiv query harvested when no INPUTS are given.")] =
        'cat:cs.LG AND abs:"benchmark"',
    max_results: Annotated[int, typer.Option(help="Papers to harvest for the default query.")] = 300,
    model: Annotated[str, typer.Option(help="Sentence-transformers model name or folder.")] =
        "sentence-transformers/all-MiniLM-L6-v2",
    device: Annotated[str, typer.Option(help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, help="Texts per embedding batch.")] = 64,
    precision: Annotated[Precision, typer.Option(help="auto: fp16 on a GPU, bf16 on a CPU with native bf16, "
                                                      "else fp32.")] = Precision.auto,
    long_text: Annotated[LongText, typer.Option(help="Abstracts over the model's token limit: truncate, or embed "
                                                     "windows and average (chunk).")] = LongText.truncate,
    method: Annotated[ClusterMethod, typer.Option(help="Clustering method.")] = ClusterMethod.kmeans,
    k: Annotated[Optional[int], typer.Option("--k", min=1, help="Number of method clusters (default: chosen by "
                                                               "silhouette).")] = None,
    k_max: Annotated[int, typer.Option(min=2, help="Largest k tried when k is chosen automatically.")] = 20,
    min_cluster_size: Annotated[int, typer.Option(min=2, help="HDBSCAN minimum cluster size.")] = 10,
    seed: Annotated[int, typer.Option(help="One seed for every stochastic step.")] = 0,
    min_papers: Annotated[int, typer.Option(min=1, help="Years or groups with fewer clustered papers are marked "
                                                       "'insufficient data'.")] = 2,
    n_boot: Annotated[int, typer.Option(min=10, help="Bootstrap resamples for every 95% interval.")] = 200,
    periods: Annotated[Optional[str], typer.Option(help="Two periods for the permutation test, e.g. "
                                                       "2013-2015:2016-2018 (default: first vs second half).")] = None,
    suite: Annotated[Optional[Path], typer.Option(help="Benchmark suite file (default benchmarks/quick.toml).")] = None,
    bench_data: Annotated[Optional[Path], typer.Option(envvar="HOMOG_BENCH_DATA",
                                                       help="Folder of benchmark datasets (e.g. ../shared/data/"
                                                            "benchmarks).")] = None,
    bench: Annotated[bool, typer.Option("--bench/--no-bench", help="Run the benchmark suite.")] = True,
    column: ColumnOption = None,
    debug: DebugOption = False,
) -> None:
    """Run the main job: ingest → embed → cluster → measure → benchmark → report."""
    from homog.pipeline import Pipeline, RunSettings
    from homog.report.build import write_report
    from homog.store import Store

    settings = RunSettings(model=model, device=device, batch_size=batch_size, precision=precision.value,
                           long_text=long_text.value, method=method.value, k=k, k_max=k_max, min_cluster_size=min_cluster_size,
                           seed=seed, min_papers=min_papers, n_boot=n_boot, periods=_parse_periods(periods),
                           bench=bench, suite=str(suite) if suite else None,
                           bench_data=str(bench_data) if bench_data else None, column_map=column_map(column))
    with _errors(debug), Store(store) as db, _progress() as progress:
        pipeline = Pipeline(settings, store=db, on_progress=_progress_hook(progress),
                            on_step=lambda name: progress.console.print(f"[bold]step:[/] {name}"))
        result = pipeline.run(inputs) if inputs else pipeline.run_query(query, max_results=max_results)
        written = write_report(result, out)
    _print_summary(result, written)


def _parse_periods(text: str | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``"2013-2015:2016-2018"`` → ((2013, 2015), (2016, 2018))."""
    if not text:
        return None
    try:
        first, second = (tuple(int(y) for y in part.split("-")) for part in text.split(":"))
        if len(first) != 2 or len(second) != 2:
            raise ValueError
    except ValueError:
        raise typer.BadParameter(f"expected two year ranges like 2013-2015:2016-2018; got {text!r}",
                                 param_hint="--periods") from None
    return first, second  # type: ignore[return-value]


def _print_summary(result, written: dict[str, Path]) -> None:
    out = Console(soft_wrap=True)
    by_year = result.diversity_by_year
    table = Table(title="Diversity by year", show_lines=False)
    for column in ("year", "n_papers", "shannon", "hill1", "gini_simpson", "rao_stirling", "vendi", "status"):
        table.add_column(column, justify="right")
    for row in by_year.itertuples():
        values = [getattr(row, c) for c in ("year", "n_papers", "shannon", "hill1", "gini_simpson", "rao_stirling",
                                            "vendi")]
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in values], str(row.status))
    out.print(table)
    if result.bench is not None and not result.bench.models_.empty:
        bench = Table(title="Benchmark")
        for column in ("task", "model", "family", "accuracy", "macro_f1"):
            bench.add_column(column)
        for row in result.bench.models_.itertuples():
            bench.add_row(row.task, row.model, row.family, f"{row.accuracy:.3f}", f"{row.macro_f1:.3f}")
        out.print(bench)
    if result.small_corpus:
        out.print("[bold yellow]small corpus — results unreliable[/]: the clustering settings were adapted "
                  "(see the report's notes)")
    cache = result.manifest["embedding_cache"]
    out.print(f"{len(result.papers):,} papers, {len(result.clusters)} method clusters; embeddings: "
              f"{cache['embedded']} new, {cache['reused']} reused; report: {written['report.html']}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(metavar="FILES", help="Paper files to load into the store.")],
    store: StoreOption = DEFAULT_STORE,
    column: ColumnOption = None,
    dedup_report: DedupOption = None,
    debug: DebugOption = False,
) -> None:
    """Load paper files into the store and say what was loaded, merged and skipped, and why."""
    from homog.corpus.ingest import ingest_files
    from homog.store import Store

    mapping = column_map(column)
    with _errors(debug), Store(store) as db, _progress() as progress:
        report = ingest_files(files, db, column_map=mapping or None, on_batch=_load_hook(progress))
    print_load_report(report, Console(soft_wrap=True), dedup_report)


app.command()(harvest)
app.add_typer(corpus_app, name="corpus", help="The corpus as data: stats and export.")
app.add_typer(bench_app, name="bench", help="Benchmark suites: do method families give duplicative results?")


def main() -> None:  # pragma: no cover - console entry point
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()
