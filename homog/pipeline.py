"""The main job: papers → embeddings → method clusters → diversity → benchmark → report, each step cached."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from homog.corpus.record import Paper, text_hash
from homog.errors import HomogError
from homog.store import Store

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
GROUP_COLUMNS = ("venue", "primary_category")

ProgressHook = Callable[[str, int, int | None], None]  # description, done, total (None: not known)


@dataclass
class RunSettings:
    """Every parameter of a run; all of it goes into the manifest."""

    model: str = DEFAULT_MODEL
    device: str = "auto"
    batch_size: int = 64
    precision: str = "auto"
    long_text: str = "truncate"
    method: str = "kmeans"
    k: int | None = None
    k_min: int = 2
    k_max: int = 20
    min_cluster_size: int = 10
    seed: int = 0
    min_papers: int = 2
    n_boot: int = 200
    periods: tuple[tuple[int, int], tuple[int, int]] | None = None
    bench: bool = True
    suite: str | None = None
    bench_data: str | None = None
    column_map: dict[str, str] = field(default_factory=dict)

    def suite_path(self) -> Path:
        """The benchmark suite file: as given, else the bundled quick suite."""
        if self.suite:
            return Path(self.suite)
        for base in (Path.cwd(), PROJECT_ROOT):
            candidate = base / "benchmarks" / "quick.toml"
            if candidate.exists():
                return candidate
        raise HomogError("no benchmark suite given and benchmarks/quick.toml not found; pass --suite or --no-bench")


@dataclass
class RunResult:
    """What a run produced: the tables the report shows, plus provenance."""

    settings: RunSettings
    papers: pd.DataFrame            # one row per paper: id, title, year, venue, primary_category, cluster, ...
    clusters: pd.DataFrame          # cluster, size, share, label, terms, central papers
    diversity_by_year: pd.DataFrame
    diversity_by_group: dict[str, pd.DataFrame]
    cluster_shares: pd.DataFrame    # year × cluster shares of clustered papers
    criterion: pd.DataFrame | None
    chosen_k: int | None
    notes: list[str]
    ingest: dict[str, Any]
    manifest: dict[str, Any]
    dedup: pd.DataFrame | None = None  # every merge and exclusion: kept_id, merged_id_or_record, source, reason
    analysis: Any = None               # homog.diversity.analysis.DiversityAnalysis (None without years)
    bench: Any = None                  # homog.bench.runner.BenchResult (None with --no-bench)
    small_corpus: bool = False


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def _hash_array(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


def corpus_hash(papers: Sequence[Paper]) -> str:
    """Hash of the corpus as analysed: ids, years and embedded texts, in id order."""
    digest = hashlib.sha256()
    for paper in sorted(papers, key=lambda p: p.id):
        digest.update(f"{paper.id}\t{paper.year}\t{text_hash(paper.abstract or '')}\n".encode())
    return digest.hexdigest()


class Pipeline:
    """Run the main job over input files with one store; every step's result is cached there.

    As in BERTopic, the stages are components: pass ``embedder`` (anything with ``fit_transform(texts)``
    and the attributes of :class:`homog.embed.Embedder`) or ``clusterer`` (anything with
    ``fit(X, texts)`` setting ``labels_``, ``centers_``, ``terms_``, ``labels_text_``, ``central_``,
    ``notes_``) to swap one without forking; by default both are built from ``settings``.
    """

    def __init__(self, settings: RunSettings | None = None, *, store: Store, embedder: Any = None,
                 clusterer: Any = None, on_progress: ProgressHook | None = None,
                 on_step: Callable[[str], None] | None = None):
        self.settings = settings or RunSettings()
        self.store = store
        self.embedder = embedder
        self.clusterer = clusterer
        self.on_progress = on_progress
        self.on_step = on_step or (lambda name: None)

    def _progress(self, description: str) -> Callable[[int, int], None] | None:
        if self.on_progress is None:
            return None
        hook = self.on_progress
        return lambda done, total: hook(description, done, total)

    # -- steps ----------------------------------------------------------------
    def ingest(self, inputs: Sequence[str | Path]) -> Any:
        from homog.corpus.ingest import ingest_files

        self.on_step("ingest")
        hook = self.on_progress
        on_batch = None if hook is None else lambda path, n: hook(f"load {Path(path).name} (records)", n, None)
        return ingest_files([Path(p) for p in inputs], self.store, column_map=self.settings.column_map or None,
                            on_batch=on_batch)

    def run(self, inputs: Sequence[str | Path]) -> RunResult:
        """Do every step over ``inputs`` (files or corpus specs) and return the tables for the report."""
        timer = _Timer()
        with timer.step("ingest"):
            report = self.ingest(inputs)
        return self._analyse(report, [str(p) for p in inputs], timer)

    def run_query(self, query: str, *, max_results: int) -> RunResult:
        """Harvest one arXiv API query live into the store, then do every step over it."""
        from homog.corpus.ingest import ingest_query

        timer = _Timer()
        self.on_step("harvest")
        with timer.step("ingest"):
            report = ingest_query(query, self.store, max_results=max_results)
        return self._analyse(report, [f"arXiv API: {query}"], timer)

    def _analyse(self, report: Any, inputs: list[str], timer: _Timer) -> RunResult:
        s = self.settings
        notes: list[str] = []
        with timer.step("ingest"):
            papers = self.store.get_papers(report.ids)
        notes.extend(str(p) for p in report.problems[:50])
        if not papers:
            raise HomogError("no papers loaded from the inputs", file=", ".join(map(str, inputs)))

        usable = [p for p in papers if not p.abstract_missing]
        left_out = len(papers) - len(usable)
        if left_out:
            notes.append(f"{left_out} of {len(papers)} papers have no usable abstract: they count in papers per year "
                         "but not in method-cluster shares.")
        if not usable:
            raise HomogError(f"no usable abstracts ({len(papers)} records, {len(papers)} missing or placeholder)",
                             file=", ".join(map(str, inputs)))
        from homog.cluster import check_corpus_size

        check_corpus_size(len(usable), k=s.k, method=s.method, min_cluster_size=s.min_cluster_size,
                          k_range=(s.k_min, s.k_max))

        with timer.step("embed"):
            embedder, vectors = self._embed([p.abstract for p in usable])
        embedding_cache = {"reused": int(embedder.n_cached_), "embedded": int(embedder.n_embedded_)}
        truncated = int(np.sum(embedder.truncated_))
        notes.append(f"{truncated} of {len(usable)} abstracts exceeded the model limit ({embedder.max_seq_length_} "
                     f"tokens for {s.model}); policy: {s.long_text}.")

        with timer.step("cluster"):
            clusterer = self._cluster(vectors, [p.abstract for p in usable])
        notes.extend(clusterer.notes_)

        with timer.step("measure"):
            paper_table = self._paper_table(papers, usable, clusterer.labels_)
            by_year, by_group, analysis = self._measure(paper_table, usable, vectors, clusterer)
            if analysis is not None:
                notes.extend(analysis.notes)
            shares = analysis.shares if analysis is not None else pd.DataFrame()
            clusters = self._cluster_table(clusterer, usable)

        bench = None
        if s.bench:
            with timer.step("benchmark"):
                bench = self._benchmark(usable, embedder, clusterer)

        manifest = self._manifest(inputs, report, usable, embedder, clusterer, timer, embedding_cache)
        return RunResult(
            settings=s, papers=paper_table, clusters=clusters, diversity_by_year=by_year,
            diversity_by_group=by_group, cluster_shares=shares, criterion=getattr(clusterer, "criterion_", None),
            chosen_k=getattr(clusterer, "k_", None), notes=notes, ingest=report.to_dict(), manifest=manifest,
            dedup=report.dedup_rows(), analysis=analysis, bench=bench, small_corpus=bool(getattr(clusterer, "small_corpus_", False)),
        )

    def _embed(self, texts: list[str]) -> tuple[Any, np.ndarray]:
        from homog.embed import Embedder

        s = self.settings
        self.on_step("embed")
        embedder = self.embedder or Embedder(model=s.model, device=s.device, batch_size=s.batch_size,
                                             precision=s.precision, long_text=s.long_text, store=self.store,
                                             on_progress=self._progress("embed"))
        vectors = embedder.fit_transform(texts)
        if not np.isfinite(vectors).all():
            raise HomogError("the embedding model returned NaN or infinite values", record=s.model)
        return embedder, vectors

    def _cluster(self, vectors: np.ndarray, texts: list[str]) -> Any:
        """Fit the method clusterer, or load the stored fit for the same vectors and settings."""
        from homog.cluster import MethodClusterer

        s = self.settings
        self.on_step("cluster")
        if self.clusterer is not None:
            return self.clusterer.fit(vectors, texts)
        clusterer = MethodClusterer(method=s.method, k=s.k, k_range=(s.k_min, s.k_max),
                                    min_cluster_size=s.min_cluster_size, seed=s.seed)
        key = hashlib.sha256(json.dumps([_hash_array(vectors), text_hash("\n".join(texts)),
                                         clusterer.get_params()], sort_keys=True).encode()).hexdigest()
        stored = self.store.get_result("cluster", key)
        if stored is not None:
            return _restore_clusterer(clusterer, stored)
        clusterer.fit(vectors, texts)
        self.store.put_result("cluster", key, _dump_clusterer(clusterer))
        return clusterer

    def _paper_table(self, papers: list[Paper], usable: list[Paper], labels: np.ndarray) -> pd.DataFrame:
        cluster_of = {p.id: int(c) for p, c in zip(usable, labels)}
        return pd.DataFrame({
            "id": [p.id for p in papers],
            "title": [p.title for p in papers],
            "year": pd.array([p.year for p in papers], dtype="Int64"),
            "venue": [p.venue for p in papers],
            "primary_category": [p.primary_category for p in papers],
            "abstract_missing": [p.abstract_missing for p in papers],
            "cluster": pd.array([cluster_of.get(p.id) for p in papers], dtype="Int64"),
        })

    def _measure(self, table: pd.DataFrame, usable: list[Paper], vectors: np.ndarray,
                 clusterer: Any) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], Any]:
        """Diversity by year (with intervals, trends, sensitivity, graph: the full analysis) and by group."""
        from homog.diversity.analysis import analyse
        from homog.diversity.measure import diversity_table
        from homog.diversity.uncertainty import diversity_with_intervals

        self.on_step("measure")
        s = self.settings
        labels = np.asarray(clusterer.labels_)
        centers = np.asarray(clusterer.centers_)
        dated = np.array([p.year is not None for p in usable])
        analysis = None
        if dated.any():
            counts = table["year"].dropna().astype(int).value_counts().to_dict()
            _check_periods(s.periods, set(counts))
            analysis = analyse(
                labels=labels[dated], years=np.array([p.year for p in usable if p.year is not None]),
                embeddings=vectors[dated], centers=centers,
                texts=[p.abstract for p in usable if p.year is not None],
                clusterer_params=clusterer.get_params() if hasattr(clusterer, "get_params") else {},
                seed=s.seed, n_papers_by_year=counts, min_papers=s.min_papers, periods=s.periods,
                n_boot=s.n_boot, cluster_labels=getattr(clusterer, "labels_text_", {}),
                on_progress=self.on_progress)
            by_year = analysis.by_year
        else:
            by_year = diversity_table(labels[:0], np.array([], dtype=object), vectors[:0], np.zeros((0, 0)))
            by_year = by_year.rename(columns={"group": "year"})

        by_group: dict[str, pd.DataFrame] = {}
        for column in GROUP_COLUMNS:
            values = [getattr(p, column) for p in usable]
            keep = np.array([v is not None for v in values])
            if not keep.any():
                continue
            frame = diversity_with_intervals(
                labels[keep], np.array([v for v in values if v is not None], dtype=object), vectors[keep], centers,
                n_papers=table[column].dropna().value_counts().to_dict(), min_papers=s.min_papers,
                n_boot=s.n_boot, seed=s.seed)
            by_group[column] = frame.rename(columns={"group": column})
        return by_year, by_group, analysis

    def _cluster_table(self, clusterer: Any, usable: list[Paper]) -> pd.DataFrame:
        labels = np.asarray(clusterer.labels_)
        rows = []
        clustered = int(np.sum(labels >= 0))
        for cluster in sorted(set(labels.tolist()) - {-1}):
            size = int(np.sum(labels == cluster))
            rows.append({
                "cluster": cluster, "size": size, "share": size / clustered if clustered else float("nan"),
                "label": clusterer.labels_text_.get(cluster, ""),
                "terms": ", ".join(clusterer.terms_.get(cluster, [])),
                "central_papers": "; ".join(usable[i].title or usable[i].id for i in clusterer.central_.get(cluster, [])),
            })
        return pd.DataFrame(rows, columns=["cluster", "size", "share", "label", "terms", "central_papers"])

    def _benchmark(self, usable: list[Paper], embedder: Any, clusterer: Any) -> Any:
        """Run the suite; each roster model is placed in this corpus's method space (the link)."""
        from homog.bench.runner import BenchmarkRunner
        from homog.bench.suite import load_suite

        s = self.settings
        self.on_step("benchmark")
        suite = load_suite(s.suite_path())
        runner = BenchmarkRunner(suite, self.store, data_root=s.bench_data, corpus=usable,
                                 embedder_kwargs={"model": s.model, "device": s.device, "precision": s.precision,
                                                  "long_text": s.long_text},
                                 method_space=(np.asarray(clusterer.centers_), dict(clusterer.labels_text_)),
                                 embed_descriptions=embedder.transform, on_progress=self.on_progress)
        return runner.run()

    def _manifest(self, inputs: list[str], report: Any, usable: list[Paper], embedder: Any,
                  clusterer: Any, timer: _Timer, embedding_cache: dict[str, int]) -> dict[str, Any]:
        from homog.provenance import library_versions

        versions = library_versions()
        return {
            "homog_version": versions["homog"],
            "created_by": "homog run",
            "inputs": [{"path": str(row["path"]), "sha256": row["sha256"], "reader": row["reader"]}
                       for row in report.to_dict()["files"]],
            "corpus_hash": corpus_hash(usable),
            "n_papers": len(report.ids),
            "n_embedded_papers": len(usable),
            "model": {"name": self.settings.model, "path": str(embedder.model_path_),
                      "revision": embedder.model_revision_, "key": embedder.model_key_,
                      "max_seq_length": embedder.max_seq_length_},
            "device": embedder.device_,
            "precision": embedder.precision_,
            "seed": self.settings.seed,
            "parameters": asdict(self.settings),
            "clustering": {"k": getattr(clusterer, "k_", None), "method": self.settings.method},
            "embedding_cache": embedding_cache,  # of the abstracts (the benchmark reuses the embedder after)
            "library_versions": versions,
            "seconds_per_step": timer.seconds,
        }


def _check_periods(periods: tuple[tuple[int, int], tuple[int, int]] | None, years: set[int]) -> None:
    """The two periods of the permutation test must be ordered, apart, and each hold some of the corpus's years."""
    if periods is None:
        return
    (a0, a1), (b0, b1) = periods
    if a0 > a1 or b0 > b1 or a1 >= b0:
        raise HomogError(f"--periods {a0}-{a1}:{b0}-{b1}: give two ordered, non-overlapping year ranges, "
                         "the earlier first")
    for start, end in periods:
        if not any(start <= y <= end for y in years):
            raise HomogError(f"--periods: the corpus has no papers in {start}-{end} (its years: "
                             f"{min(years)}-{max(years)})")


def _dump_clusterer(clusterer: Any) -> bytes:
    """The fitted state (attributes ending in ``_``) as JSON: arrays, frames and int-keyed dicts tagged."""

    def encode(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return {"__array__": value.tolist(), "dtype": str(value.dtype)}
        if isinstance(value, pd.DataFrame):
            return {"__frame__": value.to_dict(orient="list")}
        if isinstance(value, dict):
            return {"__dict__": [[k, encode(v)] for k, v in value.items()]}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    state = {name: encode(value) for name, value in vars(clusterer).items() if name.endswith("_")}
    return json.dumps(state).encode()


def _restore_clusterer(clusterer: Any, blob: bytes) -> Any:
    """Set the fitted state written by :func:`_dump_clusterer` (data only; nothing is evaluated)."""

    def decode(value: Any) -> Any:
        if isinstance(value, dict) and "__array__" in value:
            return np.asarray(value["__array__"], dtype=value["dtype"])
        if isinstance(value, dict) and "__frame__" in value:
            return pd.DataFrame(value["__frame__"])
        if isinstance(value, dict) and "__dict__" in value:
            return {k: decode(v) for k, v in value["__dict__"]}
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    for name, value in json.loads(blob).items():
        setattr(clusterer, name, decode(value))
    return clusterer
