"""The ingest and harvest commands: generic CSV with a column mapping (--column, a spec file source), and how a
load ends (problems, counts by reason, the dedup report)."""
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


def test_ingest_ends_with_counts_by_reason_and_writes_the_dedup_report(tmp_path, cases_dir):
    """Many bad lines: the first 20 are shown, the rest counted; reasons are tallied; --dedup-report lists all."""
    path = tmp_path / "records.jsonl"
    good = '{"id": "2101.%05d", "title": "Toy %d", "abstract": "A toy abstract with enough words %d."}'
    path.write_text("\n".join([good % (n, n, n) for n in range(1, 4)] + ["{broken"] * 25
                              + ['{"title": "T", "abstract": "This paper has been withdrawn by the authors."}',
                                 '{"id": "2101.00001", "title": "Toy 1", "abstract": "A toy abstract, again."}'])
                    + "\n")
    dedup = tmp_path / "out" / "dedup.csv"
    db = str(tmp_path / "s.sqlite")
    result = CliRunner().invoke(app, ["ingest", str(path), "--store", db, "--dedup-report", str(dedup)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("skipped: records.jsonl: line ") for line in lines) == 20
    assert f"… and 5 more problems (all in {dedup})" in lines
    assert "4 papers from 1 file: 30 records read, 1 merged, 25 skipped" in lines
    assert "  skipped 25: malformed JSON (25)" in lines
    assert "  kept without a usable abstract (not embedded) 1: withdrawn (1)" in lines
    import pandas as pd

    rows = pd.read_csv(dedup, dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["kept_id", "merged_id_or_record", "source", "origin", "reason"]
    assert rows["reason"].str.startswith("skipped: malformed JSON").sum() == 25
    assert list(rows.loc[rows["reason"] == "same id", "origin"]) == ["records.jsonl"]
    assert (rows["reason"] == "excluded from embedding (abstract withdrawn)").sum() == 1


def test_spec_file_source_that_is_missing_names_the_spec_and_source(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('[[source]]\nkind = "file"\npath = "papers.csv"\n')
    bad = CliRunner().invoke(app, ["harvest", str(spec), "--store", str(tmp_path / "s.sqlite")])
    assert bad.exit_code == 2
    assert f"{spec}: source 1: no file at {tmp_path / 'papers.csv'}" in " ".join(bad.output.split())


def test_read_only_commands_do_not_create_a_store(tmp_path):
    missing = tmp_path / "typo.sqlite"
    for args in (["corpus", "stats"], ["corpus", "export", str(tmp_path / "out.csv")]):
        result = CliRunner().invoke(app, [*args, "--store", str(missing)])
        assert result.exit_code == 2 and "typo.sqlite: no store here" in result.output
    assert not missing.exists()


def test_error_text_with_brackets_is_printed_as_written(tmp_path):
    """A spec with no sources: the message names ``[[source]]`` tables (Rich markup once ate the brackets)."""
    spec = tmp_path / "nosrc.toml"
    spec.write_text('name = "empty"\n')
    result = CliRunner().invoke(app, ["harvest", str(spec), "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 2 and "[[source]]" in result.output


def test_loading_a_file_again_says_nothing_was_read(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(TABLE.replace("Paper Heading", "Title").replace("Summary Text", "Abstract"))
    db = str(tmp_path / "s.sqlite")
    first = CliRunner().invoke(app, ["ingest", str(path), "--store", db])
    second = CliRunner().invoke(app, ["ingest", str(path), "--store", db])
    assert first.exit_code == second.exit_code == 0
    assert "nothing read again" not in first.output and "nothing read again" in second.output
