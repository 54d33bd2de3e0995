"""Load files into the store: detect, read, merge records of one paper, store once per file content."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, deque
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from homog.corpus.detect import READERS, detect_reader
from homog.corpus.merge import Merger, record_label
from homog.corpus.record import Paper
from homog.corpus.sources._common import text_encoding
from homog.errors import HomogError, Problem
from homog.store import Store


@dataclass
class FileReport:
    """What loading one file did.  ``merged`` = records folded into a paper already seen."""

    path: str
    sha256: str
    reader: str
    records_read: int
    loaded: int
    merged: int
    skipped: int
    reused: bool = False


@dataclass
class IngestReport:
    """Outcome of ``ingest_files``: corpus ids (ordered, unique), per-file rows, problems, abstract coverage."""

    ids: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # source -> (with abstract, papers)
    merges: list[dict[str, str]] = field(default_factory=list)  # dedup-report rows of merged records
    harvest: list[dict[str, Any]] = field(default_factory=list)  # per-query outcomes of live harvests
    excluded: list[dict[str, str]] = field(default_factory=list)  # papers kept but unusable for embedding

    def summary(self) -> str:
        """One line, e.g. ``3,429 papers from 6 files: 3,433 records read, 4 merged, 0 skipped``."""
        read = sum(f.records_read for f in self.files)
        skipped = sum(f.skipped for f in self.files)
        merged = len(self.merges)
        plural = "file" if len(self.files) == 1 else "files"
        text = (f"{len(self.ids):,} papers from {len(self.files):,} {plural}: {read:,} records read, "
                f"{merged:,} merged, {skipped:,} skipped")
        reused = sum(f.reused for f in self.files)
        if reused:
            text += (f" ({'the file was' if reused == 1 else f'{reused:,} files were'} loaded before with the same "
                     "bytes and filters: counts are from then, nothing read again)")
        if self.harvest:
            from homog.corpus.harvest.arxiv_api import QueryOutcome, run_summary

            outcomes = [QueryOutcome(query=h["query"], status=h["status"], harvested=h["harvested"],
                                     notes=h["notes"], attempts=h.get("attempts", 0)) for h in self.harvest]
            text += f"; harvest: {run_summary(outcomes)}"
        return text

    def reason_lines(self) -> list[str]:
        """Skipped records and papers kept without a usable abstract, counted by reason, e.g.
        ``skipped 3: malformed JSON (2), record has no 'id' (1)``."""
        skipped = Counter(reason_kind(p.reason) for p in self.problems if p.severity == "skipped")
        unusable = Counter(row["reason"].removeprefix("excluded from embedding (abstract ").removesuffix(")")
                           for row in self.excluded)
        lines = []
        for label, counts in (("skipped", skipped), ("kept without a usable abstract (not embedded)", unusable)):
            if counts:
                parts = ", ".join(f"{reason} ({n:,})" for reason, n in counts.most_common())
                lines.append(f"{label} {sum(counts.values()):,}: {parts}")
        return lines

    def dedup_rows(self) -> Any:
        """Every merge and exclusion as a DataFrame: ``kept_id, merged_id_or_record, source, origin, reason``
        (``origin``: the file or harvest page a merged or skipped record came from)."""
        import pandas

        skipped = [{"kept_id": "", "merged_id_or_record": p.record, "source": "", "origin": p.file,
                    "reason": f"skipped: {p.reason}"} for p in self.problems if p.severity == "skipped"]
        rows = [*self.merges, *skipped, *self.excluded]
        return pandas.DataFrame(rows, columns=DEDUP_COLUMNS).fillna("")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe report: ids, files, problems, abstract coverage, summary, harvest, counts."""
        read = sum(f.records_read for f in self.files)
        skipped = sum(f.skipped for f in self.files)
        return {
            "ids": list(self.ids),
            "files": [asdict(f) for f in self.files],
            "problems": [str(p) for p in self.problems],
            "abstract_coverage": {s: {"with_abstract": n, "papers": m} for s, (n, m) in sorted(self.coverage.items())},
            "summary": self.summary(),
            "harvest": list(self.harvest),
            "counts": {"papers": len(self.ids), "records_read": read, "skipped": skipped,
                       "merged": len(self.merges), "excluded_from_embedding": len(self.excluded),
                       "harvested": sum(h.get("harvested", 0) for h in self.harvest),
                       "duplicates_dropped": sum(h.get("duplicates_dropped", 0) for h in self.harvest)},
        }

    def coverage_lines(self) -> list[str]:
        """``<source>: <n>/<total> with abstracts`` per source."""
        return [f"{source}: {n}/{total} with abstracts" for source, (n, total) in sorted(self.coverage.items())]


_DETAIL = re.compile(r"\s*\([^()]*\)")
_VALUE = re.compile(r"'[^']*\d[^']*'")


def reason_kind(reason: str) -> str:
    """A problem's reason without its particulars (parenthesised details, quoted values with digits), to count
    problems by kind: ``arXiv id '0112019' lacks its archive (e.g. ...)`` -> ``arXiv id '…' lacks its archive``."""
    return " ".join(_VALUE.sub("'…'", _DETAIL.sub("", reason)).split()) or reason


def file_sha256(path: Path) -> str:
    """sha256 hex of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


DEDUP_COLUMNS = ["kept_id", "merged_id_or_record", "source", "origin", "reason"]
LOAD_BATCH = 20_000  # records stored per transaction: memory stays bounded, and a killed load resumes after the
# last stored batch


def load_key(sha256: str, options: Mapping[str, Any]) -> str:
    """What identifies one loading of a file: its content hash, and the reader options that change what it
    yields (a file loaded with other filters is another loading)."""
    used = {name: value for name, value in sorted(options.items()) if value not in (None, "", [], {})}
    if not used:
        return sha256
    digest = hashlib.sha256(json.dumps(used, sort_keys=True, default=str).encode()).hexdigest()
    return f"{sha256}:{digest[:16]}"


def _load_batch(items: list[Any], store: Store, earlier: Container[str], origin: str
                ) -> tuple[dict[str, Any], dict[str, Paper], list[tuple[str, str]]]:
    """One batch of a reader's items (from the file named ``origin``) merged (within it, then with the store):
    its report (ids, counts, problems, merges), the papers to store and their title-index rows."""
    merger = Merger(origin)
    problems = [item for item in items if isinstance(item, Problem)]
    for item in items:
        if not isinstance(item, Problem):
            merger.add(item)
    papers, title_rows = merger.with_store(store, earlier)
    skipped = sum(problem.severity == "skipped" for problem in problems)
    report = {"ids": list(dict.fromkeys(papers)), "records": len(items) - len(problems) + skipped,
              "skipped": skipped, "problems": [asdict(p) for p in problems], "merges": merger.events}
    return report, papers, title_rows


_BINARY_READERS = ("arxiv_snapshot", "arxiv_atom", "oai_pmh")  # they decode bytes themselves, line or document


def _encoding_problems(path: Path, reader: str) -> list[Problem]:
    """A warning when a text file is not UTF-8 (it is then read as Windows-1252)."""
    if reader in _BINARY_READERS:
        return []
    _, note = text_encoding(path)
    return [Problem(path.name, "encoding", note, "warning")] if note else []


def _load_file(path: Path, store: Store, options: Mapping[str, Any], batch_size: int = LOAD_BATCH,
               on_batch: Callable[[str, int], None] | None = None
               ) -> tuple[FileReport, list[str], list[Problem], list[dict[str, str]]]:
    """Load one file in batches of ``batch_size`` items, each stored with a checkpoint: a load that was
    interrupted goes on after its last stored batch, and a finished one is not read again."""
    if not path.is_file():
        raise HomogError("file not found or not a regular file", file=str(path))
    sha = file_sha256(path)
    key = load_key(sha, options)
    prior = store.get_ingested(key)
    if prior is not None:
        report = prior["report"]
        problems = [Problem(**p) for p in report.get("problems", [])]
        row = FileReport(**{**report["file"], "path": str(path), "reused": True})
        return row, prior["ids"], problems, report.get("merges", [])
    reader = detect_reader(path)
    stored = store.get_load_batches(key)
    items = chain(_encoding_problems(path, reader), READERS[reader](path, **options))
    deque(islice(items, sum(count for count, _ in stored)), maxlen=0)  # the items earlier runs stored
    batches = [report for _, report in stored]
    seen = dict.fromkeys(i for report in batches for i in report.pop("ids"))  # the file's ids, in order
    while chunk := list(islice(items, batch_size)):
        report, papers, title_rows = _load_batch(chunk, store, seen.keys(), path.name)
        store.put_loaded(papers.values(), title_rows, load_batch=(key, len(batches), len(chunk), report))
        seen.update(dict.fromkeys(report.pop("ids")))
        batches.append(report)
        if on_batch is not None:
            on_batch(str(path), sum(r["records"] for r in batches))
    ids = list(seen)
    merges = [event for report in batches for event in report["merges"]]
    problems = [Problem(**p) for report in batches for p in report["problems"]]
    records = sum(report["records"] for report in batches)
    skipped = sum(report["skipped"] for report in batches)
    row = FileReport(str(path), sha, reader, records, records - skipped - len(merges), len(merges), skipped)
    store.put_ingested(key, str(path), reader, ids,
                       {"file": asdict(row), "problems": [asdict(p) for p in problems], "merges": merges})
    return row, ids, problems, merges


def ingest_files(paths: Iterable[str | Path], store: Store, *, column_map: Mapping[str, str] | None = None,
                 defaults: Mapping[str, Any] | None = None,
                 on_progress: Callable[[FileReport], None] | None = None,
                 on_page: Callable[[Any], None] | None = None, on_batch: Callable[[str, int], None] | None = None,
                 batch_size: int = LOAD_BATCH) -> IngestReport:
    """Load files and corpus specifications (``.toml``) into ``store`` and report.

    Each file is read as a stream and stored in batches of ``batch_size`` items,
    each in one transaction with a checkpoint, so memory stays bounded and an
    interrupted load resumes after its last stored batch; a file whose bytes
    were loaded before (with the same filters) is not parsed again.  Records of
    one paper are merged across batches as within one.  A ``.toml`` path is a corpus
    specification: its live sources are harvested (resumably, page by page)
    and its file sources loaded with its filters.  ``column_map``/``defaults``
    go to the CSV reader; ``on_progress`` gets each file's ``FileReport``,
    ``on_page`` each harvested page's ``QueryOutcome``, ``on_batch`` a file's
    path and records read so far after each stored batch.
    """
    options = {"column_map": column_map, "defaults": defaults}
    report = IngestReport()
    all_ids: dict[str, str] = {}  # id -> the file or specification it first came from
    for path, spec in _checked_inputs(paths):
        if spec is not None:
            from homog.corpus.harvest.run import harvest_spec

            result = harvest_spec(spec, store, on_page=on_page,
                                  load_file=lambda p, opts: _load_file(Path(p), store, _overlay(options, opts),
                                                                      batch_size, on_batch))
            for row, ids, problems, merges in result.files:
                _add_file(report, all_ids, row, ids, problems, merges, on_progress)
            report.harvest.extend(o.to_dict() for o in result.outcomes)
            report.merges.extend(e for o in result.outcomes for e in o.events)
            for paper_id in result.ids:
                all_ids.setdefault(paper_id, path.name)
            continue
        _add_file(report, all_ids, *_load_file(path, store, options, batch_size, on_batch), on_progress)
    report.ids = list(all_ids)
    _finish(report, store, all_ids)
    return report


def _checked_inputs(paths: Iterable[str | Path]) -> list[tuple[Path, Any]]:
    """Every input checked before anything loads (a bad path late in the list must not leave the earlier ones
    loaded and the rest not): (path, its corpus specification or None for a paper file)."""
    from homog.corpus.harvest.spec import load_spec

    checked = []
    for raw in paths:
        path = Path(raw)
        if path.suffix.lower() == ".toml":
            checked.append((path, load_spec(path)))
            continue
        if path.is_dir():
            raise HomogError("is a folder; pass the paper files in it (e.g. folder/*.csv); nothing was loaded",
                             file=str(path))
        if not path.is_file():
            raise HomogError("file not found; nothing was loaded", file=str(path))
        try:
            detect_reader(path)
        except HomogError as exc:
            raise HomogError(f"{exc.reason}; nothing was loaded", file=exc.file) from exc
        checked.append((path, None))
    return checked


def _overlay(options: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the ``overrides`` that are set (a spec's file source keeps the caller's column map unless
    it gives its own)."""
    return {**options, **{name: value for name, value in overrides.items() if value is not None}}


def _add_file(report: IngestReport, all_ids: dict[str, str], row: FileReport, ids: list[str],
              problems: list[Problem], merges: list[dict[str, str]],
              on_progress: Callable[[FileReport], None] | None) -> None:
    report.files.append(row)
    report.problems.extend(problems)
    report.merges.extend(merges)
    for paper_id in ids:
        all_ids.setdefault(paper_id, Path(row.path).name)
    if on_progress is not None:
        on_progress(row)


def _finish(report: IngestReport, store: Store, origins: Mapping[str, str]) -> None:
    """Abstract coverage per source and the papers excluded from embedding (``origins``: id -> where the paper
    first came from)."""
    counts: Counter[str] = Counter()
    with_abstract: Counter[str] = Counter()
    for paper in store.iter_papers(report.ids):
        for source in paper.sources or [paper.source]:
            counts[source] += 1
            with_abstract[source] += paper.abstract is not None
        if paper.abstract is None:
            report.excluded.append({"kept_id": paper.id, "merged_id_or_record": record_label(paper),
                                    "source": paper.source, "origin": origins.get(paper.id, ""),
                                    "reason": f"excluded from embedding (abstract {paper.abstract_missing})"})
    report.coverage = {source: (with_abstract[source], counts[source]) for source in counts}


def ingest_query(query: str, store: Store, *, max_results: int, on_progress: Callable[[Any], None] | None = None,
                 harvester: Any = None) -> IngestReport:
    """Harvest one arXiv API query live (polite, resumable) into ``store``.

    ``HomogError`` if arXiv cannot be reached (and nothing was harvested) or
    rejects the query.  ``on_progress`` gets the query's outcome after each page.
    """
    from homog.corpus.harvest.arxiv_api import ArxivHarvester, query_key

    harvester = harvester or ArxivHarvester(store, harvest_key="query", on_page=on_progress)
    outcome = harvester.harvest_one(query, max_results=max_results)
    if outcome.status in ("unreachable", "failed", "rate-limited") and outcome.harvested == 0:
        why = outcome.notes[-1].removeprefix("stopped: ") if outcome.notes else outcome.status
        raise HomogError(f"could not reach arXiv for query '{query}' ({why}); check the network, or pass paper "
                         f"files instead (e.g. homog run papers.csv)")
    if outcome.status == "rejected":
        raise HomogError(f"arXiv rejected the query '{query}' as malformed; check its syntax")
    report = IngestReport(harvest=[outcome.to_dict()], merges=list(outcome.events))
    report.ids = store.get_harvest_ids(harvester.harvest_key, query_key(query, max_results))
    _finish(report, store, dict.fromkeys(report.ids, f"arXiv query '{query}'"))
    return report
