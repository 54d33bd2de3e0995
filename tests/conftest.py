"""Shared test fixtures: where the shared real data and cases live, and the offline model."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOMOG_SHARED", ROOT.parent / "shared"))
CASES = SHARED / "cases"
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def cases_dir() -> Path:
    if not CASES.is_dir():
        pytest.skip(f"shared cases not found at {CASES}")
    return CASES


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data not found at {DATA}")
    return DATA


@pytest.fixture()
def store(tmp_path):
    from homog.store import Store

    with Store(tmp_path / "test.sqlite") as s:
        yield s
