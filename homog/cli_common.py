"""What every homog command shares: the store and debug options, one-line errors, progress bars."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from homog.errors import HomogError

if TYPE_CHECKING:
    from homog.corpus.ingest import IngestReport

console = Console(stderr=True, soft_wrap=True)

StoreOption = Annotated[Path, typer.Option("--store", envvar="HOMOG_STORE",
                                           help="The store file (papers, embeddings, results). Shared by every run.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")]
DEFAULT_STORE = Path("homog.sqlite")
ColumnOption = Annotated[Optional[list[str]], typer.Option(
    "--column", metavar="FIELD=HEADER",
    help="Read a CSV field from this column, e.g. --column 'title=Paper Title' (repeatable; fields: title, "
         "abstract, year, id, doi, authors, categories, venue, date, versions).")]


DedupOption = Annotated[Optional[Path], typer.Option(
    "--dedup-report", metavar="CSV", help="Write every merge, skipped record and paper without a usable abstract "
                                         "to this CSV (kept_id, merged_id_or_record, source, origin, reason).")]
PROBLEM_LINES = 20  # problems printed one by one; the rest are counted by reason


def print_load_report(report: "IngestReport", out: Console, dedup: Path | None) -> None:
    """The end of a load: its problems (the first ``PROBLEM_LINES``), the counts, the reasons; the dedup CSV."""
    for problem in report.problems[:PROBLEM_LINES]:
        out.print(f"[yellow]{problem.severity}[/]: {escape(str(problem))}", highlight=False, markup=True)
    if len(report.problems) > PROBLEM_LINES:
        where = f"all in {dedup}" if dedup else "--dedup-report CSV lists every skipped record"
        out.print(f"… and {len(report.problems) - PROBLEM_LINES:,} more problems ({where})", highlight=False,
                  markup=False)
    out.print(report.summary(), highlight=False, markup=False)
    for line in report.reason_lines():
        out.print(f"  {line}", highlight=False, markup=False)
    if dedup is not None:
        dedup.parent.mkdir(parents=True, exist_ok=True)
        report.dedup_rows().to_csv(dedup, index=False)
        out.print(f"dedup report: {dedup}", highlight=False, markup=False)


def existing_store(path: Path) -> Path:
    """``path`` if a store is there; a command that only reads the store must not create an empty one."""
    if not path.is_file():
        raise HomogError("no store here; load papers first (homog ingest FILES --store PATH) or pass --store",
                         file=str(path))
    return path


def column_map(values: list[str] | None) -> dict[str, str]:
    """``["title=Paper Title", ...]`` from ``--column`` as ``{"title": "Paper Title", ...}``."""
    mapping: dict[str, str] = {}
    for value in values or []:
        field, sep, header = value.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise typer.BadParameter(f"expected FIELD=HEADER, e.g. 'title=Paper Title'; got {value!r}",
                                     param_hint="--column")
        mapping[field.strip()] = header.strip()
    return mapping


@contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Print a HomogError in one line and exit 2; tracebacks only with --debug."""
    try:
        yield
    except HomogError as error:
        if debug:
            raise
        console.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def _progress() -> Iterator[Progress]:
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False)
    with progress:
        yield progress


def _progress_hook(progress: Progress) -> Callable[[str, int, int | None], None]:
    tasks: dict[str, int] = {}

    def hook(description: str, done: int, total: int | None) -> None:
        if description not in tasks:
            tasks[description] = progress.add_task(description, total=total)
        progress.update(tasks[description], completed=done, total=total)

    return hook


def _load_hook(progress: Progress) -> Callable[[str, int], None]:
    """An ``on_batch`` hook for ``ingest_files``: one line per file, counting the records loaded so far."""
    hook = _progress_hook(progress)
    return lambda path, records: hook(f"load {Path(path).name} (records)", records, None)
