"""Suite files: the bundled quick suite loads; mistakes fail with the file and entry named."""
from __future__ import annotations

from pathlib import Path

import pytest

from homog.bench.suite import DATA_ENV, load_suite, resolve_data_root
from homog.errors import HomogError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
name = "tiny"
seeds = [0, 1]
[budget]
train_size = 20
test_size = 10
[[tasks]]
name = "sst2"
source = "local"
path = "sst2/sentences"
layout = "glue_tsv"
test_split = "dev"
[[models]]
name = "bow"
family = "bag-of-words"
kind = "tfidf_logreg"
C = 3.0
"""


def write(tmp_path, text):
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_quick_suite_loads():
    suite = load_suite(ROOT / "benchmarks" / "quick.toml")
    assert suite.name == "quick"
    assert [t.source for t in suite.tasks] == ["local", "corpus"]
    assert {m.kind for m in suite.models} == {"tfidf_logreg", "count_naive_bayes", "char_ngram_logreg", "kim_cnn",
                                               "embedding_probe", "finetune_transformer"}
    assert len({m.family for m in suite.models}) == 5


def test_default_suite_covers_every_family_and_accepted_task():
    suite = load_suite(ROOT / "benchmarks" / "default.toml")
    assert [t.name for t in suite.tasks] == ["sst2", "trec", "ag_news"]
    assert {m.kind for m in suite.models} == {"tfidf_logreg", "tfidf_linear_svm", "count_naive_bayes",
                                               "char_ngram_logreg", "kim_cnn", "embedding_probe",
                                               "finetune_transformer"}
    assert any(m.params.get("trainable_layers") for m in suite.models)  # the parameter-efficient variant
    assert all(m.description for m in suite.models)  # placed in the literature's method space by description


def test_good_suite_values(tmp_path):
    suite = load_suite(write(tmp_path, GOOD))
    assert suite.seeds == (0, 1)
    assert (suite.budget.train_size, suite.budget.test_size, suite.budget.epochs, suite.budget.max_length) == (20, 10, 1, 64)
    assert suite.models[0].params == {"C": 3.0}


@pytest.mark.parametrize("change, record, words", [
    (lambda s: 'colour = "red"\n' + s, "suite", "unknown key(s) colour"),
    (lambda s: s.replace('name = "tiny"\n', ""), "suite", "missing required key(s) name"),
    (lambda s: s.replace("train_size = 20", "train_size = 0"), "budget", "at least 1"),
    (lambda s: s.replace("test_size = 10", "test_size = 10\nbatch = 3"), "budget", "unknown key(s) batch"),
    (lambda s: s.replace('source = "local"', 'source = "ftp"'), "tasks[0] (sst2)", "source must be one of"),
    (lambda s: s.replace('layout = "glue_tsv"\n', ""), "tasks[0] (sst2)", "missing required key(s) layout"),
    (lambda s: s.replace('test_split = "dev"', 'test_split = "validation"'), "tasks[0] (sst2)", "test_split"),
    (lambda s: s.replace('kind = "tfidf_logreg"', 'kind = "gpt"'), "models[0] (bow)", "unknown model kind 'gpt'"),
    (lambda s: s.replace('family = "bag-of-words"\n', ""), "models[0] (bow)", "missing required key(s) family"),
    (lambda s: s.replace("C = 3.0", "c = 3.0"), "models[0] (bow)", "unknown key(s) c for kind tfidf_logreg"),
    (lambda s: s.replace("C = 3.0", "random_state = 4"), "models[0] (bow)", "unknown key(s) random_state"),
    (lambda s: s.replace("seeds = [0, 1]", "seeds = [0, 0]"), "seeds", "distinct"),
    (lambda s: s + '[[models]]\nname = "bow"\nfamily = "x"\nkind = "tfidf_logreg"\n', "models", "duplicate model"),
])
def test_validation_errors_name_file_and_entry(tmp_path, change, record, words):
    path = write(tmp_path, change(GOOD))
    with pytest.raises(HomogError) as info:
        load_suite(path)
    err = info.value
    assert err.file == str(path)
    assert err.record == record
    assert words in err.reason


def test_corpus_task_label_checked(tmp_path):
    text = GOOD + '[[tasks]]\nname = "corp"\nsource = "corpus"\nlabel = "authors"\n'
    with pytest.raises(HomogError, match="label must be one of primary_category, venue"):
        load_suite(write(tmp_path, text))


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(HomogError, match="not valid TOML"):
        load_suite(write(tmp_path, "name = \n"))
    with pytest.raises(HomogError, match="suite file not found"):
        load_suite(tmp_path / "nope.toml")


def test_data_root_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "given") == tmp_path / "given"
    assert resolve_data_root() == tmp_path / "env"
    monkeypatch.delenv(DATA_ENV)
    work = tmp_path / "a" / "repo"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert resolve_data_root() is None
    (tmp_path / "a" / "shared" / "data" / "benchmarks").mkdir(parents=True)
    assert resolve_data_root() == (tmp_path / "a" / "shared" / "data" / "benchmarks").resolve()
