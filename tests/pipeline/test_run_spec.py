"""`homog run SPEC`: a corpus specification (TOML) is harvested into the store and analysed like files."""
from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from homog.cli import app


def test_run_accepts_a_corpus_spec(tmp_path, cases_dir):
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\ndescription = "one local file"\n[[source]]\nkind = "file"\n'
                    f'path = "{cases_dir / "18-nondeterminism.jsonl"}"\n')
    result = CliRunner().invoke(app, ["run", str(spec), "--out", str(tmp_path / "out"),
                                      "--store", str(tmp_path / "s.sqlite"), "--no-bench", "--k", "3"])
    assert result.exit_code == 0, result.output
    by_year = pd.read_csv(tmp_path / "out" / "diversity_by_year.csv")
    assert by_year["year"].tolist() == [2020, 2021, 2022] and by_year["n_papers"].sum() == 12
    assert len(pd.read_csv(tmp_path / "out" / "clusters.csv")) == 3
    assert "12 records read, 0 merged, 0 skipped" in (tmp_path / "out" / "report.md").read_text()
