"""The corpus as data: a table of papers, statistics, and exports to parquet, CSV and BibTeX."""
from __future__ import annotations

from pathlib import Path

import bibtexparser
import pandas as pd
from bibtexparser import model

from homog.corpus.record import Paper
from homog.errors import HomogError

FORMATS = ("parquet", "csv", "bibtex")
COLUMNS = ["id", "title", "abstract", "authors", "date", "year", "categories", "primary_category", "venue", "doi",
           "sources"]


def papers_frame(papers: list[Paper]) -> pd.DataFrame:
    """One row per paper with the export columns (lists stay lists; missing values are null)."""
    frame = pd.DataFrame([{c: getattr(p, c) for c in COLUMNS} for p in papers], columns=COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def corpus_stats(papers: list[Paper]) -> dict[str, pd.DataFrame]:
    """Papers per year, per source and per category (with abstract coverage per source)."""
    frame = papers_frame(papers)
    frame["has_abstract"] = frame["abstract"].notna()
    by_year = frame.groupby("year", dropna=False).size().rename("papers").reset_index()
    by_year["year"] = by_year["year"].astype(object).where(by_year["year"].notna(), "no year")
    exploded = frame.explode("sources")
    by_source = exploded.groupby("sources").agg(papers=("id", "size"), with_abstract=("has_abstract", "sum"))
    by_source["abstract_coverage"] = (by_source["with_abstract"] / by_source["papers"]).round(3)
    by_category = frame.explode("categories").groupby("categories").size().rename("papers")
    by_category = by_category.sort_values(ascending=False, kind="stable").reset_index()
    return {"papers per year": by_year, "papers per source": by_source.reset_index().rename(
        columns={"sources": "source"}), "papers per category": by_category.rename(columns={"categories": "category"})}


def _bib_key(paper_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-.:" else "_" for ch in paper_id)


def to_bibtex(papers: list[Paper]) -> str:
    """The corpus as BibTeX (``@article``/``@misc`` with title, author, year, doi, eprint, abstract)."""
    library = bibtexparser.Library()
    for paper in papers:
        fields = {"title": paper.title, "author": " and ".join(paper.authors) or None,
                  "year": str(paper.year) if paper.year else None, "doi": paper.doi, "abstract": paper.abstract,
                  "journal": paper.venue}
        if not paper.id.startswith(("doi:", "title:", "id:")):
            fields.update(eprint=paper.id, archiveprefix="arXiv", primaryclass=paper.primary_category)
        entry = model.Entry("article" if paper.venue else "misc", _bib_key(paper.id),
                            [model.Field(k, v) for k, v in fields.items() if v])
        library.add(entry)
    return bibtexparser.write_string(library)


def export_corpus(papers: list[Paper], out: str | Path, fmt: str | None = None) -> int:
    """Write papers to ``out`` as parquet, csv or bibtex (from the extension if ``fmt`` is None); the count."""
    out = Path(out)
    fmt = fmt or {".parquet": "parquet", ".csv": "csv", ".bib": "bibtex"}.get(out.suffix.lower())
    if fmt is None:
        raise HomogError(f"cannot tell the format from the extension '{out.suffix}'; pass --format "
                         f"({', '.join(FORMATS)})", file=str(out))
    if fmt not in FORMATS:
        raise HomogError(f"unknown export format '{fmt}' (use {', '.join(FORMATS)})", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = papers_frame(papers)
    if fmt == "parquet":
        frame.to_parquet(out, index=False)
    elif fmt == "csv":
        for column in ("authors", "categories", "sources"):
            frame[column] = frame[column].map("; ".join)
        frame.to_csv(out, index=False)
    else:
        out.write_text(to_bibtex(papers), encoding="utf-8")
    return len(frame)
