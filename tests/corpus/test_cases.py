"""The bug-report cases owned by the corpus layer, one test per case file."""
from __future__ import annotations


import pytest

from homog.corpus.identity import filename_to_id, id_to_filename
from homog.corpus.ingest import ingest_files
from homog.corpus.record import Paper
from homog.corpus.sources import arxiv_atom, arxiv_snapshot, csv_table, jsonl_records
from homog.errors import HomogError, Problem


def _split(items):
    items = list(items)
    return [i for i in items if isinstance(i, Paper)], [i for i in items if isinstance(i, Problem)]


def test_case_01_arxiv_version_dedup(cases_dir, store):
    """Case 01-arxiv-version-dedup: one paper under 2101.00001, v1 and v3; a different 2101.00010."""
    report = ingest_files([cases_dir / "01-arxiv-version-dedup.jsonl"], store)
    assert sorted(report.ids) == ["2101.00001", "2101.00010"]  # points 1 and 5
    paper, other = store.get_papers(["2101.00001", "2101.00010"])
    assert paper.versions_seen == [1, 3] and paper.n_source_records == 3  # point 2
    assert paper.date == "2021-01-01" and paper.year == 2021  # point 3
    assert paper.text_version == 3  # point 4
    assert paper.title == "A toy method for sparse and dense graph clustering"
    assert paper.abstract.startswith("We propose a toy method for clustering sparse and dense graphs")
    assert other.versions_seen == [2] and other.n_source_records == 1
    assert report.summary() == "2 papers from 1 file: 4 records read, 2 merged, 0 skipped"


def test_case_02_old_style_ids(cases_dir, store):
    """Case 02-old-style-ids: archive/YYMMNNN ids, subject classes, a bare number rejected."""
    path = cases_dir / "02-old-style-ids.csv"
    report = ingest_files([path], store)
    assert sorted(report.ids) == ["hep-th/9901001", "math/0309136", "math/9901001"]  # points 1, 2, 6
    hep, knots, lemma = store.get_papers(["hep-th/9901001", "math/0309136", "math/9901001"])
    assert hep.n_source_records == 3 and hep.versions_seen == [2]
    assert hep.title == "Toy strings on a circle (revised)"
    assert "math.GT" in knots.categories and knots.id == "math/0309136"
    assert (hep.year, lemma.year, knots.year) == (1999, 1999, 2003)  # point 3
    assert [str(p) for p in report.problems] == [  # point 4
        "02-old-style-ids.csv: line 6: arXiv id '0112019' lacks its archive (e.g. 'quant-ph/0112019'); "
        "cannot identify the paper"]
    assert report.files[0].skipped == 1 and report.files[0].loaded == 3
    for paper_id in report.ids:  # point 5
        assert "/" not in id_to_filename(paper_id) and filename_to_id(id_to_filename(paper_id)) == paper_id
    assert id_to_filename("hep-th/9901001") == "hep-th_9901001"


def test_case_04_arxiv_error_entry(cases_dir):
    """Case 04-arxiv-error-entry: error and hollow entries in 200-OK feeds are problems, never papers."""
    papers, problems = _split(arxiv_atom.read(cases_dir / "04-arxiv-error-entry.xml"))
    assert papers == []  # point 1
    assert [p.reason for p in problems] == ["arXiv API error for id_list=2101.1: incorrect id format for 2101.1"]
    assert problems[0].severity == "skipped"

    papers, problems = _split(arxiv_atom.read(cases_dir / "04-arxiv-hollow-entry.xml"))
    assert papers == []  # point 2
    assert [p.reason for p in problems] == [
        "arXiv returned an empty entry (no id) for id_list=2101.99999 — id not found"]
    assert problems[0].severity == "warning"

    papers, problems = _split(arxiv_atom.read(cases_dir / "04-arxiv-mixed.xml"))
    assert [p.id for p in papers] == ["2101.00002"]  # point 3: 1 ok, 1 error
    assert len(problems) == 1 and "incorrect id format for 2101.1" in problems[0].reason
    assert papers[0].title == "A toy survey of clustering methods"
    assert papers[0].categories == ["cs.LG", "stat.ML"] and papers[0].primary_category == "cs.LG"


def test_case_04_detection_keys_on_error_id_not_title(tmp_path, cases_dir):
    """Case 04-arxiv-error-entry points 4-5: a real paper titled 'Error' is kept; an error entry never is."""
    text = (cases_dir / "04-arxiv-mixed.xml").read_text()
    real_error_title = text.replace("<title>A toy survey of\n  clustering methods</title>", "<title>Error</title>")
    path = tmp_path / "feed.xml"
    path.write_text(real_error_title)
    papers, problems = _split(arxiv_atom.read(path))
    assert [(p.id, p.title) for p in papers] == [("2101.00002", "Error")]
    assert len(problems) == 1
    for name in ("04-arxiv-error-entry.xml", "04-arxiv-hollow-entry.xml", "04-arxiv-mixed.xml"):
        papers, _ = _split(arxiv_atom.read(cases_dir / name))
        assert all(p.title and p.id != "Error" and "/api/errors" not in p.id for p in papers)


def test_case_07_kaggle_snapshot_fields(cases_dir):
    """Case 07-kaggle-snapshot-fields: first-version UTC dates, split categories, clean text, nulls."""
    papers, problems = _split(arxiv_snapshot.read(cases_dir / "07-kaggle-snapshot-fields.jsonl"))
    assert problems == []
    by_id = {p.id: p for p in papers}
    bench, lemma, late = by_id["1905.00001"], by_id["math/0101001"], by_id["2312.99999"]
    assert (bench.date, bench.year) == ("2019-05-01", 2019)  # point 1
    assert lemma.year == 2001
    assert (late.date, late.year) == ("2023-12-31", 2023)
    assert bench.categories == ["cs.LG", "stat.ML", "cs.DL"] and bench.primary_category == "cs.LG"  # point 2
    assert bench.title == "A toy benchmark for clustering research methods"  # point 3
    assert bench.abstract.startswith("We introduce a toy benchmark") and "\n" not in bench.abstract  # point 4
    assert bench.abstract.endswith("a density-based method.") and "  " not in bench.abstract
    assert "year.This" not in late.abstract and "year." in late.abstract and "This second" in late.abstract
    assert bench.doi is None and bench.venue is None  # point 5
    assert lemma.venue == "Toy J. Math. 1 (2002) 1-2"
    assert all("None" not in str(v) for p in papers for v in (p.doi, p.venue) if v is not None)
    assert bench.text_version == 2 and bench.versions_seen == [1, 2]


def test_case_07_streaming_filters(cases_dir):
    """Case 07-kaggle-snapshot-fields point 6: category and date filters applied while reading."""
    path = cases_dir / "07-kaggle-snapshot-fields.jsonl"
    assert [p.id for p in arxiv_snapshot.read(path, categories=["cs."])] == ["1905.00001", "2312.99999"]
    assert [p.id for p in arxiv_snapshot.read(path, categories="math")] == ["math/0101001"]
    assert [p.id for p in arxiv_snapshot.read(path, date_from="2019-01-01", date_to="2023-12-31")] == [
        "1905.00001", "2312.99999"]


def test_case_10_scopus_csv_bom_columns(cases_dir):
    """Case 10-scopus-csv-bom-columns: BOM, quoted newlines, placeholder abstract, header aliases."""
    papers, problems = _split(csv_table.read(cases_dir / "10-scopus-bom.csv"))
    assert len(papers) == 3 and problems == []  # point 1
    assert [p.authors for p in papers] == [["Author A.", "Author B."], ["Author C."], ["Author D."]]
    assert papers[0].abstract == "We revisit toy clustering. A second line inside the quoted field."  # point 2
    assert papers[1].abstract is None and papers[1].abstract_missing == "placeholder:'[No abstract available]'"
    assert papers[1].year == 2021  # point 3: still counts in per-year totals
    assert papers[2].title == "Ünïcode tïtle with “curly quotes”" and papers[2].doi is None  # point 4
    assert papers[2].id.startswith("title:")

    papers, problems = _split(csv_table.read(cases_dir / "10-springer-style.csv"))  # point 5
    assert [(p.title, p.doi, p.year, p.venue) for p in papers] == [
        ("A toy chapter on embeddings", "10.0000/toy.2019.003", 2019, "Toy Book Series")]
    assert papers[0].abstract_missing == "absent"
    assert [str(p) for p in problems] == [
        "10-springer-style.csv: columns: no abstract column found (looked for: Abstract, abstract, AB, "
        "summaries, summary, Summary); 1 record loaded without abstract"]


def test_case_10_no_title_or_abstract_column(tmp_path):
    """Case 10-scopus-csv-bom-columns point 6: no title and no abstract column -> error listing headers."""
    path = tmp_path / "bad.csv"
    path.write_text("Authors,Year,Cited by\nA.,2020,3\n", encoding="utf-8")
    with pytest.raises(HomogError) as err:
        list(csv_table.read(path))
    assert err.value.message == "bad.csv: no title or abstract column found; headers seen: Authors, Year, Cited by"


def test_case_10_two_empty_dois_are_not_duplicates(tmp_path):
    """Case 10-scopus-csv-bom-columns point 4: empty DOIs are never a merge key."""
    path = tmp_path / "two.csv"
    path.write_text("Title,DOI,Year,Abstract\nFirst toy,,2020,a b c d e f\nSecond toy,,2020,g h i j k l\n")
    papers, _ = _split(csv_table.read(path))
    assert len({p.id for p in papers}) == 2 and all(p.doi is None for p in papers)


def test_case_13_missing_empty_abstracts(cases_dir, store):
    """Case 13-missing-empty-abstracts points 1 and 3: each missing shape has its reason; coverage counts."""
    papers, problems = _split(jsonl_records.read(cases_dir / "13-missing-empty-abstracts.jsonl"))
    assert problems == []
    reasons = {p.source_id: p.abstract_missing for p in papers}
    assert reasons == {
        "s2-0001": None, "s2-0002": "null", "s2-0003": "empty", "s2-0004": "whitespace", "s2-0005": "absent",
        "s2-0006": "placeholder:'None'", "s2-0007": "too short (<5 tokens)", "s2-0008": None,
    }
    assert all(p.abstract is None for p in papers if p.abstract_missing)
    report = ingest_files([cases_dir / "13-missing-empty-abstracts.jsonl"], store)
    assert report.coverage == {"semantic-scholar": (2, 8)}
    assert report.coverage_lines() == ["semantic-scholar: 2/8 with abstracts"]
    assert {"2203.00001", "2301.00002", "doi:10.0000/toy.2022.021"} <= set(report.ids)


def test_case_13_csv_placeholders_read_as_text(cases_dir):
    """Case 13-missing-empty-abstracts point 2: empty, NA and nan cells are missing (read as text)."""
    papers, _ = _split(csv_table.read(cases_dir / "13-missing-empty-abstracts.csv"))
    reasons = {p.source_id: p.abstract_missing for p in papers}
    assert {k: reasons[k] for k in ("c2", "c3", "c4")} == {
        "c2": "empty", "c3": "placeholder:'NA'", "c4": "placeholder:'nan'"}


def test_case_13_csv_one_usable_abstract(cases_dir):
    """Case 13-missing-empty-abstracts point 2: exactly one CSV record (c1) has a usable abstract."""
    papers, _ = _split(csv_table.read(cases_dir / "13-missing-empty-abstracts.csv"))
    assert [p.source_id for p in papers if p.abstract_missing is None] == ["c1"]
