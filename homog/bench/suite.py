"""Benchmark suites: a TOML file naming tasks, models, seeds and a compute budget.

See ``benchmarks/README.md`` for the format.  :func:`load_suite` validates the
whole file up front, so a typo fails before any model trains.
"""
from __future__ import annotations

import inspect
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homog.errors import HomogError

DATA_ENV = "HOMOG_BENCH_DATA"
DEFAULT_DATA_ROOT = Path("..") / "shared" / "data" / "benchmarks"

SOURCES = ("local", "hub", "corpus")
LAYOUTS = ("glue_tsv", "senteval_sst", "senteval_binary", "trec", "ag_news_csv")
TEST_SPLITS = ("dev", "test", "kfold")
CORPUS_LABELS = ("primary_category", "venue")

_TOP_KEYS = {"name": True, "description": False, "seeds": False, "budget": True, "tasks": True, "models": True}
_BUDGET_KEYS = {"train_size": True, "test_size": True, "epochs": False, "max_length": False}
_TASK_KEYS = {
    "local": {"name": True, "source": True, "path": True, "layout": True, "test_split": True, "label_names": False,
              "folds": False},
    "hub": {"name": True, "source": True, "dataset": True, "config": False, "test_split": True,
            "text_field": False, "label_field": False},
    "corpus": {"name": True, "source": True, "label": True},
}
_MODEL_KEYS = {"name", "family", "kind", "description"}
# Constructor arguments the runner supplies itself; a suite may not set them.
RUNNER_PARAMS = ("random_state", "store", "embedder", "embedder_kwargs")


@dataclass(frozen=True)
class Budget:
    """How much data and compute each run gets."""

    train_size: int
    test_size: int
    epochs: int = 1
    max_length: int = 64


@dataclass(frozen=True)
class TaskSpec:
    """One task entry of a suite (fields that do not apply to its source are None)."""

    name: str
    source: str
    path: str | None = None
    layout: str | None = None
    test_split: str | None = None
    label_names: tuple[str, ...] | None = None
    dataset: str | None = None
    config: str | None = None
    text_field: str | None = None
    label_field: str | None = None
    label: str | None = None
    folds: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One model entry: ``kind`` picks the class, ``params`` are its constructor settings."""

    name: str
    family: str
    kind: str
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    """A validated benchmark suite."""

    name: str
    seeds: tuple[int, ...]
    budget: Budget
    tasks: tuple[TaskSpec, ...]
    models: tuple[ModelSpec, ...]
    description: str = ""
    path: str | None = None


def resolve_data_root(data_root: str | Path | None = None) -> Path | None:
    """The benchmark data folder: ``data_root``, else ``$HOMOG_BENCH_DATA``, else ``../shared/data/benchmarks``
    (relative to the current folder) if it exists, else None."""
    if data_root:
        return Path(data_root)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    default = Path.cwd() / DEFAULT_DATA_ROOT
    return default.resolve() if default.is_dir() else None


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file; any problem raises :class:`HomogError` naming the file and entry."""
    path = Path(path)
    file = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise HomogError("suite file not found", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise HomogError(f"not valid TOML: {exc}", file=file) from None
    _check_keys(data, _TOP_KEYS, file, "suite")
    name = _typed(data, "name", str, file, "suite")
    seeds = data.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) for s in seeds) or len(set(seeds)) != len(seeds):
        raise HomogError(f"seeds must be a non-empty list of distinct integers, got {seeds!r}", file=file,
                         record="seeds")
    budget = _budget(data["budget"], file)
    tasks = _entries(data, "tasks", file)
    models = _entries(data, "models", file)
    task_specs = tuple(_task(t, i, file) for i, t in enumerate(tasks))
    model_specs = tuple(_model(m, i, file) for i, m in enumerate(models))
    for label, specs in (("task", task_specs), ("model", model_specs)):
        names = [s.name for s in specs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise HomogError(f"duplicate {label} name(s): {', '.join(dupes)}", file=file, record=f"{label}s")
    return Suite(name=name, seeds=tuple(seeds), budget=budget, tasks=task_specs, models=model_specs,
                 description=str(data.get("description", "")), path=file)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_keys(entry: Any, allowed: dict[str, bool], file: str, record: str) -> None:
    if not isinstance(entry, dict):
        raise HomogError(f"expected a table, got {type(entry).__name__}", file=file, record=record)
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise HomogError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}", file=file,
                         record=record)
    missing = [k for k, required in allowed.items() if required and k not in entry]
    if missing:
        raise HomogError(f"missing required key(s) {', '.join(missing)}", file=file, record=record)


def _typed(entry: dict[str, Any], key: str, kind: type, file: str, record: str) -> Any:
    value = entry[key]
    ok = _is_int(value) if kind is int else isinstance(value, kind)
    if not ok or (kind is str and not value.strip()):
        raise HomogError(f"{key} must be a non-empty {kind.__name__}, got {value!r}", file=file, record=record)
    return value


def _choice(entry: dict[str, Any], key: str, choices: tuple[str, ...], file: str, record: str) -> str:
    value = entry[key]
    if value not in choices:
        raise HomogError(f"{key} must be one of {', '.join(choices)}, got {value!r}", file=file, record=record)
    return value


def _entries(data: dict[str, Any], key: str, file: str) -> list[Any]:
    entries = data[key]
    if not isinstance(entries, list) or not entries:
        raise HomogError(f"needs at least one [[{key}]] entry", file=file, record=key)
    return entries


def _budget(entry: Any, file: str) -> Budget:
    _check_keys(entry, _BUDGET_KEYS, file, "budget")
    values = {}
    for key in _BUDGET_KEYS:
        if key in entry:
            value = _typed(entry, key, int, file, "budget")
            if value < 1:
                raise HomogError(f"{key} must be at least 1, got {value}", file=file, record="budget")
            values[key] = value
    return Budget(**values)


def _task(entry: Any, index: int, file: str) -> TaskSpec:
    record = f"tasks[{index}]" + (f" ({entry['name']})" if isinstance(entry, dict) and "name" in entry else "")
    if not isinstance(entry, dict) or "source" not in entry:
        raise HomogError("missing required key source", file=file, record=record)
    source = _choice(entry, "source", SOURCES, file, record)
    _check_keys(entry, _TASK_KEYS[source], file, record)
    for key in entry:
        if key not in ("label_names", "folds"):
            _typed(entry, key, str, file, record)
    if source == "local":
        _choice(entry, "layout", LAYOUTS, file, record)
    if source in ("local", "hub"):
        _choice(entry, "test_split", TEST_SPLITS if source == "local" else TEST_SPLITS[:2], file, record)
    if source == "local" and (entry["layout"] == "senteval_binary") != (entry["test_split"] == "kfold"):
        raise HomogError("layout senteval_binary has no official split and needs test_split = \"kfold\"; "
                         "every other layout needs dev or test", file=file, record=record)
    if "folds" in entry and (entry.get("test_split") != "kfold" or _typed(entry, "folds", int, file, record) < 2):
        raise HomogError("folds (an integer >= 2) applies only to test_split = \"kfold\"", file=file, record=record)
    if source == "corpus":
        _choice(entry, "label", CORPUS_LABELS, file, record)
    names = entry.get("label_names")
    if names is not None:
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
            raise HomogError("label_names must be a list of at least two strings", file=file, record=record)
        entry = {**entry, "label_names": tuple(names)}
    return TaskSpec(**entry)


def _model(entry: Any, index: int, file: str) -> ModelSpec:
    from homog.bench.models import MODEL_KINDS

    record = f"models[{index}]" + (f" ({entry['name']})" if isinstance(entry, dict) and "name" in entry else "")
    if not isinstance(entry, dict):
        raise HomogError(f"expected a table, got {type(entry).__name__}", file=file, record=record)
    missing = [k for k in ("name", "family", "kind") if k not in entry]
    if missing:
        raise HomogError(f"missing required key(s) {', '.join(missing)}", file=file, record=record)
    for key in ("name", "family", "kind"):
        _typed(entry, key, str, file, record)
    kind = entry["kind"]
    if kind not in MODEL_KINDS:
        raise HomogError(f"unknown model kind {kind!r}; known: {', '.join(MODEL_KINDS)}", file=file, record=record)
    params = {k: v for k, v in entry.items() if k not in _MODEL_KEYS}
    allowed = [p for p in inspect.signature(MODEL_KINDS[kind]).parameters if p not in RUNNER_PARAMS]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise HomogError(f"unknown key(s) {', '.join(unknown)} for kind {kind}; settings it takes: "
                         f"{', '.join(allowed)}", file=file, record=record)
    return ModelSpec(name=entry["name"], family=entry["family"], kind=kind,
                     description=str(entry.get("description", "")), params=params)

