"""Benchmark tasks: read a dataset (local files, the HF hub, or the user's corpus) and draw the budgeted sample."""
from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import json
import re
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
        (train, train_y), (test, test_y), problems = _read_local(spec, data_root, seed)
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
KFOLD_DEFAULT = 10
AG_NEWS_ENTITY = re.compile(r" ?#(\d+);| (quot|amp|lt|gt|hellip|nbsp);")
HTML_TAG = re.compile(r"<[^>]{0,40}>")
SPACES = re.compile(r"\s+")


def _open_text(path: Path, encoding: str = "utf-8") -> io.TextIOBase:
    """Open a text file, gunzipping ``*.gz`` transparently."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def _find(folder: Path, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` (or its ``.gz``) that exists in ``folder``."""
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def read_senteval_lines(path: str | Path, label: str) -> tuple[list[str], list[str], list[Problem]]:
    """SentEval one-sentence-per-line file (e.g. ``rt-polarity.pos``): every line is one text of ``label``.

    Trailing spaces are stripped; blank lines are skipped and reported.
    """
    path = Path(path)
    texts, problems = [], []
    with _open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                problems.append(Problem(str(path), f"line {number}", "blank line"))
                continue
            texts.append(text)
    return texts, [label] * len(texts), problems


def read_senteval_sst(path: str | Path) -> tuple[list[str], list[str], list[Problem]]:
    """SentEval SST file (``sentiment-train``/``-dev``/``-test``, optionally gzipped): ``text<SPACE><TAB>label``,
    no header; split on the last tab, trailing spaces stripped, PTB escapes undone."""
    path = Path(path)
    texts, labels, problems = [], [], []
    with _open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            text, tab, label = line.rstrip("\r\n").rpartition("\t")
            if not tab or not text.strip() or not label.strip():
                problems.append(Problem(str(path), f"line {number}", f"expected text<TAB>label, got {line[:60]!r}"))
                continue
            texts.append(unescape_ptb(text.strip()))
            labels.append(label.strip())
    return texts, labels, problems


def read_trec(path: str | Path) -> tuple[list[str], list[str], list[Problem]]:
    """TREC question file: ``COARSE:fine question tokens``; the label is the coarse class.

    Lines are decoded as UTF-8, falling back to Latin-1 for a line that is not
    (``train_5500.label`` has one Latin-1 byte, 0xF0, as in the original release).
    """
    path = Path(path)
    texts, labels, problems = [], [], []
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("latin-1")
            label, _, text = line.strip().partition(" ")
            coarse, colon, _fine = label.partition(":")
            if not colon or not coarse or not text.strip():
                problems.append(Problem(str(path), f"line {number}", f"expected COARSE:fine question, got {line[:60]!r}"))
                continue
            texts.append(text.strip())
            labels.append(coarse)
    return texts, labels, problems


def clean_ag_news(text: str) -> str:
    """Repair AG News debris: entities that lost their ``&`` (`` #39;`` → ``'``, `` quot;`` → ``"``,
    `` #36;`` → ``$``), escaped tags (``&lt;b&gt;``), and a backslash where a line break was."""
    def entity(match: re.Match) -> str:
        if match.group(1):
            code = int(match.group(1))
            return bytes([code]).decode("cp1252", errors="ignore") if code < 256 else chr(code)
        return html.unescape(f"&{match.group(2)};")

    text = AG_NEWS_ENTITY.sub(entity, text)
    text = HTML_TAG.sub(" ", html.unescape(text))
    return SPACES.sub(" ", text.replace("\\", " ")).strip()


def read_ag_news_csv(path: str | Path) -> tuple[list[str], list[str], list[Problem]]:
    """AG News CSV (``class, title, description``, no header, optionally gzipped): text is
    ``title + " " + description`` after :func:`clean_ag_news`."""
    path = Path(path)
    texts, labels, problems = [], [], []
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        for row in reader:
            line = f"line {reader.line_num}"
            if len(row) != 3 or not row[0].strip().isdigit():
                problems.append(Problem(str(path), line, f"expected class,title,description, got {row[:3]!r}"))
                continue
            text = clean_ag_news(f"{row[1]} {row[2]}")
            if not text:
                problems.append(Problem(str(path), line, "empty title and description"))
                continue
            texts.append(text)
            labels.append(row[0].strip())
    return texts, labels, problems


def kfold_split(labels: list[str], folds: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices for a data set without an official split: seeded stratified ``folds``-fold
    split (scikit-learn ``StratifiedKFold``), test = fold ``seed % folds``."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        if fold == seed % folds:
            return train, test
    raise AssertionError("unreachable")
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


# layout -> (reader, {split: candidate file names}); the split files of each layout's usual release.
LAYOUT_FILES = {
    "glue_tsv": {"train": ("train.tsv",), "dev": ("dev.tsv",), "test": ("test.tsv",)},
    "senteval_sst": {"train": ("sentiment-train",), "dev": ("sentiment-dev",), "test": ("sentiment-test",)},
    "trec": {"train": ("train_5500.label",), "test": ("TREC_10.label",)},
    "ag_news_csv": {"train": ("train.csv", "train_head.csv"), "test": ("test.csv",)},
}
READERS = {"glue_tsv": read_glue_tsv, "senteval_sst": read_senteval_sst, "trec": read_trec,
           "ag_news_csv": read_ag_news_csv}


def _read_local(spec: TaskSpec, data_root: str | Path | None, seed: int = 0
                ) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]], list[Problem]]:
    if data_root is None:
        raise HomogError(f"no benchmark data folder: pass --bench-data or set {DATA_ENV} "
                         f"(the folder holding {spec.path})", record=spec.name)
    folder = Path(data_root) / spec.path
    if spec.layout == "senteval_binary":
        return _read_senteval_binary(spec, folder, seed)
    splits = {}
    problems: list[Problem] = []
    for split in ("train", spec.test_split):
        names = LAYOUT_FILES[spec.layout].get(split)
        path = _find(folder, names) if names else None
        if not names:
            raise HomogError(f"layout {spec.layout} has no {split} split", record=spec.name)
        if path is None:
            also = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
            raise HomogError(f"dataset file not found{also}; check the benchmark data folder (set by "
                             f"--bench-data or {DATA_ENV}, now {data_root})", file=str(folder / names[0]),
                             record=spec.name)
        texts, labels, found = READERS[spec.layout](path)
        if not texts:
            raise HomogError("no usable rows", file=str(path), record=spec.name)
        splits[split] = (texts, labels)
        problems += found
    return splits["train"], splits[spec.test_split], problems


def _read_senteval_binary(spec: TaskSpec, folder: Path, seed: int
                          ) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]], list[Problem]]:
    """``*.neg`` (label 0) and ``*.pos`` (label 1) one-sentence-per-line files, split by seeded k-fold."""
    texts: list[str] = []
    labels: list[str] = []
    problems: list[Problem] = []
    for suffix, label in ((".neg", "0"), (".pos", "1")):
        found = sorted(folder.glob(f"*{suffix}"))
        if len(found) != 1:
            raise HomogError(f"expected exactly one *{suffix} file, found {len(found)}", file=str(folder),
                             record=spec.name)
        t, y, p = read_senteval_lines(found[0], label)
        texts += t
        labels += y
        problems += p
    train, test = kfold_split(labels, spec.folds or KFOLD_DEFAULT, seed)
    return (([texts[i] for i in train], [labels[i] for i in train]),
            ([texts[i] for i in test], [labels[i] for i in test]), problems)


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
