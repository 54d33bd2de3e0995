"""Bad input to `homog run` ends with one clear message (exit 2), never a traceback, and before any model loads."""
from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from homog.cli import app

runner = CliRunner()


def _run(tmp_path, *inputs):
    return runner.invoke(app, ["run", *map(str, inputs), "--out", str(tmp_path / "out"),
                               "--store", str(tmp_path / "s.sqlite"), "--no-bench"])


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_missing_file_names_it(tmp_path):
    message = _one_line_error(_run(tmp_path, tmp_path / "nope.csv"))
    assert "nope.csv" in message


def test_csv_without_abstract_column(tmp_path, data_dir):
    """A CSV export with no abstract column (Springer) loads titles but has nothing to embed."""
    message = _one_line_error(_run(tmp_path, data_dir / "exports-litstudy" / "tests_springer.csv"))
    assert "no usable abstracts" in message and "tests_springer.csv" in message


def test_case_13_no_usable_abstracts_left(tmp_path, cases_dir):
    """Case 13-missing-empty-abstracts point 6: the CSV without row c1 stops with a clear message."""
    rows = (cases_dir / "13-missing-empty-abstracts.csv").read_text().splitlines()
    path = tmp_path / "no_c1.csv"
    path.write_text("\n".join(r for r in rows if not r.startswith("c1,")) + "\n")
    message = _one_line_error(_run(tmp_path, path))
    assert "no usable abstracts" in message and "no_c1.csv" in message and "3 records, 3 missing" in message


def test_case_14_one_abstract_refused_before_model_load(tmp_path, cases_dir):
    """Case 14-tiny-corpus point 3: one abstract is always refused, and no model is loaded first."""
    first = (cases_dir / "14-tiny-corpus.jsonl").read_text().splitlines()[0]
    path = tmp_path / "one.jsonl"
    path.write_text(first + "\n")
    loaded_before = "sentence_transformers" in sys.modules
    message = _one_line_error(_run(tmp_path, path))
    assert "clustering needs at least 3 abstracts" in message
    assert loaded_before or "sentence_transformers" not in sys.modules
    json.loads(first)  # the input itself is valid: the refusal is about its size


def test_periods_without_papers_are_refused(tmp_path, cases_dir):
    """A permutation-test period with no papers is a user error, said in one line (not silently skipped)."""
    result = runner.invoke(app, ["run", str(cases_dir / "18-nondeterminism.jsonl"), "--out", str(tmp_path / "o"),
                                 "--store", str(tmp_path / "s.sqlite"), "--no-bench", "--periods", "1990-1995:1996-2000"])
    message = _one_line_error(result)
    assert "no papers in 1990-1995" in message and "2020-2022" in message


def test_unknown_method_is_refused_before_any_work(tmp_path, cases_dir):
    result = runner.invoke(app, ["run", str(cases_dir / "18-nondeterminism.jsonl"), "--out", str(tmp_path / "o"),
                                 "--store", str(tmp_path / "s.sqlite"), "--method", "foo"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "s.sqlite").exists()
