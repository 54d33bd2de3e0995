"""Generic CSV with a column mapping: from the Python API, the command line (--column) and a spec file source."""
from __future__ import annotations

from typer.testing import CliRunner

from homog.cli import app
from homog.store import Store

TABLE = ("Paper Heading,Summary Text,Pub Year,Where\n"
         "A toy method for mapping columns,We map the columns of a toy table to fields.,2019,Toy Conf\n"
         "Another toy,We study a second toy table with five words.,2020,Toy Conf\n")


def test_cli_column_option_maps_fields(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(TABLE)
    db = tmp_path / "s.sqlite"
    result = CliRunner().invoke(app, ["ingest", str(path), "--store", str(db), "--column", "title=Paper Heading",
                                      "--column", "abstract=Summary Text", "--column", "year=Pub Year",
                                      "--column", "venue=Where"])
    assert result.exit_code == 0, result.output
    assert "2 papers from 1 file" in result.output
    with Store(db) as store:
        papers = sorted(store.get_papers(), key=lambda p: p.year)
    assert [(p.title, p.year, p.venue) for p in papers] == [
        ("A toy method for mapping columns", 2019, "Toy Conf"), ("Another toy", 2020, "Toy Conf")]
    assert papers[0].abstract == "We map the columns of a toy table to fields."


def test_cli_column_option_errors_name_the_file_and_option(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(TABLE)
    db = str(tmp_path / "s.sqlite")
    bad = CliRunner().invoke(app, ["ingest", str(path), "--store", db, "--column", "title"])
    assert bad.exit_code == 2 and "FIELD=HEADER" in bad.output
    bad = CliRunner().invoke(app, ["ingest", str(path), "--store", db, "--column", "title=Nope"])
    assert bad.exit_code == 2
    assert "mine.csv: column 'Nope' (mapped to title) not in headers: Paper Heading" in bad.output
    bad = CliRunner().invoke(app, ["ingest", str(path), "--store", db, "--column", "colour=Where"])
    assert bad.exit_code == 2 and "unknown field 'colour' in column map" in bad.output


def test_spec_file_source_with_columns_and_defaults(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(TABLE.replace(",Pub Year", "").replace(",2019,", ",").replace(",2020,", ","))
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "mapped"\n[[source]]\nkind = "file"\npath = "mine.csv"\n'
                    'columns = { title = "Paper Heading", abstract = "Summary Text", venue = "Where" }\n'
                    'defaults = { year = 2021 }\n')
    db = tmp_path / "s.sqlite"
    result = CliRunner().invoke(app, ["harvest", str(spec), "--store", str(db)])
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        papers = store.get_papers()
    assert sorted(p.title for p in papers) == ["A toy method for mapping columns", "Another toy"]
    assert {p.year for p in papers} == {2021} and {p.venue for p in papers} == {"Toy Conf"}
    spec.write_text('[[source]]\nkind = "arxiv-api"\nquery = "x"\ncolumns = { title = "T" }\n')
    bad = CliRunner().invoke(app, ["harvest", str(spec), "--store", str(db)])
    assert bad.exit_code == 2 and "'columns' and 'defaults' apply to file sources only" in bad.output
