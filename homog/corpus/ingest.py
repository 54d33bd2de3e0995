"""Load files into the store: detect, read, merge records of one paper, store once per file content."""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from homog.corpus.detect import READERS, detect_reader
from homog.corpus.identity import merge_papers
from homog.corpus.record import Paper
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

    def summary(self) -> str:
        """One line, e.g. ``3,429 papers from 6 files: 3,433 records read, 4 merged, 0 skipped``."""
        read = sum(f.records_read for f in self.files)
        skipped = sum(f.skipped for f in self.files)
        merged = read - skipped - len(self.ids)
        plural = "file" if len(self.files) == 1 else "files"
        return (f"{len(self.ids):,} papers from {len(self.files):,} {plural}: {read:,} records read, "
                f"{merged:,} merged, {skipped:,} skipped")

    def coverage_lines(self) -> list[str]:
        """``<source>: <n>/<total> with abstracts`` per source."""
        return [f"{source}: {n}/{total} with abstracts" for source, (n, total) in sorted(self.coverage.items())]


def file_sha256(path: Path) -> str:
    """sha256 hex of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _merge_into(papers: dict[str, Paper], by_doi: dict[str, str], paper: Paper) -> bool:
    """Add ``paper`` to ``papers``; True if it merged into one already there (same id, else same DOI)."""
    key = paper.id if paper.id in papers else by_doi.get(paper.doi or "")
    if key is None:
        papers[paper.id] = paper
        if paper.doi:
            by_doi.setdefault(paper.doi, paper.id)
        return False
    papers[key] = merge_papers(papers[key], paper)
    return True


def _merge_with_store(papers: dict[str, Paper], store: Store) -> dict[str, Paper]:
    """Merge each paper with the stored one of the same id (else same DOI); the stored id is kept."""
    stored = {p.id: p for p in store.get_papers(list(papers))}
    out: dict[str, Paper] = {}
    for paper in papers.values():
        existing = stored.get(paper.id) or (store.find_by_doi(paper.doi) if paper.doi else None)
        key = existing.id if existing is not None else paper.id
        base = out.get(key, existing)
        out[key] = paper if base is None else merge_papers(base, paper)
    return out


def _load_file(path: Path, store: Store, options: Mapping[str, Any]) -> tuple[FileReport, list[str], list[Problem]]:
    if not path.is_file():
        raise HomogError("file not found or not a regular file", file=str(path))
    sha = file_sha256(path)
    prior = store.get_ingested(sha)
    if prior is not None:
        report = prior["report"]
        problems = [Problem(**p) for p in report.get("problems", [])]
        row = FileReport(**{**report["file"], "path": str(path), "reused": True})
        return row, prior["ids"], problems
    reader = detect_reader(path)
    papers: dict[str, Paper] = {}
    by_doi: dict[str, str] = {}
    problems: list[Problem] = []
    records = merged = skipped = 0
    for item in READERS[reader](path, **options):
        if isinstance(item, Problem):
            problems.append(item)
            if item.severity == "skipped":
                records += 1
                skipped += 1
            continue
        records += 1
        merged += _merge_into(papers, by_doi, item)
    final = _merge_with_store(papers, store)
    ids = list(dict.fromkeys(final))
    row = FileReport(str(path), sha, reader, records, len(papers), merged, skipped)
    report = {"file": asdict(row), "problems": [asdict(p) for p in problems]}
    store.put_ingested(sha, str(path), reader, ids, report, final.values())
    return row, ids, problems


def ingest_files(paths: Iterable[str | Path], store: Store, *, column_map: Mapping[str, str] | None = None,
                 defaults: Mapping[str, Any] | None = None,
                 on_progress: Callable[[FileReport], None] | None = None) -> IngestReport:
    """Load files into ``store`` (each file's papers and record in one transaction) and report.

    A file whose bytes were loaded before is not parsed again: its stored ids
    and report are reused.  ``column_map``/``defaults`` go to the CSV reader.
    ``on_progress`` is called with each file's ``FileReport`` as it finishes.
    """
    options = {"column_map": column_map, "defaults": defaults}
    report = IngestReport()
    all_ids: dict[str, None] = {}
    for raw in paths:
        row, ids, problems = _load_file(Path(raw), store, options)
        report.files.append(row)
        report.problems.extend(problems)
        all_ids.update(dict.fromkeys(ids))
        if on_progress is not None:
            on_progress(row)
    report.ids = list(all_ids)
    counts: Counter[str] = Counter()
    with_abstract: Counter[str] = Counter()
    for paper in store.get_papers(report.ids):
        for source in paper.sources or [paper.source]:
            counts[source] += 1
            with_abstract[source] += paper.abstract is not None
    report.coverage = {source: (with_abstract[source], counts[source]) for source in counts}
    return report
