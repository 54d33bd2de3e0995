"""Stats and exports stream the store: the same tables and files as whole-corpus pandas code, in bounded memory."""
from __future__ import annotations

import pandas as pd
import pytest

from homog.corpus import export
from homog.corpus.export import corpus_stats, export_corpus, papers_frame
from homog.corpus.ingest import ingest_files
from homog.corpus.record import Paper
from homog.corpus.sources import bibtex
from homog.errors import Problem


def reference_stats(papers):
    """The statistics as whole-corpus pandas code computes them (the reference)."""
    frame = papers_frame(papers)
    frame["has_abstract"] = frame["abstract"].notna()
    by_year = frame.groupby("year", dropna=False).size().rename("papers").reset_index()
    by_year["year"] = by_year["year"].astype(object).where(by_year["year"].notna(), "no year")
    by_source = frame.explode("sources").groupby("sources").agg(papers=("id", "size"),
                                                                with_abstract=("has_abstract", "sum"))
    by_source["abstract_coverage"] = (by_source["with_abstract"] / by_source["papers"]).round(3)
    by_category = frame.explode("categories").groupby("categories").size().rename("papers")
    by_category = by_category.sort_values(ascending=False, kind="stable").reset_index()
    return {"papers per year": by_year,
            "papers per source": by_source.reset_index().rename(columns={"sources": "source"}),
            "papers per category": by_category.rename(columns={"categories": "category"})}


@pytest.fixture()
def loaded(store, data_dir, cases_dir):
    """Papers from several sources, some merged, some without a year or an abstract."""
    ingest_files([data_dir / "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl",
                  data_dir / "arxiv-kaggle-2007/arxiv_data.csv", data_dir / "openreview-confs/NIPS13_paper.csv", cases_dir / "13-missing-empty-abstracts.jsonl",
                  cases_dir / "07-kaggle-snapshot-fields.jsonl"], store)
    return store


def test_streamed_stats_match_the_pandas_reference(loaded):
    papers = loaded.get_papers()
    assert sum(len(p.sources) > 1 for p in papers) >= 150  # the same 2007 papers from the snapshot and a CSV
    got, expected = corpus_stats(loaded.iter_papers(chunk=7)), reference_stats(papers)
    assert list(got) == list(expected)
    for name in expected:
        pd.testing.assert_frame_equal(got[name].reset_index(drop=True), expected[name].reset_index(drop=True),
                                      check_dtype=False, check_index_type=False)
    assert got["papers per source"]["papers"].sum() >= len(papers)


@pytest.mark.parametrize("fmt, name", [("parquet", "c.parquet"), ("csv", "c.csv"), ("bibtex", "c.bib")])
def test_chunked_export_is_the_one_chunk_export(loaded, tmp_path, monkeypatch, fmt, name):
    whole = tmp_path / "whole" / name
    assert export_corpus(loaded.iter_papers(), whole, fmt) == loaded.count_papers()
    monkeypatch.setattr(export, "EXPORT_CHUNK", 9)
    chunked = tmp_path / "chunked" / name
    assert export_corpus(loaded.iter_papers(), chunked, fmt) == loaded.count_papers()
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(chunked), pd.read_parquet(whole))
        assert str(pd.read_parquet(chunked)["year"].dtype) == "Int64"
    elif fmt == "csv":
        assert chunked.read_bytes() == whole.read_bytes()
    else:
        assert chunked.read_bytes() == whole.read_bytes()
        back = list(bibtex.read(chunked))
        assert [item for item in back if isinstance(item, Problem) and item.severity == "skipped"] == []
        assert len([item for item in back if not isinstance(item, Problem)]) == loaded.count_papers()


def test_bibtex_values_with_braces_that_do_not_nest_survive_a_round_trip(tmp_path):
    papers = [Paper(id="2101.00001", title="Suppression of 1/f noise", abstract="We aim to determine} the "
                    "relative spatial distribution of {\\it two} lines; the NOT}gate {a}}{b ends \\", year=2021),
              Paper(id="2101.00002", title="Balanced {BERT} title", abstract="A {nested {group}} stays as it is.",
                    year=2021)]
    assert export_corpus(papers, tmp_path / "b.bib") == 2
    back = list(bibtex.read(tmp_path / "b.bib"))
    assert [type(item).__name__ for item in back] == ["Paper", "Paper"]
    assert "determine} the relative" in back[0].abstract and "NOT}gate" in back[0].abstract
    assert back[1].title == "Balanced BERT title"


def test_export_of_an_empty_store_writes_the_columns(store, tmp_path):
    assert export_corpus(store.iter_papers(), tmp_path / "e.parquet") == 0
    assert list(pd.read_parquet(tmp_path / "e.parquet").columns) == export.COLUMNS
    assert export_corpus(store.iter_papers(), tmp_path / "e.csv") == 0
    assert (tmp_path / "e.csv").read_text().strip() == ",".join(export.COLUMNS)


def test_bibtex_export_keeps_the_citation_keys_it_was_given(tmp_path, store):
    """A paper read from BibTeX is exported under its own key (so documents citing it still build); a repeated key
    (loaded as key#2) and papers from other sources get keys made from their ids."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{vaswani2017attention, title={Attention Is All You Need}, year={2017},\n"
                   "  author={Vaswani, Ashish}, abstract={We propose the Transformer, a simple network.}}\n"
                   "@article{smith:2020/x, title={A toy study}, year={2020}, abstract={one two three four five}}\n"
                   "@article{smith:2020/x, title={Another toy study}, year={2021}, abstract={six seven eight nine ten}}\n")
    csv = tmp_path / "t.csv"
    csv.write_text("id,Title,Year,Abstract\n2101.00001,A toy preprint,2021,one two three four five six\n")
    ingest_files([bib, csv], store)
    out = tmp_path / "out.bib"
    export_corpus(store.iter_papers(), out, "bibtex")
    keys = {p.title: p.source_id for p in bibtex.read(out) if isinstance(p, Paper)}
    (repeat,) = [p.id for p in store.get_papers() if p.title == "Another toy study"]
    assert repeat.startswith("title:") and store.get_papers([repeat])[0].source_id == "smith:2020/x#2"
    assert keys == {"Attention Is All You Need": "vaswani2017attention", "A toy study": "smith:2020/x",
                    "Another toy study": repeat, "A toy preprint": "2101.00001"}
