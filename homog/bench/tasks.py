"""Benchmark tasks: read a dataset (local files, the HF hub, or the user's corpus) and draw the budgeted sample."""
from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from homog.bench.suite import DATA_ENV, TaskSpec
from homog.corpus.record import Paper
from homog.errors import HomogError, Problem

MIN_CLASS_PAPERS = 20
MAX_CORPUS_CLASSES = 5
CORPUS_TEST_SHARE = 0.3
GLUE_HEADER = ["sentence", "label"]
GLUE_FILES = {"train": "train.tsv", "dev": "dev.tsv", "test": "test.tsv"}
# Penn Treebank escapes as written in the SST sentence files.
PTB_ESCAPES = (("-lrb-", "("), ("-rrb-", ")"), ("-lsb-", "["), ("-rsb-", "]"), ("-lcb-", "{"), ("-rcb-", "}"),
               ("\\/", "/"), ("\\*", "*"))


@dataclass
class Task:
    """The exact examples one benchmark task uses; labels are indices into ``label_names``."""

    name: str
    train_texts: list[str]
    train_labels: np.ndarray
    test_texts: list[str]
    test_labels: np.ndarray
    label_names: list[str]
    data_hash: str
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class SkippedTask:
    """A task that cannot be built from the data at hand, with the reason to report."""

    name: str
    reason: str


def load_task(spec: TaskSpec, data_root: str | Path | None, *, seed: int, train_size: int, test_size: int,
              corpus: Sequence[Paper] | None = None) -> Task | SkippedTask:
    """Build the task ``spec`` describes, subsampled (seeded, stratified) to the budget sizes.

    Local and hub tasks raise :class:`HomogError` when their data is missing;
    a corpus task that the corpus cannot support comes back as :class:`SkippedTask`.
    """
    if spec.source == "corpus":
        if not corpus:
            return SkippedTask(spec.name, "no corpus task: no corpus papers were given")
        return corpus_task(corpus, spec.label, name=spec.name, seed=seed, train_size=train_size, test_size=test_size)
    if spec.source == "local":
        (train, train_y), (test, test_y), problems = _read_local(spec, data_root)
        names = spec.label_names
    else:
        (train, train_y), (test, test_y), names = _read_hub(spec)
        problems = []
    classes = _classes(train_y + test_y)
    if names is not None and len(names) != len(classes):
        raise HomogError(f"label_names has {len(names)} names but the data has {len(classes)} labels "
                         f"({', '.join(classes)})", record=spec.name)
    index = {c: i for i, c in enumerate(classes)}
    y_train = np.array([index[v] for v in train_y], dtype=np.int64)
    y_test = np.array([index[v] for v in test_y], dtype=np.int64)
    rng = np.random.default_rng(seed)
    tr = stratified_sample(y_train, train_size, rng)
    te = stratified_sample(y_test, test_size, rng)
    return make_task(spec.name, [train[i] for i in tr], y_train[tr], [test[i] for i in te], y_test[te],
                     list(names or classes), problems)


def make_task(name: str, train_texts: list[str], train_labels: np.ndarray, test_texts: list[str],
              test_labels: np.ndarray, label_names: list[str], problems: list[Problem] | None = None) -> Task:
    """A :class:`Task` with its ``data_hash`` (sha256 over names, texts and labels, in order)."""
    payload = json.dumps([name, label_names, train_texts, train_labels.tolist(), test_texts, test_labels.tolist()],
                         ensure_ascii=False)
    return Task(name, train_texts, train_labels, test_texts, test_labels, label_names,
                hashlib.sha256(payload.encode("utf-8")).hexdigest(), problems or [])


def stratified_sample(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of a seeded sample of ``n`` examples keeping class shares (largest-remainder quotas).

    All indices when ``n`` is at least the number of examples.
    """
    if n >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / len(labels)
    take = np.floor(quota).astype(int)
    extra = np.argsort(-(quota - take), kind="stable")[: n - take.sum()]
    take[extra] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


def _classes(values: list[str]) -> list[str]:
    unique = set(values)
    if all(v.lstrip("-").isdigit() for v in unique):
        return sorted(unique, key=int)
    return sorted(unique)


# -- local files ---------------------------------------------------------------
def unescape_ptb(text: str) -> str:
    """Undo the PTB escapes (``-lrb-`` → ``(``, ``\\/`` → ``/`` ...) of the SST files."""
    for escaped, plain in PTB_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def read_glue_tsv(path: str | Path) -> tuple[list[str], list[str], list[Problem]]:
    """Read a ``sentence<TAB>label`` file with header (no quoting); PTB escapes undone.

    A row without exactly two fields, or with an empty text or label, is skipped
    and reported as a :class:`Problem`; a wrong header raises :class:`HomogError`.
    """
    path = Path(path)
    texts, labels, problems = [], [], []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != GLUE_HEADER:
            raise HomogError(f"expected header {'<TAB>'.join(GLUE_HEADER)}, got {header!r}", file=str(path),
                             record="line 1")
        for row in reader:
            line = f"line {reader.line_num}"
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                problems.append(Problem(str(path), line, f"expected a text and a label, got {row!r}"))
                continue
            texts.append(unescape_ptb(row[0].strip()))
            labels.append(row[1].strip())
    return texts, labels, problems


def _read_local(spec: TaskSpec, data_root: str | Path | None
                ) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]], list[Problem]]:
    if data_root is None:
        raise HomogError(f"no benchmark data folder: pass --bench-data or set {DATA_ENV} "
                         f"(the folder holding {spec.path})", record=spec.name)
    folder = Path(data_root) / spec.path
    splits = {}
    problems: list[Problem] = []
    for split in ("train", spec.test_split):
        path = folder / GLUE_FILES[split]
        if not path.is_file():
            raise HomogError(f"dataset file not found; check the benchmark data folder (set by --bench-data or "
                             f"{DATA_ENV}, now {data_root})", file=str(path), record=spec.name)
        texts, labels, found = read_glue_tsv(path)
        if not texts:
            raise HomogError("no usable rows", file=str(path), record=spec.name)
        splits[split] = (texts, labels)
        problems += found
    return splits["train"], splits[spec.test_split], problems


# -- Hugging Face hub ----------------------------------------------------------
def _read_hub(spec: TaskSpec) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]], tuple[str, ...] | None]:
    try:
        import datasets
    except ImportError:
        raise HomogError("hub tasks need the `datasets` library (pip install datasets)", record=spec.name) from None
    try:
        data = datasets.load_dataset(spec.dataset, spec.config)
    except Exception as exc:  # noqa: BLE001 - any load failure is the user's dataset name or network
        raise HomogError(f"cannot load hub dataset {spec.dataset!r}: {exc}", record=spec.name) from exc
    test_split = {"dev": "validation", "test": "test"}[spec.test_split]
    out = []
    for split in ("train", test_split):
        if split not in data:
            raise HomogError(f"hub dataset {spec.dataset!r} has no {split} split (has {', '.join(data)})",
                             record=spec.name)
        part = data[split]
        text_field = spec.text_field or next((f for f in ("sentence", "text") if f in part.column_names), None)
        label_field = spec.label_field or "label"
        if text_field not in part.column_names or label_field not in part.column_names:
            raise HomogError(f"hub dataset {spec.dataset!r} split {split} lacks text/label columns "
                             f"(has {', '.join(part.column_names)}); set text_field and label_field", record=spec.name)
        labels = [str(v) for v in part[label_field]]
        if "-1" in labels:
            raise HomogError(f"hub dataset {spec.dataset!r} split {split} is unlabelled (label -1)", record=spec.name)
        out.append((list(part[text_field]), labels))
    feature = data["train"].features[spec.label_field or "label"]
    names = tuple(feature.names) if hasattr(feature, "names") else None
    return out[0], out[1], names


# -- the user's corpus -----------------------------------------------------------
def corpus_task(papers: Sequence[Paper], label: str, *, name: str, seed: int, train_size: int,
                test_size: int) -> Task | SkippedTask:
    """Classify abstracts by ``label`` (``primary_category`` or ``venue``).

    Keeps the (at most 5) largest classes with at least 20 papers, splits each
    class 70/30 with a seeded shuffle of papers in id order, then caps train and
    test at the budget sizes (stratified).  Fewer than two such classes: skipped.
    """
    usable = sorted((p for p in papers if p.abstract and getattr(p, label)), key=lambda p: p.id)
    counts = Counter(getattr(p, label) for p in usable)
    kept = sorted((c for c, n in counts.items() if n >= MIN_CLASS_PAPERS), key=lambda c: (-counts[c], c))
    kept = sorted(kept[:MAX_CORPUS_CLASSES])
    if len(kept) < 2:
        return SkippedTask(name, _skip_reason(label, counts))
    index = {c: i for i, c in enumerate(kept)}
    chosen = [p for p in usable if getattr(p, label) in index]
    texts = [p.abstract for p in chosen]
    y = np.array([index[getattr(p, label)] for p in chosen], dtype=np.int64)
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for c in range(len(kept)):
        members = rng.permutation(np.flatnonzero(y == c))
        test_mask[members[: round(CORPUS_TEST_SHARE * len(members))]] = True
    train_idx, test_idx = np.flatnonzero(~test_mask), np.flatnonzero(test_mask)
    train_idx = train_idx[stratified_sample(y[train_idx], train_size, rng)]
    test_idx = test_idx[stratified_sample(y[test_idx], test_size, rng)]
    return make_task(name, [texts[i] for i in train_idx], y[train_idx], [texts[i] for i in test_idx], y[test_idx],
                     kept)


def _skip_reason(label: str, counts: Counter) -> str:
    what = label.replace("_", " ")
    if not counts:
        return f"no corpus task: no paper with a usable abstract has a {what}"
    if len(counts) == 1:
        (value, n), = counts.items()
        return f"no corpus task: the corpus has one {what} ({value}, {n} papers)"
    top = ", ".join(f"{c} {n}" for c, n in counts.most_common(3))
    return (f"no corpus task: fewer than 2 {what} values have at least {MIN_CLASS_PAPERS} papers with abstracts "
            f"(largest: {top})")
