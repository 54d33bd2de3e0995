"""Every reader on the real shared files, with the record counts their SOURCE.md files give."""
from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from homog.corpus.detect import detect_reader
from homog.corpus.record import Paper
from homog.corpus.sources import arxiv_atom, arxiv_snapshot, csv_table, jsonl_records, oai_pmh
from homog.errors import HomogError, Problem


def _papers(items):
    return [i for i in items if isinstance(i, Paper)]


@pytest.mark.parametrize("name, rows, unique", [
    ("NIPS13_paper.csv", 360, 359), ("NIPS14_paper.csv", 411, 411), ("NIPS15_paper.csv", 403, 402),
    ("NIPS16_paper.csv", 569, 569), ("NIPS17_paper.csv", 679, 679), ("NIPS18_paper.csv", 1009, 1009),
])
def test_openreview_csv(data_dir, name, rows, unique):
    papers = _papers(csv_table.read(data_dir / "openreview-confs" / name))
    assert len(papers) == rows and len({p.id for p in papers}) == unique
    year = 2000 + int(name[4:6])
    assert {p.year for p in papers} == {year} and {p.venue for p in papers} == {"NeurIPS"}
    assert all(p.abstract for p in papers)


def test_venue_and_year_from_file_name(tmp_path):
    path = tmp_path / "ICLR17_submissions.csv"
    path.write_text("PID,Decision,Title,Abstract,Keyword\nB1,1,A toy net,We train a toy net here.,['Deep']\n")
    (paper,) = _papers(csv_table.read(path))
    assert (paper.year, paper.venue, paper.source_id) == (2017, "ICLR", "B1")
    assert _papers(csv_table.read(path, defaults={"venue": "Other"}))[0].venue == "Other"


def test_column_map(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("Heading,Body,When\nA toy,one two three four five,2019\n")
    (paper,) = _papers(csv_table.read(path, column_map={"title": "Heading", "abstract": "Body", "year": "When"}))
    assert (paper.title, paper.abstract, paper.year) == ("A toy", "one two three four five", 2019)
    with pytest.raises(HomogError, match="column 'Nope'"):
        list(csv_table.read(path, column_map={"title": "Nope"}))


def test_arxiv_cs_sample_csv(data_dir):
    papers = _papers(csv_table.read(data_dir / "arxiv-cs-sample" / "sample.csv"))
    assert len(papers) == 100
    new_style = [p for p in papers if "/" not in p.id]  # the SOURCE.md year table counts these 96
    assert dict(Counter(p.year for p in new_style)) == {2010: 5, 2011: 6, 2012: 3, 2013: 7, 2014: 10, 2015: 13,
                                                        2016: 10, 2017: 11, 2018: 17, 2019: 14}
    assert sorted((p.id, p.year) for p in papers if "/" in p.id) == [
        ("cs/0109111", 2001), ("cs/0410056", 2004), ("cs/0603026", 2006), ("cs/0609113", 2006)]
    assert all(p.primary_category == p.categories[0] for p in papers)


def test_arxiv_cs_sample_json_numeric_ids(data_dir):
    path = data_dir / "arxiv-cs-sample" / "arxiv_cs_october19_sample_20.json"
    papers = _papers(jsonl_records.read(path))
    assert len(papers) == 20
    ids = {p.id for p in papers}
    assert {"1910.10400", "1910.00330", "1910.01010"} <= ids  # JSON numbers 1910.104, 1910.0033, 1910.0101
    assert all(len(i.split(".")[1]) == 5 for i in ids)


def test_arxiv_keras_sample_csv(data_dir):
    papers = _papers(csv_table.read(data_dir / "arxiv-keras-sample" / "arxiv_data.csv"))
    assert len(papers) == 1000 and len({p.id for p in papers}) == 993
    assert all(p.year is None for p in papers)
    counts = Counter(c for p in papers for c in p.categories)
    assert counts["cs.CV"] == 592 and counts["cs.LG"] == 564 and counts["stat.ML"] == 302


def test_arxiv_kaggle_2007_csv(data_dir):
    papers = _papers(csv_table.read(data_dir / "arxiv-kaggle-2007" / "arxiv_data.csv"))
    assert [p.id for p in papers] == [f"0704.{n:04d}" for n in range(1, 2001)]  # '704.2' -> '0704.2000' 
    assert {p.year for p in papers} == {2007}
    assert all(p.date.startswith(("2007-03", "2007-04")) for p in papers)
    firsts = Counter(p.primary_category.split(".")[0] for p in papers)
    assert (firsts["astro-ph"], firsts["math"], firsts["cond-mat"], firsts["cs"]) == (398, 384, 380, 76)
    # SOURCE.md's "258 carry a cs.* category" counts the substring "cs." (physics.* too); count independently:
    with open(data_dir / "arxiv-kaggle-2007" / "arxiv_data.csv", newline="", encoding="utf-8") as handle:
        raw = [row["categories"].split() for row in csv.DictReader(handle)]
    expected = sum(any(c.startswith("cs.") for c in cats) for cats in raw)
    assert sum(any(c.startswith("cs.") for c in p.categories) for p in papers) == expected == 82
    assert papers[0].versions_seen == [1, 2] and papers[0].text_version == 2


def test_arxiv_kaggle_jsonl_snapshot(data_dir):
    path = data_dir / "arxiv-kaggle-jsonl" / "arxiv-metadata-oai-snapshot.sample.jsonl"
    assert detect_reader(path) == "arxiv_snapshot"
    papers = _papers(arxiv_snapshot.read(path))
    assert len(papers) == 200 and papers[0].id == "0704.0001" and papers[-1].id == "0704.0200"
    assert {p.year for p in papers} == {2007}
    # SOURCE.md says 36 have a cs.* category, but that counts the substring "cs." (e.g. physics.comp-ph);
    # counted independently from the raw lines:
    raw = [json.loads(line) for line in path.read_text().splitlines()]
    expected = [r["id"] for r in raw if any(c.startswith("cs.") for c in r["categories"].split())]
    assert [p.id for p in arxiv_snapshot.read(path, categories="cs.")] == expected and len(expected) == 8


def test_snapshot_malformed_line_is_a_problem(tmp_path, cases_dir):
    lines = (cases_dir / "07-kaggle-snapshot-fields.jsonl").read_text().splitlines()
    path = tmp_path / "snap.jsonl"
    path.write_text("\n".join([lines[0], '{"id": "broken', lines[1]]) + "\n")
    items = list(arxiv_snapshot.read(path))
    assert [getattr(i, "id", None) for i in items] == ["1905.00001", None, "math/0101001"]
    assert items[1].record == "line 2" and items[1].reason.startswith("malformed JSON")


def test_oai_pmh_page(data_dir):
    path = next((data_dir / "arxiv-oai-pmh").glob("*.xml"))
    assert detect_reader(path) == "oai_pmh"
    reader = oai_pmh.read(path)
    papers = _papers(reader)
    assert len(papers) == 1000 and all(p.abstract for p in papers)
    assert dict(Counter(p.year for p in papers)) == {2012: 3, 2014: 3, 2015: 5, 2016: 16, 2017: 45, 2018: 203,
                                                     2019: 725}
    assert reader.resumption_token == "3996692|1001" and reader.complete_list_size == 2525
    first = papers[0]
    assert (first.id, first.date, first.authors) == ("1207.4664", "2012-07-19",
                                                     ["Alexander V. Mamonov", "Kui Ren"])
    assert first.categories[0] == "physics.med-ph" and first.doi == "10.4310/cms.2014.v12.n2.a1"


@pytest.mark.parametrize("name, records, unique, with_abstract", [
    ("tests_scopus.csv", 58, 55, 57), ("tests_ieee.csv", 10, 10, 10), ("tests_springer.csv", 18, 18, 0),
    ("notebook_springer.csv", 1000, 1000, 0),
])
def test_litstudy_exports(data_dir, name, records, unique, with_abstract):
    items = list(csv_table.read(data_dir / "exports-litstudy" / name))
    papers = _papers(items)
    assert len(papers) == records and len({p.id for p in papers}) == unique
    assert sum(p.abstract is not None for p in papers) == with_abstract
    assert all(p.title for p in papers)
    if with_abstract == 0:
        assert any("no abstract column found" in i.reason for i in items if isinstance(i, Problem))


def test_litstudy_ieee_notebooks(data_dir):
    total = sum(len(_papers(csv_table.read(p))) for p in sorted((data_dir / "exports-litstudy").glob("notebook_ieee_*.csv")))
    assert total == 441


def test_scopus_copyright_removed(data_dir):
    papers = _papers(csv_table.read(data_dir / "exports-litstudy" / "tests_scopus.csv"))
    assert not any("©" in p.abstract or "All rights reserved" in p.abstract for p in papers if p.abstract)
    assert csv_table.strip_copyright("We did x. © 2020 Elsevier B.V. All rights reserved.") == "We did x."
    assert csv_table.strip_copyright("We did x (see ©-free text).") == "We did x (see ©-free text)."


def test_atom_recorded_feeds(data_dir):
    folder = data_dir / "arxiv-api-atom" / "recorded_2026"
    index = json.loads((folder / "index.json").read_text())
    assert sum(e["entries"] for e in index) == 222
    for entry in index:
        items = list(arxiv_atom.read(folder / entry["file"]))
        assert len(items) == entry["entries"], entry["file"]
    problems = [i for i in arxiv_atom.read(folder / "id_abc_s0_m100_b79c8dcf6bc3.xml")]
    assert [p.reason for p in problems] == ["arXiv API error for id_abc_s0_m100_b79c8dcf6bc3.xml: "
                                            "incorrect id format for abc"]
    (old,) = _papers(arxiv_atom.read(folder / "id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml"))
    assert (old.id, old.year, old.versions_seen, old.primary_category) == ("quant-ph/0201082", 2002, [1], "quant-ph")


def test_atom_legacy_feeds(data_dir):
    files = sorted((data_dir / "arxiv-api-atom" / "legacy_fixtures").glob("*.xml"))
    papers = [p for f in files for p in _papers(arxiv_atom.read(f))]
    assert len(papers) == 24 and {p.year for p in papers} <= set(range(2004, 2015))
    (paper,) = _papers(arxiv_atom.read(files[0]))
    assert (paper.id, paper.date, paper.text_version) == ("1111.2011", "2011-11-08", 2)
    assert paper.doi == "10.1103/physrevb.85.115117"


def test_scopus_rows_with_an_extra_cell_keep_their_last_columns(data_dir):
    """56 of the 58 Scopus rows hold one cell more than the header (a 'Funding Text' column it lacks, in the
    middle): the EID, the last column, is still each row's own, and the early columns are unshifted."""
    path = data_dir / "exports-litstudy" / "tests_scopus.csv"
    items = list(csv_table.read(path))
    papers = _papers(items)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert Counter(len(row) for row in rows[1:]) == {46: 56, 45: 2}
    assert [p.source_id for p in papers] == [row[-1] for row in rows[1:]]
    assert all(p.source_id.startswith("2-s2.0-") for p in papers)
    assert [p.year for p in papers] == [int(row[3]) for row in rows[1:]]
    (warning,) = [i for i in items if isinstance(i, Problem)]
    assert warning.severity == "warning" and warning.record == "line 4"
    assert warning.reason.startswith("56 rows have more cells than the 45 headers")


def test_align_cells_takes_both_ends():
    headers = ["a", "b", "c", "d", "e"]
    assert csv_table.align_cells(headers, ["1", "2", "3", "4", "5"]) == dict(zip(headers, "12345"))
    assert csv_table.align_cells(headers, ["1", "2", "3", "x", "y", "4", "5"]) == dict(zip(headers, "12345"))
    assert csv_table.align_cells(headers, ["1", "2"]) == {"a": "1", "b": "2"}
