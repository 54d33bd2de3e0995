"""Run a benchmark suite: every (task, model, seed), resumable through the store, then compare the models."""
from __future__ import annotations

import hashlib
import inspect
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from homog.bench import agreement as ag
from homog.bench.models import MODEL_KINDS
from homog.bench.suite import ModelSpec, Suite, resolve_data_root
from homog.bench.tasks import SkippedTask, Task, load_task
from homog.corpus.record import Paper
from homog.store import Store

MODEL_COLUMNS = ["task", "model", "family", "seed", "n_train", "n_test", "accuracy", "macro_f1", "seconds"]
PAIR_COLUMNS = ["task", "seed", "model_a", "model_b", "agreement", "kappa", "error_consistency"]
PREDICTION_COLUMNS = ["task", "model", "seed", "idx", "text", "y_true", "y_pred", "correct"]
NOTE_COLUMNS = ["task", "model", "seed", "kind", "message"]


@dataclass
class BenchResult:
    """Per-run scores, pairwise comparisons, per-example predictions and notes, as DataFrames."""

    models_: pd.DataFrame
    pairs_: pd.DataFrame
    predictions_: pd.DataFrame
    notes_: pd.DataFrame


class BenchmarkRunner:
    """Fit every suite model on every task for every seed and compare their predictions.

    Each (task, model, seed) run is keyed by a hash of the task's exact data,
    the model spec (with the settings the runner fills in), the seed and the
    budget; a run already in ``store`` is loaded instead of repeated.  A run
    that raises is noted as failed and the others go on.
    """

    def __init__(self, suite: Suite, store: Store, *, data_root: str | Path | None = None,
                 corpus: Sequence[Paper] | None = None, embedder_kwargs: dict[str, Any] | None = None,
                 on_progress: Callable[[str, int, int], None] | None = None):
        self.suite = suite
        self.store = store
        self.data_root = data_root
        self.corpus = corpus
        self.embedder_kwargs = embedder_kwargs
        self.on_progress = on_progress

    def run(self) -> BenchResult:
        """Run (or load) every run; returns a :class:`BenchResult`."""
        budget = self.suite.budget
        data_root = resolve_data_root(self.data_root)
        self._embedders: dict[str, Any] = {}
        notes: list[dict[str, Any]] = []
        tasks: list[tuple[int, Task]] = []
        for seed in self.suite.seeds:  # load every task first: missing data fails before any training
            for spec in self.suite.tasks:
                task = load_task(spec, data_root, seed=seed, train_size=budget.train_size,
                                 test_size=budget.test_size, corpus=self.corpus)
                if isinstance(task, SkippedTask):
                    notes.append(_note(task.name, None, seed, "skipped", task.reason))
                    continue
                notes += [_note(task.name, None, seed, "problem", str(p)) for p in task.problems]
                tasks.append((seed, task))
        total = len(tasks) * len(self.suite.models)
        done = 0
        model_rows, pred_frames, pair_rows = [], [], []
        for seed, task in tasks:
            finished: dict[str, np.ndarray] = {}
            for spec in self.suite.models:
                self._progress(f"{task.name} · {spec.name} · seed {seed}", done, total)
                try:
                    run = self._run_one(task, spec, seed)
                except Exception as exc:  # noqa: BLE001 - one failing model must not stop the suite
                    notes.append(_note(task.name, spec.name, seed, "failed", f"{type(exc).__name__}: {exc}"))
                else:
                    finished[spec.name] = run["y_pred"]
                    model_rows.append(_model_row(task, spec, seed, run))
                    pred_frames.append(_prediction_frame(task, spec.name, seed, run))
                done += 1
            pair_rows += self._pairs(task, seed, finished, notes)
        self._progress("benchmark done", done, total)
        predictions = (pd.concat(pred_frames, ignore_index=True) if pred_frames
                       else pd.DataFrame(columns=PREDICTION_COLUMNS))
        return BenchResult(pd.DataFrame(model_rows, columns=MODEL_COLUMNS), pd.DataFrame(pair_rows, columns=PAIR_COLUMNS),
                           predictions, pd.DataFrame(notes, columns=NOTE_COLUMNS))

    # -- one run -------------------------------------------------------------------
    def _run_one(self, task: Task, spec: ModelSpec, seed: int) -> dict[str, Any]:
        params = self.effective_params(spec, seed)
        key = run_key(task.data_hash, spec, params, seed, asdict(self.suite.budget))
        if self.store.has_bench_run(key):
            return self.store.get_bench_run(key)
        cls = MODEL_KINDS[spec.kind]
        objects = {"store": self.store} if "store" in inspect.signature(cls).parameters else {}
        if spec.kind == "embedding_probe":
            objects["embedder"] = self._embedder(params["model"])
        start = time.perf_counter()
        model = cls(**params, **objects).fit(task.train_texts, task.train_labels)
        proba = _full_proba(model.predict_proba(task.test_texts), model.classes_, len(task.label_names))
        seconds = time.perf_counter() - start
        y_pred = np.argmax(proba, axis=1)
        info = {"seconds": seconds, "n_train": len(task.train_texts), "n_test": len(task.test_texts),
                "label_names": task.label_names, "data_hash": task.data_hash, "params": params,
                **{k: getattr(model, k) for k in ("device_", "precision_", "model_revision_") if hasattr(model, k)}}
        self.store.put_bench_run(key, task.name, spec.name, seed, info, task.test_labels, y_pred, proba)
        return {"info": info, "y_true": task.test_labels, "y_pred": y_pred, "proba": proba.astype(np.float32)}

    def effective_params(self, spec: ModelSpec, seed: int) -> dict[str, Any]:
        """The constructor settings a run uses: the suite's, plus the seed, budget and embedder settings."""
        accepted = inspect.signature(MODEL_KINDS[spec.kind]).parameters
        params = dict(spec.params)
        if "random_state" in accepted:
            params["random_state"] = seed
        for key in ("epochs", "max_length"):
            if key in accepted:
                params.setdefault(key, getattr(self.suite.budget, key))
        if spec.kind == "embedding_probe":
            kwargs = dict(self.embedder_kwargs or {})
            params.setdefault("model", kwargs.pop("model", accepted["model"].default))
            kwargs.pop("model", None)
            kwargs.pop("store", None)
            params["embedder_kwargs"] = kwargs
        return params

    def _embedder(self, model: str) -> Any:
        """One shared Embedder per model name, so the model loads once per run."""
        if model not in self._embedders:
            from homog.embed import Embedder

            kwargs = {k: v for k, v in (self.embedder_kwargs or {}).items() if k not in ("model", "store")}
            self._embedders[model] = Embedder(model=model, store=self.store, **kwargs)
        return self._embedders[model]

    def _pairs(self, task: Task, seed: int, finished: dict[str, np.ndarray], notes: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
        rows = []
        y = task.test_labels
        for a, b in combinations(finished, 2):
            pa, pb = finished[a], finished[b]
            ec = ag.error_consistency(pa == y, pb == y)
            if math.isnan(ec):
                notes.append(_note(task.name, f"{a} vs {b}", seed, "undefined",
                                   f"error consistency {ag.ERROR_CONSISTENCY_UNDEFINED}"))
            rows.append({"task": task.name, "seed": seed, "model_a": a, "model_b": b,
                         "agreement": ag.agreement(pa, pb), "kappa": ag.cohen_kappa(pa, pb),
                         "error_consistency": ec})
        return rows

    def _progress(self, description: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(description, done, total)


def run_key(data_hash: str, spec: ModelSpec, params: dict[str, Any], seed: int, budget: dict[str, Any]) -> str:
    """sha256 over the task data hash, model kind and effective settings, seed and budget."""
    payload = json.dumps({"data": data_hash, "kind": spec.kind, "params": params, "seed": seed, "budget": budget},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _full_proba(proba: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities over all ``n_classes`` labels (a class absent from training gets 0)."""
    full = np.zeros((proba.shape[0], n_classes), dtype=np.float64)
    full[:, np.asarray(classes, dtype=np.int64)] = proba
    return full


def _note(task: str, model: str | None, seed: int, kind: str, message: str) -> dict[str, Any]:
    return {"task": task, "model": model, "seed": seed, "kind": kind, "message": message}


def _model_row(task: Task, spec: ModelSpec, seed: int, run: dict[str, Any]) -> dict[str, Any]:
    y_true, y_pred = run["y_true"], run["y_pred"]
    return {"task": task.name, "model": spec.name, "family": spec.family, "seed": seed,
            "n_train": run["info"]["n_train"], "n_test": run["info"]["n_test"],
            "accuracy": ag.accuracy(y_true, y_pred),
            "macro_f1": ag.macro_f1(y_true, y_pred, labels=list(range(len(task.label_names)))),
            "seconds": run["info"]["seconds"]}


def _prediction_frame(task: Task, model: str, seed: int, run: dict[str, Any]) -> pd.DataFrame:
    names = np.asarray(task.label_names, dtype=object)
    y_true, y_pred = run["y_true"], run["y_pred"]
    frame = pd.DataFrame({"task": task.name, "model": model, "seed": seed, "idx": np.arange(len(y_true)),
                          "text": task.test_texts, "y_true": names[y_true], "y_pred": names[y_pred],
                          "correct": y_true == y_pred})
    for j, name in enumerate(task.label_names):
        frame[f"proba_{name}"] = run["proba"][:, j].astype(np.float64)
    return frame
