"""Ingest: detection, merging across files and with the store, idempotent re-ingest, errors."""
from __future__ import annotations

import gzip
import shutil

import pytest

from homog.corpus.detect import detect_reader
from homog.corpus.ingest import ingest_files
from homog.errors import HomogError


@pytest.mark.parametrize("rel, reader", [
    ("cases/04-arxiv-mixed.xml", "arxiv_atom"), ("cases/07-kaggle-snapshot-fields.jsonl", "arxiv_snapshot"),
    ("cases/13-missing-empty-abstracts.jsonl", "jsonl_records"), ("cases/10-scopus-bom.csv", "csv_table"),
    ("data/arxiv-cs-sample/arxiv_cs_october19_sample_20.json", "jsonl_records"),
    ("data/arxiv-api-atom/legacy_fixtures/id_list=1111.2011v2.xml", "arxiv_atom"),
])
def test_detect_reader(cases_dir, rel, reader):
    assert detect_reader(cases_dir.parent / rel) == reader


def test_detect_reader_by_content_and_gzip(tmp_path, cases_dir):
    disguised = tmp_path / "feed.txt"
    shutil.copy(cases_dir / "04-arxiv-mixed.xml", disguised)
    assert detect_reader(disguised) == "arxiv_atom"
    packed = tmp_path / "snap.jsonl.gz"
    packed.write_bytes(gzip.compress((cases_dir / "07-kaggle-snapshot-fields.jsonl").read_bytes()))
    assert detect_reader(packed) == "arxiv_snapshot"
    unknown = tmp_path / "notes.bin"
    unknown.write_text("just some words\n")
    with pytest.raises(HomogError) as err:
        detect_reader(unknown)
    assert err.value.file == str(unknown)


def test_ingest_gzip_snapshot(tmp_path, cases_dir, store):
    packed = tmp_path / "snap.jsonl.gz"
    packed.write_bytes(gzip.compress((cases_dir / "07-kaggle-snapshot-fields.jsonl").read_bytes()))
    report = ingest_files([packed], store)
    assert report.ids == ["1905.00001", "math/0101001", "2312.99999"]


def test_ingest_twice_stores_nothing_new(cases_dir, data_dir, store):
    files = [cases_dir / "01-arxiv-version-dedup.jsonl", data_dir / "openreview-confs" / "NIPS13_paper.csv"]
    first = ingest_files(files, store)
    before = [p.to_dict() for p in store.get_papers()]
    second = ingest_files(files, store)
    assert second.ids == first.ids and len(first.ids) == 2 + 359
    assert [p.to_dict() for p in store.get_papers()] == before
    assert all(row.reused for row in second.files) and not any(row.reused for row in first.files)
    assert first.summary() == "361 papers from 2 files: 364 records read, 3 merged, 0 skipped"
    assert second.summary() == first.summary() + (" (2 files were loaded before with the same bytes and filters: "
                                                  "counts are from then, nothing read again)")


def test_ingest_merges_across_files_and_store(data_dir, store):
    snapshot = data_dir / "arxiv-kaggle-jsonl" / "arxiv-metadata-oai-snapshot.sample.jsonl"
    table = data_dir / "arxiv-kaggle-2007" / "arxiv_data.csv"
    ingest_files([snapshot], store)
    report = ingest_files([table], store)
    assert len(report.ids) == 2000 and store.count_papers() == 2000
    (paper,) = store.get_papers(["0704.0001"])
    assert paper.n_source_records == 2 and paper.sources == ["arxiv-snapshot", "arxiv-csv"]
    assert paper.date == "2007-04-02"


def test_ingest_merges_by_doi(tmp_path, store):
    first = tmp_path / "a.csv"
    first.write_text("id,Title,DOI,Year,Abstract\n2101.00001,A toy,10.1/X,2021,one two three four five\n")
    second = tmp_path / "b.csv"
    second.write_text("Title,DOI,Year,Abstract\nA toy (journal),https://doi.org/10.1/x,2022,six seven eight nine ten\n")
    report = ingest_files([first, second], store)
    assert report.ids == ["2101.00001"]
    (paper,) = store.get_papers(["2101.00001"])
    assert paper.n_source_records == 2 and paper.doi == "10.1/x"


def test_ingest_missing_file_names_it(tmp_path, store):
    missing = tmp_path / "nope.csv"
    with pytest.raises(HomogError) as err:
        ingest_files([missing], store)
    assert err.value.file == str(missing) and str(missing) in err.value.message


def test_ingest_progress_and_coverage(cases_dir, store):
    seen = []
    report = ingest_files([cases_dir / "10-scopus-bom.csv", cases_dir / "10-springer-style.csv"], store,
                          on_progress=seen.append)
    assert [row.path for row in seen] == [str(cases_dir / "10-scopus-bom.csv"),
                                          str(cases_dir / "10-springer-style.csv")]
    assert report.coverage == {"scopus": (2, 3), "springer": (0, 1)}  # sources named by their exporter
    assert any("no abstract column found" in p.reason for p in report.problems)


def test_stored_papers_come_back_equal(store, data_dir):
    from dataclasses import fields

    from homog.corpus.record import Paper
    from homog.corpus.sources import arxiv_snapshot
    from homog.store import _PAPER_COLUMNS

    assert tuple(f.name for f in fields(Paper)) == _PAPER_COLUMNS
    papers = [p for p in arxiv_snapshot.read(data_dir / "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl")]
    store.put_loaded(papers)
    back = store.get_papers([p.id for p in papers])
    assert [repr(p) for p in back] == [repr(p) for p in papers] and back == papers


def test_two_arxiv_preprints_sharing_a_journal_doi_stay_two_papers(data_dir, store):
    """In the real OAI page, 1708.09427 and 1711.05775 both give the DOI of the one journal article that grew
    from them: two submissions, two papers (a DOI merges records of one paper, never two arXiv ids)."""
    page = next((data_dir / "arxiv-oai-pmh").glob("*.xml"))
    report = ingest_files([page], store)
    first, second = store.get_papers(["1708.09427", "1711.05775"])
    assert first.doi == second.doi == "10.1038/s41598-019-48995-4"
    assert first.n_source_records == second.n_source_records == 1
    assert len(report.ids) == 1000 and report.merges == []


def test_a_bad_path_anywhere_in_the_list_loads_nothing(cases_dir, data_dir, store, tmp_path):
    """A user trial found the files before a bad one loaded and the rest not: every path is checked first."""
    empty, folder = tmp_path / "empty.csv", tmp_path / "folder"
    empty.write_text("")
    folder.mkdir()
    good = [cases_dir / "01-arxiv-version-dedup.jsonl", data_dir / "openreview-confs" / "NIPS13_paper.csv"]
    for bad, reason in [(empty, "empty file"), (folder, "is a folder"), (tmp_path / "gone.csv", "file not found")]:
        with pytest.raises(HomogError, match=f"{bad.name}: {reason}.*nothing was loaded"):
            ingest_files([good[0], bad, good[1]], store)
        assert store.count_papers() == 0


def test_papers_without_a_usable_abstract_name_their_file(cases_dir, store):
    report = ingest_files([cases_dir / "13-missing-empty-abstracts.csv"], store)
    rows = report.dedup_rows()
    excluded = rows[rows["reason"].str.startswith("excluded from embedding")]
    assert len(excluded) > 0 and set(excluded["origin"]) == {"13-missing-empty-abstracts.csv"}


@pytest.mark.parametrize("limits, kept", [("max_papers = 100\n", 100), ("[[source]]\nmax_results = 50\n", 50)])
def test_size_limits_of_a_spec_apply_to_file_sources(data_dir, store, tmp_path, limits, kept):
    """A user trial found max_papers/max_results ignored for file sources: the corpus is the file's first papers."""
    nips = data_dir / "openreview-confs" / "NIPS13_paper.csv"
    source = f'kind = "file"\npath = "{nips}"\n'
    text = (f'name = "capped"\n{limits}{source}' if limits.startswith("[[") else
            f'name = "capped"\n{limits}[[source]]\n{source}')
    spec = tmp_path / "capped.toml"
    spec.write_text(text)
    report = ingest_files([spec], store)
    whole = ingest_files([nips], store)
    assert report.ids == whole.ids[:kept] and len(whole.ids) == 359
    (warning,) = [p for p in report.problems if p.record == "size limit"]
    assert warning.reason == f"the specification keeps the first {kept} of its 359 papers (max_results, max_papers)"
