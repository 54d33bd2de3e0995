"""Dataset readers and the quirks each SOURCE.md lists (Latin-1 in TREC, trailing spaces in SentEval,
HTML entity debris in AG News), on the real files where they are present."""
from __future__ import annotations

import numpy as np
import pytest

from homog.bench.suite import TaskSpec
from homog.bench.tasks import (clean_ag_news, kfold_split, load_task, read_ag_news_csv, read_senteval_lines,
                               read_senteval_sst, read_trec)
from homog.errors import HomogError


def test_trec_latin1_line_and_coarse_labels(tmp_path, data_dir):
    path = tmp_path / "train_5500.label"
    path.write_bytes(b"NUM:dist How far is it from Denver to Aspen ?\n"
                     b"LOC:city Which city has the oldest relationship as a sister\xf0city with Los Angeles ?\n"
                     b"broken line without label\n")
    texts, labels, problems = read_trec(path)
    assert labels == ["NUM", "LOC"]
    assert texts[1] == "Which city has the oldest relationship as a sister\u00f0city with Los Angeles ?"
    assert len(problems) == 1 and problems[0].record == "line 3"
    real = data_dir / "benchmarks" / "trec" / "train_5500.label"
    if real.is_file():
        texts, labels, problems = read_trec(real)
        assert len(texts) == 5452 and not problems
        assert sorted(set(labels)) == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
        assert "sister\u00f0city" in texts[65]


def test_senteval_trailing_spaces_and_sst_layout(tmp_path):
    pos = tmp_path / "rt-polarity.pos"
    pos.write_text("a gorgeous film . \nwarm and funny \n\n")
    texts, labels, problems = read_senteval_lines(pos, "1")
    assert texts == ["a gorgeous film .", "warm and funny"] and labels == ["1", "1"]
    assert [p.record for p in problems] == ["line 3"]
    sst = tmp_path / "sentiment-dev"
    sst.write_text("it 's a -lrb- good -rrb- film \t1\nno tab here\ndull \\/ slow \t0\n")
    texts, labels, problems = read_senteval_sst(sst)
    assert texts == ["it 's a ( good ) film", "dull / slow"] and labels == ["1", "0"] and len(problems) == 1


def test_ag_news_entity_debris():
    raw = ("Wall St. Bears Claw Back Into the Black (Reuters) Reuters - Short-sellers, Wall Street #39;s dwindling\\"
           "band of ultra-cynics, are seeing green again.  quot;We #39;re happy, quot; he said of the  #36;10 "
           "million &lt;b&gt;...&lt;/b&gt; prize")
    assert clean_ag_news(raw) == ("Wall St. Bears Claw Back Into the Black (Reuters) Reuters - Short-sellers, "
                                  "Wall Street's dwindling band of ultra-cynics, are seeing green again. \"We're "
                                  "happy,\" he said of the $10 million ... prize")


def test_ag_news_real_file_is_clean(data_dir):
    path = data_dir / "benchmarks" / "ag_news" / "test.csv"
    if not path.is_file():
        pytest.skip("AG News not available")
    texts, labels, problems = read_ag_news_csv(path)
    assert len(texts) == 7600 and not problems and sorted(set(labels)) == ["1", "2", "3", "4"]
    assert not [t for t in texts if "#39;" in t or "quot;" in t or "&lt;" in t or "\\" in t]


def test_kfold_split_is_seeded_stratified_and_disjoint(tmp_path):
    labels = ["0"] * 50 + ["1"] * 30
    train, test = kfold_split(labels, 10, seed=4)
    assert len(test) == 8 and not set(train) & set(test) and len(train) + len(test) == 80
    assert sorted(np.array(labels)[test]).count("1") == 3
    np.testing.assert_array_equal(test, kfold_split(labels, 10, seed=4)[1])
    (tmp_path / "mr").mkdir()
    (tmp_path / "mr" / "rt-polarity.pos").write_text("".join(f"good film {i} \n" for i in range(20)))
    (tmp_path / "mr" / "rt-polarity.neg").write_text("".join(f"bad film {i} \n" for i in range(20)))
    spec = TaskSpec("mr", "local", path="mr", layout="senteval_binary", test_split="kfold", folds=5)
    task = load_task(spec, tmp_path, seed=0, train_size=100, test_size=100)
    assert len(task.test_texts) == 8 and len(task.train_texts) == 32
    assert not set(task.test_texts) & set(task.train_texts)
    (tmp_path / "mr" / "other.pos").write_text("x\n")
    with pytest.raises(HomogError, match=r"exactly one \*\.pos"):
        load_task(spec, tmp_path, seed=0, train_size=100, test_size=100)


@pytest.mark.parametrize("path,layout,split,n_classes", [
    ("trec", "trec", "test", 6), ("ag_news", "ag_news_csv", "test", 4), ("sst2/sentences", "glue_tsv", "dev", 2)])
def test_accepted_tasks_load_from_shared_data(data_dir, path, layout, split, n_classes):
    root = data_dir / "benchmarks"
    if not (root / path).is_dir():
        pytest.skip("benchmark data not available")
    task = load_task(TaskSpec(path, "local", path=path, layout=layout, test_split=split), root, seed=0,
                     train_size=300, test_size=120)
    assert len(task.train_texts) == 300 and len(task.test_texts) == 120 and len(task.label_names) == n_classes
