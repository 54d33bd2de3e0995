"""The corpus as data: a table of papers, statistics, and exports to parquet, CSV and BibTeX."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path

import bibtexparser
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from bibtexparser import model

from homog.corpus.identity import is_plain_arxiv_id
from homog.corpus.record import Paper
from homog.errors import HomogError

FORMATS = ("parquet", "csv", "bibtex")
COLUMNS = ["id", "title", "abstract", "authors", "date", "year", "categories", "primary_category", "venue", "doi",
           "sources"]


EXPORT_CHUNK = 50_000  # papers per written chunk: exports of the whole of arXiv stay in bounded memory
_LIST = pa.list_(pa.string())
_SCHEMA = pa.schema([("id", pa.string()), ("title", pa.string()), ("abstract", pa.string()), ("authors", _LIST),
                     ("date", pa.string()), ("year", pa.int64()), ("categories", _LIST),
                     ("primary_category", pa.string()), ("venue", pa.string()), ("doi", pa.string()),
                     ("sources", _LIST)])


def papers_frame(papers: Iterable[Paper]) -> pd.DataFrame:
    """One row per paper with the export columns (lists stay lists; missing values are null)."""
    frame = pd.DataFrame([{c: getattr(p, c) for c in COLUMNS} for p in papers], columns=COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def corpus_stats(papers: Iterable[Paper]) -> dict[str, pd.DataFrame]:
    """Papers per year, per source and per category (with abstract coverage per source), in one streamed pass.

    A paper merged from several sources counts once under each of them, and once under each of its categories.
    """
    years: Counter[int | None] = Counter()
    sources: Counter[str] = Counter()
    with_abstract: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for paper in papers:
        years[paper.year] += 1
        for source in paper.sources:
            sources[source] += 1
            with_abstract[source] += paper.abstract is not None
        categories.update(paper.categories)
    by_year = pd.DataFrame([(year if year is not None else "no year", years[year])
                            for year in sorted(years, key=lambda y: (y is None, y or 0))], columns=["year", "papers"])
    by_source = pd.DataFrame([(source, sources[source], with_abstract[source]) for source in sorted(sources)],
                             columns=["source", "papers", "with_abstract"])
    by_source["abstract_coverage"] = (by_source["with_abstract"] / by_source["papers"]).round(3)
    by_category = pd.DataFrame(sorted(sorted(categories.items()), key=lambda item: -item[1]),
                               columns=["category", "papers"])
    return {"papers per year": by_year, "papers per source": by_source, "papers per category": by_category}


_DERIVED_IDS = ("doi:", "title:", "id:")
_PLAIN_KEY = re.compile(r"[^\s,{}()=#%~\"'\\]+\Z")  # what BibTeX and biber accept in a citation key


def _bib_key(paper: Paper, kept: set[str]) -> str:
    """A paper's citation key: the one its BibTeX source gave it, if that is a plain key no other paper of the
    export kept (``kept`` holds those, case-folded), else one made from its id."""
    own = paper.source_id if paper.source == "bibtex" else None
    if own and _PLAIN_KEY.match(own) and not own.startswith(_DERIVED_IDS) and not is_plain_arxiv_id(own) \
            and own.casefold() not in kept:
        kept.add(own.casefold())
        return own
    return "".join(ch if ch.isalnum() or ch in "-.:" else "_" for ch in paper.id)


def _balanced(text: str) -> bool:
    """True if ``text``'s braces (not counting backslash-escaped ones) nest properly."""
    depth = 0
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _bib_value(text: str) -> str:
    """``text`` safe inside a braced BibTeX value: braces that do not nest are escaped (``\\{``, ``\\}``)."""
    if text.endswith("\\"):  # it would escape the value's closing brace
        text += " "
    if ("{" not in text and "}" not in text) or _balanced(text):
        return text
    return re.sub(r"(?<!\\)([{}])", r"\\\1", text)


def to_bibtex(papers: Iterable[Paper], kept_keys: set[str] | None = None) -> str:
    """The corpus as BibTeX (``@article``/``@misc`` with title, author, year, doi, eprint, abstract).

    Papers read from BibTeX keep their citation keys; ``kept_keys`` carries the keys kept so far across the
    calls of one export.
    """
    kept_keys = set() if kept_keys is None else kept_keys
    library = bibtexparser.Library()
    for paper in papers:
        fields = {"title": paper.title, "author": " and ".join(paper.authors) or None,
                  "year": str(paper.year) if paper.year else None, "doi": paper.doi, "abstract": paper.abstract,
                  "journal": paper.venue}
        if not paper.id.startswith(("doi:", "title:", "id:")):
            fields.update(eprint=paper.id, archiveprefix="arXiv", primaryclass=paper.primary_category)
        entry = model.Entry("article" if paper.venue else "misc", _bib_key(paper, kept_keys),
                            [model.Field(k, _bib_value(v)) for k, v in fields.items() if v])
        library.add(entry)
    return bibtexparser.write_string(library)


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """Lists of up to ``size`` papers; at least one (an empty one when there are no papers)."""
    papers = iter(papers)
    yield list(islice(papers, size))
    while chunk := list(islice(papers, size)):
        yield chunk


def export_corpus(papers: Iterable[Paper], out: str | Path, fmt: str | None = None) -> int:
    """Write papers to ``out`` as parquet, csv or bibtex (from the extension if ``fmt`` is None), a chunk at a
    time; the count."""
    out = Path(out)
    fmt = fmt or {".parquet": "parquet", ".csv": "csv", ".bib": "bibtex"}.get(out.suffix.lower())
    if fmt is None:
        raise HomogError(f"cannot tell the format from the extension '{out.suffix}'; pass --format "
                         f"({', '.join(FORMATS)})", file=str(out))
    if fmt not in FORMATS:
        raise HomogError(f"unknown export format '{fmt}' (use {', '.join(FORMATS)})", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    kept_keys: set[str] = set()
    with ExitStack() as stack:
        writer: pq.ParquetWriter | None = None
        text = None if fmt == "parquet" else stack.enter_context(open(out, "w", encoding="utf-8", newline=""))
        for chunk in _chunks(papers, EXPORT_CHUNK):
            if fmt == "bibtex":
                text.write(("\n\n" if count else "") + to_bibtex(chunk, kept_keys))  # as bibtexparser spaces entries
            elif fmt == "csv":
                frame = papers_frame(chunk)
                for column in ("authors", "categories", "sources"):
                    frame[column] = frame[column].map("; ".join)
                frame.to_csv(text, index=False, header=count == 0)
            else:
                table = pa.Table.from_pandas(papers_frame(chunk), schema=_SCHEMA, preserve_index=False)
                if writer is None:
                    writer = stack.enter_context(pq.ParquetWriter(out, table.schema))
                writer.write_table(table)
            count += len(chunk)
    return count
