"""Fixtures shared by the benchmark tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench_root(data_dir):
    """The shared benchmark data folder (``shared/data/benchmarks``)."""
    return data_dir / "benchmarks"
