"""Run a benchmark suite: every (task, model, seed), resumable through the store, then compare the models."""
from __future__ import annotations

import hashlib
import inspect
import io
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from homog.bench import agreement as ag
from homog.bench import link as lk
from homog.bench import outcomes as oc
from homog.bench.models import MODEL_KINDS
from homog.bench.suite import ModelSpec, Suite, resolve_data_root
from homog.bench.tasks import SkippedTask, Task, load_task
from homog.corpus.record import Paper
from homog.embed import DEFAULT_MODEL
from homog.store import Store

MODEL_COLUMNS = ["task", "model", "family", "seed", "n_train", "n_test", "accuracy", "accuracy_lo", "accuracy_hi",
                 "macro_f1", "macro_f1_lo", "macro_f1_hi", "seconds"]
PAIR_COLUMNS = ["task", "seed", "model_a", "model_b", "agreement", "kappa", "error_consistency",
                "error_consistency_lo", "error_consistency_hi", "capa", "cka", "literature_distance"]
PREDICTION_COLUMNS = ["task", "model", "seed", "idx", "text", "y_true", "y_pred", "correct"]
NOTE_COLUMNS = ["task", "model", "seed", "kind", "message"]
HOMOGENIZATION_COLUMNS = ["task", "seed", "n_models", "n_test", "systemic_failure", "expected_independent", "ratio",
                          "ratio_lo", "ratio_hi"]
FAILURE_COLUMNS = ["task", "seed", "n_wrong", "observed", "expected_independent"]
LINK_COLUMNS = ["task", "seed", "n_models", "mantel_r", "p_value", "within_ec", "within_ec_lo", "within_ec_hi",
                "between_ec", "between_ec_lo", "between_ec_hi", "n_within_pairs", "n_between_pairs"]
PLACEMENT_COLUMNS = ["model", "family", "description", "cluster", "cluster_label", "similarity"]


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass
class BenchResult:
    """The benchmark's tables.

    ``models_``: one row per run with accuracy and macro-F1 (bootstrap intervals ``_lo``/``_hi``);
    ``pairs_``: per model pair agreement, kappa, error consistency (with interval), CAPA, linear CKA
    (NaN where a model has no dense representation) and literature distance;
    ``predictions_``: per test example and model, the prediction and class probabilities;
    ``notes_``: skipped tasks, data problems, failed runs, undefined metrics;
    ``homogenization_``: per task and seed the systemic failure rate, its independence
    expectation and their ratio (with interval); ``failures_``: the observed and
    expected share of examples that exactly ``n_wrong`` models get wrong;
    ``link_``: the Mantel test between literature distance and error consistency and the
    within- against between-cluster error consistency; ``placement_``: each model's
    nearest method cluster.
    """

    models_: pd.DataFrame
    pairs_: pd.DataFrame
    predictions_: pd.DataFrame
    notes_: pd.DataFrame
    homogenization_: pd.DataFrame = field(default_factory=lambda: _frame(HOMOGENIZATION_COLUMNS))
    link_: pd.DataFrame = field(default_factory=lambda: _frame(LINK_COLUMNS))
    failures_: pd.DataFrame = field(default_factory=lambda: _frame(FAILURE_COLUMNS))
    placement_: pd.DataFrame = field(default_factory=lambda: _frame(PLACEMENT_COLUMNS))


class BenchmarkRunner:
    """Fit every suite model on every task for every seed and compare their predictions.

    Each (task, model, seed) run is keyed by a hash of the task's exact data,
    the model spec (with the settings the runner fills in), the seed and the
    budget; a run already in ``store`` is loaded instead of repeated.  A run
    that raises is noted as failed and the others go on.

    The link to the literature: ``method_space = (centers, labels_text)`` gives the
    corpus method clusters (row ``i`` of ``centers`` is the centre of cluster ``i``
    in the corpus encoder's space; ``labels_text[i]`` its label).  Model descriptions
    are embedded by ``embed_descriptions`` (a callable: list of texts → (n, d)
    array in that same space) or, when it is None, by the runner's own Embedder
    (the ``embedder_kwargs`` model).  ``link=False`` skips the link altogether.
    ``n_boot`` bootstrap resamples give every interval (seeded by the run's seed).
    """

    def __init__(self, suite: Suite, store: Store, *, data_root: str | Path | None = None,
                 corpus: Sequence[Paper] | None = None, embedder_kwargs: dict[str, Any] | None = None,
                 on_progress: Callable[[str, int, int], None] | None = None,
                 method_space: tuple[np.ndarray, dict[int, str]] | None = None,
                 embed_descriptions: Callable[[list[str]], np.ndarray] | None = None, link: bool = True,
                 n_boot: int = oc.N_BOOT):
        self.suite = suite
        self.store = store
        self.data_root = data_root
        self.corpus = corpus
        self.embedder_kwargs = embedder_kwargs
        self.on_progress = on_progress
        self.method_space = method_space
        self.embed_descriptions = embed_descriptions
        self.link = link
        self.n_boot = n_boot

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
        model_rows, pred_frames, pair_rows, homog_rows, failure_rows, link_rows = [], [], [], [], [], []
        space = self._literature_space(notes) if self.link else None
        for seed, task in tasks:
            finished: dict[str, dict[str, Any]] = {}
            for spec in self.suite.models:
                self._progress("benchmark", done, total)
                try:
                    run = self._run_one(task, spec, seed)
                except Exception as exc:  # noqa: BLE001 - one failing model must not stop the suite
                    notes.append(_note(task.name, spec.name, seed, "failed", f"{type(exc).__name__}: {exc}"))
                else:
                    finished[spec.name] = run
                    pred_frames.append(_prediction_frame(task, spec.name, seed, run))
                done += 1
            if not finished:
                continue
            idx = oc.bootstrap_indices(len(task.test_labels), self.n_boot, seed)
            model_rows += [_model_row(task, spec, seed, finished[spec.name], idx) for spec in self.suite.models
                           if spec.name in finished]
            names = list(finished)
            correct = np.vstack([finished[n]["y_pred"] == task.test_labels for n in names])
            ec_samples = oc.error_consistency_samples(correct, idx)
            distances = space[0].loc[names, names].to_numpy() if space is not None else None
            pair_rows += self._pairs(task, seed, finished, ec_samples, distances, notes)
            if len(names) >= 2:
                homog_rows.append(_homogenization_row(task, seed, correct, idx, notes))
                observed, expected = oc.failure_distribution(correct)
                failure_rows += [{"task": task.name, "seed": seed, "n_wrong": k, "observed": observed[k],
                                  "expected_independent": expected[k]} for k in range(len(names) + 1)]
            if space is not None and len(names) >= 3:
                link_rows.append(_link_row(task, seed, names, correct, ec_samples, distances,
                                           space[1].set_index("model").loc[names, "cluster"].to_numpy()))
        self._progress("benchmark", done, total)
        predictions = (pd.concat(pred_frames, ignore_index=True) if pred_frames
                       else pd.DataFrame(columns=PREDICTION_COLUMNS))
        placement = space[1] if space is not None else _frame(PLACEMENT_COLUMNS)
        return BenchResult(pd.DataFrame(model_rows, columns=MODEL_COLUMNS), pd.DataFrame(pair_rows, columns=PAIR_COLUMNS),
                           predictions, pd.DataFrame(notes, columns=NOTE_COLUMNS),
                           homogenization_=pd.DataFrame(homog_rows, columns=HOMOGENIZATION_COLUMNS),
                           link_=pd.DataFrame(link_rows, columns=LINK_COLUMNS),
                           failures_=pd.DataFrame(failure_rows, columns=FAILURE_COLUMNS), placement_=placement)

    def _literature_space(self, notes: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Embed each model's description; their cosine distances and each model's nearest method cluster."""
        specs = self.suite.models
        texts = [spec.description or f"{spec.family}: {spec.name}" for spec in specs]
        try:
            if self.embed_descriptions is not None:
                vectors = np.asarray(self.embed_descriptions(texts), dtype=np.float64)
            else:
                vectors = self._embedder(self._encoder_name()).transform(texts)
            distances = lk.cosine_distances(vectors)
        except Exception as exc:  # noqa: BLE001 - without the encoder the benchmark still stands; say why
            notes.append(_note("*", None, -1, "no link", f"cannot embed the model descriptions: "
                                                        f"{type(exc).__name__}: {exc}"))
            return None
        names = [spec.name for spec in specs]
        placement = pd.DataFrame({"model": names, "family": [s.family for s in specs], "description": texts,
                                  "cluster": -1, "cluster_label": "", "similarity": np.nan})
        if self.method_space is not None:
            centers, labels_text = self.method_space
            sims = lk.cosine_similarities(vectors, centers)
            nearest = np.argmax(sims, axis=1)
            placement["cluster"] = nearest
            placement["cluster_label"] = [labels_text.get(int(c), "") for c in nearest]
            placement["similarity"] = sims[np.arange(len(names)), nearest]
        return pd.DataFrame(distances, index=names, columns=names), placement

    def _encoder_name(self) -> str:
        return (self.embedder_kwargs or {}).get("model") or DEFAULT_MODEL

    # -- one run -------------------------------------------------------------------
    def _run_one(self, task: Task, spec: ModelSpec, seed: int) -> dict[str, Any]:
        params = self.effective_params(spec, seed)
        key = run_key(task.data_hash, spec, params, seed, asdict(self.suite.budget))
        if self.store.has_bench_run(key):
            run = self.store.get_bench_run(key)
            stored = self.store.get_result(REPRESENTATION_KIND, key)
            run["representation"] = np.load(io.BytesIO(stored)) if stored is not None else None
            return run
        cls = MODEL_KINDS[spec.kind]
        objects = {"store": self.store} if "store" in inspect.signature(cls).parameters else {}
        if spec.kind == "embedding_probe":
            objects["embedder"] = self._embedder(params["model"])
        start = time.perf_counter()
        model = cls(**params, **objects).fit(task.train_texts, task.train_labels)
        proba = _full_proba(model.predict_proba(task.test_texts), model.classes_, len(task.label_names))
        seconds = time.perf_counter() - start
        representation = np.asarray(model.transform(task.test_texts), dtype=np.float32) if hasattr(model, "transform") \
            else None
        y_pred = np.argmax(proba, axis=1)
        info = {"seconds": seconds, "n_train": len(task.train_texts), "n_test": len(task.test_texts),
                "label_names": task.label_names, "data_hash": task.data_hash, "params": params,
                **{k: getattr(model, k) for k in ("device_", "precision_", "model_revision_") if hasattr(model, k)}}
        if representation is not None:  # stored first: a run counts as finished only once put_bench_run is done
            buffer = io.BytesIO()
            np.save(buffer, representation)
            self.store.put_result(REPRESENTATION_KIND, key, buffer.getvalue())
        self.store.put_bench_run(key, task.name, spec.name, seed, info, task.test_labels, y_pred, proba)
        return {"info": info, "y_true": task.test_labels, "y_pred": y_pred, "proba": proba.astype(np.float32),
                "representation": representation}

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

    def _pairs(self, task: Task, seed: int, finished: dict[str, dict[str, Any]], ec_samples: np.ndarray,
               distances: np.ndarray | None, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        y = task.test_labels
        names = list(finished)
        for (i, a), (j, b) in combinations(enumerate(names), 2):
            ra, rb = finished[a], finished[b]
            pa, pb = ra["y_pred"], rb["y_pred"]
            ec = ag.error_consistency(pa == y, pb == y)
            if math.isnan(ec):
                notes.append(_note(task.name, f"{a} vs {b}", seed, "undefined",
                                   f"error consistency {ag.ERROR_CONSISTENCY_UNDEFINED}"))
            lo, hi = oc.interval(ec_samples[:, i, j])
            reps = ra.get("representation"), rb.get("representation")
            rows.append({"task": task.name, "seed": seed, "model_a": a, "model_b": b,
                         "agreement": ag.agreement(pa, pb), "kappa": ag.cohen_kappa(pa, pb),
                         "error_consistency": ec, "error_consistency_lo": lo, "error_consistency_hi": hi,
                         "capa": ag.capa(ra["proba"], rb["proba"], y),
                         "cka": ag.linear_cka(*reps) if all(r is not None for r in reps) else math.nan,
                         "literature_distance": float(distances[i, j]) if distances is not None else math.nan})
        return rows

    def _progress(self, description: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(description, done, total)


REPRESENTATION_KIND = "bench_representation"


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


def _model_row(task: Task, spec: ModelSpec, seed: int, run: dict[str, Any], idx: np.ndarray) -> dict[str, Any]:
    y_true, y_pred = run["y_true"], run["y_pred"]
    n_classes = len(task.label_names)
    acc_lo, acc_hi = oc.interval(oc.accuracy_samples(y_true == y_pred, idx))
    f1_lo, f1_hi = oc.interval(oc.macro_f1_samples(y_true, y_pred, n_classes, idx))
    return {"task": task.name, "model": spec.name, "family": spec.family, "seed": seed,
            "n_train": run["info"]["n_train"], "n_test": run["info"]["n_test"],
            "accuracy": ag.accuracy(y_true, y_pred), "accuracy_lo": acc_lo, "accuracy_hi": acc_hi,
            "macro_f1": ag.macro_f1(y_true, y_pred, labels=list(range(n_classes))),
            "macro_f1_lo": f1_lo, "macro_f1_hi": f1_hi, "seconds": run["info"]["seconds"]}


def _homogenization_row(task: Task, seed: int, correct: np.ndarray, idx: np.ndarray,
                        notes: list[dict[str, Any]]) -> dict[str, Any]:
    ratio = oc.homogenization_ratio(correct)
    if math.isnan(ratio):
        notes.append(_note(task.name, None, seed, "undefined", "homogenization ratio undefined: a model is right on "
                                                               "every test example, so no failure is systemic"))
    lo, hi = oc.interval(oc.homogenization_samples(correct, idx))
    return {"task": task.name, "seed": seed, "n_models": correct.shape[0], "n_test": correct.shape[1],
            "systemic_failure": oc.systemic_failure(correct),
            "expected_independent": oc.expected_systemic_failure(correct), "ratio": ratio,
            "ratio_lo": lo, "ratio_hi": hi}


def _link_row(task: Task, seed: int, names: list[str], correct: np.ndarray, ec_samples: np.ndarray,
              distances: np.ndarray, clusters: np.ndarray) -> dict[str, Any]:
    ec = oc.error_consistency_samples(correct, np.arange(correct.shape[1])[None, :])[0]
    r, p = lk.mantel(distances, ec, seed=seed)
    if np.any(clusters < 0):  # no method space given: models are not placed in clusters
        within = between = math.nan
        w_samples = b_samples = np.full(ec_samples.shape[0], np.nan)
        n_within = 0
    else:
        within, between = lk.within_between(ec, clusters)
        w_samples, b_samples = lk.within_between(ec_samples, clusters)
        n_within = int(np.triu(clusters[:, None] == clusters[None, :], k=1).sum())
    (w_lo, w_hi), (b_lo, b_hi) = oc.interval(w_samples), oc.interval(b_samples)
    return {"task": task.name, "seed": seed, "n_models": len(names), "mantel_r": r, "p_value": p,
            "within_ec": within, "within_ec_lo": w_lo, "within_ec_hi": w_hi,
            "between_ec": between, "between_ec_lo": b_lo, "between_ec_hi": b_hi, "n_within_pairs": n_within,
            "n_between_pairs": len(names) * (len(names) - 1) // 2 - n_within}


def _prediction_frame(task: Task, model: str, seed: int, run: dict[str, Any]) -> pd.DataFrame:
    names = np.asarray(task.label_names, dtype=object)
    y_true, y_pred = run["y_true"], run["y_pred"]
    frame = pd.DataFrame({"task": task.name, "model": model, "seed": seed, "idx": np.arange(len(y_true)),
                          "text": task.test_texts, "y_true": names[y_true], "y_pred": names[y_pred],
                          "correct": y_true == y_pred})
    for j, name in enumerate(task.label_names):
        frame[f"proba_{name}"] = run["proba"][:, j].astype(np.float64)
    return frame
