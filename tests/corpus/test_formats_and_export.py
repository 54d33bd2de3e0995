"""New file formats (BibTeX, RIS, Web of Science, OpenAlex), the dedup report, exports and the corpus CLI."""
from __future__ import annotations

import json

import pandas as pd
import typer
from typer.testing import CliRunner

from homog.cli_corpus import corpus_app, harvest
from homog.corpus.detect import detect_reader
from homog.corpus.ingest import ingest_files
from homog.corpus.record import Paper
from homog.corpus.sources import bibtex, openalex, ris
from homog.errors import Problem

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def _split(items):
    items = list(items)
    return [i for i in items if isinstance(i, Paper)], [i for i in items if isinstance(i, Problem)]


def test_case_09_bibtex_malformed(cases_dir, store):
    """Case 09-bibtex-malformed: stray text, missing comma, no key, duplicate key, one-field entry."""
    path = cases_dir / "09-bibtex-malformed.bib"
    assert detect_reader(path) == "bibtex"
    papers, problems = _split(bibtex.read(path))
    by_key = {p.source_id: p for p in papers}
    assert sorted(by_key) == ["good2020", "good2020#2", "missingcomma2020", "onefield2022"]  # points 1, 2
    assert by_key["good2020"].title == "A well-formed toy entry"
    assert by_key["good2020#2"].title == "A different toy paper that reuses the key good2020"
    reasons = [str(p) for p in problems]
    assert ("09-bibtex-malformed.bib: entry at line 25 'good2020': duplicate BibTeX key 'good2020' "
            "(lines 4 and 25): kept both, titles differ") in reasons
    fixed = by_key["missingcomma2020"]  # point 3: recovered, title never inside the author field
    assert fixed.authors == ["Author, B."] and fixed.title.startswith("A toy entry with a missing comma")
    assert any("entry at line 11 'missingcomma2020': missing ',' after field 'author'" in r for r in reasons)
    assert "09-bibtex-malformed.bib: line 18: entry has no citation key; skipped" in reasons  # point 4
    assert all("Toy Organisation" not in (p.source_id or "") for p in papers)
    one = by_key["onefield2022"]  # point 5
    assert one.year is None and one.abstract is None
    assert any("'onefield2022': excluded from time analysis (no year)" in r for r in reasons)
    assert any("'onefield2022': excluded from embedding" in r for r in reasons)
    report = ingest_files([path], store)  # point 6
    row = report.files[0]
    assert (row.records_read, row.loaded, row.skipped) == (5, 4, 1)
    assert report.to_dict()["problems"] == reasons


def test_bibtex_latex_to_unicode(tmp_path):
    path = tmp_path / "x.bib"
    path.write_text(r"""@inproceedings{k1, title = {{\"U}ber $\alpha$-Divergenz f{\"u}r {GANs}},
  author = {M{\"u}ller, J{\'e}r{\^o}me and Smith, A.}, year = 2019, booktitle = {Proc. Toy},
  abstract = {We reduce cost by 50\% with $O(n^2)$ work on {\'e}t{\'e} data sets.}}
""")
    (paper,) = _split(bibtex.read(path))[0]
    assert paper.title == "Über α-Divergenz für GANs"
    assert paper.authors == ["Müller, Jérôme", "Smith, A."] and paper.year == 2019
    assert paper.abstract == "We reduce cost by 50% with O(n^2) work on été data sets." and paper.venue == "Proc. Toy"


def test_bibtex_arxiv_id_from_url_or_journal(tmp_path):
    """An entry that names its arXiv id only in ``url`` or ``journal`` is that arXiv paper (a trial user's export
    merged nothing with the arXiv harvest); a url that is not an arXiv id leaves the entry as it was."""
    path = tmp_path / "links.bib"
    path.write_text("@misc{a, title={A}, year={2019}, url={https://arxiv.org/abs/1910.00888v2}}\n"
                    "@article{b, title={B}, year={2019}, journal={arXiv preprint arXiv:1910.00330}}\n"
                    "@misc{c, title={C}, year={2007}, url={http://arxiv.org/pdf/hep-th/0701001.pdf}}\n"
                    "@misc{d, title={D}, year={2019}, url={https://arxiv.org/abs/help}}\n")
    papers, _ = _split(bibtex.read(path))
    assert [p.id for p in papers] == ["1910.00888", "1910.00330", "hep-th/0701001", papers[3].id]
    assert papers[3].id.startswith("title:")


def test_ris_litstudy_example(data_dir):
    path = data_dir / "exports-litstudy" / "tests_example.ris"
    assert detect_reader(path) == "ris"
    papers, problems = _split(ris.read_ris(path))
    assert len(papers) == 25 and problems == []
    assert papers[0].title == "The European Approach to the Exascale Challenge"
    assert papers[0].doi == "10.1109/mcse.2018.2884139" and papers[0].year == 2019
    assert papers[0].authors == ["G. Kalbe"]  # the repeated AU line is one author
    assert {p.year for p in papers} <= set(range(2009, 2022))


def test_web_of_science_plain_and_tab():
    plain, _ = _split(ris.read_wos(FIXTURES / "wos_savedrecs.txt"))
    assert detect_reader(FIXTURES / "wos_savedrecs.txt") == "wos"
    assert detect_reader(FIXTURES / "wos_savedrecs.tsv") == "wos_tab"
    from homog.corpus.detect import READERS

    tab, _ = _split(READERS["wos_tab"](FIXTURES / "wos_savedrecs.tsv"))
    for papers in (plain, tab):
        assert [p.id for p in papers][0] == "doi:10.1000/toy.2021.1"
        assert papers[0].authors == ["Toy, Alice", "Example, Bob"] and papers[0].venue == "JOURNAL OF TOY RESEARCH"
        assert papers[0].title == "A toy study of method clusters in machine learning research"
        assert papers[1].abstract is None and papers[1].year == 2019
        assert papers[1].source_id == "WOS:000000000000002"


def test_openalex_inverted_index_and_arxiv_identity(tmp_path):
    works = [
        {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.48550/arXiv.2101.00001", "title": "Toy",
         "publication_year": 2021, "publication_date": "2021-01-01",
         "abstract_inverted_index": {"We": [0], "cluster": [1], "toy": [2, 4], "abstracts": [3], "again.": [5]},
         "authorships": [{"author": {"display_name": "A. Author"}}]},
        {"id": "https://openalex.org/W2", "doi": "https://doi.org/10.1/ABC", "display_name": "Other",
         "publication_year": 2020, "abstract_inverted_index": None},
    ]
    path = tmp_path / "works.json"
    path.write_text(json.dumps({"meta": {"count": 2}, "results": works}))
    assert detect_reader(path) == "openalex"
    first, second = _split(openalex.read(path))[0]
    assert first.id == "2101.00001" and first.abstract == "We cluster toy abstracts toy again."
    assert first.authors == ["A. Author"] and first.doi is None
    assert second.id == "doi:10.1/abc" and second.abstract_missing == "absent"
    lines = tmp_path / "works.jsonl"
    lines.write_text("\n".join(json.dumps(w) for w in works) + "\n{broken\n")
    papers, problems = _split(openalex.read(lines))
    assert len(papers) == 2 and problems[0].record == "line 3"


def test_merge_by_title_and_year_across_sources_and_dedup_report(tmp_path, store):
    arxiv_csv = tmp_path / "a.csv"
    arxiv_csv.write_text("id,Title,Year,Abstract\n2101.00001,A Toy Study!,2021,one two three four five six\n")
    scopus = tmp_path / "b.csv"
    scopus.write_text("Title,DOI,Year,Abstract\na toy study,10.9/J,2021,one two three four five six\n"
                      "Withdrawn toy,10.9/K,2021,This paper has been withdrawn by the authors.\n")
    report = ingest_files([arxiv_csv, scopus], store)
    assert report.ids == ["2101.00001", "doi:10.9/k"]
    (paper,) = store.get_papers(["2101.00001"])
    assert paper.doi == "10.9/j" and paper.n_source_records == 2
    rows = report.dedup_rows()
    assert list(rows.columns) == ["kept_id", "merged_id_or_record", "source", "origin", "reason"]
    assert rows.to_dict("records") == [
        {"kept_id": "2101.00001", "merged_id_or_record": "doi:10.9/j", "source": "csv", "origin": "b.csv",
         "reason": "same title and year (already stored)"},
        {"kept_id": "doi:10.9/k", "merged_id_or_record": "doi:10.9/k", "source": "csv", "origin": "b.csv",
         "reason": "excluded from embedding (abstract withdrawn)"}]
    data = report.to_dict()
    json.dumps(data)
    assert set(data) >= {"ids", "files", "problems", "abstract_coverage", "summary", "harvest", "counts"}
    assert data["abstract_coverage"] == {"csv": {"with_abstract": 1, "papers": 2}}
    assert set(data["files"][0]) >= {"path", "sha256", "reader", "records_read", "loaded", "merged", "skipped"}


def _app():
    app = typer.Typer()
    app.command()(harvest)
    app.add_typer(corpus_app, name="corpus")
    return app


def test_cli_harvest_stats_export(tmp_path, cases_dir):
    db = tmp_path / "s.sqlite"
    spec = tmp_path / "spec.toml"
    spec.write_text(f'name = "files"\n[[source]]\nkind = "file"\npath = "{cases_dir / "07-kaggle-snapshot-fields.jsonl"}"\n'
                    'categories = ["cs"]\n')
    runner = CliRunner()
    result = runner.invoke(_app(), ["harvest", str(spec), "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert "2 papers from 1 file" in result.output
    result = runner.invoke(_app(), ["corpus", "stats", "--store", str(db)])
    assert result.exit_code == 0 and "papers per year" in result.output and "cs.LG" in result.output
    for fmt, name in (("parquet", "c.parquet"), ("csv", "c.csv"), ("bibtex", "c.bib")):
        result = runner.invoke(_app(), ["corpus", "export", "--format", fmt, str(tmp_path / name), "--store", str(db)])
        assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "c.parquet")
    assert list(frame.columns) == ["id", "title", "abstract", "authors", "date", "year", "categories",
                                   "primary_category", "venue", "doi", "sources"]
    assert sorted(frame["id"]) == ["1905.00001", "2312.99999"]
    assert list(pd.read_csv(tmp_path / "c.csv", dtype=str)["id"]) == list(frame["id"])
    back, _ = _split(bibtex.read(tmp_path / "c.bib"))
    assert sorted(p.title for p in back) == sorted(frame["title"])
    bad = runner.invoke(_app(), ["corpus", "export", str(tmp_path / "c.xyz"), "--store", str(db)])
    assert bad.exit_code == 2 and "cannot tell the format from the extension" in bad.output
    broken = tmp_path / "broken.toml"
    broken.write_text('[[source]]\nkind = "ftp"\n')
    bad = runner.invoke(_app(), ["harvest", str(broken), "--store", str(db)])
    assert bad.exit_code == 2 and "kind 'ftp' is not one of" in bad.output


def test_dedup_report_names_title_keyed_records_and_their_file(tmp_path, store):
    """A record identified only by its title is named by title and year, with the file it came from."""
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text("Title,Year,Abstract\nA toy study of merging,2020,one two three four five six\n")
    second.write_text("Title,Year,Abstract\nA Toy Study of Merging!,2020,one two three four five six seven\n"
                      "A Toy Study of Merging,2020,one two three four five six seven eight\n")
    rows = ingest_files([first, second], store).dedup_rows().to_dict("records")
    label = '"A Toy Study of Merging!" (2020)'
    assert [(r["merged_id_or_record"], r["origin"], r["reason"]) for r in rows] == [
        ('"A Toy Study of Merging" (2020)', "two.csv", "same title and year"),
        (label, "two.csv", "same title and year (already stored)")]
