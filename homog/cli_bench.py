"""``homog bench``: run a benchmark suite on its own and write the benchmark section as a small report."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from homog.cli_common import DEFAULT_STORE, DebugOption, StoreOption, _errors, _progress, _progress_hook, console

bench_app = typer.Typer(help="Benchmark representative models of method families on shared tasks.",
                        no_args_is_help=True)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>homog benchmark: {name}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:.85em}}td,th{{padding:.2em .5em;border-bottom:1px solid #ddd}}
.muted{{color:#666}}img{{max-width:100%}}</style></head>
<body><h1>Benchmark: {name}</h1><p class="muted">{description}</p>
<h2>Do the methods fail together?</h2>
{body}
</body></html>
"""


@bench_app.command("run")
def run(
    suite: Annotated[Path, typer.Argument(
        metavar="SUITE", help="Suite file (TOML), e.g. benchmarks/default.toml.")],
    store: StoreOption = DEFAULT_STORE,
    bench_data: Annotated[Optional[Path], typer.Option(envvar="HOMOG_BENCH_DATA",
                                                       help="Folder of benchmark datasets (e.g. ../shared/data/"
                                                            "benchmarks).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder for the tables, figures and report.")] = Path("bench_out"),
    model: Annotated[Optional[str], typer.Option(help="Encoder for probes and the literature link "
                                                      "(default all-MiniLM-L6-v2).")] = None,
    debug: DebugOption = False,
) -> None:
    """Run every (task, model, seed) of SUITE (finished runs are loaded, not repeated) and write the
    benchmark tables, predictions, figures and report.html / report.md into --out."""
    import html

    from homog.bench.runner import BenchmarkRunner
    from homog.bench.suite import load_suite
    from homog.report.sections import benchmark as section
    from homog.store import Store

    with _errors(debug), Store(store) as db:
        spec = load_suite(suite)
        with _progress() as progress:
            runner = BenchmarkRunner(spec, db, data_root=bench_data, embedder_kwargs={"model": model} if model else None,
                                     on_progress=_progress_hook(progress))
            result = runner.run()
        body, markdown, files = section.render(result, out)
        (out / "report.html").write_text(PAGE.format(name=html.escape(spec.name), description=html.escape(
            spec.description), body=body), encoding="utf-8")
        (out / "report.md").write_text(f"# Benchmark: {spec.name}\n\n{spec.description}\n\n"
                                       f"## Do the methods fail together?\n\n{markdown}\n", encoding="utf-8")
    table = Table(title=f"Benchmark {spec.name}")
    for column in ("task", "model", "family", "accuracy", "95% interval", "macro-F1"):
        table.add_column(column)
    for row in result.models_.itertuples():
        table.add_row(row.task, row.model, row.family, f"{row.accuracy:.3f}",
                      f"[{row.accuracy_lo:.3f}, {row.accuracy_hi:.3f}]", f"{row.macro_f1:.3f}")
    console.print(table)
    console.print(section.answer_sentence(result), highlight=False, soft_wrap=True)
    console.print(f"wrote {len(files) + 2} files to {out}", highlight=False, markup=False)
