"""A CSV quote that is never closed skips its row with the line it starts on, and the lines it swallowed load as
rows of their own; quoted fields that legitimately run over several lines load as before."""
from __future__ import annotations

import csv

from homog.corpus.ingest import ingest_files
from homog.errors import Problem

HEADER = "Title,Abstract,Year\n"
ROW_A = '"Paper A","A fine abstract with more than five words here",2019\n'
ROW_C = '"Paper C","Another fine abstract with more than five words",2021\n'


def _load(tmp_path, store, text: str):
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    report = ingest_files([path], store)
    papers = sorted(store.get_papers(report.ids), key=lambda p: p.title)
    return {p.title: (p.year, p.abstract) for p in papers}, report.problems


def test_unterminated_quote_skips_its_row_and_the_next_row_loads_intact(tmp_path, store):
    papers, problems = _load(tmp_path, store, HEADER + ROW_A + '"Paper B","unterminated quote,2020\n' + ROW_C)
    assert papers == {"Paper A": (2019, "A fine abstract with more than five words here"),
                      "Paper C": (2021, "Another fine abstract with more than five words")}
    assert problems == [Problem("table.csv", "line 3", "unterminated quoted field (it runs on to line 4); row skipped")]


def test_multi_line_abstract_still_loads(tmp_path, store):
    text = HEADER + '"Paper A","First line of the abstract,\nand its second line, ""quoted""",2019\n' + ROW_C
    papers, problems = _load(tmp_path, store, text)
    assert papers == {"Paper A": (2019, 'First line of the abstract, and its second line, "quoted"'),
                      "Paper C": (2021, "Another fine abstract with more than five words")}
    assert problems == []


def test_multi_line_row_with_one_extra_cell_still_loads_matched_from_both_ends(tmp_path, store):
    """A Scopus row holds one cell more than its header, and a quoted cell of it may span lines."""
    text = HEADER + '"Paper A","An abstract that has more than five words","Lab X;\nLab Y",2019\n' + ROW_C
    papers, problems = _load(tmp_path, store, text)
    assert papers == {"Paper A": (2019, "An abstract that has more than five words"),
                      "Paper C": (2021, "Another fine abstract with more than five words")}
    assert [(p.record, p.severity) for p in problems] == [("line 2", "warning")]
    assert problems[0].reason.startswith("1 rows have more cells than the 3 headers")


def test_unterminated_quote_in_the_last_row(tmp_path, store):
    papers, problems = _load(tmp_path, store, HEADER + ROW_A + '"Paper B","unterminated quote,2020\n')
    assert list(papers) == ["Paper A"]
    assert problems == [Problem("table.csv", "line 3",
                                "unterminated quoted field (it runs on to the end of the file); row skipped")]


def test_unterminated_quote_running_to_the_end_of_the_file_gives_its_lines_back(tmp_path, store):
    text = (HEADER + '"Paper B","unterminated quote,2020\n' + ROW_A.replace('"', "") + "\n"
            + ROW_C.replace('"', ""))
    papers, problems = _load(tmp_path, store, text)
    assert papers == {"Paper A": (2019, "A fine abstract with more than five words here"),
                      "Paper C": (2021, "Another fine abstract with more than five words")}
    assert problems == [Problem("table.csv", "line 2",
                                "unterminated quoted field (it runs on to the end of the file); row skipped")]


def test_row_the_csv_module_cannot_read_is_a_problem_naming_its_line(tmp_path, store, monkeypatch):
    limit = csv.field_size_limit
    previous = limit(100)
    monkeypatch.setattr(csv, "field_size_limit", lambda *_: 100)  # the reader keeps the small limit
    try:
        papers, problems = _load(tmp_path, store, HEADER + ROW_A + f'"Paper B","{"long " * 30}",2020\n' + ROW_C)
    finally:
        limit(previous)
    assert list(papers) == ["Paper A", "Paper C"]
    assert problems == [Problem("table.csv", "line 3",
                                "unreadable CSV row (field larger than field limit (100)); row skipped")]
