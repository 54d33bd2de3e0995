"""Bad input never ends a load with a traceback: a damaged record is skipped with its file, line and reason, the
records around it load, and a file in another encoding is read and flagged."""
from __future__ import annotations

import pytest

from homog.corpus.detect import detect_reader
from homog.corpus.ingest import ingest_files
from homog.corpus.record import Paper
from homog.corpus.sources import bibtex, ris
from homog.errors import HomogError, Problem

SAMPLE = "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl"
TABLE = "Title,Year,Abstract\nÉtude of a toy café,2020,Une étude du café avec cinq mots ou plus.\n"


def _split(items):
    items = list(items)
    return [i for i in items if isinstance(i, Paper)], [i for i in items if isinstance(i, Problem)]


def test_snapshot_line_that_is_not_utf8_is_skipped_and_the_rest_loads(tmp_path, data_dir, store):
    """A damaged byte in a field homog reads (the title) skips that line; one in a field it passes over (in the
    fast path) does not matter."""
    lines = (data_dir / SAMPLE).read_bytes().splitlines(keepends=True)
    at = lines[49].index(b'"title":"') + 12
    damaged = lines[49][:at] + b"\xe9" + lines[49][at + 1:]
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(b"".join(lines[:49] + [damaged] + lines[50:]))
    report = ingest_files([path], store)
    assert len(report.ids) == 199 and store.count_papers() == 199
    (problem,) = report.problems
    assert problem.record == "line 50" and problem.reason.startswith("not valid UTF-8 (byte 0xe9 at column ")


@pytest.mark.parametrize("encoding, bom, note", [
    ("utf-8", b"", None), ("utf-8", b"\xef\xbb\xbf", None), ("utf-16-le", b"\xff\xfe", None),
    ("cp1252", b"", "not valid UTF-8 (byte 0xc9 at offset 20); read as Windows-1252 (Latin-1)")])
def test_csv_in_any_common_encoding_loads_with_its_accents(tmp_path, store, encoding, bom, note):
    path = tmp_path / "table.csv"
    path.write_bytes(bom + TABLE.encode(encoding))
    assert detect_reader(path) == "csv_table"
    report = ingest_files([path], store)
    (paper,) = store.get_papers(report.ids)
    assert paper.title == "Étude of a toy café" and paper.abstract.startswith("Une étude du café")
    warnings = [p.reason for p in report.problems if p.record == "encoding"]
    assert [w[:len(note)] for w in warnings] == ([note] if note else [])


def test_bibtex_markup_the_latex_converter_cannot_read_stays_as_text(tmp_path):
    """pylatexenc 2.11 fails on ``\\href{url}{text}`` (a real Keras-sample abstract has one): that field keeps its
    text, and the file loads."""
    path = tmp_path / "href.bib"
    path.write_text("@article{a1, title={Code at \\href{https://x.org/y}{our site}}, year={2020},\n"
                    "  abstract={We release code at \\href{https://x.org/y}{our site} for all to use.}}\n"
                    "@article{a2, title={G{\\\"o}del and $\\alpha$}, year={2021}, abstract={one two three four five}}\n")
    papers, problems = _split(bibtex.read(path))
    assert [p.source_id for p in papers] == ["a1", "a2"] and problems == []
    assert "our site" in papers[0].title and papers[1].title == "Gödel and α"


def test_json_lines_whose_first_line_is_broken(tmp_path, store):
    path = tmp_path / "records.jsonl"
    path.write_text('{"title": "broken", \n{"id": "2101.00001", "title": "T", "abstract": "one two three four five"}\n')
    assert detect_reader(path) == "jsonl_records"
    report = ingest_files([path], store)
    assert report.ids == ["2101.00001"]
    assert [str(p) for p in report.problems] == [
        "records.jsonl: line 1: malformed JSON (Expecting property name enclosed in double quotes at column 20)"]


def test_json_error_text_names_the_cause_once(tmp_path, store):
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "2101.00001", "title": "T\x01"}\n{"id": "2101.00002", "title": "Fine"}\n')
    (problem,) = ingest_files([path], store).problems
    assert problem.reason == "malformed JSON (Invalid control character at column 33)"


def test_empty_file_says_so(tmp_path):
    path = tmp_path / "nothing.jsonl"
    path.write_text("\n  \n")
    with pytest.raises(HomogError, match="nothing.jsonl: empty file"):
        detect_reader(path)


def test_ris_record_without_its_end_line_does_not_swallow_the_next(data_dir, tmp_path):
    """Drop the ER line of the second record of the real RIS export: records 2 and 3 stay two records, with a
    warning naming record 2; a last record without ER still loads."""
    text = (data_dir / "exports-litstudy" / "tests_example.ris").read_text(encoding="utf-8-sig")
    ends = [i for i, line in enumerate(text.splitlines()) if line.startswith("ER  -")]
    lines = text.splitlines()
    cut = [line for i, line in enumerate(lines) if i not in (ends[1], ends[-1])]
    path = tmp_path / "cut.ris"
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    whole, _ = _split(ris.read_ris(data_dir / "exports-litstudy" / "tests_example.ris"))
    papers, problems = _split(ris.read_ris(path))
    assert [(p.title, p.doi, p.abstract) for p in papers] == [(p.title, p.doi, p.abstract) for p in whole]
    assert [(p.record.split(" (")[0], p.severity) for p in problems] == [("record 2", "warning"),
                                                                         ("record 25", "warning")]
    assert all("no 'ER' line ends this record" in p.reason for p in problems)


def test_snapshot_with_a_byte_order_mark_loads_its_first_record(tmp_path, data_dir, store):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (data_dir / SAMPLE).read_bytes())
    assert detect_reader(path) == "arxiv_snapshot"
    report = ingest_files([path], store)
    assert len(report.ids) == 200 and report.problems == []


def test_bibtex_entry_missing_its_closing_brace_says_so(tmp_path):
    path = tmp_path / "brace.bib"
    path.write_text("@article{a1, title={First}, year={2020}, abstract={one two three four five six}}\n\n"
                    "@article{a2, title={Second, year={2021}, abstract={one two three four five six}}\n\n"
                    "@article{a3, title={Third}, year={2022}, abstract={one two three four five six}}\n")
    papers, problems = _split(bibtex.read(path))
    assert [p.source_id for p in papers] == ["a1", "a3"]
    (problem,) = problems
    assert problem.record == "line 3" and problem.reason.startswith("malformed entry skipped (unbalanced braces: ")
