"""Provenance: library versions and the platform, for the manifest of every report."""
from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

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
