"""``homog harvest SPEC`` and ``homog corpus stats|export``: the corpus as data (registered by homog.cli)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from homog.cli_common import (DEFAULT_STORE, DebugOption, DedupOption, StoreOption, _errors, existing_store,
                               print_load_report)
from homog.corpus.export import FORMATS, corpus_stats, export_corpus

corpus_app = typer.Typer(help="Look at and export the corpus in the store.", no_args_is_help=True)


def harvest(
    specs: Annotated[list[Path], typer.Argument(
        metavar="SPECS", help="Corpus specifications (corpora/*.toml) or paper files.")],
    store: StoreOption = DEFAULT_STORE,
    dedup_report: DedupOption = None,
    debug: DebugOption = False,
) -> None:
    """Harvest corpus specifications into the store (polite, resumable) and say what arrived and what is missing."""
    from homog.corpus.ingest import ingest_files
    from homog.store import Store

    out = Console(highlight=False, markup=False)
    with _errors(debug), Store(store) as db:
        report = ingest_files(specs, db, on_page=lambda o: out.print(f"  {o.summary()}"),
                              on_batch=lambda path, n: out.print(f"  {Path(path).name}: {n:,} records loaded"))
    for query in report.harvest:
        out.print(f"{query['status']}: {query['summary']}")
    print_load_report(report, out, dedup_report)
    if any(q["status"] not in ("ok", "split") for q in report.harvest):
        raise typer.Exit(1)


@corpus_app.command()
def stats(store: StoreOption = DEFAULT_STORE, debug: DebugOption = False) -> None:
    """Papers per year, source and category, and abstract coverage."""
    from homog.store import Store

    out = Console()
    with _errors(debug), Store(existing_store(store)) as db:
        tables = corpus_stats(db.iter_papers())
    for name, frame in tables.items():
        if frame.empty:
            out.print(f"[bold]{name}[/]: none in this store")
            continue
        caption = "a paper merged from several sources counts under each" if name == "papers per source" else None
        table = Table(title=name, title_justify="left", caption=caption, caption_justify="left")
        for column in frame.columns:
            table.add_column(str(column), justify="right" if frame[column].dtype.kind in "iuf" else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
        out.print(table)


@corpus_app.command()
def export(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="File to write.")],
    format: Annotated[Optional[str], typer.Option("--format", help=f"One of {', '.join(FORMATS)} "
                                                  "(default: from OUT's extension).")] = None,
    store: StoreOption = DEFAULT_STORE,
    debug: DebugOption = False,
) -> None:
    """Write the corpus as parquet, CSV or BibTeX, for pandas, R or a reference manager."""
    from homog.store import Store

    with _errors(debug), Store(existing_store(store)) as db:
        count = export_corpus(db.iter_papers(), out_path, format)
    Console().print(f"{count:,} papers written to {out_path}", highlight=False)
