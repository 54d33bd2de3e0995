"""Provenance: library versions, file hashes and the machine, for the manifest of every report."""
from __future__ import annotations

import hashlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

RECORDED_LIBRARIES = (
    "homog", "numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "torch", "transformers",
    "sentence-transformers", "networkx", "arxiv", "matplotlib", "jinja2", "typer",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape homog's numbers, plus Python and the platform."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in RECORDED_LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
