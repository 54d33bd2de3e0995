"""Task loading: the SST-2 reader on the real files, seeded sampling, and the corpus task."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from homog.bench.suite import DATA_ENV, TaskSpec
from homog.bench.tasks import SkippedTask, corpus_task, load_task, read_glue_tsv, stratified_sample, unescape_ptb
from homog.corpus.record import Paper
from homog.errors import HomogError

SST2 = TaskSpec(name="sst2", source="local", path="sst2/sentences", layout="glue_tsv", test_split="dev",
                label_names=("negative", "positive"))


@pytest.mark.parametrize("split, rows, negatives", [("train", 6920, 3310), ("dev", 872, 428), ("test", 1821, 912)])
def test_sst2_reader_real_files(bench_root, split, rows, negatives):
    texts, labels, problems = read_glue_tsv(bench_root / "sst2" / "sentences" / f"{split}.tsv")
    assert (len(texts), len(labels), problems) == (rows, rows, [])
    assert Counter(labels) == {"0": negatives, "1": rows - negatives}
    joined = "\n".join(texts)
    for escape in ("-lrb-", "-rrb-", "\\/", "\\*"):
        assert escape not in joined


def test_sst2_escapes_undone(bench_root):
    texts, _, _ = read_glue_tsv(bench_root / "sst2" / "sentences" / "train.tsv")
    assert "oversexed , at times overwrought comedy/drama that offers little insight into the experience of " \
           "being forty , female and single ." in texts
    assert sum("(" in t for t in texts) > 100
    assert unescape_ptb("-lrb- a \\/ b \\* -rrb-") == "( a / b * )"


def test_load_task_is_seeded_stratified_and_sized(bench_root):
    a = load_task(SST2, bench_root, seed=0, train_size=300, test_size=100)
    b = load_task(SST2, bench_root, seed=0, train_size=300, test_size=100)
    c = load_task(SST2, bench_root, seed=1, train_size=300, test_size=100)
    assert (len(a.train_texts), len(a.test_texts)) == (300, 100)
    assert a.label_names == ["negative", "positive"]
    assert a.data_hash == b.data_hash and a.train_texts == b.train_texts
    assert a.data_hash != c.data_hash
    # class shares kept: train 3310/6920 negative -> 143.5 of 300 -> 143 or 144; dev 428/872 -> 49.08 of 100 -> 49
    assert int((a.train_labels == 0).sum()) in (143, 144)
    assert int((a.test_labels == 0).sum()) == 49
    full_dev, dev_labels, _ = read_glue_tsv(bench_root / "sst2" / "sentences" / "dev.tsv")
    pairs = dict(zip(full_dev, dev_labels))
    assert all(pairs[t] == str(y) for t, y in zip(a.test_texts, a.test_labels))


def test_missing_dataset_names_path_and_env(tmp_path):
    with pytest.raises(HomogError) as info:
        load_task(SST2, tmp_path, seed=0, train_size=10, test_size=10)
    assert info.value.file == str(tmp_path / "sst2" / "sentences" / "train.tsv")
    assert DATA_ENV in info.value.reason
    with pytest.raises(HomogError, match=DATA_ENV):
        load_task(SST2, None, seed=0, train_size=10, test_size=10)


def test_bad_rows_skipped_as_problems_and_bad_header_rejected(tmp_path):
    folder = tmp_path / "sst2" / "sentences"
    folder.mkdir(parents=True)
    (folder / "train.tsv").write_text("sentence\tlabel\ngood one\t1\nno label here\nbad one\t0\n\t1\n")
    (folder / "dev.tsv").write_text("sentence\tlabel\nfine\t1\nawful\t0\n")
    task = load_task(SST2, tmp_path, seed=0, train_size=10, test_size=10)
    assert task.train_texts == ["good one", "bad one"]
    assert [p.record for p in task.problems] == ["line 3", "line 5"]
    assert all(p.file.endswith("train.tsv") for p in task.problems)
    (folder / "dev.tsv").write_text("text\tlabel\nfine\t1\n")
    with pytest.raises(HomogError) as info:
        load_task(SST2, tmp_path, seed=0, train_size=10, test_size=10)
    assert info.value.record == "line 1" and info.value.file.endswith("dev.tsv")


def test_stratified_sample_quotas():
    labels = np.array([0] * 70 + [1] * 20 + [2] * 10)
    idx = stratified_sample(labels, 10, np.random.default_rng(3))
    assert Counter(labels[idx].tolist()) == {0: 7, 1: 2, 2: 1}
    assert len(set(idx.tolist())) == 10 and list(idx) == sorted(idx)
    assert list(stratified_sample(labels, 500, np.random.default_rng(3))) == list(range(100))


def _papers(counts: dict[str, int], field: str = "primary_category") -> list[Paper]:
    papers = []
    for value, n in counts.items():
        for i in range(n):
            papers.append(Paper(id=f"{value}-{i:03d}", title=f"t {i}", abstract=f"we study {value} method number {i} here",
                                **{field: value}))
    return papers


def test_corpus_task_keeps_classes_with_20_papers_and_splits_70_30():
    papers = _papers({"cs.LG": 40, "cs.CV": 30, "cs.CL": 20, "cs.AI": 19})
    papers.append(Paper(id="no-abstract", abstract=None, primary_category="cs.AI"))
    task = corpus_task(papers, "primary_category", name="corp", seed=0, train_size=1000, test_size=1000)
    assert task.label_names == ["cs.CL", "cs.CV", "cs.LG"]  # cs.AI has 19 usable papers
    test_counts = Counter(task.test_labels.tolist())
    assert test_counts == {0: 6, 1: 9, 2: 12}  # round(0.3 * n) per class
    assert Counter(task.train_labels.tolist()) == {0: 14, 1: 21, 2: 28}
    assert not set(task.train_texts) & set(task.test_texts)
    shuffled = corpus_task(papers[::-1], "primary_category", name="corp", seed=0, train_size=1000, test_size=1000)
    assert shuffled.data_hash == task.data_hash  # input order does not matter


def test_corpus_task_top_five_and_budget_caps():
    papers = _papers({f"c{i}": 20 + i for i in range(7)})
    task = corpus_task(papers, "primary_category", name="corp", seed=2, train_size=30, test_size=10)
    assert task.label_names == ["c2", "c3", "c4", "c5", "c6"]
    assert (len(task.train_texts), len(task.test_texts)) == (30, 10)


def test_corpus_task_skipped_with_reason():
    one = corpus_task(_papers({"NeurIPS": 50}, "venue"), "venue", name="v", seed=0, train_size=10, test_size=10)
    assert one == SkippedTask("v", "no corpus task: the corpus has one venue (NeurIPS, 50 papers)")
    few = corpus_task(_papers({"A": 25, "B": 5}, "venue"), "venue", name="v", seed=0, train_size=10, test_size=10)
    assert isinstance(few, SkippedTask) and "fewer than 2 venue values have at least 20" in few.reason
    none = load_task(TaskSpec(name="c", source="corpus", label="venue"), None, seed=0, train_size=5, test_size=5)
    assert isinstance(none, SkippedTask)
